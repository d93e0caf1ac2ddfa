"""After a search: test metrics of the top trials and runs/<name>/best/.

best/model.keras takes raw inputs (scaling is a layer inside it), best/hyperparameters.yaml
is a config that re-runs the best trial, best/test.json has the top-k test metrics.

For regression, test.json's mae and rmse are in the target's units (the model outputs
forecasts in them) and it adds the naive baselines' errors; best/predictions.npz holds the
best model's test forecasts next to the actual values, the baselines' forecasts and the
time of each, so the report draws them without Keras.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Any

import keras
import numpy as np
import yaml

from tuner.analysis.forecast import errors
from tuner.config.schema import Config, task_of
from tuner.data.datasets import Dataset
from tuner.engine.model import regression_metrics
from tuner.errors import DataError
from tuner.run import atomic, layout, records, results
from tuner.run.records import TrialRecord


def export_best(
    tuner: Any, config: Config, dataset: Dataset, run_dir: Path
) -> dict[str, Any] | None:
    """Evaluate the top_k trials on the test split and save the best; None if nothing completed."""
    top = records.ranked(records.read_records(run_dir)[0])[: config.report.top_k]
    if not top:
        return None
    evaluated: list[dict[str, Any]] = []
    forecasts: dict[str, Any] = {}  # regression: see forecast_summary
    for record in top:
        model = _trial_model(tuner, record, run_dir)
        if model is None:
            continue
        rank = len(evaluated) + 1
        metrics = model.evaluate(dataset.x_test, dataset.y_test, verbose=0, return_dict=True)
        evaluated.append(
            {
                "rank": rank,
                "trial_id": record["trial_id"],
                "score": record["score"],
                "test": {k: float(v) for k, v in metrics.items()},
            }
        )
        if rank == 1 and dataset.forecast is not None:
            forecasts = forecast_summary(model, dataset, run_dir)
            # Plain MSE in target units, so keras.saving.load_model opens the file without
            # this toolkit (the training loss, NormalizedLoss, is a class of ours).
            model.compile(optimizer=model.optimizer, loss="mse", metrics=regression_metrics())
        if rank == 1:
            # Build the optimizer's slots so the saved file loads without a mismatch warning.
            model.optimizer.build(model.trainable_variables)
            save_model(model, layout.model_file(run_dir))
    summary = {
        "objective": config.objective,
        "task": dataset.task,
        "test_samples": len(dataset.y_test),
        "trials": evaluated,
    }
    summary.update(forecasts)
    results.write_test(run_dir, summary)
    atomic.write_yaml(
        layout.best_config_file(run_dir),
        best_config(config, top[0]),
        header=f"# Re-runs trial {top[0]['trial_id']} of {config.name}: tuner search THIS_FILE\n",
    )
    return summary


def forecast_summary(model: keras.Model, dataset: Dataset, run_dir: Path) -> dict[str, Any]:
    """Write best/predictions.npz; the target, horizon and the naive baselines' test errors."""
    forecast = dataset.forecast
    assert forecast is not None
    predicted = np.asarray(model.predict(dataset.x_test, verbose=0), dtype="float32")
    arrays: dict[str, Any] = {
        "time": forecast.time_test,
        "actual": dataset.y_test,
        "predicted": predicted.reshape(dataset.y_test.shape),
        **{f"baseline_{name}": values for name, values in forecast.baselines.items()},
    }
    results.write_predictions(run_dir, arrays)
    return {
        "target": forecast.target,
        "window": forecast.window,
        "horizon": forecast.horizon,
        "period": forecast.period,
        "units": "mae and rmse in the target's units; loss on the scaled target",
        "baselines": {
            name: errors(dataset.y_test, values) for name, values in forecast.baselines.items()
        },
        "predictions": layout.PREDICTIONS_FILE,
    }


def _trial_model(tuner: Any, record: TrialRecord, run_dir: Path) -> keras.Model | None:
    """A trial's best-epoch model, or None (with a note) when its checkpoint cannot be loaded."""
    try:
        with warnings.catch_warnings():  # checkpoints hold no optimizer state; not needed to test
            warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
            return tuner.load_model(tuner.oracle.get_trial(record["trial_id"]))
    except Exception as exc:  # missing, torn or foreign: h5py, OSError, ValueError, KeyError
        print(
            f"note: trial {record['trial_id']}: its checkpoint in {run_dir}/kt cannot be loaded "
            f"({exc.__class__.__name__}); left out of best/",
            file=sys.stderr,
        )
        return None


