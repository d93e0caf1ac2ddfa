"""The run folder runs/<name>/: its resolved config, drift check on resume, --fresh, and
run.json's search sessions (the lock that keeps a second search out: tuner.run.run_lock).

No Keras here: the report reads run folders too.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

from tuner.config.schema import RUN_ONLY, SEARCH_DEFINING, Config
from tuner.errors import ConfigError
from tuner.numbers import is_finite_number
from tuner.run import atomic, layout, records, results, role, run_lock
from tuner.run.layout import LOCK_FILE, RUN_FILE, RUNS
from tuner.run.saved_config import saved_config_or_none


def run_dir_for(config: Config, root: Path = RUNS) -> Path:
    return root / config.name


def prepare(config: Config, fresh: bool, root: Path = RUNS) -> Path:
    """Create or reopen runs/<name>; a changed config is refused unless --fresh moves it aside."""
    run_dir = run_dir_for(config, root)
    saved = layout.config_file(run_dir)
    # A worker shares the folder its chief (or launcher) claimed; a chief holds the lock, its
    # launcher's (handed down) or, started by hand, its own, so no plain search runs beside it.
    me = role.current()
    alone = me.alone
    shared = config.search.storage is not None  # a study's processes run side by side
    if (alone or me.chief) and run_dir.exists():
        run_lock.claim(run_dir, shared)
    if fresh and shared and _holds_a_run(run_dir):
        raise ConfigError(
            "--fresh cannot start a search.storage run over: its trials are in the study "
            f"{config.name!r} of the storage, not only in {run_dir}; give the search another "
            "name, or delete the study (optuna delete-study) and the folder",
            file=config.file,
        )
    if fresh and _holds_a_run(run_dir):
        _move_aside(run_dir)  # without reading its config: --fresh must work on a damaged one
    elif saved.exists():
        changed = changed_keys(_saved_config(run_dir, config), config.to_dict())
        if changed and not _has_started(run_dir):
            # Nothing to keep (a search that stopped loading its data, say): the corrected
            # config simply replaces the old one.
            print(f"note: {run_dir} had no trial yet; its config is replaced", file=sys.stderr)
        elif changed:
            raise ConfigError(
                f"differs from the run in {run_dir} in {', '.join(changed)}; "
                "add --fresh to start over (the old run is moved aside) or restore those keys",
                file=config.file,
            )
    if alone or not saved.exists():  # a crew's members read the file their launcher wrote
        _write_config(saved, config)
    if me.chief:
        run_lock.claim(run_dir)
    if alone:
        run_lock.claim(run_dir, shared)
        records.check_lock(run_dir)
    if alone and not shared:  # else a temporary file may be another's write in progress
        atomic.remove_leftovers(run_dir)
        set_aside_damaged_run_info(run_dir)
    return run_dir


def _write_config(saved: Path, config: Config) -> None:
    atomic.write_yaml(
        saved,
        config.to_dict(),
        header=f"# The config as run (defaults resolved), from {config.file}\n",
    )


def _has_started(run_dir: Path) -> bool:
    """A trial record, or keras-tuner state of a trial that started."""
    return any(layout.trials_dir(run_dir).glob("*.json")) or any(
        layout.kt_dir(run_dir).glob("trial_*")
    )


def is_finished(config: Config, root: Path = RUNS) -> bool:
    """runs/<name> holds this very search (no search-defining key changed), finished: as many
    records as max_trials and best/ complete (test.json, its model, the refit and repeats the
    config asks for). Reads only; writes nothing."""
    run_dir = run_dir_for(config, root)
    saved = layout.config_file(run_dir)
    if not saved.is_file() or not layout.test_file(run_dir).is_file():
        return False
    try:
        if changed_keys(_saved_config(run_dir, config), config.to_dict()):
            return False
    except ConfigError:
        return False
    readable, skipped = records.read_records(run_dir)
    # A damaged or foreign file in trials/ is mended by a resume, and a torn model re-exported;
    # a refit or repeats cut short (or asked for since) are done by the resume too.
    exported = zipfile.is_zipfile(layout.model_file(run_dir)) and results.best_is_complete(
        run_dir,
        config.search.refit,
        bool(config.report.repeats),
        config.search.final_model_request(),
    )
    return not skipped and exported and len(readable) >= config.search.max_trials


def discard_new(run_dir: Path) -> None:
    """Remove runs/<name> that this process created for a search that then stopped before its
    first trial (its data did not load, say): it holds only the config and the lock, and left
    behind it would be listed by every report as a run with no trial. Anything else in it
    (another process's file, a record) keeps the folder."""
    ours = {layout.CONFIG_FILE, LOCK_FILE}
    if not run_dir.is_dir() or any(p.name not in ours for p in run_dir.iterdir()):
        return
    run_lock.release(run_dir)
    shutil.rmtree(run_dir, ignore_errors=True)


def _holds_a_run(run_dir: Path) -> bool:
    """Anything in runs/<name> but the lock file this process may have just made."""
    return run_dir.is_dir() and any(p.name != LOCK_FILE for p in run_dir.iterdir())


def _move_aside(run_dir: Path) -> None:
    """runs/<name> to runs/<name>.old-<time>, still locked while it moves; nothing is deleted."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = _unused(run_dir.with_name(f"{run_dir.name}.old-{stamp}"))
    lock = run_lock.hand_over(run_dir)
    try:
        with atomic.writing(aside):
            shutil.move(str(run_dir), str(aside))
    finally:
        if lock is not None:
            lock.close()
    print(f"note: moved the previous run to {aside}")


def _saved_config(run_dir: Path, config: Config) -> dict[str, Any]:
    """The saved config as plain data, to compare with ``config``'s."""
    saved, _ = saved_config_or_none(run_dir)
    if saved is None:
        raise ConfigError(
            f"{layout.config_file(run_dir)} cannot be read, so the run cannot be compared with "
            "this config; add --fresh to start over (the old run is moved aside)",
            file=config.file,
        )
    return saved.to_dict()


def _unused(path: Path) -> Path:
    while path.exists():
        path = path.with_name(path.name + "x")
    return path


def changed_keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Dotted keys under the search-defining sections whose values differ."""
    out: list[str] = []
    for key in SEARCH_DEFINING:
        _diff(old.get(key), new.get(key), key, out)
    return [key for key in out if not any(key == k or key.startswith(f"{k}.") for k in RUN_ONLY)]


def _diff(old: Any, new: Any, path: str, out: list[str]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            _diff(old.get(key), new.get(key), f"{path}.{key}", out)
    elif old != new:
        out.append(path)


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from disk, or {} when it is missing, torn or not an object."""
    try:
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def read_run_info(run_dir: Path) -> dict[str, Any]:
    """run.json, keeping only well-formed parts: a hand-edited file never crashes a reader."""
    return _well_formed(read_json(layout.run_file(run_dir)))


def _well_formed(info: dict[str, Any]) -> dict[str, Any]:
    info = dict(info)
    if not isinstance(info.get("dataset", {}), dict):
        del info["dataset"]
    sessions = info.get("sessions", [])
    info["sessions"] = [s for s in sessions if _session_ok(s)] if isinstance(sessions, list) else []
    return info


def set_aside_damaged_run_info(run_dir: Path) -> None:
    """A run.json that is not JSON, or has parts a reader would drop, is moved to
    run.json.damaged-<time> (never deleted: it holds the earlier search sessions); its
    well-formed parts, if any, make the new run.json. Says so on one line."""
    path = layout.run_file(run_dir)
    if not path.is_file():
        return
    try:
        info = json.loads(path.read_text())
    except (OSError, ValueError):
        info = None
    if isinstance(info, dict) and _well_formed(info) == {"sessions": [], **info}:
        return
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = _unused(path.with_name(f"{RUN_FILE}.damaged-{stamp}"))
    with atomic.writing(aside):
        os.replace(path, aside)
    kept = "kept its readable parts" if isinstance(info, dict) else "started a new one"
    if isinstance(info, dict):
        atomic.write_json(path, _well_formed(info))
    print(f"note: {path} was damaged; moved it to {aside} and {kept}", file=sys.stderr)


def _session_ok(session: Any) -> bool:
    return (
        isinstance(session, dict)
        and is_finite_number(session.get("started"))
        and is_finite_number(session.get("finished", 0.0))
        and isinstance(session.get("status", ""), str)
    )


def start_session(run_dir: Path, dataset_summary: dict[str, Any]) -> float:
    """Note a search session as running; returns its start time for record_session.

    A session still "running" from before was killed (SIGKILL, power loss): it becomes
    "killed", finished when its last trial record was written.
    """
    set_aside_damaged_run_info(run_dir)
    started = time.time()
    record_session(run_dir, dataset_summary, started, "running")
    return started


def record_session(
    run_dir: Path, dataset_summary: dict[str, Any], started: float, status: str
) -> None:
    """Add or update this search session (start, end, status) in run.json; wall time sums them."""
    info = read_run_info(run_dir)
    sessions = [s for s in info.get("sessions", []) if isinstance(s, dict)]
    sessions = [_killed(s, run_dir) for s in sessions if s.get("started") != started]
    sessions.append({"started": started, "finished": time.time(), "status": status})
    info.update(dataset=dataset_summary, sessions=sessions)
    # Best effort: when the disk is full, the write that failed first is the one reported.
    with contextlib.suppress(atomic.WriteError):
        atomic.write_json(layout.run_file(run_dir), info)


def _killed(session: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    if session.get("status") != "running" or not isinstance(session.get("started"), int | float):
        return session
    from tuner.run import records  # pandas: only when a killed session needs its last record

    done = [r.get("finished_at") for r in records.read_records(run_dir)[0]]
    times = [t for t in done if isinstance(t, int | float) and t >= session["started"]]
    return {**session, "finished": max(times, default=session["started"]), "status": "killed"}
