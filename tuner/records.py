"""Trial records on disk (runs/<name>/trials/<id>.json) and the one-row-per-trial frame.

A record holds everything the report needs, so the report never imports Keras or
keras-tuner: status, hyperparameters, score, best epoch, the per-epoch history of every
metric, seconds, parameter count and the error of a failed trial.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from tuner import storage

COMPLETED, FAILED = "completed", "failed"
RECORD_KEYS = (
    "trial_id", "number", "status", "hyperparameters", "objective", "direction", "score",
    "best_epoch", "epochs_run", "stopped_early", "history", "seconds", "parameters", "error",
)  # fmt: skip


def trials_dir(run_dir: Path) -> Path:
    return Path(run_dir) / "trials"


def write_record(run_dir: Path, record: dict[str, Any]) -> Path:
    path = trials_dir(run_dir) / f"{record['trial_id']}.json"
    storage.write_json(path, record)
    return path


def read_records(run_dir: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """All readable records in finishing order, and a note for each file that was skipped."""
    records, skipped = [], []
    for path in sorted(trials_dir(run_dir).glob("*.json")):
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            skipped.append(f"{path.name}: unreadable ({exc.__class__.__name__})")
            continue
        if not isinstance(record, dict) or any(key not in record for key in RECORD_KEYS):
            skipped.append(f"{path.name}: not a trial record")
            continue
        records.append(record)
    records.sort(key=lambda r: (r["number"], r["trial_id"]))
    return records, skipped


def best_epoch_metrics(record: dict[str, Any]) -> dict[str, float]:
    """Every metric at the best epoch (1-based), as keras-tuner scores a trial."""
    epoch = record.get("best_epoch")
    if not epoch:
        return {}
    return {
        name: values[epoch - 1]
        for name, values in record["history"].items()
        if len(values) >= epoch
    }


def frame(
    records: list[dict[str, Any]], test: dict[str, dict[str, float]] | None = None
) -> pd.DataFrame:
    """One tidy row per trial: params_<name> columns, metrics at the best epoch, test_<metric>."""
    rows = []
    for record in records:
        row: dict[str, Any] = {
            key: record[key] for key in RECORD_KEYS if key not in ("history", "hyperparameters")
        }
        row.update({f"params_{k}": v for k, v in record["hyperparameters"].items()})
        row.update(best_epoch_metrics(record))
        row.update({f"test_{k}": v for k, v in (test or {}).get(record["trial_id"], {}).items()})
        rows.append(row)
    return pd.DataFrame(rows)


def ranked(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Completed trials with a finite score, best first."""
    scored = [r for r in records if r["status"] == COMPLETED and _finite(r["score"])]
    return sorted(
        scored,
        key=lambda r: r["score"],
        reverse=scored[0]["direction"] == "max" if scored else False,
    )


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)
