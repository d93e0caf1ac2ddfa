"""Seeded monthly series with a known structure, written as the series CSV the toolkit reads
(date, value, promotion): the kind of series people forecast, made here so that a benchmark
or a test needs no download.

``monthly(seed, months)``: a level that grows by about 1% a month (so the last years lie well
above the training range, as in the classic airline series), a yearly season whose amplitude
grows with the level, a promotion covariate (about one month in six, known in advance) that
lifts demand by 8%, and multiplicative noise of 3%. Like the issue's airline case, a model
that only knows globally scaled levels forecasts the test years too low.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

PERIOD = 12  # months in the season


def monthly(seed: int, months: int = 180) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(dates YYYY-MM-01, values, promotion 0/1), seeded."""
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    growth = 1.0 + rng.uniform(0.006, 0.014)  # per month
    level = 100.0 * growth**t
    season = 1.0 + 0.18 * np.sin(2 * np.pi * (t + rng.integers(0, PERIOD)) / PERIOD)
    promotion = (rng.random(months) < 1 / 6).astype("float64")
    noise = rng.normal(1.0, 0.03, months)
    values = level * season * (1.0 + 0.08 * promotion) * noise
    start = dt.date(2000, 1, 1)
    labels = [f"{start.year + m // 12}-{m % 12 + 1:02d}-01" for m in t]
    return labels, values.astype("float32"), promotion.astype("float32")


def write_monthly(seed: int, path: Path, months: int = 180) -> Path:
    """The series as a CSV: date (the first of each month), value (the target), promotion."""
    labels, values, promotion = monthly(seed, months)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["date,value,promotion"]
    rows = zip(labels, values.round(3).tolist(), promotion.astype(int).tolist(), strict=True)
    lines += [f"{m},{v},{p}" for m, v, p in rows]
    path.write_text("\n".join(lines) + "\n")
    return path
