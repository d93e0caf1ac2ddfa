"""The space: each YAML form becomes the right keras-tuner hyperparameter, and its size."""

from __future__ import annotations

import math

import pytest
from keras_tuner.engine.hyperparameters import Boolean, Choice, Fixed, Float, Int

from tuner.config.schema import from_source
from tuner.config.space import ONLY_WHEN_WRITTEN, Space
from tuner.config.tunables import TUNABLES
from tuner.config.yaml_lines import load_text
from tuner.engine.hyperparameters import to_hyperparameters


def space_of(yaml_space: str, extra: str = "") -> Space:
    """A Space from the lines under ``space:`` (indented by two spaces)."""
    return from_source(load_text(f"{extra}space:\n{yaml_space}", "t.yaml")).space


def declared(yaml_space: str, extra: str = ""):  # -> keras_tuner.HyperParameters
    return to_hyperparameters(space_of(yaml_space, extra))


def hp_named(hp, name: str):
    matches = [h for h in hp.space if h.name == name]
    assert len(matches) == 1, f"{name} declared {len(matches)} times"
    return matches[0]


def test_a_scalar_is_fixed() -> None:
    batch = hp_named(declared("  batch_size: 64\n"), "batch_size")
    assert type(batch) is Fixed
    assert batch.value == 64
    assert batch.conditions == []


def test_a_value_mapping_is_fixed() -> None:
    assert hp_named(declared("  activation: {value: softsign}\n"), "activation").value == "softsign"


def test_a_list_is_a_choice() -> None:
    units = hp_named(declared("  units: [32, 64, 128]\n"), "units")
    assert type(units) is Choice
    assert units.values == [32, 64, 128]


def test_a_values_mapping_is_a_choice() -> None:
    activation = hp_named(declared("  activation: {values: [tanh, softsign]}\n"), "activation")
    assert type(activation) is Choice
    assert activation.values == ["tanh", "softsign"]


def test_a_one_value_list_is_fixed() -> None:
    units = hp_named(declared("  units: [32]\n"), "units")
    assert type(units) is Fixed
    assert units.value == 32


def test_an_int_range() -> None:
    layers = hp_named(declared("  layers: {min: 1, max: 3}\n"), "layers")
    assert type(layers) is Int
    assert (layers.min_value, layers.max_value, layers.step, layers.sampling) == (1, 3, 1, "linear")


def test_an_int_range_with_step() -> None:
    units = hp_named(declared("  units: {min: 32, max: 256, step: 32}\n"), "units")
    assert type(units) is Int
    assert (units.min_value, units.max_value, units.step) == (32, 256, 32)


def test_an_int_range_with_log_sampling() -> None:
    units = hp_named(declared("  units: {min: 16, max: 256, step: 2, sampling: log}\n"), "units")
    assert type(units) is Int
    assert (units.min_value, units.max_value, units.step, units.sampling) == (16, 256, 2, "log")


def test_a_float_range_with_log_sampling() -> None:
    lr = hp_named(
        declared("  learning_rate: {min: 1.0e-4, max: 1.0e-1, sampling: log}\n"), "learning_rate"
    )
    assert type(lr) is Float
    assert (lr.min_value, lr.max_value, lr.step, lr.sampling) == (1e-4, 0.1, None, "log")


def test_a_float_range_with_step() -> None:
    dropout = hp_named(declared("  dropout: {min: 0.0, max: 0.5, step: 0.1}\n"), "dropout")
    assert type(dropout) is Float
    assert (dropout.min_value, dropout.max_value, dropout.step) == (0.0, 0.5, 0.1)
    assert dropout.sampling == "linear"


def test_a_float_tunable_with_whole_number_bounds_is_a_float() -> None:
    clipnorm = hp_named(declared("  clipnorm: {min: 0, max: 2}\n"), "clipnorm")
    assert type(clipnorm) is Float
    assert isinstance(clipnorm.min_value, float) and isinstance(clipnorm.max_value, float)


def test_a_reverse_log_range() -> None:
    momentum = hp_named(
        declared("  momentum: {min: 0.5, max: 0.99, sampling: reverse_log}\n"), "momentum"
    )
    assert momentum.sampling == "reverse_log"


def test_mixed_int_and_float_choices_of_a_float_tunable_become_floats() -> None:
    dropout = hp_named(declared("  dropout: [0, 0.25, 1.0e-1]\n"), "dropout")
    assert type(dropout) is Choice
    assert dropout.values == [0.0, 0.25, 0.1]
    assert all(type(v) is float for v in dropout.values)


def test_a_true_false_choice_is_a_boolean() -> None:
    bidirectional = hp_named(declared("  bidirectional: [false, true]\n"), "bidirectional")
    assert type(bidirectional) is Boolean


CONDITIONAL = """\
  optimizer: [sgd, adam]
  momentum: {min: 0.5, max: 0.99, when: {optimizer: sgd}}
  nesterov: {values: [true, false], when: {optimizer: sgd}}
"""


def test_conditional_parameters_are_declared_in_a_conditional_scope() -> None:
    hp = declared(CONDITIONAL)
    optimizer, momentum, nesterov = (hp_named(hp, n) for n in ("optimizer", "momentum", "nesterov"))
    assert type(optimizer) is Choice and optimizer.conditions == []
    assert type(momentum) is Float and type(nesterov) is Boolean
    for param in (momentum, nesterov):
        assert [c.get_config() for c in param.conditions] == [
            {"name": "optimizer", "values": ["sgd"]}
        ]


