"""After a search: test metrics of the top trials and runs/<name>/best/.

best/model.keras takes raw inputs (scaling is a layer inside it), best/hyperparameters.yaml
is a config that re-runs the best trial, best/test.json has the top-k test metrics.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import keras
import numpy as np

from tuner import records, storage
from tuner.config import Config
from tuner.data import Dataset
from tuner.errors import DataError

BEST = "best"


def export_best(
    tuner: Any, config: Config, dataset: Dataset, run_dir: Path
) -> dict[str, Any] | None:
    """Evaluate the top_k trials on the test split and save the best; None if nothing completed."""
    top = records.ranked(records.read_records(run_dir)[0])[: config.report.top_k]
    if not top:
        return None
    results = []
    for rank, record in enumerate(top, start=1):
        with warnings.catch_warnings():  # checkpoints hold no optimizer state; not needed to test
            warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
            model = tuner.load_model(tuner.oracle.get_trial(record["trial_id"]))
        metrics = model.evaluate(dataset.x_test, dataset.y_test, verbose=0, return_dict=True)
        results.append(
            {
                "rank": rank,
                "trial_id": record["trial_id"],
                "score": record["score"],
                "test": {k: float(v) for k, v in metrics.items()},
            }
        )
        if rank == 1:
            # Build the optimizer's slots so the saved file loads without a mismatch warning.
            model.optimizer.build(model.trainable_variables)
            save_model(model, run_dir / BEST / "model.keras")
    summary = {
        "objective": config.objective,
        "test_samples": len(dataset.y_test),
        "trials": results,
    }
    storage.write_json(run_dir / BEST / "test.json", summary)
    storage.write_yaml(
        run_dir / BEST / "hyperparameters.yaml",
        best_config(config, top[0]),
        header=f"# Re-runs trial {top[0]['trial_id']} of {config.name}: tuner search THIS_FILE\n",
    )
    return summary


def save_model(model: keras.Model, path: Path) -> None:
    """model.save to a temporary .keras file beside the target, then rename (atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".partial-{os.getpid()}.keras")
    model.save(partial)
    os.replace(partial, path)


def best_config(config: Config, record: dict[str, Any]) -> dict[str, Any]:
    out = config.to_dict()
    out["name"] = f"{config.name}-best"
    out["space"] = {k: v for k, v in record["hyperparameters"].items() if k in config.raw_space}
    out["search"] = {**out["search"], "algorithm": "random", "max_trials": 1}
    return out


def evaluate_file(run_dir: Path, data_file: Path) -> dict[str, float]:
    """Metrics of the run's best model on the user's .npz (arrays x and y)."""
    model_path = run_dir / BEST / "model.keras"
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
    classes = int(model.output_shape[-1])
    if y.min() < 0 or y.max() >= classes:
        raise DataError(
            f"labels must lie in 0..{classes - 1}, got {y.min()}..{y.max()}",
            file=str(data_file),
            key="y",
        )
    metrics = model.evaluate(x, y, verbose=0, return_dict=True)
    return {k: float(v) for k, v in metrics.items()}


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
    if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
        raise DataError(
            f"need x of shape (n, steps, features) and y of shape (n,), got {x.shape}, {y.shape}",
            file=str(path),
        )
    if not np.isfinite(x).all():
        raise DataError("x holds NaN or infinite values; clean them first", file=str(path), key="x")
    return x, y.astype("int64")
