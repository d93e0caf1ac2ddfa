"""Atomic writes, refused writes, damaged trial records, run sessions: no Keras, no training."""

from __future__ import annotations

import errno
import json
import os
import stat
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers.records import make_record

from tuner.analysis.frame import frame
from tuner.data import checks
from tuner.errors import DataError
from tuner.run import atomic, records, run_lock
from tuner.run import folder as run_folder


def record(trial_id: str, **changes: Any) -> dict[str, Any]:
    """A one-epoch trial (see helpers.records.make_record)."""
    one_epoch = {"hyperparameters": {"units": 8}, "best_epoch": 1, "epochs": 1, "seconds": 1.5}
    one_epoch |= {"epochs_requested": 1, "stopped_early": False, "parameters": 100}
    one_epoch |= {"history": {"loss": [1.0], "val_accuracy": [0.5]}}
    return make_record(trial_id, **one_epoch) | changes  # changes may be ill-typed on purpose


# --- storage ---------------------------------------------------------------------------


def test_a_write_replaces_the_file_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "a.json"
    atomic.write_json(target, {"a": 1})
    atomic.write_json(target, {"a": 2})
    assert json.loads(target.read_text()) == {"a": 2}
    assert [p.name for p in target.parent.iterdir()] == ["a.json"]


def test_written_files_follow_the_umask_not_mkstemps_0600(tmp_path: Path) -> None:
    atomic.write_text(tmp_path / "a.txt", "x")
    mode = stat.S_IMODE((tmp_path / "a.txt").stat().st_mode)
    assert mode == 0o666 & ~atomic._UMASK


def test_a_failed_write_keeps_the_old_file_and_removes_its_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "a.json"
    atomic.write_json(target, {"kept": True})

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(atomic.WriteError) as caught:
        atomic.write_json(target, {"kept": False})
    assert str(caught.value) == (
        f"cannot write {target}: No space left on device; free some space and run the same "
        "command to resume (the files written before are intact)"
    )
    assert json.loads(target.read_text()) == {"kept": True}
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


@pytest.mark.parametrize(
    ("code", "strerror", "advice"),
    [
        (errno.ENOSPC, "No space left on device", "free some space"),
        (errno.EDQUOT, "Disk quota exceeded", "free some space"),
        (errno.EROFS, "Read-only file system", "make runs/x writable"),
        (errno.EACCES, "Permission denied", "make runs/x writable"),
        (errno.EIO, "Input/output error", "fix that"),
    ],
)
def test_write_errors_say_what_to_do(code: int, strerror: str, advice: str) -> None:
    error = atomic.write_error("runs/x/a.json", OSError(code, strerror))
    assert str(error) == (
        f"cannot write runs/x/a.json: {strerror}; {advice} and run the same command to resume "
        "(the files written before are intact)"
    )


def test_leftovers_of_killed_writes_are_removed_and_nothing_else(tmp_path: Path) -> None:
    ours = [tmp_path / "trials" / ".3.json.k2j4.tmp", tmp_path / "kt" / ".partial-77.weights.h5"]
    theirs = [tmp_path / "trials" / "3.json", tmp_path / ".hidden", tmp_path / "notes.tmp"]
    for path in ours + theirs:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    assert sorted(atomic.remove_leftovers(tmp_path)) == sorted(ours)
    assert all(p.exists() for p in theirs)
    young = tmp_path / ".a.json.x.tmp"
    young.write_text("x")
    assert atomic.remove_leftovers(tmp_path, older_than_s=60) == []


# --- records ---------------------------------------------------------------------------


def test_add_record_numbers_past_the_highest_even_with_a_damaged_file(tmp_path: Path) -> None:
    records.write_record(tmp_path, record("0", number=1))
    records.write_record(tmp_path, record("1", number=2))
    (tmp_path / "trials" / "1.json").write_text('{"trial_id": "1", "num')  # torn
    added = records.add_record(tmp_path, record("2", number=None))
    assert added["number"] == 2  # one past the highest readable, unique among readable ones
    assert json.loads((tmp_path / "trials" / "2.json").read_text()) == added


