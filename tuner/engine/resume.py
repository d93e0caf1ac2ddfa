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
  missing oracle.json or trial folder beside finished records): kt/ is moved aside, never
  deleted, and the state is rebuilt by replaying our trial records through a fresh oracle, so
  each algorithm's own bookkeeping (brackets, grid order, Gaussian process) stays consistent;
- a trial that keras-tuner counts as finished but whose record is gone or damaged runs again
  (a damaged record is moved aside to trials/<id>.json.damaged-<time>, never deleted), and a
  record of a trial keras-tuner never created is moved aside to <id>.json.foreign-<time>;
- a trial oracle.json lists as both finished and ongoing (a distributed chief's last save) is
  not handed out again.
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
from tuner.run import atomic, layout, records, role
from tuner.run.records import TrialRecord

_REBUILD_ID = "rebuild"  # the tuner id the replay creates trials under


def _quiet(make: Callable[[], Any]) -> Callable[[], Any]:
    def quiet_make() -> Any:
        with kt_compat.without_reload_line():
            return make()

    return quiet_make


def open_tuner(make: Callable[[], Any], run_dir: Path, kt_dir: Path) -> tuple[Any, list[str]]:
    """``make()`` the tuner, mending keras-tuner's state in ``kt_dir`` first if it needs it.

    Returns the tuner and notes for the user. A distributed worker only makes its tuner: the
    chief owns the state.
    """
    make = _quiet(make)
    if role.current().worker:
        return make(), []
    has_records = bool(records.read_records(run_dir)[0])
    tuner_file = layout.kt_tuner_file(kt_dir, role.current().state_name)
    if layout.kt_oracle_file(kt_dir).exists() and not tuner_file.exists():
        # keras-tuner reloads the oracle only if this tuner's own file ({}, no state) exists:
        # missing after a kill before the first save, or when a run switches to --workers.
        with fatal_writes(tuner_file):
            atomic.write_text(tuner_file, "{}")
    problems = state_problems(kt_dir, has_records)
    existed = layout.kt_oracle_file(kt_dir).exists()
    tuner = None
    if not problems:
        try:
            tuner = make()
        except (KeyError, ValueError, TypeError, AttributeError, RuntimeError) as exc:
            if not existed:
                raise
            problems = [f"keras-tuner cannot reload it ({exc.__class__.__name__}: {exc})"[:300]]
    aside = None
    if tuner is None:
        aside = set_aside(kt_dir)
        tuner = make()
    finished, damaged, notes = screen_records(run_dir, tuner.oracle, trusted=aside is not None)
    if aside is not None:
        replay(tuner.oracle, finished, aside)
        notes.append(
            f"note: keras-tuner's state in {kt_dir} could not be reloaded ({'; '.join(problems)}); "
            f"rebuilt it from {len(finished)} trial record(s), the old state is in {aside}"
        )
    queued = requeue_unfinished(tuner.oracle)
    lost = sorted({*requeue_lost(tuner.oracle, finished), *damaged})  # each runs (again)
    tuner.save()  # oracle.json and the tuner file exist from the start: a later kill reloads
    notes += _resume_notes(run_dir, tuner.oracle, finished, [t for t in queued if t not in lost])
    if lost:
        details = "; ".join(damaged[t] for t in lost if t in damaged)
        notes.append(
            f"note: no readable record of {_listing(lost)} in {records.trials_dir(run_dir)}"
            f"{f' ({details})' if details else ''}; {'it runs' if len(lost) == 1 else 'they run'}"
            " again"
        )
    return tuner, notes


def screen_records(
    run_dir: Path, oracle: Any, trusted: bool
) -> tuple[list[TrialRecord], dict[str, str], list[str]]:
    """The records to resume from, the damaged files moved aside (trial id: what and where)
    and a note for each foreign record moved aside.

    A damaged file named like a trial of this search is moved aside, so that the trial's new
    record never replaces it; so is a record of a trial keras-tuner never created (a foreign or
    hand-made file), which would otherwise count as a trial of this search. ``trusted``: the
    state is being rebuilt from the records, so a record of any id the search can make is kept.
    """
    kept, damaged, notes = [], {}, []
    for path, record, problem in records.scan(run_dir):
        possible = _possible_id(oracle, path.stem)
        if record is not None and (possible if trusted else path.stem in oracle.trials):
            kept.append(record)
        elif record is not None:
            moved = records.set_aside(path, "foreign")
            notes.append(
                f"note: {path} is not a trial of this search (keras-tuner never created trial "
                f"{path.stem}); moved it to {moved.name}"
            )
        elif possible:
            moved = records.set_aside(path, "damaged")
            damaged[path.stem] = f"{path.name} is {problem}, moved to {moved.name}"
    kept.sort(key=lambda r: (r["number"], r["trial_id"]))
    return kept, damaged, notes


def _possible_id(oracle: Any, trial_id: str) -> bool:
    """An id keras-tuner gives a trial of this search: its number, zero-padded, < max_trials."""
    if not trial_id.isdigit():
        return False
    limit = oracle.max_trials
    width = len(str(limit))
    return limit is None or (f"{int(trial_id):0{width}d}" == trial_id and int(trial_id) < limit)


def _listing(ids: list[str]) -> str:
    return f"trial {ids[0]}" if len(ids) == 1 else f"trials {', '.join(ids)}"


def state_problems(kt_dir: Path, has_records: bool) -> list[str]:
    """Why keras-tuner could not reload ``kt_dir`` (unreadable files, missing state)."""
    files = [layout.kt_oracle_file(kt_dir), *sorted(kt_dir.glob("*.json"))]
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
    if has_records and not layout.kt_oracle_file(kt_dir).exists():
        problems.append(f"{layout.ORACLE_FILE} is missing")
    if not problems and layout.kt_oracle_file(kt_dir).exists():  # trial folders deleted by hand
        started = json.loads(layout.kt_oracle_file(kt_dir).read_text()).get("start_order")
        started = [t for t in started if isinstance(t, str)] if isinstance(started, list) else []
        gone = [t for t in started if not layout.kt_trial_file(kt_dir, t).exists()]
        if gone:
            more = f" (and {len(gone) - 1} more)" if len(gone) > 1 else ""
            problems.append(f"trial_{gone[0]}/trial.json is missing{more}")
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
    for tuner_id in [t for t in oracle.ongoing_trials if t.startswith(_REBUILD_ID)]:
        kt_compat.retry_queue(oracle).append(oracle.ongoing_trials.pop(tuner_id).trial_id)
        oracle.tuner_ids.discard(tuner_id)
    width = len(str(oracle.max_trials))
    for number in range(last + 1):  # ids must stay dense: a new trial takes id len(trials)
        trial_id = f"{number:0{width}d}"
        if trial_id not in oracle.trials:
            _add_directly(oracle, trial_id, by_id.get(trial_id), aside)
    oracle.verbose = verbose
    oracle.save()


def _end_as_recorded(oracle: Any, trial: Any, record: TrialRecord, aside: Path) -> None:
    trial.hyperparameters.values = {**record["hyperparameters"], **record.get("schedule", {})}
    _copy_checkpoint(
        layout.kt_trial_dir(aside, trial.trial_id), kt_compat.trial_dir(oracle, trial.trial_id)
    )
    if record["status"] in (records.COMPLETED, records.PRUNED) and record["score"] is not None:
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
            target = new.joinpath(path.name)
            shutil.copyfile(path, atomic.partial_file(target))
            os.replace(atomic.partial_file(target), target)


def requeue_unfinished(oracle: Any) -> list[str]:
    """Queue every trial that was started but never ended to run again; returns their ids.

    keras-tuner requeues the trials oracle.json lists as ongoing; a kill between writing a new
    trial.json and oracle.json leaves one it does not know, RUNNING for ever. A trial oracle.json
    lists both as ended and as ongoing (keras-tuner saves the end of a trial before it takes the
    trial off its ongoing list, and a distributed chief saves nothing after that) is not queued:
    it would be handed out again on every resume.
    """
    ended = set(oracle.end_order)
    oracle.end_order[:] = list(dict.fromkeys(oracle.end_order))  # once each
    queue = kt_compat.retry_queue(oracle)
    queue[:] = list(dict.fromkeys(t for t in queue if t not in ended))
    known = ended | set(queue) | {t.trial_id for t in oracle.ongoing_trials.values()}
    for trial_id, trial in sorted(oracle.trials.items()):
        if trial_id in known or trial.status != trial_module.TrialStatus.RUNNING:
            continue
        if trial_id not in oracle.start_order:
            oracle.start_order.append(trial_id)
        queue.append(trial_id)
    return sorted(queue)


def requeue_lost(oracle: Any, finished: list[TrialRecord]) -> list[str]:
    """Queue every trial keras-tuner counts as ended but without a record to run again.

    Its record was deleted or damaged (and moved aside): without this, the search would end
    with fewer records than max_trials and never run that trial again.
    """
    recorded = {r["trial_id"] for r in finished}
    lost = sorted({t for t in oracle.end_order if t not in recorded and t in oracle.trials})
    for trial_id in reversed(lost):  # keras-tuner takes the queue's last first
        trial = oracle.trials[trial_id]
        trial.status = trial_module.TrialStatus.RUNNING
        trial.score, trial.best_step = None, 0
        trial.metrics = type(trial.metrics)()  # a fresh MetricsTracker: the old scores go
        oracle.end_order[:] = [t for t in oracle.end_order if t != trial_id]
        kt_compat.retry_queue(oracle).append(trial_id)
        kt_compat.save_trial(oracle, trial)
    return lost


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
    if record["status"] not in (records.COMPLETED, records.PRUNED) or record["score"] is None:
        raise kt.errors.FailedTrialError(record["error"] or "failed")
    return {record["objective"]: record["score"]}
