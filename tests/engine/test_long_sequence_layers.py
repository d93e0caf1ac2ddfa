"""Models for long sequences: the convolutional front end (space.conv_filters, conv_kernel,
conv_stride) and pooling over time (space.pooling), with every cell, bidirectional or not, on
NaN-padded sequences; the defaults build today's model; saved models load back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest
from helpers.cli import run_tuner
from jsonschema import Draft202012Validator

from tuner.config.json_schema import config_schema
from tuner.config.space import parse_space
from tuner.config.yaml_lines import load_text
from tuner.engine.hyperparameters import to_hyperparameters
from tuner.engine.long_sequences import AttentionPooling, TimePooling
from tuner.engine.model import ModelSpec, build_model

LENGTHS = (13, 9, 6)  # three sequences, two of them padded
FEATURES = 2


def build(spec: ModelSpec, seed: int = 1, **space: Any) -> keras.Model:
    keras.backend.clear_session()  # layer names as in a fresh process (normalization, not _1)
    keras.utils.set_random_seed(seed)
    hp = to_hyperparameters(parse_space(load_text("name: t\n"), {"units": 4, **space}, {}))
    return build_model(hp, spec)


def padded(steps: int, lengths: tuple[int, ...] = LENGTHS, seed: int = 0) -> np.ndarray:
    """Sequences of ``lengths`` (the same values whatever ``steps``), NaN after each one's end."""
    real = np.random.default_rng(seed).normal(size=(len(lengths), max(lengths), FEATURES))
    x = np.full((len(lengths), steps, FEATURES), np.nan, dtype="float32")
    for i, length in enumerate(lengths):
        x[i, :length] = real[i, :length]
    return x


def spec(steps: int) -> ModelSpec:
    return ModelSpec((steps, FEATURES), 3, padded=True)


def weights_and_names(model: keras.Model) -> tuple[list[str], int]:
    return [layer.name for layer in model.layers], model.count_params()


# ---- the defaults are today's model -------------------------------------------------------


@pytest.mark.parametrize(
    ("model_spec", "space", "names", "params"),
    [
        # LSTM 4 units on 5 features: 4 gates x 4 x (5 + 4 + 1) = 160; head 4 x 4 + 4 = 20.
        (ModelSpec((6, 5), 4), {}, ["sequence", "lstm_0", "head"], 180),
        (
            ModelSpec((6, 5), 4, np.zeros(5), np.ones(5), padded=True),
            {"layers": 2, "bidirectional": True, "cell": "gru"},
            # GRU (reset_after): 3 x 4 x (in + 4 + 2) per direction; head 8 x 4 + 4; a
            # Normalization given its mean and variance holds them as constants.
            [
                "sequence",
                "normalization",
                "padding_mask",
                "bidirectional_0",
                "bidirectional_1",
                "head",
            ],  # fmt: skip
            2 * 3 * 4 * (5 + 4 + 2) + 2 * 3 * 4 * (8 + 4 + 2) + 36,
        ),
    ],
)
def test_the_defaults_build_todays_model(
    model_spec: ModelSpec, space: dict[str, Any], names: list[str], params: int
) -> None:
    assert weights_and_names(build(model_spec, **space)) == (names, params)
    written = {"conv_filters": 0, "conv_kernel": 5, "conv_stride": 2, "pooling": "last"}
    assert weights_and_names(build(model_spec, **space, **written)) == (names, params)


def test_the_kernel_and_stride_can_depend_on_the_filters() -> None:
    raw = {
        "conv_filters": [0, 6],
        "conv_kernel": {"values": [5, 7], "when": {"conv_filters": [6]}},
        "conv_stride": {"value": 2, "when": {"conv_filters": 6}},
    }
    hp = to_hyperparameters(parse_space(load_text("name: t\n"), {"units": 4, **raw}, {}))
    hp.values.update(conv_filters=6, conv_kernel=7, conv_stride=2)  # as the oracle fills them
    conv = build_model(hp, spec(13)).get_layer("conv")
    assert (conv.filters, conv.kernel_size, conv.output.shape[1]) == (6, (7,), 7)
    hp.values["conv_filters"] = 0  # kernel and stride inactive: no front end
    assert "conv" not in [layer.name for layer in build_model(hp, spec(13)).layers]


