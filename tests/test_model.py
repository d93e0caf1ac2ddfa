"""Every tunable changes the built model as it should, read back from the model itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import pytest

from tuner.model import ModelSpec, build_model
from tuner.source import load_text
from tuner.space import TUNABLES, parse_space, to_hyperparameters

SPEC = ModelSpec(input_shape=(6, 5), num_classes=4)


def build(**space: Any) -> keras.Model:
    src = load_text("name: t\n")
    hp = to_hyperparameters(parse_space(src, space, {}))
    return build_model(hp, SPEC)


def recurrent(model: keras.Model) -> list[Any]:
    return [
        layer
        for layer in model.layers
        if isinstance(layer, keras.layers.RNN | keras.layers.Bidirectional)
    ]


def first_cell(model: keras.Model) -> Any:
    layer = recurrent(model)[0]
    return layer.forward_layer if isinstance(layer, keras.layers.Bidirectional) else layer


def penalties(model: keras.Model, kind: str) -> list[float]:
    """The l1 or l2 weight on the kernel and on the recurrent kernel (0 without a regularizer)."""
    cell = first_cell(model)
    regs = (cell.kernel_regularizer, cell.recurrent_regularizer)
    return [float(getattr(reg, kind, 0.0)) for reg in regs]


CHECKS: dict[str, tuple[Any, Callable[[keras.Model], bool]]] = {
    "cell": ("gru", lambda m: isinstance(first_cell(m), keras.layers.GRU)),
    "units": (7, lambda m: first_cell(m).units == 7),
    "layers": (
        3,
        lambda m: [layer.return_sequences for layer in recurrent(m)] == [True, True, False],
    ),
    "dropout": (0.3, lambda m: first_cell(m).dropout == pytest.approx(0.3)),
    "recurrent_dropout": (0.2, lambda m: first_cell(m).recurrent_dropout == pytest.approx(0.2)),
    "l1": (0.01, lambda m: penalties(m, "l1") == pytest.approx([0.01, 0.01])),
    "l2": (0.02, lambda m: penalties(m, "l2") == pytest.approx([0.02, 0.02])),
    "activation": ("softsign", lambda m: first_cell(m).activation.__name__ == "softsign"),
    "recurrent_activation": (
        "hard_sigmoid",
        lambda m: first_cell(m).recurrent_activation.__name__ == "hard_sigmoid",
    ),
    "optimizer": ("rmsprop", lambda m: isinstance(m.optimizer, keras.optimizers.RMSprop)),
    "learning_rate": (0.05, lambda m: float(m.optimizer.learning_rate) == pytest.approx(0.05)),
    "clipnorm": (1.5, lambda m: m.optimizer.clipnorm == pytest.approx(1.5)),
    "bidirectional": (True, lambda m: isinstance(recurrent(m)[0], keras.layers.Bidirectional)),
}
# Read by the tuner, not the model: batch_size (tests/test_search.py checks the steps per epoch);
# momentum and nesterov only matter with SGD (checked below).
NOT_MODEL_PROPERTIES = {"batch_size", "momentum", "nesterov"}


def test_every_tunable_has_a_check() -> None:
    assert set(CHECKS) | NOT_MODEL_PROPERTIES == set(TUNABLES)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_tunable_changes_the_model(name: str) -> None:
    value, check = CHECKS[name]
    assert not check(build(units=4)), f"the default model already passes the {name} check"
    assert check(build(**{name: value}))


def test_sgd_momentum_and_nesterov() -> None:
    model = build(optimizer="sgd", momentum=0.9, nesterov=True)
    assert isinstance(model.optimizer, keras.optimizers.SGD)
    assert model.optimizer.momentum == pytest.approx(0.9)
    assert model.optimizer.nesterov is True


def test_conditional_momentum_is_ignored_for_adam() -> None:
    space = {"optimizer": ["adam", "sgd"], "momentum": {"value": 0.9, "when": {"optimizer": "sgd"}}}
    model = build(**space)
    assert isinstance(model.optimizer, keras.optimizers.Adam)


def test_lstm_forget_gate_bias_starts_at_one() -> None:
    lstm = first_cell(build(units=3))
    bias = np.asarray(lstm.cell.bias)
    # Keras orders the LSTM gates input, forget, cell, output.
    assert np.allclose(bias[3:6], 1.0) and np.allclose(bias[:3], 0.0)


def test_softmax_head_and_loss() -> None:
    model = build(units=4)
    assert model.output_shape == (None, SPEC.num_classes)
    assert model.layers[-1].activation.__name__ == "softmax"
    assert model.loss == "sparse_categorical_crossentropy"


def test_scaling_layer_takes_raw_inputs() -> None:
    mean, variance = np.full(5, 100.0), np.full(5, 400.0)
    hp = to_hyperparameters(parse_space(load_text("name: t\n"), {"units": 4}, {}))
    model = build_model(hp, ModelSpec((6, 5), 4, mean, variance))
    normalization = next(
        layer for layer in model.layers if isinstance(layer, keras.layers.Normalization)
    )
    scaled = normalization(np.full((1, 6, 5), 120.0, dtype="float32"))
    assert np.allclose(np.asarray(scaled), 1.0)
