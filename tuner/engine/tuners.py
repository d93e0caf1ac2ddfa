"""The keras-tuner Tuner class of each search.algorithm. random, bayesian and hyperband are
keras-tuner's own (bayesian with failed trials told as the worst score, see kt_compat); grid
and tpe are keras-tuner Tuners driven by oracles of ours (tuner.engine.grid, tuner.engine.tpe).
"""

from __future__ import annotations

from typing import Any

import keras_tuner as kt

from tuner.engine.grid import ResumableGridOracle
from tuner.engine.kt_compat import FailuresToldBayesianOracle
from tuner.engine.study_oracle import StudyOracle
from tuner.engine.tpe import TPEOracle

# The keyword arguments keras-tuner's own tuners hand to their oracle.
ORACLE_KEYS = (
    "objective", "max_trials", "seed", "hyperparameters", "tune_new_entries",
    "allow_new_entries", "max_retries_per_trial", "max_consecutive_failed_trials",
    "num_initial_points", "space", "study", "algorithm", "total",
)  # fmt: skip


class OwnOracleTuner(kt.Tuner):
    """A keras-tuner Tuner whose oracle is ``ORACLE``, taking the same arguments as
    keras-tuner's RandomSearch or BayesianOptimization."""

    ORACLE: type[kt.Oracle]

    def __init__(self, hypermodel: Any = None, **kwargs: Any) -> None:
        options = {key: kwargs.pop(key) for key in ORACLE_KEYS if key in kwargs}
        self.seed = options.get("seed")
        super().__init__(oracle=self.ORACLE(**options), hypermodel=hypermodel, **kwargs)


class ResumableGridSearch(OwnOracleTuner):
    ORACLE = ResumableGridOracle


class TPESearch(OwnOracleTuner):
    ORACLE = TPEOracle


class BayesianSearch(OwnOracleTuner):
    ORACLE = FailuresToldBayesianOracle


class StudySearch(OwnOracleTuner):
    """search.storage: tpe, random or grid, its trials from the shared Optuna study."""

    ORACLE = StudyOracle


TUNER_CLASSES: dict[str, type[kt.Tuner]] = {
    "random": kt.RandomSearch,
    "bayesian": BayesianSearch,
    "grid": ResumableGridSearch,  # keras-tuner's GridSearch cannot resume (#1055)
    "hyperband": kt.Hyperband,
    "tpe": TPESearch,
}