# ---- padding never leaks into real steps --------------------------------------------------

CASES = [
    ("lstm", "last", False),
    ("gru", "mean", False),
    ("simple_rnn", "max", False),
    ("lstm", "attention", False),
    ("gru", "attention", True),
    ("simple_rnn", "mean", True),
    ("lstm", "max", True),
]


@pytest.mark.parametrize(("cell", "pooling", "bidirectional"), CASES)
def test_more_padding_changes_no_output(cell: str, pooling: str, bidirectional: bool) -> None:
    space = {"cell": cell, "pooling": pooling, "bidirectional": bidirectional, "layers": 2}
    front = {"conv_filters": 5, "conv_kernel": 4, "conv_stride": 3}
    outputs = [build(spec(steps), **space, **front)(padded(steps)) for steps in (13, 14, 22)]
    for other in outputs[1:]:
        assert np.allclose(np.asarray(other), np.asarray(outputs[0]), atol=1e-6)


@pytest.mark.parametrize("pooling", ["last", "mean", "max", "attention"])
def test_without_recurrent_layers_more_padding_changes_no_output(pooling: str) -> None:
    space = {"layers": 0, "pooling": pooling, "conv_filters": 5, "conv_kernel": 4}
    outputs = [build(spec(steps), **space)(padded(steps)) for steps in (13, 14, 22)]
    for other in outputs[1:]:
        assert np.allclose(np.asarray(other), np.asarray(outputs[0]), atol=1e-6)


def test_without_recurrent_layers_the_head_reads_the_pooled_front_end() -> None:
    model = build(ModelSpec((20, FEATURES), 3), layers=0, pooling="max", conv_filters=6)
    names, params = weights_and_names(model)
    # conv 6 x (3 x 2 + 1) = 42; head 6 x 3 + 3 = 21: no recurrent weights.
    assert (names, params, model.name) == (
        ["sequence", "conv", "max_pooling", "head"],
        63,
        "convolutional_classifier",
    )


def test_the_front_end_shortens_the_sequence_and_its_mask() -> None:
    model = build(spec(13), conv_filters=5, conv_kernel=4, conv_stride=3)
    conv = model.get_layer("conv")
    assert conv.output.shape == (None, 5, 5)  # ceil(13 / 3) steps of 5 filters
    mask = conv.compute_mask(None, keras.ops.convert_to_tensor(~np.isnan(padded(13))[..., 0]))
    # Output step i is real while input step 3i is: 13 -> 5, 9 -> 3, 6 -> 2 steps.
    assert np.asarray(mask).sum(axis=1).tolist() == [5, 3, 2]


def test_the_front_end_reads_masked_steps_as_zeros() -> None:
    conv = build(spec(13), conv_filters=5, conv_kernel=4, conv_stride=3).get_layer("conv")
    x, real = padded(13), ~np.isnan(padded(13))[..., 0]
    zeros, garbage = np.nan_to_num(x, nan=0.0), np.nan_to_num(x, nan=1e3)
    assert np.allclose(np.asarray(conv(garbage, mask=real)), np.asarray(conv(zeros, mask=real)))


def test_a_sequence_without_padding_is_convolved_as_by_keras_same_padding() -> None:
    x = np.random.default_rng(3).normal(size=(2, 9, FEATURES)).astype("float32")
    conv = build(ModelSpec((9, FEATURES), 3), conv_filters=4, conv_kernel=3).get_layer("conv")
    same = keras.layers.Conv1D(4, 3, padding="same", activation="relu")
    same.build(x.shape)
    same.set_weights(conv.get_weights())
    assert np.allclose(np.asarray(conv(x)), np.asarray(same(x)), atol=1e-6)


# ---- pooling reads the real steps only ----------------------------------------------------

STEPS = np.array(
    [[[1.0, -4.0], [3.0, -2.0], [50.0, 60.0]], [[-1.0, 2.0], [-3.0, 8.0], [-5.0, 9.0]]]
)
REAL = np.array([[True, True, False], [True, True, True]])


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        (TimePooling("mean"), [[2.0, -3.0], [-3.0, 19 / 3]]),
        (TimePooling("max"), [[3.0, -2.0], [-1.0, 9.0]]),
        (TimePooling("last"), [[3.0, -2.0], [-5.0, 9.0]]),
    ],
)
def test_pooling_reads_the_unmasked_steps(layer: keras.layers.Layer, expected: Any) -> None:
    pooled = layer(STEPS.astype("float32"), mask=REAL)
    assert np.allclose(np.asarray(pooled), expected)


