"""After a search: test metrics of the top trials and runs/<name>/best/.

best/model.keras takes raw inputs (scaling is a layer inside it), best/hyperparameters.yaml
is a config that re-runs the best trial, best/test.json has the top-k test metrics.

For regression, test.json's mae and rmse are in the target's units (the model outputs
forecasts in them) and it adds the naive baselines' errors; best/predictions.npz holds the
best model's test forecasts next to the actual values, the baselines' forecasts and the
time of each, so the report draws them without Keras.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import warnings
from pathlib import Path
from typing import Any

import keras
import numpy as np

from tuner.analysis.selection import select
from tuner.config import yaml_lines
from tuner.config.schema import Config
from tuner.data.datasets import Dataset
from tuner.engine import recipe
from tuner.engine.forecasts import forecast_summary
from tuner.engine.model import regression_metrics
from tuner.errors import ConfigError, TunerError, UserInputError
from tuner.run import atomic, layout, records, results
from tuner.run.records import TrialRecord
from tuner.run.results import EvaluationSummary, TrialEvaluation


def export_best(
    tuner: Any, config: Config, dataset: Dataset, run_dir: Path
) -> EvaluationSummary | None:
    """Evaluate the top_k trials on the test split and save the best; None if nothing completed.

    best/model.keras, best/hyperparameters.yaml and test.json's first trial are always the same
    trial. A trial whose checkpoint cannot be loaded is retrained from its hyperparameters
    (with a note); one that cannot be retrained either is left out (with a note).
    """
    samples = recipe.validation_samples(config, dataset)
    selection = select(records.read_records(run_dir)[0], samples)
    top = selection.ranked[: config.report.top_k]
    if not top:
        return None
    evaluated: list[TrialEvaluation] = []
    forecasts: EvaluationSummary = {}  # regression: see forecast_summary
    per_sample: dict[str, np.ndarray] = {}  # trial_id -> each test sample's outcome
    for record in top:
        model = _trial_model(tuner, record, run_dir) or _retrained(record, config, dataset)
        if model is None:
            continue
        rank = len(evaluated) + 1
        metrics = recipe.evaluate(config, dataset, model, dataset.x_test, dataset.y_test)
        per_sample[record["trial_id"]] = sample_outcomes(model, dataset)
        evaluated.append(
            {
                "rank": rank,
                "trial_id": record["trial_id"],
                "score": records.score_of(record),  # ranked: a finite score
                "test": {k: float(v) for k, v in metrics.items()},
            }
        )
        if rank == 1:  # best/ is rebuilt whole: no refit's copy of an earlier search's model
            layout.search_model_file(run_dir).unlink(missing_ok=True)
            save_best(model, record, config, dataset, run_dir, forecasts)
    if not evaluated:
        raise TunerError(
            f"no model of the best {len(top)} trial(s) could be loaded or retrained; "
            f"{layout.best_dir(run_dir)} is left as it was (the notes above say why)"
        )
    summary: EvaluationSummary = {
        "objective": config.objective,
        "task": dataset.task,
        "test_samples": len(dataset.y_test),
        "trials": evaluated,
    }
    if dataset.task == "classification":
        summary["labels"] = dataset.labels  # multiclass, binary or multilabel
    if selection.tied and selection.noise is not None:
        summary["tied"], summary["tie_noise"] = list(selection.tied), selection.noise
    summary.update(forecasts)
    fingerprint = results.model_fingerprint(run_dir)
    if fingerprint is not None:
        summary["model_sha256"] = fingerprint
    kind = "error" if dataset.forecast is not None else "correct"
    results.write_per_sample(run_dir, results.PerSample(kind, per_sample))
    results.write_test(run_dir, summary)  # last: it names the trial the other files hold
    return summary


def save_best(
    model: keras.Model,
    record: TrialRecord,
    config: Config,
    dataset: Dataset,
    run_dir: Path,
    forecasts: EvaluationSummary,
) -> None:
    """best/model.keras and best/hyperparameters.yaml of one trial (regression: predictions)."""
    if dataset.forecast is not None:
        forecasts.update(forecast_summary(model, dataset, run_dir))
        # Plain MSE in target units, so keras.saving.load_model opens the file without
        # this toolkit (the training loss, NormalizedLoss, is a class of ours).
        model.compile(optimizer=model.optimizer, loss="mse", metrics=regression_metrics())
    # Build the optimizer's slots so the saved file loads without a mismatch warning.
    model.optimizer.build(model.trainable_variables)
    save_model(model, layout.model_file(run_dir))
    check_loads_back(layout.model_file(run_dir), config)
    if dataset.class_names is not None:
        atomic.write_json(layout.classes_file(run_dir), list(dataset.class_names))
    if dataset.forecast is None:
        predicted = predicted_classes(model.predict(dataset.x_test, verbose=0), dataset.labels)
        names = dataset.class_names or tuple(str(i) for i in range(dataset.num_classes))
        results.write_class_predictions(
            run_dir, results.ClassPredictions(dataset.y_test, predicted, names)
        )
    atomic.write_yaml(
        layout.best_config_file(run_dir),
        best_config(config, record),
        header=f"# Re-runs trial {record['trial_id']} of {config.name}: tuner search THIS_FILE\n",
    )


def sample_outcomes(model: keras.Model, dataset: Dataset) -> np.ndarray:
    """Per test sample: 1 right or 0 wrong (a multi-label sample is right with every label
    right); for regression the absolute error, mean over the horizon."""
    outputs = np.asarray(model.predict(dataset.x_test, verbose=0))
    if dataset.forecast is not None:
        actual = dataset.y_test.reshape(len(dataset.y_test), -1)
        return np.abs(outputs.reshape(actual.shape) - actual).mean(axis=1)
    called = predicted_classes(outputs, dataset.labels)
    right = (called == dataset.y_test).reshape(len(called), -1).all(axis=1)
    return right.astype("float64")


def predicted_classes(outputs: np.ndarray, labels: str) -> np.ndarray:
    """Class indices (n,) from a classifier's outputs; a multi-label (n, k) 0/1 matrix. One
    sigmoid output (binary) calls the second class at probability 0.5 and above."""
    if labels == "multilabel":
        return (outputs >= 0.5).astype("int32")
    if outputs.shape[-1] == 1:
        return (outputs[:, 0] >= 0.5).astype("int32")
    return outputs.argmax(axis=-1).astype("int32")


def _trial_model(tuner: Any, record: TrialRecord, run_dir: Path) -> keras.Model | None:
    """A trial's best-epoch model, or None (with a note) when its checkpoint cannot be loaded."""
    trial_id = record["trial_id"]
    try:
        with warnings.catch_warnings():  # checkpoints hold no optimizer state; not needed to test
            warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
            return tuner.load_model(tuner.oracle.get_trial(trial_id))
    except Exception as exc:  # missing, torn or foreign: h5py, OSError, ValueError, KeyError
        print(
            f"note: trial {trial_id}: its checkpoint in {layout.kt_dir(run_dir)}/trial_{trial_id} "
            f"cannot be loaded ({exc.__class__.__name__}); retraining it for best/",
            file=sys.stderr,
        )
        return None


