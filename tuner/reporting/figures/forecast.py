"""The regression figures: forecasts against actual values over time and as a scatter, and the
test error by step ahead (data from tuner.analysis.forecast)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from tuner.analysis.forecast import MODEL
from tuner.reporting.figures.canvas import LEGEND_RIGHT, new_figure
from tuner.run.results import BASELINE_NAMES


def draw_series(data: pd.DataFrame, target: str, step: int = 1) -> Figure:
    fig, ax = new_figure((9, 3.6))
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
    fig, ax = new_figure((6, 4.6))
    ax.scatter(data["actual"], data["predicted"], s=8, alpha=0.5, color="C0", linewidths=0)
    low = float(min(data["actual"].min(), data["predicted"].min()))
    high = float(max(data["actual"].max(), data["predicted"].max()))
    ax.plot([low, high], [low, high], color="0.5", linewidth=1, linestyle="--", label="perfect")
    ax.set(xlabel=f"actual {target}", ylabel=f"predicted {target}", title="Test split")
    ax.legend(frameon=False, **LEGEND_RIGHT)
    fig.tight_layout()
    return fig


def draw_horizon(data: pd.DataFrame, target: str) -> Figure:
    fig, ax = new_figure((8, 3.6))
    for name in data.columns.drop("step"):
        style = {"linewidth": 2.0} if name == MODEL else {"linestyle": "--", "linewidth": 1.2}
        ax.plot(data["step"], data[name], marker="o", label=_label(name), **style)
    ax.set(xlabel="steps ahead", ylabel=f"test MAE ({target})", title="Error by horizon")
    ax.set_xticks(list(data["step"]))
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False, **LEGEND_RIGHT)
    fig.tight_layout()
    return fig


def _label(name: str) -> str:
    return "model (best trial)" if name == MODEL else BASELINE_NAMES.get(name, name)
