"""search.storage: `tuner search` processes with no chief, sharing one Optuna study in a real
PostgreSQL server or a journal file. One is SIGKILLed mid-trial; the others finish max_trials,
its trial given up by the heartbeat and trained again under a new number, nothing lost or
counted twice, and the report is clean. Real processes, real Keras on a tiny search."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol

import optuna
import pytest
from helpers import postgres
from helpers.resume import env, finished, tuner, write_config

pytestmark = pytest.mark.slow

MAX_TRIALS = 3  # one each for three processes; the killed one's is trained again
EPOCHS = 4  # long enough that a kill after a trial's first epoch lands inside the trial
FAST_BEAT = {"heartbeat_seconds": 1, "grace_seconds": 2}


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    if postgres.binaries() is None:
        pytest.skip("PostgreSQL's pg_ctl is not installed (.ci/run installs the package)")
    with postgres.server() as url:
        yield url


def _start(cwd: Path, config: Path, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "tuner", "search", str(config)]
    with open(log, "wb") as out:
        return subprocess.Popen(command, cwd=cwd, env=env(), stdout=out, stderr=out)


class Killable(Protocol):
    def poll(self) -> int | None: ...
    def send_signal(self, signum: int) -> None: ...


def _kill_one_mid_trial(processes: Sequence[Killable], logs: list[Path]) -> int:
    """SIGKILL the first process seen finishing the first epoch of a trial; its index."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        for index, log in enumerate(logs):
            assert processes[index].poll() is None, log.read_text()
            if re.search(rf"trial \d+ epoch 1/{EPOCHS}", log.read_text(errors="replace")):
                processes[index].send_signal(signal.SIGKILL)
                return index
        time.sleep(0.05)
    raise AssertionError("no process started training: " + logs[0].read_text())


def _search_killing_one(tmp_path: Path, storage: str) -> tuple[Path, optuna.Study, str]:
    """Three processes on ``storage``, one SIGKILLed mid-trial: the run, the study, and what
    the processes printed."""
    config = write_config(
        tmp_path,
        max_trials=MAX_TRIALS,
        epochs=EPOCHS,
        early_stopping=None,
        storage={"url": storage, **FAST_BEAT},
    )
    logs = [tmp_path / f"process{i}.log" for i in range(3)]
    processes = [_start(tmp_path, config, log) for log in logs]
    killed = _kill_one_mid_trial(processes, logs)
    for index, process in enumerate(processes):
        code = process.wait(timeout=300)
        expected = -signal.SIGKILL if index == killed else 0
        assert code == expected, logs[index].read_text()
    if storage.startswith("journal:"):  # read with Optuna's own reader of each storage
        backend = optuna.storages.journal.JournalFileBackend(storage.removeprefix("journal:"))
        opened: str | optuna.storages.BaseStorage = optuna.storages.JournalStorage(backend)
    else:
        opened = storage
    said = "".join(log.read_text() for log in logs)
    return tmp_path / "runs" / "tiny", optuna.load_study(study_name="tiny", storage=opened), said


