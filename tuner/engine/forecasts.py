"""A forecaster's test results in best/: its forecasts next to the actual values and the
baselines' (predictions.npz), their errors (MAE, RMSE, sMAPE, MASE), the statistical baseline
(tuner.data.statistical) and split conformal prediction intervals (tuner.analysis.intervals)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import keras
import numpy as np

from tuner.analysis import intervals
from tuner.analysis.forecast import errors
from tuner.data.datasets import Dataset
from tuner.data.forecasting import Forecast
from tuner.data.panel import seasonal_or_last
from tuner.data.series import SeriesHistory, window_levels
from tuner.data.statistical import NAME as STATISTICAL
from tuner.data.statistical import ets_forecasts
from tuner.run import layout, results
from tuner.run.results import EvaluationSummary


def forecast_summary(model: keras.Model, dataset: Dataset, run_dir: Path) -> EvaluationSummary:
    """Write best/predictions.npz (forecasts, actual values, every baseline's forecasts and the
    intervals' bounds); return test.json's forecasting part: the target, window, horizon and
    period, the model's and each baseline's errors, the intervals and the training range."""
    forecast = dataset.forecast
    assert forecast is not None
    predicted = np.asarray(model.predict(dataset.x_test, verbose=0), dtype="float32")
    baselines = {**forecast.baselines, **statistical_baseline(forecast, dataset.y_test.shape)}
    arrays: dict[str, Any] = {
        "time": forecast.time_test,
        "actual": dataset.y_test,
        "predicted": predicted.reshape(dataset.y_test.shape),
        **{f"baseline_{name}": values for name, values in baselines.items()},
    }
    if forecast.test_series is not None:
        arrays["series"] = forecast.test_series
    scales = forecast.mase_scales()
    intervals = _intervals(model, dataset, predicted, arrays)
    results.write_predictions(run_dir, arrays)
    summary: EvaluationSummary = {
        "intervals": intervals,
        "target": forecast.target,
        "window": forecast.window,
        "horizon": forecast.horizon,
        "period": forecast.period,
        "units": (
            "mae and rmse in the target's units, smape in percent, mase a multiple of the "
            "training part's in-sample seasonal-naive mae (naive_mae); loss on the scaled target"
        ),
        "naive_mae": forecast.naive_mae,
        "scaling": forecast.scaling,
        "training_range": _training_range(forecast),
        "errors": errors(dataset.y_test, predicted, *scales),
        "baselines": {
            name: errors(dataset.y_test, values, *scales) for name, values in baselines.items()
        },
        "predictions": layout.PREDICTIONS_FILE,
    }
    if forecast.test_series is not None:
        summary["series"] = _many_series(forecast)
    return summary


def _many_series(forecast: Forecast) -> dict[str, list[Any]]:
    """test.json's ``series`` with data.series: each series' id, MASE denominator and
    number of test windows (predictions.npz's ``series`` gives each window's index)."""
    if forecast.test_series is None:
        return {}
    counts = np.bincount(forecast.test_series, minlength=len(forecast.histories))
    return {
        "ids": [h.id for h in forecast.histories],
        "naive_mae": [h.naive_mae for h in forecast.histories],
        "test_windows": [int(c) for c in counts],
    }


def _training_range(forecast: Forecast) -> list[float]:
    """[lowest, highest] target value of the training parts (the report flags test targets
    outside it: a model fed global scales cannot forecast there)."""
    parts = [np.asarray(h.target[: h.train_steps], "float64") for h in forecast.histories]
    if not parts or not any(len(p) for p in parts):
        return []
    return [
        min(float(p.min()) for p in parts if len(p)),
        max(float(p.max()) for p in parts if len(p)),
    ]


def _intervals(
    model: keras.Model, dataset: Dataset, predicted: np.ndarray, arrays: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Split conformal intervals (tuner.analysis.intervals) from the validation windows'
    errors: lower_<L> and upper_<L> into ``arrays``; per level, the margin at each step and
    the coverage and mean width the test span got. Under data.scaling: window the errors are
    measured in each window's step units and the margins scale with the forecast window's
    (``per_window_scale``): a series ten times as large gets intervals ten times as wide, and
    many series share one calibration (normalized conformal scores, Lei et al. 2018)."""
    validated = np.asarray(model.predict(dataset.x_val, verbose=0), dtype="float32")
    validated = validated.reshape(dataset.y_val.shape)
    scaled = dataset.forecast is not None and dataset.forecast.relative
    val_scale, test_scale = (window_scale(x, scaled) for x in (dataset.x_val, dataset.x_test))
    out: dict[str, dict[str, Any]] = {}
    shape = dataset.y_test.shape
    predicted = predicted.reshape(shape)
    for level in intervals.LEVELS:
        margin = intervals.margins(dataset.y_val / val_scale, validated / val_scale, level)
        name = str(round(level * 100))
        arrays[f"lower_{name}"] = (predicted - margin * test_scale).astype("float32")
        arrays[f"upper_{name}"] = (predicted + margin * test_scale).astype("float32")
        out[name] = {
            "margins": [float(m) for m in margin],  # per step ahead: tuner forecast uses them
            "per_window_scale": scaled,
            "coverage": intervals.coverage(
                dataset.y_test / test_scale, predicted / test_scale, margin
            ),
            "mean_width": float(2 * (margin * test_scale).mean()),
            "validation_windows": len(dataset.y_val),
        }
    return out


def window_scale(x: np.ndarray, scaled: bool) -> np.ndarray:
    """(n, 1): each window's scale (tuner.data.series.window_levels) where margins are in
    window step units, else 1."""
    return window_levels(x)[1] if scaled else np.ones((len(x), 1))


def statistical_baseline(forecast: Forecast, shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    """{"ets": its test forecasts} (tuner.data.statistical), fitted to each series' training
    part; or {} with a note when no series could be fitted. With many series, one too short
    for ETS or whose fit fails gets the seasonal naive forecast (the last value without a
    period) in its place, and the note says how many."""
    made, fallback = [], 0
    for history in forecast.histories:
        ets = ets_forecasts(
            history.target, history.train_steps, history.origins, forecast.horizon,
            forecast.period,
        )  # fmt: skip
        if ets is None:
            fallback += 1
            ets = _seasonal_naive(forecast, history)
        made.append(ets)
    if not made or fallback == len(made):
        print(
            "note: the statistical baseline (ETS) could not be fitted to the training part; "
            "the report compares with the naive baselines only",
            file=sys.stderr,
        )
        return {}
    if fallback:
        print(
            f"note: ETS could not be fitted to {fallback} of {len(made)} series (too short or "
            "a failed fit); its baseline uses seasonal naive for them",
            file=sys.stderr,
        )
    return {STATISTICAL: np.concatenate(made).reshape(shape)}


def _seasonal_naive(forecast: Forecast, history: SeriesHistory) -> np.ndarray:
    """(origins, horizon) one season back where the series reaches it, else the last value."""
    made = seasonal_or_last(history.target, history.origins, forecast.horizon, forecast.period)
    return made["seasonal_naive" if forecast.period else "last_value"]
