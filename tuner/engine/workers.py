"""--workers N: a keras-tuner chief and N workers on this machine, sharing one run folder.

keras-tuner's own distributed protocol does the scheduling: every process runs the same
`tuner search`, told its role by KERASTUNER_TUNER_ID / KERASTUNER_ORACLE_IP /
KERASTUNER_ORACLE_PORT. This module only starts the processes, splits the cores between
them, shows one combined progress display from the records they write, restarts a worker
that died (keras-tuner hands its unfinished trial back to a worker with the same ID) and
stops everything on Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

from tuner.config.schema import Config
from tuner.engine import signals
from tuner.engine.progress import Progress
from tuner.errors import TunerError
from tuner.run import records

LOOPBACK = "127.0.0.1"
MAX_RESTARTS = 3  # a worker that keeps dying is a bug, not bad luck: stop retrying
POLL_SECONDS = 0.5
STOP_GRACE_SECONDS = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    return max(1, (cores or os.cpu_count() or 1) // workers)


def role_env(tuner_id: str, port: int, threads: int) -> dict[str, str]:
    """The environment of one participant: its keras-tuner role and its share of the cores."""
    env = dict(os.environ)
    env.update(
        KERASTUNER_TUNER_ID=tuner_id,
        KERASTUNER_ORACLE_IP=LOOPBACK,
        KERASTUNER_ORACLE_PORT=str(port),
        # TensorFlow, oneDNN/OpenMP and XLA each read their own variable.
        TF_NUM_INTRAOP_THREADS=str(threads),
        TF_NUM_INTEROP_THREADS="1",
        OMP_NUM_THREADS=str(threads),
        XLA_FLAGS=f"--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads={threads}",
        PYTHONUNBUFFERED="1",
    )
    return env


class _Participant:
    def __init__(self, tuner_id: str, command: list[str], env: dict[str, str], log: Path):
        self.tuner_id = tuner_id
        self.command = command
        self.env = env
        self.log_path = log
        self.restarts = 0
        self.process = self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log: IO[bytes] = open(self.log_path, "ab")  # noqa: SIM115 (the child owns it)
        return subprocess.Popen(self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def restart(self) -> None:
        self.restarts += 1
        self.process = self._start()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait(self, seconds: float) -> None:
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def run_parallel(command: list[str], config: Config, run_dir: Path, workers: int) -> None:
    """Run the search with a local chief and ``workers`` workers; returns when it is done."""
    port = free_port()
    threads = threads_per_worker(workers)
    logs = run_dir / "logs"
    print(
        f"{workers} workers x {threads} thread(s), chief on {LOOPBACK}:{port}; logs in {logs}/",
        file=sys.stderr,
    )
    done = {r["trial_id"] for r in records.read_records(run_dir)[0]}
    progress = Progress(config.search.max_trials, config.space.varying, done=len(done))
    chief = _Participant("chief", command, role_env("chief", port, 1), logs / "chief.log")
    crew = [
        _Participant(
            f"worker{i}", command, role_env(f"worker{i}", port, threads), logs / f"worker{i}.log"
        )
        for i in range(workers)
    ]
    try:
        while chief.process.poll() is None:
            signals.check()
            _restart_dead(crew)
            _show_new(run_dir, done, progress)
            time.sleep(POLL_SECONDS)
    finally:
        for member in (*crew, chief):
            member.stop()
        for member in (*crew, chief):
            member.wait(STOP_GRACE_SECONDS)
    _show_new(run_dir, done, progress)
    if chief.process.returncode != 0:
        raise TunerError(
            f"the chief stopped with exit code {chief.process.returncode}; see {chief.log_path}"
        )


def _restart_dead(crew: list[_Participant]) -> None:
    for member in crew:
        code = member.process.poll()
        if code is None or code == 0:
            continue
        if member.restarts >= MAX_RESTARTS:
            raise TunerError(
                f"{member.tuner_id} died {member.restarts + 1} times (last exit code {code}); "
                f"see {member.log_path}"
            )
        print(f"{member.tuner_id} died (exit code {code}); restarting it", file=sys.stderr)
        member.restart()


def _show_new(run_dir: Path, done: set[str], progress: Progress) -> None:
    finished, _ = records.read_records(run_dir)
    ranked = records.ranked(finished)
    for record in finished:
        if record["trial_id"] not in done:
            done.add(record["trial_id"])
            progress.trial_finished(record, ranked[0] if ranked else None)
