"""The user's own arrays for `tuner evaluate` and `tuner predict`: an .npz file, read without
Keras (so a wrong file is refused in a second), never unpickled and bounded before anything is
decompressed (tuner.data.npz).

x is (n, steps, features) or (n, steps), NaN after a shorter sequence's end as the sequences
dataset holds it; y holds class labels (numbers or text), an (n, labels) 0/1 matrix, or a
regression's targets. The arrays are named x and y, or as a search's .npz names them: x_test
and y_test, else x_train and y_train (a file data.test_path reads).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tuner.data import npz as npz_file
from tuner.errors import DataError

_SAVE_XY = "save x and y with np.savez(FILE, x=x, y=y)"
_NAMES = (("x", "y"), ("x_test", "y_test"), ("x_train", "y_train"))


def read_xy(path: Path, labelled: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """x as float32 (NaN padding kept, checked later against the model) and y as written
    (None when not ``labelled``: y is then neither read nor needed)."""
    try:
        opened = npz_file.open_npz(
            str(path),
            unreadable=f"not an .npz file (empty, truncated or another format); {_SAVE_XY}",
            no_file="no such file; check the path",
        )
    except npz_file.SingleArray:
        raise DataError(
            f"holds a single array, not arrays x and y; {_SAVE_XY}", file=str(path)
        ) from None
    with opened as npz:
        xk, yk = next(((x, y) for x, y in _NAMES if x in npz), _NAMES[0])
        wanted = [xk, yk] if labelled else [xk]
        missing = [k for k in wanted if k not in npz]
        if missing:
            named = "x and y" if labelled else "x"
            raise DataError(
                f"missing array {missing[0]!r}; save arrays named {named} (np.savez)",
                file=str(path),
            )
        arrays = npz_file.read_arrays(npz, wanted, str(path))
    x = _kind(arrays[xk], xk, path, "biuf", "real numbers (integers or floats)")
    y = _kind(arrays[yk], yk, path, "biufU", "numbers or text labels") if labelled else None
    x = x[:, :, None] if x.ndim == 2 else x
    if x.ndim != 3 or (y is not None and (y.ndim not in (1, 2) or len(x) != len(y))):
        got = f"{x.shape}, {y.shape}" if y is not None else f"{x.shape}"
        need = "x of shape (n, steps, features)" + (" and y of shape (n,)" if labelled else "")
        raise DataError(f"need {need}, got {got}", file=str(path))
    if not len(x):
        held = "x and y hold" if labelled else "x holds"
        raise DataError(f"{held} no samples; give at least one", file=str(path))
    return as_inputs(x, str(path), xk), y


def as_inputs(x: np.ndarray, source: str, key: str) -> np.ndarray:
    """x (n, steps, features) as float32: finite numbers, NaN only as padding (checked against
    the model later)."""
    if not len(x):
        raise DataError(f"{key} holds no samples; give at least one", file=source, key=key)
    if np.isinf(x).any():
        raise DataError(
            f"{key} holds infinite values; give finite numbers (NaN only as padding after a "
            "sequence's end)",
            file=source,
            key=key,
        )
    with np.errstate(over="ignore"):
        narrow = x.astype("float32")
    if np.isinf(narrow).any():  # float64 beyond float32's range
        raise DataError(
            f"{key} holds values beyond the largest 32-bit float (about 3.4e38); rescale them",
            file=source,
            key=key,
        )
    return narrow


def _kind(values: np.ndarray, key: str, path: Path, kinds: str, wanted: str) -> np.ndarray:
    """One array of dtype kinds ``kinds`` (never silently cast)."""
    if values.dtype.kind not in kinds:
        raise DataError(
            f"{key} holds {values.dtype} values; give {wanted}", file=str(path), key=key
        )
    return values
