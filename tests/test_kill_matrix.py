"""The kill -9 test over every algorithm, with and without pruning, and over a search with
two workers: after the resume, exactly max_trials records and no finished record changed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from resume_helpers import CONFIG, check_complete, check_kept, env, finished, tuner

pytestmark = pytest.mark.slow


# Every algorithm with and without pruning; random search alone is what the tests above kill.
KILL_MATRIX = [
    (algorithm, pruning)
    for algorithm in ("random", "bayesian", "hyperband", "grid", "tpe")
    for pruning in (None, "median")
    if (algorithm, pruning) != ("random", None)
]


@pytest.mark.parametrize(
    ("algorithm", "pruning"), KILL_MATRIX, ids=[f"{a}-{p or 'no'}-pruning" for a, p in KILL_MATRIX]
)
def test_a_killed_search_resumes_to_exactly_max_trials(
    tmp_path: Path, algorithm: str, pruning: str | None
) -> None:
    """keras-tuner's grid would end the resumed search early or fail with KeyError (#1055);
    TPE rebuilds its Optuna study from the trials; pruned records come through as they were.
    Every one must finish the same three trials, the finished ones untouched."""
    config = tmp_path / "tiny.yaml"
    space = {**CONFIG["space"], "units": [4, 8, 16], "learning_rate": 1.0e-2}
    search = {**CONFIG["search"], "algorithm": algorithm, "max_trials": 3}
    if algorithm == "hyperband":
        search["epochs"] = 2  # one-epoch brackets have nothing to cut
    if pruning:  # it may judge from the first trial on
        search["pruning"] = {"rule": pruning, "warmup_epochs": 0, "min_trials": 1}
    config.write_text(yaml.safe_dump({**CONFIG, "space": space, "search": search}))
    run = tmp_path / "runs" / "tiny"
    killed = tuner(tmp_path, "search", str(config), KILL_AT="after-record", KILL_TRIAL="1")
    assert killed.returncode == -signal.SIGKILL
    before = finished(run)
    assert sorted(before) == ["0", "1"]
    resumed = tuner(tmp_path, "search", str(config))
    assert resumed.returncode == 0, resumed.stderr
    check_kept(before, finished(run))
    records = check_complete(run, 3)
    if algorithm == "grid":
        assert sorted(r["hyperparameters"]["units"] for r in records) == [4, 8, 16]


def test_a_search_with_two_workers_killed_whole_resumes_to_exactly_max_trials(
    tmp_path: Path,
) -> None:
    """kill -9 of the launcher, the chief and both workers at once (as a lost machine does),
    mid-search, then the same command again; TPE with pruning, whose references are on disk."""
    max_trials = 4
    search = {
        **CONFIG["search"],
        "algorithm": "tpe",
        "max_trials": max_trials,
        "pruning": {"rule": "median", "warmup_epochs": 0, "min_trials": 1},
    }
    config = tmp_path / "tiny.yaml"
    config.write_text(yaml.safe_dump({**CONFIG, "search": search}))
    run = tmp_path / "runs" / "tiny"
    command = [sys.executable, "-m", "tuner", "search", str(config), "--workers", "2"]
    process = subprocess.Popen(
        command,
        cwd=tmp_path,
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the launcher and everything it started
    )
    deadline = time.monotonic() + 300
    while len(finished(run)) < 2:
        assert process.poll() is None, "the search ended before it could be killed"
        assert time.monotonic() < deadline, "no two trials finished in time"
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    before = finished(run)
    assert 2 <= len(before) < max_trials

    resumed = subprocess.run(
        command, cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    check_kept(before, finished(run))
    check_complete(run, max_trials)
