"""The model factory: a compiled recurrent Keras model from hyperparameter values.

It only reads values: every tunable is declared up front in tuner.space, so ``read`` never
creates a hyperparameter. Backend-neutral Keras 3 (no ``tf.*``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from tuner.space import TUNABLES


@dataclass(frozen=True)
class ModelSpec:
    """What the factory needs to know about the data, fixed for a whole run."""

    input_shape: tuple[int, int]
    num_classes: int
    mean: np.ndarray | None = None
    variance: np.ndarray | None = None


def read(hp: Any, name: str) -> Any:
    """The value of ``name``; a conditional parameter that is inactive takes its default."""
    return hp.get(name) if name in hp else TUNABLES[name].default


def build_model(hp: Any, spec: ModelSpec) -> keras.Model:
    inputs = keras.Input(shape=spec.input_shape, name="sequence")
    x = inputs
    if spec.mean is not None:
        # Scaling lives inside the model so the exported model takes raw inputs.
        x = keras.layers.Normalization(axis=-1, mean=spec.mean, variance=spec.variance)(x)
    layers = read(hp, "layers")
    for index in range(layers):
        recurrent = _recurrent_layer(hp, return_sequences=index < layers - 1, index=index)
        if read(hp, "bidirectional"):
            recurrent = keras.layers.Bidirectional(recurrent, name=f"bidirectional_{index}")
        x = recurrent(x)
    outputs = keras.layers.Dense(spec.num_classes, activation="softmax", name="head")(x)
    model = keras.Model(inputs, outputs, name=f"{read(hp, 'cell')}_classifier")
    model.compile(
        optimizer=make_optimizer(hp),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


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
