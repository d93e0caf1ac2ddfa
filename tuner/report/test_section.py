"""The Test evaluation section: the top-k trials on the test split with their intervals and
the verdict of tuner.analysis.stats."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from tuner.analysis.stats import test_rows, verdict
from tuner.report.html import Block, Note, Section
from tuner.run.run import Run


def test_section(run: Run) -> Section:
    title = "Test evaluation"
    if not run.test:
        return Section(
            title,
            (Note("No test evaluation yet: best/test.json does not exist or is unreadable."),),
        )
    rows = test_rows(run)
    n = run.test_samples
    blocks: list[Block] = [
        f"The top {len(rows)} trials by {run.objective}, each evaluated once on the test split "
        f"({n if n else 'an unknown number of'} samples the search never saw)."
    ]
    blocks.append(_table(run, rows))
    blocks.append(verdict(rows, n))
    return Section(title, tuple(blocks))


def _table(run: Run, rows: list[dict[str, Any]]) -> pd.DataFrame:
    out = []
    for row in rows:
        cells = {
            "rank": str(row["rank"]),
            "trial": row["trial_id"],
            run.objective: _num(row["validation"]),
        }
        for key, value in row.items():
            if key.startswith("test "):
                cells[key] = _num(value)
        if not math.isnan(row["low"]):
            cells["95% interval (Wilson)"] = f"{row['low']:.3f} – {row['high']:.3f}"
        out.append(cells)
    return pd.DataFrame(out)


def _num(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, int | float) and math.isfinite(value) else "—"
