"""Parallel coordinates: one line per completed trial across the varying hyperparameters and
the objective, coloured by the objective. Compute (``parallel_data``), then draw (``draw``).
Never imports Keras.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from tuner.analysis.effects import label, scored
from tuner.config.space import Param
from tuner.numbers import is_finite_number
from tuner.reporting.figures.canvas import metric_label, new_figure
from tuner.run.records import TrialRecord, score_of
from tuner.text import plural, score_text, value_text

_JITTER = 0.015  # vertical spread of lines sharing a choice, so each trial stays visible


@dataclass(frozen=True)
class Axis:
    """One vertical axis: positions in [0, 1] and the labelled ticks along it."""

    name: str
    ticks: tuple[tuple[float, str], ...]
    log: bool = False


@dataclass(frozen=True)
class Parallel:
    """``frame``: one row per scored trial with trial_id, rank, score and a column per axis
    holding the position in [0, 1] (NaN where the parameter was inactive)."""

    frame: pd.DataFrame
    axes: tuple[Axis, ...]
    objective: str
    maximize: bool


def parallel_data(
    records: list[TrialRecord], names: list[str], params: dict[str, Param], objective: str
) -> Parallel:
    done = scored(records)
    maximize = bool(done) and done[0]["direction"] == "max"
    done = sorted(done, key=score_of, reverse=maximize)
    frame = pd.DataFrame(
        {
            "trial_id": [str(r["trial_id"]) for r in done],
            "rank": range(1, len(done) + 1),
            "score": [score_of(r) for r in done],
        }
    )
    axes = []
    for name in names:
        values = [r["hyperparameters"].get(name) for r in done]
        if all(v is None for v in values):
            continue
        positions, axis = _place(name, values, params.get(name))
        frame[name] = positions
        axes.append(axis)
    scores = [score_of(r) for r in done]
    positions, axis = _numeric(objective, scores, None, log=False)
    frame[objective] = positions
    return Parallel(frame, (*axes, axis), objective, maximize)


def _place(name: str, values: list[Any], param: Param | None) -> tuple[list[float], Axis]:
    present = [v for v in values if v is not None]
    ranged = param is not None and param.kind in ("int", "float")
    # Without a Param to say so, more than 6 distinct numbers make a numeric axis.
    numeric = param is None and all(is_finite_number(v) for v in present) and len(set(present)) > 6
    if ranged or numeric:
        log = param is not None and param.sampling != "linear"
        bounds = (param.min, param.max) if ranged and param is not None else None
        return _numeric(name, values, bounds, log, param)
    choices = list(param.values) if param is not None and param.kind == "choice" else []
    declared = [label(v) for v in choices]
    seen = sorted({label(v) for v in present} - set(declared))
    levels = [*declared, *seen]
    shown = {label(v): value_text(name, v, param) for v in [*present, *choices]}
    step = 1 / (len(levels) - 1) if len(levels) > 1 else 0
    where = {lab: (i * step if len(levels) > 1 else 0.5) for i, lab in enumerate(levels)}
    counts: dict[str, int] = {}
    positions = []
    for v in values:
        if v is None:
            positions.append(math.nan)
            continue
        n = counts[label(v)] = counts.get(label(v), -1) + 1
        spread = _JITTER * ((n + 1) // 2) * (1 if n % 2 else -1)
        positions.append(min(1.0, max(0.0, where[label(v)] + spread)))
    return positions, Axis(name, tuple((where[lab], shown[lab]) for lab in levels))


def _numeric(
    name: str,
    values: list[Any],
    bounds: tuple[float, float] | None,
    log: bool,
    param: Param | None = None,
) -> tuple[list[float], Axis]:
    present = [float(v) for v in values if v is not None]
    low, high = bounds if bounds else (min(present), max(present))
    log = log and low > 0

    def scale(x: float) -> float:
        return math.log10(x) if log else x

    span = scale(high) - scale(low)
    positions = [
        math.nan if v is None else ((scale(float(v)) - scale(low)) / span if span else 0.5)
        for v in values
    ]
    ticks = [(0.0, value_text(name, low, param)), (1.0, value_text(name, high, param))]
    if span == 0:
        ticks = [(0.5, value_text(name, low, param))]
    return positions, Axis(name, tuple(ticks), log)


def draw(data: Parallel) -> Figure:
    """A line per trial, coloured by the objective (better is brighter), the best one thick."""
    frame, axes = data.frame, data.axes
    fig, ax = new_figure((max(6.0, 1.9 * len(axes) + 1.5), 4.8))
    names = [a.name for a in axes]
    xs = list(range(len(axes)))
    cmap = colormaps["viridis" if data.maximize else "viridis_r"]
    norm = Normalize(frame["score"].min(), frame["score"].max())
    for _, row in frame.iloc[::-1].iterrows():  # the best drawn last, on top
        ys = [row[n] for n in names]
        best = row["rank"] == 1
        ax.plot(
            xs,
            ys,
            color="crimson" if best else cmap(norm(row["score"])),
            lw=3 if best else 1.4,
            alpha=1 if best else 0.75,
            zorder=3 if best else 2,
        )
    for x, axis in zip(xs, axes, strict=True):
        ax.axvline(x, color="0.3", lw=1, zorder=1)
        for pos, text in axis.ticks:
            ax.text(x + 0.04, pos, text, fontsize=8, va="center", ha="left", zorder=4)
    ax.set_xticks(xs, [f"{a.name}{' (log)' if a.log else ''}" for a in axes])
    ax.set_xlim(-0.2, len(axes) - 1 + 0.6)
    ax.set_ylim(-0.06, 1.06)
    ax.set_yticks([])
    ax.set_ylabel("position within each axis's range (bottom: min, top: max)")
    best = frame.iloc[0]
    handles = [
        Line2D(
            [],
            [],
            color="crimson",
            lw=3,
            label=f"best: trial {best.trial_id} ({score_text(data.objective, best.score)})",
        )
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.12), fontsize="small")
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, pad=0.02)
    bar.set_label(metric_label(data.objective))
    gaps = "\n(a gap: the parameter was inactive in that trial)" if frame.isna().any().any() else ""
    trials = plural(len(frame), "completed trial")
    title = f"Parallel coordinates of {trials}, coloured by {data.objective}"
    ax.set_title(title + gaps, fontsize=11)
    return fig