def test_read_record_returns_none_for_missing_or_unusable(tmp_path: Path) -> None:
    records.write_record(tmp_path, record("0"))
    (tmp_path / "trials" / "1.json").write_text("[]")
    assert records.read_record(tmp_path, "0") == record("0")
    assert records.read_record(tmp_path, "1") is None
    assert records.read_record(tmp_path, "2") is None


FOREIGN = [
    ("torn", '{"trial_id": "x", "sta', "unreadable (JSONDecodeError)"),
    ("empty", "", "unreadable (JSONDecodeError)"),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\xff", "unreadable (UnicodeDecodeError)"),
    ("a-list", "[1, 2]", "not a trial record"),
    ("other-keys", '{"hello": "world"}', "not a trial record"),
    ("history-list", record("x", history=[1, 2]), "history should be a mapping"),
    ("history-text", record("x", history={"loss": "high"}), "history should be a mapping"),
    ("score-text", record("x", score="0.9"), "score should be a number or null, got str"),
    ("score-bool", record("x", score=True), "score should be a number or null, got bool"),
    ("number-text", record("x", number="3"), "number should be a whole number, got str"),
    ("trial-id-int", {**record("x"), "trial_id": 7}, "trial_id should be text, got int"),
    ("status-odd", record("x", status="RUNNING"), "status should be completed, failed or pruned"),
    ("direction-odd", record("x", direction="up"), "direction should be min or max"),
    ("params-list", record("x", hyperparameters=[]), "hyperparameters should be a mapping"),
    ("params-nested", record("x", hyperparameters={"units": [8]}), "hyperparameters should be"),
    ("history-text-item", record("x", history={"loss": ["x"]}), "history should be a mapping"),
    ("epochs-float", record("x", epochs_run=1.5), "epochs_run should be a whole number"),
    ("seconds-null", record("x", seconds=None), "seconds should be a number, got NoneType"),
    ("error-number", record("x", error=3), "error should be text or null, got int"),
    ("wrong-name", record("other"), "trial_id 'other' is not its file name"),
]


@pytest.mark.parametrize(("name", "content", "note"), FOREIGN, ids=[r[0] for r in FOREIGN])
def test_foreign_files_in_trials_are_skipped_with_a_note(
    tmp_path: Path, name: str, content: Any, note: str
) -> None:
    records.write_record(tmp_path, record("0"))
    path = tmp_path / "trials" / "x.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, dict):
        path.write_text(json.dumps(content))
    else:
        path.write_text(content)
    kept, skipped = records.read_records(tmp_path)
    assert [r["trial_id"] for r in kept] == ["0"]
    assert len(skipped) == 1 and skipped[0].startswith("x.json: ") and note in skipped[0]
    frame(kept)  # and the frame of what is left builds


def test_a_folder_named_like_a_record_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "trials" / "5.json").mkdir(parents=True)
    assert records.read_records(tmp_path) == ([], ["5.json: unreadable (IsADirectoryError)"])


def test_attempts_count_every_start_of_a_trial(tmp_path: Path) -> None:
    assert [records.note_attempt(tmp_path, "3") for _ in range(3)] == [1, 2, 3]
    (tmp_path / "attempts" / "4.json").write_text("{torn")
    assert records.note_attempt(tmp_path, "4") == 1


def test_the_frame_has_an_attempts_column_that_defaults_to_one(tmp_path: Path) -> None:
    table = frame([record("0"), record("1", attempts=3)])
    assert table["attempts"].tolist() == [1, 3]


# --- run sessions ----------------------------------------------------------------------


def test_a_session_left_running_by_a_kill_becomes_killed(tmp_path: Path) -> None:
    first = run_folder.start_session(tmp_path, {"dataset": "d"})
    records.write_record(tmp_path, record("0", finished_at=first + 5))
    time.sleep(0.01)
    second = run_folder.start_session(tmp_path, {"dataset": "d"})  # the first never ended
    run_folder.record_session(tmp_path, {"dataset": "d"}, second, "finished")
    sessions = run_folder.read_run_info(tmp_path)["sessions"]
    assert [s["status"] for s in sessions] == ["killed", "finished"]
    assert sessions[0]["finished"] == first + 5  # when its last trial was recorded


