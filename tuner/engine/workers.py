"""--workers N: a keras-tuner chief and N workers on this machine, sharing one run folder.

keras-tuner's own distributed protocol does the scheduling: every process runs the same
`tuner search`, told its role by KERASTUNER_TUNER_ID / KERASTUNER_ORACLE_IP /
KERASTUNER_ORACLE_PORT. This module only starts the processes, splits the cores between
them, shows one combined progress display from the records they write, restarts a worker
that died (keras-tuner hands its unfinished trial back to a worker with the same ID) and
stops everything on Ctrl-C.

The crew never outlives the launcher: on Linux the kernel kills each process the moment the
launcher dies (PR_SET_PDEATHSIG; a closed ssh session, the OOM killer, kill -9), and they stay
in the launcher's process group, so a signal to the group (a terminal hangup, Ctrl-C) reaches
them all. Every process also inherits the launcher's lock on the run folder, so wherever the
first guard is missing, a second search of the run is refused while any of them lives.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tuner.config.schema import Config
from tuner.engine import signals
from tuner.engine.progress import Progress
from tuner.errors import TunerError
from tuner.run import layout, records, role, run_lock

LOOPBACK = "127.0.0.1"
MAX_RESTARTS = 3  # a worker that keeps dying is a bug, not bad luck: stop retrying
POLL_SECONDS = 0.5
STOP_GRACE_SECONDS = 20
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def member_command(config_file: Path, runs: Path, verbose: bool) -> list[str]:
    """The `tuner search` each process a search starts runs: the config as run (overrides
    applied, defaults resolved), which every member reads."""
    command = [sys.executable, "-m", "tuner", "search", str(config_file), "--runs", str(runs)]
    return command + (["--verbose"] if verbose else [])


def free_port(host: str = LOOPBACK) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        sock.bind((host.strip("[]"), 0))
        return int(sock.getsockname()[1])


def oracle_host(address: str) -> str:
    """KERASTUNER_ORACLE_IP as keras-tuner needs it. Its chief and clients both form the gRPC
    address as f"{ip}:{port}", so an IPv6 address (::1, ::) must come in brackets: [::1]:8000.
    Host names and IPv4 addresses never hold a colon and pass unchanged."""
    bare = address.strip().strip("[]")
    return f"[{bare}]" if ":" in bare else address.strip()


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    return max(1, (cores or os.cpu_count() or 1) // workers)


def role_env(tuner_id: str, port: int, threads: int, host: str = LOOPBACK) -> dict[str, str]:
    """The environment of one participant: its keras-tuner role and its share of the cores."""
    env = dict(os.environ)
    env.update({role.TUNER_ID: tuner_id, role.ORACLE_IP: oracle_host(host)})
    env.update({role.ORACLE_PORT: str(port)}, **cpu_env(threads))
    return env


def cpu_env(threads: int) -> dict[str, str]:
    """A process's share of the cores: TensorFlow, oneDNN/OpenMP and XLA each read their own
    variable."""
    return {
        "TF_NUM_INTRAOP_THREADS": str(threads),
        "TF_NUM_INTEROP_THREADS": "1",
        "OMP_NUM_THREADS": str(threads),
        "XLA_FLAGS": f"--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads={threads}",
        "PYTHONUNBUFFERED": "1",
    }


def gpu_env(gpu: int | None) -> dict[str, str]:
    """What one process sees of the GPUs: only ``gpu``, or none (None: the chief, which trains
    nothing), with memory taken as needed rather than all at once (TensorFlow's and JAX's
    variables), so nothing else on the card is starved."""
    return {
        "CUDA_VISIBLE_DEVICES": "" if gpu is None else str(gpu),
        "TF_FORCE_GPU_ALLOW_GROWTH": "true",
        "XLA_PYTHON_CLIENT_PREALLOCATE": "false",
    }


def dies_with_launcher() -> Callable[[], None] | None:
    """A preexec_fn that has the kernel SIGKILL the child when the launcher dies (Linux), or
    None where prctl is not available. SIGKILL, not SIGTERM: a worker waiting on a dead chief
    (keras-tuner's calls wait for the server) or a chief serving would outlive a first SIGTERM,
    and a kill loses nothing (records and keras-tuner's state are written atomically)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    launcher, kill = os.getpid(), int(signal.SIGKILL)

    def arm() -> None:  # runs in the child between fork and exec: nothing that allocates much
        if prctl(PR_SET_PDEATHSIG, kill, 0, 0, 0) == 0 and os.getppid() != launcher:
            os.kill(os.getpid(), kill)  # the launcher died before the guard was set

    return arm


class _Participant:
    def __init__(
        self,
        tuner_id: str,
        command: list[str],
        env: dict[str, str],
        log: Path,
        run_dir: Path,
        inherits_lock: bool = True,
    ):
        self.inherits_lock = inherits_lock  # a storage peer takes its own share of the lock
        self.tuner_id = tuner_id
        self.command = command
        self.env = env
        self.log_path = log
        self.run_dir = run_dir
        self.restarts = 0
        self.process = self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        lock = run_lock.lock_fd(self.run_dir) if self.inherits_lock else None
        with open(self.log_path, "ab") as log:  # the child keeps its own copy
            process = subprocess.Popen(
                self.command,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=() if lock is None else (lock,),  # it holds the run's lock too
                preexec_fn=dies_with_launcher(),
                # the launcher's process group (Popen's default, said here on purpose): a
                # signal to the group reaches the whole crew
                start_new_session=False,
            )
        run_lock.add_holder(self.run_dir, process.pid)
        return process

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


def run_parallel(
    command: list[str], config: Config, run_dir: Path, workers: int, gpus: list[int] | None = None
) -> None:
    """Run the search with a local chief and ``workers`` workers (with ``gpus``, worker i on
    GPU gpus[i] alone); returns when it is done."""
    port = free_port()
    threads = threads_per_worker(workers)
    logs = layout.logs_dir(run_dir)
    on = f" on GPUs {', '.join(map(str, gpus))}" if gpus else ""
    print(
        f"{workers} workers{on} x {threads} thread(s), chief on {oracle_host(LOOPBACK)}:{port}; "
        f"logs in {logs}/",
        file=sys.stderr,
    )
    done = {r["trial_id"] for r in records.read_records(run_dir)[0]}
    progress = Progress(config.search.max_trials, config.space.varying, done=len(done))

    lock = run_lock.lock_fd(run_dir)
    held = {} if lock is None else {role.INHERITED_LOCK_FD: str(lock)}  # the chief adopts it

    def env_of(tuner_id: str, threads: int, gpu: int | None) -> dict[str, str]:
        return {**role_env(tuner_id, port, threads), **(gpu_env(gpu) if gpus else {}), **held}

    chief_env = env_of("chief", 1, None)
    chief = _Participant("chief", command, chief_env, layout.log_file(run_dir, "chief"), run_dir)
    crew = [
        _Participant(
            f"worker{i}",
            command,
            env_of(f"worker{i}", threads, gpus[i] if gpus else None),
            layout.log_file(run_dir, f"worker{i}"),
            run_dir,
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


def run_peers(
    command: list[str], config: Config, run_dir: Path, workers: int, gpus: list[int] | None = None
) -> None:
    """search.storage: ``workers`` processes of the study on this machine, no chief (with
    ``gpus``, process i on GPU gpus[i] alone); returns when every one has ended."""
    threads = threads_per_worker(workers)
    logs = layout.logs_dir(run_dir)
    on = f" on GPUs {', '.join(map(str, gpus))}" if gpus else ""
    print(f"{workers} processes{on} x {threads} thread(s); logs in {logs}/", file=sys.stderr)
    done = {r["trial_id"] for r in records.read_records(run_dir)[0]}
    progress = Progress(config.search.max_trials, config.space.varying, done=len(done))
    peers = []
    for i in range(workers):
        env = {**os.environ, **cpu_env(threads), **(gpu_env(gpus[i]) if gpus else {})}
        for name in (role.TUNER_ID, role.ORACLE_IP, role.ORACLE_PORT, role.INHERITED_LOCK_FD):
            env.pop(name, None)  # each is a plain `tuner search` of the study
        log = layout.log_file(run_dir, f"process{i}")
        peers.append(_Participant(f"process{i}", command, env, log, run_dir, inherits_lock=False))
    try:
        while any(p.process.poll() is None for p in peers):
            signals.check()
            _restart_dead(peers)
            _show_new(run_dir, done, progress)
            time.sleep(POLL_SECONDS)
        _restart_dead(peers)  # one that died last: its trial is queued again, and run by it
        while any(p.process.poll() is None for p in peers):
            time.sleep(POLL_SECONDS)
    finally:
        for member in peers:
            member.stop()
        for member in peers:
            member.wait(STOP_GRACE_SECONDS)
    _show_new(run_dir, done, progress)


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
