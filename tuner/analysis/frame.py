"""The trials table: one tidy row per trial (optuna's trials_dataframe): the record's scalar
keys, params_<name> columns, every metric at the best epoch and test_<metric> columns."""

from __future__ import annotations

from typing import Any

import pandas as pd

from tuner.run.records import RECORD_KEYS, TrialRecord, best_epoch_metrics
from tuner.run.results import TestScores


def frame(records: list[TrialRecord], test: TestScores | None = None) -> pd.DataFrame:
    """One tidy row per trial: params_<name> columns, metrics at the best epoch, test_<metric>."""
    rows = []
    for record in records:
        fields: dict[str, Any] = dict(record)
        row: dict[str, Any] = {
            key: fields[key] for key in RECORD_KEYS if key not in ("history", "hyperparameters")
        }
        row["attempts"] = record.get("attempts", 1)
        row.update({f"params_{k}": v for k, v in record["hyperparameters"].items()})
        row.update(best_epoch_metrics(record))
        row.update({f"test_{k}": v for k, v in (test or {}).get(record["trial_id"], {}).items()})
        rows.append(row)
    return pd.DataFrame(rows)
