"""Labelled arrays a user brings (an mnist.npz through data.path), checked before Keras sees them.

Keras would fail deep inside a trial (or quietly learn nothing) on NaN pixels, negative or
fractional labels, or one more image than labels; here each is one line that names the file
and the array, and the CLI exits 2.
"""

from __future__ import annotations

import numpy as np

from tuner.data import limits
from tuner.errors import DataError
from tuner.text import significant

FLOAT32_MAX = float(np.finfo(np.float32).max)
INT32_MAX = int(np.iinfo(np.int32).max)


def check_labelled(
    x: np.ndarray,
    y: np.ndarray,
    *,
    file: str,
    names: tuple[str, str],
    key: str = "",
    at_least: int = 1,
) -> None:
    """x of shape (n, steps, features) holding finite numbers, y of shape (n,) holding
    whole class labels 0, 1, 2, ..., n >= ``at_least``. Raises DataError naming ``file``,
    ``key`` and the array."""
    x_name, y_name = names

    def fail(problem: str) -> DataError:
        return DataError(problem, file=file, key=key)

    if not _numeric(x):
        raise fail(f"{x_name} must hold numbers, got dtype {x.dtype}")
    if x.ndim != 3 or 0 in x.shape[1:]:
        raise fail(f"{x_name} must have shape (n, steps, features), got {x.shape}")
    if len(x) < at_least:
        raise fail(f"{x_name} has {len(x)} sample(s); give at least {at_least}")
    if y.ndim != 1:
        raise fail(f"{y_name} must have shape (n,), one class label per sample, got {y.shape}")
    if len(x) != len(y):
        raise fail(
            f"{x_name} has {len(x)} samples but {y_name} has {len(y)} labels; give one per sample"
        )
    bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
    if bad:
        raise fail(f"{x_name} holds {bad} NaN or infinite value(s); clean or drop those samples")
    wide = x.dtype.kind == "f" and x.dtype.itemsize > 4
    largest = float(np.abs(x).max(initial=0)) if wide else 0.0
    if largest > FLOAT32_MAX:  # Keras gets float32: these would become infinite
        raise fail(
            f"{x_name} holds {significant(largest, 6)}, beyond the largest 32-bit float (about "
            "3.4e38) the samples are stored as; rescale them"
        )
    at, value = limits.largest(x)
    sample = int(np.unravel_index(at, x.shape)[0]) if x.size else 0
    too_large = limits.magnitude_problem(value, f"sample {sample} of {x_name} holds")
    if too_large:
        raise fail(too_large)
    if not _numeric(y):
        raise fail(f"{y_name} must hold whole class labels 0, 1, 2, ...; got dtype {y.dtype}")
    labels = y.astype("float64")
    odd = labels[~np.isfinite(labels) | (labels != np.round(labels))]
    if odd.size:
        raise fail(
            f"{y_name} must hold whole class labels 0, 1, 2, ...; got {significant(odd[0], 6)}"
        )
    if labels.min() < 0:
        raise fail(
            f"{y_name} holds the label {significant(labels.min(), 6)}; class labels start at 0"
        )
    if labels.max() > INT32_MAX:  # the labels are cast to int32, which would wrap this one
        raise fail(
            f"{y_name} holds the label {int(y.max())}, beyond the 32-bit labels Keras is given "
            f"(at most {INT32_MAX}); number the classes 0, 1, 2, ..."
        )
    top = int(labels.max())
    limits.check_classes(top + 1, f"{y_name} holds the label {top}: that makes", file=file, key=key)


def check_same_steps(
    train: np.ndarray, test: np.ndarray, *, file: str, names: tuple[str, str], key: str = ""
) -> None:
    if train.shape[1:] != test.shape[1:]:
        raise DataError(
            f"{names[1]} has samples of shape {test.shape[1:]}, {names[0]} of shape "
            f"{train.shape[1:]}; steps and features must match",
            file=file,
            key=key,
        )


def _numeric(values: np.ndarray) -> bool:
    return bool(np.issubdtype(values.dtype, np.number) or values.dtype == np.bool_)
