"""Issue 14: processes, the run lock, damaged run files and numbers past 32 bits.

A killed --workers launcher takes its crew with it and leaves a run that the same command
finishes; a lock file that cannot be opened or written stops the search with one line naming
it; --fresh recovers a run whose config is damaged; a damaged run.json is kept aside; values
that overflow float32 or int32 are refused with their file and place; an IPv6 chief address
is bracketed the way gRPC needs. One real --workers search for the whole module."""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from helpers.cli import run_tuner
from helpers.configs import TINY_SEARCH
from helpers.paths import REPO

from tuner import cli
from tuner.config.schema import load_config
from tuner.config.sections import DataSection
from tuner.data import datasets, series_csv
from tuner.engine import workers
from tuner.errors import ConfigError, DataError, TunerError
from tuner.run import folder as run_folder
from tuner.run import run_lock

# storage: null keeps keras-tuner's chief and workers (a random search's --workers would share a
# local Optuna study otherwise)
CREW_CONFIG = {
    **TINY_SEARCH,
    "name": "crew",
    "search": {**TINY_SEARCH["search"], "max_trials": 2, "storage": None},
}
INTACT = "and run the same command to resume (the files written before are intact)"


def wait_for(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up after {seconds} s waiting for {what}"
        time.sleep(0.1)


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent (or init) to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def role_of(pid: int) -> str | None:
    try:
        env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    found = [v for v in env if v.startswith(b"KERASTUNER_TUNER_ID=")]
    return found[0].split(b"=", 1)[1].decode() if found else None


def holds(pid: int, lock: Path) -> bool:
    fds = Path(f"/proc/{pid}/fd")
    return any(os.path.realpath(fd) == str(lock.resolve()) for fd in fds.iterdir())


# --- 1. the crew dies with its launcher, and a re-run finishes the run ----------------------


@dataclass(frozen=True)
class Crew:
    launcher: int
    roles: dict[str, int]  # chief, worker0, worker1 -> pid
    holding_the_lock: dict[str, bool]  # before the launcher was killed
    refusal: str  # a second search's error then
    survivors: list[str]  # roles still running once the deadline passed
    rerun: subprocess.CompletedProcess[str]
    trials: list[dict[str, Any]]


@pytest.fixture(scope="module")
def killed_crew(tmp_path_factory: pytest.TempPathFactory) -> Crew:
    """`tuner search --workers 2`, SIGKILLed (the launcher alone) once its chief and workers
    run, then the same command without workers (cheaper than a second crew). The kernel's
    guard is armed from each one's start, so the crew is killed as soon as it is up: waiting
    until they train would only add three Keras imports to the suite's time."""
    folder = tmp_path_factory.mktemp("crew")
    (folder / "crew.yaml").write_text(yaml.safe_dump(CREW_CONFIG))
    run = folder / "runs" / "crew"
    env = {k: v for k, v in os.environ.items() if k not in ("KERAS_BACKEND", "TUNER_DEBUG")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    with open(folder / "launcher.log", "wb") as log:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "tuner", "search", "crew.yaml", "--workers", "2"],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    lock = run / run_folder.LOCK_FILE

    def crew() -> list[int]:  # the launcher writes its own pid, then each it starts
        return [int(p) for p in lock.read_text().split()[1:]] if lock.exists() else []

    def crew_up() -> bool:  # each runs `tuner search` in its role: /proc shows its new environ
        return len(crew()) == 3 and all(role_of(pid) for pid in crew())

    try:
        wait_for(crew_up, 300, "the chief and two workers to start")
        roles = {role_of(pid) or "?": pid for pid in crew()}
        holding = {role: holds(pid, lock) for role, pid in roles.items()}
        with pytest.raises(TunerError) as refused:  # what a second launcher would be told
            run_lock.claim(run)
        launcher.send_signal(signal.SIGKILL)
        launcher.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in roles.values()) and time.monotonic() < deadline:
            time.sleep(0.1)
        survivors = [role for role, pid in roles.items() if alive(pid)]
    finally:
        launcher.kill()
        launcher.wait()
        for pid in crew():  # never leave a process behind, whatever the test finds
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
    rerun = run_tuner("search", "crew.yaml", cwd=folder, timeout=240)
    trials = [json.loads(p.read_text()) for p in sorted((run / "trials").glob("*.json"))]
    return Crew(launcher.pid, roles, holding, str(refused.value), survivors, rerun, trials)


