"""Splits with other features than the training set (issue 20, item 6): refused in one line
naming the split, from tuner.search's arrays and from an .npz file alike, before Keras (numpy's
own ValueError, exit 1, reached the user before)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tuner
from tuner.data.sequences import read_npz
from tuner.errors import DataError

X, Y = np.zeros((12, 5, 3), dtype="float32"), np.arange(12) % 2


@pytest.mark.parametrize(
    ("split", "key"), [("test_data", "test_data[0]"), ("validation_data", "validation_data[0]")]
)
def test_the_api_refuses_a_split_with_other_features(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, split: str, key: str
) -> None:
    monkeypatch.chdir(tmp_path)
    other = (np.zeros((4, 5, 2), dtype="float32"), np.arange(4) % 2)
    config = {"space": {"units": 4}, "search": {"max_trials": 1, "epochs": 1}}
    with pytest.raises(DataError) as caught:
        tuner.search(config, x=X, y=Y, runs="runs", **{split: other})
    assert str(caught.value) == (
        f"the arrays: {key}: 2 features, but the training set has 3; give every split the "
        "same features"
    )
    assert not (tmp_path / "runs" / "run" / "trials").exists()


def test_an_npz_split_may_differ_in_steps_but_not_in_features(tmp_path: Path) -> None:
    path = tmp_path / "d.npz"
    np.savez(path, x_train=X, y_train=Y, x_val=np.zeros((4, 9, 3)), y_val=[0, 1, 0, 1])
    assert read_npz(str(path))["val"].x.shape == (4, 9, 3)  # padded to a common length later
    np.savez(path, x_train=X, y_train=Y, x_val=np.zeros((4, 5, 1)), y_val=[0, 1, 0, 1])
    with pytest.raises(DataError) as caught:
        read_npz(str(path))
    assert str(caught.value) == (
        f"{path}: x_val: 1 feature, but the training set has 3; give every split the same features"
    )
