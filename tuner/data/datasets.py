"""Datasets as numpy arrays: seeded, stratified train/validation/test splits.

The test split is set aside before anything else and never reaches the search. Scaling
statistics come from the training split only; the model applies them in a layer of its own,
so an exported model takes raw inputs. Time series (sine, csv) are split in time order
instead, see tuner.data.series.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tuner.config.sections import REGRESSION_DATASETS, DataSection
from tuner.data import classes, forecasting, images, sequences
from tuner.data.forecasting import Forecast, statistics
from tuner.data.groups import group_holdout
from tuner.errors import DataError

Arrays = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Dataset:
    name: str
    task: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int
    mean: np.ndarray | None  # per feature, from the training split; None: no scaling
    variance: np.ndarray | None
    origin: str  # where the samples came from, in words
    forecast: Forecast | None = None  # regression only (tuner.data.forecasting)
    class_names: tuple[str, ...] | None = None  # sequences: the outputs' classes, in order
    padded: bool = False  # sequences of different lengths: NaN steps after each one's end
    labels: str = "multiclass"  # classification: multiclass | binary | multilabel (y is (n, k))
    # data.group: each sequence's group in the pool (training, then validation, as folds.pool)
    groups: np.ndarray | None = None

    @property
    def input_shape(self) -> tuple[int, int]:
        steps, features = self.x_train.shape[1:]
        return int(steps), int(features)

    def summary(self) -> dict[str, Any]:
        extra = {}
        if self.forecast is not None:
            f = self.forecast
            extra = {"target": f.target, "window": f.window, "horizon": f.horizon}
            extra["period"] = f.period
        return {
            "dataset": self.name,
            "task": self.task,
            "origin": self.origin,
            "input_shape": list(self.input_shape),
            "num_classes": self.num_classes,
            "train": len(self.x_train),
            "validation": len(self.x_val),
            "test": len(self.x_test),
            **({"classes": list(self.class_names)} if self.class_names else {}),
            **extra,
        }


def imports_keras(cfg: DataSection) -> bool:
    """Whether load_dataset imports Keras (to read or download MNIST through it): the search
    loads every other dataset before Keras' import, so bad data is said in a second."""
    return cfg.dataset in ("mnist", "fashion_mnist") and not cfg.path and cfg.source != "bundled"


def check_data(cfg: DataSection, seed: int) -> Dataset | None:
    """What `tuner validate` checks of the data: the dataset loaded exactly as a search loads
    it, every file read and checked, without Keras. None where the data is the toolkit's own
    (digits; MNIST without data.path, which may need Keras to download)."""
    if cfg.path is None and cfg.dataset not in REGRESSION_DATASETS:
        return None
    return load_dataset(cfg, seed)


def load_dataset(cfg: DataSection, seed: int) -> Dataset:
    if cfg.dataset in REGRESSION_DATASETS:
        return _series_dataset(cfg, seed)
    if cfg.dataset == "sequences":
        return _sequences_dataset(cfg, seed)
    if cfg.dataset == "digits":
        x, y, origin = *images.digits(), "scikit-learn's 8x8 digits (1,797 images)"
        pool, test = _split(x, y, cfg.test_split, seed)
    else:
        pool, official_test, origin = images.mnist_like(cfg)
        pool, test = (pool, official_test) if official_test else _split(*pool, cfg.test_split, seed)
    if cfg.limit is not None and cfg.limit < len(pool[0]):
        pool, _ = _split(*pool, 1 - cfg.limit / len(pool[0]), seed)
    train, val = _split(*pool, cfg.validation_split, seed)
    mean = variance = None
    if cfg.normalize:
        mean, variance = statistics(train[0])
    return _classification(cfg, (train, val, test), None, mean, variance, origin)


def _classification(
    cfg: DataSection,
    splits: tuple[Arrays, Arrays, Arrays],
    num_classes: int | None,  # None: the highest label + 1
    mean: np.ndarray | None,
    variance: np.ndarray | None,
    origin: str,
    **extra: Any,
) -> Dataset:
    train, val, test = splits
    _check_labels(train[1], val[1], test[1])
    if num_classes is None:
        num_classes = int(max(train[1].max(), val[1].max(), test[1].max())) + 1
    return Dataset(
        name=cfg.dataset,
        task="classification",
        x_train=train[0],
        y_train=train[1],
        x_val=val[0],
        y_val=val[1],
        x_test=test[0],
        y_test=test[1],
        num_classes=num_classes,
        mean=mean,
        variance=variance,
        origin=origin,
        **extra,
    )


