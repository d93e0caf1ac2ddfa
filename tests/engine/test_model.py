"""Every tunable changes the built model as it should, read back from the model itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import pytest

from tuner.config.space import parse_space
from tuner.config.tunables import TUNABLES
from tuner.config.yaml_lines import load_text
from tuner.data.series import TargetScale, relative_windows
from tuner.engine.hyperparameters import to_hyperparameters
from tuner.engine.model import ModelSpec, NormalizedLoss, build_model

SPEC = ModelSpec(input_shape=(6, 5), num_classes=4)
TARGET = TargetScale(mean=10.0, std=2.0, low=5.0, high=15.0)
REGRESSION = ModelSpec(input_shape=(6, 2), num_classes=0, horizon=3, target=TARGET)


def build(spec: ModelSpec = SPEC, head: str | None = None, **space: Any) -> keras.Model:
    src = load_text("name: t\n")
    defaults = {"head": head} if head else {}
    hp = to_hyperparameters(parse_space(src, space, defaults))
    return build_model(hp, spec)


def recurrent(model: keras.Model) -> list[Any]:
    return [
        layer
        for layer in model.layers
        if isinstance(layer, keras.layers.RNN | keras.layers.Bidirectional)
    ]


def first_cell(model: keras.Model) -> Any:
    layer = recurrent(model)[0]
    return layer.forward_layer if isinstance(layer, keras.layers.Bidirectional) else layer


def conv(model: keras.Model) -> Any:
    """The convolutional front end, or None."""
    return next((layer for layer in model.layers if layer.name == "conv"), None)


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
    "conv_filters": (5, lambda m: conv(m) is not None and conv(m).filters == 5),
    "conv_kernel": (4, lambda m: conv(m) is not None and conv(m).kernel_size == (4,)),
    "conv_stride": (3, lambda m: conv(m) is not None and conv(m).output.shape[1] == 2),
    "pooling": ("attention", lambda m: m.layers[-2].name == "attention_pooling"),
}
# conv_kernel and conv_stride shape a front end only where there is one.
TOGETHER: dict[str, dict[str, Any]] = {
    "conv_kernel": {"conv_filters": 2},
    "conv_stride": {"conv_filters": 2},
}
# Read by the tuner, not the model: batch_size (tests/end_to_end/test_search.py checks the steps
# per epoch); momentum and nesterov only matter with SGD (checked below).
NOT_MODEL_PROPERTIES = {"batch_size", "momentum", "nesterov"}
# head: classification has one; window and transform: forecasting only (below; transform in
# tests/engine/test_target_transform.py)
PER_TASK = {"head", "window", "transform"}


def test_every_tunable_has_a_check() -> None:
    assert set(CHECKS) | NOT_MODEL_PROPERTIES | PER_TASK == set(TUNABLES)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_tunable_changes_the_model(name: str) -> None:
    value, check = CHECKS[name]
    together = TOGETHER.get(name, {})
    assert not check(build(units=4, **together)), f"the default model passes the {name} check"
    assert check(build(**{name: value}, **together))


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


# ---- regression ---------------------------------------------------------------------------


def zero_head(model: keras.Model) -> keras.Model:
    """The head's weights and bias at 0: its output is 0 (linear) or 0.5 (sigmoid)."""
    head = model.get_layer("head")
    head.set_weights([np.zeros_like(w) for w in head.get_weights()])
    return model


@pytest.mark.parametrize(
    ("head", "activation", "kind", "offset", "scale"),
    [("linear", "linear", "mse", 10.0, 2.0), ("sigmoid", "sigmoid", "bce", 5.0, 10.0)],
)
def test_regression_head_and_loss(
    head: str, activation: str, kind: str, offset: float, scale: float
) -> None:
    model = build(REGRESSION, head=head, units=4)
    assert model.output_shape == (None, 3)  # one output per step ahead
    assert model.get_layer("head").activation.__name__ == activation
    rescale = model.layers[-1]
    assert isinstance(rescale, keras.layers.Rescaling)
    assert (rescale.offset, rescale.scale) == (offset, scale)
    assert isinstance(model.loss, NormalizedLoss)
    assert (model.loss.kind, model.loss.offset, model.loss.scale) == (kind, offset, scale)


def test_the_head_is_tunable() -> None:
    src = load_text("name: t\n")
    space = parse_space(src, {"head": ["sigmoid"], "units": 4}, {"head": "linear"})
    built = build_model(to_hyperparameters(space), REGRESSION)
    assert built.get_layer("head").activation.__name__ == "sigmoid"


