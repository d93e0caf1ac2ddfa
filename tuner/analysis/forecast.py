"""Test errors of the best regression model and of the naive baselines, overall, per step
ahead and over time (the figures in tuner.reporting.figures.forecast draw these frames), and per
step whether the model beats each baseline by more than the noise (a paired block bootstrap)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tuner.numbers import is_finite_number
from tuner.run.results import Predictions

MODEL = "model"
RESAMPLES = 1000  # bootstrap resamples: the 2.5% and 97.5% percentiles settle to a few percent
BOOTSTRAP_SEED = 0  # the same windows are drawn every time: a report says the same on a rerun
CONFIDENCE = 0.95


def time_axis(labels: np.ndarray) -> pd.Index:
    """Time labels as numbers or dates where they read as such, else their positions."""
    flat = pd.Series(np.asarray(labels).ravel())
    numbers = pd.to_numeric(flat, errors="coerce")
    if numbers.notna().all():
        return pd.Index(numbers)
    try:
        return pd.Index(pd.to_datetime(flat, format="mixed"))
    except (ValueError, TypeError):
        return pd.RangeIndex(len(flat))


def mae(actual: np.ndarray, predicted: np.ndarray, axis: int | None = None) -> Any:
    return np.abs(np.asarray(predicted, "float64") - np.asarray(actual, "float64")).mean(axis)


def rmse(actual: np.ndarray, predicted: np.ndarray) -> float:
    diff = np.asarray(predicted, "float64") - np.asarray(actual, "float64")
    return float(np.sqrt(np.square(diff).mean()))


def baseline_data(
    predictions: Predictions, naive_mae: float | np.ndarray | None = None
) -> pd.DataFrame:
    """One row per forecast (the model, then each baseline): test MAE, RMSE, sMAPE and, with
    ``naive_mae``, MASE (with many series, ``naive_mae`` each one's: the mean over series, and
    mase_median); and MAE as a multiple of the model's (above 1: the model is better)."""
    forecasts = {MODEL: predictions.predicted, **predictions.baselines}
    rows = [
        {"forecast": name, **errors(predictions.actual, values, naive_mae, predictions.series)}
        for name, values in forecasts.items()
    ]
    data = pd.DataFrame(rows)
    data["mae_ratio"] = data["mae"] / data["mae"].iloc[0]
    return data


def horizon_data(predictions: Predictions) -> pd.DataFrame:
    """Test MAE per step ahead (1..horizon), one column per forecast."""
    forecasts = {MODEL: predictions.predicted, **predictions.baselines}
    data = {name: mae(predictions.actual, values, axis=0) for name, values in forecasts.items()}
    return pd.DataFrame({"step": np.arange(1, predictions.horizon + 1), **data})


def series_data(predictions: Predictions, step: int = 1) -> pd.DataFrame:
    """The actual value and the model's forecast made ``step`` steps ahead, over time."""
    column = step - 1
    return pd.DataFrame(
        {
            "time": time_axis(predictions.time[:, column]),
            "actual": predictions.actual[:, column],
            "predicted": predictions.predicted[:, column],
        }
    )


def scatter_data(predictions: Predictions) -> pd.DataFrame:
    """Every (actual, predicted) pair of the test split, with its step ahead."""
    samples, horizon = predictions.actual.shape
    return pd.DataFrame(
        {
            "step": np.tile(np.arange(1, horizon + 1), samples),
            "actual": predictions.actual.ravel(),
            "predicted": predictions.predicted.ravel(),
        }
    )


def errors(
    actual: np.ndarray,
    predicted: np.ndarray,
    naive_mae: float | np.ndarray | None = None,
    series: np.ndarray | None = None,
) -> dict[str, float]:
    """Test MAE and RMSE of one forecast, in the target's units; sMAPE (percent); and with
    ``naive_mae`` (the training part's in-sample seasonal-naive MAE) MASE, as in M4. With
    many series, ``series`` gives each window's series and ``naive_mae`` each series' own
    denominator: MASE is the mean over series of each one's MAE over its own (M4's), and
    ``mase_median`` the median; a series whose denominator is 0 (constant in training) has
    no MASE and is left out of both."""
    out = {
        "mae": float(mae(actual, predicted)),
        "rmse": rmse(actual, predicted),
        "smape": smape(actual, predicted),
    }
    if series is not None and isinstance(naive_mae, np.ndarray):
        ratios = per_series_mase(actual, predicted, naive_mae, series)
        if ratios.size:
            out["mase"], out["mase_median"] = float(ratios.mean()), float(np.median(ratios))
    elif is_finite_number(naive_mae) and naive_mae > 0:
        out["mase"] = out["mae"] / float(naive_mae)
    return out


