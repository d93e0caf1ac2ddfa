"""tuner forecast's figure: each series' recent history, then its forecasts after the last step
with the 80% and 95% intervals (the first SHOWN series; the CSV holds them all)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from tuner.data.series import Table
from tuner.reporting.figures.canvas import new_figure, to_png

SHOWN = 6  # series drawn, one panel each
HISTORY = 36  # steps of history before the forecasts


def draw_ahead(history: dict[str, pd.DataFrame], frame: pd.DataFrame, target: str) -> Figure:
    """``history``: per series, its known rows (columns time, value); ``frame``: tuner
    forecast's table. Time as positions, the forecast's first step at 0; ticks name times."""
    names = list(dict.fromkeys(frame["series"].astype(str)))[:SHOWN]
    fig, axes = new_figure((9, 2.4 * len(names)), rows=len(names), squeeze=False)
    for ax, name in zip(axes[:, 0], names, strict=True):
        known = history[name].tail(HISTORY)
        ahead = frame[frame["series"].astype(str) == name]
        past = np.arange(-len(known), 0)
        steps = np.asarray(ahead["step"], "int64") - 1
        ax.plot(past, known["value"], color="0.3", linewidth=1.2, label="history")
        for level, shade in (("95", 0.15), ("80", 0.3)):
            if f"lower_{level}" in ahead:
                low, high = ahead[f"lower_{level}"], ahead[f"upper_{level}"]
                band = {"color": "C0", "alpha": shade, "linewidth": 0}
                ax.fill_between(steps, low, high, label=f"{level}% interval", **band)
        ax.plot(steps, ahead["forecast"], color="C0", marker="o", markersize=3, label="forecast")
        ticks = [int(past[0]), 0] if len(past) else [0]
        labels = [str(known["time"].iloc[0]), str(ahead["time"].iloc[0])] if len(past) else [""]
        ax.set_xticks(ticks, labels)
        ax.set(ylabel=target)
        ax.set_title(f"{name}: forecasts after its last step", loc="left")
    axes[0, 0].legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=4, frameon=False)
    fig.tight_layout()
    return fig


def ahead_figure(table: Table, frame: pd.DataFrame) -> bytes:
    """The PNG of draw_ahead for ``table`` (the history read: rows with a target) and
    tuner forecast's ``frame``."""
    history = {}
    for name, one in table.by_series():
        known = ~np.isnan(one.values[:, 0])
        history[str(name)] = pd.DataFrame({"time": one.time[known], "value": one.values[known, 0]})
    return to_png(draw_ahead(history, frame, table.columns[0]))
