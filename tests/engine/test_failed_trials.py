"""Failed trials: recorded with the reason and their hyperparameters; the search goes on."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers.cli import CRASH_DRIVER
from helpers.paths import subprocess_path

pytestmark = pytest.mark.slow

BASE = {
    "name": "tiny",
    "seed": 7,
    "data": {"dataset": "mnist", "source": "bundled", "limit": 200},
    "report": {"top_k": 2},
}


def run(folder: Path, config: dict[str, Any], *args: str, **env: str) -> Any:
    path = folder / "tiny.yaml"
    path.write_text(yaml.safe_dump({**BASE, **config}))
    command = [sys.executable, "-m", "tuner", *args, "search", str(path)]
    if env:
        command = [*CRASH_DRIVER, "search", str(path)]
    return subprocess.run(
        command,
        cwd=folder,
        env={**os.environ, "PYTHONPATH": subprocess_path(), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def records(folder: Path) -> list[dict[str, Any]]:
    trials = sorted((folder / "runs" / "tiny" / "trials").glob("*.json"))
    return [json.loads(p.read_text()) for p in trials]


def test_a_run_of_diverging_trials_is_recorded_failed_and_the_search_goes_on(
    tmp_path: Path,
) -> None:
    # relu units and a huge SGD step overflow within the first epoch; four in a row is more
    # than keras-tuner's default limit of three consecutive failures.
    huge = [1.0e6, 2.0e6, 3.0e6, 4.0e6]
    config = {
        "space": {
            "units": 8,
            "activation": "relu",
            "optimizer": "sgd",
            "learning_rate": [*huge, 1.0e-3],
            "batch_size": 64,
        },
        "search": {
            "algorithm": "grid",
            "max_trials": 5,
            "epochs": 5,
            "early_stopping": None,
            "cv": None,
        },
    }
    done = run(tmp_path, config)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    trials = records(tmp_path)
    assert [r["hyperparameters"]["learning_rate"] for r in trials] == [*huge, 1.0e-3]
    for record in trials[:4]:
        assert record["status"] == "failed" and record["score"] is None
        reason = re.fullmatch(r"loss became (nan|inf|-inf) at epoch (\d)", record["error"])
        assert reason, record["error"]
        assert record["epochs_run"] == int(reason[2]) < 5  # stopped at once
        assert record["best_epoch"] is None
        assert record["hyperparameters"]["optimizer"] == "sgd"
    assert "-> FAILED (loss became" in done.stderr  # the progress line says why
    fine = trials[4]
    assert fine["status"] == "completed" and math.isfinite(fine["score"])
    test = json.loads((tmp_path / "runs" / "tiny" / "best" / "test.json").read_text())
    assert [t["trial_id"] for t in test["trials"]] == [fine["trial_id"]]  # never a failed one

    reported = subprocess.run(
        [sys.executable, "-m", "tuner", "report"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": subprocess_path()},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert reported.returncode == 0, reported.stderr
    markdown = (tmp_path / "reports" / "tiny" / "report.md").read_text()
    assert "failed" in markdown.lower()


def test_an_exception_inside_a_trial_is_recorded_and_the_search_goes_on(tmp_path: Path) -> None:
    config = {
        "space": {"units": [4, 8], "batch_size": 64},
        "search": {"algorithm": "grid", "max_trials": 2, "epochs": 1, "cv": None},
    }
    done = run(tmp_path, config, KILL_AT="oom", KILL_TRIAL="0")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    first, second = records(tmp_path)
    assert first["status"] == "failed"
    assert first["error"] == "MemoryError: OOM when allocating tensor with shape[64,28,8]"
    assert first["hyperparameters"]["units"] == 4
    assert second["status"] == "completed"
