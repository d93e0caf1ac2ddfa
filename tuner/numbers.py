"""The one test for "is this a number we can use": a score, a duration, a hyperparameter value.

The bottom layer: it imports nothing from tuner, so every stage (and tuner.text) can use it."""

from __future__ import annotations

import math
from numbers import Real
from typing import Any, TypeGuard


def is_real_number(value: Any) -> TypeGuard[float]:
    """An int or float, NumPy's included, NaN and infinities too (a history keeps a diverged
    epoch as NaN); never a bool."""
    return isinstance(value, Real) and not isinstance(value, bool)


def is_finite_number(value: Any) -> TypeGuard[float]:
    """A finite int or float, NumPy's included (np.float32, np.int64); never a bool (True is an
    int to Python, never a score to us), NaN, an infinity, a string or None.

    To the type checker a True answer makes ``value`` a float (an int is one to it too)."""
    # An int is finite however large (math.isfinite(10**400) raises OverflowError).
    finite = isinstance(value, int) or (isinstance(value, Real) and math.isfinite(value))
    return isinstance(value, Real) and not isinstance(value, bool) and finite
