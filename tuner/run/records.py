"""Trial records on disk (runs/<name>/trials/<id>.json): the typed TrialRecord, its checks,
writing, numbering and reading (the trials table is tuner.analysis.frame).

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
import json
import math
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, NotRequired, cast

import filelock
from typing_extensions import TypedDict  # pydantic needs this one on Python 3.11

from tuner.errors import TunerError
from tuner.numbers import is_finite_number, is_real_number
from tuner.run import atomic, layout

COMPLETED: Literal["completed"] = "completed"
FAILED: Literal["failed"] = "failed"
PRUNED: Literal["pruned"] = "pruned"  # stopped by search.pruning: a score, history kept


class FoldResult(TypedDict):
    """One fold of a cross-validated trial (search.cv): its score and its own curves."""

    fold: int  # 0-based
    score: float | None  # the objective at this fold's best epoch
    best_epoch: int | None
    epochs_run: int
    history: dict[str, list[float]]


class TrialRecord(TypedDict):
    """One finished trial, as runs/<name>/trials/<trial_id>.json holds it (written by
    tuner.engine.recorder, read by everything else). The keys without NotRequired are checked
    on every read; records of older versions may lack the others."""

    trial_id: str
    number: int  # finishing order across every process of the run, from 1
    status: Literal["completed", "failed", "pruned"]
    hyperparameters: dict[str, str | int | float | bool | None]  # the space's names only
    objective: str  # e.g. val_accuracy
    direction: Literal["min", "max"]
    score: float | None  # the objective at the best epoch, mean over executions
    best_epoch: int | None  # 1-based
    epochs_run: int
    stopped_early: bool
    history: dict[str, list[float]]  # every metric per epoch (the first execution's); a NaN
    # or infinite value is null on disk (strict JSON) and NaN once read
    seconds: float
    parameters: int | None  # the model's parameter count
    error: str | None  # a failed trial's reason, one line
    schedule: NotRequired[dict[str, str | int | float | bool | None]]  # tuner/* values
    epochs_requested: NotRequired[int]
    steps_per_epoch: NotRequired[int | None]
    epoch_seconds: NotRequired[list[float]]
    attempts: NotRequired[int]  # > 1: a kill or Ctrl-C interrupted it and it ran again
    finished_at: NotRequired[float]  # Unix time
    # the process's peak resident memory during the trial, MB (tuner.engine.memory)
    peak_memory_mb: NotRequired[float | None]
    pruned: NotRequired[str]  # why search.pruning stopped it, in words
    # executions_per_trial > 1: each execution's history, in order ("history" is the first)
    executions: NotRequired[list[dict[str, list[float]]]]
    # search.cv: every fold's result ("history" and "best_epoch" are the first fold's, "score"
    # the mean over folds), and the folds' standard deviation
    folds: NotRequired[list[FoldResult]]
    fold_sd: NotRequired[float]


def record_schema() -> dict[str, Any]:
    """TrialRecord as a JSON Schema (documented in the README)."""
    from pydantic import TypeAdapter  # only when asked: pydantic's schema builder is slow

    return TypeAdapter(TrialRecord).json_schema()


RECORD_KEYS = (
    "trial_id", "number", "status", "hyperparameters", "objective", "direction", "score",
    "best_epoch", "epochs_run", "stopped_early", "history", "seconds", "parameters", "error",
)  # fmt: skip
_LOCK = ".lock"


trials_dir = layout.trials_dir


def write_record(run_dir: Path, record: TrialRecord) -> Path:
    path = layout.record_file(run_dir, record["trial_id"])
    atomic.write_json(path, record)
    return path


def add_record(run_dir: Path, record: TrialRecord) -> TrialRecord:
    """Write a new record numbered one past the highest so far (unique across processes)."""
    with locked(run_dir):
        numbers = [r["number"] for r in read_records(run_dir)[0]]
        record = {**record, "number": max(numbers, default=0) + 1}
        write_record(run_dir, record)
    return record


def read_record(run_dir: Path, trial_id: str) -> TrialRecord | None:
    """The finished record of one trial, or None if there is none (or it is unusable)."""
    path = layout.record_file(run_dir, trial_id)
    if not path.exists():
        return None
    record, _ = _load(path)
    return record


def read_records(run_dir: Path) -> tuple[list[TrialRecord], list[str]]:
    """All readable records in finishing order, and a note for each file that was skipped."""
    records, skipped = [], []
    for path, record, note in scan(run_dir):
        if record is None:
            skipped.append(f"{path.name}: {note}")
        else:
            records.append(record)
    records.sort(key=lambda r: (r["number"], r["trial_id"]))
    return records, skipped


def scan(run_dir: Path) -> list[tuple[Path, TrialRecord | None, str]]:
    """Every file in trials/ named like a record: its path, the record (None when the file
    is not a usable record) and why not."""
    return [(path, *_load(path)) for path in sorted(trials_dir(run_dir).glob("*.json"))]


def set_aside(path: Path, why: str) -> Path:
    """Rename ``path`` to <name>.<why>-<time> beside it (never deleted); returns the new path."""
    aside = path.with_name(f"{path.name}.{why}-{time.strftime('%Y%m%d-%H%M%S')}")
    while aside.exists():
        aside = aside.with_name(aside.name + "x")
    with atomic.writing(aside):
        path.rename(aside)
    return aside


def _load(path: Path) -> tuple[TrialRecord | None, str]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
        return None, f"unreadable ({exc.__class__.__name__})"
    if not isinstance(record, dict) or any(key not in record for key in RECORD_KEYS):
        return None, "not a trial record"
    if isinstance(record["history"], dict):  # NaN and infinities are written as null
        record["history"] = {k: _nan_for_null(v) for k, v in record["history"].items()}
    if isinstance(record.get("executions"), list):
        record["executions"] = [
            {k: _nan_for_null(v) for k, v in h.items()} if isinstance(h, dict) else h
            for h in record["executions"]
        ]
    if isinstance(record.get("folds"), list):
        for fold in record["folds"]:
            if isinstance(fold, dict) and isinstance(fold.get("history"), dict):
                fold["history"] = {k: _nan_for_null(v) for k, v in fold["history"].items()}
    problem = _type_problem(record)
    if problem:
        return None, f"not a trial record ({problem})"
    if not layout.is_plain_name(record["trial_id"]):  # it names files: no "..", no "/"
        return None, f"not a trial record (trial_id {record['trial_id']!r} is not a plain name)"
    if record["trial_id"] != path.stem:
        return None, f"not a trial record (trial_id {record['trial_id']!r} is not its file name)"
    return cast(TrialRecord, record), ""  # checked key by key above


def _nan_for_null(values: Any) -> Any:
    return [math.nan if v is None else v for v in values] if isinstance(values, list) else values


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _history(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    return all(isinstance(vs, list) and all(is_real_number(v) for v in vs) for vs in value.values())


def _scalars(value: Any) -> bool:
    single = (str, int, float, bool, type(None))
    return isinstance(value, dict) and all(isinstance(v, single) for v in value.values())


_CHECKS: dict[str, tuple[str, Any]] = {
    "trial_id": ("text", lambda v: isinstance(v, str) and v != ""),
    "number": ("a whole number", _integer),
    "status": (
        f"{COMPLETED}, {FAILED} or {PRUNED}",
        lambda v: v in (COMPLETED, FAILED, PRUNED),
    ),
    "hyperparameters": ("a mapping of names to single values", _scalars),
    "objective": ("text", lambda v: isinstance(v, str)),
    "direction": ("min or max", lambda v: v in ("min", "max")),
    "score": ("a number or null", lambda v: v is None or is_real_number(v)),
    "best_epoch": ("a whole number or null", lambda v: v is None or _integer(v)),
    "epochs_run": ("a whole number", _integer),
    "stopped_early": ("true or false", lambda v: isinstance(v, bool)),
    "history": ("a mapping of metric names to lists of numbers", lambda v: _history(v)),
    "seconds": ("a number", is_real_number),
    "parameters": ("a whole number or null", lambda v: v is None or _integer(v)),
    "error": ("text or null", lambda v: v is None or isinstance(v, str)),
}


def _folds(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(f, dict)
        and _integer(f.get("fold"))
        and (f.get("score") is None or is_real_number(f.get("score")))
        and (f.get("best_epoch") is None or _integer(f.get("best_epoch")))
        and _integer(f.get("epochs_run"))
        and _history(f.get("history"))
        for f in value
    )


_OPTIONAL_CHECKS: dict[str, tuple[str, Any]] = {  # checked where present
    "schedule": ("a mapping of names to single values", _scalars),
    "attempts": ("a whole number", _integer),
    "folds": ("a list of fold results (fold, score, best_epoch, epochs_run, history)", _folds),
    "fold_sd": ("a number", is_real_number),
}


def _type_problem(record: dict[str, Any]) -> str:
    checks = {**_CHECKS, **{k: c for k, c in _OPTIONAL_CHECKS.items() if k in record}}
    for key, (expected, ok) in checks.items():
        if not ok(record[key]):
            return f"{key} should be {expected}, got {type(record[key]).__name__}"
    return ""


@contextlib.contextmanager
def locked(run_dir: Path) -> Iterator[None]:
    """An exclusive lock on the trials folder, held while a record is numbered and written."""
    folder = trials_dir(run_dir)
    check_lock(run_dir)
    with atomic.writing(folder / _LOCK):
        folder.mkdir(parents=True, exist_ok=True)
    with filelock.FileLock(folder / _LOCK):  # flock on POSIX, msvcrt on Windows
        yield


def check_lock(run_dir: Path) -> None:
    """A TunerError naming trials/.lock where something not a file holds its place (checked
    as a search opens the run, before a trial is trained for nothing)."""
    lock = trials_dir(run_dir) / _LOCK
    if lock.exists() and not lock.is_file():
        raise TunerError(
            f"{lock} is not a file; remove it (the search makes its own lock file), then run "
            "the same command"
        )


def note_attempt(run_dir: Path, trial_id: str) -> int:
    """Count one more start of ``trial_id``; returns how many starts there have been."""
    path = layout.attempts_file(run_dir, trial_id)
    try:
        starts = json.loads(path.read_text())["starts"]
        starts = [s for s in starts if is_real_number(s)]
    except (OSError, ValueError, KeyError, TypeError):
        starts = []
    starts.append(round(time.time(), 3))
    atomic.write_json(path, {"trial_id": trial_id, "starts": starts})
    return len(starts)


TIE_BREAKER = "val_loss"  # among epochs tied on the objective, the lowest validation loss


def best_epoch(
    values: Sequence[float], maximize: bool, ties: Sequence[float] | None = None
) -> int | None:
    """The 1-based epoch of the best finite value; among equal ones the epoch with the lowest
    ``ties`` value (validation loss: on a few validation samples many epochs reach the same
    accuracy, and the one whose predictions are most confident where right is the better
    model), else the first. None when no value is finite. The one rule for a trial, a
    repeat, an export and the search's own checkpoint alike."""
    finite = [(v, epoch) for epoch, v in enumerate(values, start=1) if is_finite_number(v)]
    if not finite:
        return None
    best = max(v for v, _ in finite) if maximize else min(v for v, _ in finite)
    tied = [epoch for v, epoch in finite if v == best]
    return min(tied, key=lambda epoch: (_tie_value(ties, epoch), epoch))


