"""The objective against one hyperparameter: a log or linear axis for ranges, grouped points
with their mean for choices."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from tuner.analysis.effects import scored
from tuner.config.space import Param
from tuner.numbers import is_finite_number
from tuner.reporting.figures.canvas import COLORS, LEGEND_RIGHT, metric_label, new_figure
from tuner.run.records import TrialRecord
from tuner.text import value_text

_SPREAD = (0.0, 0.06, -0.06, 0.12, -0.12, 0.18, -0.18)  # x offsets of points sharing a choice


@dataclass(frozen=True)
class Axis:
    """How to lay out one hyperparameter: ``scale`` is linear | log | category."""

    name: str
    scale: str
    categories: tuple[Any, ...] = ()
    bounds: tuple[float, float] | None = None  # a range's min and max, drawn as the x limits


def axis_for(name: str, param: Param | None, values: list[Any]) -> Axis:
    """Log for log-sampled ranges, categories for choices (or non-numbers), else linear."""
    numeric = all(map(is_finite_number, values))
    if (param is not None and param.kind == "choice") or not numeric:
        declared = param.values if param is not None and param.kind == "choice" else ()
        seen = sorted({_label(v): v for v in values}.values(), key=_label)
        extra = [v for v in seen if _label(v) not in {_label(d) for d in declared}]
        return Axis(name, "category", (*declared, *extra))
    scale = "log" if param is not None and param.sampling == "log" else "linear"
    bounds = None
    if param is not None and param.kind in ("int", "float"):
        bounds = (param.min, param.max)
    return Axis(name, scale, bounds=bounds)


def param_data(records: list[TrialRecord], name: str) -> pd.DataFrame:
    """The value of one hyperparameter and the score of each scored trial that has it."""
    rows = [
        {"trial_id": r["trial_id"], "value": r["hyperparameters"][name], "score": r["score"]}
        for r in scored(records)
        if r["hyperparameters"].get(name) is not None  # absent while its `when` is false
    ]
    return pd.DataFrame(rows, columns=["trial_id", "value", "score"])


def category_means(data: pd.DataFrame, axis: Axis) -> pd.DataFrame:
    """Per choice (in declared order): its position on the x axis, trial count and mean score."""
    labels = data["value"].map(_label)
    rows = []
    for position, value in enumerate(axis.categories):
        scores = data["score"][labels == _label(value)]
        mean = scores.mean() if len(scores) else math.nan
        rows.append({"position": position, "value": value, "trials": len(scores), "mean": mean})
    return pd.DataFrame(rows, columns=["position", "value", "trials", "mean"])


def draw_param(data: pd.DataFrame, axis: Axis, objective: str, best_trial: str) -> Figure:
    """Objective against one hyperparameter: a scatter, or points grouped per choice."""
    fig, ax = new_figure((7.5, 4))  # the legend takes the right
    if axis.scale == "category":
        groups = category_means(data, axis)
        x = _category_positions(data, groups)
        ax.hlines(
            groups["mean"],
            groups["position"] - 0.3,
            groups["position"] + 0.3,
            color=COLORS[1],
            label="mean per value",
        )
        ax.set_xticks(groups["position"], [value_text(axis.name, v) for v in groups["value"]])
        ax.set_xlim(-0.5, len(groups) - 0.5)
    else:
        x = data["value"].astype(float)
        ax.set_xscale(axis.scale)
        if axis.bounds is not None:  # the whole declared range: a best on its edge stands out
            ax.set_xlim(*_padded(axis.bounds, axis.scale))
        if axis.scale == "log":  # minor labels collide on ranges shorter than a decade
            ax.xaxis.set_minor_formatter(NullFormatter())
    ax.plot(x, data["score"], "o", color=COLORS[0], alpha=0.7, label="trial")
    best = data["trial_id"] == best_trial
    ax.plot(
        x[best],
        data["score"][best],
        "*",
        ms=14,
        color=COLORS[3],
        label=f"best: trial {best_trial}",
    )
    scale_note = " (log scale)" if axis.scale == "log" else ""
    ax.set(
        title=f"{objective} against {axis.name}",
        ylabel=metric_label(objective),
        xlabel=f"{axis.name}{scale_note}",
    )
    ax.legend(fontsize="small", **LEGEND_RIGHT)
    ax.grid(alpha=0.3)
    return fig


def _padded(bounds: tuple[float, float], scale: str) -> tuple[float, float]:
    low, high = bounds
    if scale == "log":
        return low / 1.2, high * 1.2
    margin = (high - low) * 0.05 or 0.5
    return low - margin, high + margin


def _category_positions(data: pd.DataFrame, groups: pd.DataFrame) -> pd.Series:
    """Each trial's x: its choice's position, spread a little so equal scores stay visible."""
    position = dict(zip(groups["value"].map(_label), groups["position"], strict=True))
    base = data["value"].map(lambda v: position.get(_label(v), math.nan))
    spread = data.groupby(base).cumcount().map(lambda n: _SPREAD[n % len(_SPREAD)])
    return base + spread


def _label(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
