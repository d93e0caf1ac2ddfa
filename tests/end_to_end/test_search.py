"""End to end through the real CLI, real keras-tuner and real (tiny) Keras training."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
import yaml
from helpers.cli import run_tuner

if TYPE_CHECKING:
    from tuner.config.schema import Config
    from tuner.data.datasets import Dataset

pytestmark = pytest.mark.slow

TINY = {
    "name": "tiny",
    "seed": 7,
    "data": {"dataset": "mnist", "source": "bundled", "limit": 300},
    "space": {
        "units": [8, 16],
        "optimizer": ["sgd", "adam"],
        "momentum": {"min": 0.5, "max": 0.9, "when": {"optimizer": "sgd"}},
        "nesterov": {"value": True, "when": {"optimizer": "sgd"}},
        "learning_rate": {"min": 1.0e-3, "max": 1.0e-2, "sampling": "log"},
        "batch_size": 32,
    },
    "search": {"algorithm": "random", "max_trials": 2, "epochs": 2, "cv": None},
    "report": {"top_k": 2},
}


def write_config(folder: Path, **changes: object) -> Path:
    config = {**TINY, **changes}
    path = folder / f"{config['name']}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def tuner(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return run_tuner(*args, cwd=cwd, timeout=timeout)


def load_config_in(folder: Path, **changes: object) -> Config:
    from tuner.config.schema import load_config

    return load_config(write_config(folder, **changes))


def tiny_dataset(config: Config) -> Dataset:
    from tuner.data.datasets import load_dataset

    return load_dataset(config.data.model_copy(update={"limit": 120}), config.seed)


def run_search(config: Config, dataset: Dataset, run_dir: Path) -> None:
    """The search engine in this process, on the tensorflow backend."""
    from tuner.engine import backend

    backend.activate("tensorflow")
    from tuner.engine.search import run_search as search

    search(config, dataset, run_dir)


def records(run_dir: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((run_dir / "trials").glob("*.json"))]


@pytest.fixture(scope="module")
def searched(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """A folder holding tiny.yaml and runs/tiny, searched to the end by `tuner search` once
    for the tests of this file (each test that changes it works on a copy)."""
    folder = tmp_path_factory.mktemp("searched")
    done = tuner("search", str(write_config(folder)), cwd=folder)
    return folder, done


Here = Callable[..., tuple[int, str, str]]


@pytest.fixture
def here(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Here:
    """The CLI's entry point in this process, in a folder: (exit code, stdout, stderr). For
    steps whose process boundary is not the point: Keras is imported once per test process,
    not once per command (the fixture above runs `tuner search` as a real process)."""
    from tuner.cli import main

    monkeypatch.delenv("TUNER_DEBUG", raising=False)
    monkeypatch.delenv("KERAS_BACKEND", raising=False)

    def run(cwd: Path, *args: str) -> tuple[int, str, str]:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def copy_of(searched: tuple[Path, object], tmp_path: Path) -> Path:
    shutil.copytree(searched[0], tmp_path, dirs_exist_ok=True)
    return tmp_path


def test_search_then_report_then_evaluate(
    searched: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    folder, done = searched
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "[2/2] trial" in done.stderr and "100%" in done.stderr
    assert re.search(r"^  trial \d+ epoch 2/2: val_accuracy 0\.\d{4} loss ", done.stderr, re.M)
    run = folder / "runs" / "tiny"
    assert (run / "config.yaml").exists() and (run / "kt" / "oracle.json").exists()
    info = json.loads((run / "run.json").read_text())
    assert info["dataset"]["keras_backend"] == "tensorflow"

    trials = records(run)
    assert len(trials) == 2
    for record in trials:
        assert record["status"] == "completed"
        assert len(record["history"]["loss"]) == record["epochs_run"] == 2
        assert set(record["history"]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
        assert record["history"]["val_accuracy"][record["best_epoch"] - 1] == record["score"]
        assert record["steps_per_epoch"] == math.ceil(270 / 32)  # batch_size reaches fit()
        assert record["parameters"] > 0 and record["seconds"] > 0
        # a TensorFlow process training a model holds well over 100 MB, and less than 20 GB
        assert 100 < record["peak_memory_mb"] < 20_000

    test = json.loads((run / "best" / "test.json").read_text())
    assert [t["rank"] for t in test["trials"]] == [1, 2]
    assert 0.0 <= test["trials"][0]["test"]["accuracy"] <= 1.0
    assert test["test_samples"] == 1000
    rerun = yaml.safe_load((run / "best" / "hyperparameters.yaml").read_text())
    assert rerun["search"]["max_trials"] == 1
    assert all(not isinstance(v, list | dict) for v in rerun["space"].values())

    out = folder / "out"
    reported = tuner("report", "--out", str(out), cwd=folder)
    assert reported.returncode == 0, reported.stderr
    for name in ("index.html", "report.md", "trials.csv"):
        assert (out / "tiny" / name).stat().st_size > 0
    figures = list((out / "tiny" / "figures").glob("*.png"))
    assert len(figures) >= 3
    assert (out / "tiny" / "figures" / "memory.png").exists()  # the peaks against trial number
    assert (
        "Peak resident memory of the search process during each trial"
        in (out / "tiny" / "report.md").read_text()
    )
    assert all(f.read_bytes().startswith(b"\x89PNG") for f in figures)
    assert (out / "index.html").exists()
    # The top two on the same 1000 test samples: a paired test, from the per-sample outcomes.
    outcomes = np.load(run / "best" / "test_per_sample.npz")
    first, second = (outcomes[f"trial_{t['trial_id']}"] for t in test["trials"])
    assert first.mean() == pytest.approx(test["trials"][0]["test"]["accuracy"])
    report = (out / "tiny" / "report.md").read_text()
    only_first = int(((first == 1) & (second == 0)).sum())
    assert f"was wrong {only_first} times" in report and "(McNemar's exact test): p" in report


def test_the_exported_model_evaluates_raw_rows_and_refuses_wrong_shapes(
    searched: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path, here: Here
) -> None:
    folder, _ = searched
    rng = np.random.default_rng(0)
    data = tmp_path / "mine.npz"
    np.savez(data, x=rng.integers(0, 256, (40, 28, 28)).astype("float32"), y=np.arange(40) % 10)
    code, out, err = here(folder, "evaluate", "runs/tiny", "--data", str(data))
    assert code == 0, err
    assert "accuracy=" in out and "loss=" in out

    bad = tmp_path / "bad.npz"
    np.savez(bad, x=np.zeros((5, 8, 8), dtype="float32"), y=np.zeros(5))
    code, _, err = here(folder, "evaluate", "runs/tiny", "--data", str(bad))
    assert code == 2
    assert err.strip() == (
        f"error: {bad}: x: x has shape (5, 8, 8), the model reads (n, 28, 28); reshape x"
    )


def test_search_and_evaluate_on_jax(tmp_path: Path) -> None:
    """The tensorflow backend is the other tests' default; the config's `backend:` picks jax."""
    config = write_config(
        tmp_path, backend="jax", search={**TINY["search"], "max_trials": 1, "epochs": 1}
    )
    done = tuner("search", str(config), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    run = tmp_path / "runs" / "tiny"
    info = json.loads((run / "run.json").read_text())
    assert info["dataset"]["keras_backend"] == "jax"
    assert len(records(run)) == 1
    data = tmp_path / "mine.npz"
    np.savez(data, x=np.full((10, 28, 28), 30, dtype="float32"), y=np.arange(10))
    evaluated = tuner("evaluate", str(run), "--data", str(data), cwd=tmp_path)
    assert evaluated.returncode == 0, evaluated.stderr
    assert "accuracy=" in evaluated.stdout


def test_changed_config_stops_unless_fresh(
    searched: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path, here: Here
) -> None:
    folder = copy_of(searched, tmp_path)
    config = folder / "tiny.yaml"
    run = folder / "runs" / "tiny"
    before = {p: p.stat().st_mtime_ns for p in run.rglob("*") if p.is_file()}
    again = tuner("search", str(config), cwd=folder)  # finished: says so, writes nothing
    assert again.returncode == 0, again.stderr
    assert again.stderr.startswith("runs/tiny: this search is done (2 trials); raise ")
    assert "best: trial" in again.stdout and "Reloading" not in again.stderr + again.stdout
    assert {p: p.stat().st_mtime_ns for p in run.rglob("*") if p.is_file()} == before
    code, out, err = here(folder, "search", str(config), "--set", "search.max_trials=3")
    assert code == 0, err  # more trials continue the same run
    assert "Reloading" not in out + err  # keras-tuner's own line on a resume is held back
    assert len(records(run)) == 3 and not list((folder / "runs").glob("tiny.old-*"))
    changed = write_config(folder, search={**TINY["search"], "max_trials": 1, "epochs": 1})
    refused = tuner("search", str(changed), cwd=folder)
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        f"error: {changed}: differs from the run in runs/tiny in search.epochs; add --fresh to "
        "start over (the old run is moved aside) or restore those keys"
    )
    code, _, err = here(folder, "search", str(changed), "--fresh")
    assert code == 0, err
    assert len(records(run)) == 1
    old = [p for p in (folder / "runs").iterdir() if p.name.startswith("tiny.old-")]
    assert len(old) == 1 and len(records(old[0])) == 3  # moved aside, never deleted


def test_same_config_and_seed_give_the_same_trials(tmp_path: Path) -> None:
    """In this process (the search's own code, no CLI): the CLI's path is tested above."""
    search = {**TINY["search"], "algorithm": "bayesian", "max_trials": 2, "epochs": 1}
    config = load_config_in(tmp_path, search=search)
    dataset = tiny_dataset(config)
    sequences = []
    for folder in ("a", "b"):
        run_search(config, dataset, tmp_path / folder)
        sequences.append([r["hyperparameters"] for r in records(tmp_path / folder)])
    assert sequences[0] == sequences[1]
    assert len({json.dumps(h, sort_keys=True) for h in sequences[0]}) == 2


@pytest.mark.parametrize("algorithm", ["random", "bayesian", "hyperband", "grid", "tpe"])
def test_each_algorithm_runs_to_max_trials(tmp_path: Path, algorithm: str) -> None:
    space = {"units": [4, 8], "learning_rate": [1.0e-3, 1.0e-2], "batch_size": 64}
    # One epoch a trial; hyperband needs two to have brackets of different lengths.
    search = {
        "algorithm": algorithm,
        "max_trials": 3,
        "epochs": 2 if algorithm == "hyperband" else 1,
        "cv": None,
    }
    if algorithm == "grid":  # the whole 2 x 2 grid, or validation refuses it
        search["max_trials"] = 4
    config = load_config_in(tmp_path, space=space, search=search)
    cwd = os.getcwd()
    run_search(config, tiny_dataset(config), tmp_path / "run")
    assert os.getcwd() == cwd
    trials = records(tmp_path / "run")
    assert len(trials) == search["max_trials"]
    assert all(r["status"] == "completed" for r in trials)
    if algorithm == "grid":  # every point once
        points = {
            (r["hyperparameters"]["units"], r["hyperparameters"]["learning_rate"]) for r in trials
        }
        assert len(points) == 4
    if algorithm == "hyperband":
        assert all("tuner/epochs" in r["schedule"] for r in trials)


def test_bayesian_search_leaves_most_trials_to_its_model(tmp_path: Path) -> None:
    from tuner.config.schema import load_config
    from tuner.engine.search import initial_points

    space = {"units": [4, 8], "learning_rate": {"min": 1.0e-3, "max": 1.0e-2}, "batch_size": 64}
    config = load_config(write_config(tmp_path, space=space, search={"max_trials": 30}))
    assert initial_points(config) == 6  # 3 per varying parameter, fixed ones not counted
    config = load_config(write_config(tmp_path, space=space, search={"max_trials": 12}))
    assert initial_points(config) == 4  # at most a third of the budget