def best_epoch_of(history: dict[str, list[float]], objective: str, maximize: bool) -> int | None:
    """best_epoch of ``objective`` in a trial's history, ties broken by its validation loss."""
    ties = history.get(TIE_BREAKER) if objective != TIE_BREAKER else None
    return best_epoch(history.get(objective, []), maximize, ties)


def _tie_value(ties: Sequence[float] | None, epoch: int) -> float:
    value = ties[epoch - 1] if ties is not None and len(ties) >= epoch else math.inf
    return float(value) if is_finite_number(value) else math.inf


def best_epoch_metrics(record: TrialRecord) -> dict[str, float]:
    """Every metric at the best epoch (1-based), as keras-tuner scores a trial."""
    epoch = record.get("best_epoch")
    if not epoch:
        return {}
    return {
        name: values[epoch - 1]
        for name, values in record["history"].items()
        if len(values) >= epoch
    }


def ranked(records: list[TrialRecord]) -> list[TrialRecord]:
    """Completed trials with a finite score, best first."""
    scored = [r for r in records if r["status"] == COMPLETED and is_finite_number(r["score"])]
    return sorted(
        scored,
        key=score_of,
        reverse=scored[0]["direction"] == "max" if scored else False,
    )


def score_of(record: TrialRecord) -> float:
    """The score of a completed trial (ranked and scored lists hold only those)."""
    score = record["score"]
    if score is None:
        raise ValueError(f"trial {record['trial_id']} has no score")
    return float(score)
