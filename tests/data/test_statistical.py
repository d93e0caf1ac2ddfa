"""The statistical baseline (ETS): each test window's forecast is the one statsmodels itself
gives from that window's last step, with the parameters fitted on the training part."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tuner.data.statistical import ets_forecasts


def _series() -> np.ndarray:
    t = np.arange(240)
    noise = np.random.default_rng(0).normal(0, 0.1, len(t))
    return 10 + 0.02 * t + np.sin(2 * np.pi * t / 24) + noise


@pytest.mark.parametrize("period", [24, None])
def test_each_origin_gets_statsmodels_own_forecast(period: int | None) -> None:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    y, train = _series(), 168
    origins = np.array([180, 200, 229])
    made = ets_forecasts(y, train, origins, horizon=3, period=period)
    assert made is not None and made.shape == (3, 3)
    spec = {"error": "add", "trend": "add", "damped_trend": True}
    if period:
        spec.update(seasonal="add", seasonal_periods=period)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        params = ETSModel(y[:train], **spec).fit(disp=False).params  # the training part only
        for row, origin in zip(made, origins, strict=True):
            expected = ETSModel(y[: origin + 1], **spec).smooth(params).forecast(3)
            np.testing.assert_allclose(row, expected, rtol=1e-5)


def test_a_training_part_too_short_gives_no_baseline() -> None:
    assert ets_forecasts(_series(), 8, np.array([9]), horizon=1, period=24) is None
