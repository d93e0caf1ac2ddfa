"""Hostile data and config files (issue 20, item 9): what would exhaust memory or time is
refused before it is loaded, with exit 2 and one line naming the bound, well within 15 s.

Each file is made here (small on disk: the bounds are checked on what is cheap to know, so a
file need only declare or imply a huge size) and goes through `tuner validate` in this process,
which runs the loading code `tuner search` runs; two go through real `tuner search` processes,
and evaluate's reader of x and y is fed the zip bomb too.
"""

from __future__ import annotations

import io
import os
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from helpers.cli import run_tuner

from tuner import cli
from tuner.config import yaml_lines
from tuner.data import limits
from tuner.data.sequences import read_npz
from tuner.data.xy_file import read_xy
from tuner.errors import DataError

SECONDS = 15


def config(folder: Path, data: dict[str, Any]) -> None:
    text = yaml.safe_dump({"name": "c", "data": data, "space": {"units": 4}})
    (folder / "c.yaml").write_text(text, encoding="utf-8")


def declared(path: Path, shapes: dict[str, tuple[int, ...]], dtype: str = "<f4") -> None:
    """An .npz whose members' headers declare ``shapes`` but hold only a few bytes of data: a
    zip bomb as numpy sees it (it allocates what the header declares, then reads)."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, shape in shapes.items():
            header = io.BytesIO()
            info = {"descr": dtype, "fortran_order": False, "shape": shape}
            np.lib.format.write_array_header_1_0(header, info)
            archive.writestr(f"{name}.npy", header.getvalue() + bytes(64))


def many_classes_csv(folder: Path) -> None:
    rows = "".join(f"s{i},1,class{i}\n" for i in range(100_000))
    (folder / "d.csv").write_text("id,a,label\n" + rows)
    config(folder, {"dataset": "sequences", "path": "d.csv", "id": "id", "label": "label"})


def many_classes_npz(folder: Path) -> None:
    x, y = np.zeros((1_000_000, 1, 1), dtype="float32"), np.arange(1_000_000)
    np.savez(folder / "d.npz", x_train=x, y_train=y)
    config(folder, {"dataset": "sequences", "path": "d.npz"})


def one_long_sequence(folder: Path) -> None:
    short = "".join(f"s{i},1,{'ab'[i % 2]}\ns{i},2,{'ab'[i % 2]}\n" for i in range(2000))
    (folder / "d.csv").write_text("id,a,label\n" + short + "long,1,a\n" * 300_000)
    config(folder, {"dataset": "sequences", "path": "d.csv", "id": "id", "label": "label"})


def sequences_bomb(folder: Path) -> None:
    declared(folder / "d.npz", {"x_train": (100_000, 100_000, 10), "y_train": (100_000,)})
    config(folder, {"dataset": "sequences", "path": "d.npz"})


def mnist_bomb(folder: Path) -> None:
    shapes = {"x_train": (60_000, 28, 28), "y_train": (60_000,), "x_test": (10**9, 28, 28)}
    declared(folder / "m.npz", {**shapes, "y_test": (10,)}, dtype="|u1")
    config(folder, {"dataset": "mnist", "path": "m.npz"})


def long_windows(folder: Path) -> None:
    rows = "".join(f"{t},{t % 7}\n" for t in range(200_000))
    (folder / "s.csv").write_text("time,y\n" + rows)
    config(folder, {"dataset": "csv", "path": "s.csv", "target": "y", "window": 5000})


def huge_csv(folder: Path) -> None:
    with open(folder / "s.csv", "wb") as handle:  # sparse: 300 MiB without writing them
        handle.truncate(300 * 1024**2)
    config(folder, {"dataset": "csv", "path": "s.csv", "target": "y"})


def long_sine(folder: Path) -> None:
    config(folder, {"dataset": "sine", "length": 10_000_000_000})


HOSTILE: list[tuple[str, Callable[[Path], None], str]] = [
    (
        "100000-classes-csv",
        many_classes_csv,
        "d.csv: data.label: column 'label' holds 100,000 classes, over the bound of 1,000 "
        "classes a classifier takes; merge classes or check that the labels are class names",
    ),
    (
        "1000000-classes-npz",
        many_classes_npz,
        "d.npz: y_train: y_train holds 1,000,000 classes, over the bound of 1,000 classes a "
        "classifier takes; merge classes or check that the labels are class names",
    ),
    (
        "one-long-sequence",
        one_long_sequence,
        "d.csv: data.path: 2,001 sequences padded to the longest (sequence 'long', 300,000 "
        "steps) of 1 feature would take 2.24 GiB, over the bound of 2 GiB; cut or split the "
        "long sequences, or give fewer",
    ),
    (
        "sequences-zip-bomb",
        sequences_bomb,
        "d.npz: the arrays (x_train (100000, 100000, 10), y_train (100000,)) as their headers "
        "declare them would take 373 GiB, over the bound of 2 GiB; give fewer or shorter samples",
    ),
    (
        "mnist-zip-bomb",
        mnist_bomb,
        "m.npz: data.path: the arrays (x_train (60000, 28, 28), y_train (60000,), x_test "
        "(1000000000, 28, 28), y_test (10,)) as their headers declare them would take 730 GiB, "
        "over the bound of 2 GiB; give fewer or shorter samples",
    ),
    (
        "windows-past-the-bound",
        long_windows,
        "s.csv: data.window: the windows (about 200,000 of 5,000 steps, 1 feature) would take "
        "3.73 GiB, over the bound of 2 GiB; lower data.window or give a shorter series",
    ),
    (
        "csv-past-the-size-bound",
        huge_csv,
        "s.csv: data.path: the file is 300 MiB, over the bound of 256 MiB; give fewer time "
        "steps (e.g. resample the series)",
    ),
    ("sine-length", long_sine, "c.yaml:3: data.length: must be <= 1000000, got 10000000000"),
]


@pytest.mark.parametrize(("make", "message"), [r[1:] for r in HOSTILE], ids=[r[0] for r in HOSTILE])
def test_hostile_data_is_refused_before_it_is_loaded(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    make: Callable[[Path], None],
    message: str,
) -> None:
    make(tmp_path)
    monkeypatch.chdir(tmp_path)
    started = time.perf_counter()
    assert cli.main(["validate", "c.yaml"]) == 2
    assert time.perf_counter() - started < SECONDS
    assert capsys.readouterr() == ("", f"error: {message}\n")


@pytest.mark.parametrize("name", ["1000000-classes-npz", "sequences-zip-bomb"])
def test_search_refuses_hostile_data_as_validate_does(tmp_path: Path, name: str) -> None:
    _, make, message = next(row for row in HOSTILE if row[0] == name)
    make(tmp_path)
    started = time.perf_counter()
    result = run_tuner("search", "c.yaml", cwd=tmp_path, timeout=60)
    assert time.perf_counter() - started < SECONDS
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"error: {message}\n")


def test_evaluate_reads_no_zip_bomb(tmp_path: Path) -> None:
    declared(tmp_path / "xy.npz", {"x": (10**6, 1000, 100), "y": (10**6,)})
    with pytest.raises(DataError) as caught:
        read_xy(tmp_path / "xy.npz")
    assert str(caught.value) == (
        f"{tmp_path / 'xy.npz'}: the arrays (x (1000000, 1000, 100), y (1000000,)) as their "
        "headers declare them would take 373 GiB, over the bound of 2 GiB; give fewer or "
        "shorter samples"
    )


def test_an_npz_of_python_objects_is_refused_by_its_header(tmp_path: Path) -> None:
    path = tmp_path / "d.npz"
    np.savez(path, x_train=np.array([None] * 4, dtype=object), y_train=[0, 1, 0, 1])
    with pytest.raises(DataError) as caught:
        read_npz(str(path))
    assert str(caught.value) == (
        f"{path}: x_train: x_train holds Python objects; save numeric arrays with np.savez"
    )


def test_a_damaged_member_is_named(tmp_path: Path) -> None:
    path = tmp_path / "d.npz"
    declared(path, {"x_train": (100, 2, 1), "y_train": (100,)})  # 64 bytes of 800 (and 400)
    with pytest.raises(DataError) as caught:
        read_npz(str(path))
    assert str(caught.value) == (
        f"{path}: x_train: x_train cannot be read (damaged or truncated); save it again with "
        "np.savez"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x_train.npy", b"not an array")
        archive.writestr("y_train.npy", b"")
    with pytest.raises(DataError) as caught:
        read_npz(str(path))
    assert str(caught.value) == (
        f"{path}: x_train: x_train cannot be read (damaged, or not a numeric array); save "
        "numeric arrays with np.savez"
    )


# --- the config file itself -----------------------------------------------------------------


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_config_that_is_a_device_is_refused_unread(
    capsys: pytest.CaptureFixture[str],
) -> None:
    started = time.perf_counter()
    assert cli.main(["validate", "/dev/zero"]) == 2
    assert time.perf_counter() - started < 1
    message = "error: /dev/zero: not a regular file (a device or pipe); give a YAML config file\n"
    assert capsys.readouterr() == ("", message)


def test_a_50_mb_config_is_refused_unparsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "big.yaml").write_text("big:\n" + "  - 1\n" * 10_000_000)  # 60 MB
    monkeypatch.chdir(tmp_path)
    started = time.perf_counter()
    assert cli.main(["validate", "big.yaml"]) == 2
    assert time.perf_counter() - started < 1
    message = (
        "error: big.yaml: the file is over 1,000,000 bytes, the bound for a config (which needs "
        "a few kilobytes); give a YAML config file\n"
    )
    assert capsys.readouterr() == ("", message)
    assert yaml_lines.MAX_CONFIG_BYTES == 1_000_000


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_data_file_that_is_a_device_is_refused_at_its_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    config(tmp_path, {"dataset": "csv", "path": "zero.csv", "target": "y"})
    monkeypatch.chdir(tmp_path)
    assert cli.main(["validate", "c.yaml"]) == 2
    where = "'zero.csv', that is /dev/zero (relative to the current folder)"
    message = f"error: c.yaml:3: data.path: {where} is not a regular file; name a data file\n"
    assert capsys.readouterr() == ("", message)
    with pytest.raises(DataError) as caught:  # the data stage's own check, for the API's callers
        limits.check_file_size("zero.csv", limits.MAX_CSV_BYTES, "")
    assert str(caught.value) == "zero.csv: not a regular file (a device or pipe); give a data file"


def test_the_bounds_are_those_the_readme_states() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert (limits.MAX_CLASSES, limits.MAX_MAGNITUDE) == (1000, 1e18)
    for text in ("1,000 classes", "2 GiB", "256 MiB", "1e18", "1,000,000 steps", "1 MB"):
        assert text in readme, text