def save_model(model: keras.Model, path: Path) -> None:
    """model.save to a temporary .keras file beside the target, then rename (atomic)."""
    with atomic.writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{atomic.PARTIAL_PREFIX}{os.getpid()}.keras")
        model.save(partial)
        os.replace(partial, path)


def best_config(config: Config, record: TrialRecord) -> dict[str, Any]:
    out = config.to_dict()
    out["name"] = f"{config.name}-best"
    out["space"] = {k: v for k, v in record["hyperparameters"].items() if k in config.raw_space}
    out["search"] = {**out["search"], "algorithm": "random", "max_trials": 1}
    return out


def evaluate_file(run_dir: Path, data_file: Path) -> dict[str, float]:
    """Metrics of the run's best model on the user's .npz (arrays x and y)."""
    model_path = layout.model_file(run_dir)
    if not model_path.exists():
        raise DataError(
            f"no best model at {model_path}; run `tuner search` to the end first", file=str(run_dir)
        )
    x, y = _read_xy(data_file)
    model = keras.saving.load_model(model_path)
    expected = tuple(model.input_shape[1:])
    if x.shape[1:] != expected:
        raise DataError(
            f"x has shape {x.shape}, the model reads (n, {expected[0]}, {expected[1]}); reshape x",
            file=str(data_file),
            key="x",
        )
    outputs = int(model.output_shape[-1])
    if _task(run_dir) == "regression":
        return errors(_targets(y, len(x), outputs, data_file), model.predict(x, verbose=0))
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.number):
        raise DataError(
            f"y must hold class labels of shape (n,), got {y.shape} {y.dtype}",
            file=str(data_file),
            key="y",
        )
    labels = y.astype("int64")
    if not np.array_equal(labels, y) or y.min() < 0 or y.max() >= outputs:
        raise DataError(
            f"labels must lie in 0..{outputs - 1}, got {y.min()}..{y.max()}",
            file=str(data_file),
            key="y",
        )
    metrics = model.evaluate(x, labels, verbose=0, return_dict=True)
    return {k: float(v) for k, v in metrics.items()}


def _task(run_dir: Path) -> str:
    """The run's task, from its saved config (classification when unreadable)."""
    try:
        saved = yaml.safe_load(layout.config_file(run_dir).read_text()) or {}
        return task_of(str(saved["data"]["dataset"]))
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return "classification"


def _targets(y: np.ndarray, samples: int, horizon: int, path: Path) -> np.ndarray:
    """Regression targets as (samples, horizon) numbers in the target's units."""
    if y.ndim == 1 and horizon == 1:
        y = y[:, None]
    if y.shape != (samples, horizon) or not np.issubdtype(y.dtype, np.number):
        raise DataError(
            f"y must hold numbers of shape ({samples}, {horizon}) (n, horizon), got "
            f"{y.shape} {y.dtype}",
            file=str(path),
            key="y",
        )
    if not np.isfinite(y).all():
        raise DataError("y holds NaN or infinite values; clean them first", file=str(path), key="y")
    return y.astype("float32")


def _read_xy(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with np.load(path) as npz:
            missing = [k for k in ("x", "y") if k not in npz]
            if missing:
                raise DataError(
                    f"missing array {missing[0]!r}; save arrays named x and y (np.savez)",
                    file=str(path),
                )
            x, y = npz["x"].astype("float32"), npz["y"]
    except (OSError, ValueError) as exc:
        raise DataError(
            f"cannot read as .npz ({exc.__class__.__name__}); give a file made by np.savez",
            file=str(path),
        ) from None
    if x.ndim != 3 or y.ndim not in (1, 2) or len(x) != len(y):
        raise DataError(
            f"need x of shape (n, steps, features) and y of shape (n,), got {x.shape}, {y.shape}",
            file=str(path),
        )
    if not np.isfinite(x).all():
        raise DataError("x holds NaN or infinite values; clean them first", file=str(path), key="x")
    return x, y