def _sequences_dataset(cfg: DataSection, seed: int) -> Dataset:
    """The user's labelled sequences: splits from the files where they hold them, else seeded
    and stratified; every split padded to the longest sequence of any."""
    assert cfg.path is not None  # tuner.config requires it
    columns = None
    if cfg.id is not None and cfg.label is not None:
        features = tuple(cfg.features) if cfg.features else None
        columns = sequences.CsvColumns(cfg.id, cfg.label, cfg.order, features, cfg.group)
    parts = sequences.read(cfg.path, columns)
    if cfg.test_path:
        parts["test"] = sequences.read(cfg.test_path, columns, parts["train"].features)["train"]
        if parts["test"].x.shape[2] != parts["train"].x.shape[2]:
            raise DataError(
                f"x_test has {parts['test'].x.shape[2]} features, the training set "
                f"{parts['train'].x.shape[2]}; give the same features",
                file=cfg.test_path,
            )
    sequences.check_same_padding(parts, cfg.path)
    encoded = classes.encode(parts, cfg.path)
    if encoded.kind == "multilabel" and cfg.class_weight is not None:
        raise DataError(
            "class_weight: balanced weighs one label per sequence; a multi-label y has several, "
            "remove data.class_weight",
            file=cfg.path,
            key="data.class_weight",
        )
    labels = encoded.splits
    steps = max(part.x.shape[1] for part in parts.values())
    x = {split: sequences.repad(part.x, steps) for split, part in parts.items()}
    groups = parts["train"].groups
    pool = (x["train"], labels["train"])
    if groups is not None:  # a .csv: no validation part of its own
        train, val, test, groups = _grouped_splits(cfg, pool, groups, x.get("test"), labels, seed)
    else:
        if "test" in x:
            test = (x["test"], labels["test"])
        else:
            pool, test = _split(*pool, cfg.test_split, seed)
        if cfg.limit is not None and cfg.limit < len(pool[0]):
            pool, _ = _split(*pool, 1 - cfg.limit / len(pool[0]), seed)
        if "val" in x:
            train, val = pool, (x["val"], labels["val"])
        else:
            train, val = _split(*pool, cfg.validation_split, seed)
    mean = variance = None
    if cfg.normalize:  # padding left out
        # In float64: squares of values up to limits.MAX_MAGNITUDE overflow float32 sums.
        mean = np.nanmean(train[0], axis=(0, 1), dtype="float64").astype("float32")
        variance = np.nanvar(train[0], axis=(0, 1), dtype="float64").astype("float32")
        variance = np.where(variance > 0, variance, 1.0)  # a constant feature stays as it is
    origin = cfg.path if not cfg.test_path else f"{cfg.path} (test: {cfg.test_path})"
    return _classification(
        cfg,
        (train, val, test),
        len(encoded.names),
        mean,
        variance,
        origin,
        class_names=encoded.names,
        padded=any(bool(np.isnan(part[0]).any()) for part in (train, val, test)),
        labels=encoded.kind,
        groups=groups,
    )


def _grouped_splits(
    cfg: DataSection,
    pool: Arrays,
    groups: np.ndarray,
    x_test: np.ndarray | None,
    labels: dict[str, np.ndarray],
    seed: int,
) -> tuple[Arrays, Arrays, Arrays, np.ndarray]:
    """(train, validation, test, the pool's groups): each split holds whole groups
    (data.group), so no group is both learned from and scored on."""
    x, y = pool
    keep = np.arange(len(y))
    if x_test is not None:
        test = (x_test, labels["test"])
    else:
        keep, held = group_holdout(y, groups, cfg.test_split, seed, "data.test_split", cfg.path)
        test = (x[held], y[held])
    if cfg.limit is not None and cfg.limit < len(keep):
        part, _ = group_holdout(
            y[keep], groups[keep], 1 - cfg.limit / len(keep), seed, "data.limit", cfg.path
        )
        keep = keep[part]
    learn, validate = group_holdout(
        y[keep], groups[keep], cfg.validation_split, seed, "data.validation_split", cfg.path
    )
    train, val = keep[learn], keep[validate]
    return (
        (x[train], y[train]),
        (x[val], y[val]),
        test,
        np.concatenate([groups[train], groups[val]]),
    )


def _series_dataset(cfg: DataSection, seed: int) -> Dataset:
    """Windows of a sine or a CSV (of one series or many), split in time order; y is
    (samples, horizon) in target units (tuner.data.forecasting)."""
    made = forecasting.windows_of(cfg, seed)
    train, val, test = made.parts
    return Dataset(
        name=cfg.dataset,
        task="regression",
        x_train=train.x,
        y_train=train.y,
        x_val=val.x,
        y_val=val.y,
        x_test=test.x,
        y_test=test.y,
        num_classes=0,
        mean=made.mean,
        variance=made.variance,
        origin=made.origin,
        forecast=made.forecast,
        padded=made.padded,
    )


def _split(x: np.ndarray, y: np.ndarray, fraction: float, seed: int) -> tuple[Arrays, Arrays]:
    """Seeded split; stratified whenever both sides can hold every class (multi-label
    targets, (n, k), are split at random)."""
    from sklearn.model_selection import train_test_split  # a second to import: when used

    distinct = len(np.unique(y))
    held_out = int(np.ceil(len(y) * fraction))
    stratify = y if y.ndim == 1 and min(held_out, len(y) - held_out) >= distinct else None
    x_a, x_b, y_a, y_b = train_test_split(
        x, y, test_size=held_out, random_state=seed, stratify=stratify
    )
    return (x_a, y_a), (x_b, y_b)


def _check_labels(*labels: np.ndarray) -> None:
    for y in labels:
        if len(y) == 0:
            raise DataError(
                "a split is empty; lower data.validation_split/test_split or raise data.limit"
            )
