"""Nothing lost: real searches killed with real signals, then resumed with the same command.

The invariants after any kill: every record finished before it is kept byte for byte, no
trial is recorded twice, and the resumed search ends with exactly max_trials records.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.resume import (
    check_complete,
    check_kept,
    env,
    finished,
    start_search,
    tuner,
    write_config,
)

pytestmark = pytest.mark.slow

RESUMING = "resuming runs/tiny: "


def test_sigkill_at_random_moments_loses_no_finished_trial(tmp_path: Path) -> None:
    max_trials, kills_wanted = 4, 2
    config = write_config(tmp_path, max_trials=max_trials)
    run = tmp_path / "runs" / "tiny"
    rng = random.Random(20240611)
    kept: dict[str, bytes] = {}
    kills, deadline = 0, time.monotonic() + 400
    while kills < kills_wanted:
        assert time.monotonic() < deadline, f"only {kills} kills in the time allowed"
        log = tmp_path / f"run{kills}.log"
        with open(log, "w") as out:
            process = start_search(
                tmp_path, config, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        # A random moment: during start-up, or a random time after this session's n-th trial
        # (training, recording, keras-tuner's bookkeeping: wherever the clock falls).
        if rng.random() < 0.2:
            _wait(process, log, "", 0)
            time.sleep(rng.uniform(0.2, 6.0))
        else:
            _wait(process, log, "random search over", rng.choice([0, 1, 1, 2]))
            time.sleep(rng.uniform(0.0, 1.5))
        if process.poll() is not None:  # finished before the kill: that is fine too
            assert process.returncode == 0, log.read_text()
            break
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        kills += 1
        now = finished(run)
        check_kept(kept, now)
        assert all(b.endswith(b"}\n") for b in now.values())  # whole files only
        kept = now
    assert kills >= kills_wanted

    done = subprocess.run(
        [sys.executable, "-m", "tuner", "search", str(config)],
        cwd=tmp_path,
        env=env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    check_kept(kept, finished(run))
    records = check_complete(run, max_trials)
    attempts = {r["trial_id"]: r["attempts"] for r in records}
    sessions = json.loads((run / "run.json").read_text())["sessions"]
    assert sessions[-1]["status"] == "finished"
    assert sum(s["status"] == "killed" for s in sessions) >= 1
    print(f"{kills} kills survived; attempts per trial {attempts}")


def _wait(process: subprocess.Popen[bytes], log: Path, line: str, trials: int) -> None:
    """Until ``line`` and ``trials`` finished-trial lines are in the log (or the process ends)."""
    started = time.monotonic()
    while process.poll() is None:
        text = log.read_text()
        if line in text and text.count("] trial ") >= trials:
            return
        assert time.monotonic() - started < 180, text
        time.sleep(0.02)


def test_a_kill_after_the_record_keeps_it_resumes_within_seconds_and_trains_no_more(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path)
    run = tmp_path / "runs" / "tiny"
    killed = tuner(tmp_path, "search", str(config), KILL_AT="after-record", KILL_TRIAL="1")
    assert killed.returncode == -signal.SIGKILL
    before = finished(run)
    assert sorted(before) == ["0", "1"]
    oracle = json.loads((run / "kt" / "oracle.json").read_text())
    assert list(oracle["ongoing_trials"].values()) == ["1"]  # keras-tuner would train it again

    resumed = start_search(
        tmp_path, config, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert resumed.stderr is not None
    started, stamps, lines = time.monotonic(), {}, []
    for line in resumed.stderr:
        stamps.setdefault(line.split(":")[0], time.monotonic() - started)
        lines.append(line)
    resumed.wait()
    stderr = "".join(lines)
    assert resumed.returncode == 0, stderr
    # From the data line (Keras imported, data loaded) to the resume line: our own work.
    assert stamps["resuming runs/tiny"] - stamps["tiny"] < 10, stamps
    assert stamps["resuming runs/tiny"] < 60, stamps  # Keras' import included, on a busy machine
    assert f"{RESUMING}2 of 3 trials finished\n" in stderr
    assert stderr.count("] trial ") == 1  # only trial 2 ran; trial 1 was kept
    check_kept(before, finished(run))
    records = check_complete(run, 3)
    assert [r["attempts"] for r in records] == [1, 1, 1]
    assert json.loads((run / "attempts" / "1.json").read_text())["starts"].__len__() == 1


def test_a_trial_created_just_before_a_kill_runs_again_instead_of_counting(
    tmp_path: Path,
) -> None:
    # keras-tuner alone would reload trial 1 as RUNNING for ever and end with 2 of 3 trials.
    config = write_config(tmp_path)
    run = tmp_path / "runs" / "tiny"
    killed = tuner(
        tmp_path, "search", str(config), KILL_AT="before-oracle-knows-trial", KILL_TRIAL="1"
    )
    assert killed.returncode == -signal.SIGKILL
    assert json.loads((run / "kt" / "trial_1" / "trial.json").read_text())["status"] == "RUNNING"
    assert "1" not in json.loads((run / "kt" / "oracle.json").read_text())["start_order"]
    before = finished(run)
    assert sorted(before) == ["0"]

    resumed = tuner(tmp_path, "search", str(config))
    assert resumed.returncode == 0, resumed.stderr
    assert f"{RESUMING}1 of 3 trials finished; interrupted trial 1 runs again" in resumed.stderr
    check_kept(before, finished(run))
    records = {r["trial_id"]: r for r in check_complete(run, 3)}
    assert records["1"]["attempts"] == 1  # killed before its training started


def test_damaged_keras_tuner_state_is_rebuilt_from_the_records(tmp_path: Path) -> None:
    config = write_config(tmp_path, max_trials=4)
    run = tmp_path / "runs" / "tiny"
    tuner(tmp_path, "search", str(config), KILL_AT="after-record", KILL_TRIAL="2")
    before = finished(run)
    assert sorted(before) == ["0", "1", "2"]
    oracle = (run / "kt" / "oracle.json").read_bytes()
    (run / "kt" / "oracle.json").write_bytes(oracle[: len(oracle) // 2])  # torn, as by a kill
    (run / "kt" / "trial_1" / "trial.json").write_text("")

    resumed = tuner(tmp_path, "search", str(config))
    assert resumed.returncode == 0, resumed.stderr
    assert "Traceback" not in resumed.stderr
    aside = [p for p in run.iterdir() if p.name.startswith("kt.damaged-")]
    assert len(aside) == 1 and (aside[0] / "trial_1" / "checkpoint.weights.h5").exists()
    assert (
        "note: keras-tuner's state in runs/tiny/kt could not be reloaded (oracle.json is "
        "unreadable; trial_1/trial.json is unreadable); rebuilt it from 3 trial record(s), "
        f"the old state is in runs/tiny/{aside[0].name}\n"
    ) in resumed.stderr
    assert resumed.stderr.count("] trial ") == 1  # only the fourth trial ran
    check_kept(before, finished(run))
    records = check_complete(run, 4)
    best = json.loads((run / "best" / "test.json").read_text())["trials"][0]
    assert best["trial_id"] == max(records, key=lambda r: r["score"])["trial_id"]
    again = tuner(tmp_path, "search", str(config))  # the rebuilt state reloads as it is
    assert again.returncode == 0 and "could not be reloaded" not in again.stderr


def test_a_signal_mid_trial_stops_cleanly_and_the_trial_runs_again(tmp_path: Path) -> None:
    """SIGTERM (as `kill` or a scheduler sends) stops the first session and Ctrl-C's SIGINT
    the second, each mid-trial; the third runs the trial to its end."""
    # 40 epochs and no early stopping: still training a second after the trial starts.
    config = write_config(tmp_path, max_trials=1, epochs=40, early_stopping=None)
    run = tmp_path / "runs" / "tiny"
    for session, (signum, code) in enumerate([(signal.SIGTERM, 143), (signal.SIGINT, 130)]):
        process = start_search(
            tmp_path, config, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        attempts = run / "attempts" / "0.json"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and (
            not attempts.exists() or len(json.loads(attempts.read_text())["starts"]) <= session
        ):
            time.sleep(0.05)
        time.sleep(1.0)
        process.send_signal(signum)
        _, err = process.communicate(timeout=120)
        assert process.returncode == code, err
        assert err.rstrip().endswith(
            "interrupted: finished trials are kept; run the same command to resume"
        )
        assert "Traceback" not in err
        assert finished(run) == {}  # the trial was cut short, so nothing is recorded
        sessions = json.loads((run / "run.json").read_text())["sessions"]
        assert [s["status"] for s in sessions] == ["interrupted"] * (session + 1)

    resumed = tuner(tmp_path, "search", str(config))
    assert resumed.returncode == 0, resumed.stderr
    assert "interrupted trial 0 runs again" in resumed.stderr
    records = {r["trial_id"]: r for r in check_complete(run, 1)}
    assert records["0"]["attempts"] == 3


def test_a_second_search_of_a_busy_run_stops_at_once(tmp_path: Path) -> None:
    config = write_config(tmp_path, max_trials=1, epochs=40, early_stopping=None)
    first = start_search(tmp_path, config, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        lock = tmp_path / "runs" / "tiny" / ".search.lock"
        deadline = time.monotonic() + 120
        while not (lock.exists() and lock.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        second = tuner(tmp_path, "search", str(config))
        assert second.returncode == 1
        assert second.stderr == (
            f"error: runs/tiny is in use by another search (pid {first.pid}); "
            "wait for it to end or stop it\n"
        )
    finally:
        first.kill()
        first.wait()
