"""Hyperparameter importance: which parameters moved the objective, estimated from the
completed trials with a random forest (scikit-learn), as Optuna's MeanDecreaseImpurity
evaluator does. Compute (``estimate``), then draw (``draw``). Never imports Keras.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tuner.analysis.effects import label, number, scored
from tuner.config.space import Param
from tuner.run.records import TrialRecord, score_of
from tuner.text import plural

# Below this many completed trials a forest ranks parameters by noise: with 7 trials a 4-way
# choice has seen each value about twice, and one lucky trial decides the ranking.
MIN_TRIALS = 8
TREES = 200  # enough that the shares stop moving with the forest's seed at these sizes
METHOD = (
    "Importance is estimated by a random forest ({trees} trees, scikit-learn) fitted to the "
    "objective of the {trials} completed trials, with log-sampled ranges on a log scale, each "
    "choice one-hot and inactive conditional values set apart. A bar is the parameter's share "
    "of the forest's mean decrease in impurity (one-hot columns of a choice summed), as "
    "Optuna's MeanDecreaseImpurity evaluator. It ranks parameters; it is not an effect size, "
    "and with few trials it is rough."
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


def estimate(records: list[TrialRecord], names: list[str], params: dict[str, Param]) -> Importance:
    """The forest's importance of each varying parameter, or a statement saying why not."""
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
    features, groups = _features(done, moved, params)
    from sklearn.ensemble import RandomForestRegressor  # scikit-learn is slow to import

    forest = RandomForestRegressor(n_estimators=TREES, random_state=0, n_jobs=1)
    forest.fit(features.to_numpy(dtype=float), scores)
    total = pd.Series(forest.feature_importances_, index=groups).groupby(level=0).sum()
    total = total / total.sum() if total.sum() > 0 else total
    shares = pd.DataFrame({"param": total.index, "share": total.to_numpy()})
    shares = shares.sort_values("share", ascending=False, kind="stable").reset_index(drop=True)
    return Importance(shares, len(done), METHOD.format(trees=TREES, trials=len(done)))


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
        if all(number(v) for v in present):
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
