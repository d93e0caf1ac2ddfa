"""A parameter several runs share: each value's best and mean score per run, side by side."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from tuner.numbers import is_finite_number
from tuner.reporting.figures.canvas import LEGEND_RIGHT, metric_label, new_figure


def value_order(data: pd.DataFrame) -> list[str]:
    """Numbers ascending; names in the order of the first run's ranking (best first)."""
    raw = dict(zip(data["value"], data["raw"], strict=True))
    if all(is_finite_number(v) for v in raw.values()):
        return sorted(raw, key=lambda v: raw[v])
    return list(raw)


def draw_effects(data: pd.DataFrame, name: str, objective: str) -> Figure:
    """Per value of ``name``, each run's best (filled) and mean (hollow) score, side by side."""
    values = value_order(data)
    runs = list(dict.fromkeys(data["run"]))
    fig, ax = new_figure((max(6.0, 1.3 * len(values) + 3) + 2, 4.4))
    width = 0.6 / max(len(runs), 1)
    for i, run in enumerate(runs):
        part = data[data["run"] == run]
        x = [values.index(v) - 0.3 + width * (i + 0.5) for v in part["value"]]
        color = f"C{i % 10}"
        ax.plot(x, part["best"], "o", color=color, ms=9, label=run)
        ax.plot(x, part["mean"], "o", mfc="none", color=color, ms=9)
    ax.set_xticks(range(len(values)), values)
    ax.set_xlim(-0.6, len(values) - 0.4)
    ax.set(
        title=f"{objective} by {name}, each run side by side",
        xlabel=name,
        ylabel=metric_label(objective),
    )
    handles = [
        Line2D([], [], color=f"C{i % 10}", marker="o", ls="", label=r) for i, r in enumerate(runs)
    ]
    handles += [
        Line2D([], [], color="gray", marker="o", ls="", label="best trial"),
        Line2D([], [], color="gray", marker="o", mfc="none", ls="", label="mean of trials"),
    ]
    ax.legend(handles=handles, fontsize="small", **LEGEND_RIGHT)
    ax.grid(alpha=0.3)
    return fig
