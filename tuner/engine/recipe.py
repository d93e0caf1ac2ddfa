"""The one training recipe: how a trial's model is seeded, built from its values and fitted.

The search trains each trial this way, and so does every later training of a recorded trial
(a lost checkpoint trained again for best/, refit, repeats), so none of them can drift from
the search: the same seed formula, the same restored hyperparameters, the same class weights,
early stopping and callbacks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import keras_tuner as kt
import numpy as np

from tuner.config.schema import Config
from tuner.config.sections import direction_of
from tuner.data import backtest, folds, series
from tuner.data.datasets import Dataset
from tuner.data.folds import Fold, ValidationPlan
from tuner.data.forecasting import check_transform
from tuner.engine.factory import Build, load_factory
from tuner.engine.forecast_scores import forecast_scores
from tuner.engine.hyperparameters import to_hyperparameters
from tuner.engine.model import ModelSpec, build_model
from tuner.run.records import TrialRecord

SEED_STRIDE = 100_003  # repeat r of a trial uses seed + trial_id + r * stride: unlike any trial's


def trial_seed(config: Config, trial_id: str, repeat: int = 0) -> int:
    """The seed of a trial's weights and batches (repeat 0: the search's own training)."""
    return config.seed + int(trial_id) + repeat * SEED_STRIDE


def hypermodel(config: Config, dataset: Dataset) -> Build:
    """build(hp): the user's factory (model.factory), else the toolkit's recurrent model."""
    spec = ModelSpec.of(dataset, config.metrics)
    if config.model.factory is not None:
        return load_factory(config, spec)
    if dataset.forecast is not None:  # every chain space.transform may choose fits the data
        for chain in transform_chains(config):
            check_transform(chain, dataset.forecast.histories, config.data)
    return lambda hp: build_model(hp, spec)


def transform_chains(config: Config) -> list[tuple[str, ...]]:
    """The transform chains space.transform may choose (none where it is not tuned)."""
    param = next((p for p in config.space.params if p.name == "transform"), None)
    names = [] if param is None else [str(v) for v in param.values]
    return [tuple(t for t in name.split("+") if t != "none") for name in names]


def restored(config: Config, record: TrialRecord) -> kt.HyperParameters:
    """The space with a recorded trial's values (hyperband's schedule values included)."""
    hp = to_hyperparameters(config.space)
    hp.values = {**record["hyperparameters"], **record.get("schedule", {})}
    return hp


def validation_plan(config: Config, dataset: Dataset) -> ValidationPlan:
    """search.cv on this data: the validation split or the folds (seeded: the same on every
    resume, worker, repeat and refit)."""
    return backtest.validation_plan(config, dataset)


def validation_samples(config: Config, dataset: Dataset) -> int:
    """The validation samples behind one score: the split's, or with folds the whole pool
    (the mean over folds validates each of its samples once)."""
    plan = validation_plan(config, dataset)
    return sum(len(f.validation) for f in plan.folds) if plan.folds else len(dataset.x_val)


def epochs_to_best(record: TrialRecord) -> int:
    """Epochs from scratch to the trial's best epoch, where keras-tuner took its checkpoint
    (a hyperband trial continues from ``tuner/initial_epoch``)."""
    initial = int(record.get("schedule", {}).get("tuner/initial_epoch") or 0)
    return initial + (record["best_epoch"] or 1)


def mean_epochs_to_best(record: TrialRecord) -> float:
    """epochs_to_best, averaged over the folds of a cross-validated trial."""
    best = [f["best_epoch"] for f in record.get("folds", []) if f["best_epoch"]]
    return sum(best) / len(best) if best else float(epochs_to_best(record))


def balanced_weights(labels: np.ndarray, classes: int) -> dict[int, float]:
    """scikit-learn's "balanced" weights, n / (classes x count), for every class the model
    outputs (1.0 for one absent from the training split: Keras wants them all)."""
    from sklearn.utils.class_weight import compute_class_weight

    present = np.unique(labels)
    weights = compute_class_weight("balanced", classes=present, y=labels)
    found = {int(c): float(w) for c, w in zip(present, weights, strict=True)}
    return {c: found.get(c, 1.0) for c in range(classes)}


def class_weights(
    config: Config, dataset: Dataset, labels: np.ndarray | None = None
) -> dict[int, float] | None:
    """data.class_weight: balanced weights from the training labels (``labels``: a fold's),
    or None."""
    if config.data.class_weight != "balanced":
        return None
    return balanced_weights(dataset.y_train if labels is None else labels, dataset.num_classes)


def early_stopping(config: Config) -> list[keras.callbacks.Callback]:
    """search.early_stopping as Keras' callback (none when it is off)."""
    stop = config.search.early_stopping
    if stop is None:
        return []
    return [
        keras.callbacks.EarlyStopping(
            monitor=stop.monitor,
            patience=patience(config),
            min_delta=stop.min_delta,
            mode=direction_of(stop.monitor),  # Keras cannot infer it for val_mase, say
        )
    ]


def patience(config: Config) -> int:
    """search.early_stopping.patience, or by default a third of search.epochs (at least 3)."""
    stop = config.search.early_stopping
    if stop is not None and stop.patience is not None:
        return stop.patience
    return max(3, config.search.epochs // 3)


def batch_size(config: Config, hp: kt.HyperParameters, dataset: Dataset) -> int:
    """space.batch_size as written; by default the largest power of two up to a quarter of
    the samples a trial trains on (the training split, or its smallest fold), from 8 to 128:
    at least about 4 updates an epoch (a fold of 32 sequences at batch 32 made one, and its
    trials stopped before they learned), and 128 for 512 samples or more. One value for the
    whole run: refit, repeats and the final model train with the search's batch."""
    declared = next((p for p in config.space.params if p.name == "batch_size"), None)
    if declared is not None and declared.given:
        return int(hp.get("batch_size"))
    plan = validation_plan(config, dataset)
    samples = min(len(f.train) for f in plan.folds) if plan.folds else len(dataset.x_train)
    quarter = max(1, samples // 4)
    return max(8, min(128, 2 ** (quarter.bit_length() - 1)))


def fit_arguments(
    config: Config, dataset: Dataset, *, validate: bool, fold: Fold | None = None
) -> dict[str, Any]:
    """model.fit's arguments that make a fit one like the search's: x and y (the training
    split, or a ``fold``'s training part), the class weights and, when it ``validate``s, the
    validation data (the split or the fold's) and the callbacks that read it."""
    if fold is None:
        x, y, x_val, y_val = dataset.x_train, dataset.y_train, dataset.x_val, dataset.y_val
        positions = np.arange(len(x), len(x) + len(x_val))  # the split's, in the pool
    else:
        x, y, x_val, y_val = folds.fold_arrays(dataset, fold)
        positions = fold.validation
    arguments: dict[str, Any] = {
        "x": x,
        "y": y,
        "class_weight": class_weights(config, dataset, y),
        "sample_weight": window_weights(config, dataset, x),
        "callbacks": [],
    }
    if validate:
        arguments.update(validating(config, dataset, x_val, y_val, positions))
    return arguments


def validating(
    config: Config, dataset: Dataset, x: np.ndarray, y: np.ndarray, positions: np.ndarray
) -> dict[str, Any]:
    """fit's validation_data (x, y: the pool's windows at ``positions``) and the callbacks
    that read it: val_mase and val_smape where the search reads them, first, as every later
    callback may read them too, then early stopping."""
    scores = forecast_scores(config.metrics, dataset.forecast, x, y, positions)
    return {
        "validation_data": validation_data(config, dataset, x, y),
        "callbacks": [*scores, *early_stopping(config)],
    }


def window_weights(config: Config, dataset: Dataset, x: np.ndarray) -> np.ndarray | None:
    """data.scaling: window: each window's loss weighed by 1 / its scale squared, so the loss
    is the squared error in the window's own step units (tuner.engine.window_scaling), as the
    model sees it: a series ten times as large counts as much, not a hundred times as much
    (MASE, the score, weighs every series alike). None for any other model."""
    forecast = dataset.forecast
    if forecast is None or not forecast.relative or config.model.factory is not None:
        return None
    _, scale = series.window_levels(x)
    return (1.0 / np.square(scale[:, 0])).astype("float32")


def validation_data(
    config: Config, dataset: Dataset, x: np.ndarray, y: np.ndarray
) -> tuple[Any, ...]:
    """(x, y), with the windows' weights where training has them: val_loss is then the
    training loss's measure on the validation windows."""
    weights = window_weights(config, dataset, x)
    return (x, y) if weights is None else (x, y, weights)


def evaluate(
    config: Config, dataset: Dataset, model: keras.Model, x: np.ndarray, y: np.ndarray
) -> dict[str, float]:
    """The model's loss and metrics on (x, y), the loss weighed as training weighed it."""
    weights = window_weights(config, dataset, x)
    measured = model.evaluate(x, y, sample_weight=weights, verbose=0, return_dict=True)
    return {name: float(value) for name, value in measured.items()}


def train_again(
    config: Config,
    dataset: Dataset,
    record: TrialRecord,
    *,
    epochs: int,
    data: np.ndarray | None = None,
    validate: bool = False,
    validation: np.ndarray | None = None,
    repeat: int = 0,
    fold: Fold | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
) -> tuple[keras.Model, keras.callbacks.History]:
    """A recorded trial trained from scratch as the search trained it: its values, its seed
    (``repeat`` r > 0: another one), the search's fit arguments; for ``epochs`` on the pool's
    windows at the positions ``data`` (default: the training split, or a ``fold``'s training
    part), stopped early on the validation split or fold when it ``validate``s, or on the
    pool's windows at the positions ``validation`` when given."""
    hp = restored(config, record)
    keras.utils.set_random_seed(trial_seed(config, record["trial_id"], repeat))
    model = hypermodel(config, dataset)(hp)
    arguments = fit_arguments(config, dataset, validate=validate and validation is None, fold=fold)
    x, y = folds.pool(dataset.x_train, dataset.y_train, dataset.x_val, dataset.y_val)
    if data is not None:
        arguments["x"], arguments["y"] = x[data], y[data]
        arguments["class_weight"] = class_weights(config, dataset, y[data])
        arguments["sample_weight"] = window_weights(config, dataset, x[data])
    if validation is not None:
        arguments.update(validating(config, dataset, x[validation], y[validation], validation))
    arguments["callbacks"] = [*arguments["callbacks"], *callbacks]
    size = batch_size(config, hp, dataset)
    history = model.fit(batch_size=size, epochs=epochs, verbose=0, **arguments)
    return model, history
