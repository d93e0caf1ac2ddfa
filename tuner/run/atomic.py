"""Atomic file writes: a temporary file in the same folder, fsync, then rename.

A kill at any moment leaves either the old file or the new one, never half of one. A write
that the file system refuses (disk full, read-only, no permission) raises WriteError with one
line that names the file and what to do; the files written before stay as they were.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from tuner.errors import TunerError
from tuner.numbers import is_finite_number

TEMP_SUFFIX = ".tmp"
PARTIAL_PREFIX = ".partial-"  # files that tools other than write_bytes fill before a rename
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
_NOT_WRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM)
_UMASK = os.umask(0o022)  # reading the umask means setting it: put it straight back
os.umask(_UMASK)


class WriteError(TunerError):
    """The file system refused a write; earlier files are intact and the run can resume."""


def partial_file(target: Path) -> Path:
    """Where another tool fills ``target``'s content before the rename onto it."""
    return target.with_name(f"{PARTIAL_PREFIX}{target.name}")


def write_bytes(path: str | Path, data: bytes) -> None:
    path = Path(path)
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
        try:
            if hasattr(os, "fchmod"):  # not on Windows, where mkstemp's mode is moot
                os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; honour the umask
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    _fsync_dir(path.parent)


def write_text(path: str | Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_json(path: str | Path, obj: Any) -> None:
    """Strict JSON: a NaN or infinite number is written as null (bare NaN is not JSON)."""
    write_text(path, json.dumps(finite(obj), indent=2, allow_nan=False) + "\n")


def finite(obj: Any) -> Any:
    """``obj`` with every NaN or infinite float (also inside dicts and lists) made None."""
    if isinstance(obj, float):
        return obj if is_finite_number(obj) else None
    if isinstance(obj, dict):
        return {key: finite(value) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite(value) for value in obj]
    return obj


def write_yaml(path: str | Path, obj: Any, header: str = "") -> None:
    write_text(path, header + yaml.safe_dump(obj, sort_keys=False, default_flow_style=None))


@contextlib.contextmanager
def writing(path: str | Path) -> Iterator[None]:
    """Turn an OSError raised while writing ``path`` into a one-line WriteError."""
    try:
        yield
    except WriteError:
        raise
    except OSError as exc:
        raise write_error(path, exc) from exc


def write_error(path: str | Path, exc: BaseException) -> WriteError:
    code = getattr(exc, "errno", None)
    reason = getattr(exc, "strerror", None) or _first_line(exc)
    if code in _NO_SPACE:
        advice = "free some space"
    elif code == errno.EFBIG:
        advice = "raise the file size limit (ulimit -f)"
    elif code in _NOT_WRITABLE:
        advice = f"make {Path(path).parent} writable"
    else:
        advice = "fix that"
    return WriteError(
        f"cannot write {path}: {reason}; {advice} and run the same command to resume "
        "(the files written before are intact)"
    )


def remove_leftovers(folder: str | Path, older_than_s: float = 0.0) -> list[Path]:
    """Delete the temporary files a killed write left under ``folder``; returns them.

    Only our own names: ``.<name>.<random>.tmp`` (write_bytes) and ``.partial-*`` (renamed
    into place when complete), so nothing a user or keras-tuner wrote is touched.
    """
    removed = []
    now = time.time()
    for path in Path(folder).rglob(".*"):
        is_ours = path.name.endswith(TEMP_SUFFIX) or path.name.startswith(PARTIAL_PREFIX)
        if not (is_ours and path.is_file()):
            continue
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime >= older_than_s:
                path.unlink()
                removed.append(path)
    return removed


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else exc.__class__.__name__


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
