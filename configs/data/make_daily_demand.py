"""Writes configs/data/daily_demand.csv: three years of a synthetic daily energy demand.

The series is made up by this script (seeded, so every run writes the same file); it is
the project's own, under the project's license (Apache-2.0). Columns:

    date         2021-01-01 .. 2023-12-31, one row per day
    temperature  a yearly cycle (coldest mid-January) plus day-to-day weather (AR(1) noise)
    demand       the target: a base load, plus heating below 16 degrees and cooling above
                 22, times a weekly pattern (weekends lower), plus noise

Run it from the repository root: python configs/data/make_daily_demand.py
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import sys
from pathlib import Path

import numpy as np

DAYS = 3 * 365
START = dt.date(2021, 1, 1)
WEEKLY = (1.0, 1.0, 1.0, 1.0, 0.96, 0.84, 0.80)  # Monday .. Sunday
SEED = 2021
OUT = Path(__file__).with_name("daily_demand.csv")


def rows(days: int = DAYS, seed: int = SEED) -> list[tuple[str, float, float]]:
    rng = np.random.default_rng(seed)
    weather = np.zeros(days)
    for day in range(1, days):
        weather[day] = 0.8 * weather[day - 1] + rng.normal(0.0, 1.3)
    out = []
    for day in range(days):
        date = START + dt.timedelta(days=day)
        season = -math.cos(2 * math.pi * (date.timetuple().tm_yday - 15) / 365.25)
        temperature = 11.0 + 9.0 * season + weather[day]
        load = 300.0 + 9.0 * max(0.0, 16.0 - temperature) + 12.0 * max(0.0, temperature - 22.0)
        demand = load * WEEKLY[date.weekday()] + rng.normal(0.0, 6.0)
        out.append((date.isoformat(), round(temperature, 1), round(demand, 1)))
    return out


def write(path: Path = OUT) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("date", "temperature", "demand"))
        writer.writerows(rows())


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
