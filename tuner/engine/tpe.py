"""`algorithm: tpe`: Optuna's TPESampler choosing keras-tuner's trials.

A keras-tuner Oracle whose populate_space asks Optuna for the next values, over the space as
tuner.config.optuna_space maps it (the mapping the exported study uses too). The Optuna study
is in memory and rebuilt from the oracle's trials at every ask, so the trials on disk stay
the only state: resume and workers work as for the other algorithms, and the seed plus the
number of trials so far makes a search repeatable.

The sampler is multivariate and grouped, so conditional parameters (momentum only for SGD)
are modelled where they are active. Failed and non-finite trials are told as the worst score
seen, so the sampler learns where training diverges instead of forgetting those points;
trials running on other workers are told as running (Optuna's constant liar).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import keras_tuner as kt
import optuna

from tuner.config.optuna_space import Distribution, distribution, holds, quiet
from tuner.config.space import Param, Space
from tuner.numbers import is_finite_number

TrialStatus = kt.engine.trial.TrialStatus


class TPEOracle(kt.Oracle):
    def __init__(
        self, *args: Any, space: Space, num_initial_points: int = 10, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.num_initial_points = num_initial_points
        self.params: dict[str, Param] = {p.name: p for p in space.params}

    def _distribution(self, hp: Any) -> Distribution | None:
        """The one mapping's distribution for a keras-tuner hyperparameter (None: fixed)."""
        param = self.params.get(hp.name)
        return None if param is None else distribution(param)

    def populate_space(self, trial_id: str) -> dict[str, Any]:
        if self.max_trials is not None and len(self.trials) >= self.max_trials:
            return {"status": TrialStatus.STOPPED, "values": None}
        space = self.get_space()
        direction: Literal["maximize", "minimize"] = (
            "maximize" if self.objective.direction == "max" else "minimize"
        )
        with quiet():
            sampler = optuna.samplers.TPESampler(
                seed=(self.seed or 0) + len(self.trials),
                multivariate=True,
                group=True,
                n_startup_trials=self.num_initial_points,
                constant_liar=True,
            )
            study = optuna.create_study(direction=direction, sampler=sampler)
            for past in self._told(space, trial_id, direction):
                study.add_trial(past)
            values = suggest(study.ask(), space, self._distribution)
        return {"status": TrialStatus.RUNNING, "values": values}

    def _told(self, space: kt.HyperParameters, trial_id: str, direction: str) -> list[Any]:
        """The oracle's trials as Optuna's: complete with their score, failed or non-finite
        as the worst score seen, running ones as running."""
        scores = [
            float(t.score)
            for t in self.trials.values()
            if t.status == TrialStatus.COMPLETED and is_finite_number(t.score)
        ]
        worst = (min(scores) if direction == "maximize" else max(scores)) if scores else None
        told = []
        for tid, trial in self.trials.items():
            if tid == trial_id:
                continue
            params, distributions = {}, {}
            for hp in space.space:
                found = self._distribution(hp)
                if found is None or hp.name not in trial.hyperparameters.values:
                    continue
                value = trial.hyperparameters.values[hp.name]
                if not holds(found, value):
                    continue  # a value from before the space changed: leave it out
                params[hp.name], distributions[hp.name] = value, found
            state, value = optuna.trial.TrialState.COMPLETE, trial.score
            if trial.status == TrialStatus.RUNNING:
                state, value = optuna.trial.TrialState.RUNNING, None
            elif trial.status != TrialStatus.COMPLETED or not is_finite_number(value):
                if worst is None:
                    continue  # nothing to compare a failure with yet
                value = worst
            told.append(
                optuna.trial.create_trial(
                    state=state, value=value, params=params, distributions=distributions
                )
            )
        return told


def suggest(
    trial: optuna.trial.Trial,
    space: kt.HyperParameters,
    distribution_of: Callable[[Any], Distribution | None],
) -> dict[str, Any]:
    """Define-by-run over the space, parents first: a conditional parameter is asked only
    where its condition holds. ``distribution_of``: a keras-tuner hyperparameter's Optuna
    distribution, None for a fixed one."""
    values: dict[str, Any] = {}
    for hp in space.space:
        if not all(values.get(c.name) in c.values for c in hp.conditions):
            continue
        found = distribution_of(hp)
        if found is None:
            values[hp.name] = hp.value
        elif isinstance(found, optuna.distributions.CategoricalDistribution):
            values[hp.name] = trial.suggest_categorical(hp.name, found.choices)
        elif isinstance(found, optuna.distributions.IntDistribution):
            values[hp.name] = trial.suggest_int(
                hp.name, found.low, found.high, step=found.step, log=found.log
            )
        else:
            assert isinstance(found, optuna.distributions.FloatDistribution)
            values[hp.name] = trial.suggest_float(
                hp.name, found.low, found.high, step=found.step, log=found.log
            )
    return values
