"""The kill -9 test over the algorithms that resume in their own way, with and without pruning
(a search with two workers killed whole: tests/end_to_end/test_workers.py): after the resume,
exactly max_trials records and no finished record changed."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
import yaml
from helpers.resume import CONFIG, check_complete, check_kept, finished, tuner

pytestmark = pytest.mark.slow


# The algorithms whose resume is their own (random search is what
# tests/end_to_end/test_kill_and_resume.py kills, and Bayesian search resumes as it does, from
# keras-tuner's own state): keras-tuner's grid (#1055), Hyperband's brackets with pruned
# records, TPE's Optuna study rebuilt with pruned records. Three, not every pair, for the
# suite's ten minutes (the nine pairs took about 170 s of its 660).
KILL_MATRIX = [("grid", None), ("hyperband", "median"), ("tpe", "median")]


@pytest.mark.parametrize(
    ("algorithm", "pruning"), KILL_MATRIX, ids=[f"{a}-{p or 'no'}-pruning" for a, p in KILL_MATRIX]
)
def test_a_killed_search_resumes_to_exactly_max_trials(
    tmp_path: Path, algorithm: str, pruning: str | None
) -> None:
    """keras-tuner's grid would end the resumed search early or fail with KeyError (#1055);
    TPE rebuilds its Optuna study from the trials; pruned records come through as they were.
    Killed right after the first record, every one must end with both trials, the first
    untouched."""
    config = tmp_path / "tiny.yaml"
    space = {**CONFIG["space"], "units": [4, 8], "learning_rate": 1.0e-2}
    search = {**CONFIG["search"], "algorithm": algorithm, "max_trials": 2}
    if algorithm == "hyperband":
        search["epochs"] = 2  # one-epoch brackets have nothing to cut
    if pruning:  # it may judge from the first trial on
        search["pruning"] = {"rule": pruning, "warmup_epochs": 0, "min_trials": 1}
    config.write_text(yaml.safe_dump({**CONFIG, "space": space, "search": search}))
    run = tmp_path / "runs" / "tiny"
    killed = tuner(tmp_path, "search", str(config), KILL_AT="after-record", KILL_TRIAL="0")
    assert killed.returncode == -signal.SIGKILL
    before = finished(run)
    assert sorted(before) == ["0"]
    resumed = tuner(tmp_path, "search", str(config))
    assert resumed.returncode == 0, resumed.stderr
    check_kept(before, finished(run))
    records = check_complete(run, 2)
    if algorithm == "grid":
        assert sorted(r["hyperparameters"]["units"] for r in records) == [4, 8]
