"""`tuner evaluate` and `tuner predict` on the user's own files, in every form the run's search
takes: a long CSV by the run's columns (text labels, sequences of different lengths), NaN-padded
arrays with text labels, a series CSV. Evaluating the search's own test data gives test.json's
metrics; predictions name the classes and come back through pandas; bad input is one line.

Two tiny runs (a sequences classifier with its own test file, a series forecaster) are trained
once for the module, through the Python API; the CLI runs as a user runs it, in a subprocess."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers.cli import run_tuner

pytestmark = pytest.mark.slow  # trains two real (tiny) runs

ANIMALS = ("cat", "dog", "emu")
SEARCH = {"algorithm": "random", "max_trials": 2, "epochs": 1, "cv": None}
SPACE = {"units": 4, "batch_size": 16, "learning_rate": [0.01, 0.02]}


def long_csv(path: Path, count: int, seed: int, labelled: bool = True) -> None:
    """``count`` sequences of 3..6 steps in long format, rows of each sequence in reverse file
    order (the `t` column orders them); class k has feature a near k."""
    rng = np.random.default_rng(seed)
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["seq", "t", "a", "b", *(["animal"] if labelled else [])])
        for i in range(count):
            k = i % len(ANIMALS)
            for t in reversed(range(int(rng.integers(3, 7)))):
                cells = [f"s{i}", t, round(rng.normal(k, 0.3), 3), round(rng.normal(), 3)]
                out.writerow(cells + ([ANIMALS[k]] if labelled else []))


def series_csv(path: Path, start: int = 0, stop: int = 300) -> None:
    lines = ["time,y,x"]
    lines += [f"{i},{np.sin(i / 5):.4f},{np.cos(i / 7):.4f}" for i in range(start, stop)]
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    import tuner

    root = tmp_path_factory.mktemp("predict")
    long_csv(root / "train.csv", 45, seed=1)
    long_csv(root / "test.csv", 12, seed=2)
    columns = {"id": "seq", "order": "t", "label": "animal"}
    data = {"dataset": "sequences", "path": str(root / "train.csv"), **columns}
    sequences = tuner.search(
        {
            "name": "animals",
            "data": {**data, "test_path": str(root / "test.csv")},
            "space": SPACE,
            "search": SEARCH,
            "report": {"top_k": 1},
        },
        runs=root / "runs",
    )
    series_csv(root / "series.csv")
    series = tuner.search(
        {
            "name": "wave",
            "data": {
                "dataset": "csv",
                "path": str(root / "series.csv"),
                "target": "y",
                "window": 8,
                "horizon": 2,
            },  # fmt: skip
            "space": SPACE,
            "search": {**SEARCH, "max_trials": 1},
            "report": {"top_k": 1},
        },
        runs=root / "runs",
    )
    return {"root": root, "animals": sequences, "wave": series}


def tuner_cli(root: Path, *args: str) -> Any:
    return run_tuner(*args, cwd=root, timeout=120)


def best_test(run: Path) -> dict[str, float]:
    test: dict[str, float] = json.loads((run / "best" / "test.json").read_text())["trials"][0][
        "test"
    ]
    return test


def padded_arrays(path: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The long CSV as a user would save it in an .npz: x NaN-padded to 9 steps (more than
    any sequence has), y the text labels, and the ids."""
    table = pd.read_csv(path)
    ids = list(dict.fromkeys(table["seq"]))
    x = np.full((len(ids), 9, 2), np.nan)
    labels = []
    for i, name in enumerate(ids):
        rows = table[table["seq"] == name].sort_values("t")
        x[i, : len(rows)] = rows[["a", "b"]].to_numpy()
        labels.append(rows["animal"].iloc[0])
    return x, np.array(labels), ids


def test_evaluating_the_searchs_own_test_file_gives_its_test_metrics(runs: dict[str, Any]) -> None:
    from tuner import service

    run, root = runs["animals"], runs["root"]
    result = service.evaluate(run, root / "test.csv")
    assert result.metrics == pytest.approx(best_test(run), rel=1e-4)
    assert result.samples == 12 and result.warnings == ()
    assert list(result.per_class["class"]) == list(ANIMALS)
    assert list(result.per_class["samples"]) == [4, 4, 4]
    x, y, _ = padded_arrays(root / "test.csv")  # the same data as NaN-padded text-labelled arrays
    np.savez(root / "test.npz", x=x, y=y)
    assert service.evaluate(run, root / "test.npz").metrics == pytest.approx(result.metrics)
    np.savez(root / "search-layout.npz", x_train=x[:, :6], y_train=y)  # as data.test_path reads
    again = service.evaluate(run, root / "search-layout.npz").metrics
    assert again == pytest.approx(result.metrics)


