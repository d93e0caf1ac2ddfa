"""The Python API misused: arrays of the wrong shape, empty or with nothing per step, and a
config that is neither a path nor a dict end in the toolkit's own exception with one line,
before anything trains or is written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tuner
from tuner.errors import ConfigError, DataError

CONFIG = {"name": "misuse", "data": {"dataset": "sequences"}, "space": {"units": [4, 8]},
          "search": {"max_trials": 1, "epochs": 1}}  # fmt: skip
LABELS = np.arange(10) % 2


@pytest.mark.parametrize(
    ("x", "y", "got"),
    [
        (np.zeros(10), LABELS, "(10,) and (10,)"),  # one value per sequence
        (np.zeros((10, 2, 2, 2)), LABELS, "(10, 2, 2, 2) and (10,)"),
        (np.zeros((0, 5, 1)), np.zeros(0, int), "(0, 5, 1) and (0,)"),
        (np.zeros((10, 5, 1)), LABELS[:9], "(10, 5, 1) and (9,)"),
        (np.zeros((10, 5, 0)), LABELS, "(10, 5, 0) and (10,)"),  # no feature at all
        (np.zeros((10, 0, 1)), LABELS, "(10, 0, 1) and (10,)"),  # no step
    ],
    ids=["rank-1", "rank-4", "empty", "lengths-differ", "zero-features", "zero-steps"],
)
def test_arrays_of_the_wrong_shape_are_a_data_error(
    tmp_path: Path, x: np.ndarray, y: np.ndarray, got: str
) -> None:
    with pytest.raises(DataError) as raised:
        tuner.search(CONFIG, x=x, y=y, runs=tmp_path / "runs")
    assert str(raised.value).endswith(f"n, steps and features > 0; got {got}")
    assert "\n" not in str(raised.value)
    assert not (tmp_path / "runs" / "misuse").exists()


@pytest.mark.parametrize("arrays", [False, True], ids=["config only", "with arrays"])
@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("name: x\nspace: {units: 4}\n", "config is a string of several lines: give a YAML"),
        ([1, 2], "config must be a YAML file's path or a dict of config keys, got list"),
        (5, "config must be a YAML file's path or a dict of config keys, got int"),
    ],
    ids=["yaml-text", "list", "int"],
)
def test_a_config_that_is_neither_a_path_nor_a_dict_is_a_config_error(
    tmp_path: Path, config: Any, message: str, arrays: bool
) -> None:
    given = {"x": np.zeros((10, 5, 1)), "y": LABELS} if arrays else {}
    with pytest.raises(ConfigError, match=message):
        tuner.search(config, runs=tmp_path / "runs", **given)
    assert not (tmp_path / "runs").exists()


def test_a_list_too_long_for_a_config_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """6,000,000 choices took minutes to write out and read back, and the message quoted
    them all; the length is checked first, and quoted."""
    config = {"name": "big", "space": {"units": list(range(1, 6_000_001))}}
    with pytest.raises(ConfigError) as raised:
        tuner.search(config, runs=tmp_path / "runs")
    assert str(raised.value) == (
        "the config dict: space.units: holds 6,000,000 values, over the 10,000 a config list "
        "may hold; give a range ({min: ..., max: ...}) or fewer values"
    )


def test_saved_arrays_changed_after_they_were_saved_are_refused(tmp_path: Path) -> None:
    """runs/.arrays/<fingerprint>.npz is checked whenever it is used again, by tuner.search
    with the same arrays and by any search of the run's config: a file changed since (its
    arrays no longer give its name) is refused, so a resume never trains on other data."""
    from tuner.config.schema import from_source
    from tuner.config.yaml_lines import load_text
    from tuner.run import saved_arrays
    from tuner.service.session import open_session

    splits = saved_arrays.splits_of(np.ones((10, 5, 1)), LABELS, None, None)
    path = saved_arrays.save(tmp_path / "runs", splits)
    assert saved_arrays.save(tmp_path / "runs", splits) == path  # unchanged: used again
    np.savez(path, x_train=np.zeros((10, 5, 1)), y_train=LABELS)  # planted in its place
    expected = f"{path}: does not hold the arrays its name fingerprints ({path.stem})"
    with pytest.raises(DataError, match=re.escape(expected)):
        saved_arrays.save(tmp_path / "runs", splits)
    text = f"name: r\ndata: {{dataset: sequences, path: {path}}}\nspace: {{units: [4, 8]}}\n"
    with pytest.raises(DataError, match=re.escape(expected)):
        open_session(from_source(load_text(text, file="r.yaml")))
