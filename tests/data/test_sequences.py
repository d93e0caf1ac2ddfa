"""dataset: sequences — the user's own labelled sequences from .csv (long format) or .npz:
ragged lengths padded with NaN and masked, text labels kept by name, bad files refused in one
line with the file and line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from helpers.paths import REPO
from helpers.tables import load_table

from tuner.config.schema import load_config
from tuner.data import sequences
from tuner.data.datasets import load_dataset
from tuner.errors import ConfigError, DataError

HEADER = "id,t,a,b,label\n"


def csv_file(tmp_path: Path, rows: str, name: str = "seq.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + rows)
    return path


COLUMNS = sequences.CsvColumns(id="id", label="label", order="t")
# Message tables: tests/tables/sequences.yaml.
BAD_CSV_ROWS = load_table("sequences", "bad_csv_rows", ("id", "rows", "message"))
KEYS_NOT_READ = load_table("sequences", "keys_not_read", ("id", "data", "message"))


def test_a_ragged_csv_reads_each_sequence_in_step_order_padded_with_nan(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "s1,1,2,20,up\ns2,0,5,50,down\ns1,0,1,10,up\ns1,2,3,30,up\n")
    read = sequences.read_csv(str(path), COLUMNS)
    assert read.features == ("a", "b")  # every other numeric column; t orders, not a feature
    assert read.labels.tolist() == ["up", "down"]
    assert read.x.shape == (2, 3, 2)
    assert read.x[0].tolist() == [[1, 10], [2, 20], [3, 30]]
    assert read.x[1, 0].tolist() == [5, 50] and np.isnan(read.x[1, 1:]).all()


@pytest.mark.parametrize(("rows", "message"), [r[1:] for r in BAD_CSV_ROWS],
                         ids=[r[0] for r in BAD_CSV_ROWS])  # fmt: skip
def test_a_bad_csv_names_the_file_line_and_key(tmp_path: Path, rows: str, message: str) -> None:
    path = csv_file(tmp_path, rows)
    with pytest.raises(DataError) as caught:
        sequences.read_csv(str(path), COLUMNS)
    assert str(caught.value) == f"{path}{message}"


def test_a_missing_column_names_the_header_line(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "s1,0,1,10,up\n")
    with pytest.raises(DataError) as caught:
        sequences.read_csv(str(path), sequences.CsvColumns(id="speaker", label="label"))
    assert str(caught.value) == (
        f"{path}:1: data.id: no column 'speaker'; the columns are id, t, a, b, label"
    )


def config(tmp_path: Path, **data: object) -> Path:
    doc = {
        "name": "seq",
        "data": {"dataset": "sequences", **data},
        "space": {"units": 4, "batch_size": 16},
        "search": {"algorithm": "random", "max_trials": 1, "epochs": 2, "cv": None},
    }
    path = tmp_path / "seq.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def ragged(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, 10, 2) sequences of 4..10 steps, NaN-padded; label 1 where the values rise."""
    y = np.arange(n) % 2
    x = np.full((n, 10, 2), np.nan, dtype="float32")
    for i in range(n):
        steps = int(rng.integers(4, 11))
        slope = 1.0 if y[i] else -1.0
        x[i, :steps] = slope * np.arange(steps)[:, None] + rng.normal(0, 0.1, (steps, 2))
    return x, y


def test_an_npz_with_its_own_splits_and_text_labels(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    (xt, yt), (xv, yv), (xs, ys) = (ragged(rng, n) for n in (40, 10, 12))
    names = np.array(["fall", "rise"])
    path = tmp_path / "seq.npz"
    np.savez(
        path, x_train=xt, y_train=names[yt], x_val=xv, y_val=names[yv], x_test=xs, y_test=names[ys]
    )
    cfg = load_config(config(tmp_path, path=str(path)))
    data = load_dataset(cfg.data, cfg.seed)
    assert data.class_names == ("fall", "rise") and data.padded
    assert (len(data.x_train), len(data.x_val), len(data.x_test)) == (40, 10, 12)
    assert np.array_equal(data.y_test, ys)
    finite = xt[np.isfinite(xt).all(axis=2)]
    assert np.allclose(data.mean, finite.mean(axis=0))  # padding left out of the statistics


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        (
            {"x_train": np.zeros((4, 3)), "y_train": np.zeros(4, dtype=int)},
            "the training sequences hold one class only (0); a classifier needs two",
        ),
        (
            {"x_train": np.array([[1.0, np.nan, 2.0], [1, 2, 3]]), "y_train": np.arange(2)},
            "x_train: sequence 0 has NaN steps before real ones; pad at the end only",
        ),
        (
            {"x_train": np.full((2, 3), np.nan), "y_train": np.arange(2)},
            "x_train: sequence 0 has no steps (all NaN); remove it",
        ),
        (
            {"x_train": np.zeros((2, 3)), "y_train": np.arange(2), "x_test": np.zeros((2, 3))},
            "missing array 'y_test'; save x_test and y_test",
        ),
        (
            {"x_train": np.zeros((2, 3)), "y_train": np.array([0.5, 1.5])},
            "y_train: y_train holds float64 values; give integers or text (dtype str)",
        ),
    ],
    ids=["one-class", "nan-inside", "empty", "half-a-split", "float-labels"],
)
def test_a_bad_npz_is_refused_in_one_line(
    tmp_path: Path, arrays: dict[str, np.ndarray], message: str
) -> None:
    path = tmp_path / "seq.npz"
    np.savez(path, **arrays)
    cfg = load_config(config(tmp_path, path=str(path)))
    with pytest.raises(DataError) as caught:
        load_dataset(cfg.data, cfg.seed)
    assert str(caught.value).startswith(f"{path}: ") and str(caught.value).endswith(message)