def test_evaluate_prints_the_metrics_and_each_class(runs: dict[str, Any]) -> None:
    root = runs["root"]
    result = tuner_cli(root, "evaluate", str(runs["animals"]), "--data", "test.csv")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("accuracy=") and " loss=" in lines[0]
    assert [line.split(":")[0] for line in lines[1:]] == [f"class {a}" for a in ANIMALS]
    assert all(" samples=4 precision=" in line and " recall=" in line for line in lines[1:])


def test_labels_the_run_never_saw_are_named_in_one_line(runs: dict[str, Any]) -> None:
    from tuner import service
    from tuner.errors import DataError

    root = runs["root"]
    x, y, _ = padded_arrays(root / "test.csv")
    y[:3] = ["yak", "owl", "yak"]
    np.savez(root / "strangers.npz", x=x, y=y)
    with pytest.raises(DataError) as refused:
        service.evaluate(runs["animals"], root / "strangers.npz")
    assert str(refused.value) == (
        f"{root / 'strangers.npz'}: y: labels 'yak', 'owl' not among the classes the model was "
        "trained on (cat, dog, emu); drop those samples or name their classes as in training"
    )


def test_predict_names_each_sequence_and_its_class_with_probabilities(
    runs: dict[str, Any],
) -> None:
    import tuner

    root = runs["root"]
    long_csv(root / "unlabelled.csv", 5, seed=3, labelled=False)
    frame = tuner.predict(runs["animals"], data=root / "unlabelled.csv")
    probabilities = [f"probability_{a}" for a in ANIMALS]
    assert list(frame.columns) == ["seq", "class", *probabilities]
    assert list(frame["seq"]) == [f"s{i}" for i in range(5)]
    chances = frame[probabilities].to_numpy()
    assert np.allclose(chances.sum(axis=1), 1, atol=1e-5)
    assert list(frame["class"]) == [ANIMALS[i] for i in chances.argmax(axis=1)]
    # The same sequences as padded arrays, from a file or from Python: the same predictions.
    long_csv(root / "labelled-twin.csv", 5, seed=3)
    x, _, _ = padded_arrays(root / "labelled-twin.csv")
    np.savez(root / "unlabelled.npz", x=x)
    from_npz = tuner.predict(runs["animals"], data=root / "unlabelled.npz")
    assert list(from_npz.columns) == ["index", "class", *probabilities]
    assert list(from_npz["index"]) == ["0", "1", "2", "3", "4"]
    assert np.allclose(from_npz[probabilities].to_numpy(), chances, atol=1e-6)
    from_x = tuner.predict(runs["animals"], x=x[:, :6])
    assert np.allclose(from_x[probabilities].to_numpy(), chances, atol=1e-6)


