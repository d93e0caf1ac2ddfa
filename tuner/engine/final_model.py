"""search.final_model: how best/model.keras is made from the search's best trial.

The search chooses a configuration; the model a user deploys is one more choice, and a
luck-dependent one (issue 21: with one seed the refit beat the checkpoint on MNIST's test
set, with another it lost by 0.026). The recipes:

- ``checkpoint``: the best trial's own checkpoint, at its best epoch (trained on the training
  split, or on one fold when the trials were cross-validated);
- ``refit``: trained again from scratch on training + validation data for as many parameter
  updates as its best epoch took (tuner.engine.refit); nothing is left to stop it on;
- ``refit_stopped``: trained again on training + validation less a held-back slice (the
  data.validation_split share of it: stratified for classes, the latest stretch of a series),
  stopped early on that slice and put back to its best epoch;
- ``ensemble``: with folds, the K fold models trained again as the search trained them (each
  stopped on its own validation fold, at its best epoch) and their outputs averaged, saved as
  one Keras model.

Every recipe that runs is tested, and best/test.json's ``final_models`` lists them side by
side; the config chooses the exported one (the first it names), never the test split.
"""

from __future__ import annotations

import sys
from pathlib import Path

import keras
import numpy as np

from tuner.config.schema import Config
from tuner.data import folds
from tuner.data.datasets import Dataset
from tuner.data.folds import ValidationPlan
from tuner.data.groups import group_holdout
from tuner.engine import recipe, refit
from tuner.engine.best_model import save_best
from tuner.engine.repeats import KeepBestWeights
from tuner.errors import TunerError
from tuner.run import results
from tuner.run.records import TrialRecord
from tuner.run.results import EvaluationSummary, FinalModelEntry, final_model_entry, recipe_words

Trained = tuple[keras.Model, list[int], int]  # the model, each part's epochs, samples per part


def make_final_models(config: Config, dataset: Dataset, run_dir: Path) -> EvaluationSummary:
    """Run search.final_model's recipes on the exported trial, export the first, test them
    all; returns best/test.json with ``final_models`` (written last, as the step's mark)."""
    plan = recipe.validation_plan(config, dataset)
    recipes = config.search.final_recipes(plan.cross_validates)
    summary = results.read_test(run_dir)
    record = refit.exported_record(run_dir, summary)
    entries: list[FinalModelEntry] = []
    forecasts: EvaluationSummary = {}  # a series: the exported model's forecast errors
    for position, name in enumerate(recipes):
        exported = position == 0
        if name == "checkpoint":  # already best/model.keras, tested with the top trials
            samples = _samples_per_model(dataset, plan)
            tested = summary["trials"][0]["test"]
            epochs = [recipe.epochs_to_best(record)]
            entries.append(
                final_model_entry(
                    name, record["trial_id"], epochs, samples, tested, exported=exported
                )
            )
            continue
        if name == "refit" and exported:  # tuner refit's own step, with its test.json entry
            done = refit.refit_best(config, dataset, run_dir)
            made = [done["epochs"]], done["samples"], done["test"]
            entries.append(final_model_entry(name, record["trial_id"], *made, exported=True))
            continue
        model, epochs, samples = _train(name, config, dataset, record, plan)
        tested = recipe.evaluate(config, dataset, model, dataset.x_test, dataset.y_test)
        entry = final_model_entry(
            name, record["trial_id"], epochs, samples, tested, exported=exported
        )
        if exported:
            refit.keep_search_model(run_dir)
            save_best(model, record, config, dataset, run_dir, forecasts)
        keras.backend.clear_session()
        entries.append(entry)
    summary = results.read_test(run_dir)  # as refit left it
    summary.update(forecasts)
    summary["final_models"] = entries
    summary["final_model"] = config.search.final_model_request()
    summary["model_sha256"] = results.model_fingerprint(run_dir) or ""
    results.write_test(run_dir, summary)
    return summary


