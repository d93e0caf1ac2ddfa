"""Bring your own model: model.factory names a keras-tuner style build function, the space
declares its own names (kinds from the YAML form), and the rest of the toolkit (records,
resume, export, report, next.yaml) works unchanged. A name the space does not declare fails
before the first trial, in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.paths import REPO

from tuner.config.schema import from_source, load_config
from tuner.config.yaml_lines import load_text
from tuner.errors import ConfigError

EXAMPLE = REPO / "configs" / "factory_example.yaml"
SMALL = [  # cv null: folds are beside this test's point (tests/engine/test_cross_validation.py)
    "--set=data.limit=300", "--set=search.max_trials=2", "--set=search.epochs=1",
    "--set=search.cv=null",
]  # fmt: skip


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped factory example, cut to two one-epoch trials, searched from another folder
    (the module is found beside the config), then reported."""
    import os

    from tuner.cli import main

    root = tmp_path_factory.mktemp("factory")
    cwd, backend = Path.cwd(), os.environ.pop("KERAS_BACKEND", None)
    os.chdir(root)
    try:
        assert main(["search", str(EXAMPLE), *SMALL]) == 0
        assert main(["report", "runs/factory-example"]) == 0
    finally:
        os.chdir(cwd)
        if backend is not None:
            os.environ["KERAS_BACKEND"] = backend
    return root


@pytest.mark.slow
def test_a_factory_search_records_exports_and_reports(example: Path) -> None:
    import keras

    run = example / "runs" / "factory-example"
    records = [json.loads(p.read_text()) for p in sorted((run / "trials").glob("*.json"))]
    assert len(records) == 2
    names = {"filters", "kernel_size", "units", "learning_rate", "batch_size"}
    assert all(set(r["hyperparameters"]) == names for r in records)
    from tuner.engine.input_range import all_layers

    model = keras.saving.load_model(run / "best" / "model.keras")
    assert any(isinstance(layer, keras.layers.Conv1D) for layer in all_layers(model))
    saved = (run / "config.yaml").read_text()
    assert f"factory: '{REPO / 'configs' / 'my_models.py'}:build'" in saved
    report = (example / "reports" / "factory-example" / "report.md").read_text()
    assert "## Diagnostics" in report and "## Test evaluation" in report
    next_config = load_config(example / "reports" / "factory-example" / "next.yaml")
    assert next_config.model.factory == load_config(run / "config.yaml").model.factory


@pytest.mark.slow
def test_the_runs_own_config_finds_its_factory_to_resume(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tuner.cli import main

    monkeypatch.chdir(example)
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    run = example / "runs" / "factory-example"
    assert main(["search", str(run / "config.yaml"), "--set=search.max_trials=3"]) == 0
    assert len(list((run / "trials").glob("*.json"))) == 3


BUILD = """
import keras

def build(hp):
    inputs = keras.Input(shape=(8, 8))
    x = keras.layers.GRU({units})(inputs)
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
"""


@pytest.mark.parametrize(
    "units",
    ['hp.get("width")', 'hp.Int("width", 4, 8)'],  # read, or declared inline keras-tuner style
)
def test_a_factory_reading_an_undeclared_name_fails_before_any_trial(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    units: str,
) -> None:
    from tuner.cli import main

    (tmp_path / "models.py").write_text(BUILD.format(units=units))
    (tmp_path / "c.yaml").write_text(
        "name: undeclared\ndata: {dataset: digits, limit: 40}\nmodel:\n  factory: models:build\n"
        "space: {units: [4, 8]}\nsearch: {max_trials: 1, epochs: 1, cv: null}\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    assert main(["search", "c.yaml"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "error: c.yaml:4: model.factory: the factory reads 'width', which the space does not "
        "declare; add it to space, e.g. width: [a, b]"
    )
    assert not list((tmp_path / "runs" / "undeclared").glob("trials/*.json"))


def test_a_factory_space_takes_its_kinds_from_the_yaml_form() -> None:
    import keras_tuner as kt

    from tuner.engine.hyperparameters import to_hyperparameters

    text = (
        "data: {dataset: digits}\nmodel: {factory: m:build}\nspace:\n  kernel: [conv, dense]\n"
        "  width: {min: 4, max: 32, step: 4}\n  rate: {min: 1.0e-4, max: 1.0e-2, sampling: log}\n"
        "  residual: [true, false]\n  depth: 3\n"
    )
    config = from_source(load_text(text, file="c.yaml"))
    hp = {p.name: p for p in to_hyperparameters(config.space).space}
    kinds = {name: type(p) for name, p in hp.items()}
    assert kinds == {
        "kernel": kt.engine.hyperparameters.Choice,
        "width": kt.engine.hyperparameters.Int,
        "rate": kt.engine.hyperparameters.Float,
        "residual": kt.engine.hyperparameters.Boolean,
        "depth": kt.engine.hyperparameters.Fixed,
        "batch_size": kt.engine.hyperparameters.Fixed,  # fit's batch size, the one name we read
    }
    assert config.objective == "val_accuracy"


@pytest.mark.parametrize(
    ("model", "space", "message"),
    [
        (
            "{factory: my_models}",
            "{units: 4}",
            "c.yaml:2: model.factory: 'my_models' does not name a function; write "
            "module:function, e.g. my_models:build",
        ),
        (
            "{factory: 'm:build', cell: gru}",
            "{units: 4}",
            "c.yaml:2: model.cell: model.cell configures the built-in model; the factory builds "
            "its own, remove it",
        ),
        (
            "{factory: 'm:build'}",
            "{width: [4, two]}",
            "c.yaml:3: space.width: mixes kinds or holds a value keras-tuner cannot tune (4, "
            "'two'); give all names, all true/false or all numbers",
        ),
    ],
)
def test_a_bad_factory_config_is_refused_in_one_line(model: str, space: str, message: str) -> None:
    text = f"data: {{dataset: digits}}\nmodel: {model}\nspace: {space}\n"
    with pytest.raises(ConfigError) as refused:
        from_source(load_text(text, file="c.yaml"))
    assert str(refused.value) == message
