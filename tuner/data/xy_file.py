"""The user's own arrays for `tuner evaluate`: an .npz file holding x and y, read without
Keras (so a wrong file is refused in a second) and never unpickled."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from tuner.errors import DataError

_UNREADABLE = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error)
_SAVE_XY = "save x and y with np.savez(FILE, x=x, y=y)"


def read_xy(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        loaded = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise DataError("no such file; check the path", file=str(path)) from None
    except _UNREADABLE:
        raise DataError(
            f"not an .npz file (empty, truncated or another format); {_SAVE_XY}", file=str(path)
        ) from None
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise DataError(f"holds a single array, not arrays x and y; {_SAVE_XY}", file=str(path))
    with loaded as npz:
        missing = [k for k in ("x", "y") if k not in npz]
        if missing:
            raise DataError(
                f"missing array {missing[0]!r}; save arrays named x and y (np.savez)",
                file=str(path),
            )
        x, y = _array(npz, "x", path), _array(npz, "y", path)
    if x.ndim != 3 or y.ndim not in (1, 2) or len(x) != len(y):
        raise DataError(
            f"need x of shape (n, steps, features) and y of shape (n,), got {x.shape}, {y.shape}",
            file=str(path),
        )
    if not len(x):
        raise DataError("x and y hold no samples; give at least one", file=str(path))
    if not np.isfinite(x).all():
        raise DataError("x holds NaN or infinite values; clean them first", file=str(path), key="x")
    return x.astype("float32"), y


def _array(npz: Any, key: str, path: Path) -> np.ndarray:
    """One array of the .npz, real numbers only (never unpickled, never silently cast)."""
    try:
        values = np.asarray(npz[key])
    except _UNREADABLE:
        problem = "holds Python objects" if _holds_objects(npz, key) else "cannot be read (damaged)"
        raise DataError(
            f"{key} {problem}; save numeric arrays with np.savez", file=str(path), key=key
        ) from None
    if values.dtype.kind not in "biuf":
        raise DataError(
            f"{key} holds {values.dtype} values; give real numbers (integers or floats)",
            file=str(path),
            key=key,
        )
    return values


def _holds_objects(npz: Any, key: str) -> bool:
    """The array's header says Python objects (numpy reads those only by unpickling)."""
    try:
        with npz.zip.open(f"{key}.npy") as handle:
            version = np.lib.format.read_magic(handle)
            read = np.lib.format.read_array_header_1_0
            if version != (1, 0):
                read = np.lib.format.read_array_header_2_0
            return bool(read(handle)[2].hasobject)
    except _UNREADABLE:
        return False
