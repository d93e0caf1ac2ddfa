"""search.refit and `tuner refit`: the best configuration trained again on training +
validation data becomes best/model.keras, the search's checkpoint is kept beside it, and both
test scores are in test.json and the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tuner.engine.refit import refit_epochs


def test_the_refit_makes_as_many_updates_as_the_best_epoch_did() -> None:
    assert refit_epochs(10, 900, 100) == 9
    assert refit_epochs(1, 900, 100) == 1  # at least one
    assert refit_epochs(4, 500, 500) == 2


@pytest.mark.slow
def test_a_refit_search_exports_the_refit_model_and_keeps_the_searchs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import keras

    import tuner
    from tuner.cli import main

    config = {
        "name": "refit",
        "data": {"dataset": "digits", "limit": 200},
        "space": {
            "units": [4, 8],
            "learning_rate": {"min": 3.0e-3, "max": 3.0e-2, "sampling": "log"},
            "batch_size": 32,
        },
        "search": {"algorithm": "random", "max_trials": 2, "epochs": 2, "refit": True, "cv": None},
    }
    run = tuner.search(config, runs=tmp_path / "runs")
    best = run / "best"
    test = json.loads((best / "test.json").read_text())
    refit = test["refit"]
    assert refit["trial_id"] == test["trials"][0]["trial_id"] and refit["samples"] == 200
    assert set(refit["test"]) == {"accuracy", "loss"}
    searched = keras.saving.load_model(best / "search_model.keras")
    exported = keras.saving.load_model(best / "model.keras")
    from tuner.config.schema import load_config
    from tuner.data.datasets import load_dataset

    saved = load_config(run / "config.yaml")
    data = load_dataset(saved.data, saved.seed)
    scores = exported.evaluate(data.x_test, data.y_test, verbose=0, return_dict=True)
    assert scores["accuracy"] == pytest.approx(refit["test"]["accuracy"], abs=1e-6)
    first = searched.evaluate(data.x_test, data.y_test, verbose=0, return_dict=True)
    assert first["accuracy"] == pytest.approx(test["trials"][0]["test"]["accuracy"], abs=1e-6)
    page = tuner.report(run, out=tmp_path / "reports")
    report = (page.parent / "report.md").read_text()
    assert "Refit: trial" in report and "(the search's checkpoint: " in report

    kept = (best / "search_model.keras").read_bytes()
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    capsys.readouterr()
    assert main(["refit", str(run)]) == 0  # again, later: the search's checkpoint stays
    out, err = capsys.readouterr()
    assert out.startswith(f"refit: trial {refit['trial_id']} on training")
    assert err.startswith(
        f"refit: training trial {refit['trial_id']} on training + validation (200 samples) for "
    )  # said before the minutes of training, not only after
    assert (best / "search_model.keras").read_bytes() == kept

    # A refit cut short after it saved its model, before test.json named it: model.keras and
    # test.json are apart. The search run again sees it, rebuilds best/ and refits again.
    import hashlib
    import shutil

    shutil.copyfile(best / "search_model.keras", best / "model.keras")
    assert tuner.search(config, runs=tmp_path / "runs") == run
    again = json.loads((best / "test.json").read_text())
    assert again["model_sha256"] == hashlib.sha256((best / "model.keras").read_bytes()).hexdigest()
    assert again["refit"]["trial_id"] == again["trials"][0]["trial_id"]
    assert (best / "search_model.keras").is_file()
    # Asked for after the search finished, with one more trial: report.repeats runs on the
    # next search, and best/ is rebuilt whole for the best trial then, so the search's
    # checkpoint beside the new refit is that trial's, not the earlier best's.
    more = {
        **config,
        "search": {**config["search"], "max_trials": 3},
        "report": {"top_k": 1, "repeats": 1},
    }
    tuner.search(more, runs=tmp_path / "runs", fresh=False)
    after = json.loads((best / "test.json").read_text())
    assert len(after["repeats"][0]["runs"]) == 1
    assert after["refit"]["trial_id"] == after["trials"][0]["trial_id"]
    searched = keras.saving.load_model(best / "search_model.keras")
    scores = searched.evaluate(data.x_test, data.y_test, verbose=0, return_dict=True)
    assert scores["accuracy"] == pytest.approx(after["trials"][0]["test"]["accuracy"], abs=1e-6)
