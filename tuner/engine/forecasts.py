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
from tuner.data.datasets import Dataset, Forecast
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
    intervals = _intervals(model, dataset, predicted, arrays)
    results.write_predictions(run_dir, arrays)
    return {
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
        "errors": errors(dataset.y_test, predicted, forecast.naive_mae),
        "baselines": {
            name: errors(dataset.y_test, values, forecast.naive_mae)
            for name, values in baselines.items()
        },
        "predictions": layout.PREDICTIONS_FILE,
    }


def _training_range(forecast: Forecast) -> list[float]:
    """[lowest, highest] target value of the training part (the report flags test targets
    outside it: a model fed global scales cannot forecast there)."""
    if forecast.history is None or not forecast.train_steps:
        return []
    part = np.asarray(forecast.history[: forecast.train_steps], "float64")
    return [float(part.min()), float(part.max())]


def _intervals(
    model: keras.Model, dataset: Dataset, predicted: np.ndarray, arrays: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Split conformal intervals (tuner.analysis.intervals) from the validation windows'
    errors: lower_<L> and upper_<L> into ``arrays``; per level, the margin at each step and
    the coverage and mean width the test span got."""
    validated = np.asarray(model.predict(dataset.x_val, verbose=0), dtype="float32")
    validated = validated.reshape(dataset.y_val.shape)
    out: dict[str, dict[str, Any]] = {}
    shape = dataset.y_test.shape
    for level in intervals.LEVELS:
        margin = intervals.margins(dataset.y_val, validated, level)
        name = str(round(level * 100))
        arrays[f"lower_{name}"] = (predicted.reshape(shape) - margin).astype("float32")
        arrays[f"upper_{name}"] = (predicted.reshape(shape) + margin).astype("float32")
        out[name] = {
            "margins": [float(m) for m in margin],  # per step ahead: tuner forecast uses them
            "coverage": intervals.coverage(dataset.y_test, predicted.reshape(shape), margin),
            "mean_width": float(2 * margin.mean()),
            "validation_windows": len(dataset.y_val),
        }
    return out


def statistical_baseline(forecast: Forecast, shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    """{"ets": its test forecasts} (tuner.data.statistical), or {} with a note when the
    series is too short for it or its fit fails."""
    if forecast.history is None or forecast.test_origins is None:
        return {}
    made = ets_forecasts(
        forecast.history, forecast.train_steps, forecast.test_origins, forecast.horizon,
        forecast.period,
    )  # fmt: skip
    if made is None:
        print(
            "note: the statistical baseline (ETS) could not be fitted to the training part; "
            "the report compares with the naive baselines only",
            file=sys.stderr,
        )
        return {}
    return {STATISTICAL: made.reshape(shape)}
