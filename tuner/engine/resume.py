"""keras-tuner's own state in runs/<name>/kt/: written atomically, checked and mended on resume.

keras-tuner 1.4 writes oracle.json, tuner0.json and trial_*/trial.json in place and the
best-epoch weights straight into checkpoint.weights.h5, so a kill mid-write leaves a torn
file that stops the next resume. ``kt_compat.atomic_state`` routes those writes through
tuner.run.atomic (temporary file, fsync, rename) and turns a refused write (disk full,
read-only) into a FatalError that keras-tuner lets through instead of failing trial after trial.

On resume, ``open_tuner`` repairs what a kill can still leave behind:
- a trial created just before the kill that oracle.json never heard of stays RUNNING forever
  and counts against max_trials: it is queued to run again, as keras-tuner does for the
  trials oracle.json lists as ongoing;
- state that cannot be reloaded (torn or foreign files from older versions or other tools, a
  missing oracle.json beside finished records): kt/ is moved aside, never deleted, and the
  state is rebuilt by replaying our trial records through a fresh oracle, so each
  algorithm's own bookkeeping (brackets, grid order, Gaussian process) stays consistent.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras_tuner as kt
from keras_tuner.engine import trial as trial_module

from tuner.engine import kt_compat
from tuner.engine.kt_compat import fatal_writes
from tuner.run import atomic, records
from tuner.run.records import TrialRecord

ORACLE_FILE = "oracle.json"
_REBUILD_ID = "rebuild"  # the tuner id the replay creates trials under


def open_tuner(make: Callable[[], Any], run_dir: Path, kt_dir: Path) -> tuple[Any, list[str]]:
    """``make()`` the tuner, mending keras-tuner's state in ``kt_dir`` first if it needs it.

    Returns the tuner and notes for the user. A distributed worker only makes its tuner: the
    chief owns the state.
    """
    if kt_compat.is_worker():
        return make(), []
    finished = records.read_records(run_dir)[0]
    tuner_file = kt_dir / f"{os.environ.get('KERASTUNER_TUNER_ID', 'tuner0')}.json"
    if (kt_dir / ORACLE_FILE).exists() and not tuner_file.exists():
        # keras-tuner reloads the oracle only if this tuner's own file ({}, no state) exists:
        # missing after a kill before the first save, or when a run switches to --workers.
        with fatal_writes(tuner_file):
            atomic.write_text(tuner_file, "{}")
    problems = state_problems(kt_dir, bool(finished))
    existed = (kt_dir / ORACLE_FILE).exists()
    tuner = None
    if not problems:
        try:
            tuner = make()
        except (KeyError, ValueError, TypeError, AttributeError, RuntimeError) as exc:
            if not existed:
                raise
            problems = [f"keras-tuner cannot reload it ({exc.__class__.__name__}: {exc})"[:300]]
    notes = []
    if tuner is None:
        aside = set_aside(kt_dir)
        tuner = make()
        replay(tuner.oracle, finished, aside)
        notes.append(
            f"note: keras-tuner's state in {kt_dir} could not be reloaded ({'; '.join(problems)}); "
            f"rebuilt it from {len(finished)} trial record(s), the old state is in {aside}"
        )
    requeued = requeue_unfinished(tuner.oracle)
    tuner.save()  # oracle.json and the tuner file exist from the start: a later kill reloads
    notes += _resume_notes(run_dir, tuner.oracle, finished, requeued)
    return tuner, notes


def state_problems(kt_dir: Path, has_records: bool) -> list[str]:
    """Why keras-tuner could not reload ``kt_dir`` (unreadable files, missing state)."""
    files = [kt_dir / ORACLE_FILE, *sorted(kt_dir.glob("*.json"))]
    files += sorted(kt_dir.glob("trial_*/trial.json"))
    problems = []
    for path in dict.fromkeys(files):
        try:
            ok = isinstance(json.loads(path.read_text()), dict)
        except FileNotFoundError:
            continue
        except (OSError, ValueError):
            ok = False
        if not ok:
            problems.append(f"{path.relative_to(kt_dir)} is unreadable")
    if has_records and not (kt_dir / ORACLE_FILE).exists():
        problems.append(f"{ORACLE_FILE} is missing")
    return problems


def set_aside(kt_dir: Path) -> Path:
    aside = kt_dir.with_name(f"{kt_dir.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    while aside.exists():
        aside = aside.with_name(aside.name + "x")
    if kt_dir.exists():
        kt_dir.rename(aside)
    else:
        aside.mkdir(parents=True)
    return aside


def replay(oracle: Any, finished: list[TrialRecord], aside: Path) -> None:
    """Feed the finished trials, in trial-id order, through a fresh oracle's own API.

    Each trial is created by the oracle (so its algorithm does its bookkeeping), given the
    recorded values and outcome, and ended. An id without a record (a trial that was
    running, in a parallel search) is created too and queued to run again, so that new
    trials never take the id of a recorded one. Checkpoints are copied from ``aside``.
    """
    by_id = {r["trial_id"]: r for r in finished}
    last = max((int(i) for i in by_id if i.isdigit()), default=-1)
    verbose, oracle.verbose = oracle.verbose, 0
    for number in range(last + 1):
        tuner_id = f"{_REBUILD_ID}-{number}"
        trial = oracle.create_trial(tuner_id)
        if trial.status != trial_module.TrialStatus.RUNNING:
            break  # the algorithm waits or stops: the rest is added below without it
        record = by_id.get(trial.trial_id)
        if record is None:
            continue  # left in ongoing_trials; sent for a rerun below
        _end_as_recorded(oracle, trial, record, aside)
        oracle.tuner_ids.discard(tuner_id)
    oracle.verbose = verbose
    for tuner_id in [t for t in oracle.ongoing_trials if t.startswith(_REBUILD_ID)]:
        kt_compat.retry_queue(oracle).append(oracle.ongoing_trials.pop(tuner_id).trial_id)
        oracle.tuner_ids.discard(tuner_id)
    width = len(str(oracle.max_trials))
    for number in range(last + 1):  # ids must stay dense: a new trial takes id len(trials)
        trial_id = f"{number:0{width}d}"
        if trial_id not in oracle.trials:
            _add_directly(oracle, trial_id, by_id.get(trial_id), aside)
    oracle.save()


def _end_as_recorded(oracle: Any, trial: Any, record: TrialRecord, aside: Path) -> None:
    trial.hyperparameters.values = {**record["hyperparameters"], **record.get("schedule", {})}
    _copy_checkpoint(aside / f"trial_{trial.trial_id}", kt_compat.trial_dir(oracle, trial.trial_id))
    if record["status"] == records.COMPLETED and record["score"] is not None:
        step = max((record["best_epoch"] or 1) - 1, 0)
        oracle.update_trial(trial.trial_id, {record["objective"]: record["score"]}, step=step)
        trial.status = trial_module.TrialStatus.COMPLETED
    else:
        trial.status = trial_module.TrialStatus.FAILED
        trial.message = record["error"]
    oracle.end_trial(trial)


def _add_directly(oracle: Any, trial_id: str, record: TrialRecord | None, aside: Path) -> None:
    """A trial the oracle would not create now: ended as recorded, or queued to run again."""
    hp = oracle.get_space()
    hp.values = kt_compat.random_values(oracle)
    trial = trial_module.Trial(hyperparameters=hp, trial_id=trial_id)
    oracle.trials[trial_id] = trial
    oracle.start_order.append(trial_id)
    if record is None:
        kt_compat.retry_queue(oracle).append(trial_id)
        kt_compat.save_trial(oracle, trial)
    else:
        oracle.ongoing_trials[f"{_REBUILD_ID}-{trial_id}"] = trial  # end_trial takes it off
        _end_as_recorded(oracle, trial, record, aside)


def _copy_checkpoint(old: Path, new: Path) -> None:
    for path in old.glob("*"):
        if path.is_file() and path.name != "trial.json" and not path.name.startswith("."):
            partial = new / f"{atomic.PARTIAL_PREFIX}{path.name}"
            shutil.copyfile(path, partial)
            os.replace(partial, new / path.name)


def requeue_unfinished(oracle: Any) -> list[str]:
    """Queue every trial that was started but never ended to run again; returns their ids.

    keras-tuner requeues the trials oracle.json lists as ongoing; a kill between writing a new
    trial.json and oracle.json leaves one it does not know, RUNNING for ever.
    """
    known = set(oracle.end_order) | set(kt_compat.retry_queue(oracle))
    known |= {t.trial_id for t in oracle.ongoing_trials.values()}
    for trial_id, trial in sorted(oracle.trials.items()):
        if trial_id in known or trial.status != trial_module.TrialStatus.RUNNING:
            continue
        if trial_id not in oracle.start_order:
            oracle.start_order.append(trial_id)
        kt_compat.retry_queue(oracle).append(trial_id)
    return sorted(kt_compat.retry_queue(oracle))


def _resume_notes(
    run_dir: Path, oracle: Any, finished: list[TrialRecord], queued: list[str]
) -> list[str]:
    if not finished and not queued:
        return []
    done = {r["trial_id"] for r in finished}
    again = [t for t in queued if t not in done]
    line = f"resuming {run_dir}: {len(finished)} of {oracle.max_trials} trials finished"
    if len(again) == 1:
        line += f"; interrupted trial {again[0]} runs again"
    elif again:
        line += f"; interrupted trials {', '.join(again)} run again"
    return [line]


class StateMismatch(atomic.WriteError, kt.errors.FatalError):
    """keras-tuner's state and our records disagree about a trial (a foreign edit)."""


def replay_record(record: TrialRecord, values: dict[str, Any], kt_dir: Path) -> dict[str, float]:
    """What run_trial returns for a trial finished before a kill: its recorded outcome.

    A kill between our record and keras-tuner's end of the trial makes keras-tuner run the
    trial again; the record is kept byte for byte instead, and the trial is not retrained.
    """
    tunables = {k: v.item() if hasattr(v, "item") else v for k, v in values.items()}
    tunables = {k: v for k, v in tunables.items() if not k.startswith("tuner/")}
    if tunables != record["hyperparameters"]:
        raise StateMismatch(
            f"keras-tuner's state in {kt_dir} gives trial {record['trial_id']} other "
            f"hyperparameters than its record; move {kt_dir} aside (it is rebuilt from the "
            "records) and run the same command"
        )
    if record["status"] != records.COMPLETED or record["score"] is None:
        raise kt.errors.FailedTrialError(record["error"] or "failed")
    return {record["objective"]: record["score"]}
