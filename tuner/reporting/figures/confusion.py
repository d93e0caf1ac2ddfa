"""The confusion matrix of the best model on the test split, class names on both axes."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from tuner.reporting.figures.canvas import new_figure

MAX_LABELLED = 20  # more classes than this: no count written in each cell


def draw(counts: np.ndarray, classes: tuple[str, ...]) -> Figure:
    """Counts as shades, each row (an actual class) scaled by its own total so that a rare
    class's errors show; the count is written in each cell."""
    size = max(4.0, 0.45 * len(classes) + 2.5)
    fig, ax = new_figure((size + 1, size))
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ticks = np.arange(len(classes))
    ax.set_xticks(ticks, classes, rotation=45 if max(map(len, classes)) > 3 else 0, ha="right")
    ax.set_yticks(ticks, classes)
    ax.set(xlabel="predicted class", ylabel="actual class", title="Confusion matrix (test split)")
    if len(classes) <= MAX_LABELLED:
        for (row, col), count in np.ndenumerate(counts):
            colour = "white" if shares[row, col] > 0.6 else "black"
            ax.text(col, row, str(count), ha="center", va="center", color=colour, fontsize=8)
    fig.colorbar(image, ax=ax, label="share of the actual class")
    return fig