def test_inverse_scaling_gives_mae_in_target_units() -> None:
    # A zero linear head predicts the standardized 0, i.e. the training mean 10 in target units.
    model = zero_head(build(REGRESSION, head="linear", units=4))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 6, 2)).astype("float32")
    y = rng.uniform(5, 20, size=(16, 3)).astype("float32")
    assert np.allclose(model.predict(x, verbose=0), 10.0)
    metrics = model.evaluate(x, y, verbose=0, return_dict=True)
    assert metrics["mae"] == pytest.approx(np.abs(y - 10.0).mean(), rel=1e-5)
    assert metrics["rmse"] == pytest.approx(np.sqrt(np.square(y - 10.0).mean()), rel=1e-5)
    assert metrics["loss"] == pytest.approx(np.square((y - 10.0) / 2.0).mean(), rel=1e-5)


def test_window_scaling_forecasts_from_each_windows_level_beyond_the_training_range() -> None:
    """data.scaling: window: a zero head predicts the window's last target value plus the
    training mean change in units of the window's mean absolute step, at any level (here 100
    times the training range), and the window the recurrent layers see is relative to that
    level in those units: the numpy twin (series.relative_windows) agrees."""
    relative = ModelSpec(input_shape=(6, 2), num_classes=0, horizon=3, target=TARGET, relative=True)
    model = zero_head(build(relative, head="linear", units=4))
    x = np.random.default_rng(0).normal(size=(5, 6, 2)).astype("float32")
    x[:, :, 0] = x[:, :, 0] * np.arange(1, 6)[:, None] + 1000.0  # far beyond, sizes differ
    step = np.abs(np.diff(x[..., 0], axis=1)).mean(axis=1, keepdims=True)
    expected = x[:, -1:, 0] + TARGET.mean * step  # the level, plus the mean change (10 steps)
    assert np.allclose(model.predict(x, verbose=0), np.repeat(expected, 3, axis=1), rtol=1e-4)
    seen = keras.Model(model.inputs, model.get_layer("relative_to_level").output[0])
    relative_x = seen.predict(x, verbose=0)
    assert np.allclose(relative_x[..., 0], (x[..., 0] - x[:, -1:, 0]) / step, atol=1e-3)
    assert np.allclose(relative_x, relative_windows(x), atol=1e-3)
    assert np.allclose(relative_x[..., 1], x[..., 1])  # the covariate as it is
    # best/model.keras of a window-scaled run loads with Keras alone: the sine search in
    # tests/end_to_end/test_regression_search.py checks it in a plain process.


def test_sigmoid_head_maps_the_training_range_to_zero_one() -> None:
    # A zero sigmoid head outputs 0.5: the middle of the training range [5, 15].
    model = zero_head(build(REGRESSION, head="sigmoid", units=4))
    x = np.zeros((4, 6, 2), dtype="float32")
    assert np.allclose(model.predict(x, verbose=0), 10.0)
    y = np.array([[5.0, 10.0, 15.0]] * 4, dtype="float32")
    metrics = model.evaluate(x, y, verbose=0, return_dict=True)
    assert metrics["loss"] == pytest.approx(np.log(2.0), rel=1e-4)
    # A target beyond the training range counts as its edge in the loss, not in the MAE.
    beyond = np.array([[25.0, 25.0, 25.0]] * 4, dtype="float32")
    metrics = model.evaluate(x, beyond, verbose=0, return_dict=True)
    assert metrics["loss"] == pytest.approx(np.log(2.0), rel=1e-4)
    assert metrics["mae"] == pytest.approx(15.0)


@pytest.mark.parametrize(("spec", "head"), [(SPEC, "linear"), (REGRESSION, "softmax")])
def test_a_head_of_the_other_task_is_refused(spec: ModelSpec, head: str) -> None:
    with pytest.raises(ValueError, match=f"head '{head}' cannot"):
        build(spec, head=head, units=4)


def test_a_regression_model_learns_and_saves(tmp_path: Any) -> None:
    model = build(REGRESSION, head="linear", units=4, learning_rate=0.05)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 6, 2)).astype("float32")
    y = (10 + 2 * x[:, -1, :1] + np.zeros((64, 3))).astype("float32")
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0).history
    assert set(history) == {"loss", "mae", "rmse"}
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert np.allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-5)


def test_space_window_reads_only_the_last_steps_of_each_window() -> None:
    """space.window: 3 of the data's 6 steps; what comes before them changes nothing, while
    a change inside them does (the model without space.window reads all 6)."""
    relative = ModelSpec(input_shape=(6, 2), num_classes=0, horizon=3, target=TARGET, relative=True)
    cropped = build(relative, head="linear", units=4, window=3)
    whole = build(relative, head="linear", units=4)
    x = np.random.default_rng(1).normal(size=(4, 6, 2)).astype("float32") + 5.0
    early, late = x.copy(), x.copy()
    early[:, :3] += 7.0
    late[:, 4] += 7.0
    out = cropped.predict(x, verbose=0)
    assert np.allclose(cropped.predict(early, verbose=0), out, atol=1e-5)
    assert not np.allclose(cropped.predict(late, verbose=0), out, atol=1e-3)
    assert not np.allclose(whole.predict(early, verbose=0), whole.predict(x, verbose=0), atol=1e-3)
