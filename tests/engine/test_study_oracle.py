"""tuner.engine.study_oracle without training: two oracles on one journal file stand for two
processes sharing a study. Grid hands out each point once across them and stops when every
point is taken; TPE's values lie in the declared space; a trial asked past max_trials is given
up. Real keras-tuner oracles, a real Optuna journal, real records on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras_tuner as kt
import optuna
import pytest
from helpers.configs import TINY_SEARCH
from helpers.records import make_record

from tuner.config.schema import Config, from_source
from tuner.config.storage import StorageSection
from tuner.config.yaml_lines import Source
from tuner.engine import study as shared
from tuner.engine.hyperparameters import to_hyperparameters
from tuner.engine.study_oracle import StudyOracle, sampler_for
from tuner.run import records, study_file

TrialStatus = kt.engine.trial.TrialStatus
GRID = {"units": [4, 8], "learning_rate": [1.0e-3, 1.0e-2], "batch_size": 64}


def _config(algorithm: str, space: dict[str, Any], max_trials: int = 4) -> Config:
    search = {**TINY_SEARCH["search"], "algorithm": algorithm, "max_trials": max_trials}
    document = {**TINY_SEARCH, "space": space, "search": search}
    return from_source(Source(file="tiny.yaml", data=document))


def _oracle(config: Config, run: Path, seed: int) -> StudyOracle:
    section = StorageSection(url=f"journal:{run / 'study.journal'}")
    sampler = sampler_for(config.search.algorithm, seed, initial_points=2)
    study = shared.open_study(section, run, "tiny", maximize=True, sampler=sampler)
    oracle = StudyOracle(
        objective=kt.Objective("val_accuracy", "max"),
        hyperparameters=to_hyperparameters(config.space),
        allow_new_entries=False,
        tune_new_entries=False,
        space=config.space,
        study=study,
        algorithm=config.search.algorithm,
        total=config.search.max_trials,
    )
    oracle._set_project_dir(str(run), "kt")
    return oracle


def _finish(oracle: StudyOracle, trial: kt.engine.trial.Trial, run: Path) -> None:
    """What the Recorder does at a trial's end: the record to the study and to trials/."""
    values = {k: v for k, v in trial.hyperparameters.values.items()}
    kept = oracle.keep_record(run, make_record(trial.trial_id, hyperparameters=values))
    assert kept is not None
    oracle.update_trial(trial.trial_id, {"val_accuracy": 0.5})
    trial.status = TrialStatus.COMPLETED
    oracle.end_trial(trial)


@pytest.fixture
def run(tmp_path: Path) -> Path:
    folder = tmp_path / "runs" / "tiny"
    folder.mkdir(parents=True)
    return folder


@pytest.mark.parametrize("queued_twice", [False, True])
def test_two_processes_share_the_grid_each_point_once(run: Path, queued_twice: bool) -> None:
    """The grid is queued in the study once; when two processes starting together both
    queue it, the copies are given up and each point is still trained once (max_trials above
    the grid's 4 points, so that the copies are asked for)."""
    config = _config("grid", GRID, max_trials=6)
    first, second = _oracle(config, run, seed=1), _oracle(config, run, seed=2)
    if queued_twice:
        first._add_grid_points()
        second._add_grid_points()
    trials = [first.create_trial("tuner0"), second.create_trial("tuner0")]
    trials += [first.create_trial("tuner1"), second.create_trial("tuner1")]
    points = {
        (t.hyperparameters.values["units"], t.hyperparameters.values["learning_rate"])
        for t in trials
    }
    assert points == {(4, 1.0e-3), (4, 1.0e-2), (8, 1.0e-3), (8, 1.0e-2)}
    for oracle, trial in zip((first, second, first, second), trials, strict=True):
        _finish(oracle, trial, run)
    assert first.create_trial("tuner2").status == TrialStatus.STOPPED
    assert second.create_trial("tuner2").status == TrialStatus.STOPPED
    assert sorted(r["trial_id"] for r in records.read_records(run)[0]) == ["0", "1", "2", "3"]
    assert study_file.trial_ids(run) == {"0", "1", "2", "3"}
    given_up = [t for t in first.study.trials() if t.system_attrs.get(shared.SURPLUS)]
    assert len(given_up) == (4 if queued_twice else 0)


def test_tpe_suggests_inside_the_space_and_a_trial_past_max_trials_is_given_up(
    run: Path,
) -> None:
    space = {
        "units": [4, 8, 16],
        "learning_rate": {"min": 1.0e-3, "max": 1.0e-2, "sampling": "log"},
        "batch_size": 64,
    }
    config = _config("tpe", space)
    oracle = _oracle(config, run, seed=3)
    trials = [oracle.create_trial(f"tuner{i}") for i in range(4)]
    for trial in trials:
        values = trial.hyperparameters.values
        assert values["units"] in (4, 8, 16) and 1.0e-3 <= values["learning_rate"] <= 1.0e-2
        assert values["batch_size"] == 64
    # A second process asks while the four run: its trial is number 4, past max_trials
    late = _oracle(config, run, seed=4)
    asked = late.study.optuna.ask()
    assert late._is_surplus(late.study.optuna._storage.get_trial(asked._trial_id))
    late._give_up(asked)
    for trial in trials:
        _finish(oracle, trial, run)
    given_up = late.study.trials()[4]
    assert given_up.state == optuna.trial.TrialState.FAIL and not shared.counts(given_up)
    assert late.create_trial("tuner0").status == TrialStatus.STOPPED
    assert len(records.read_records(run)[0]) == 4


def test_a_storage_that_does_not_open_leaves_no_run_behind(tmp_path: Path) -> None:
    import tuner
    from tuner.errors import TunerError

    search = {**TINY_SEARCH["search"], "storage": "postgresql://tuner@127.0.0.1:1/nowhere"}
    with pytest.raises(TunerError, match=r"^cannot open search.storage postgresql://tuner@"):
        tuner.search({**TINY_SEARCH, "search": search}, runs=tmp_path / "runs")
    assert not (tmp_path / "runs" / "tiny").exists()  # nor its study.json: not remembered
