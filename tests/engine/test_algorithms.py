"""The oracles the toolkit adds to keras-tuner, driven through keras-tuner's own Oracle API
(create_trial, update_trial, end_trial) on a synthetic score, no training: Optuna's TPE
(algorithm: tpe) and the grid that resumes from its trials."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras_tuner as kt
import numpy as np

from tuner.config.schema import from_source
from tuner.config.space import Space, parse_space
from tuner.config.yaml_lines import load_text
from tuner.engine.grid import grid_points
from tuner.engine.hyperparameters import to_hyperparameters
from tuner.engine.tuners import BayesianSearch, ResumableGridSearch, TPESearch

Status = kt.engine.trial.TrialStatus


SPACE_YAML = """\
optimizer: [sgd, adam]
momentum: {min: 0.0, max: 0.9, when: {optimizer: sgd}}
x: {min: 0.0, max: 1.0}
"""


def declared() -> Space:
    """The space as a config declares it (a factory's free names: x is no tunable)."""
    src = load_text(SPACE_YAML, file="space.yaml")
    return parse_space(src, src.data, {}, free=True)


def space() -> kt.HyperParameters:
    return to_hyperparameters(declared())


def tpe(folder: Path, seed: int = 1) -> Any:
    return TPESearch(
        hypermodel=lambda hp: None,
        objective=kt.Objective("score", "max"),
        max_trials=40,
        seed=seed,
        hyperparameters=space(),
        allow_new_entries=False,
        tune_new_entries=False,
        num_initial_points=6,
        space=declared(),
        directory=str(folder),
        project_name="kt",
    ).oracle


def run(oracle: Any, trials: int, fail: tuple[int, ...] = ()) -> list[dict[str, Any]]:
    """``trials`` trials scored -(x - 0.8)^2; the ones numbered in ``fail`` fail."""
    seen = []
    for i in range(trials):
        trial = oracle.create_trial("tuner0")
        values = dict(trial.hyperparameters.values)
        seen.append(values)
        if i in fail:
            trial.status = Status.FAILED
        else:
            oracle.update_trial(trial.trial_id, {"score": -((values["x"] - 0.8) ** 2)}, step=0)
            trial.status = Status.COMPLETED
        oracle.end_trial(trial)
    return seen


def test_tpe_learns_follows_conditions_and_repeats_with_its_seed(tmp_path: Path) -> None:
    seen = run(tpe(tmp_path / "a"), 24, fail=(3,))
    distance = [abs(v["x"] - 0.8) for v in seen]
    # The first 6 are random; the last 8 cluster near the best x (measured 0.44 against 0.08).
    assert np.mean(distance[-8:]) < np.mean(distance[:8]) / 2
    assert all(("momentum" in v) == (v["optimizer"] == "sgd") for v in seen)
    again = run(tpe(tmp_path / "b"), 10, fail=(3,))
    assert again == seen[:10]


def test_tpe_tells_a_failed_trial_as_the_worst_score(tmp_path: Path) -> None:
    oracle = tpe(tmp_path)
    run(oracle, 4, fail=(1,))
    told = oracle._told(oracle.get_space(), "none", "maximize")
    values = [t.value for t in told]
    assert len(told) == 4 and values[1] == min(values[0], values[2], values[3])


def test_the_grid_holds_each_point_once_and_matches_the_space_size() -> None:
    text = (
        "space:\n  optimizer: [sgd, adam, rmsprop]\n  momentum: {values: [0.0, 0.9], when: "
        "{optimizer: sgd}}\n  units: [4, 8]\nsearch: {algorithm: grid, max_trials: 8}\n"
    )
    config = from_source(load_text(text, file="g.yaml"))
    points = list(grid_points(to_hyperparameters(config.space)))
    assert len(points) == config.space.size(grid=True) == 8
    assert len({tuple(sorted(p.items())) for p in points}) == 8
    assert all(("momentum" in p) == (p["optimizer"] == "sgd") for p in points)


def test_a_reloaded_grid_oracle_carries_on_where_its_trials_stopped(tmp_path: Path) -> None:
    """keras-tuner's own GridSearchOracle, reloaded after two of four trials, cannot go on
    (keras-tuner #1055: KeyError, or an early stop); ours hands out the two points left."""
    hp = kt.HyperParameters()
    hp.Choice("units", [4, 8])
    hp.Choice("rate", [0.1, 0.2])

    def resumed(kind: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None]:
        def oracle() -> Any:
            return kind(
                hypermodel=lambda hp: None,
                objective=kt.Objective("score", "max"),
                max_trials=4,
                hyperparameters=hp.copy(),
                directory=str(tmp_path),
                project_name=kind.__name__,
            ).oracle

        first = oracle()
        done = run_scored(first, 2)
        first.save()  # as tuner.engine.search does: keras-tuner saves before its last end_trial
        reloaded = oracle()
        reloaded.reload()  # from the oracle.json and trial.json files the first one saved
        try:
            return done, run_scored(reloaded, 2)
        except KeyError:
            return done, None

    done, rest = resumed(kt.GridSearch)
    assert rest is None or len(rest) < 2
    done, rest = resumed(ResumableGridSearch)
    grid = [{"units": u, "rate": r} for u in (4, 8) for r in (0.1, 0.2)]
    assert rest is not None and sorted(map(str, done + rest)) == sorted(map(str, grid))


def run_scored(oracle: Any, trials: int) -> list[dict[str, Any]]:
    out = []
    for _ in range(trials):
        trial = oracle.create_trial("tuner0")
        if trial.status == Status.STOPPED:
            break
        out.append(dict(trial.hyperparameters.values))
        oracle.update_trial(trial.trial_id, {"score": 1.0}, step=0)
        trial.status = Status.COMPLETED
        oracle.end_trial(trial)
    return out


def test_the_bayesian_oracle_fits_a_failed_trial_as_the_worst_score(tmp_path: Path) -> None:
    oracle = BayesianSearch(
        hypermodel=lambda hp: None,
        objective=kt.Objective("score", "max"),
        max_trials=10,
        seed=1,
        hyperparameters=space(),
        num_initial_points=2,
        directory=str(tmp_path),
        project_name="kt",
    ).oracle
    seen = run(oracle, 4, fail=(1,))
    x, y = oracle._vectorize_trials()
    scores = [-((v["x"] - 0.8) ** 2) for i, v in enumerate(seen) if i != 1]
    # keras-tuner minimizes -score; keras-tuner's own oracle would leave trial 1 out (3 rows).
    assert len(y) == 4 and sorted(y) == sorted([-s for s in scores] + [-min(scores)])
    assert [t.status for t in oracle.trials.values()].count("FAILED") == 1  # put back
