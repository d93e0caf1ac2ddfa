"""One mapping from a tunable to an Optuna distribution: the TPE sampler and the study export
use the same function, and it describes the space keras-tuner searches, for every tunable
form the shipped configs and the README use."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import optuna
import pytest

from tuner.config import optuna_space
from tuner.config.schema import Config, load_config
from tuner.config.space import Param, parse_space
from tuner.config.yaml_lines import load_text

REPO = Path(__file__).resolve().parents[2]
# The forms the README documents beyond those in configs/*.yaml: a log step (a factor), a
# whole-number log range with a step, a linear step, reverse_log, a boolean choice, a
# conditional range.
README_FORMS = """\
units: {min: 16, max: 256, step: 2, sampling: log}
learning_rate: {min: 1.0e-4, max: 1.0e-1, step: 10, sampling: log}
l2: {min: 1.0e-6, max: 1.0e-2, sampling: log}
dropout: {min: 0.0, max: 0.5, step: 0.1}
l1: {min: 1.0e-6, max: 1.0e-2, sampling: reverse_log}
layers: {min: 1, max: 3}
optimizer: [sgd, adam]
nesterov: [true, false]
momentum: {min: 0.5, max: 0.99, when: {optimizer: sgd}}
"""


def _config_params() -> list[tuple[str, Param]]:
    found = []
    for path in sorted((REPO / "configs").glob("*.yaml")):
        config: Config = load_config(path)
        found += [(f"{path.name}:{p.name}", p) for p in config.space.params if p.varies]
    src = load_text(README_FORMS, file="README")
    space = parse_space(src, src.data, {"cell": "lstm", "head": "softmax"})
    return found + [(f"README:{p.name}", p) for p in space.params if p.given and p.varies]


PARAMS = _config_params()


def test_tpe_and_the_study_export_share_the_one_mapping() -> None:
    from tuner.engine import tpe
    from tuner.export import optuna_study

    assert tpe.distribution is optuna_study.distribution is optuna_space.distribution
    assert tpe.quiet is optuna_study.quiet is optuna_space.quiet


@pytest.mark.parametrize(("where", "param"), PARAMS, ids=[w for w, _ in PARAMS])
def test_each_distribution_is_the_space_keras_tuner_searches(where: str, param: Param) -> None:
    from tuner.config.space import Space
    from tuner.engine.hyperparameters import to_hyperparameters

    alone = dataclasses.replace(param, when=())  # its parent is not declared here
    hp = to_hyperparameters(Space((alone,))).space[0]
    found = optuna_space.distribution(param)
    if isinstance(found, optuna.distributions.CategoricalDistribution):
        expected = list(hp.values) if hasattr(hp, "values") else [True, False]
        if param.kind == "int":
            expected = [int(round(v)) for v in expected]
        assert list(found.choices) == pytest.approx(expected) or set(found.choices) == set(expected)
        return
    assert isinstance(
        found, optuna.distributions.IntDistribution | optuna.distributions.FloatDistribution
    )
    assert (found.low, found.high) == (hp.min_value, hp.max_value)
    assert found.log == (param.sampling == "log")
    if isinstance(found, optuna.distributions.IntDistribution):
        assert found.step == (hp.step or 1)


def test_a_log_step_is_a_factor_and_whole_ranges_stay_whole() -> None:
    units = Param("units", "int", min=16, max=256, step=2, sampling="log")
    rate = Param("learning_rate", "float", min=1e-4, max=1e-1, step=10, sampling="log")
    assert optuna_space.distribution(units) == optuna.distributions.CategoricalDistribution(
        [16, 32, 64, 128, 256]
    )
    found = optuna_space.distribution(rate)
    assert isinstance(found, optuna.distributions.CategoricalDistribution)
    assert list(found.choices) == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1])
    assert optuna_space.distribution(Param("units", "fixed", values=(8,))) is None
