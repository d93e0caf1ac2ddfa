"""Memory over a search: each trial's peak resident memory (the record's peak_memory_mb) in
finishing order, and how fast it grows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tuner.numbers import is_finite_number
from tuner.run.records import TrialRecord

ENDS = 10  # trials at each end whose median peaks are compared


@dataclass(frozen=True)
class Growth:
    """Peaks (MB) in finishing order: the median of the first and last ENDS trials, and the
    least-squares slope per trial over all of them."""

    trials: int
    first: float
    last: float
    slope: float


def peaks(records: list[TrialRecord]) -> list[tuple[int, float]]:
    """(finishing number, peak MB) of every trial that recorded its peak, in order."""
    found = [(r["number"], r.get("peak_memory_mb")) for r in records]
    return sorted((n, float(p)) for n, p in found if is_finite_number(p))


def growth(records: list[TrialRecord]) -> Growth | None:
    """None with fewer than 2 trials that recorded a peak."""
    points = peaks(records)
    if len(points) < 2:
        return None
    numbers = np.array([n for n, _ in points], dtype=float)
    values = np.array([p for _, p in points])
    ends = min(ENDS, len(values) // 2)
    slope = float(np.polyfit(numbers, values, 1)[0]) if np.ptp(numbers) > 0 else 0.0
    first, last = float(np.median(values[:ends])), float(np.median(values[-ends:]))
    return Growth(len(values), first, last, slope)