def test_predict_writes_a_csv_pandas_reads_back_or_prints_it(
    runs: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tuner.cli import main

    root = runs["root"]
    long_csv(root / "unseen.csv", 4, seed=4)  # labels present: predict leaves them alone
    written = tuner_cli(
        root, "predict", str(runs["animals"]), "--data", "unseen.csv", "--out", "out.csv"
    )
    assert written.returncode == 0, written.stderr
    assert written.stdout == "" and written.stderr.endswith("wrote 4 predictions to out.csv\n")
    table = pd.read_csv(root / "out.csv")
    assert list(table.columns[:2]) == ["seq", "class"] and len(table) == 4
    assert set(table["class"]) <= set(ANIMALS)
    monkeypatch.chdir(root)  # the same command without --out, in this process (Keras loaded)
    assert main(["predict", str(runs["animals"]), "--data", "unseen.csv"]) == 0
    assert pd.read_csv(io.StringIO(capsys.readouterr().out)).equals(table)
    assert main(["predict", str(runs["animals"]), "--data", "unseen.csv", "--out", "p.txt"]) == 2
    assert capsys.readouterr().err == (
        "error: --out: predictions are written as CSV; name a .csv file, not p.txt\n"
    )


@pytest.mark.parametrize(
    ("name", "write", "message"),
    [
        (
            "short.txt",
            lambda p: p.write_text("x"),
            "expected an .npz or a .csv file, not .txt; give x in an .npz (np.savez) or the "
            "run's kind of .csv",
        ),
        (
            "other-names.npz",
            lambda p: np.savez(p, inputs=np.zeros((2, 4, 2))),
            "missing array 'x'; save arrays named x (np.savez)",
        ),
        (
            "objects.npz",
            lambda p: np.savez(p, x=np.array([None, 1], dtype=object)),
            "x: x holds Python objects; save numeric arrays with np.savez",
        ),
    ],
)
def test_bad_files_for_predict_exit_2_with_one_line_before_keras(
    runs: dict[str, Any], name: str, write: Any, message: str
) -> None:
    root = runs["root"]
    write(root / name)
    result = tuner_cli(root, "predict", str(runs["animals"]), "--data", name)
    assert result.returncode == 2
    assert result.stderr == f"error: {name}: {message}\n"


def test_inputs_that_do_not_fit_the_model_are_refused_in_one_line(runs: dict[str, Any]) -> None:
    import tuner
    from tuner.errors import DataError, UserInputError

    run = runs["animals"]
    x, _, _ = padded_arrays(runs["root"] / "test.csv")
    cases = {
        "x has 3 feature(s) per step, the model reads 2; give the features it was trained on": (
            np.concatenate([x, x[:, :, :1]], axis=2)
        ),
        "sequence 0 has NaN in some features of step 0; NaN pads whole steps only": np.where(
            np.arange(2) == 0, np.nan, x
        ),
    }
    longest = run_steps(run)
    longer = np.concatenate([x, np.ones((len(x), longest, 2))], axis=1)
    cases[
        f"sequence 0 has more than {longest} steps, the most the model reads (the longest "
        f"training sequence); cut it to {longest} steps"
    ] = longer
    for message, values in cases.items():
        with pytest.raises(DataError) as refused:
            tuner.predict(run, x=values)
        assert str(refused.value) == f"the arrays: x: {message}"
    with pytest.raises(UserInputError, match="^give the samples to predict as data=FILE or as"):
        tuner.predict(run)
    narrow = runs["root"] / "only-a.csv"
    narrow.write_text("seq,t,a\ns0,0,1.5\ns0,1,2.5\n")
    with pytest.raises(DataError) as refused:
        tuner.predict(run, data=narrow)
    assert str(refused.value) == (
        f"{narrow}: data.features: its feature columns are a, 1 of them; the model reads 2: "
        "give the training file's feature columns"
    )


def run_steps(run: Path) -> int:
    import zipfile

    with zipfile.ZipFile(run / "best" / "model.keras") as saved:
        layers = json.loads(saved.read("config.json"))["config"]["layers"]
    return int(layers[0]["config"]["batch_shape"][1])


def test_a_series_csv_is_scored_like_the_test_span_and_forecast_past_its_end(
    runs: dict[str, Any],
) -> None:
    import tuner
    from tuner import service

    run, root = runs["wave"], runs["root"]
    series_csv(root / "test-span.csv", start=240)  # the search's test part: its last 20%
    result = service.evaluate(run, root / "test-span.csv")
    test = json.loads((run / "best" / "test.json").read_text())
    assert result.samples == test["test_samples"] == 51
    assert {k: result.metrics[k] for k in ("mae", "rmse")} == pytest.approx(
        {k: best_test(run)[k] for k in ("mae", "rmse")}, rel=1e-4
    )
    assert list(result.baselines) == ["last_value"]
    assert result.baselines["last_value"] == pytest.approx(test["baselines"]["last_value"])
    frame = tuner.predict(run, data=root / "test-span.csv")
    assert list(frame.columns) == ["time", "forecast_1", "forecast_2"]
    assert len(frame) == 60 - 8 + 1 and frame["time"].iloc[-1] == "299"
    windows = np.stack([np.stack([np.sin(t / 5), np.cos(t / 7)], 1) for t in
                        [np.arange(s, s + 8) for s in range(240, 293)]])  # fmt: skip
    assert frame.iloc[0, 1:].to_numpy(float) == pytest.approx(
        tuner.predict(run, x=windows.round(4)).iloc[0, 1:].to_numpy(float), rel=1e-4
    )