def _retrained(record: TrialRecord, config: Config, dataset: Dataset) -> keras.Model | None:
    """The trial trained again by the one recipe to its best epoch; None (with a note) when
    that fails too."""
    try:
        # A cross-validated trial's record holds its first fold's best epoch: train that fold.
        plan = recipe.validation_plan(config, dataset)
        model, _ = recipe.train_again(
            config,
            dataset,
            record,
            epochs=recipe.epochs_to_best(record),
            fold=plan.folds[0] if plan.folds else None,
        )
    except Exception as exc:  # out of memory, say: this trial is left out, the others go on
        reason = (str(exc).strip().splitlines() or [""])[0][:200]
        print(
            f"note: trial {record['trial_id']} cannot be retrained either "
            f"({exc.__class__.__name__}: {reason}); left out of best/",
            file=sys.stderr,
        )
        return None
    return model


def save_model(model: keras.Model, path: Path) -> None:
    """model.save to a temporary .keras file beside the target, then rename (atomic)."""
    with atomic.writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{atomic.PARTIAL_PREFIX}{os.getpid()}.keras")
        model.save(partial)
        os.replace(partial, path)


def check_loads_back(path: Path, config: Config) -> None:
    """Load the saved model once, as tuner.best_model will: a model that Keras cannot load
    back (a factory's Lambda layer, an unregistered custom layer) is removed and said in one
    line, so best/ never holds a model that only looks exported."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the optimizer's slots, say: not the question here
            keras.saving.load_model(path)
        return
    except Exception as exc:
        path.unlink(missing_ok=True)
        reason = _first_line(exc)
    problem = (
        f"the best model, saved to {path}, cannot be loaded back by Keras "
        f"({reason}), so it was not kept; "
    )
    if config.model.factory is None:
        raise TunerError(problem + "please report this with the run's config.yaml")
    file, line = config.file, None
    with contextlib.suppress(Exception):  # the line is a courtesy; the key says where
        file, line = yaml_lines.load_file(config.file).where(("model", "factory"))
    raise ConfigError(
        problem + "in the factory, replace each Lambda layer with a small keras.layers.Layer "
        "subclass and register every custom layer with "
        "@keras.saving.register_keras_serializable(), then run the same search again (the "
        "trials are kept and best/ is exported anew)",
        file=file,
        line=line,
        key="model.factory",
    )


def _first_line(exc: Exception) -> str:
    """``Class: the first line of the message``, without terminal colour codes, at most 200
    characters."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip()
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    line = line if len(line) <= 200 else line[:199].rstrip() + "…"
    return f"{exc.__class__.__name__}: {line}" if line else exc.__class__.__name__


def best_config(config: Config, record: TrialRecord) -> dict[str, Any]:
    out = config.to_dict()
    out["name"] = f"{config.name}-best"
    out["space"] = {k: v for k, v in record["hyperparameters"].items() if k in config.raw_space}
    out["search"] = {**out["search"], "algorithm": "random", "max_trials": 1}
    return out


def load_best_model(run_dir: Path) -> keras.Model:
    """best/model.keras, loaded by Keras (the toolkit's layers are registered by importing
    this module, which imports tuner.engine.model); a one-line error when it is missing or
    damaged."""
    path = layout.model_file(run_dir)
    if not path.is_file():
        raise UserInputError(
            f"no best model at {path}; run `tuner search` to the end first", file=str(run_dir)
        )
    try:
        return keras.saving.load_model(path)
    except Exception as exc:  # truncated or foreign: Keras says "File not found" for either
        custom = re.search(r"Could not locate \w+ '([^']+)'", str(exc))
        if custom:  # a factory's registered layer, and its module not imported here
            raise UserInputError(
                f"{path} uses the custom class {custom.group(1)!r}, which Keras knows only once "
                "the module that registers it is imported: name the run's model factory "
                "(tuner evaluate or predict RUN --factory MODULE:FUNCTION), or in Python import "
                "that module before loading",
                file=str(run_dir),
            ) from None
        raise TunerError(
            f"{path} cannot be loaded ({exc.__class__.__name__}): the file is damaged; "
            f"move {path.parent} aside and run the run's `tuner search` command again "
            "to export the best model anew"
        ) from None
