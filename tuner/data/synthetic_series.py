"""Seeded monthly series with a known structure, written as the series CSV the toolkit reads
(date, value, promotion): the kind of series people forecast, made here so that a benchmark
or a test needs no download.

``monthly(seed, months)``: a level that grows by about 1% a month (so the last years lie well
above the training range, as in the classic airline series), a yearly season whose amplitude
grows with the level, a promotion covariate (about one month in six, known in advance) that
lifts demand by 8%, and multiplicative noise of 3%. Like the issue's airline case, a model
that only knows globally scaled levels forecasts the test years too low.

``many_monthly(seed, count)``: ``count`` such series for one global model (data.series), each
of its own size (a starting level from 10 to 10,000), growth (-0.5% to 1.5% a month), season
and length (from ``shortest`` to ``longest`` months, ending in the same month, as a
competition's many-series sets do).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

PERIOD = 12  # months in the season


def monthly(
    seed: int | list[int], months: int = 180, start_level: float = 100.0,
    growth: tuple[float, float] = (0.006, 0.014),
) -> tuple[list[str], np.ndarray, np.ndarray]:  # fmt: skip
    """(dates YYYY-MM-01, values, promotion 0/1), seeded."""
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    level = start_level * (1.0 + rng.uniform(*growth)) ** t
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
    rows = zip(labels, _rounded(values), promotion.astype(int).tolist(), strict=True)
    lines += [f"{m},{v},{p}" for m, v, p in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_many_monthly(
    seed: int, path: Path, count: int = 20, shortest: int = 48, longest: int = 144,
    ahead: int = 0,
) -> Path:  # fmt: skip
    """``count`` monthly series as one long CSV: series, date, value, promotion; series
    ``s<i>``'s rows in time order, every series ending in the same month. With ``ahead``,
    each series also gets that many months after its end with the promotions planned for
    them and no value yet (data.covariates.future, for `tuner forecast`)."""
    rng = np.random.default_rng([seed, 1])
    lines = ["series,date,value,promotion"]
    for i in range(count):
        months = int(rng.integers(shortest, longest + 1))
        level = float(10 ** rng.uniform(1, 4))
        labels, values, promotion = monthly([seed, i], months + ahead, level, (-0.005, 0.015))
        offset = longest - months  # the same last month for every series
        dates = [_month(m + offset) for m in range(months + ahead)]
        known = [*_rounded(values[:months]), *[""] * ahead]
        rows = zip(dates, known, promotion.astype(int).tolist(), strict=True)
        lines += [f"s{i},{m},{v},{p}" for m, v, p in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def _month(index: int) -> str:
    start = dt.date(2000, 1, 1)
    return f"{start.year + index // 12}-{index % 12 + 1:02d}-01"


def _rounded(values: np.ndarray) -> list[float]:
    """3 decimals as written (in float64: a float32's own digits would show, 598.1380004)."""
    return [float(v) for v in np.asarray(values, "float64").round(3)]
