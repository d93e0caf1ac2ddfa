"""tuner.engine.study on a real journal file (no Keras): which trials count towards
max_trials, and a trial handed back by a stopping process is queued again at once with its
values."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from tuner.config.optuna_space import quiet
from tuner.config.storage import StorageSection
from tuner.engine import study as shared


def _study(tmp_path: Path) -> shared.Study:
    section = StorageSection(url=f"journal:{tmp_path / 'study.journal'}")
    sampler = optuna.samplers.RandomSampler(seed=0)
    return shared.open_study(section, tmp_path, "s", maximize=True, sampler=sampler)


def test_a_trial_handed_back_is_queued_again_with_its_values(tmp_path: Path) -> None:
    study = _study(tmp_path)
    asked = study.optuna.ask()
    asked.suggest_float("learning_rate", 1e-4, 1e-1, log=True)
    asked.set_user_attr(shared.VALUES, {"learning_rate": asked.params["learning_rate"]})
    study.start_beating(asked._trial_id)
    study.hand_back(asked._trial_id)
    first, queued = study.trials()
    assert first.state == TrialState.FAIL and not shared.counts(first)
    assert queued.state == TrialState.WAITING and shared.counts(queued)
    assert queued.system_attrs["failed_trial"] == first.number
    assert shared.values_of(queued) == shared.values_of(first)
    again = study.optuna.ask()  # the next process to ask takes the queued trial first
    assert again.number == queued.number
    assert (
        again.suggest_float("learning_rate", 1e-4, 1e-1, log=True) == first.params["learning_rate"]
    )


def test_what_counts_towards_max_trials(tmp_path: Path) -> None:
    study = _study(tmp_path)
    storage = study.optuna._storage

    for attrs, state in (
        ({}, TrialState.COMPLETE),
        ({}, TrialState.PRUNED),
        ({shared.FAILED_IN_TRAINING: True}, TrialState.FAIL),  # failed in training: counts
        ({shared.SURPLUS: True}, TrialState.FAIL),  # asked past max_trials: does not
        ({}, TrialState.FAIL),  # given up by the heartbeat: does not (its retry does)
        ({}, TrialState.RUNNING),
    ):
        trial = study.optuna.ask()
        for key, value in attrs.items():
            storage.set_trial_system_attr(trial._trial_id, key, value)
        if state != TrialState.RUNNING:
            storage.set_trial_state_values(
                trial._trial_id, state, [0.5] if state == TrialState.COMPLETE else None
            )

    trials = study.trials()
    assert [shared.counts(t) for t in trials] == [True, True, True, False, False, True]
    assert [shared.is_finished(t) for t in trials] == [True, True, True, False, False, False]


@pytest.mark.parametrize("kind", ["sqlite", "journal"])
def test_a_database_beats_the_optuna_way_and_a_journal_through_an_attribute(
    tmp_path: Path, kind: str
) -> None:
    """Optuna's RDBStorage has a heartbeat of its own (its stale trials are found by
    fail_stale_trials); its journal has none, so there the beat is a trial attribute."""
    url = f"sqlite:///{tmp_path / 'study.db'}" if kind == "sqlite" else f"journal:{tmp_path / 'j'}"
    section = StorageSection(url=url)
    sampler = optuna.samplers.RandomSampler(seed=0)
    study = shared.open_study(section, tmp_path, "s", maximize=True, sampler=sampler)
    with quiet():  # as the oracle asks
        asked = study.optuna.ask()
    study.start_beating(asked._trial_id)
    study.stop_beating(asked._trial_id)
    beat = study.optuna._storage.get_trial(asked._trial_id).system_attrs.get(shared.BEAT)
    assert (beat is None) == (kind == "sqlite")
    if kind == "sqlite":
        assert study.optuna._storage.get_heartbeat_interval() == section.heartbeat_seconds