def test_a_refused_session_write_is_not_an_error(tmp_path: Path) -> None:
    (tmp_path / run_folder.RUN_FILE).mkdir()  # run.json cannot be replaced by a file
    run_folder.record_session(tmp_path, {}, 1.0, "finished")


# --- arrays a user brings --------------------------------------------------------------

GOOD_X, GOOD_Y = np.zeros((4, 3, 2)), np.array([0, 1, 2, 1])
BAD_ARRAYS = [
    ("x-2d", np.zeros((4, 6)), GOOD_Y, "x_train must have shape (n, steps, features), got (4, 6)"),
    ("x-text", np.array([[["a"]]]), GOOD_Y[:1], "x_train must hold numbers, got dtype <U1"),
    ("x-nan", np.where(np.eye(4)[:, :3, None], np.nan, 0.0), GOOD_Y, "holds 3 NaN or infinite"),
    ("x-inf", np.full((4, 3, 2), np.inf), GOOD_Y, "holds 24 NaN or infinite"),
    ("y-2d", GOOD_X, np.zeros((4, 2)), "y_train must have shape (n,), one class label"),
    ("lengths", GOOD_X, GOOD_Y[:3], "x_train has 4 samples but y_train has 3 labels"),
    ("y-negative", GOOD_X, np.array([0, -1, 2, 1]), "y_train holds the label -1"),
    ("y-fraction", GOOD_X, np.array([0, 0.5, 2, 1]), "whole class labels 0, 1, 2, ...; got 0.5"),
    ("y-nan", GOOD_X, np.array([0, np.nan, 2, 1]), "whole class labels 0, 1, 2, ...; got nan"),
    ("y-text", GOOD_X, np.array(list("abcd")), "whole class labels 0, 1, 2, ...; got dtype <U1"),
    ("too-few", GOOD_X[:1], GOOD_Y[:1], "x_train has 1 sample(s); give at least 2"),
]


@pytest.mark.parametrize(("name", "x", "y", "message"), BAD_ARRAYS, ids=[r[0] for r in BAD_ARRAYS])
def test_bad_arrays_are_one_line_naming_file_key_and_array(
    name: str, x: np.ndarray, y: np.ndarray, message: str
) -> None:
    with pytest.raises(DataError) as caught:
        checks.check_labelled(
            x, y, file="m.npz", names=("x_train", "y_train"), key="data.path", at_least=2
        )
    text = str(caught.value)
    assert text.startswith("m.npz: data.path: ") and message in text and "\n" not in text


def test_good_arrays_pass() -> None:
    checks.check_labelled(GOOD_X, GOOD_Y, file="m.npz", names=("x", "y"))
    checks.check_same_steps(GOOD_X, GOOD_X[:1], file="m.npz", names=("x_train", "x_test"))


def test_a_report_on_a_damaged_run_skips_the_bad_files_and_says_so(tmp_path: Path) -> None:
    from tuner.reporting import write as report_writer

    run = tmp_path / "runs" / "messy"
    run.mkdir(parents=True)
    (run / "config.yaml").write_text("name: messy\nspace:\n  units: [4, 8]\n")
    records.write_record(run, record("0", hyperparameters={"units": 4}))
    records.write_record(run, record("1", number=2, score=0.7, hyperparameters={"units": 8}))
    for name, content, _ in FOREIGN:
        path = run / "trials" / f"{name}.json"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(json.dumps(content) if isinstance(content, dict) else content)
    (run / "run.json").write_text('{"dataset": [], "sessions": [{"started": "x"}, 3]}')
    written = report_writer.write_reports([run], out=tmp_path / "reports")
    markdown = (tmp_path / "reports" / "messy" / "report.md").read_text()
    assert tmp_path / "reports" / "messy" / "index.html" in written
    assert f"Skipped {len(FOREIGN)} files in trials/" in markdown
    assert "score-text.json: not a trial record (score should be a number or null" in markdown


