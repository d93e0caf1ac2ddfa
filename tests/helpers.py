"""What several test files share: the CLI as a subprocess, and a tiny search config."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

# A search that trains for seconds: 200 bundled MNIST samples, 3 one-epoch trials.
TINY_SEARCH: dict[str, Any] = {
    "name": "tiny",
    "seed": 3,
    "data": {"dataset": "mnist", "source": "bundled", "limit": 200},
    "space": {
        "units": [4, 8],
        "learning_rate": {"min": 1.0e-3, "max": 1.0e-2, "sampling": "log"},
        "batch_size": 64,
    },
    "search": {"algorithm": "random", "max_trials": 3, "epochs": 1},
    "report": {"top_k": 1},
}


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
    base["PYTHONPATH"] = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    return subprocess.run(
        [*(program or [sys.executable, "-m", "tuner"]), *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=preexec_fn,
    )
