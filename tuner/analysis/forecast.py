"""Test errors of the best regression model and of the naive baselines, overall, per step
ahead and over time (the figures in tuner.report.figures.forecast draw these frames)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tuner.run.results import Predictions

MODEL = "model"


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


def baseline_data(predictions: Predictions) -> pd.DataFrame:
    """One row per forecast (the model, then each baseline): test MAE and RMSE, and MAE as a
    multiple of the model's (above 1: the model is better)."""
    forecasts = {MODEL: predictions.predicted, **predictions.baselines}
    rows = [
        {
            "forecast": name,
            "mae": float(mae(predictions.actual, values)),
            "rmse": rmse(predictions.actual, values),
        }
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


def errors(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Test MAE and RMSE of one forecast, in the target's units."""
    return {"mae": float(mae(actual, predicted)), "rmse": rmse(actual, predicted)}