@pytest.mark.slow
def test_killing_the_launcher_kills_its_chief_and_workers(killed_crew: Crew) -> None:
    assert sorted(killed_crew.roles) == ["chief", "worker0", "worker1"]
    assert killed_crew.survivors == []


@pytest.mark.slow
def test_every_process_of_a_crew_holds_the_runs_lock(killed_crew: Crew) -> None:
    assert killed_crew.holding_the_lock == {"chief": True, "worker0": True, "worker1": True}
    pids = ", ".join(str(p) for p in killed_crew.roles.values())
    assert killed_crew.refusal.endswith(
        f"/runs/crew is in use by another search (pids {killed_crew.launcher}, {pids}); "
        "wait for it to end or stop it"
    )


@pytest.mark.slow
def test_the_same_command_finishes_the_run_a_killed_launcher_left(killed_crew: Crew) -> None:
    assert killed_crew.rerun.returncode == 0, killed_crew.rerun.stderr
    assert len(killed_crew.trials) == CREW_CONFIG["search"]["max_trials"]
    assert len({t["trial_id"] for t in killed_crew.trials}) == len(killed_crew.trials)


def test_a_run_locked_by_a_crew_names_all_its_processes(tmp_path: Path) -> None:
    import fcntl

    run = tmp_path / "runs" / "busy"
    run.mkdir(parents=True)
    with open(run / run_folder.LOCK_FILE, "w") as other:  # a launcher and its crew
        other.write("100\n101\n102\n103\n")
        other.flush()
        fcntl.flock(other, fcntl.LOCK_EX)
        with pytest.raises(TunerError) as caught:
            run_lock.claim(run)
    assert str(caught.value) == (
        f"{run} is in use by another search (pids 100, 101, 102, 103); "
        "wait for it to end or stop it"
    )


def test_a_crew_member_is_started_to_die_with_the_launcher() -> None:
    arm = workers.dies_with_launcher()
    assert arm is not None  # Linux
    ask = "import ctypes as c; s = c.c_int(); c.CDLL(None).prctl(2, c.byref(s)); print(s.value)"
    child = subprocess.run(  # prctl(PR_GET_PDEATHSIG): the signal the child gets if we die
        [sys.executable, "-c", ask], preexec_fn=arm, capture_output=True, text=True, timeout=30
    )
    assert child.stdout.strip() == str(int(signal.SIGKILL))


# --- 2. a lock file that cannot be opened or written ---------------------------------------


@pytest.fixture
def busy_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A config and its run folder, in tmp_path as the working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KERASTUNER_TUNER_ID", raising=False)
    Path("busy.yaml").write_text("space:\n  units: 8\n")
    run = Path("runs") / "busy"
    run.mkdir(parents=True)
    yield run
    run_lock.release(run)


