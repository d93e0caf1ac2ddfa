"""Each trial's peak resident memory against its finishing number: a search that holds on to
something per trial climbs; a flat one does not."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from tuner.analysis.memory import ENDS, Growth, peaks
from tuner.reporting.figures.canvas import COLORS, new_figure
from tuner.run.records import TrialRecord
from tuner.text import decimals, plural, thousands


def draw_memory(records: list[TrialRecord]) -> Figure:
    points = peaks(records)
    fig, ax = new_figure((9.5, 3.6))
    ax.plot([n for n, _ in points], [p for _, p in points], "o-", color=COLORS[0], ms=3)
    ax.set(
        title="Peak resident memory during each trial",
        xlabel="trials in finishing order (#)",
        ylabel="peak resident memory (MB)",
    )
    # growth read against the whole, not a zoomed band; room above the highest point
    ax.set_ylim(0, 1.15 * max((p for _, p in points), default=1.0))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def growth_text(growth: Growth) -> str:
    head = (
        "Peak resident memory of the search process during each trial, from the trial "
        "records (peak_memory_mb): "
    )
    tail = " With several workers each point is the peak of the process that ran the trial."
    if growth.trials < 2 * ENDS:
        half = max(1, growth.trials // 2)
        ends = "trial" if half == 1 else plural(half, "trial")
        return (
            f"{head}{thousands(growth.first)} MB in the first {ends} and "
            f"{thousands(growth.last)} MB in the last (medians); "
            f"{plural(growth.trials, 'trial')} are too few to tell a trend (the report fits "
            f"one from {2 * ENDS}).{tail}"
        )
    sign = "-" if growth.slope < 0 and decimals(abs(growth.slope), 1) != "0.0" else ""
    return (
        f"{head}median {thousands(growth.first)} MB over the first {ENDS} trials, "
        f"{thousands(growth.last)} MB over the last {ENDS}; a least-squares slope of "
        f"{sign}{decimals(abs(growth.slope), 1)} MB per trial over "
        f"{plural(growth.trials, 'trial')}.{tail}"
    )
