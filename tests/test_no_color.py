"""NO_COLOR (no-color.org): `tuner search --verbose` on a terminal shows Keras' coloured
progress bar, and with NO_COLOR set plain lines; the toolkit's own output has no colour."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO

pytestmark = pytest.mark.slow
GREEN = "\x1b[32m"  # Keras' progress bar
CONFIG = {
    "name": "tty",
    "data": {"dataset": "digits", "limit": 100},
    "space": {"units": 4, "batch_size": 32},
    "search": {"algorithm": "random", "max_trials": 1, "epochs": 1},
    "report": {"top_k": 1},
}


def on_a_terminal(cwd: Path, **env: str) -> str:
    """`tuner search --verbose --fresh` with a pseudo-terminal as stdout and stderr."""
    leader, follower = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TUNER_DEBUG")}
    environment.update(PYTHONPATH=str(REPO), **env)
    process = subprocess.Popen(
        [sys.executable, "-m", "tuner", "search", "tty.yaml", "--verbose", "--fresh"],
        cwd=cwd, env=environment, stdout=follower, stderr=follower, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the search ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=300) == 0, b"".join(chunks).decode(errors="replace")[-2000:]
    return b"".join(chunks).decode(errors="replace")


def test_no_color_turns_keras_progress_bar_into_plain_lines(tmp_path: Path) -> None:
    (tmp_path / "tty.yaml").write_text(yaml.safe_dump(CONFIG))
    coloured = on_a_terminal(tmp_path)
    assert GREEN in coloured  # the check can fail: this is what NO_COLOR removes
    plain = on_a_terminal(tmp_path, NO_COLOR="1")
    assert "\x1b[3" not in plain and "best: trial 0" in plain
