"""Bad input through the real command line: exit 2, one line, no traceback, the key named.

Every malformed config of tests/config/test_validation.py goes through `tuner search` as a user
runs it, in real subprocesses (validation needs no Keras, so each takes a fraction of a second).
Bad mnist .npz files are checked by the data module and, for a few, through the CLI too.
"""

from __future__ import annotations

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import yaml
from helpers.cli import run_tuner
from helpers.configs import malformed_configs

from tuner.config.schema import load_config
from tuner.data.datasets import load_dataset
from tuner.errors import DataError

MALFORMED = malformed_configs()
KEY_PATH = re.compile(r"^bad\.yaml(:\d+)?: [a-z_]+(\.[a-z_]+|\[\d+\])*: ")


def tuner(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_tuner(*args, cwd=cwd, timeout=120)


def run_row_files(folder: Path, content: str | bytes) -> None:
    """``folder``/bad.yaml holding ``content``."""
    folder.mkdir()
    path = folder / "bad.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def run_row(folder: Path, content: str | bytes) -> subprocess.CompletedProcess[str]:
    run_row_files(folder, content)
    return tuner(folder, "search", "bad.yaml")


def test_every_malformed_config_exits_2_with_its_one_line_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each through the CLI's entry point in this process (no Keras is imported for a bad
    config); the next test runs a sample as real processes."""
    from tuner.cli import main

    wrong = []
    for name, content, message in MALFORMED:
        folder = tmp_path / name
        run_row_files(folder, content)
        monkeypatch.chdir(folder)
        code = main(["search", "bad.yaml"])
        out, err = capsys.readouterr()
        if code != 2 or err != f"error: {message}\n" or out:
            wrong.append(f"{name}: exit {code}: {err!r}")
        assert not (folder / "runs").exists(), name  # nothing written for bad input
    assert not wrong, "\n".join(wrong)


def test_malformed_configs_exit_2_with_their_one_line_message(tmp_path: Path) -> None:
    """Every fourth malformed config through a real `tuner search` process: exit 2, the one
    line, nothing written."""
    assert len(MALFORMED) >= 40
    rows = [(name, content, message) for name, content, message in MALFORMED[::4]]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda row: run_row(tmp_path / row[0], row[1]), rows))
    wrong = []
    for (name, _, message), result in zip(rows, results, strict=True):
        clean = result.returncode == 2 and "Traceback" not in result.stderr + result.stdout
        if not clean or result.stderr != f"error: {message}\n" or result.stdout:
            wrong.append(f"{name}: exit {result.returncode}: {result.stderr!r}")
        assert not (tmp_path / name / "runs").exists(), name  # nothing written for bad input
    assert not wrong, "\n".join(wrong)
    keyed = [message for _, _, message in MALFORMED if KEY_PATH.match(message)]
    assert len(keyed) >= 40  # the key path is in the message wherever there is one


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "missing.yaml"], "error: missing.yaml: no such file; check the path\n"),
        (
            ["search", "good.yaml", "--set", "search.max_trials"],
            "error: --set 'search.max_trials': expected KEY.PATH=VALUE, e.g. search.max_trials=5\n",
        ),
        (["validate", "."], "error: .: cannot read the file (Is a directory); check the path\n"),
    ],
    ids=["missing-file", "set-without-value", "folder"],
)
def test_bad_arguments_exit_2_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "good.yaml").write_text("space:\n  units: 8\n")
    result = tuner(tmp_path, *args)
    assert (result.returncode, result.stderr) == (2, message)


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("search.max_trials=many", "search.max_trials"),
        ("space.units={min: 8, max: 4}", "space.units"),
        ("data.validation_split=1.5", "data.validation_split"),
    ],
)
def test_bad_set_values_name_their_key(tmp_path: Path, override: str, key: str) -> None:
    (tmp_path / "good.yaml").write_text("space:\n  units: 8\n")
    result = tuner(tmp_path, "search", "good.yaml", "--set", override)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and key in result.stderr


# --- bad mnist .npz files (data.path) --------------------------------------------------

X, Y = np.zeros((30, 28, 28), dtype="float32"), np.arange(30) % 10


def npz(folder: Path, **arrays: np.ndarray) -> str:
    good = {"x_train": X, "y_train": Y, "x_test": X[:10], "y_test": Y[:10]}
    path = folder / "mine.npz"
    np.savez(path, **{**good, **arrays})
    return str(path)


BAD_NPZ = [
    ("x-2d", {"x_train": X.reshape(30, -1)}, "x_train must have shape (n, steps, features)"),
    ("x-nan", {"x_train": np.where(X == 0, np.nan, X)}, "x_train holds 23520 NaN or infinite"),
    ("x-inf-test", {"x_test": X[:10] + np.inf}, "x_test holds 7840 NaN or infinite"),
    ("lengths", {"y_train": Y[:29]}, "x_train has 30 samples but y_train has 29 labels"),
    ("labels-negative", {"y_train": Y - 1}, "y_train holds the label -1; class labels start at 0"),
    ("labels-fraction", {"y_test": Y[:10] / 2}, "y_test must hold whole class labels"),
    ("labels-2d", {"y_train": np.eye(10)[Y]}, "y_train must have shape (n,)"),
    ("steps-differ", {"x_test": np.zeros((10, 14, 28))}, "x_test has samples of shape (14, 28)"),
    ("too-few", {"x_train": X[:1], "y_train": Y[:1]}, "x_train has 1 sample(s); give at least 2"),
    ("text-pixels", {"x_train": np.full((30, 28, 28), "a")}, "x_train must hold numbers"),
]


def mnist_config(folder: Path, path: str) -> Path:
    config = folder / "c.yaml"
    config.write_text(
        yaml.safe_dump({"data": {"dataset": "mnist", "path": path}, "space": {"units": 8}})
    )
    return config


@pytest.mark.parametrize(("name", "arrays", "message"), BAD_NPZ, ids=[r[0] for r in BAD_NPZ])
def test_a_bad_npz_is_one_line_naming_the_file_and_array(
    tmp_path: Path, name: str, arrays: dict[str, np.ndarray], message: str
) -> None:
    path = npz(tmp_path, **arrays)
    with pytest.raises(DataError) as caught:
        load_dataset(load_config(mnist_config(tmp_path, path)).data, seed=1)
    text = str(caught.value)
    assert text.startswith(f"{path}: data.path: ") and message in text and "\n" not in text


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing", None, "no such file; check data.path"),
        ("not-npz", b"x,y\n1,2\n", "cannot read as .npz"),
        ("folder", "folder", "cannot read as .npz"),
    ],
)
def test_an_unreadable_npz_is_one_line(
    tmp_path: Path, name: str, content: bytes | str | None, message: str
) -> None:
    path = tmp_path / "mine.npz"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content == "folder":
        path.mkdir()
    with pytest.raises(DataError) as caught:
        load_dataset(load_config(mnist_config(tmp_path, str(path))).data, seed=1)
    assert str(caught.value).startswith(f"{path}: data.path: {message}")


def test_good_npz_loads(tmp_path: Path) -> None:
    dataset = load_dataset(load_config(mnist_config(tmp_path, npz(tmp_path))).data, seed=1)
    assert dataset.input_shape == (28, 28) and dataset.num_classes == 10


@pytest.mark.slow
@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        (None, "no such file {path!r}; fix the path"),
        ({"x_train": np.where(X == 0, np.nan, X)}, "x_train holds 23520 NaN or infinite"),
        ({"y_train": Y - 1}, "y_train holds the label -1; class labels start at 0"),
    ],
    ids=["missing", "nan", "negative-label"],
)
def test_bad_data_through_search_exits_2_with_one_line(
    tmp_path: Path, arrays: dict[str, np.ndarray] | None, message: str
) -> None:
    path = str(tmp_path / "mine.npz") if arrays is None else npz(tmp_path, **arrays)
    mnist_config(tmp_path, path)
    result = tuner(tmp_path, "search", "c.yaml")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
    if arrays is None:  # a missing file is caught with the config, at its line
        assert errors == [f"error: c.yaml:3: data.path: {message.format(path=path)}"]
    else:
        assert len(errors) == 1 and errors[0].startswith(f"error: {path}: data.path: {message}")


@pytest.mark.slow
def test_bad_data_for_evaluate_exits_2_with_one_line(tmp_path: Path) -> None:
    config = {
        "name": "tiny",
        "data": {"dataset": "mnist", "source": "bundled", "limit": 100},
        "space": {"units": 4, "batch_size": 64},
        "search": {"algorithm": "random", "max_trials": 1, "epochs": 1, "cv": None},
        "report": {"top_k": 1},
    }
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(config))
    assert tuner(tmp_path, "search", "tiny.yaml").returncode == 0
    cases = {
        "missing.npz": None,
        "nan.npz": {"x": np.where(X == 0, np.nan, X), "y": Y},
        "labels.npz": {"x": X, "y": Y + 5},
        "wrong-keys.npz": {"images": X, "labels": Y},
    }
    for name, arrays in cases.items():
        if arrays is not None:
            np.savez(tmp_path / name, **arrays)
        result = tuner(tmp_path, "evaluate", "runs/tiny", "--data", name)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
        assert len(errors) == 1 and errors[0].startswith(f"error: {name}: "), result.stderr
