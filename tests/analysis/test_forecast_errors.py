"""Forecast errors by hand: sMAPE (M4's symmetric form, 0/0 no error) and MASE (MAE over the
training part's in-sample seasonal-naive MAE)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tuner.analysis.forecast import errors, smape
from tuner.data.series import naive_mae


def test_smape_by_hand_and_a_step_where_both_are_zero() -> None:
    actual = np.array([[100.0, 0.0]])
    predicted = np.array([[110.0, 0.0]])
    # 200 x mean(10 / 210, 0): the 0/0 step counts as no error.
    assert smape(actual, predicted) == pytest.approx(200 * (10 / 210) / 2)


def test_mase_scales_mae_by_the_training_parts_seasonal_naive_error() -> None:
    training = np.array([1.0, 5.0, 2.0, 6.0, 3.0, 7.0])  # period 2: each step 1 above 2 back
    assert naive_mae(training, 2) == 1.0
    assert naive_mae(training, None) == pytest.approx(np.mean([4, 3, 4, 3, 4]))
    assert math.isnan(naive_mae(training[:2], 2))  # too short for one seasonal forecast
    scored = errors(np.array([[4.0, 8.0]]), np.array([[6.0, 8.0]]), naive_mae=1.0)
    assert scored["mae"] == 1.0 and scored["mase"] == 1.0
    assert "mase" not in errors(np.array([[4.0]]), np.array([[6.0]]), naive_mae=math.nan)
