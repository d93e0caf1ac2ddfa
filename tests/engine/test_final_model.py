"""search.final_model end to end on tiny data: every recipe asked for is trained from the best
trial and tested; the first is best/model.keras (the fold ensemble: one Keras model whose
output is its fold models' mean); the terminal and the report show them side by side; a
search asked again for another recipe redoes the step; the held-back slice is stratified, and
a series' is its latest stretch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from helpers.cli import run_tuner
from helpers.reports import report, table_rows

from tuner.config.sections import SearchSection
from tuner.data.synthetic_sets import make_set, write_set

RECIPES = ["ensemble", "checkpoint", "refit", "refit_stopped"]


def _config(data: Path, final_model: object) -> dict[str, object]:
    return {
        "name": "final",
        "seed": 3,
        "data": {"dataset": "sequences", "path": str(data)},
        "space": {"units": 4, "batch_size": 8},
        "search": {"max_trials": 1, "epochs": 2, "cv": {"folds": 3}, "final_model": final_model},
        "report": {"top_k": 1},
    }


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, np.ndarray]]:
    """One `tuner search` asking for every recipe, the ensemble exported."""
    root = tmp_path_factory.mktemp("final")
    arrays = make_set("motions", 2, train=24, test=16, steps=6)
    data = write_set(arrays, root / "motions.npz")
    (root / "final.yaml").write_text(yaml.safe_dump(_config(data, RECIPES)))
    done = run_tuner("search", "final.yaml", cwd=root)
    assert done.returncode == 0, done.stderr
    return root / "runs" / "final", done.stdout, arrays


@pytest.mark.slow
def test_every_recipe_is_tested_and_the_first_is_exported(
    searched: tuple[Path, str, dict[str, np.ndarray]],
) -> None:
    import keras

    run, _, arrays = searched
    test = json.loads((run / "best" / "test.json").read_text())
    finals = test["final_models"]
    assert [f["recipe"] for f in finals] == RECIPES
    assert [f["exported"] for f in finals] == [True, False, False, False]
    assert test["final_model"] == RECIPES
    ensemble = finals[0]
    assert ensemble["models"] == 3 and len(ensemble["epochs"]) == 3
    assert ensemble["samples"] == 16  # two of three folds of the 24 sequences
    assert finals[2]["samples"] == 24  # the refit: all of them
    assert finals[3]["samples"] < 24  # the held-back slice is not trained on
    # The checkpoint's test score is the search's, tested with the top trials.
    assert finals[1]["test"] == test["trials"][0]["test"]
    # best/model.keras is the ensemble, loaded by Keras alone: its output is the mean of its
    # three fold models', and it scores what test.json says.
    model = keras.saving.load_model(run / "best" / "model.keras")
    members = [layer for layer in model.layers if layer.name in ("fold_1", "fold_2", "fold_3")]
    assert len(members) == 3
    x = arrays["x_test"]
    mean = np.mean([m.predict(x, verbose=0) for m in members], axis=0)
    np.testing.assert_allclose(model.predict(x, verbose=0), mean, rtol=1e-5, atol=1e-6)
    accuracy = float(np.mean(mean.argmax(axis=1) == arrays["y_test"]))
    assert accuracy == pytest.approx(ensemble["test"]["accuracy"], abs=1e-6)
    # The search's own checkpoint is kept beside it.
    assert (run / "best" / "search_model.keras").is_file()


@pytest.mark.slow
def test_the_terminal_names_each_recipe_and_which_is_exported(
    searched: tuple[Path, str, dict[str, np.ndarray]],
) -> None:
    run, out, _ = searched
    finals = json.loads((run / "best" / "test.json").read_text())["final_models"]
    lines = [line for line in out.splitlines() if line.startswith("final model: ")]
    assert len(lines) == 3  # the checkpoint's scores are the best line's
    assert lines[0].startswith("final model: ensemble of trial 0 (the average of 3 fold models): ")
    assert lines[0].endswith("; best/model.keras")
    assert f"test accuracy {round(finals[0]['test']['accuracy'], 4):g}," in lines[0]
    assert lines[1].startswith(
        "final model: refit of trial 0 (trained again on training + validation): test accuracy "
    )
    assert lines[2].endswith("; tested beside it, not saved")


@pytest.mark.slow
def test_the_report_shows_the_recipes_side_by_side(
    searched: tuple[Path, str, dict[str, np.ndarray]], tmp_path: Path
) -> None:
    run, _, _ = searched
    markdown, _ = report(run, tmp_path / "reports")
    assert "Final model: best/model.keras is the ensemble model of trial 0" in markdown
    exported = "**Exported model:** ensemble of trial 0 (the average of 3 fold models; "
    assert exported + "search.final_model): test accuracy " in markdown
    assert "the exported one was chosen by the config before any test score was known" in markdown
    section = markdown.split("Final model: ", 1)[1].split("\n## ", 1)[0]
    recipes = [
        line.split("|")[1].strip()
        for line in section.splitlines()
        if line.startswith("|") and not line.startswith("|-")
    ]
    assert recipes[1:5] == RECIPES  # the header, then one row per recipe in the config's order
    assert table_rows(markdown, "Test evaluation")  # the top trials' table is still there


@pytest.mark.slow
def test_asking_for_another_recipe_redoes_the_step(
    searched: tuple[Path, str, dict[str, np.ndarray]], tmp_path: Path
) -> None:
    import shutil

    import keras

    import tuner

    run, _, _ = searched
    copy = tmp_path / "runs" / "final"
    shutil.copytree(run, copy)
    config = json.loads(json.dumps(yaml.safe_load((copy / "config.yaml").read_text())))
    config["search"]["final_model"] = "checkpoint"
    tuner.search(config, runs=tmp_path / "runs")
    test = json.loads((copy / "best" / "test.json").read_text())
    assert test["final_model"] == "checkpoint"
    assert [f["recipe"] for f in test["final_models"]] == ["checkpoint"]
    model = keras.saving.load_model(copy / "best" / "model.keras")
    assert model.name != "fold_ensemble"
    assert len(list((copy / "trials").glob("*.json"))) == 1  # no trial trained again


@pytest.mark.slow
def test_a_later_tuner_refit_takes_the_exported_mark(
    searched: tuple[Path, str, dict[str, np.ndarray]], tmp_path: Path
) -> None:
    """After `tuner refit`, test.json and the report describe the refit model that
    best/model.keras now is, not the ensemble the search exported."""
    import shutil

    import keras

    run, _, arrays = searched
    copy = tmp_path / "runs" / "final"
    shutil.copytree(run, copy)
    done = run_tuner("refit", str(copy), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    test = json.loads((copy / "best" / "test.json").read_text())
    finals = test["final_models"]
    assert [f["recipe"] for f in finals] == RECIPES  # the refit's entry replaced in place
    assert [f["exported"] for f in finals] == [False, False, True, False]
    assert finals[2]["test"] == test["refit"]["test"]
    model = keras.saving.load_model(copy / "best" / "model.keras")
    assert model.name != "fold_ensemble"
    predicted = model.predict(arrays["x_test"], verbose=0).argmax(axis=1)
    accuracy = float(np.mean(predicted == arrays["y_test"]))
    assert accuracy == pytest.approx(finals[2]["test"]["accuracy"], abs=1e-6)
    markdown, _ = report(copy, tmp_path / "reports")
    assert "Final model: best/model.keras is the refit model of trial 0 (tuner refit, after" in (
        markdown
    )
    assert "search.final_model exported the ensemble; tuner refit replaced it" in markdown
    exported = "**Exported model:** refit of trial 0 (trained again on training + validation; "
    assert exported + "tuner refit, after the search): test accuracy " in markdown
    assert "ensemble of trial 0" not in markdown.split("## ", 2)[1]  # not in the Summary


def test_auto_is_the_ensemble_with_folds_and_the_checkpoint_without() -> None:
    assert SearchSection().final_recipes(cross_validates=True) == ("ensemble",)
    assert SearchSection().final_recipes(cross_validates=False) == ("checkpoint",)
    assert SearchSection(refit=True).final_recipes(cross_validates=True) == ("refit",)
    listed = SearchSection(final_model=["refit_stopped", "checkpoint"])
    assert listed.final_recipes(cross_validates=False) == ("refit_stopped", "checkpoint")


def test_the_held_back_slice_is_stratified_and_a_series_holds_back_its_end() -> None:
    from tuner.data.datasets import Dataset
    from tuner.engine.final_model import held_back

    def dataset(task: str) -> Dataset:
        empty = np.zeros((0, 1, 1))
        return Dataset("d", task, empty, empty, empty, empty, empty, empty, 2, None, None, "")

    y = np.array([0] * 40 + [1] * 10)
    learn, held = held_back(y, 0.2, 1, dataset("classification"))
    assert len(held) == 10 and sorted(set(learn) | set(held)) == list(range(50))
    assert list(np.bincount(y[held])) == [8, 2]  # the classes' 4:1, as in the pool
    learn, held = held_back(np.arange(20.0), 0.25, 1, dataset("regression"))
    assert list(held) == [15, 16, 17, 18, 19] and list(learn) == list(range(15))
