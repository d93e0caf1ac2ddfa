"""Checks of the config that span keys: a sequences file's columns, and the validation
scheme beside the final model (tuner.config.schema runs them after pydantic's own)."""

from __future__ import annotations

from pathlib import Path

from tuner.config import yaml_lines
from tuner.config.sections import CSV_KEYS, REGRESSION_DATASETS, DataSection, Document


def check_sequences(src: yaml_lines.Source, data: DataSection) -> None:
    """The sequences dataset's files: .csv (long format, with its id and label columns) or .npz."""
    if data.dataset != "sequences":
        return
    if data.path is None:
        raise src.error(
            ("data", "path"), "the sequences dataset reads a file; set data.path: FILE.csv or .npz"
        )
    suffixes = {Path(p).suffix.lower() for p in (data.path, data.test_path) if p}
    for key in ("path", "test_path"):
        name = getattr(data, key)
        if name and Path(name).suffix.lower() not in (".csv", ".npz"):
            raise src.error(("data", key), f"{name!r} is neither .csv nor .npz; give one of those")
    if len(suffixes) > 1:
        raise src.error(("data", "test_path"), "give the test set in the format of data.path")
    if ".csv" in suffixes:
        for key in ("id", "label"):
            if getattr(data, key) is None:
                raise src.error(
                    ("data", key), f"a sequences .csv needs data.{key}: the {key} column's name"
                )
        named: dict[str, str] = {}
        for key in ("id", "label", "order", "group"):
            column = getattr(data, key)
            if column is not None and column in named:
                raise src.error(
                    ("data", key),
                    f"{key} and {named[column]} name the same column {column!r}; each names "
                    "its own",
                )
            if column is not None:
                named[column] = key
        if data.group is not None and data.group in (data.features or []):
            raise src.error(
                ("data", "group"),
                f"the group column {data.group!r} is also in data.features; a group names "
                "sequences, it is not a measurement: remove it from features",
            )
    else:
        for key in CSV_KEYS:  # null is not given: the config as run writes every key
            if getattr(data, key) is not None:
                raise src.error(("data", key), f"{key} is for a .csv file, not .npz; remove it")


def check_validation(src: yaml_lines.Source, doc: Document) -> None:
    """Folds asked for where they cannot apply: a series (shuffling it across folds would
    train on its future), or beside executions_per_trial (each fold is one execution); the
    fold ensemble without folds; refit: true beside another final model."""
    final = doc.search.final_model
    recipes = final if isinstance(final, list) else [final]
    if doc.search.refit and final != "auto" and recipes[0] != "refit":
        raise src.error(
            ("search", "refit"),
            f"refit: true and final_model: {final} both choose the exported model; keep "
            "final_model (refit: true is final_model: refit)",
        )
    series = doc.data.dataset in REGRESSION_DATASETS
    backtest = series and doc.data.backtest is not None
    if "ensemble" in recipes and not backtest and (doc.search.cv is None or series):
        raise src.error(
            ("search", "final_model"),
            "the ensemble averages the fold models, and this search has no folds "
            f"({'a series without data.backtest' if series else 'search.cv: null'}); choose "
            "checkpoint, refit or refit_stopped",
        )
    if backtest and doc.search.executions_per_trial > 1:
        raise src.error(
            ("data", "backtest"),
            "each trial trains once per backtest window, so executions_per_trial "
            f"({doc.search.executions_per_trial}) cannot apply; keep one of them",
        )
    if doc.search.cv is None or doc.search.cv == "auto":
        return
    if doc.data.dataset in REGRESSION_DATASETS:
        raise src.error(
            ("search", "cv"),
            f"cross-validation shuffles samples across folds, which a series ({doc.data.dataset}) "
            "must not (it would train on its future); remove search.cv (data.backtest: "
            "{windows: K, step: S} validates a series on rolling origins)",
        )
    if doc.search.executions_per_trial > 1:
        raise src.error(
            ("search", "cv"),
            "with folds each trial trains once per fold, so executions_per_trial "
            f"({doc.search.executions_per_trial}) cannot apply; keep one of them",
        )
