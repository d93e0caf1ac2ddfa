"""Where things are: the repository, the tests, and the PYTHONPATH a test's subprocess gets."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"


def subprocess_path() -> str:
    """PYTHONPATH for a child process: this checkout's `tuner` first, then tests/ (for
    ``python -m helpers.crash_driver``), then whatever the developer's shell had."""
    return os.pathsep.join([str(REPO), str(TESTS), os.environ.get("PYTHONPATH", "")])
