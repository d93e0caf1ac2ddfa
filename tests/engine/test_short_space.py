"""A search whose space holds fewer distinct points than max_trials says so before it starts
(and so on every resume, which prints "2 of 3 trials finished"), instead of ending silently
with fewer records (issue 20 item 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTE = (
    "note: the space holds only 2 distinct points, so the search stops after at most 2 trials, "
    "not 3"
)

FLAT = """
import keras

def build(hp):
    inputs = keras.Input(shape=(8, 8))
    x = keras.layers.Dense(hp.get("units"))(keras.layers.Flatten()(inputs))
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
"""


def test_a_two_point_space_says_it_stops_after_two_trials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tuner.cli import main

    (tmp_path / "flat.py").write_text(FLAT)  # no recurrent layer: the fastest model to train
    (tmp_path / "two.yaml").write_text(
        "name: two\ndata: {dataset: digits, limit: 40}\nmodel: {factory: 'flat:build'}\n"
        "space: {units: [4, 8]}\nsearch: {algorithm: random, max_trials: 3, epochs: 1, cv: null}\n"
        "report: {top_k: 1}\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    assert main(["search", "two.yaml"]) == 0
    assert NOTE in capsys.readouterr().err.splitlines()
    assert len(list((tmp_path / "runs" / "two" / "trials").glob("*.json"))) == 2
