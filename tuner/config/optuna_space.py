"""The space in Optuna's terms: one distribution per parameter, for the TPE sampler that
chooses a search's trials (tuner.engine.tpe) and for the study a run is exported as
(tuner.export.optuna_study), so both describe the space the same way.

Imported only by those two: Optuna is not needed to read a config.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterator

import optuna

from tuner.config.space import Param

Distribution = optuna.distributions.BaseDistribution


def distribution(param: Param) -> Distribution | None:
    """Optuna's distribution for one parameter; None for one that does not vary.

    keras-tuner's step on a log range is a factor (1e-4, 1e-3, 1e-2 for step 10), a set of
    values Optuna has no range for: it is a categorical over exactly those values. A
    reverse_log range without a step has no Optuna counterpart and is sampled uniformly."""
    if not param.varies:
        return None
    if param.kind == "choice":
        return optuna.distributions.CategoricalDistribution(list(param.values))
    if param.sampling != "linear" and param.step and param.step != 1:
        return optuna.distributions.CategoricalDistribution(stepped_values(param))
    log = param.sampling == "log"
    if param.kind == "int":
        return optuna.distributions.IntDistribution(
            int(param.min), int(param.max), log=log, step=int(param.step or 1)
        )
    return optuna.distributions.FloatDistribution(
        float(param.min), float(param.max), log=log, step=None if log else param.step
    )


def stepped_values(param: Param) -> list[float | int]:
    """The values of a log or reverse_log range with a step, as keras-tuner enumerates them
    (min x step^i up to max; reverse_log mirrors them within the range)."""
    assert param.step
    count = int(math.log(param.max / param.min, param.step) + 1e-8) + 1
    found = [param.min * param.step**i for i in range(count)]
    if param.sampling == "reverse_log":
        found = [param.max + param.min - value for value in found]
    if param.kind == "int":
        return [int(round(value)) for value in found]
    return [float(value) for value in found]


def holds(found: Distribution, value: object) -> bool:
    """Whether ``value`` lies in ``found`` (a value recorded before the space changed may not)."""
    if isinstance(found, optuna.distributions.CategoricalDistribution):
        return value in found.choices
    assert isinstance(
        found, optuna.distributions.IntDistribution | optuna.distributions.FloatDistribution
    )
    return isinstance(value, int | float) and found.low <= value <= found.high


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """No "A new study created" line per study, no warning that an option is experimental
    (nor that a heartbeat is meant for Study.optimize); Optuna's logging level is put back
    after."""
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            # search.storage runs the heartbeat itself around ask and tell (tuner.engine.study)
            warnings.filterwarnings("ignore", message="Heartbeat of storage is supposed to be")
            yield
    finally:
        optuna.logging.set_verbosity(level)
