"""What the data stage refuses before it allocates, each bound checked on what is cheap to
know: a file's size, the array sizes an .npz member's header declares, the number of classes,
the sequences' lengths. A hostile or mistaken file then ends in one line within seconds, not
in minutes of swapping and a MemoryError. README.md lists them (after "Validation bounds").

Values are bounded too: at most 1e18 in magnitude, so that their squares (which the scaling
statistics, the mean squared error and RMSE compute in 32-bit floats) stay below 3.4e38, the
largest 32-bit float; past it every trial would end in inf or NaN.
"""

from __future__ import annotations

import os
import stat

import numpy as np

from tuner.errors import DataError
from tuner.text import significant, thousands

MAX_CLASSES = 1000  # classes of a classifier (labels 0..999; a multi-label y's columns)
MAX_ARRAY_BYTES = 2 * 1024**3  # the arrays the data becomes, or an .npz declares, together
MAX_CSV_BYTES = 256 * 1024**2  # a CSV is read as text first: several times its size in memory
MAX_MAGNITUDE = 1e18  # |value|: its square stays finite in 32-bit floats
FLOAT32_MAX = float(np.finfo(np.float32).max)


def size_text(nbytes: int) -> str:
    """Bytes in GiB (or MiB under one GiB), as the bounds are given."""
    size, unit = (nbytes / 1024**3, "GiB") if nbytes >= 1024**3 else (nbytes / 1024**2, "MiB")
    return f"{thousands(round(size)) if size >= 100 else significant(size, 3)} {unit}"


def check_file_size(path: str, limit: int, fix: str, key: str = "data.path") -> None:
    """Refuse a file over ``limit`` bytes, or one that is not a regular file (a device or a
    pipe would be read without end), before reading any of it."""
    try:
        info = os.stat(path)
    except OSError:
        return  # the reader says it in its own words
    if os.path.isdir(path):
        return
    if not stat.S_ISREG(info.st_mode):
        raise DataError("not a regular file (a device or pipe); give a data file", file=path)
    if info.st_size > limit:
        raise DataError(
            f"the file is {size_text(info.st_size)}, over the bound of {size_text(limit)}; {fix}",
            file=path,
            key=key,
        )


def check_array_bytes(nbytes: int, what: str, fix: str, *, file: str | None, key: str) -> None:
    """Refuse an array of ``nbytes`` before it is allocated."""
    if nbytes > MAX_ARRAY_BYTES:
        raise DataError(
            f"{what} would take {size_text(nbytes)}, over the bound of "
            f"{size_text(MAX_ARRAY_BYTES)}; {fix}",
            file=file,
            key=key,
        )


def check_classes(count: int, what: str, *, file: str | None, key: str) -> None:
    if count > MAX_CLASSES:
        raise DataError(
            f"{what} {thousands(count)} classes, over the bound of {thousands(MAX_CLASSES)} "
            "classes a classifier takes; merge classes or check that the labels are class names",
            file=file,
            key=key,
        )


def magnitude_problem(
    value: float, what: str, fix: str = "rescale it (e.g. to thousands or millions)"
) -> str | None:
    """Why ``value`` is too large to train on, or None. (Past FLOAT32_MAX, where a value
    cannot even be stored, each reader says so first, in its own words.)"""
    if abs(value) > MAX_MAGNITUDE:
        return (
            f"{what} {significant(value, 6)}, beyond {significant(MAX_MAGNITUDE, 1)} in "
            "magnitude (its square must stay a finite 32-bit float for the scaling and the "
            f"loss); {fix}"
        )
    return None


def largest(values: np.ndarray) -> tuple[int, float]:
    """The flat index and value of the largest finite magnitude in ``values`` (0, 0.0 if
    none)."""
    if not values.size:
        return 0, 0.0
    sizes = np.where(np.isfinite(values), np.abs(values), 0)
    at = int(np.argmax(sizes))
    return at, float(values.flat[at])
