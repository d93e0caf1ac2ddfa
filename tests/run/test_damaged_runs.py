"""Issue 14: what a damaged run folder, a damaged data file or a non-finite number must not do.

One tiny real search (module-scoped) gives a finished run; each search scenario damages a copy
of it and resumes the copy with one real `python -m tuner search`. The scenarios start
together, in the background, and each test waits for its own. The search itself, `report` and
`evaluate` run through the CLI's entry point (tuner.cli.main) in this process: one Keras import
for all of them.
"""

from __future__ import annotations

import io
import json
import math
import os
import pickle
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from helpers.configs import TINY_SEARCH
from helpers.paths import REPO
from helpers.records import failed_record, make_config, make_record

from tuner.cli import main
from tuner.run import records, results

RUN = Path("runs") / "tiny"  # the run folder, relative to each scenario's folder
# TINY_SEARCH on scikit-learn's 8x8 digits: loads in a blink (the bundled MNIST takes seconds
# to parse in every process) and trains faster. Three one-epoch trials, the best one tested.
SEARCH = {**TINY_SEARCH, "data": {"dataset": "digits", "limit": 200}}


# ---- non-finite numbers ----------------------------------------------------------------


def strict(text: str) -> Any:
    """JSON as a strict parser reads it: NaN and Infinity are not JSON."""

    def refuse(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_non_finite_numbers_are_written_as_null_and_read_back_as_nan(tmp_path: Path) -> None:
    failed = failed_record("0", 1, "loss became nan at epoch 2")
    failed["history"] = {"loss": [2.3, math.nan], "val_loss": [math.inf, -math.inf]}
    records.write_record(tmp_path, failed)
    written = strict((tmp_path / "trials" / "0.json").read_text())
    assert written["history"] == {"loss": [2.3, None], "val_loss": [None, None]}
    loaded = records.read_record(tmp_path, "0")
    assert loaded is not None and loaded["history"]["loss"][0] == 2.3
    assert all(
        math.isnan(v) for v in [*loaded["history"]["val_loss"], loaded["history"]["loss"][1]]
    )

    old = make_record("1", 2, history={"loss": [math.nan]}, epochs_run=1)  # bare NaN, as before
    (tmp_path / "trials" / "1.json").write_text(json.dumps(old, allow_nan=True))
    kept = records.read_record(tmp_path, "1")
    assert kept is not None and math.isnan(kept["history"]["loss"][0])

    test = {"rank": 1, "trial_id": "1", "score": 0.5, "test": {"loss": math.nan, "accuracy": 0.1}}
    results.write_test(tmp_path, {"objective": "val_accuracy", "trials": [test]})
    assert (
        strict((tmp_path / "best" / "test.json").read_text())["trials"][0]["test"]["loss"] is None
    )
    scores, _, note = results.read_test_scores(tmp_path)
    assert note == "" and scores is not None and math.isnan(scores["1"]["loss"])
    assert math.isnan(results.read_test(tmp_path)["trials"][0]["test"]["loss"])


# ---- report: one unreadable run ----------------------------------------------------------


def test_a_run_with_an_unreadable_config_is_skipped_and_the_others_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TUNER_DEBUG", raising=False)
    make_config(tmp_path, "demo")  # a run with no trial yet: the cheapest report
    bad = tmp_path / "runs" / "bad"
    bad.mkdir()
    (bad / "config.yaml").write_bytes(b"name: bad\nseed: \xff\xfe\n")
    runs, out = tmp_path / "runs", tmp_path / "reports"

    assert main(["report", "--runs", str(runs), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert err == (
        f"note: skipped the run {bad}: {bad / 'config.yaml'}: the run's config is not UTF-8 "
        "text; restore it from the config the run was searched with\n"
    )
    assert (out / "demo" / "index.html").is_file() and not (out / "bad").exists()

    assert main(["report", str(bad), "--out", str(out)]) == 2  # named: bad input
    assert capsys.readouterr().err == (
        f"error: {bad / 'config.yaml'}: the run's config is not UTF-8 text; "
        "restore it from the config the run was searched with\n"
    )


# ---- the finished run and the resumed copies ----------------------------------------------


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder holding tiny.yaml and runs/tiny, searched to the end.

    Searched through the CLI's entry point in this process: Keras is imported here anyway
    (evaluate below), and a subprocess would import it once more."""
    folder = tmp_path_factory.mktemp("finished")
    (folder / "tiny.yaml").write_text(yaml.safe_dump(SEARCH))
    with pytest.MonkeyPatch.context() as env:
        env.delenv("TUNER_DEBUG", raising=False)
        env.delenv("KERAS_BACKEND", raising=False)  # the config's backend, as run_tuner does
        assert main(["search", str(folder / "tiny.yaml"), "--runs", str(folder / "runs")]) == 0
        yield folder


@dataclass
class Resumed:
    """A damaged copy of the finished run, resumed by `python -m tuner search` in the background."""

    folder: Path
    before: dict[str, bytes]  # each record file's bytes before the damage, by trial id
    best: str  # the best trial before the damage
    process: subprocess.Popen[bytes]
    stderr: str = field(default="")

    @property
    def run(self) -> Path:
        return self.folder / RUN

    def finish(self) -> str:
        """Wait for the search; its stderr, checked for a clean exit 0."""
        if self.process.returncode is None:
            self.process.wait(timeout=600)
            self.stderr = (self.folder / "stderr.txt").read_text()
        assert self.process.returncode == 0, self.stderr
        assert "Traceback" not in self.stderr
        return self.stderr


def resume(base: Path, folder: Path, damage: Callable[[Path, list[str]], None]) -> Resumed:
    shutil.copytree(base, folder)
    before, ranked = record_bytes(folder / RUN), ranking(folder / RUN)
    damage(folder / RUN, ranked)
    env = {k: v for k, v in os.environ.items() if k not in ("KERAS_BACKEND", "TUNER_DEBUG")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    with open(folder / "stdout.txt", "wb") as out, open(folder / "stderr.txt", "wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "tuner", "search", "tiny.yaml"],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=err,
        )
    return Resumed(folder, before, ranked[0], process)


def record_bytes(run: Path) -> dict[str, bytes]:
    return {p.stem: p.read_bytes() for p in sorted((run / "trials").glob("*.json"))}


def ranking(run: Path) -> list[str]:
    """Trial ids, best first."""
    return [r["trial_id"] for r in records.ranked(records.read_records(run)[0])]


def lose_records(run: Path, ranked: list[str]) -> None:
    """Keras-tuner's state intact. The best trial's checkpoint torn, the record of the first
    other trial deleted; and the bookkeeping a parallel run leaves: the best trial both ended
    and ongoing (handed out again on each resume, so listed as ended twice by now)."""
    best, deleted = ranked[0], min(ranked[1:])
    (run / "trials" / f"{deleted}.json").unlink()
    checkpoint = run / "kt" / f"trial_{best}" / "checkpoint.weights.h5"
    checkpoint.write_bytes(checkpoint.read_bytes()[:300])
    oracle = json.loads((run / "kt" / "oracle.json").read_text())
    oracle["ongoing_trials"] = {"worker0": best}
    oracle["end_order"].append(best)
    (run / "kt" / "oracle.json").write_text(json.dumps(oracle))


def lose_keras_tuner_state(run: Path, ranked: list[str]) -> None:
    """kt/ deleted (every checkpoint with it) and best/test.json too, so that the search is not
    done yet; the record of the first trial but the best torn; a hand-made record scoring best
    of all."""
    shutil.rmtree(run / "kt")
    (run / "best" / "test.json").unlink()
    torn = run / "trials" / f"{min(ranked[1:])}.json"
    torn.write_bytes(torn.read_bytes()[:300])
    best = json.loads((run / "trials" / f"{ranked[0]}.json").read_text())
    (run / "trials" / "7.json").write_text(
        json.dumps({**best, "trial_id": "7", "number": 9, "score": 0.99})
    )


@pytest.fixture(scope="module")
def resumed(
    finished_run: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Resumed]]:
    """Every search scenario, started at once; a test waits for the one it checks."""
    folder = tmp_path_factory.mktemp("resumed")
    scenarios = {"records": lose_records, "state": lose_keras_tuner_state}
    started = {name: resume(finished_run, folder / name, hurt) for name, hurt in scenarios.items()}
    yield started
    for scenario in started.values():
        if scenario.process.poll() is None:
            scenario.process.kill()
            scenario.process.wait()


def check_best_is_one_trial(run: Path) -> str:
    """best/model.keras, best/hyperparameters.yaml and test.json's first trial are all the best
    record's trial; returns its id."""
    best = records.ranked(records.read_records(run)[0])[0]
    test = json.loads((run / "best" / "test.json").read_text())
    assert [t["trial_id"] for t in test["trials"]] == [best["trial_id"]]  # top_k 1
    config_text = (run / "best" / "hyperparameters.yaml").read_text()
    assert config_text.startswith(f"# Re-runs trial {best['trial_id']} of tiny:")
    assert yaml.safe_load(config_text)["space"]["units"] == best["hyperparameters"]["units"]
    with zipfile.ZipFile(run / "best" / "model.keras") as saved:
        layers = json.loads(saved.read("config.json"))["config"]["layers"]
    units = [layer["config"]["units"] for layer in layers if layer["class_name"] == "LSTM"]
    assert units == [best["hyperparameters"]["units"]]
    return best["trial_id"]


# ---- evaluate (while the scenarios resume in the background) --------------------------------


def npy(array: np.ndarray) -> bytes:
    """What np.save writes: one array, no archive."""
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


@pytest.mark.slow
def test_evaluate_refuses_bad_files_in_one_line(
    resumed: dict[str, Resumed],  # started first, so that they run while this test evaluates
    finished_run: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TUNER_DEBUG", raising=False)
    x, y = np.zeros((4, 8, 8), dtype="float32"), np.arange(4)
    save_xy = "save x and y with np.savez(FILE, x=x, y=y)"
    cases: dict[str, tuple[Callable[[Path], None], str]] = {
        "zero.npz": (
            lambda p: np.savez(p, x=x[:0], y=y[:0]),
            "x and y hold no samples; give at least one",
        ),
        "empty.npz": (
            lambda p: p.write_bytes(b""),
            f"not an .npz file (empty, truncated or another format); {save_xy}",
        ),
        "complex.npz": (
            lambda p: np.savez(p, x=x + 1j, y=y),
            "x: x holds complex64 values; give real numbers (integers or floats)",
        ),
        "objects.npz": (
            lambda p: np.savez(p, x=np.array([None] * 4, dtype=object), y=y),
            "x: x holds Python objects; save numeric arrays with np.savez",
        ),
        "pickled.npz": (
            lambda p: p.write_bytes(pickle.dumps({"x": x, "y": y})),
            f"not an .npz file (empty, truncated or another format); {save_xy}",
        ),
        "single.npz": (
            lambda p: p.write_bytes(npy(x)),
            f"holds a single array, not arrays x and y; {save_xy}",
        ),
    }
    run = finished_run / RUN
    for name, (write, message) in cases.items():
        path = tmp_path / name
        write(path)
        assert main(["evaluate", str(run), "--data", str(path)]) == 2, name
        assert capsys.readouterr().err == f"error: {path}: {message}\n"

    from sklearn.datasets import load_digits

    digits = load_digits()
    good = tmp_path / "good.npz"
    np.savez(good, x=digits.images[:200], y=digits.target[:200])  # raw 0..16, as trained
    assert main(["evaluate", str(run), "--data", str(good)]) == 0
    out, err = capsys.readouterr()
    assert "accuracy=" in out and err == ""
    rescaled = tmp_path / "rescaled.npz"
    np.savez(rescaled, x=digits.images[:200] / 16, y=digits.target[:200])  # scaled twice
    assert main(["evaluate", str(run), "--data", str(rescaled)]) == 0
    out, err = capsys.readouterr()
    assert "accuracy=" in out
    assert err.startswith(
        f"warning: {rescaled}: x's values span 0..1, far from the inputs the model was trained on "
    )
    assert err.endswith("do not rescale them, or the metrics mean little\n")
    assert err.count("\n") == 1
    torn = tmp_path / "runs" / "torn"
    shutil.copytree(run, torn)
    model = torn / "best" / "model.keras"
    model.write_bytes(model.read_bytes()[:1000])
    assert main(["evaluate", str(torn), "--data", str(good)]) == 1
    assert capsys.readouterr().err == (
        f"error: {model} cannot be loaded (ValueError): the file is damaged; move {model.parent} "
        "aside and run the run's `tuner search` command again to export the best model anew\n"
    )


@pytest.mark.slow
def test_resume_sets_aside_damaged_and_foreign_records_and_missing_trial_folders(
    tmp_path: Path,
) -> None:
    from tuner.engine import backend

    backend.activate("tensorflow")  # a no-op when evaluate has imported Keras already
    import keras_tuner as kt

    from tuner.engine import resume as kt_resume

    space = kt.HyperParameters()
    space.Choice("units", [4, 8])
    objective = kt.Objective("val_accuracy", "max")
    oracle = kt.oracles.RandomSearchOracle(objective, max_trials=3, hyperparameters=space, seed=1)
    oracle._set_project_dir(str(tmp_path), "kt")
    oracle.verbose = 0
    for _ in range(2):  # trials 0 and 1; no trial 2 yet
        trial = oracle.create_trial("tuner0")
        trial.status = "FAILED"
        oracle.end_trial(trial)
    trials = tmp_path / "trials"
    for trial_id in ("0", "2"):
        records.write_record(tmp_path, make_record(trial_id))
    (trials / "1.json").write_text('{"trial_id": "1", ')
    kept, damaged, notes = kt_resume.screen_records(tmp_path, oracle, trusted=False)
    assert [r["trial_id"] for r in kept] == ["0"]
    [moved_1] = trials.glob("1.json.damaged-*")
    assert damaged == {"1": f"1.json is unreadable (JSONDecodeError), moved to {moved_1.name}"}
    [moved_2] = trials.glob("2.json.foreign-*")
    assert notes == [
        f"note: {trials / '2.json'} is not a trial of this search (keras-tuner never created "
        f"trial 2); moved it to {moved_2.name}"
    ]
    assert sorted(p.name for p in trials.glob("*.json")) == ["0.json"]

    kt = tmp_path / "kt"
    shutil.rmtree(kt / "trial_0")
    shutil.rmtree(kt / "trial_1")
    assert kt_resume.state_problems(kt, has_records=True) == [
        "trial_0/trial.json is missing (and 1 more)"
    ]


# ---- the search scenarios -----------------------------------------------------------------


@pytest.mark.slow
def test_a_deleted_or_damaged_record_runs_its_trial_again(resumed: dict[str, Resumed]) -> None:
    # Deleted, keras-tuner's state intact: keras-tuner counted it finished, so it never ran again.
    scenario = resumed["records"]
    err, run, before = scenario.finish(), scenario.run, scenario.before
    deleted = min(t for t in before if t != scenario.best)
    assert (
        f"note: no readable record of trial {deleted} in {RUN / 'trials'}; it runs again\n"
    ) in err
    assert f"resuming {RUN}: 2 of 3 trials finished\n" in err
    assert err.count("] trial ") == 1
    check_ran_again(run, before, deleted)

    # Torn, keras-tuner's state rebuilt from the records: moved aside, never replaced.
    scenario = resumed["state"]
    err, run, before = scenario.finish(), scenario.run, scenario.before
    torn = min(t for t in before if t != scenario.best)
    [damaged] = [p.name for p in (run / "trials").glob(f"{torn}.json.damaged-*")]
    assert (
        f"note: no readable record of trial {torn} in {RUN / 'trials'} ({torn}.json is "
        f"unreadable (JSONDecodeError), moved to {damaged}); it runs again\n"
    ) in err
    assert f"resuming {RUN}: 2 of 3 trials finished\n" in err
    assert err.count("] trial ") == 1
    assert f"[3/3] trial {torn} " in err  # the hand-made record is not counted
    assert (run / "trials" / damaged).read_bytes() == before[torn][:300]
    check_ran_again(run, before, torn)


def check_ran_again(run: Path, before: dict[str, bytes], trial_id: str) -> None:
    """Exactly max_trials records: the others byte for byte, ``trial_id`` run again with the
    same values."""
    after = record_bytes(run)
    assert sorted(after) == ["0", "1", "2"]
    assert {t: b for t, b in after.items() if t != trial_id} == {
        t: b for t, b in before.items() if t != trial_id
    }
    again, was = json.loads(after[trial_id]), json.loads(before[trial_id])
    assert again["status"] == "completed" and again["attempts"] == 2
    assert again["hyperparameters"] == was["hyperparameters"]


@pytest.mark.slow
def test_a_trial_left_ongoing_by_a_parallel_run_is_not_handed_out_again(
    resumed: dict[str, Resumed],
) -> None:
    scenario = resumed["records"]  # the best trial was both ended and ongoing in oracle.json
    scenario.finish()
    oracle = json.loads((scenario.run / "kt" / "oracle.json").read_text())
    assert sorted(oracle["end_order"]) == ["0", "1", "2"]  # each once
    assert oracle["ongoing_trials"] == {} and oracle["retry_queue"] == []
    assert oracle["run_times"][scenario.best] == 1
    attempts = scenario.run / "attempts" / f"{scenario.best}.json"
    assert len(json.loads(attempts.read_text())["starts"]) == 1


@pytest.mark.slow
def test_lost_checkpoints_and_a_foreign_record_still_end_with_one_best_trial(
    resumed: dict[str, Resumed],
) -> None:
    scenario = resumed["state"]  # kt/ and best/test.json deleted, a hand-made 7.json, one torn
    err, run = scenario.finish(), scenario.run
    [foreign] = [p.name for p in (run / "trials").glob("7.json.foreign-*")]
    assert (
        f"note: {RUN / 'trials' / '7.json'} is not a trial of this search (keras-tuner never "
        f"created trial 7); moved it to {foreign}\n"
    ) in err
    assert (
        "could not be reloaded (oracle.json is missing); rebuilt it from 2 trial record(s)" in err
    )
    assert (
        f"note: trial {scenario.best}: its checkpoint in {RUN / 'kt'}/trial_{scenario.best} "
        "cannot be loaded (FileNotFoundError); retraining it for best/\n"
    ) in err
    assert check_best_is_one_trial(run) == scenario.best
    assert f"best: trial {scenario.best} " in (scenario.folder / "stdout.txt").read_text()

    # A torn checkpoint of the best trial, keras-tuner's state otherwise intact: retrained too,
    # where best/ used to take the model of the second trial and the values of the first.
    scenario = resumed["records"]
    err, run = scenario.finish(), scenario.run
    assert ranking(run)[0] == scenario.best  # the trial run again scores as before
    assert re.search(
        rf"^note: trial {scenario.best}: its checkpoint in {RUN / 'kt'}/trial_{scenario.best} "
        r"cannot be loaded \(\w+\); retraining it for best/$",
        err,
        re.MULTILINE,
    ), err
    assert check_best_is_one_trial(run) == scenario.best
