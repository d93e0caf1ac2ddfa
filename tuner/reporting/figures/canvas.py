"""Figures without pyplot: each draw_* function makes its own ``matplotlib.figure.Figure``,
so drawing a report switches no global backend (a notebook keeps its inline plots) and leaves
no figure registered anywhere; ``to_png`` renders one with the Agg renderer."""

from __future__ import annotations

import io
from typing import Any

from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.text import Text

_UNITS = {  # what a metric's number means, for axis labels; matched on the name without val_
    "accuracy": "fraction correct",
    "auc": "area under the ROC curve",
    "mae": "target units",
    "rmse": "target units",
    "mse": "target units²",
    "mase": "MAE over the seasonal-naive MAE",
    "smape": "percent",
    "loss": "per sample; lower is better",
}


def new_figure(
    figsize: tuple[float, float], rows: int = 1, columns: int = 1, squeeze: bool = True
) -> tuple[Figure, Any]:
    """A figure and its axes, as ``pyplot.subplots`` would return them."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(rows, columns, squeeze=squeeze)


def to_png(fig: Figure) -> bytes:
    """The figure as PNG bytes (no date or software stamp, so equal figures give equal bytes).
    Every text is drawn as written: a class label, choice value or series id with $ in it
    is the user's text, not matplotlib's math markup (which fails on '$^$')."""
    for text in fig.findobj(Text):
        text.set_parse_math(False)
    buffer = io.BytesIO()
    with rc_context({"text.parse_math": False}):  # tick labels made while it draws
        fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def metric_label(name: str) -> str:
    """An axis label with the metric's unit: 'val_accuracy (fraction correct)'."""
    unit = _UNITS.get(name.removeprefix("val_"))
    return f"{name} ({unit})" if unit else name


COLORS = [f"C{i}" for i in range(10)]  # matplotlib's default cycle: a color per trial
# Legends go outside the axes, to the right, top-aligned: a legend inside can cover data
# wherever it is put ("best" included, which only minimizes the overlap).
LEGEND_RIGHT: dict[str, Any] = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0)}
