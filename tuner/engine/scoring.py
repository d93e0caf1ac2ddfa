"""The best model on the user's own data: `tuner evaluate` scores labelled samples as the search
scored its test split (the model's compiled metrics, each class's precision and recall; for
regression MAE and RMSE in the target's units, next to the naive baselines' where the file is
a series), and `tuner predict` names each sample's class with every class's probability, or
gives its forecast.

Samples arrive raw, as the search read them (tuner.data.scoring_file): shorter sequences end
in NaN padding, which a model that masks padding takes as it is; labels are matched to the
run's classes by name (best/classes.json; class indices where the run has no names).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pandas as pd

from tuner.analysis.classes import per_class
from tuner.analysis.forecast import errors
from tuner.data import series
from tuner.data.scoring_file import ScoringData
from tuner.data.sequences import check_padding, repad
from tuner.engine.best_model import load_best_model, predicted_classes
from tuner.engine.input_range import all_layers, input_range_warning
from tuner.engine.model import PaddingMask
from tuner.errors import DataError, InputRangeWarning
from tuner.numbers import is_finite_number
from tuner.run import layout, results
from tuner.run.results import ClassPredictions
from tuner.run.saved_config import saved_config_or_none

SHOWN = 5  # unknown labels named in the message


@dataclass(frozen=True)
class Scored:
    """The metrics on the user's samples; a classifier's per-class table (class, samples,
    precision, recall); a series' naive baselines' MAE and RMSE."""

    metrics: dict[str, float]
    samples: int
    per_class: pd.DataFrame | None = None
    baselines: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Best:
    """The run's best model and what reading its outputs needs."""

    model: keras.Model
    task: str  # classification | regression
    labels: str  # classification: multiclass | binary | multilabel
    names: tuple[str, ...]  # the outputs' classes, in order
    masks: bool  # takes NaN padding after a shorter sequence's end
    period: int | None  # regression: the seasonal naive baseline's season
    naive_mae: float | None  # regression: MASE's denominator, from the search's training part


def evaluate_data(run_dir: Path, data: ScoringData) -> Scored:
    """Metrics of the best model on labelled samples; InputRangeWarning when x lies far from
    the training inputs' range."""
    best = _open(run_dir)
    x = _inputs(best, data)
    if best.task == "regression":
        return _regression(best, data, x)
    y = _encoded(best, data)
    metrics = best.model.evaluate(x, y, verbose=0, return_dict=True)
    called = predicted_classes(np.asarray(best.model.predict(x, verbose=0)), best.labels)
    table = per_class(ClassPredictions(y, called, best.names))
    return Scored({k: float(v) for k, v in metrics.items()}, len(x), table)


def evaluate_arrays(
    run_dir: Path, x: np.ndarray, y: np.ndarray, source: Path | str = "x"
) -> dict[str, float]:
    """The metrics of evaluate_data on arrays x and y; ``source`` names them in errors."""
    data = ScoringData(np.asarray(x, "float32"), y, np.arange(len(x)).astype(str), "index",
                       str(source))  # fmt: skip
    return evaluate_data(run_dir, data).metrics


def predict_data(run_dir: Path, data: ScoringData) -> pd.DataFrame:
    """One row per sample: its id, then the class called and each class's probability
    (multi-label: the labels called, space-separated, and each label's probability), or the
    forecasts forecast_1 .. forecast_<horizon> (k steps after the sample's last step)."""
    best = _open(run_dir)
    x = _inputs(best, data)
    # float32, as the model computes them: a CSV gets 0.3726075, not 0.3726074993610382
    outputs = np.asarray(best.model.predict(x, verbose=0), dtype="float32").reshape(len(x), -1)
    frame = pd.DataFrame({data.id_name: data.ids})
    if best.task == "regression":
        forecasts = {f"forecast_{k + 1}": outputs[:, k] for k in range(outputs.shape[1])}
        return frame.assign(**forecasts)
    called = predicted_classes(outputs, best.labels)
    if best.labels == "multilabel":
        frame["labels"] = [" ".join(n for n, on in zip(best.names, row, strict=True) if on)
                           for row in called]  # fmt: skip
    else:
        frame["class"] = [best.names[i] for i in called]
    chances = np.concatenate([1 - outputs, outputs], axis=1) if best.labels == "binary" else outputs
    return frame.assign(
        **{f"probability_{name}": chances[:, i] for i, name in enumerate(best.names)}
    )


def _open(run_dir: Path) -> _Best:
    model = load_best_model(run_dir)
    config, _ = saved_config_or_none(run_dir)
    task = config.task if config is not None else "classification"
    outputs = int(model.output_shape[-1])
    layers = all_layers(model)
    head = next((k for k in reversed(layers) if hasattr(k, "activation")), layers[-1])
    activation = str(getattr(getattr(head, "activation", None), "__name__", ""))
    labels = "multiclass"
    if activation == "sigmoid" and task == "classification":
        labels = "binary" if outputs == 1 else "multilabel"
    count = 2 if labels == "binary" else outputs
    factory_on_sequences = (
        config is not None
        and config.model.factory is not None
        and (config.data.dataset == "sequences")
    )  # the factory's model was given NaN padding raw: taking it is the factory's to do
    masks = factory_on_sequences or any(isinstance(k, PaddingMask) for k in layers)
    summary = results.read_test(run_dir)
    period, naive = summary.get("period"), summary.get("naive_mae")
    names = _class_names(run_dir, count) if task == "classification" else ()
    return _Best(
        model,
        task,
        labels,
        names,
        masks,
        period if isinstance(period, int) else None,
        float(naive) if is_finite_number(naive) else None,
    )


