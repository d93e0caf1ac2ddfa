"""search.pruning: hopeless trials stop at an epoch's end, judged against the records on disk
(Optuna's median rule, or successive halving), are recorded as pruned with their history,
never as failed, and the report says how many epochs it saved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers.records import make_record

from tuner.config.sections import PruningSection
from tuner.engine.pruning import prune_reason


def peer(trial_id: str, curve: list[float], status: str = "completed") -> dict[str, Any]:
    record = make_record(trial_id, int(trial_id) + 1, max(curve), status=status)
    record["history"] = {"val_accuracy": curve}
    return record


PEERS = [peer("0", [0.5, 0.6, 0.7]), peer("1", [0.3, 0.4, 0.5]), peer("2", [0.2, 0.3, 0.4])]


def test_the_median_rule_follows_optuna() -> None:
    rule = PruningSection(rule="median", warmup_epochs=1, min_trials=3)
    # Epoch 2: the median of the completed trials is 0.4; the trial's best so far counts.
    assert prune_reason(rule, "val_accuracy", True, [0.2, 0.35], PEERS) == (
        "best val_accuracy 0.35 by epoch 2 is worse than the median 0.4 of 3 completed trials "
        "at that epoch"
    )
    assert prune_reason(rule, "val_accuracy", True, [0.45, 0.35], PEERS) is None
    assert prune_reason(rule, "val_accuracy", True, [0.1], PEERS) is None  # warm-up
    assert prune_reason(rule, "val_accuracy", True, [0.1, 0.1], PEERS[:2]) is None  # 2 < 3
    pruned = [*PEERS[:2], peer("2", [0.2, 0.3], status="pruned")]
    assert prune_reason(rule, "val_accuracy", True, [0.1, 0.1], pruned) is None  # completed only
    loss = [peer("0", [1.0, 0.8]), peer("1", [1.2, 0.9]), peer("2", [1.1, 0.7])]
    assert prune_reason(rule, "val_loss", False, [1.3, 1.0], loss) is None  # no val_loss kept
    for record in loss:
        record["history"] = {"val_loss": record["history"]["val_accuracy"]}
    assert prune_reason(rule, "val_loss", False, [1.3, 0.85], loss) is not None  # 0.85 > 0.8


def test_successive_halving_keeps_the_best_third_at_each_rung() -> None:
    rule = PruningSection(rule="asha", warmup_epochs=1, min_trials=3, reduction=3)
    # Rungs at epochs 1, 3, 9: at epoch 3 four trials compete, so the best one goes on.
    assert prune_reason(rule, "val_accuracy", True, [0.3, 0.5, 0.75], PEERS) is None
    assert prune_reason(rule, "val_accuracy", True, [0.3, 0.5, 0.6], PEERS) == (
        "val_accuracy 0.6 at epoch 3 is not among the best 1 of 4 trials at that rung"
    )
    assert prune_reason(rule, "val_accuracy", True, [0.3, 0.1], PEERS) is None  # not a rung


@pytest.fixture(scope="module")
def pruned_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two real grid searches over a good, a good and a hopeless learning rate (1e-6), with
    each rule; the hopeless trial comes last, after two to compare with."""
    import tuner

    root = tmp_path_factory.mktemp("pruning")
    runs = {}
    for rule in ("median", "asha"):
        config = {
            "name": rule,
            "seed": 3,
            "data": {"dataset": "digits", "limit": 300},
            "space": {"units": 8, "learning_rate": [3.0e-2, 1.0e-2, 1.0e-6], "batch_size": 32},
            "search": {
                "algorithm": "grid",
                "max_trials": 3,
                "epochs": 3,
                "early_stopping": None,
                "pruning": {"rule": rule, "warmup_epochs": 0, "min_trials": 2},
                "cv": None,
            },
        }
        runs[rule] = tuner.search(config, runs=root / "runs")
        tuner.report(runs[rule], out=root / "reports")
    runs["reports"] = root / "reports"
    return runs


@pytest.mark.slow
@pytest.mark.parametrize("rule", ["median", "asha"])
def test_a_hopeless_trial_is_pruned_recorded_and_reported(
    pruned_runs: dict[str, Path], rule: str
) -> None:
    records = {
        r["hyperparameters"]["learning_rate"]: r
        for r in (json.loads(p.read_text()) for p in (pruned_runs[rule] / "trials").glob("*.json"))
    }
    hopeless = records[1.0e-6]
    assert hopeless["status"] == "pruned" and hopeless["epochs_run"] == 1
    assert hopeless["pruned"] and len(hopeless["history"]["val_accuracy"]) == 1
    assert all(records[lr]["status"] == "completed" for lr in (3.0e-2, 1.0e-2))
    test = json.loads((pruned_runs[rule] / "best" / "test.json").read_text())
    assert str(test["trials"][0]["trial_id"]) != hopeless["trial_id"]
    report = (pruned_runs["reports"] / rule / "report.md").read_text()
    assert (
        f"- **Pruning:** {rule}, after 0 warm-up epochs and 2 trials: 1 of 3 trials pruned, "
        "saving 2 of 9 epochs (22%)" in report
    )
    assert "1 pruned" in report and "failed" not in report.split("## Leaderboard")[0]
