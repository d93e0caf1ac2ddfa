"""tuner.engine.study on a real journal file (no Keras): which trials count towards
max_trials, and a trial handed back by a stopping process is queued again at once with its
values."""

from __future__ import annotations

from pathlib import Path

import optuna
from optuna.trial import TrialState

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
