"""Hyperparameter importance as horizontal bars; the shares come from analysis.importance."""

from __future__ import annotations

from matplotlib.figure import Figure

from tuner.analysis.importance import Importance
from tuner.reporting.figures.canvas import new_figure
from tuner.text import percent, plural


def draw(importance: Importance, objective: str) -> Figure:
    """Horizontal bars, the most important on top, each labelled with its share."""
    shares = importance.shares.iloc[::-1]
    fig, ax = new_figure((7, 0.5 * len(shares) + 1.6))
    bars = ax.barh(shares["param"], shares["share"] * 100, color="C0")
    ax.bar_label(bars, labels=[percent(s) for s in shares["share"]], padding=3)
    ax.set(
        title=f"Hyperparameter importance for {objective} ({plural(importance.trials, 'trial')})",
        xlabel="share of the error added by shuffling it, on held-out trials (%)",
        ylabel="hyperparameter",
        xlim=(0, 110),
    )
    ax.grid(axis="x", alpha=0.3)
    return fig
