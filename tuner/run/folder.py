"""The run folder runs/<name>/: its resolved config, drift check on resume, --fresh, the lock
that keeps a second search of the same run out, and run.json's search sessions.

No Keras here: the report reads run folders too.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
from pathlib import Path
from typing import IO, Any

import yaml

from tuner.config.schema import RUN_ONLY, SEARCH_DEFINING, Config
from tuner.errors import ConfigError, TunerError
from tuner.run import atomic
from tuner.run.layout import CONFIG_FILE, LOCK_FILE, RUN_FILE, RUNS

_held: dict[Path, IO[str]] = {}  # run folders this process searches, with their locked files


def run_dir_for(config: Config, root: Path = RUNS) -> Path:
    return root / config.name


def prepare(config: Config, fresh: bool, root: Path = RUNS) -> Path:
    """Create or reopen runs/<name>; a changed config is refused unless --fresh moves it aside."""
    run_dir = run_dir_for(config, root)
    saved = run_dir / CONFIG_FILE
    # A distributed chief or worker shares the folder its launcher (or the user) claimed.
    alone = "KERASTUNER_TUNER_ID" not in os.environ
    if alone and run_dir.exists():
        claim(run_dir)
    if saved.exists():
        changed = changed_keys(_saved_config(saved, config), config.to_dict())
        if fresh:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            aside = _unused(run_dir.with_name(f"{run_dir.name}.old-{stamp}"))
            release(run_dir)
            with atomic.writing(aside):
                shutil.move(str(run_dir), str(aside))
            print(f"note: moved the previous run to {aside}")
        elif changed:
            raise ConfigError(
                f"differs from the run in {run_dir} in {', '.join(changed)}; "
                "add --fresh to start over (the old run is moved aside) or restore those keys",
                file=config.file,
            )
    atomic.write_yaml(
        run_dir / CONFIG_FILE,
        config.to_dict(),
        header=f"# The config as run (defaults resolved), from {config.file}\n",
    )
    if alone:  # with several processes, a temporary file may be another's write in progress
        claim(run_dir)
        atomic.remove_leftovers(run_dir)
    return run_dir


def claim(run_dir: Path) -> None:
    """Lock runs/<name> for this process's life, so that a second search of it stops at once.

    An flock: the kernel drops it when the process ends, even on kill -9, so no stale lock
    survives a crash. Where the lock file cannot be written (a read-only disk), the write
    that follows reports it.
    """
    key = run_dir.resolve()
    if key in _held:
        return
    try:
        handle = open(run_dir / LOCK_FILE, "a+")  # noqa: SIM115 (held until the process ends)
    except OSError:
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        owner = handle.read().strip() or "unknown"
        handle.close()
        raise TunerError(
            f"{run_dir} is in use by another search (pid {owner}); wait for it to end or stop it"
        ) from None
    handle.truncate(0)
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    _held[key] = handle


def release(run_dir: Path) -> None:
    handle = _held.pop(run_dir.resolve(), None)
    if handle is not None:
        handle.close()


def _saved_config(path: Path, config: Config) -> dict[str, Any]:
    try:
        saved = yaml.safe_load(path.read_text())
    except (OSError, ValueError, yaml.YAMLError):
        saved = None
    if not isinstance(saved, dict):
        raise ConfigError(
            f"{path} cannot be read, so the run cannot be compared with this config; "
            "add --fresh to start over (the old run is moved aside)",
            file=config.file,
        )
    return saved


def _unused(path: Path) -> Path:
    while path.exists():
        path = path.with_name(path.name + "x")
    return path


def changed_keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Dotted keys under the search-defining sections whose values differ."""
    out: list[str] = []
    for key in SEARCH_DEFINING:
        _diff(old.get(key), new.get(key), key, out)
    return [key for key in out if key not in RUN_ONLY]


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
    info = read_json(run_dir / RUN_FILE)
    if not isinstance(info.get("dataset", {}), dict):
        del info["dataset"]
    sessions = info.get("sessions", [])
    info["sessions"] = [s for s in sessions if _session_ok(s)] if isinstance(sessions, list) else []
    return info


def _session_ok(session: Any) -> bool:
    def number(value: Any) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool)

    return (
        isinstance(session, dict)
        and number(session.get("started"))
        and number(session.get("finished", 0.0))
        and isinstance(session.get("status", ""), str)
    )


def start_session(run_dir: Path, dataset_summary: dict[str, Any]) -> float:
    """Note a search session as running; returns its start time for record_session.

    A session still "running" from before was killed (SIGKILL, power loss): it becomes
    "killed", finished when its last trial record was written.
    """
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
        atomic.write_json(run_dir / RUN_FILE, info)


def _killed(session: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    if session.get("status") != "running" or not isinstance(session.get("started"), int | float):
        return session
    from tuner.run import records  # pandas: only when a killed session needs its last record

    done = [r.get("finished_at") for r in records.read_records(run_dir)[0]]
    times = [t for t in done if isinstance(t, int | float) and t >= session["started"]]
    return {**session, "finished": max(times, default=session["started"]), "status": "killed"}


def read_backend(run_dir: Path) -> str:
    """The backend a run was configured with (tensorflow when unknown)."""
    try:
        saved = yaml.safe_load((run_dir / CONFIG_FILE).read_text()) or {}
    except (OSError, yaml.YAMLError):
        return "tensorflow"
    return str(saved.get("backend", "tensorflow")) if isinstance(saved, dict) else "tensorflow"
