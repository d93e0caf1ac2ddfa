"""The regression part of a run's report: the best model's test forecasts against the
actual values and against naive baselines.

Reads best/predictions.npz and best/test.json (written by tuner.export); never imports
Keras. Compute, then draw: each ``*_data`` function returns a DataFrame, each ``draw_*``
function a matplotlib Figure; ``regression_blocks`` puts them together for tuner.sections.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd

from tuner.page import Block, Image, Note

matplotlib.use("Agg")  # files only: no display, and no GUI toolkit to import

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

PREDICTIONS = Path("best") / "predictions.npz"
TEST = Path("best") / "test.json"
BASELINE_NAMES = {"last_value": "last value", "seasonal_naive": "seasonal naive"}
MODEL = "model"


@dataclass(frozen=True)
class Predictions:
    """The best model's test forecasts, each array (samples, horizon), in target units."""

    time: np.ndarray  # labels of the predicted time steps, as text
    actual: np.ndarray
    predicted: np.ndarray
    baselines: dict[str, np.ndarray]

    @property
    def horizon(self) -> int:
        return int(self.actual.shape[1])


def load_predictions(run_dir: Path) -> Predictions | None:
    """best/predictions.npz, or None when it is missing or unreadable."""
    try:
        with np.load(Path(run_dir) / PREDICTIONS, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        baselines = {
            name.removeprefix("baseline_"): values
            for name, values in arrays.items()
            if name.startswith("baseline_")
        }
        return Predictions(arrays["time"], arrays["actual"], arrays["predicted"], baselines)
    except (OSError, ValueError, KeyError):
        return None


def read_test(run_dir: Path) -> dict[str, Any]:
    try:
        test = json.loads((Path(run_dir) / TEST).read_text())
        return test if isinstance(test, dict) else {}
    except (OSError, ValueError):
        return {}


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


# ---- errors of the model and the baselines ------------------------------------------------


def _mae(actual: np.ndarray, predicted: np.ndarray, axis: int | None = None) -> Any:
    return np.abs(np.asarray(predicted, "float64") - np.asarray(actual, "float64")).mean(axis)


def _rmse(actual: np.ndarray, predicted: np.ndarray) -> float:
    diff = np.asarray(predicted, "float64") - np.asarray(actual, "float64")
    return float(np.sqrt(np.square(diff).mean()))


def baseline_data(predictions: Predictions) -> pd.DataFrame:
    """One row per forecast (the model, then each baseline): test MAE and RMSE, and MAE as a
    multiple of the model's (above 1: the model is better)."""
    forecasts = {MODEL: predictions.predicted, **predictions.baselines}
    rows = [
        {
            "forecast": name,
            "mae": float(_mae(predictions.actual, values)),
            "rmse": _rmse(predictions.actual, values),
        }
        for name, values in forecasts.items()
    ]
    data = pd.DataFrame(rows)
    data["mae_ratio"] = data["mae"] / data["mae"].iloc[0]
    return data


def horizon_data(predictions: Predictions) -> pd.DataFrame:
    """Test MAE per step ahead (1..horizon), one column per forecast."""
    forecasts = {MODEL: predictions.predicted, **predictions.baselines}
    data = {name: _mae(predictions.actual, values, axis=0) for name, values in forecasts.items()}
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


# ---- figures ------------------------------------------------------------------------------


def draw_series(data: pd.DataFrame, target: str, step: int = 1) -> Figure:
    fig, ax = plt.subplots(figsize=(9, 3.6))
    ax.plot(data["time"], data["actual"], color="0.3", linewidth=1.2, label="actual")
    ax.plot(data["time"], data["predicted"], color="C0", linewidth=1.2, label="predicted")
    ahead = "1 step" if step == 1 else f"{step} steps"
    ax.set(xlabel="time", ylabel=target)
    ax.set_title(f"Test split: forecast {ahead} ahead vs actual", loc="left")
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, frameon=False)
    if pd.api.types.is_datetime64_any_dtype(data["time"]):
        fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def draw_scatter(data: pd.DataFrame, target: str) -> Figure:
    fig, ax = plt.subplots(figsize=(4.8, 4.6))
    ax.scatter(data["actual"], data["predicted"], s=8, alpha=0.5, color="C0", linewidths=0)
    low = float(min(data["actual"].min(), data["predicted"].min()))
    high = float(max(data["actual"].max(), data["predicted"].max()))
    ax.plot([low, high], [low, high], color="0.5", linewidth=1, linestyle="--", label="perfect")
    ax.set(xlabel=f"actual {target}", ylabel=f"predicted {target}", title="Test split")
    ax.legend(loc="upper left", frameon=False)
    fig.tight_layout()
    return fig


def draw_horizon(data: pd.DataFrame, target: str) -> Figure:
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for name in data.columns.drop("step"):
        style = {"linewidth": 2.0} if name == MODEL else {"linestyle": "--", "linewidth": 1.2}
        ax.plot(data["step"], data[name], marker="o", label=_label(name), **style)
    ax.set(xlabel="steps ahead", ylabel=f"test MAE ({target})", title="Error by horizon")
    ax.set_xticks(list(data["step"]))
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def to_png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def _label(name: str) -> str:
    return "model (best trial)" if name == MODEL else BASELINE_NAMES.get(name, name)


# ---- the report's blocks ------------------------------------------------------------------


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