def per_series_mase(
    actual: np.ndarray, predicted: np.ndarray, naive_mae: np.ndarray, series: np.ndarray
) -> np.ndarray:
    """Each series' test MAE over its own denominator, for the series that have both."""
    absolute = np.abs(np.asarray(predicted, "float64") - np.asarray(actual, "float64"))
    absolute = absolute.reshape(len(series), -1)
    out = []
    for index, scale in enumerate(naive_mae):
        mine = series == index
        if mine.any() and is_finite_number(scale) and scale > 0:
            out.append(absolute[mine].mean() / scale)
    return np.array(out)


def smape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Symmetric MAPE in percent, as M4 defines it: 200 x mean |F - A| / (|A| + |F|); a
    step where both are 0 counts as no error."""
    a, f = np.asarray(actual, "float64"), np.asarray(predicted, "float64")
    denominator = np.abs(a) + np.abs(f)
    ratio = np.divide(np.abs(f - a), denominator, out=np.zeros_like(a), where=denominator > 0)
    return float(200.0 * ratio.mean())


def block_length(windows: int, horizon: int) -> int:
    """How many consecutive test windows the bootstrap keeps together: at least the horizon,
    since windows closer than that forecast some of the same time steps, and at least the cube
    root of their count (a usual block length for autocorrelated errors); at most all of them."""
    return max(1, min(windows, max(horizon, round(windows ** (1 / 3)))))


def step_comparison(
    predictions: Predictions, baseline: str, resamples: int = RESAMPLES, seed: int = BOOTSTRAP_SEED
) -> pd.DataFrame:
    """Per step ahead, the model against one baseline: both test MAEs, ``difference`` (model
    minus baseline; negative: the model is better), its 95% interval (``low``, ``high``) from a
    paired bootstrap of the test windows, and ``outcome``: better, worse, or noise where the
    interval includes 0.

    Paired: each resample takes the same windows for the model and the baseline, so what both
    find hard cancels out. The windows are drawn in circular blocks of ``block_length``
    consecutive ones, as neighbouring windows' errors are not independent."""
    actual = np.asarray(predictions.actual, "float64")
    model = np.abs(np.asarray(predictions.predicted, "float64") - actual)
    other = np.abs(np.asarray(predictions.baselines[baseline], "float64") - actual)
    means = _bootstrap_means(model - other, resamples, seed)
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail], axis=0)
    data = pd.DataFrame(
        {
            "step": np.arange(1, predictions.horizon + 1),
            "model": model.mean(axis=0),
            "baseline": other.mean(axis=0),
            "difference": (model - other).mean(axis=0),
            "low": low,
            "high": high,
        }
    )
    data["outcome"] = np.where(high < 0, "better", np.where(low > 0, "worse", "noise"))
    return data


def _bootstrap_means(diff: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """(resamples, horizon) means of ``diff`` (windows, horizon) over circular-block resamples
    of its windows: floor(windows / length) blocks each, so never more windows than there are."""
    windows, horizon = diff.shape
    length = block_length(windows, horizon)
    wrapped = np.concatenate([diff, diff[: length - 1]])
    block_sums = np.lib.stride_tricks.sliding_window_view(wrapped, length, axis=0).sum(axis=-1)
    blocks = windows // length
    starts = np.random.default_rng(seed).integers(0, windows, size=(resamples, blocks))
    return block_sums[starts].sum(axis=1) / (blocks * length)


@dataclass(frozen=True)
class Bias:
    """Whether the forecasts lean one way: the mean of forecast minus actual with its 95%
    interval (the same block bootstrap as step_comparison), and the share below the actual."""

    mean: float
    low: float
    high: float
    below: float

    @property
    def biased(self) -> bool:
        return self.low > 0 or self.high < 0


def bias(predictions: Predictions, resamples: int = RESAMPLES, seed: int = BOOTSTRAP_SEED) -> Bias:
    diff = np.asarray(predictions.predicted, "float64") - np.asarray(predictions.actual, "float64")
    means = _bootstrap_means(
        diff.reshape(len(diff), -1).mean(axis=1, keepdims=True), resamples, seed
    )
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(means[:, 0], [tail, 100 - tail])
    return Bias(float(diff.mean()), float(low), float(high), float((diff < 0).mean()))


def outside(actual: np.ndarray, low: float, high: float) -> tuple[float, float]:
    """(share of actual values above ``high``, share below ``low``)."""
    values = np.asarray(actual, "float64")
    return float((values > high).mean()), float((values < low).mean())
