"""The run's lock: runs/<name>/.search.lock, held by the one search of the run (and the
processes it starts) for as long as it lives."""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import filelock

from tuner.errors import TunerError
from tuner.run import atomic, layout, role

try:
    import fcntl
except ImportError:  # Windows: the run lock is filelock's, and workers do not inherit it
    fcntl = None  # type: ignore[assignment]

_held: dict[Path, IO[str]] = {}  # run folders this process searches, with their locked files
_file_locks: dict[Path, filelock.BaseFileLock] = {}  # where fcntl is missing: filelock's lock


@contextlib.contextmanager
def held(run_dir: Path) -> Iterator[None]:
    """The run's lock for a block that writes best/ outside a search (refit, repeats): a
    search or another such writer of the run is refused while it runs."""
    mine = run_dir.resolve() not in _held
    claim(run_dir)
    try:
        yield
    finally:
        if mine:
            release(run_dir)


def refuse_links(run_dir: Path) -> None:
    """A TunerError naming the first symbolic link in runs/<name>, best/ or trials/: the run's
    writers would follow it out of the run (a planted .search.lock truncated its target, a
    best/ link took the export elsewhere). A run folder the toolkit made holds none."""
    # runs/<name> itself may be a link (where the user keeps the run); what it holds may not
    for folder in (run_dir, layout.best_dir(run_dir), layout.trials_dir(run_dir)):
        try:
            entries = sorted(folder.iterdir()) if folder.is_dir() else []
        except OSError:
            continue  # unreadable: the lock or the read that needs it names the problem
        link = next((entry for entry in entries if entry.is_symlink()), None)
        if link is not None:
            raise TunerError(
                f"{link} is a symbolic link, and a run folder holds none (its writers would "
                "follow it out of the run); remove it, then run the same command"
            )


@contextlib.contextmanager
def exporting(run_dir: Path) -> Iterator[None]:
    """search.storage: the processes of a study share the run's lock, so the one writing best/
    holds this one alone as well; the others wait for it (then find best/ up to date)."""
    path = layout.export_lock_file(run_dir)
    try:
        handle = open(path, "a+")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise atomic.write_error(path, exc) from None
    try:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        handle.close()


def hand_over(run_dir: Path) -> IO[str] | None:
    """This process's lock file of runs/<name>, no longer counted as held (the caller closes
    it when the folder has moved)."""
    return _held.pop(run_dir.resolve(), None)


def claim(run_dir: Path, shared: bool = False) -> None:
    """Lock runs/<name> for this process's life, so that a second search of it stops at once.
    ``shared``: a search.storage process, which runs beside the others of its study (each
    holds the lock shared), while a plain search, a refit or repeats (exclusive) are refused.

    An flock: the kernel drops it when the last process holding the open file ends, even on
    kill -9, so no stale lock survives a crash. A lock file that cannot be opened or locked
    (a directory in its place, another user's unreadable file) is an error naming it, never a
    silent pass: a search without the lock would let a second one write the same run.
    """
    key = run_dir.resolve()
    if key in _held:
        return
    refuse_links(run_dir)
    lock = layout.lock_file(run_dir)
    inherited = role.current().inherited_lock
    if inherited is not None:
        _held[key] = _adopt(lock, inherited)
        return
    if fcntl is None:
        _claim_with_filelock(key, run_dir, lock)
    handle, writable = _open_lock(lock)
    try:
        if fcntl is not None:
            fcntl.flock(handle, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holders = handle.read().split()
        handle.close()
        raise _in_use(run_dir, holders) from None
    except OSError as exc:
        handle.close()
        raise _lock_error(lock, exc) from None
    if writable:
        try:
            with atomic.writing(lock):
                if not shared:  # the others sharing it are named in it too
                    handle.truncate(0)
                handle.write(f"{os.getpid()}\n")
                handle.flush()
        except atomic.WriteError:
            handle.close()
            raise
    _held[key] = handle


def _claim_with_filelock(key: Path, run_dir: Path, lock: Path) -> None:
    """Where fcntl is missing (Windows): filelock's lock on a file beside the PID file (a
    Windows lock keeps others from reading the locked file itself). The OS drops it when the
    process ends; the workers it starts do not inherit it, so the run is locked while this
    process (the launcher) lives."""
    file_lock = filelock.FileLock(lock.with_name(lock.name + ".lock"), timeout=0)
    try:
        file_lock.acquire()
    except filelock.Timeout:
        raise _in_use(run_dir, lock.read_text().split() if lock.is_file() else []) from None
    except OSError as exc:
        raise _lock_error(lock, exc) from None
    _file_locks[key] = file_lock


def _in_use(run_dir: Path, holders: list[str]) -> TunerError:
    """The refusal of a second search of a locked run, naming the PIDs in its lock file."""
    pids = f"pid {holders[0]}" if len(holders) == 1 else f"pids {', '.join(holders)}"
    return TunerError(
        f"{run_dir} is in use by another search ({pids if holders else 'pid unknown'}); "
        "wait for it to end or stop it"
    )


def _open_lock(lock: Path) -> tuple[IO[str], bool]:
    """The lock file, opened to write the holder's PID; read-only where only that is possible
    (a read-only disk: the lock still works, and the first write names the problem)."""
    try:
        return open(lock, "a+"), True  # noqa: SIM115 (held until the process ends)
    except OSError as exc:
        first = exc
    try:
        return open(lock), False  # noqa: SIM115
    except OSError:
        raise _lock_error(lock, first) from None


def _lock_error(lock: Path, exc: OSError) -> TunerError:
    reason = exc.strerror or exc.__class__.__name__
    if isinstance(exc, IsADirectoryError):
        advice = "remove that directory (a search makes its own lock file)"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        advice = "it may be another user's: make it readable and writable for you"
    else:
        return atomic.write_error(lock, exc)
    return TunerError(
        f"cannot open the run's lock file {lock}: {reason}; {advice}, then run the same command"
    )


def release(run_dir: Path) -> None:
    """Unlock runs/<name> when this process's search of it is over (a `tuner` process ends
    then anyway; a Python caller goes on, and may search the same run again)."""
    handle = _held.pop(run_dir.resolve(), None)
    if handle is not None:
        handle.close()
    file_lock = _file_locks.pop(run_dir.resolve(), None)
    if file_lock is not None:
        file_lock.release()


def lock_fd(run_dir: Path) -> int | None:
    """The descriptor of this process's lock on runs/<name>, for the processes it starts: a
    child that inherits it holds the lock too, so the run stays locked while any of them lives."""
    handle = _held.get(run_dir.resolve())
    return handle.fileno() if handle is not None else None


def add_holder(run_dir: Path, pid: int) -> None:
    """Name a process started to search this run in its lock file, for the "in use" message."""
    handle = _held.get(run_dir.resolve())
    if handle is not None:
        with contextlib.suppress(OSError, ValueError):  # a read-only lock file: no names
            handle.write(f"{pid}\n")
            handle.flush()


def _adopt(lock: Path, fd: int) -> IO[str]:
    """The run lock a search.isolate launcher handed down as descriptor ``fd``: it must be
    that very file, locked (a plain flock of the same open file succeeds; of another, fails),
    or the child refuses to touch the run."""
    try:
        same = os.path.samestat(os.fstat(fd), os.stat(lock))
        handle = os.fdopen(fd, "r")
        if fcntl is not None and same:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (OSError, ValueError):
        same = False
    if not same:
        raise TunerError(
            f"{role.INHERITED_LOCK_FD}={fd} is not this run's lock ({lock}); it is set by a "
            "search.isolate launcher for its own trial processes: unset it"
        )
    return handle
