"""Hyperparameter importance: which parameters moved the objective, estimated from the
completed trials by permutation on held-out trials. Never imports Keras.

A random forest (scikit-learn) learns the objective from the parameters on some trials; on
the trials it did not see, shuffling one parameter's column(s) makes its predictions worse by
as much as that parameter matters. Impurity importance (Optuna's MeanDecreaseImpurity, used
before) favours parameters with many distinct values: a continuous range offers a tree more
split points than a two-value choice, so a noise range outranked a choice that mattered.
Permutation on held-out trials has no such bias.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tuner.analysis.effects import label, scored
from tuner.analysis.noise import difference_floor, trial_se
from tuner.config.space import Param
from tuner.numbers import is_finite_number
from tuner.run.records import TrialRecord, score_of
from tuner.text import plural, significant

# Below this many completed trials a forest ranks parameters by noise: with 7 trials a 4-way
# choice has seen each value about twice, and one lucky trial decides the ranking.
MIN_TRIALS = 8
TREES = 100  # enough that the shares stop moving with the forest's seed at these sizes
FOLDS = 4  # each trial is held out once; 4 keeps 3/4 of a small run to learn from
REPEATS = 10  # shuffles per parameter and fold: the mean settles to about ±0.02 of a share
METHOD = (
    "Importance is estimated by permutation on held-out trials: a random forest ({trees} "
    "trees, scikit-learn) learns the objective of the {trials} completed trials from their "
    "values ({folds}-fold, log-sampled ranges on a log scale, each choice one-hot, inactive "
    "conditional values set apart), and a bar is the parameter's share of how much shuffling "
    "its values worsens the predictions on the trials the forest did not see. Unlike the "
    "forest's impurity importance, it does not favour ranges over short choices. It ranks "
    "parameters; it is not an effect size, and with few trials it is rough."
)


@dataclass(frozen=True)
class Importance:
    """``shares``: parameter -> share of the total (sums to 1), largest first; empty when
    ``statement`` says why no estimate is shown."""

    shares: pd.DataFrame  # columns: param, share
    trials: int
    statement: str

    @property
    def shown(self) -> bool:
        return not self.shares.empty

    def share(self, name: str) -> float | None:
        rows = self.shares[self.shares["param"] == name]
        return float(rows["share"].iloc[0]) if len(rows) else None


def estimate(
    records: list[TrialRecord],
    names: list[str],
    params: dict[str, Param],
    samples: int | None = None,
) -> Importance:
    """The forest's importance of each varying parameter, or a statement saying why not;
    ``samples``: validation samples per score, to tell when all scores lie within one score's
    noise of each other (then a forest would rank noise)."""
    done = scored(records)
    moved = [n for n in names if len({label(r["hyperparameters"].get(n)) for r in done}) > 1]
    empty = pd.DataFrame(columns=["param", "share"])
    if len(done) < MIN_TRIALS:
        return Importance(empty, len(done), _too_few(len(done)))
    if len(moved) < 2:
        only = f"only {moved[0]} varied" if moved else "no parameter varied"
        text = f"No importance estimate: {only} among the completed trials: nothing to rank."
        return Importance(empty, len(done), text)
    scores = np.array([score_of(r) for r in done])
    if np.ptp(scores) == 0:
        text = "No importance estimate: every completed trial scored the same."
        return Importance(empty, len(done), text)
    best, worst = done[int(np.argmax(scores))], done[int(np.argmin(scores))]
    floor = difference_floor(trial_se(best, samples), trial_se(worst, samples))
    if floor is not None and np.ptp(scores) <= floor:
        apart, half = significant(float(np.ptp(scores)), 2), significant(floor, 2)
        text = (
            "No importance estimate: every completed trial scored within one score's noise of "
            f"the others ({apart} apart, ±{half} at 95%), so a forest would rank noise."
        )
        return Importance(empty, len(done), text)
    features, groups = _features(done, moved, params)
    losses = permutation_losses(features.to_numpy(dtype=float), scores, groups)
    total = pd.Series(losses).clip(lower=0.0)
    if total.sum() <= 0:
        text = (
            "No importance estimate: shuffling no parameter made the forest's predictions of "
            "held-out trials worse, so the trials do not show which parameters matter."
        )
        return Importance(empty, len(done), text)
    total = total / total.sum()
    shares = pd.DataFrame({"param": total.index, "share": total.to_numpy()})
    shares = shares.sort_values("share", ascending=False, kind="stable").reset_index(drop=True)
    method = METHOD.format(trees=TREES, trials=len(done), folds=FOLDS)
    return Importance(shares, len(done), method)


def permutation_losses(x: np.ndarray, y: np.ndarray, groups: list[str]) -> dict[str, float]:
    """Per parameter (its columns shuffled together), the mean rise in squared error of a
    forest's predictions on held-out trials, over FOLDS folds and REPEATS shuffles."""
    from sklearn.ensemble import RandomForestRegressor  # scikit-learn is slow to import
    from sklearn.model_selection import KFold

    names = list(dict.fromkeys(groups))
    rises = {name: 0.0 for name in names}
    rng = np.random.default_rng(0)
    folds = KFold(n_splits=min(FOLDS, len(y)), shuffle=True, random_state=0)
    for learn, held in folds.split(x):
        forest = RandomForestRegressor(n_estimators=TREES, random_state=0, n_jobs=1)
        forest.fit(x[learn], y[learn])
        base = np.mean((forest.predict(x[held]) - y[held]) ** 2)
        for name in names:
            columns = [i for i, group in enumerate(groups) if group == name]
            for _ in range(REPEATS):
                shuffled = x[held].copy()
                shuffled[:, columns] = shuffled[rng.permutation(len(held))][:, columns]
                error = np.mean((forest.predict(shuffled) - y[held]) ** 2)
                rises[name] += (error - base) / (REPEATS * folds.get_n_splits())
    return rises


def _too_few(trials: int) -> str:
    return (
        f"No importance estimate: {plural(trials, 'completed trial')}, fewer than the {MIN_TRIALS} "
        "needed before a forest's ranking means more than noise. See the objective against "
        "each hyperparameter instead."
    )


def _features(
    done: list[TrialRecord], names: list[str], params: dict[str, Param]
) -> tuple[pd.DataFrame, list[str]]:
    """One numeric column per range (log10 for log ranges), one-hot columns per choice; an
    inactive conditional value sits below every real one so a tree can split it off."""
    columns: dict[str, list[float]] = {}
    groups: list[str] = []
    for name in names:
        values = [r["hyperparameters"].get(name) for r in done]
        present = [v for v in values if v is not None]
        if all(is_finite_number(v) for v in present):
            log = name in params and params[name].sampling == "log"
            floats = [float(v) for v in present]  # all numbers: checked above
            xs = [math.log10(v) if log and v > 0 else v for v in floats]
            below = min(xs) - (max(xs) - min(xs)) - 1.0
            it = iter(xs)
            columns[name] = [below if v is None else next(it) for v in values]
            groups.append(name)
            continue
        for level in sorted({label(v) for v in present}):
            columns[f"{name}={level}"] = [
                float(v is not None and label(v) == level) for v in values
            ]
            groups.append(name)
    return pd.DataFrame(columns), groups
