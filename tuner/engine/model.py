"""The model factory: a compiled recurrent Keras model from hyperparameter values.

It only reads values: every tunable is declared up front in tuner.config.space, so ``read`` never
creates a hyperparameter. Backend-neutral Keras 3 (no ``tf.*``).

Classification ends in softmax with sparse categorical cross-entropy, or for binary and
multi-label targets in sigmoid outputs with binary cross-entropy. Regression ends in a
linear (MSE) or sigmoid (binary cross-entropy) head whose output is mapped back into the
target's units by a Rescaling layer, so the model outputs forecasts in target units, its
MAE and RMSE metrics are in those units, and the exported model needs no post-processing.
The loss undoes that mapping (NormalizedLoss): it is computed on the scaled target, the
mean squared error of the standardized target or the cross-entropy of the target mapped
to [0, 1], so training is exactly training on normalized targets.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import keras
import numpy as np
from keras import ops

from tuner.config.sections import SCORES
from tuner.config.tunables import TUNABLES
from tuner.data.datasets import Dataset
from tuner.data.forecasting import seen_statistics
from tuner.data.series import Part, TargetScale
from tuner.engine.long_sequences import MaskedConv1D, pooling_layer
from tuner.engine.metrics import score_metrics
from tuner.engine.target_transform import FORWARD, INVERSE, InverseTargetTransform, TargetTransform
from tuner.engine.window_scaling import LAYER_NAME, RelativeToLevel


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """What the factory needs to know about the data, fixed for a whole run."""

    input_shape: tuple[int, int]
    num_classes: int  # 0 for regression
    mean: np.ndarray | None = None
    variance: np.ndarray | None = None
    horizon: int = 1  # regression: outputs, one per step ahead
    target: TargetScale | None = None  # regression: the target's training statistics
    relative: bool = False  # regression: data.scaling: window (tuner.engine.window_scaling)
    transform: tuple[str, ...] = ()  # regression: data.transform (tuner.engine.target_transform)
    period: int | None = None  # regression: data.period, for seasonal_difference
    # regression: the training windows and whether they are standardized, for the statistics
    # of a trial whose space.transform differs from data.transform
    train: Part | None = None
    standardize: bool = True
    # the scale of the loss, where a trial's own target scale differs (space.transform): one
    # for the run, so that every trial's val_loss is on one scale and ranks them
    loss_target: TargetScale | None = None

    def for_transform(self, chain: tuple[str, ...]) -> ModelSpec:
        """The spec of a trial that sees the target through ``chain``: its own statistics."""
        if chain == self.transform or self.train is None:
            return self
        mean, variance, target = seen_statistics(
            self.train, chain, self.period, self.relative, self.standardize
        )
        scaled = self.standardize  # without: no input scaling, as the dataset has none
        return dataclasses.replace(
            self,
            transform=chain,
            mean=mean if scaled else None,
            variance=variance if scaled else None,
            target=target,
            loss_target=self.target,
        )

    # NaN steps masked: sequences of different lengths (padded at the end), short series
    # (data.series: padded before their start)
    padded: bool = False
    labels: str = "multiclass"  # classification: multiclass | binary | multilabel
    scores: tuple[str, ...] = ()  # classification: metrics of tuner.engine.metrics to measure

    @classmethod
    def of(cls, dataset: Dataset, metrics: tuple[str, ...] = ()) -> ModelSpec:
        """``metrics``: the names the search reads (objective, early stopping's monitor); the
        scores among them are measured, the others cost nothing."""
        forecast = dataset.forecast
        if forecast is None:
            wanted = {m.removeprefix("val_") for m in metrics}
            return cls(
                dataset.input_shape,
                dataset.num_classes,
                dataset.mean,
                dataset.variance,
                padded=dataset.padded,
                labels=dataset.labels,
                scores=tuple(s for s in SCORES if s in wanted),
            )
        return cls(
            dataset.input_shape,
            0,
            dataset.mean,
            dataset.variance,
            horizon=forecast.horizon,
            target=forecast.scale,
            relative=forecast.relative,
            transform=forecast.transform,
            period=forecast.period,
            padded=dataset.padded,
            train=Part(dataset.x_train, dataset.y_train, np.zeros(0)),
            standardize=forecast.standardize,
        )


@keras.saving.register_keras_serializable(package="tuner")
class PaddingMask(keras.layers.Layer):
    """NaN steps (the padding after a shorter sequence's end) become zeros and are masked out
    of the recurrent layers, so the exported model takes the padded raw input as it is.

    No built-in layer masks NaN (Masking compares with a value, and NaN equals nothing), so
    this one is ours: `import tuner.engine.model` before keras.saving.load_model."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        return ops.where(ops.isnan(inputs), ops.zeros_like(inputs), inputs)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return ops.any(ops.logical_not(ops.isnan(inputs)), axis=-1)


@keras.saving.register_keras_serializable(package="tuner")
class NormalizedLoss(keras.losses.Loss):
    """MSE (``kind="mse"``) or binary cross-entropy (``"bce"``) of ``(y - offset) / scale``.

    Both the target and the prediction are scaled, so with the model's Rescaling layer
    undoing the same map the loss and its gradients are those of training on scaled targets.
    Cross-entropy clips the scaled target into [0, 1]: a validation or test value outside
    the training range counts as that range's edge in the loss (not in MAE and RMSE).
    """

    def __init__(
        self, kind: str = "mse", offset: float = 0.0, scale: float = 1.0, **kwargs: Any
    ) -> None:
        kwargs.setdefault("name", f"normalized_{kind}")
        super().__init__(**kwargs)
        self.kind, self.offset, self.scale = kind, float(offset), float(scale)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        true = (ops.cast(y_true, y_pred.dtype) - self.offset) / self.scale
        pred = (y_pred - self.offset) / self.scale
        if self.kind == "bce":
            return keras.losses.binary_crossentropy(ops.clip(true, 0.0, 1.0), pred)
        return ops.mean(ops.square(true - pred), axis=-1)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "kind": self.kind,
            "offset": self.offset,
            "scale": self.scale,
        }


def read(hp: Any, name: str) -> Any:
    """The value of ``name``; a conditional parameter that is inactive takes its default."""
    return hp.get(name) if name in hp else TUNABLES[name].default


def build_model(hp: Any, spec: ModelSpec) -> keras.Model:
    if "transform" in hp:  # space.transform: this trial's own chain, and its statistics
        spec = spec.for_transform(tuple(t for t in hp.get("transform").split("+") if t != "none"))
    inputs = keras.Input(shape=spec.input_shape, name="sequence")
    x = inputs
    steps, window = spec.input_shape[0], read(hp, "window")
    if window and window < steps:  # space.window: the last `window` steps of the data's
        x = keras.layers.Cropping1D((steps - window, 0), name="window")(x)
    if spec.transform:  # data.transform: the target's log or changes; undone at the end
        chain = list(spec.transform)
        x, stages = TargetTransform(chain, spec.period, name=FORWARD)(x)
    if spec.relative:  # each window seen relative to its level; the level added back below
        x, level, scale = RelativeToLevel(name=LAYER_NAME)(x)
    if spec.mean is not None:
        # Scaling lives inside the model so the exported model takes raw inputs.
        x = keras.layers.Normalization(axis=-1, mean=spec.mean, variance=spec.variance)(x)
    if spec.padded:  # after scaling, which keeps NaN as NaN
        x = PaddingMask(name="padding_mask")(x)
    if read(hp, "conv_filters"):  # 0: none, today's model
        x = _conv_front_end(hp)(x)
    layers, pooling = read(hp, "layers"), read(hp, "pooling")
    for index in range(layers):
        sequences = index < layers - 1 or pooling != "last"
        recurrent = _recurrent_layer(hp, return_sequences=sequences, index=index)
        if read(hp, "bidirectional"):
            recurrent = keras.layers.Bidirectional(recurrent, name=f"bidirectional_{index}")
        x = recurrent(x)
    if pooling != "last" or not layers:  # layers 0: "last" is the last real step's features
        x = pooling_layer(pooling)(x)
    head = read(hp, "head")
    if spec.target is None:
        if head != "softmax":
            raise ValueError(f"head {head!r} cannot classify; use softmax")
        outputs, loss, accuracy = _classification_head(x, spec)
        model = keras.Model(inputs, outputs, name=f"{_body_name(hp)}_classifier")
        metrics = [accuracy, *score_metrics(spec.scores, spec.labels, spec.num_classes)]
        model.compile(optimizer=make_optimizer(hp), loss=loss, metrics=metrics)
        return model
    outputs, loss = _regression_head(x, head, spec.horizon, spec.target, spec.loss_target)
    if spec.relative:  # forecasts of the change from the level in steps: back to the target
        outputs = keras.layers.Multiply(name="in_target_steps")([outputs, scale])
        outputs = keras.layers.Add(name="forecast")([outputs, level])
    if spec.transform:
        outputs = InverseTargetTransform(chain, spec.period, name=INVERSE)([outputs, stages])
    model = keras.Model(inputs, outputs, name=f"{_body_name(hp)}_forecaster")
    model.compile(optimizer=make_optimizer(hp), loss=loss, metrics=regression_metrics())
    return model


def _body_name(hp: Any) -> str:
    """The model's name before _classifier or _forecaster: its cell, or with no recurrent
    layer (layers: 0) its front end, or "pooled" for none."""
    if read(hp, "layers"):
        return str(read(hp, "cell"))
    return "convolutional" if read(hp, "conv_filters") else "pooled"


def regression_metrics() -> list[keras.metrics.Metric]:
    return [
        keras.metrics.MeanAbsoluteError(name="mae"),
        keras.metrics.RootMeanSquaredError(name="rmse"),
    ]


def _classification_head(x: Any, spec: ModelSpec) -> tuple[Any, str, Any]:
    """Softmax over the classes; one sigmoid for binary labels (the second class's
    probability); one sigmoid per label for multi-label targets. Accuracy is the share of
    samples right, for multi-label the share of labels right."""
    if spec.labels == "multiclass":
        outputs = keras.layers.Dense(spec.num_classes, activation="softmax", name="head")(x)
        return outputs, "sparse_categorical_crossentropy", "accuracy"
    width = 1 if spec.labels == "binary" else spec.num_classes
    outputs = keras.layers.Dense(width, activation="sigmoid", name="head")(x)
    return outputs, "binary_crossentropy", keras.metrics.BinaryAccuracy(name="accuracy")


def _regression_head(
    x: Any, head: str, horizon: int, target: TargetScale, loss_target: TargetScale | None = None
) -> tuple[Any, NormalizedLoss]:
    """A linear head over the standardized target, or a sigmoid over the training range
    mapped to [0, 1]; then Rescaling into target units."""
    if head == "linear":
        offset, scale, kind, activation = target.mean, target.std, "mse", None
    elif head == "sigmoid":
        offset, scale, kind = target.low, target.high - target.low, "bce"
        activation = "sigmoid"
    else:
        raise ValueError(f"head {head!r} cannot forecast; use linear or sigmoid")
    z = keras.layers.Dense(horizon, activation=activation, name="head")(x)
    outputs = keras.layers.Rescaling(scale, offset, name="target_units")(z)
    if kind == "mse" and loss_target is not None:  # the run's scale (ModelSpec.loss_target)
        offset, scale = loss_target.mean, loss_target.std
    return outputs, NormalizedLoss(kind, offset, scale)


def _conv_front_end(hp: Any) -> keras.layers.Layer:
    """A ReLU Conv1D that shortens the sequence conv_stride times; it keeps padding masked
    (tuner.engine.long_sequences)."""
    return MaskedConv1D(
        read(hp, "conv_filters"),
        read(hp, "conv_kernel"),
        strides=read(hp, "conv_stride"),
        activation="relu",
        name="conv",
    )


def _recurrent_layer(hp: Any, return_sequences: bool, index: int) -> keras.layers.Layer:
    cell = read(hp, "cell")
    regularizer = _regularizer(read(hp, "l1"), read(hp, "l2"))
    options: dict[str, Any] = dict(
        units=read(hp, "units"),
        activation=read(hp, "activation"),
        dropout=read(hp, "dropout"),
        recurrent_dropout=read(hp, "recurrent_dropout"),
        kernel_regularizer=regularizer,
        recurrent_regularizer=regularizer,
        return_sequences=return_sequences,
        name=f"{cell}_{index}",
    )
    if cell == "simple_rnn":
        return keras.layers.SimpleRNN(**options)
    options["recurrent_activation"] = read(hp, "recurrent_activation")
    if cell == "gru":
        return keras.layers.GRU(**options)
    # The forget-gate bias starts at 1 (Jozefowicz et al., 2015), so memory is kept early on.
    return keras.layers.LSTM(unit_forget_bias=True, **options)


def _regularizer(l1: float, l2: float) -> keras.regularizers.Regularizer | None:
    return keras.regularizers.L1L2(l1=l1, l2=l2) if (l1 or l2) else None


def make_optimizer(hp: Any) -> keras.optimizers.Optimizer:
    name = read(hp, "optimizer")
    options: dict[str, Any] = {"learning_rate": read(hp, "learning_rate")}
    if read(hp, "clipnorm") > 0:
        options["clipnorm"] = read(hp, "clipnorm")
    if name == "sgd":
        return keras.optimizers.SGD(
            momentum=read(hp, "momentum"), nesterov=read(hp, "nesterov"), **options
        )
    classes = {
        "adam": keras.optimizers.Adam,
        "rmsprop": keras.optimizers.RMSprop,
        "adagrad": keras.optimizers.Adagrad,
        "nadam": keras.optimizers.Nadam,
    }
    return classes[name](**options)
