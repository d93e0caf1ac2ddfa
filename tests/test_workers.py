"""--workers: keras-tuner's chief and workers as real processes, one run folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tuner.engine.workers import role_env, threads_per_worker

pytestmark = pytest.mark.slow

CONFIG = {
    "name": "par",
    "data": {"dataset": "mnist", "source": "bundled", "limit": 200},
    "space": {"units": [4, 8], "learning_rate": {"min": 1.0e-3, "max": 1.0e-2, "sampling": "log"}},
    "search": {"algorithm": "random", "max_trials": 4, "epochs": 1},
    "report": {"top_k": 1},
}


def records(run: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((run / "trials").glob("*.json"))]


def start(tmp_path: Path, workers: int = 2) -> subprocess.Popen[str]:
    (tmp_path / "par.yaml").write_text(yaml.safe_dump(CONFIG))
    command = [sys.executable, "-m", "tuner", "search", "par.yaml", "--workers", str(workers)]
    return subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def pid_of(tuner_id: str, cwd: Path) -> int | None:
    """The process in ``cwd`` whose environment names this keras-tuner participant (tests
    running in parallel may have their own worker0 elsewhere)."""
    for proc in Path("/proc").iterdir():
        try:
            env = (proc / "environ").read_bytes().split(b"\0")
            here = Path(os.readlink(proc / "cwd")) == cwd.resolve()
        except (OSError, ValueError):
            continue
        if here and f"KERASTUNER_TUNER_ID={tuner_id}".encode() in env:
            return int(proc.name)
    return None


def test_chief_and_two_workers_record_each_trial_once_though_one_is_killed(
    tmp_path: Path,
) -> None:
    process = start(tmp_path)
    run = tmp_path / "runs" / "par"
    deadline = time.monotonic() + 400
    victim = None
    while victim is None and time.monotonic() < deadline and process.poll() is None:
        # Kill worker0 once trials are under way and the search is not done.
        started = list((run / "kt").glob("trial_*")) if (run / "kt").exists() else []
        if started and len(records(run)) < 3:
            victim = pid_of("worker0", tmp_path)
        time.sleep(0.3)
    assert victim is not None, "worker0 never started"
    time.sleep(2)
    os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic()
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert "worker0 died" in err
    assert time.monotonic() - killed_at < 240
    trials = records(run)
    assert len(trials) == 4 and len({t["trial_id"] for t in trials}) == 4
    assert all(t["status"] == "completed" for t in trials)
    assert "[4/4]" in err and "best: trial" in out
    assert {p.name for p in (run / "logs").iterdir()} == {"chief.log", "worker0.log", "worker1.log"}
    assert (run / "best" / "model.keras").exists()


def test_cores_are_split_between_workers() -> None:
    assert threads_per_worker(2, cores=2) == 1
    assert threads_per_worker(3, cores=16) == 5
    assert threads_per_worker(4, cores=2) == 1
    env = role_env("worker1", 5000, 3)
    assert env["KERASTUNER_TUNER_ID"] == "worker1"
    assert env["KERASTUNER_ORACLE_IP"] == "127.0.0.1" and env["KERASTUNER_ORACLE_PORT"] == "5000"
    assert env["TF_NUM_INTRAOP_THREADS"] == "3" and env["OMP_NUM_THREADS"] == "3"


def test_a_chief_on_a_public_address_warns_about_the_protocol(tmp_path: Path) -> None:
    env = dict(os.environ, KERASTUNER_TUNER_ID="chief", KERASTUNER_ORACLE_IP="0.0.0.0")
    (tmp_path / "par.yaml").write_text(yaml.safe_dump(CONFIG))
    result = subprocess.run(
        [sys.executable, "-m", "tuner", "search", "par.yaml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: KERASTUNER_TUNER_ID=chief needs KERASTUNER_ORACLE_PORT, the chief's port "
        "(e.g. 8000); set it the same on the chief and every worker"
    )