def test_conditional_parameters_are_active_only_for_their_parent_value() -> None:
    hp = declared(CONDITIONAL)
    hp.values["optimizer"] = "sgd"
    assert hp.is_active("momentum") and hp.is_active("nesterov")
    hp.values["optimizer"] = "adam"
    assert not hp.is_active("momentum") and not hp.is_active("nesterov")
    assert hp.is_active("learning_rate")


def test_a_condition_may_list_several_parent_values() -> None:
    hp = declared(
        "  optimizer: [sgd, adam, rmsprop]\n"
        "  momentum: {min: 0.5, max: 0.9, when: {optimizer: [sgd, rmsprop]}}\n"
    )
    momentum = hp_named(hp, "momentum")
    assert momentum.conditions[0].get_config() == {
        "name": "optimizer",
        "values": ["sgd", "rmsprop"],
    }
    hp.values["optimizer"] = "rmsprop"
    assert hp.is_active("momentum")


def test_a_condition_on_a_boolean_parent() -> None:
    hp = declared(
        "  bidirectional: [true, false]\n"
        "  recurrent_dropout: {values: [0.0, 0.2], when: {bidirectional: true}}\n"
    )
    hp.values["bidirectional"] = False
    assert not hp.is_active("recurrent_dropout")
    hp.values["bidirectional"] = True
    assert hp.is_active("recurrent_dropout")


def test_parents_are_declared_before_the_parameters_that_depend_on_them() -> None:
    hp = declared(
        "  nesterov: {values: [true], when: {optimizer: sgd}}\n  optimizer: [adam, sgd]\n"
    )
    names = [h.name for h in hp.space]
    assert names.index("optimizer") < names.index("nesterov")
    nesterov = hp_named(hp, "nesterov")
    assert type(nesterov) is Fixed and nesterov.value is True


def test_every_tunable_is_declared_and_the_unwritten_ones_are_fixed_at_their_defaults() -> None:
    """Except a forecaster's window and transform, declared only where the space names them
    (a classifier's records should not list them)."""
    hp = declared("  units: [32, 64]\n")
    always = sorted(set(TUNABLES) - set(ONLY_WHEN_WRITTEN))
    assert sorted(h.name for h in hp.space) == always
    for name in always:
        if name != "units":
            param = hp_named(hp, name)
            assert type(param) is Fixed, name
            assert param.value == TUNABLES[name].default, name
    assert set(hp.values) == set(always)


def test_model_cell_sets_the_default_cell() -> None:
    cell = hp_named(declared("  units: 32\n", extra="model:\n  cell: gru\n"), "cell")
    assert type(cell) is Fixed and cell.value == "gru"


def test_only_written_tunables_are_given_and_varying() -> None:
    space = space_of("  units: [32, 64]\n  batch_size: 64\n")
    assert [p.name for p in space.params if p.given] == ["units", "batch_size"]
    assert space.varying == ["units"]


# --- Space.size ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yaml_space", "size"),
    [
        ("  units: 32\n", 1),
        ("  units: [32, 64]\n  layers: {min: 1, max: 3}\n", 6),
        ("  units: {min: 32, max: 256, step: 32}\n", 8),
        ("  units: {min: 16, max: 256, step: 2, sampling: log}\n", 5),
        ("  dropout: {min: 0.0, max: 0.5, step: 0.1}\n", 6),
        ("  activation: [tanh, softsign]\n  bidirectional: [true, false]\n", 4),
        (
            "  optimizer: [sgd, adam]\n"
            "  nesterov: {values: [true, false], when: {optimizer: sgd}}\n",
            3,
        ),
        (
            "  optimizer: [sgd, adam, rmsprop]\n"
            "  momentum: {min: 0.5, max: 0.9, step: 0.1, when: {optimizer: sgd}}\n"
            "  nesterov: {values: [true, false], when: {optimizer: sgd}}\n",
            12,
        ),
        (
            "  bidirectional: [true, false]\n"
            "  recurrent_dropout: {values: [0.0, 0.2], when: {bidirectional: true}}\n"
            "  units: [32, 64]\n",
            6,
        ),
    ],
    ids=[
        "fixed",
        "choice-times-int-range",
        "int-step",
        "int-log-step-is-a-factor",
        "float-step",
        "two-choices",
        "conditional",
        "conditional-range-with-step",
        "conditional-on-boolean",
    ],
)
def test_finite_space_size(yaml_space: str, size: int) -> None:
    space = space_of(yaml_space)
    assert space.size() == size
    assert space.size(grid=True) == size


def test_a_stepless_float_range_is_continuous() -> None:
    space = space_of(
        "  units: [32, 64]\n  learning_rate: {min: 1.0e-4, max: 1.0e-1, sampling: log}\n"
    )
    assert space.size() == math.inf


def test_a_grid_counts_a_stepless_float_range_as_ten_points() -> None:
    space = space_of(
        "  units: [32, 64]\n"
        "  learning_rate: {min: 1.0e-4, max: 1.0e-1, sampling: log}\n"
        "  optimizer: [sgd, adam]\n"
        "  momentum: {min: 0.5, max: 0.9, when: {optimizer: sgd}}\n"
    )
    assert space.size(grid=True) == 2 * 10 * (10 + 1)