def test_a_test_file_without_the_training_features_is_refused(tmp_path: Path) -> None:
    train = csv_file(tmp_path, "s1,0,1,10,up\ns2,0,2,20,down\n")
    test = tmp_path / "test.csv"
    test.write_text("id,t,a,label\ns3,0,1,up\n")
    cfg = load_config(
        config(tmp_path, path=str(train), test_path=str(test), id="id", order="t", label="label")
    )
    with pytest.raises(DataError) as caught:
        load_dataset(cfg.data, cfg.seed)
    assert str(caught.value) == (
        f"{test}:1: data.features: has no feature column 'b' of the training file; add it"
    )


@pytest.mark.parametrize(("data", "message"), [r[1:] for r in KEYS_NOT_READ],
                         ids=[r[0] for r in KEYS_NOT_READ])  # fmt: skip
def test_keys_a_dataset_does_not_read_are_refused(
    tmp_path: Path, data: dict[str, str], message: str
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"data": data, "space": {"units": 4}}))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).split(": ", 1)[1] == message


@pytest.mark.slow
def test_the_shipped_example_searches_exports_and_masks_its_padding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The shipped gestures config, cut to one short trial, through the CLI's entry point in
    this process; then the exported model, loaded by Keras itself, on padded raw input."""
    from tuner.cli import main

    monkeypatch.chdir(REPO)
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    runs = tmp_path / "runs"
    overrides = ["search.max_trials=1", "search.epochs=2", "search.final_model=checkpoint"]
    args = ["search", "configs/sequences_example.yaml", "--runs", str(runs)]
    assert main([*args, *(f"--set={o}" for o in overrides)]) == 0, capsys.readouterr().err
    run = runs / "gestures"
    assert json.loads((run / "best" / "classes.json").read_text()) == ["circle", "line", "zigzag"]

    import keras

    import tuner.engine.model  # noqa: F401  registers PaddingMask for Keras' loader

    cfg = load_config(REPO / "configs" / "sequences_example.yaml")
    data = load_dataset(cfg.data, cfg.seed)
    model = keras.saving.load_model(run / "best" / "model.keras")
    probabilities = model.predict(data.x_test, verbose=0)
    test = json.loads((run / "best" / "test.json").read_text())["trials"][0]["test"]
    assert np.isclose((probabilities.argmax(1) == data.y_test).mean(), test["accuracy"])
    from helpers.reports import table_rows

    from tuner.reporting.write import write_reports

    write_reports([run], out=tmp_path / "reports")
    markdown = (tmp_path / "reports" / "gestures" / "report.md").read_text()
    assert [row[0] for row in table_rows(markdown, "Classes")] == ["circle", "line", "zigzag"]
    assert (tmp_path / "reports" / "gestures" / "figures" / "confusion.png").is_file()
    longer = sequences.repad(data.x_test, data.x_test.shape[1] + 7)  # more padding, same data
    wide = keras.Model(model.inputs, model.outputs)  # the same weights
    rebuilt = keras.Sequential([keras.Input(longer.shape[1:]), *wide.layers[1:]])
    assert np.allclose(rebuilt.predict(longer, verbose=0), probabilities, atol=1e-5)


def test_per_class_precision_and_recall_count_by_hand() -> None:
    from tuner.analysis.classes import confusion, per_class
    from tuner.run.results import ClassPredictions

    made = ClassPredictions(
        actual=np.array([0, 0, 0, 1, 1, 2]),
        predicted=np.array([0, 0, 1, 1, 1, 1]),
        classes=("cat", "dog", "eel"),
    )
    assert confusion(made).tolist() == [[2, 1, 0], [0, 2, 0], [0, 1, 0]]
    table = per_class(made)
    assert table["samples"].tolist() == [3, 2, 1]
    assert table["recall"].round(3).tolist() == [0.667, 1.0, 0.0]
    assert table["precision"].iloc[:2].round(3).tolist() == [1.0, 0.5]
    assert np.isnan(table["precision"].iloc[2])  # never predicted: no precision, not 0


def test_balanced_class_weights_weigh_a_rare_class_up() -> None:
    from tuner.engine.recipe import balanced_weights

    labels = np.array([0] * 6 + [1] * 2)
    assert balanced_weights(labels, 3) == {0: 8 / (2 * 6), 1: 8 / (2 * 2), 2: 1.0}


def test_class_weight_is_for_classification_only(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        yaml.safe_dump(
            {"data": {"dataset": "sine", "class_weight": "balanced"}, "space": {"units": 4}}
        )
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).split(": ", 1)[1] == (
        "data.class_weight: class_weight is for the mnist, fashion_mnist, digits and sequences "
        "datasets, not sine; remove it"
    )
