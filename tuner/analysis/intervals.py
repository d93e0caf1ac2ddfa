"""Prediction intervals for forecasts: split conformal intervals from the validation windows.

Why conformal and not quantile outputs: it needs no change to the model or its loss (every
trial's model, whatever its head, gets intervals after the fact), and its coverage holds in
finite samples when errors are exchangeable (Vovk et al.; Lei et al. 2018), which the test
span's coverage then checks. The margin for level L at each step ahead is the
ceil((n + 1) L)-th smallest of the n validation windows' absolute errors at that step; the
interval is the forecast plus and minus it. Errors of a series are not exchangeable when its
noise grows with its level, so the report states the coverage the test span actually got.
"""

from __future__ import annotations

import math

import numpy as np

LEVELS = (0.8, 0.95)


def margins(actual: np.ndarray, predicted: np.ndarray, level: float) -> np.ndarray:
    """(horizon,) half-widths from the validation errors (n windows, horizon); infinite when
    n is too small for the level (fewer than 1 / (1 - level) - 1 windows)."""
    errors = np.abs(np.asarray(predicted, "float64") - np.asarray(actual, "float64"))
    n = len(errors)
    rank = math.ceil((n + 1) * level)
    if n == 0 or rank > n:
        return np.full(errors.shape[1] if errors.ndim == 2 else 1, np.inf)
    return np.sort(errors, axis=0)[rank - 1]


def coverage(actual: np.ndarray, predicted: np.ndarray, margin: np.ndarray) -> float:
    """The share of actual values inside predicted ± margin (per step ahead)."""
    inside = np.abs(np.asarray(actual, "float64") - np.asarray(predicted, "float64")) <= margin
    return float(inside.mean())


def coverage_noise(level: float, samples: int) -> float:
    """The 95% half-width of a coverage measured on ``samples`` values at ``level``."""
    return 1.96 * math.sqrt(level * (1 - level) / samples) if samples else math.inf
