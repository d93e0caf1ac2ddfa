"""search.cv end to end on tiny data: each trial trains once per fold with the one recipe, its
score is the mean over folds, the record keeps every fold; a trial pruned in its first fold
trains no other; the refit trains for the folds' mean best epoch; and the best epoch (in the
record and in the search's checkpoint) breaks ties on the objective by validation loss."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tuner.run import records

CONFIG = {
    "name": "cv",
    "data": {"dataset": "digits", "limit": 120},
    "space": {"units": 8, "learning_rate": [0.05, 1.0e-6], "batch_size": 32},
    "search": {
        "algorithm": "grid",
        "max_trials": 2,
        "epochs": 2,
        "cv": {"folds": 3},
        "pruning": {"rule": "median", "warmup_epochs": 0, "min_trials": 1},
        "refit": True,
    },
}


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    import contextlib
    import io

    import tuner

    root = tmp_path_factory.mktemp("cv")
    said = io.StringIO()
    with contextlib.redirect_stderr(said):
        run = tuner.search(CONFIG, runs=root / "runs")
    return run, said.getvalue()


def _records(run: Path) -> dict[float, records.TrialRecord]:
    found = records.read_records(run)[0]
    return {float(r["hyperparameters"]["learning_rate"]): r for r in found}  # type: ignore[arg-type]


@pytest.mark.slow
def test_each_trial_scores_the_mean_over_its_folds(searched: tuple[Path, str]) -> None:
    run, said = searched
    record = _records(run)[0.05]
    assert record["status"] == "completed"
    folds = record["folds"]
    assert [f["fold"] for f in folds] == [0, 1, 2]
    scores = [f["score"] for f in folds]
    assert record["score"] == pytest.approx(statistics.fmean(scores))  # type: ignore[arg-type]
    assert record["fold_sd"] == pytest.approx(statistics.stdev(scores))  # type: ignore[arg-type]
    for fold in folds:
        assert fold["best_epoch"] == records.best_epoch_of(fold["history"], "val_accuracy", True)
        assert fold["score"] == fold["history"]["val_accuracy"][fold["best_epoch"] - 1]
    assert record["history"] == folds[0]["history"] and "executions" not in record
    assert "; 120 to learn from in 3 folds, test " in said
    assert "cv: validated on 3-fold cross-validation over " in said
    assert "trial 0 fold 3/3 epoch 2/2" in said
    summary = json.loads((run / "run.json").read_text())["dataset"]
    assert summary["cv"]["folds"] == 3 and summary["validation"] == 120


@pytest.mark.slow
def test_a_trial_pruned_in_its_first_fold_trains_no_other(searched: tuple[Path, str]) -> None:
    record = _records(searched[0])[1.0e-6]
    assert record["status"] == "pruned", record.get("pruned")
    assert len(record["folds"]) == 1


@pytest.mark.slow
def test_the_refit_trains_for_the_folds_mean_best_epoch(searched: tuple[Path, str]) -> None:
    from tuner.engine.refit import refit_epochs

    run, _ = searched
    refit = json.loads((run / "best" / "test.json").read_text())["refit"]
    best = _records(run)[0.05]
    mean_best = statistics.fmean(f["best_epoch"] for f in best["folds"])  # type: ignore[misc]
    assert refit["epochs"] == refit_epochs(mean_best, 2, 1) == max(1, round(mean_best * 2 / 3))
    assert refit["samples"] == 120


def test_a_tie_on_the_objective_goes_to_the_lower_validation_loss() -> None:
    accuracy, loss = [0.5, 0.9, 0.9, 0.8], [1.0, 0.6, 0.4, 0.3]
    assert records.best_epoch(accuracy, True, loss) == 3
    assert records.best_epoch(accuracy, True) == 2  # no tie-breaker: the first
    assert records.best_epoch(accuracy, True, [1.0, float("nan"), float("nan"), 0.3]) == 2
    history = {"val_accuracy": accuracy, "val_loss": loss}
    assert records.best_epoch_of(history, "val_accuracy", True) == 3
    assert records.best_epoch_of(history, "val_loss", False) == 4


def test_the_search_checkpoint_keeps_the_epoch_the_record_names(tmp_path: Path) -> None:
    import keras
    import keras_tuner as kt

    from tuner.engine.kt_compat import AtomicSaveBestEpoch

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    path = tmp_path / "checkpoint.weights.h5"
    save = AtomicSaveBestEpoch(objective=kt.Objective("val_accuracy", "max"), filepath=str(path))
    save.set_model(model)
    weights: list[Any] = []
    logs = zip([0.5, 0.9, 0.9, 0.8], [1.0, 0.6, 0.4, 0.3], strict=True)
    for epoch, (accuracy, loss) in enumerate(logs):
        model.set_weights([np.full_like(w, epoch + 1.0) for w in model.get_weights()])
        weights.append(model.get_weights())
        save.on_epoch_end(epoch, {"val_accuracy": accuracy, "val_loss": loss})
    model.load_weights(path)
    for kept, epoch_three in zip(model.get_weights(), weights[2], strict=True):
        np.testing.assert_array_equal(kept, epoch_three)