def _train(
    name: str, config: Config, dataset: Dataset, record: TrialRecord, plan: ValidationPlan
) -> Trained:
    print(
        f"final model: {name} of trial {record['trial_id']} "
        f"({recipe_words(name, len(plan.folds))})...",
        file=sys.stderr,
        flush=True,
    )
    if name == "refit":
        return refit.refit_model(config, dataset, record)
    if name == "refit_stopped":
        return _refit_stopped(config, dataset, record)
    if name == "ensemble":
        return _fold_ensemble(config, dataset, record, plan)
    raise TunerError(f"unknown final model recipe {name!r}")  # the config refuses it first


def _refit_stopped(config: Config, dataset: Dataset, record: TrialRecord) -> Trained:
    """Trained on the pool less a held-back slice, stopped early on the slice at its best
    epoch by the search's rule (objective, then validation loss)."""
    _, y = folds.pool(dataset.x_train, dataset.y_train, dataset.x_val, dataset.y_val)
    learn, held = held_back(y, config.data.validation_split, config.seed, dataset)
    model, history = recipe.train_again(
        config,
        dataset,
        record,
        epochs=config.search.epochs,
        data=learn,
        validation=held,
        callbacks=[KeepBestWeights(config.objective, config.direction == "max")],
    )
    return model, [len(history.epoch)], len(learn)


def held_back(
    y: np.ndarray, share: float, seed: int, dataset: Dataset
) -> tuple[np.ndarray, np.ndarray]:
    """(positions to learn from, positions held back): ``share`` of the pool, at least one;
    stratified by class where every class has two members; whole groups where the data names
    them; a series' latest stretch."""
    n = len(y)
    size = min(n - 1, max(1, round(n * share)))
    if dataset.task != "classification":  # never validate on the past of what it learns
        return np.arange(n - size), np.arange(n - size, n)
    if dataset.groups is not None:  # whole groups, as every split of the data
        return group_holdout(y, dataset.groups, share, seed, "data.group")
    from sklearn.model_selection import train_test_split

    labels = y if y.ndim == 1 else None
    if labels is not None and np.unique(labels, return_counts=True)[1].min() < 2:
        labels = None
    classes = len(np.unique(labels)) if labels is not None else 0
    learn, held = train_test_split(
        np.arange(n),
        test_size=max(size, classes),  # stratifying needs a place for every class
        random_state=seed % 2**32,
        stratify=labels,
    )
    return np.sort(learn), np.sort(held)


def _fold_ensemble(
    config: Config, dataset: Dataset, record: TrialRecord, plan: ValidationPlan
) -> Trained:
    """Each fold's model as the search trained it (stopped on its validation fold, its best
    epoch kept), averaged into one model that takes the same inputs."""
    if not plan.folds:
        raise TunerError("the fold ensemble needs the trials to be cross-validated")
    members, epochs = [], []
    for fold in plan.folds:
        model, history = recipe.train_again(
            config,
            dataset,
            record,
            epochs=config.search.epochs,
            validate=True,
            fold=fold,
            callbacks=[KeepBestWeights(config.objective, config.direction == "max")],
        )
        model.name = f"fold_{fold.index + 1}"  # a functional model's layers need unique names
        members.append(model)
        epochs.append(len(history.epoch))
    return averaged(members), epochs, _samples_per_model(dataset, plan)


def averaged(members: list[keras.Model]) -> keras.Model:
    """One model whose output is the mean of ``members``' outputs (probabilities for a
    classifier), compiled as the first member is, so it evaluates to the same metrics."""
    first = members[0].inputs[0]
    inputs = keras.Input(shape=first.shape[1:], dtype=first.dtype, name="sequences")
    outputs = keras.layers.Average(name="fold_average")([m(inputs) for m in members])
    model = keras.Model(inputs, outputs, name="fold_ensemble")
    model.compile_from_config(members[0].get_compile_config())
    return model


def _samples_per_model(dataset: Dataset, plan: ValidationPlan) -> int:
    """The samples one search model trained on: the training split, or a fold's on average."""
    if plan.folds:
        return round(sum(len(f.train) for f in plan.folds) / len(plan.folds))
    return len(dataset.x_train)