def test_a_second_search_of_the_same_run_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl

    from tuner.config.schema import load_config
    from tuner.errors import TunerError

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KERASTUNER_TUNER_ID", raising=False)
    Path("busy.yaml").write_text("space:\n  units: 8\n")
    run = tmp_path / "runs" / "busy"
    run.mkdir(parents=True)
    with open(run / run_folder.LOCK_FILE, "w") as other:  # another process's lock
        other.write("4242\n")
        other.flush()
        fcntl.flock(other, fcntl.LOCK_EX)
        with pytest.raises(TunerError) as caught:
            run_folder.prepare(load_config("busy.yaml"), fresh=False, root=tmp_path / "runs")
    assert str(caught.value) == (
        f"{run} is in use by another search (pid 4242); wait for it to end or stop it"
    )
    assert run_folder.prepare(load_config("busy.yaml"), fresh=False, root=tmp_path / "runs") == run
    assert (run / run_folder.LOCK_FILE).read_text() == f"{os.getpid()}\n"
    run_lock.release(run)


@pytest.mark.parametrize("command", ["refit", "repeat"])
def test_refit_and_repeats_take_the_run_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """Every writer of best/ holds the run's lock: a refit (or repeats) beside a running search
    of the run is refused before it loads anything, and takes the lock when it is free."""
    import fcntl

    import yaml

    from tuner import service
    from tuner.config.schema import from_source
    from tuner.config.yaml_lines import load_text
    from tuner.errors import TunerError
    from tuner.service import finished_runs

    monkeypatch.delenv("KERASTUNER_TUNER_ID", raising=False)
    text = "name: busy\nspace: {units: 8}\nreport: {repeats: 1}\n"
    run = tmp_path / "runs" / "busy"
    run.mkdir(parents=True)
    config = from_source(load_text(text, file="busy.yaml")).to_dict()
    (run / "config.yaml").write_text(yaml.safe_dump(config))
    act = service.refit if command == "refit" else service.repeat
    with open(run / run_folder.LOCK_FILE, "w") as other:  # a search's lock
        other.write("4242\n")
        other.flush()
        fcntl.flock(other, fcntl.LOCK_EX)
        with pytest.raises(TunerError, match="is in use by another search .pid 4242."):
            act(run)
    monkeypatch.setattr(finished_runs, "open_session", _lock_seen(run))
    with pytest.raises(_Held):  # free: it holds the lock while it works
        act(run)
    run_lock.claim(run)  # and lets it go when it is done
    run_lock.release(run)


class _Held(Exception):
    pass


def _lock_seen(run: Path) -> Any:
    """An open_session that checks, from a second open file, that the run is locked."""
    import fcntl

    def check(*args: Any, **kwargs: Any) -> None:
        with open(run / run_folder.LOCK_FILE) as probe, pytest.raises(BlockingIOError):
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        raise _Held

    return check


def test_without_fcntl_the_run_lock_is_filelocks_and_still_names_the_holder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows has no fcntl: the run lock is then filelock's (checked here on POSIX by taking
    fcntl away, in this process and in a second one that tries the same run)."""
    import subprocess
    import sys

    monkeypatch.setattr(run_lock, "fcntl", None)
    run = tmp_path / "runs" / "busy"
    run.mkdir(parents=True)
    run_lock.claim(run)
    try:
        assert (run / run_folder.LOCK_FILE).read_text() == f"{os.getpid()}\n"
        second = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; import tuner.run.run_lock as f\n"
                "f.fcntl = None\n"
                "try:\n    f.claim(Path(sys.argv[1]))\n"
                "except Exception as e:\n    print(e)\n",
                str(run),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.stdout == (
            f"{run} is in use by another search (pid {os.getpid()}); wait for it to end or "
            "stop it\n"
        ), second.stderr
    finally:
        run_lock.release(run)
    run_lock.claim(run)  # released: free again
    run_lock.release(run)
