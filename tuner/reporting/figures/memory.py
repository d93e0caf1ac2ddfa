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
    ax.set_ylim(bottom=0)  # growth read against the whole, not a zoomed band
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def growth_text(growth: Growth) -> str:
    ends = min(ENDS, growth.trials // 2)
    sign = "-" if growth.slope < 0 and decimals(abs(growth.slope), 1) != "0.0" else ""
    return (
        f"Peak resident memory of the search process during each trial, from the trial "
        f"records (peak_memory_mb): median {thousands(growth.first)} MB over the first "
        f"{plural(ends, 'trial')}, {thousands(growth.last)} MB over the last {ends}; a "
        f"least-squares slope of {sign}{decimals(abs(growth.slope), 1)} MB per trial over "
        f"{plural(growth.trials, 'trial')}. With several workers each point is the peak of "
        "the process that ran the trial."
    )
