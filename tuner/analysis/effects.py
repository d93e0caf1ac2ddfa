"""How the objective moved with each value of a hyperparameter: per value (mean, best, seconds
per epoch) and in pairs of trials that differ in that parameter alone.

The diagnostics use these for the practice's comparisons (tanh against softsign, optimizer
against optimizer) and the comparison report for parameters several runs share. Reads
trial records only; never imports Keras.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from tuner.numbers import is_finite_number
from tuner.run.records import COMPLETED, TrialRecord, score_of
from tuner.text import significant

EFFECT_COLUMNS = ["value", "label", "trials", "trial_ids", "mean", "best", "seconds_per_epoch"]


def scored(records: list[TrialRecord]) -> list[TrialRecord]:
    """Completed trials with a finite score, in finishing order."""
    return [r for r in records if r["status"] == COMPLETED and is_finite_number(r["score"])]


def value_effects(records: list[TrialRecord], name: str) -> pd.DataFrame:
    """One row per value of ``name`` among scored trials, the value with the best score first."""
    done = [r for r in scored(records) if r["hyperparameters"].get(name) is not None]
    maximize = bool(done) and done[0]["direction"] == "max"
    groups: dict[str, list[TrialRecord]] = {}
    values: dict[str, Any] = {}
    for record in done:
        value = record["hyperparameters"][name]
        groups.setdefault(label(value), []).append(record)
        values[label(value)] = value
    rows = []
    for key, group in groups.items():
        scores = [score_of(r) for r in group]
        per_epoch = [r["seconds"] / r["epochs_run"] for r in group if _timed(r)]
        rows.append(
            {
                "value": values[key],
                "label": key,
                "trials": len(group),
                "trial_ids": tuple(str(r["trial_id"]) for r in group),
                "mean": sum(scores) / len(scores),
                "best": max(scores) if maximize else min(scores),
                "seconds_per_epoch": sum(per_epoch) / len(per_epoch) if per_epoch else math.nan,
            }
        )
    table = pd.DataFrame(rows, columns=EFFECT_COLUMNS)
    if not table.empty:
        table = table.sort_values("best", ascending=not maximize, kind="stable")
    return table.reset_index(drop=True)


def paired(records: list[TrialRecord], name: str, ignore: tuple[str, ...] = ()) -> pd.DataFrame:
    """Trials that differ only in ``name`` (and the ``ignore``d parameters that depend on it):
    one row per such group and value, with the group's key and the trial's score."""
    groups: dict[str, list[TrialRecord]] = {}
    for record in scored(records):
        hp = record["hyperparameters"]
        if hp.get(name) is None:
            continue
        key = repr(sorted((k, label(v)) for k, v in hp.items() if k not in (name, *ignore)))
        groups.setdefault(key, []).append(record)
    rows = [
        {"group": key, "label": label(r["hyperparameters"][name]), "score": score_of(r)}
        for key, group in groups.items()
        if len({label(r["hyperparameters"][name]) for r in group}) > 1
        for r in group
    ]
    return pd.DataFrame(rows, columns=["group", "label", "score"])


def label(value: Any) -> str:
    """A value as the report writes it: true/false for booleans, 4 significant digits for floats."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return significant(value, 3)
    return str(value)


def _timed(record: TrialRecord) -> bool:
    return is_finite_number(record.get("seconds")) and bool(record.get("epochs_run"))
