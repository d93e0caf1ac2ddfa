"""The space declared up front as keras-tuner HyperParameters; the model factory then only
reads values with ``hp.get`` and keras-tuner never meets a new entry mid-search."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import keras_tuner

from tuner.config.space import Condition, Param, Space


def to_hyperparameters(space: Space) -> keras_tuner.HyperParameters:
    """Declare the whole space up front; the model factory then only reads values."""
    hp = keras_tuner.HyperParameters()
    for param in space.params:
        with _scopes(hp, param.when):
            _declare(hp, param)
    return hp


def _scopes(hp: keras_tuner.HyperParameters, when: tuple[Condition, ...]) -> Any:
    stack = ExitStack()
    for cond in when:
        stack.enter_context(hp.conditional_scope(cond.parent, list(cond.values)))
    return stack


def _declare(hp: keras_tuner.HyperParameters, p: Param) -> None:
    if p.kind == "fixed" or (p.kind == "choice" and len(p.values) == 1):
        hp.Fixed(p.name, p.values[0])
    elif p.kind == "choice" and isinstance(p.values[0], bool):
        hp.Boolean(p.name)  # a Choice would turn true/false into 1/0
    elif p.kind == "choice":
        hp.Choice(p.name, list(p.values))
    elif p.kind == "int":
        hp.Int(p.name, int(p.min), int(p.max), step=p.step, sampling=p.sampling)
    else:
        hp.Float(p.name, p.min, p.max, step=p.step, sampling=p.sampling)