def _class_names(run_dir: Path, count: int) -> tuple[str, ...]:
    """best/classes.json where the run wrote it (and it fits the outputs), else 0..count-1."""
    try:
        names = json.loads(layout.classes_file(run_dir).read_text())
    except (OSError, ValueError):
        names = None
    if isinstance(names, list) and len(names) == count and all(isinstance(n, str) for n in names):
        return tuple(names)
    return tuple(str(i) for i in range(count))


def _inputs(best: _Best, data: ScoringData) -> np.ndarray:
    """x as the model reads it: the model's shape, where it masks padding with shorter sequences
    padded with NaN to its steps; a warning when x lies far from the training range."""
    x, source = data.x, data.source
    steps, features = (int(n) for n in best.model.input_shape[1:])
    if data.features is not None and len(data.features) != features:
        raise DataError(
            f"its feature columns are {', '.join(data.features)}, {len(data.features)} of "
            f"them; the model reads {features}: give the training file's feature columns",
            file=source,
            key="data.features",
        )
    if not best.masks:  # sequences of one length, as in training
        if x.shape[1:] != (steps, features):
            raise DataError(
                f"x has shape {x.shape}, the model reads (n, {steps}, {features}); reshape x",
                file=source,
                key="x",
            )
        if np.isnan(x).any():
            raise DataError(
                f"x holds NaN, but the model was trained on sequences of {steps} steps without "
                "padding and does not mask it; give numbers only (clean them first)",
                file=source,
                key="x",
            )
    elif x.shape[2] != features:
        raise DataError(
            f"x has {x.shape[2]} feature(s) per step, the model reads {features}; give the "
            "features it was trained on",
            file=source,
            key="x",
        )
    if x.shape[1] > steps:
        real = ~np.isnan(x[:, steps:]).all(axis=(1, 2))
        if real.any():
            n = int(np.flatnonzero(real)[0])
            raise DataError(
                f"sequence {data.ids[n]} has more than {steps} steps, the most the model reads "
                f"(the longest training sequence); cut it to {steps} steps",
                file=source,
                key="x",
            )
        x = x[:, :steps]  # the extra steps are all padding
    check_padding(x, source, "x")
    x = repad(x, steps)
    warning = input_range_warning(best.model, x)
    if warning:
        warnings.warn(InputRangeWarning(warning), stacklevel=3)
    return x


def _encoded(best: _Best, data: ScoringData) -> np.ndarray:
    """Class indices (n,) by the run's class names, or the (n, k) 0/1 multi-label matrix."""
    y, source, key = data.y, data.source, data.label_key
    assert y is not None
    if best.labels == "multilabel":
        width = len(best.names)
        shape = f"(n, {width}) 0/1 labels is expected; got {y.shape} {y.dtype}"
        if y.ndim != 2 or y.shape[1] != width or y.dtype.kind not in "biuf":
            raise DataError(shape, file=source, key=key)
        if not np.isin(y, (0, 1)).all():
            raise DataError(f"{shape}, holding {y[~np.isin(y, (0, 1))][0]!r}", file=source, key=key)
        return y.astype("int32")
    if y.ndim != 1:
        raise DataError(
            f"one class label per sample, (n,) is expected; got {y.shape} {y.dtype}",
            file=source,
            key=key,
        )
    given = [_name(v) for v in y.tolist()]
    index = {name: i for i, name in enumerate(best.names)}
    unknown = list(dict.fromkeys(v for v in given if v not in index))
    if unknown:
        shown = ", ".join(repr(v) for v in unknown[:SHOWN])
        more = f" and {len(unknown) - SHOWN} more" if len(unknown) > SHOWN else ""
        said = "label" if len(unknown) == 1 else "labels"
        raise DataError(
            f"{said} {shown}{more} not among the classes the model was trained on "
            f"({', '.join(best.names)}); drop those samples or name their classes as in training",
            file=source,
            key=key,
        )
    return np.asarray([index[v] for v in given], dtype="int32")


def _name(label: Any) -> str:
    """A label as the run names its classes: 3 and 3.0 are "3", text stays text."""
    if isinstance(label, float) and label.is_integer():
        return str(int(label))
    return str(label)


def _regression(best: _Best, data: ScoringData, x: np.ndarray) -> Scored:
    """MAE and RMSE in the target's units; a series' naive baselines on the same windows."""
    horizon = int(best.model.output_shape[-1])
    y = _targets(data.y, len(x), horizon, data.source, data.label_key)
    predicted = np.asarray(best.model.predict(x, verbose=0), dtype="float32").reshape(y.shape)
    baselines = {}
    if data.series is not None and data.starts is not None:
        target = data.series.values[:, 0]
        made = series.baselines(target, data.starts, x.shape[1], horizon, best.period)
        baselines = {name: errors(y, values, best.naive_mae) for name, values in made.items()}
    return Scored(errors(y, predicted, best.naive_mae), len(x), None, baselines)


def _targets(y: Any, samples: int, horizon: int, source: str, key: str) -> np.ndarray:
    """Regression targets as (samples, horizon) numbers in the target's units."""
    assert y is not None
    if y.ndim == 1 and horizon == 1:
        y = y[:, None]
    if y.shape != (samples, horizon) or y.dtype.kind not in "biuf":
        raise DataError(
            f"y must hold numbers of shape ({samples}, {horizon}) (n, horizon), got "
            f"{y.shape} {y.dtype}",
            file=source,
            key=key,
        )
    if not np.isfinite(y).all():
        raise DataError("y holds NaN or infinite values; clean them first", file=source, key=key)
    return y.astype("float32")
