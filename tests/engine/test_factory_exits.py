"""A model factory that exits, raises KeyboardInterrupt itself or builds a model of the wrong
output shape is reported as the factory's fault in one line, exit 2 (issue 20 item 12, issue
24 item 9), while the user's own Ctrl-C still stops the search with 130."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.cli import run_tuner

MODEL = """
import os, signal, sys
import keras

def build(hp):
    {before}
    inputs = keras.Input(shape=(8, 8))
    x = keras.layers.GRU(hp.get("units"))(inputs)
    model = keras.Model(inputs, keras.layers.Dense({width}, activation="softmax")(x))
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
"""


def write_factory(
    folder: Path, name: str, before: str = "pass", width: int = 10, top: str = ""
) -> Path:
    (folder / f"{name}.py").write_text(top + MODEL.format(before=before, width=width))
    config = folder / f"{name}.yaml"
    config.write_text(
        f"name: {name}\ndata: {{dataset: digits, limit: 40}}\nmodel: {{factory: '{name}:build'}}\n"
        "space: {units: [4, 8]}\nsearch: {algorithm: grid, max_trials: 2, epochs: 1, cv: null}\n"
    )
    return config


def search_in_process(
    folder: Path, config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    from tuner.cli import main

    monkeypatch.chdir(folder)
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    code = main(["search", config.name])
    return code, capsys.readouterr().err.strip().splitlines()[-1]


BUILD_EXIT = "a factory must return a compiled keras.Model or raise an exception, never exit"


@pytest.mark.parametrize(
    ("name", "before", "message"),
    [
        ("exit7", "sys.exit(7)", f"build(hp) called sys.exit(7); {BUILD_EXIT}"),
        ("exit0", "sys.exit(0)", f"build(hp) called sys.exit(0); {BUILD_EXIT}"),
        # the grid's second point (units 8) exits: inside a trial, not the check before it
        (
            "late",
            "sys.exit(3) if hp.get('units') == 8 else None",
            f"build(hp) called sys.exit(3); {BUILD_EXIT}",
        ),
        (
            "ctrl",
            "raise KeyboardInterrupt",
            "build(hp) raised KeyboardInterrupt, which stands for Ctrl-C; raise another "
            "exception to report a problem",
        ),
    ],
)
def test_a_factory_that_exits_is_the_factorys_fault(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    before: str,
    message: str,
) -> None:
    config = write_factory(tmp_path, name, before)
    code, last = search_in_process(tmp_path, config, monkeypatch, capsys)
    assert (code, last) == (2, f"error: {name}.yaml:3: model.factory: {message}")
    trained = len(list((tmp_path / "runs" / name).glob("trials/*.json")))
    assert trained == (1 if name == "late" else 0)  # late: units 4 trained first


def test_the_wrong_output_shape_names_expected_and_received(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_factory(tmp_path, "narrow", width=3)
    code, last = search_in_process(tmp_path, config, monkeypatch, capsys)
    assert (code, last) == (
        2,
        "error: narrow.yaml:3: model.factory: build(hp) built a model whose output has shape "
        "(None, 3); expected (None, 10), one output per class (10 classes): end the model in "
        "Dense(10)",
    )


def test_a_real_ctrl_c_during_build_still_stops_with_130(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two SIGINTs while build runs: the first only sets the flag, the second raises
    Interrupted inside build, which the guard lets through as the user's."""
    before = "os.kill(os.getpid(), signal.SIGINT); os.kill(os.getpid(), signal.SIGINT)"
    config = write_factory(tmp_path, "user", before)
    code, last = search_in_process(tmp_path, config, monkeypatch, capsys)
    assert (code, last) == (
        130,
        "interrupted: finished trials are kept; run the same command to resume",
    )


def test_a_factory_module_exiting_at_import_exits_2_in_a_real_process(tmp_path: Path) -> None:
    config = write_factory(tmp_path, "atimport", top="import sys\nsys.exit(7)\n")
    ran = run_tuner("search", config.name, cwd=tmp_path, timeout=120)
    assert ran.returncode == 2, ran.stderr
    assert ran.stderr.strip().splitlines()[-1] == (
        "error: atimport.yaml:3: model.factory: importing atimport.py called sys.exit(7); a "
        "factory module must not exit when imported: only define functions there"
    )
