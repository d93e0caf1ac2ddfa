"""The Forecasts section of a regression run's report: the baselines table with a verdict and
the forecast figures. Reads best/predictions.npz and best/test.json through tuner.run.results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from tuner.analysis.forecast import (
    MODEL,
    baseline_data,
    horizon_data,
    scatter_data,
    series_data,
)
from tuner.report.figures.canvas import to_png
from tuner.report.figures.forecast import draw_horizon, draw_scatter, draw_series
from tuner.report.html import Block, Image, Note
from tuner.run.results import BASELINE_NAMES, Predictions, load_predictions, read_test


def regression_blocks(run_dir: Path) -> list[Block]:
    """The Forecasts section's blocks: the baselines table with a verdict, predicted vs actual
    over time and as a scatter, and the error by horizon when horizon > 1."""
    predictions = load_predictions(run_dir)
    if predictions is None:
        return [
            Note(
                "No forecasts yet: best/predictions.npz does not exist or is unreadable. It is "
                "written when the search finishes."
            )
        ]
    test = read_test(run_dir)
    target = str(test.get("target", "target"))
    table = baseline_data(predictions)
    blocks: list[Block] = [_intro(test, predictions), _table_text(table, test), _verdict(table)]
    blocks.append(
        Image(
            "forecast_series",
            "Predicted vs actual over time (test split)",
            to_png(draw_series(series_data(predictions), target)),
        )
    )
    if predictions.horizon > 1:
        last = predictions.horizon
        figure = draw_series(series_data(predictions, last), target, last)
        blocks.append(Image(f"forecast_series_{last}", f"{last} steps ahead", to_png(figure)))
    scatter = draw_scatter(scatter_data(predictions), target)
    blocks.append(Image("forecast_scatter", "Predicted against actual", to_png(scatter)))
    if predictions.horizon > 1:
        figure = draw_horizon(horizon_data(predictions), target)
        blocks.append(Image("forecast_horizon", "Error by horizon", to_png(figure)))
    return blocks


def _intro(test: dict[str, Any], predictions: Predictions) -> str:
    samples, horizon = predictions.actual.shape
    steps = "1 step ahead" if horizon == 1 else f"1 to {horizon} steps ahead"
    window = f"{test['window']} steps" if test.get("window") else "a window"
    target = f"the target ({test['target']})" if test.get("target") else "the target"
    return (
        f"The best trial's model reads {window} and forecasts {target} {steps}; "
        f"{samples} test windows. Errors are in the target's units. Naive baselines: "
        "the last value seen, repeated"
        + (f"; the value one season ({test['period']} steps) before" if test.get("period") else "")
        + "."
    )


def _table_text(table: pd.DataFrame, test: dict[str, Any]) -> pd.DataFrame:
    best = (test.get("trials") or [{}])[0].get("trial_id")
    names = {**BASELINE_NAMES, MODEL: f"model (trial {best})" if best is not None else "model"}
    if test.get("period"):
        names["seasonal_naive"] = f"seasonal naive (period {test['period']})"
    return pd.DataFrame(
        {
            "forecast": [names.get(n, n) for n in table["forecast"]],
            "test MAE": [f"{v:.4g}" for v in table["mae"]],
            "test RMSE": [f"{v:.4g}" for v in table["rmse"]],
            "MAE / model's": [f"{v:.2f}" for v in table["mae_ratio"]],
        }
    )


def _verdict(table: pd.DataFrame) -> str | Note:
    model = table.iloc[0]
    baselines = table.iloc[1:]
    if baselines.empty:
        return "No baseline to compare with."
    best = baselines.loc[baselines["mae"].idxmin()]
    name = BASELINE_NAMES.get(str(best["forecast"]), str(best["forecast"]))
    if model["mae"] < best["mae"]:
        return (
            f"The model beats every naive baseline: test MAE {model['mae']:.4g} against "
            f"{best['mae']:.4g} for the best of them ({name})."
        )
    return Note(
        f"The model does not beat the {name} baseline (test MAE {model['mae']:.4g} against "
        f"{best['mae']:.4g}): forecast naively, or search longer (more epochs or trials), "
        "widen the window, or check the data's scaling."
    )