def test_last_is_the_latest_real_step_where_padding_comes_first() -> None:
    before = np.array([[False, True, True], [False, False, False]])  # a short series; none
    pooled = TimePooling("last")(STEPS.astype("float32"), mask=before)
    assert np.allclose(np.asarray(pooled), [[50.0, 60.0], [-1.0, 2.0]])


def test_attention_with_equal_scores_is_the_mean_of_the_real_steps() -> None:
    layer = AttentionPooling()
    layer.build(STEPS.shape)
    layer.set_weights([np.zeros((2, 1)), np.zeros(1)])
    pooled = np.asarray(layer(STEPS.astype("float32"), mask=REAL))
    assert np.allclose(pooled, [[2.0, -3.0], [-3.0, 19 / 3]])
    layer.set_weights([np.array([[1.0], [0.0]]), np.zeros(1)])  # scores: the first feature
    weights = np.exp([1.0, 3.0]) / np.exp([1.0, 3.0]).sum()  # step 3 (50) is padding
    assert np.allclose(
        np.asarray(layer(STEPS.astype("float32"), mask=REAL))[0], weights @ STEPS[0, :2]
    )


# ---- each option trains, saves and loads back ---------------------------------------------

OPTIONS = {
    "conv_front_end": {"conv_filters": 4, "conv_kernel": 5, "conv_stride": 2},
    "mean_pooling": {"pooling": "mean", "cell": "gru"},
    "max_pooling": {"pooling": "max", "cell": "simple_rnn", "bidirectional": True},
    "attention_pooling": {"pooling": "attention", "conv_filters": 3, "conv_stride": 3},
    "no_recurrent_layer": {"layers": 0, "pooling": "last", "conv_filters": 4, "conv_kernel": 5},
}


@pytest.mark.parametrize("option", sorted(OPTIONS))
def test_each_option_trains_and_loads_back(tmp_path: Path, option: str) -> None:
    lengths = tuple(int(n) for n in np.random.default_rng(5).integers(8, 31, size=16))
    x, y = padded(30, lengths, seed=5), np.arange(16) % 3
    model = build(spec(30), learning_rate=0.01, **OPTIONS[option])
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, epochs=1, batch_size=8, verbose=0).history
    assert np.isfinite(history["loss"][0])
    assert all(not np.allclose(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert weights_and_names(loaded) == weights_and_names(model)
    assert np.allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


# ---- validation and the JSON schema -------------------------------------------------------


@pytest.mark.parametrize(
    ("space", "message"),
    [
        (
            "  pooling: avg\n",
            "bad.yaml:3: space.pooling: unknown name 'avg'; use one of last, mean, max, attention",
        ),
        (
            "  conv_filters: [0, -8]\n",
            "bad.yaml:3: space.conv_filters[1]: must be >= 0, got -8; 0 turns the convolutional "
            "front end off",
        ),
        ("  conv_stride: 0\n", "bad.yaml:3: space.conv_stride: must be >= 1, got 0"),
    ],
)
def test_tuner_validate_refuses_a_bad_value_in_one_line(
    tmp_path: Path, space: str, message: str
) -> None:
    (tmp_path / "bad.yaml").write_text("name: bad\nspace:\n" + space)
    done = run_tuner("validate", "bad.yaml", cwd=tmp_path)
    assert (done.returncode, done.stderr.strip()) == (2, f"error: {message}")


def test_the_schema_knows_the_new_tunables() -> None:
    validator = Draft202012Validator(config_schema())
    good = {
        "conv_filters": [0, 16, 32],
        "conv_kernel": {"values": [3, 5], "when": {"conv_filters": [16, 32]}},
        "conv_stride": {"min": 1, "max": 4},
        "pooling": ["last", "mean", "max", "attention"],
    }
    assert [e.message for e in validator.iter_errors({"space": good})] == []
    for bad in ({"pooling": "avg"}, {"conv_filters": -1}, {"conv_stride": 0}):
        assert not validator.is_valid({"space": bad}), bad
