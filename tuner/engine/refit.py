"""Refit: the best configuration trained again on training + validation data, the model a
user deploys (keras-tuner #41, #687, #1020 ask for it).

The search's checkpoint saw the training split only and was picked on the validation split.
The refit model trains from scratch, with the best trial's values and seed, on both splits
for as many parameter updates as the best trial made up to its best epoch (the first of
Goodfellow et al.'s two recipes, Deep Learning 7.8): epochs scaled by training samples /
(training + validation samples), at least one. There is no validation data left to stop on,
so the update count is the stopping rule.

best/model.keras becomes the refit model; the search's checkpoint moves to
best/search_model.keras (once: a second refit keeps it), and test.json's ``refit`` holds the
refit model's test metrics beside the search's. When the search made final models
(search.final_model), the refit's entry there takes the ``exported`` mark from the config's
choice: test.json describes the model.keras it names.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import keras
import numpy as np

from tuner.config.schema import Config
from tuner.data.datasets import Dataset
from tuner.engine import recipe
from tuner.engine.best_model import save_best
from tuner.errors import TunerError
from tuner.run import atomic, layout, records, results
from tuner.run.records import TrialRecord
from tuner.run.results import EvaluationSummary, RefitEntry
from tuner.text import plural, thousands


def refit_epochs(best_epochs: float, train: int, validation: int) -> int:
    """The best epoch count for the same number of parameter updates on train + validation."""
    return max(1, round(best_epochs * train / (train + validation)))


def refit_model(
    config: Config, dataset: Dataset, record: TrialRecord
) -> tuple[keras.Model, list[int], int]:
    """``record`` trained from scratch on training + validation for the updates its best
    epoch took; (model, [epochs], samples)."""
    if record.get("folds"):  # a fold trained on (K-1)/K of the pool the refit trains on
        epochs = refit_epochs(recipe.mean_epochs_to_best(record), len(record["folds"]) - 1, 1)
    else:
        epochs = refit_epochs(
            recipe.epochs_to_best(record), len(dataset.x_train), len(dataset.x_val)
        )
    samples = len(dataset.x_train) + len(dataset.x_val)
    print(
        f"refit: training trial {record['trial_id']} on training + validation "
        f"({thousands(samples)} samples) for {plural(epochs, 'epoch')}...",
        file=sys.stderr,
        flush=True,
    )
    model, _ = recipe.train_again(
        config,
        dataset,
        record,
        epochs=epochs,  # no validation data is left to stop on: the update count is the rule
        data=np.arange(samples),  # the whole pool: training + validation
    )
    return model, [epochs], samples


def refit_best(config: Config, dataset: Dataset, run_dir: Path) -> RefitEntry:
    """Train, test and export the refit model; returns test.json's ``refit`` entry."""
    summary = results.read_test(run_dir)
    record = exported_record(run_dir, summary)  # the refit replaces that very model
    model, (epochs,), samples = refit_model(config, dataset, record)
    metrics = recipe.evaluate(config, dataset, model, dataset.x_test, dataset.y_test)
    keep_search_model(run_dir)
    forecasts: EvaluationSummary = {}  # a series: the refit model's forecast errors
    save_best(model, record, config, dataset, run_dir, forecasts)
    summary.update(forecasts)
    entry: RefitEntry = {
        "trial_id": record["trial_id"],
        "epochs": epochs,
        "samples": samples,
        "test": {name: float(value) for name, value in metrics.items()},
        "search_model": layout.search_model_file(run_dir).name,
    }
    # Last, naming the refit model's fingerprint: a kill before it leaves test.json and
    # model.keras apart, which the next search or refit sees and mends.
    summary["refit"] = entry
    results.export_later(
        summary,
        results.final_model_entry(
            "refit", record["trial_id"], [epochs], samples, entry["test"], exported=True
        ),
    )
    summary["model_sha256"] = results.model_fingerprint(run_dir) or ""
    results.write_test(run_dir, summary)
    return entry


def exported_record(run_dir: Path, summary: EvaluationSummary) -> TrialRecord:
    """The record of the trial best/ holds (test.json's first)."""
    ranked = records.ranked(records.read_records(run_dir)[0])
    if not ranked or not summary.get("trials"):
        raise TunerError(f"{run_dir} has no best trial to refit; run the search to the end first")
    exported = str(summary["trials"][0]["trial_id"])
    return next((r for r in ranked if r["trial_id"] == exported), ranked[0])


def keep_search_model(run_dir: Path) -> None:
    """best/search_model.keras: the search's checkpoint, copied once before a final model
    replaces model.keras (a copy: model.keras stays whole until it is replaced)."""
    searched, kept = layout.model_file(run_dir), layout.search_model_file(run_dir)
    if searched.is_file() and not kept.exists():
        with atomic.writing(kept):
            shutil.copyfile(searched, atomic.partial_file(kept))
            os.replace(atomic.partial_file(kept), kept)
