"""--workers with storage: null: keras-tuner's chief and workers as real processes, one run
folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from helpers.resume import check_complete, check_kept, env, finished

from tuner.engine.workers import free_port, role_env, threads_per_worker

pytestmark = pytest.mark.slow

CONFIG = {
    "name": "par",
    "data": {"dataset": "mnist", "source": "bundled", "limit": 200},
    "space": {"units": [4, 8], "learning_rate": {"min": 1.0e-3, "max": 1.0e-2, "sampling": "log"}},
    # storage: null: keras-tuner's chief and workers, not the local study --workers uses for
    # random, tpe and grid (tests/end_to_end/test_storage.py)
    "search": {"algorithm": "random", "max_trials": 4, "epochs": 1, "cv": None, "storage": None},
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


def environment(pid: int) -> dict[str, str]:
    pairs = (
        item.split(b"=", 1)
        for item in (Path("/proc") / str(pid) / "environ").read_bytes().split(b"\0")
        if b"=" in item
    )
    return {k.decode(): v.decode() for k, v in pairs}


def test_a_crew_outlives_a_dead_worker_and_resumes_after_a_whole_kill(tmp_path: Path) -> None:
    """worker0 is killed mid-trial and restarted, each trial still recorded once; then the
    launcher, chief and workers are killed at once (a lost machine), and the search resumes
    to exactly max_trials with no finished record changed. TPE with median pruning:
    the sampler and the pruning reference are rebuilt from the records on disk. The crew is
    started by --gpus 0,1 (one worker per GPU; on a machine without one they train on the
    CPU): each worker sees its own GPU alone, with memory growth on, the chief none."""
    search = {
        **CONFIG["search"],
        "algorithm": "tpe",
        "pruning": {"rule": "median", "warmup_epochs": 0, "min_trials": 1},
    }
    (tmp_path / "par.yaml").write_text(yaml.safe_dump({**CONFIG, "search": search}))
    command = [sys.executable, "-m", "tuner", "search", "par.yaml", "--gpus", "0,1"]
    run, log = tmp_path / "runs" / "par", tmp_path / "first.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            command, cwd=tmp_path, env=env(), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the launcher and all it started
        )  # fmt: skip

    def wait_for(condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 300
        while not condition():
            assert process.poll() is None, f"the search ended before {what}: {log.read_text()}"
            assert time.monotonic() < deadline, f"no {what} in time"
            time.sleep(0.2)

    wait_for(
        lambda: any((run / "kt").glob("trial_*")) and pid_of("worker0", tmp_path) is not None,
        "trial under way",
    )
    victim = pid_of("worker0", tmp_path)
    assert victim is not None
    wait_for(lambda: pid_of("worker1", tmp_path) is not None, "worker1")
    for tuner_id, seen in (("worker0", "0"), ("worker1", "1"), ("chief", "")):
        pid = pid_of(tuner_id, tmp_path)
        assert pid is not None
        got = environment(pid)
        assert got["CUDA_VISIBLE_DEVICES"] == seen, tuner_id
        assert got["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"
        assert got["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false"
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: "worker0 died" in log.read_text() and len(finished(run)) >= 2, "restart")
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    before = finished(run)
    assert 2 <= len(before) < CONFIG["search"]["max_trials"]

    # resumed by one process (a second crew would cost the suite three more Keras imports):
    # the state it resumes from is the crew's, kept by its chief
    alone = command[: command.index("--gpus")]
    resumed = subprocess.run(
        alone, cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "[4/4]" in resumed.stderr and "best: trial" in resumed.stdout
    check_kept(before, finished(run))
    check_complete(run, CONFIG["search"]["max_trials"])
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


def test_a_chief_started_by_hand_holds_the_run_lock(tmp_path: Path) -> None:
    """A chief started by hand (KERASTUNER_TUNER_ID=chief) locks the run as a plain search
    does, so a plain `tuner search` of the same run is refused while it serves."""
    (tmp_path / "par.yaml").write_text(yaml.safe_dump(CONFIG))
    port = str(free_port())
    chief_env = {**env(), "KERASTUNER_TUNER_ID": "chief", "KERASTUNER_ORACLE_PORT": port}
    chief = subprocess.Popen(
        [sys.executable, "-m", "tuner", "search", "par.yaml"], cwd=tmp_path, env=chief_env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert chief.stderr is not None
        for line in chief.stderr:  # the chief has loaded the data: its lock is long taken
            if "validated on" in line:
                break
        plain = subprocess.run(
            [sys.executable, "-m", "tuner", "search", "par.yaml"], cwd=tmp_path, env=env(),
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert plain.returncode == 1
        assert plain.stderr.strip() == (
            f"error: runs/par is in use by another search (pid {chief.pid}); wait for it to "
            "end or stop it"
        )
    finally:
        chief.kill()
        chief.wait()