def _check(run: Path, study: optuna.Study, said: str) -> None:
    records = [json.loads(b) for b in finished(run).values()]
    assert len(records) == MAX_TRIALS
    assert sorted(r["number"] for r in records) == list(range(1, MAX_TRIALS + 1))
    trials = study.get_trials(deepcopy=False)
    complete = [t for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(complete) == MAX_TRIALS
    width = len(str(MAX_TRIALS))
    assert sorted(r["trial_id"] for r in records) == sorted(
        f"{t.number:0{width}d}" for t in complete
    )
    # the killed process's trial: failed by the heartbeat (no word of its process), queued
    # again and trained by another process under a new number, with the same values
    stale = [
        t
        for t in trials
        if t.state == optuna.trial.TrialState.FAIL
        and "tuner:surplus" not in t.system_attrs
        and "tuner:failed" not in t.system_attrs
    ]
    assert len(stale) == 1, [(t.number, t.state, t.system_attrs) for t in trials]
    retry = [t for t in complete if t.system_attrs.get("failed_trial") == stale[0].number]
    assert len(retry) == 1
    by_id = {r["trial_id"]: r for r in records}
    retried = by_id[f"{retry[0].number:0{width}d}"]
    values = stale[0].user_attrs["tuner:hyperparameters"]
    assert {k: retried["hyperparameters"][k] for k in ("units", "learning_rate")} == {
        k: values[k] for k in ("units", "learning_rate")
    }
    assert f"{stale[0].number:0{width}d}" not in by_id
    assert said.count(f"trains trial {stale[0].number:0{width}d}'s values again") == 1
    import tuner as api  # the report's own code, without another process's imports

    page = api.report(run, out=run.parent.parent / "reports")
    text = (page.parent / "report.md").read_text()
    assert "Left out" not in text and f"{MAX_TRIALS} trials" in text


def test_three_processes_on_postgresql_one_killed(tmp_path: Path, postgres_url: str) -> None:
    url = postgres.new_database(postgres_url, "killed_one")
    run, study, said = _search_killing_one(tmp_path, url)
    _check(run, study, said)
    assert (run / "best" / "model.keras").exists()


def _children(pid: int) -> dict[str, int]:
    """The processes ``pid`` started, by the file their output goes to (Linux's /proc)."""
    found = {}
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        with contextlib.suppress(OSError):
            found[os.readlink(f"/proc/{child}/fd/1")] = int(child)
    return found


def test_workers_on_a_local_journal_one_killed_and_restarted(
    tmp_path: Path,
) -> None:
    """--workers 2 with storage: local (a journal file, no server): one process SIGKILLed
    mid-trial is restarted by the launcher and joins the study again, its trial trained again
    by one of them; a later command that names no storage finds the run done, and one naming
    another storage is refused."""
    config = write_config(
        tmp_path,
        max_trials=MAX_TRIALS,
        epochs=EPOCHS,
        early_stopping=None,
        storage={"url": "local", **FAST_BEAT},
    )
    command = [sys.executable, "-m", "tuner", "search", str(config), "--workers", "2"]
    launcher = subprocess.Popen(
        command, cwd=tmp_path, env=env(), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL
    )
    run = tmp_path / "runs" / "tiny"
    logs = [run / "logs" / f"process{i}.log" for i in range(2)]
    deadline = time.monotonic() + 240
    # both children with their output on their logs (between fork and exec a child's output
    # is still the launcher's)
    while not {str(log) for log in logs} <= set(peers := _children(launcher.pid)):
        assert time.monotonic() < deadline, f"the launcher's processes did not start: {peers}"
        time.sleep(0.05)
    _kill_one_mid_trial([_Pid(peers[str(log)]) for log in logs], logs)
    _, said = launcher.communicate(timeout=300)
    assert launcher.returncode == 0, said
    assert "died (exit code -9); restarting it" in said.decode()
    journal = optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(run / "study.journal"))
    )
    study = optuna.load_study(study_name="tiny", storage=journal)
    _check(run, study, "".join(log.read_text() for log in logs))
    assert (run / "best" / "model.keras").is_file()

    # The restarted process resumed on the study mid-search. A command that names no storage
    # finds the run done (it remembers its storage); one naming another is refused.
    plain = write_config(tmp_path, max_trials=MAX_TRIALS, epochs=EPOCHS, early_stopping=None)
    done = tuner(tmp_path, "search", str(plain))
    assert done.returncode == 0 and "this search is done" in done.stderr, done.stderr
    assert len(json.loads((run / "study.json").read_text())["trials"]) == MAX_TRIALS
    again = tuner(tmp_path, "search", str(plain), "--storage", "sqlite:///elsewhere.db")
    assert again.returncode == 2
    assert again.stderr.strip().endswith(
        "holds the trials of the study at local, not sqlite:///elsewhere.db; search it with "
        "that storage, or give this search another name"
    )


class _Pid:
    """A process this test did not start, as _kill_one_mid_trial handles one."""

    def __init__(self, pid: int):
        self.pid = pid

    def poll(self) -> int | None:
        return None if Path(f"/proc/{self.pid}").exists() else 0

    def send_signal(self, signum: int) -> None:
        os.kill(self.pid, signum)
