"""Split conformal margins by hand: the ceil((n + 1) L)-th smallest validation error."""

from __future__ import annotations

import math

import numpy as np

from tuner.analysis.intervals import coverage, margins


def test_the_margin_is_the_conformal_rank_of_the_validation_errors() -> None:
    actual = np.zeros((9, 1))
    predicted = np.arange(1, 10, dtype="float64")[:, None]  # errors 1..9
    assert margins(actual, predicted, 0.8)[0] == 8.0  # ceil(10 x 0.8) = 8th smallest
    assert math.isinf(margins(actual, predicted, 0.95)[0])  # ceil(9.5) = 10 > 9 windows
    assert coverage(np.array([[0.0], [3.0]]), np.array([[1.0], [1.0]]), np.array([1.5])) == 0.5
