"""Writes configs/data/many_series.csv: 20 synthetic monthly series for one global model.

Made up by tuner.data.synthetic_series.write_many_monthly (seeded, so every run writes the
same file); the project's own, under the project's license (Apache-2.0). Columns:

    series     s0 .. s19
    date       the first of each month; every series ends in December 2011, and starts
               between 4 and 12 years before
    value      the target: a level from 10 to 10,000 growing -0.5% to 1.5% a month, a yearly
               season that grows with it, 8% more in a promotion month, 3% noise
    promotion  1 in about one month in six, known in advance: each series' last 3 rows are
               January to March 2012, the promotions planned, the value still empty

Run it from the repository root: python configs/data/make_many_series.py
"""

from __future__ import annotations

from pathlib import Path

from tuner.data.synthetic_series import write_many_monthly

SEED = 2011
OUT = Path(__file__).with_name("many_series.csv")

if __name__ == "__main__":
    write_many_monthly(SEED, OUT, count=20, shortest=48, longest=144, ahead=3)
    print(f"wrote {OUT}")
