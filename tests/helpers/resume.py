"""What the kill tests share: a tiny search run as a user runs it (or by helpers/crash_driver.py,
which kills it at a chosen point) and the invariants checked after a resume."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from helpers.cli import CRASH_DRIVER
from helpers.configs import TINY_SEARCH
from helpers.paths import subprocess_path

CONFIG = TINY_SEARCH


def write_config(folder: Path, **search: Any) -> Path:
    """CONFIG with some search keys changed."""
    path = folder / "tiny.yaml"
    path.write_text(yaml.safe_dump({**CONFIG, "search": {**CONFIG["search"], **search}}))
    return path


def env(**extra: str) -> dict[str, str]:
    out = {**os.environ, "PYTHONPATH": subprocess_path(), "PYTHONUNBUFFERED": "1", **extra}
    out.pop("TUNER_DEBUG", None)
    return out


def start_search(cwd: Path, config: Path, **popen: Any) -> subprocess.Popen[Any]:
    """`tuner search CONFIG` in the background, as a user's terminal would run it."""
    command = [sys.executable, "-m", "tuner", "search", str(config)]
    return subprocess.Popen(command, cwd=cwd, env=env(), **popen)


def tuner(cwd: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tuner", *args]
    if "KILL_AT" in extra:
        command = [*CRASH_DRIVER, *args]
    return subprocess.run(
        command, cwd=cwd, env=env(**extra), capture_output=True, text=True, timeout=300
    )


def finished(run: Path) -> dict[str, bytes]:
    """Every record file's bytes, by trial id."""
    return {p.stem: p.read_bytes() for p in sorted((run / "trials").glob("*.json"))}


def check_kept(before: dict[str, bytes], after: dict[str, bytes]) -> None:
    lost = [t for t in before if t not in after]
    changed = [t for t in before if t in after and after[t] != before[t]]
    assert not lost and not changed, f"lost {lost}, changed {changed}"


def check_complete(run: Path, max_trials: int) -> list[dict[str, Any]]:
    records = [json.loads(b) for b in finished(run).values()]
    assert len(records) == max_trials
    assert sorted(r["number"] for r in records) == list(range(1, max_trials + 1))
    assert sorted(int(r["trial_id"]) for r in records) == list(range(max_trials))
    oracle = json.loads((run / "kt" / "oracle.json").read_text())
    assert sorted(oracle["end_order"]) == sorted(r["trial_id"] for r in records)
    assert oracle["ongoing_trials"] == {} and oracle["retry_queue"] == []
    return records
