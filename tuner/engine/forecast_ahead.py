"""tuner forecast: the best model's forecasts after the last step of a series, with the split
conformal intervals its search measured (best/test.json's intervals), as a table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tuner.data.series import Table
from tuner.engine.best_model import load_best_model
from tuner.engine.forecasts import window_scale
from tuner.engine.input_range import all_layers
from tuner.errors import UserInputError
from tuner.run import results
from tuner.run.results import forecast_shape

COLUMNS = ("series", "time", "step", "forecast")


def forecast_ahead(run_dir: Path, table: Table, steps: int | None) -> pd.DataFrame:
    """One row per series and step ahead, 1..``steps`` (default: the model's horizon), from
    the last ``window`` rows of each series of ``table``: the forecast in the target's units
    and, where the search measured them, lower_80, upper_80, lower_95, upper_95. A series
    shorter than the window is forecast from the history it has where the model masks the
    NaN before a short series' start (a run whose data had such series)."""
    summary = results.read_test(run_dir)
    window, horizon, steps = forecast_shape(run_dir, steps)
    model = load_best_model(run_dir)
    masks = any(layer.name == "padding_mask" for layer in all_layers(model))
    frames = []
    for name, whole in table.by_series():
        one = whole.rows(~np.isnan(whole.values[:, 0]))  # the steps ahead hold no target
        if len(one.values) < window and not masks:
            raise UserInputError(
                f"{_which(name, table)}has {len(one.values)} steps, fewer than the model's "
                f"window ({window}); give at least that much history",
                key="--data",
            )
        x = np.full((1, window, one.values.shape[1]), np.nan, "float32")
        history = one.values[-window:]
        x[0, window - len(history) :] = history  # a short series: NaN before its start, masked
        if np.isnan(history[:, 1:]).any():  # future-known columns read a horizon ahead
            raise UserInputError(
                f"{_which(name, table)}lacks the known-ahead values of the {horizon} steps after "
                "its last value; add those rows with the target left empty and the "
                "data.covariates.future columns filled in",
                key="--data",
            )
        forecast = np.asarray(model.predict(x, verbose=0), "float64")[0][:steps]
        frame = pd.DataFrame(
            {
                "series": name,
                "time": next_times(one.time, steps),
                "step": np.arange(1, steps + 1),
                "forecast": forecast,
            }
        )
        for level, entry in sorted((summary.get("intervals") or {}).items()):
            margins = np.asarray(entry.get("margins") or [], "float64")[:steps]
            margins = margins * window_scale(x, bool(entry.get("per_window_scale")))[0]
            if len(margins) == steps:
                frame[f"lower_{level}"] = forecast - margins
                frame[f"upper_{level}"] = forecast + margins
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _which(name: str, table: Table) -> str:
    return "the series " if table.ids is None else f"series '{name}' "


def next_times(labels: np.ndarray, steps: int) -> list[str]:
    """The labels of the ``steps`` time steps after the last: dates at the series' own
    frequency (pandas' inference), numbers at their last spacing, else "+1", "+2", ..."""
    last = [str(v) for v in labels[-3:]]
    numbers = pd.to_numeric(pd.Series(last), errors="coerce")
    if numbers.notna().all() and len(last) >= 2:
        gap = float(numbers.iloc[-1] - numbers.iloc[-2])
        ahead = [numbers.iloc[-1] + gap * k for k in range(1, steps + 1)]
        return [str(int(v)) if float(v).is_integer() else str(v) for v in ahead]
    try:
        stamps = pd.to_datetime(pd.Series([str(v) for v in labels[-10:]]), format="mixed")
        frequency = pd.infer_freq(pd.DatetimeIndex(stamps))
    except (ValueError, TypeError):
        frequency = None
    if frequency is not None:
        future = pd.date_range(stamps.iloc[-1], periods=steps + 1, freq=frequency)[1:]
        return [stamp.strftime("%Y-%m-%d") for stamp in future]
    return [f"{last[-1]}+{k}" for k in range(1, steps + 1)]
