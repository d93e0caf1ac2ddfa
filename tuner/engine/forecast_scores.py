"""val_mase and val_smape: the forecasters' scores of the validation windows, each epoch.

Keras metrics see one batch's targets and forecasts, not which series a window belongs to, so
MASE over many series (each series' MAE over its own in-sample seasonal-naive MAE, then the
mean over series, as in M4) cannot be one. This callback forecasts the validation windows at
the end of each epoch and adds both scores to the epoch's logs, which the callbacks after it
(early stopping, pruning, keras-tuner's checkpoint) and the History read; it is placed first
for that (tuner.engine.recipe). Scores are in target units, as the test's are
(tuner.analysis.forecast.errors): the model forecasts in them whatever its scaling and
transforms.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from tuner.analysis.forecast import errors
from tuner.config.sections import FORECAST_SCORES
from tuner.data.forecasting import Forecast
from tuner.errors import DataError
from tuner.numbers import is_finite_number

PREDICT_BATCH = 1024  # forecasting only: no need to match the training batch


class ForecastScores(keras.callbacks.Callback):
    """Adds val_mase and val_smape of (x, y) to each epoch's logs."""

    def __init__(
        self, x: np.ndarray, y: np.ndarray, naive_mae: np.ndarray | float, series: Any
    ) -> None:
        super().__init__()
        self.x, self.y, self.naive_mae, self.series = x, y, naive_mae, series

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs is None:
            return
        predicted = self.model.predict(self.x, batch_size=PREDICT_BATCH, verbose=0)
        scores = errors(self.y, np.asarray(predicted), self.naive_mae, self.series)
        logs["val_smape"] = scores["smape"]
        logs["val_mase"] = scores.get("mase", float("nan"))


def forecast_scores(
    metrics: tuple[str, ...],
    forecast: Forecast | None,
    x: np.ndarray,
    y: np.ndarray,
    positions: np.ndarray,
) -> list[keras.callbacks.Callback]:
    """[ForecastScores] of the validation windows (x, y) at ``positions`` of the pool where
    ``metrics`` (the objective, early stopping's monitor) read one; else []. A DataError
    (key search.objective) when no validated series has a MASE scale."""
    if forecast is None or not set(metrics) & set(FORECAST_SCORES):
        return []
    naive_mae, series = forecast.pool_mase_scales(positions)
    owners = range(len(forecast.histories)) if series is None else np.unique(series)
    scales = np.atleast_1d(naive_mae)[list(owners)] if series is not None else [naive_mae]
    if "val_mase" in metrics and not any(is_finite_number(s) and s > 0 for s in scales):
        raise DataError(
            "val_mase needs a series whose training part changes (MASE divides by its "
            "in-sample naive error, here 0); use val_mae or val_smape",
            key="search.objective",
        )
    return [ForecastScores(x, y, naive_mae, series)]
