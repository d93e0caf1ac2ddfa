"""report.repeats and executions_per_trial: the top trials trained again with other seeds give
mean ± sd in test.json, the terminal and the report; a trial's every execution is recorded."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import numpy as np
import pytest
import yaml

from tuner.engine.repeats import KeepBestWeights, mean_sd


def test_mean_sd_is_the_sample_standard_deviation_of_the_finite_values() -> None:
    assert mean_sd([0.8, 0.9, float("nan")]) == pytest.approx(
        {"mean": 0.85, "sd": statistics.stdev([0.8, 0.9]), "n": 2}
    )
    assert mean_sd([0.7]) == {"mean": 0.7, "sd": 0.0, "n": 1}


def test_the_best_epochs_weights_are_put_back_when_training_ends() -> None:
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    keep = KeepBestWeights("val_accuracy", maximize=True)
    keep.set_model(model)
    snapshots = []
    for epoch, score in enumerate([0.5, 0.9, 0.7]):
        model.set_weights([w + epoch + 1 for w in model.get_weights()])
        snapshots.append(model.get_weights())
        keep.on_epoch_end(epoch, {"val_accuracy": score})
    keep.on_train_end()
    for kept, best in zip(model.get_weights(), snapshots[1], strict=True):
        np.testing.assert_array_equal(kept, best)


@pytest.mark.slow
def test_repeats_and_executions_are_recorded_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import tuner
    from tuner.cli import main

    config = {
        "name": "repeats",
        "data": {"dataset": "digits", "limit": 100},
        "space": {"units": [4, 8], "learning_rate": 1.0e-2, "batch_size": 32},
        "search": {"algorithm": "grid", "max_trials": 2, "epochs": 2, "executions_per_trial": 2},
        "report": {"top_k": 2, "repeats": 2},
    }
    path = tmp_path / "repeats.yaml"
    path.write_text(yaml.safe_dump(config))
    monkeypatch.chdir(tmp_path)
    assert main(["search", str(path)]) == 0
    out, err = capsys.readouterr()
    assert (
        "repeats: training the top 2 trials 2 more times each with other seeds (4 runs of " in err
    )
    assert [line.split(" done")[0] for line in err.splitlines() if " done (trial " in line] == [
        f"repeats: {n}/4" for n in range(1, 5)
    ]  # a line as each run ends: minutes of training are never silent
    run = tmp_path / "runs" / "repeats"

    for file in (run / "trials").glob("*.json"):
        record = json.loads(file.read_text())
        executions = record["executions"]
        assert len(executions) == 2 and executions[0] == record["history"]
        best = [max(e["val_accuracy"]) for e in executions]  # each execution at its best epoch
        assert record["score"] == pytest.approx(statistics.fmean(best))

    test = json.loads((run / "best" / "test.json").read_text())
    repeats = test["repeats"]
    ranked = [t["trial_id"] for t in test["trials"]]
    assert [r["trial_id"] for r in repeats] == ranked  # the top_k, best first
    seeds = [run_["seed"] for r in repeats for run_ in r["runs"]]
    assert len(set(seeds)) == 4
    for entry in repeats:
        runs = entry["runs"]
        assert len(runs) == 2
        for again in runs:
            assert again["score"] == max(again["history"]["val_accuracy"])
            assert 0.0 <= again["test"]["accuracy"] <= 1.0
        scores = [r["score"] for r in runs]
        assert entry["validation"]["mean"] == pytest.approx(statistics.fmean(scores))
        assert entry["validation"]["sd"] == pytest.approx(statistics.stdev(scores))
        tests = [r["test"]["accuracy"] for r in runs]
        assert entry["test"]["accuracy"]["mean"] == pytest.approx(statistics.fmean(tests))
        line = f"repeats: trial {entry['trial_id']} val_accuracy {entry['validation']['mean']:.4f}"
        assert line in out

    page = tuner.report(run, out=tmp_path / "reports")
    report = (page.parent / "report.md").read_text()
    assert "Repeats: each trial trained again with 2 other seeds" in report
    assert "test accuracy again" in report and " ± " in report
