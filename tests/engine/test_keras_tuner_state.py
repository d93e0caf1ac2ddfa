"""keras-tuner's state: atomic writes, the check on resume, and the rebuild from our records.

In-process with real keras-tuner oracles of every algorithm (no training).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tuner.engine import backend
from tuner.run import atomic

backend.activate("tensorflow")  # before keras-tuner imports Keras
import keras_tuner as kt  # noqa: E402
from keras_tuner.src import utils as kt_utils  # noqa: E402

from tuner.engine import kt_compat, resume  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def atomic_keras_tuner_state() -> Any:
    with kt_compat.atomic_state():
        yield


OBJECTIVE = kt.Objective("val_accuracy", "max")


def space() -> Any:
    hp = kt.HyperParameters()
    hp.Choice("units", [4, 8, 16])
    hp.Choice("optimizer", ["adam", "sgd"])
    return hp


def oracle(algorithm: str, folder: Path, max_trials: int = 6) -> Any:
    options: dict[str, Any] = dict(objective=OBJECTIVE, hyperparameters=space(), seed=5)
    if algorithm == "hyperband":
        made = kt.oracles.HyperbandOracle(max_epochs=9, factor=3, **options)
        made.max_trials = max_trials
    else:
        classes = {
            "random": kt.oracles.RandomSearchOracle,
            "bayesian": kt.oracles.BayesianOptimizationOracle,
            "grid": kt.oracles.GridSearchOracle,
        }
        made = classes[algorithm](max_trials=max_trials, **options)
    made._set_project_dir(str(folder), "kt")
    made.verbose = 0
    return made


def search(made: Any, trials: int) -> list[dict[str, Any]]:
    """Run ``trials`` trials through the oracle (a score instead of training); their records."""
    out = []
    for number in range(trials):
        trial = made.create_trial("tuner0")
        values = trial.hyperparameters.values
        failed = number == 1
        if not failed:
            score = 0.1 * (number + 1) + 0.01 * values["units"]
            made.update_trial(trial.trial_id, {"val_accuracy": score}, step=0)
        trial.status = "FAILED" if failed else "COMPLETED"
        trial.message = "loss became nan at epoch 1" if failed else None
        made.end_trial(trial)
        out.append(
            {
                "trial_id": trial.trial_id,
                "status": "failed" if failed else "completed",
                "hyperparameters": {k: v for k, v in values.items() if not k.startswith("tuner/")},
                "schedule": {k: v for k, v in values.items() if k.startswith("tuner/")},
                "objective": "val_accuracy",
                "score": None if failed else score,
                "best_epoch": None if failed else 1,
                "error": trial.message,
            }
        )
    return out


@pytest.mark.parametrize("algorithm", ["random", "bayesian", "grid", "hyperband"])
def test_replay_rebuilds_every_algorithms_state_from_records(
    tmp_path: Path, algorithm: str
) -> None:
    recorded = search(oracle(algorithm, tmp_path / "before"), 4)
    aside = tmp_path / "aside"
    (aside / f"trial_{recorded[0]['trial_id']}").mkdir(parents=True)
    (aside / f"trial_{recorded[0]['trial_id']}" / "checkpoint.weights.h5").write_bytes(b"w")

    rebuilt = oracle(algorithm, tmp_path / "after")
    resume.replay(rebuilt, recorded, aside)
    for record in recorded:
        trial = rebuilt.trials[record["trial_id"]]
        values = {**record["hyperparameters"], **record["schedule"]}
        assert trial.hyperparameters.values == values
        assert trial.status == record["status"].upper()
        assert trial.score == record["score"]
    assert rebuilt.end_order == [r["trial_id"] for r in recorded]
    assert rebuilt.ongoing_trials == {} and rebuilt.tuner_ids == set()
    copied = tmp_path / "after" / "kt" / f"trial_{recorded[0]['trial_id']}"
    assert (copied / "checkpoint.weights.h5").read_bytes() == b"w"
    assert json.loads((tmp_path / "after" / "kt" / "oracle.json").read_text())["end_order"]
    best = max((r for r in recorded if r["score"] is not None), key=lambda r: r["score"])
    assert rebuilt.get_best_trials(1)[0].trial_id == best["trial_id"]
    following = rebuilt.create_trial("tuner0")  # the search goes on with a new id
    assert following.status != "RUNNING" or following.trial_id not in {
        r["trial_id"] for r in recorded
    }


def test_a_trial_without_a_record_is_queued_to_run_again(tmp_path: Path) -> None:
    recorded = search(oracle("random", tmp_path / "before"), 4)
    gap = recorded.pop(2)  # it was running when the kill came (a parallel search)
    rebuilt = oracle("random", tmp_path / "after")
    resume.replay(rebuilt, recorded, tmp_path / "aside")
    assert rebuilt._retry_queue == [gap["trial_id"]]
    assert rebuilt.trials[gap["trial_id"]].status == "RUNNING"
    again = rebuilt.create_trial("tuner0")
    assert again.trial_id == gap["trial_id"]
    assert rebuilt.create_trial("tuner1").trial_id == "4"  # never an id that has a record


def test_trials_the_algorithm_will_not_create_are_added_directly(tmp_path: Path) -> None:
    recorded = search(oracle("random", tmp_path / "before", max_trials=6), 4)
    rebuilt = oracle("random", tmp_path / "after", max_trials=2)  # stops after two
    resume.replay(rebuilt, recorded, tmp_path / "aside")
    assert sorted(rebuilt.trials) == ["0", "1", "2", "3"]
    assert rebuilt.trials["3"].score == recorded[3]["score"]


def test_a_trial_oracle_json_never_heard_of_is_requeued(tmp_path: Path) -> None:
    made = oracle("random", tmp_path)
    search(made, 1)
    orphan = made.create_trial("tuner0")
    made.start_order.remove(orphan.trial_id)  # as if killed before oracle.json was written
    made.ongoing_trials.clear()
    assert resume.requeue_unfinished(made) == [orphan.trial_id]
    assert made.create_trial("tuner0").trial_id == orphan.trial_id


def test_state_problems_names_torn_and_missing_files(tmp_path: Path) -> None:
    kt_dir = tmp_path / "kt"
    assert resume.state_problems(kt_dir, has_records=False) == []
    assert resume.state_problems(kt_dir, has_records=True) == ["oracle.json is missing"]
    (kt_dir / "trial_0").mkdir(parents=True)
    (kt_dir / "oracle.json").write_text('{"ongoing')
    (kt_dir / "tuner0.json").write_text("{}")
    (kt_dir / "trial_0" / "trial.json").write_text("[]")
    assert resume.state_problems(kt_dir, has_records=True) == [
        "oracle.json is unreadable",
        "trial_0/trial.json is unreadable",
    ]


def test_keras_tuners_json_is_written_atomically(tmp_path: Path) -> None:
    target = tmp_path / "oracle.json"
    assert kt_utils.save_json(str(target), {"a": 1}) == '{"a": 1}'
    assert json.loads(target.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["oracle.json"]


def test_a_refused_keras_tuner_write_is_fatal_for_the_search(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(kt_compat.StateWriteError) as caught:
        kt_utils.save_json(str(blocker / "oracle.json"), {})
    assert isinstance(caught.value, kt.errors.FatalError)
    assert isinstance(caught.value, atomic.WriteError)
    assert str(caught.value).startswith(f"cannot write {blocker / 'oracle.json'}: ")


def test_checkpoints_are_whole_weight_files(tmp_path: Path) -> None:
    import keras
    import numpy as np

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    saved = tmp_path / "checkpoint.weights.h5"
    callback = kt_compat.AtomicSaveBestEpoch(OBJECTIVE, str(saved))
    callback.set_model(model)
    callback._save_model()
    copy = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    copy.load_weights(saved)
    for a, b in zip(model.get_weights(), copy.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert [p.name for p in tmp_path.iterdir()] == [saved.name]