def search(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cli.main(["search", *args])
    return code, capsys.readouterr().err


def test_a_directory_in_place_of_the_lock_file_stops_the_search(
    busy_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (busy_config / run_folder.LOCK_FILE).mkdir()
    code, err = search(capsys, "busy.yaml")
    assert code == 1
    assert err == (
        "error: cannot open the run's lock file runs/busy/.search.lock: Is a directory; "
        "remove that directory (a search makes its own lock file), then run the same command\n"
    )


def test_a_directory_in_place_of_the_records_lock_stops_the_search_before_it_trains(
    busy_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (busy_config / "trials" / ".lock").mkdir(parents=True)
    code, err = search(capsys, "busy.yaml")
    assert code == 1
    assert err == (
        "error: runs/busy/trials/.lock is not a file; remove it (the search makes its own lock "
        "file), then run the same command\n"
    )


def test_an_unreadable_lock_file_stops_the_search(
    busy_config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(path: Any, *args: Any, **kwargs: Any) -> Any:  # root reads any file: simulate
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(run_lock, "open", refused, raising=False)
    code, err = search(capsys, "busy.yaml")
    assert code == 1
    assert err == (
        "error: cannot open the run's lock file runs/busy/.search.lock: Permission denied; "
        "it may be another user's: make it readable and writable for you, "
        "then run the same command\n"
    )


class _FullDisk:
    """A lock file on a full disk: opens and locks, but its first write fails."""

    def __init__(self, path: Any, mode: str = "r") -> None:
        self._file = open(path, mode)  # noqa: SIM115

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_at_the_lock_files_first_write_names_the_file(
    busy_config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_lock, "open", _FullDisk, raising=False)
    code, err = search(capsys, "busy.yaml")
    assert code == 1
    assert err == (
        "error: cannot write runs/busy/.search.lock: No space left on device; "
        f"free some space {INTACT}\n"
    )


# --- 3. --fresh on a run whose saved config is damaged -------------------------------------


def test_fresh_moves_aside_a_run_whose_config_is_damaged(
    busy_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (busy_config / "config.yaml").write_bytes(b"space: [\x00")
    (busy_config / "trials").mkdir()
    (busy_config / "trials" / "0.json").write_text("{}")
    config = load_config(Path("busy.yaml"))
    with pytest.raises(ConfigError, match="cannot be read, so the run cannot be compared"):
        run_folder.prepare(config, fresh=False)
    run_lock.release(busy_config)
    assert run_folder.prepare(config, fresh=True) == busy_config
    out = capsys.readouterr().out
    (aside,) = Path("runs").glob("busy.old-*")
    assert out == f"note: moved the previous run to {aside}\n"
    assert (aside / "config.yaml").read_bytes() == b"space: [\x00"  # kept as it was
    assert (aside / "trials" / "0.json").read_text() == "{}"
    assert yaml.safe_load((busy_config / "config.yaml").read_text())["name"] == "busy"
    assert not (busy_config / "trials").exists()


# --- 4. a damaged run.json ------------------------------------------------------------------


def test_a_damaged_run_json_is_moved_aside_and_a_new_one_started(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    torn = b'{"dataset": {"dataset": "d"}, "sessions": [{"started": 1.0, "fin'
    (tmp_path / "run.json").write_bytes(torn)
    started = run_folder.start_session(tmp_path, {"dataset": "d"})
    (aside,) = tmp_path.glob("run.json.damaged-*")
    assert re.fullmatch(r"run\.json\.damaged-\d{8}-\d{6}", aside.name)
    assert aside.read_bytes() == torn
    assert capsys.readouterr().err == (
        f"note: {tmp_path / 'run.json'} was damaged; moved it to {aside} and started a new one\n"
    )
    sessions = run_folder.read_run_info(tmp_path)["sessions"]
    assert [(s["started"], s["status"]) for s in sessions] == [(started, "running")]


def test_a_run_json_with_a_bad_session_keeps_its_good_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = {"started": 1.0, "finished": 2.0, "status": "finished"}
    text = json.dumps({"sessions": [good, {"started": "yesterday"}]})
    (tmp_path / "run.json").write_text(text)
    run_folder.start_session(tmp_path, {"dataset": "d"})
    (aside,) = tmp_path.glob("run.json.damaged-*")
    assert aside.read_text() == text
    assert capsys.readouterr().err.endswith(f"moved it to {aside} and kept its readable parts\n")
    sessions = run_folder.read_run_info(tmp_path)["sessions"]
    assert sessions[0] == good and [s["status"] for s in sessions] == ["finished", "running"]


def test_a_sound_run_json_is_left_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_folder.start_session(tmp_path, {"dataset": "d"})
    run_folder.start_session(tmp_path, {"dataset": "d"})
    assert not list(tmp_path.glob("run.json.damaged-*")) and capsys.readouterr().err == ""


# --- 5. numbers past 32 bits ----------------------------------------------------------------


def test_a_csv_value_that_overflows_float32_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("time,demand\n0,1.5\n1,1e39\n" + "".join(f"{i},1\n" for i in range(2, 60)))
    with pytest.raises(DataError) as caught:
        series_csv.read_csv(str(path), "demand")
    assert str(caught.value) == (
        f"{path}:3: demand: 1e39 is beyond the largest 32-bit float (about 3.4e38) that the "
        "values are stored as; rescale the column (e.g. to thousands or millions)"
    )


def npz(tmp_path: Path, **changes: np.ndarray) -> str:
    x, y = np.zeros((12, 4, 3)), np.arange(12) % 3
    arrays = {"x_train": x[:10], "y_train": y[:10], "x_test": x[10:], "y_test": y[10:], **changes}
    np.savez(tmp_path / "m.npz", **arrays)
    return str(tmp_path / "m.npz")


def load_npz(path: str) -> datasets.Dataset:
    return datasets.load_dataset(DataSection.model_validate({"dataset": "mnist", "path": path}), 1)


def test_npz_labels_past_int32_are_refused_not_wrapped(tmp_path: Path) -> None:
    path = npz(tmp_path, y_test=np.array([0, 2**31], dtype="int64"))
    with pytest.raises(DataError) as caught:
        load_npz(path)
    assert str(caught.value) == (
        f"{path}: data.path: y_test holds the label 2147483648, beyond the 32-bit labels Keras "
        "is given (at most 2147483647); number the classes 0, 1, 2, ..."
    )


def test_npz_samples_past_float32_are_refused(tmp_path: Path) -> None:
    x = np.zeros((10, 4, 3))
    x[3, 1, 2] = -1e39
    path = npz(tmp_path, x_train=x)
    with pytest.raises(DataError) as caught:
        load_npz(path)
    assert str(caught.value) == (
        f"{path}: data.path: x_train holds 1e+39, beyond the largest 32-bit float (about 3.4e38) "
        "the samples are stored as; rescale them"
    )


def test_a_sine_trend_past_float32_is_refused() -> None:
    section = DataSection.model_validate({"dataset": "sine", "trend": 1.0e39})
    with warnings.catch_warnings(), pytest.raises(DataError) as caught:
        warnings.simplefilter("error")  # the one line only, no numpy overflow warning
        datasets.load_dataset(section, 1)
    assert str(caught.value) == (
        "data.trend: noise 0.1 and trend 1e+39 make values beyond the largest 32-bit float "
        "(about 3.4e38); give smaller ones"
    )


# --- 6. an IPv6 chief ------------------------------------------------------------------------


def test_an_ipv6_chief_address_is_bracketed_as_grpc_needs() -> None:
    env = workers.role_env("chief", 5000, 1, host="::1")
    # keras-tuner's chief and clients both join f"{KERASTUNER_ORACLE_IP}:{KERASTUNER_ORACLE_PORT}"
    assert f"{env['KERASTUNER_ORACLE_IP']}:{env['KERASTUNER_ORACLE_PORT']}" == "[::1]:5000"
    assert workers.oracle_host("::") == "[::]" and workers.oracle_host("[::1]") == "[::1]"
    assert workers.oracle_host("127.0.0.1") == "127.0.0.1"
    assert workers.oracle_host("chief.example") == "chief.example"


def test_a_chief_binds_and_is_reached_on_ipv6_loopback() -> None:
    from concurrent import futures

    import grpc

    port = workers.free_port("::1")
    target = f"{workers.oracle_host('::1')}:{port}"  # as keras-tuner forms it
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
    try:
        assert server.add_insecure_port(target) == port
        server.start()
        with grpc.insecure_channel(target) as channel:
            grpc.channel_ready_future(channel).result(timeout=20)
    finally:
        server.stop(0)


@pytest.mark.parametrize("planted", [".search.lock", "best", "trials/0.json"])
def test_a_link_planted_in_a_run_folder_is_refused_and_its_target_untouched(
    busy_config: Path, capsys: pytest.CaptureFixture[str], planted: str
) -> None:
    """A symbolic link in the run folder would take the run's writers out of it (a lock file
    truncated elsewhere, an export written into another folder): the search refuses it."""
    outside = busy_config.parent.parent / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("mine\n")
    target = outside if planted == "best" else outside / "keep.txt"
    (busy_config / "trials").mkdir()
    (busy_config / planted).symlink_to(target)
    code, err = search(capsys, "busy.yaml")
    assert code == 1
    assert err == (
        f"error: runs/busy/{planted} is a symbolic link, and a run folder holds none (its "
        "writers would follow it out of the run); remove it, then run the same command\n"
    )
    assert (outside / "keep.txt").read_text() == "mine\n"
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"]
