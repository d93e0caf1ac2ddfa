"""The CLI as a user runs it: ``python -m tuner ARGS`` in a subprocess, output captured."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from helpers.paths import subprocess_path

# `python -m tuner` with a fault at one exact moment (helpers/crash_driver.py): pass it as
# run_tuner's `program`, with KILL_AT (and KILL_TRIAL) in `env`.
CRASH_DRIVER = [sys.executable, "-m", "helpers.crash_driver"]


def run_tuner(
    *args: str,
    cwd: Path,
    timeout: float = 300,
    env: dict[str, str] | None = None,
    program: list[str] | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m tuner ARGS`` (or ``program ARGS``) as a user runs it, output captured.

    The config's own `backend:` decides and errors stay one line: KERAS_BACKEND and
    TUNER_DEBUG from the developer's shell are dropped."""
    base = {k: v for k, v in os.environ.items() if k not in ("KERAS_BACKEND", "TUNER_DEBUG")}
    base["PYTHONPATH"] = subprocess_path()
    return subprocess.run(
        [*(program or [sys.executable, "-m", "tuner"]), *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=preexec_fn,
    )
