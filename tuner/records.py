"""Trial records on disk (runs/<name>/trials/<id>.json) and the one-row-per-trial frame.

A record holds everything the report needs, so the report never imports Keras or
keras-tuner: status, hyperparameters, score, best epoch, the per-epoch history of every
metric, seconds, parameter count, the error of a failed trial and how many times the trial
was started ("attempts": more than 1 when a kill or Ctrl-C interrupted it and it ran again).

A record is written once, atomically, and never rewritten: a resumed search keeps it byte
for byte. Files in trials/ that are not records (torn, foreign, wrong types) are skipped
with a note, never fatal.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from tuner import storage

COMPLETED, FAILED = "completed", "failed"
RECORD_KEYS = (
    "trial_id", "number", "status", "hyperparameters", "objective", "direction", "score",
    "best_epoch", "epochs_run", "stopped_early", "history", "seconds", "parameters", "error",
)  # fmt: skip
ATTEMPTS = "attempts"  # runs/<name>/attempts/<id>.json: when each attempt at a trial started
_LOCK = ".lock"


def trials_dir(run_dir: Path) -> Path:
    return Path(run_dir) / "trials"


def write_record(run_dir: Path, record: dict[str, Any]) -> Path:
    path = trials_dir(run_dir) / f"{record['trial_id']}.json"
    storage.write_json(path, record)
    return path


def add_record(run_dir: Path, record: dict[str, Any]) -> dict[str, Any]:
    """Write a new record numbered one past the highest so far (unique across processes)."""
    with _locked(run_dir):
        numbers = [r["number"] for r in read_records(run_dir)[0]]
        record = {**record, "number": max(numbers, default=0) + 1}
        write_record(run_dir, record)
    return record


def read_record(run_dir: Path, trial_id: str) -> dict[str, Any] | None:
    """The finished record of one trial, or None if there is none (or it is unusable)."""
    path = trials_dir(run_dir) / f"{trial_id}.json"
    if not path.exists():
        return None
    record, _ = _load(path)
    return record


def read_records(run_dir: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """All readable records in finishing order, and a note for each file that was skipped."""
    records, skipped = [], []
    for path in sorted(trials_dir(run_dir).glob("*.json")):
        record, note = _load(path)
        if record is None:
            skipped.append(f"{path.name}: {note}")
        else:
            records.append(record)
    records.sort(key=lambda r: (r["number"], r["trial_id"]))
    return records, skipped


def _load(path: Path) -> tuple[dict[str, Any] | None, str]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
        return None, f"unreadable ({exc.__class__.__name__})"
    if not isinstance(record, dict) or any(key not in record for key in RECORD_KEYS):
        return None, "not a trial record"
    problem = _type_problem(record)
    if problem:
        return None, f"not a trial record ({problem})"
    if record["trial_id"] != path.stem:
        return None, f"not a trial record (trial_id {record['trial_id']!r} is not its file name)"
    return record, ""


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _history(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    return all(isinstance(vs, list) and all(_number(v) for v in vs) for vs in value.values())


def _scalars(value: Any) -> bool:
    single = (str, int, float, bool, type(None))
    return isinstance(value, dict) and all(isinstance(v, single) for v in value.values())


_CHECKS: dict[str, tuple[str, Any]] = {
    "trial_id": ("text", lambda v: isinstance(v, str) and v != ""),
    "number": ("a whole number", _integer),
    "status": (f"{COMPLETED} or {FAILED}", lambda v: v in (COMPLETED, FAILED)),
    "hyperparameters": ("a mapping of names to single values", _scalars),
    "objective": ("text", lambda v: isinstance(v, str)),
    "direction": ("min or max", lambda v: v in ("min", "max")),
    "score": ("a number or null", lambda v: v is None or _number(v)),
    "best_epoch": ("a whole number or null", lambda v: v is None or _integer(v)),
    "epochs_run": ("a whole number", _integer),
    "stopped_early": ("true or false", lambda v: isinstance(v, bool)),
    "history": ("a mapping of metric names to lists of numbers", lambda v: _history(v)),
    "seconds": ("a number", _number),
    "parameters": ("a whole number or null", lambda v: v is None or _integer(v)),
    "error": ("text or null", lambda v: v is None or isinstance(v, str)),
}


def _type_problem(record: dict[str, Any]) -> str:
    for key, (expected, ok) in _CHECKS.items():
        if not ok(record[key]):
            return f"{key} should be {expected}, got {type(record[key]).__name__}"
    return ""


@contextlib.contextmanager
def _locked(run_dir: Path) -> Iterator[None]:
    """An exclusive lock on the trials folder, held while a record is numbered and written."""
    folder = trials_dir(run_dir)
    with storage.writing(folder / _LOCK):
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / _LOCK, "a")  # noqa: SIM115 (closed below, after the unlock)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def note_attempt(run_dir: Path, trial_id: str) -> int:
    """Count one more start of ``trial_id``; returns how many starts there have been."""
    path = Path(run_dir) / ATTEMPTS / f"{trial_id}.json"
    try:
        starts = json.loads(path.read_text())["starts"]
        starts = [s for s in starts if _number(s)]
    except (OSError, ValueError, KeyError, TypeError):
        starts = []
    starts.append(round(time.time(), 3))
    storage.write_json(path, {"trial_id": trial_id, "starts": starts})
    return len(starts)


def best_epoch_metrics(record: dict[str, Any]) -> dict[str, float]:
    """Every metric at the best epoch (1-based), as keras-tuner scores a trial."""
    epoch = record.get("best_epoch")
    if not epoch:
        return {}
    return {
        name: values[epoch - 1]
        for name, values in record["history"].items()
        if len(values) >= epoch
    }


def frame(
    records: list[dict[str, Any]], test: dict[str, dict[str, float]] | None = None
) -> pd.DataFrame:
    """One tidy row per trial: params_<name> columns, metrics at the best epoch, test_<metric>."""
    rows = []
    for record in records:
        row: dict[str, Any] = {
            key: record[key] for key in RECORD_KEYS if key not in ("history", "hyperparameters")
        }
        row["attempts"] = record.get("attempts", 1)
        row.update({f"params_{k}": v for k, v in record["hyperparameters"].items()})
        row.update(best_epoch_metrics(record))
        row.update({f"test_{k}": v for k, v in (test or {}).get(record["trial_id"], {}).items()})
        rows.append(row)
    return pd.DataFrame(rows)


def ranked(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Completed trials with a finite score, best first."""
    scored = [r for r in records if r["status"] == COMPLETED and _finite(r["score"])]
    return sorted(
        scored,
        key=lambda r: r["score"],
        reverse=scored[0]["direction"] == "max" if scored else False,
    )


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)
