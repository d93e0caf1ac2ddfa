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
from helpers.paths import REPO

CONFIG = {
    "name": "tty",
    "data": {"dataset": "digits", "limit": 100},
    "space": {"units": 4, "batch_size": 32},
    "search": {"algorithm": "random", "max_trials": 1, "epochs": 1, "cv": None},
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


def test_keras_progress_bar_only_on_a_terminal_without_no_color(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tuner.engine.search import keras_verbosity

    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(sys, "stdout", Terminal())
    assert keras_verbosity(False) == 0 and keras_verbosity(True) == 1  # the coloured bar
    monkeypatch.setenv("NO_COLOR", "1")
    assert keras_verbosity(True) == 2  # a plain line per epoch


@pytest.mark.slow
def test_no_color_search_on_a_terminal_prints_no_colour(tmp_path: Path) -> None:
    (tmp_path / "tty.yaml").write_text(yaml.safe_dump(CONFIG))
    plain = on_a_terminal(tmp_path, NO_COLOR="1")
    assert "best: trial 0" in plain and "loss" in plain  # Keras' epoch lines are there
    assert "\x1b[" not in plain.replace("\r\x1b[K", "")  # only the line rewrite, no colour
