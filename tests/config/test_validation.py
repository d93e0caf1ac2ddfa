"""Config validation: every rejection in DESIGN.md, pinned message by message, and good configs.

Each malformed config is written to ``bad.yaml`` in a temporary folder and loaded from
there, so the expected message is the exact line the CLI prints after ``error: ``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from helpers.configs import malformed_configs
from helpers.paths import REPO

from tuner.config.schema import Config, load_config
from tuner.config.sections import direction_of
from tuner.errors import ConfigError, UserInputError

CONFIGS = sorted((REPO / "configs").glob("*.yaml"))
MALFORMED = malformed_configs()


def _load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | bytes) -> Config:
    monkeypatch.chdir(tmp_path)
    path = Path("bad.yaml")
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return load_config(path)


def test_the_table_is_large_and_ids_are_unique() -> None:
    ids = [row[0] for row in MALFORMED]
    assert len(ids) >= 40
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(("content", "message"), [row[1:] for row in MALFORMED],
                         ids=[row[0] for row in MALFORMED])  # fmt: skip
def test_malformed_config_is_rejected_with_a_pinned_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | bytes, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, monkeypatch, content)
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)


def test_config_errors_are_user_input_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(UserInputError) as caught:
        _load(tmp_path, monkeypatch, "space:\n  units: 32\n  unit: 64\n")
    err = caught.value
    assert (err.file, err.line, err.key) == ("bad.yaml", 3, "space")


def test_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_config("missing.yaml")
    assert str(caught.value) == "missing.yaml: no such file; check the path"


def test_a_folder_is_not_a_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("configs").mkdir()
    with pytest.raises(ConfigError) as caught:
        load_config("configs")
    assert str(caught.value) == "configs: cannot read the file (Is a directory); check the path"


@pytest.mark.parametrize("text", ["1e-4", "5E3", "1.5e5", "-2e-3", "+3e+2", ".5e1"])
def test_exponent_notation_is_a_number_as_yaml_1_2_reads_it(text: str) -> None:
    from tuner.config import yaml_lines

    source = yaml_lines.load_text(f"x: {text}\nquoted: '{text}'\n", "inline.yaml")
    assert source.data == {"x": float(text), "quoted": text}


def test_exponent_notation_works_in_every_numeric_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _load(
        tmp_path,
        monkeypatch,
        "seed: 7E0\n"
        "data: {dataset: digits, limit: 5E2, validation_split: 2e-1, test_split: 2E-1}\n"
        "space:\n"
        "  units: [1.6e1, 3.2E1]\n"
        "  dropout: {min: 0, max: 4e-1, step: 1e-1}\n"
        "  l2: {min: 1e-6, max: 1e-3, sampling: log}\n"
        "  learning_rate: 1e-3\n"
        "  momentum: {value: 9e-1, when: {optimizer: sgd}}\n"
        "  optimizer: [sgd, adam]\n"
        "search:\n"
        "  max_trials: 1e1\n"
        "  epochs: 2E1\n"
        "  early_stopping: {monitor: val_loss, patience: 3e0, min_delta: 1e-4}\n"
        "  pruning: {rule: median, warmup_epochs: 2e0, min_trials: 5E0}\n",
    )
    assert config.seed == 7 and config.data.limit == 500
    assert config.data.validation_split == 0.2 and config.data.test_split == 0.2
    space = {p.name: p for p in config.space.params}
    assert space["units"].describe() == "one of [16, 32]"
    assert space["dropout"].describe() == "float in [0, 0.4] step 0.1 linear"
    assert space["l2"].describe() == "float in [1.00e-06, 1.00e-03] log"
    assert space["learning_rate"].describe() == "1.00e-03 (fixed)"
    assert config.search.max_trials == 10 and config.search.epochs == 20
    assert config.search.early_stopping is not None
    assert config.search.early_stopping.patience == 3
    assert config.search.early_stopping.min_delta == 1.0e-4
    assert config.search.pruning is not None and config.search.pruning.min_trials == 5


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_every_repo_config_validates(path: Path) -> None:
    config = load_config(path)
    assert config.space.params
    assert config.name


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_every_repo_config_starts_with_a_header_comment(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# ") and len(first) > 10, f"{path.name}: first line {first!r}"


def test_defaults_are_resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("my-run.yaml").write_text("space:\n  units: [32, 64]\n", encoding="utf-8")
    config = load_config("my-run.yaml")
    assert config.name == "my-run"
    assert (config.seed, config.backend) == (42, "tensorflow")
    assert (config.objective, config.direction) == ("val_accuracy", "max")
    stop = config.search.early_stopping
    assert stop is not None
    assert (stop.monitor, stop.patience, stop.min_delta) == ("val_loss", None, 0.0)
    from tuner.engine.recipe import patience

    assert patience(config) == 3  # max(3, search.epochs 10 // 3)
    assert (
        patience(
            dataclasses.replace(config, search=config.search.model_copy(update={"epochs": 30}))
        )
        == 10
    )
    assert config.search.algorithm == "bayesian"
    assert config.search.time_budget is None and config.time_budget_s is None
    assert (config.data.dataset, config.data.source) == ("mnist", "auto")
    assert (config.data.validation_split, config.data.test_split) == (0.1, 0.2)
    assert config.data.normalize is True
    assert (config.model.cell, config.model.head) == ("lstm", "auto")
    assert config.report.top_k == 5
    assert config.file == "my-run.yaml"


@pytest.mark.parametrize(
    ("objective", "direction"),
    [("val_accuracy", "max"), ("accuracy", "max"), ("val_loss", "min"), ("loss", "min")],
)
def test_direction_follows_the_objective(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, objective: str, direction: str
) -> None:
    text = f"space:\n  units: 32\nsearch:\n  objective: {objective}\n"
    config = _load(tmp_path, monkeypatch, text)
    assert (config.objective, config.direction) == (objective, direction)


@pytest.mark.parametrize(
    ("metric", "direction"),
    [
        *[("val_mae", "min"), ("val_mse", "min"), ("error", "min"), ("val_auc", "max")],
        *[("val_mase", "min"), ("val_smape", "min")],
    ],
)
def test_direction_of(metric: str, direction: str) -> None:
    assert direction_of(metric) == direction


@pytest.mark.parametrize(
    ("budget", "seconds"), [("90s", 90.0), ("30m", 1800.0), ("2h", 7200.0), ("1.5h", 5400.0)]
)
def test_time_budget_in_seconds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, budget: str, seconds: float
) -> None:
    config = _load(
        tmp_path, monkeypatch, f"space:\n  units: 32\nsearch:\n  time_budget: {budget}\n"
    )
    assert config.time_budget_s == seconds


def test_early_stopping_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "space:\n  units: 32\nsearch:\n  early_stopping: null\n"
    assert _load(tmp_path, monkeypatch, text).search.early_stopping is None


def test_quoted_text_is_not_a_boolean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _load(tmp_path, monkeypatch, 'name: "yes"\nspace:\n  units: 32\n').name == "yes"


def test_merge_keys_are_allowed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "space:\n  <<: {units: 32, layers: 2}\n  dropout: 0.1\n"
    config = _load(tmp_path, monkeypatch, text)
    assert (config.space["units"].values, config.space["layers"].values) == ((32,), (2,))


FULL = """\
name: mnist-lstm
seed: 7
backend: jax
data:
  dataset: mnist
  source: bundled
  validation_split: 0.15
  limit: 2000
model:
  cell: gru
space:
  units: [32, 64, 128]
  layers: {min: 1, max: 3}
  dropout: {min: 0.0, max: 0.5, step: 0.1}
  l2: {min: 1.0e-6, max: 1.0e-2, sampling: log}
  activation: [tanh, softsign]
  optimizer: [sgd, adam, rmsprop, adagrad]
  momentum: {min: 0.5, max: 0.99, when: {optimizer: sgd}}
  nesterov: {values: [true], when: {optimizer: sgd}}
  learning_rate: {min: 1.0e-4, max: 1.0e-1, sampling: log}
  batch_size: 128
search:
  algorithm: random
  objective: val_loss
  max_trials: 30
  epochs: 20
  early_stopping: {monitor: val_loss, patience: 4, min_delta: 0.001}
  time_budget: 30m
report:
  top_k: 3
"""


def test_to_dict_round_trips_through_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _load(tmp_path, monkeypatch, FULL)
    Path("resolved.yaml").write_text(yaml.safe_dump(first.to_dict(), sort_keys=False))
    second = load_config("resolved.yaml")
    for field in ("name", "seed", "backend", "data", "model", "space", "search", "report"):
        assert getattr(second, field) == getattr(first, field), field
    assert (
        (second.objective, second.direction)
        == (first.objective, first.direction)
        == (
            "val_loss",
            "min",
        )
    )
    assert second.time_budget_s == first.time_budget_s == 1800.0
    assert second.raw_space == first.raw_space
    assert second.to_dict() == first.to_dict()


def test_to_dict_writes_the_resolved_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolved = _load(tmp_path, monkeypatch, "space:\n  units: 32\n").to_dict()
    assert list(resolved) == [
        "name",
        "seed",
        "backend",
        "data",
        "model",
        "space",
        "search",
        "report",
    ]
    assert resolved["name"] == "bad"
    assert resolved["search"]["objective"] == "val_accuracy"
    assert resolved["search"]["early_stopping"] == {
        "monitor": "val_loss",
        "patience": None,
        "min_delta": 0.0,
    }
    assert resolved["space"] == {"units": 32}


def test_regression_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _load(tmp_path, monkeypatch, "data:\n  dataset: sine\nspace:\n  units: 8\n")
    assert config.task == "regression"
    assert (config.objective, config.direction) == ("val_loss", "min")
    assert config.space["head"].values == ("linear",)  # model.head auto, resolved
    assert (config.data.window, config.data.horizon, config.data.period) == (32, 1, None)


def test_a_tuned_head_ranks_by_val_mae(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "data:\n  dataset: sine\n  scaling: series\nspace:\n  head: [linear, sigmoid]\n"
    config = _load(tmp_path, monkeypatch, text)
    assert (config.objective, config.direction) == ("val_mae", "min")


@pytest.mark.parametrize(("objective", "direction"), [("val_mae", "min"), ("rmse", "min")])
def test_regression_objectives_are_minimized(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, objective: str, direction: str
) -> None:
    text = f"data:\n  dataset: sine\nspace:\n  units: 8\nsearch:\n  objective: {objective}\n"
    assert _load(tmp_path, monkeypatch, text).direction == direction


def test_model_head_sets_the_default_head(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        "data:\n  dataset: sine\n  scaling: series\nmodel:\n  head: sigmoid\nspace:\n  units: 8\n"
    )
    assert _load(tmp_path, monkeypatch, text).space["head"].values == ("sigmoid",)
    assert _load(tmp_path, monkeypatch, "space:\n  units: 8\n").space["head"].values == ("softmax",)


def test_series_keys_round_trip_and_stay_out_of_classification_configs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (
        "data:\n  dataset: csv\n  path: a.csv\n  target: y\n  horizon: 3\n  period: 7\n"
        "space:\n  head: [linear]\n"
    )
    first = _load(tmp_path, monkeypatch, text)
    assert first.to_dict()["data"] == {
        "dataset": "csv",
        "path": "a.csv",
        "target": "y",
        "covariates": None,
        "series": None,
        "scaling": "window",
        "window": 32,
        "horizon": 3,
        "period": 7,
        "transform": [],
        "test_steps": None,
        "backtest": None,
        "validation_split": 0.1,
        "test_split": 0.2,
        "normalize": True,
    }
    Path("resolved.yaml").write_text(yaml.safe_dump(first.to_dict(), sort_keys=False))
    assert load_config("resolved.yaml").to_dict() == first.to_dict()
    plain = _load(tmp_path, monkeypatch, "space:\n  units: 8\n").to_dict()["data"]
    assert list(plain) == [
        "dataset", "source", "path", "validation_split", "test_split", "limit", "normalize",
        "class_weight",
    ]  # fmt: skip


def test_data_window_follows_the_longest_space_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "data:\n  dataset: sine\nspace:\n  window: {min: 8, max: 20, step: 4}\n"
    assert _load(tmp_path, monkeypatch, text).data.window == 20
    longer = "data:\n  dataset: sine\n  window: 40\nspace:\n  window: [8, 16]\n"
    assert _load(tmp_path, monkeypatch, longer).data.window == 40
    plain = _load(tmp_path, monkeypatch, "data:\n  dataset: sine\nspace:\n  units: 8\n")
    assert plain.data.window == 32 and "window" not in [p.name for p in plain.space.params]


def test_space_window_in_multiples_of_the_horizon(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """window: {horizons: [k, ...]}: windows of k times data.horizon, as NeuralForecast's
    input_size_multiplier; the run's config keeps the form and reads back the same."""
    text = "data:\n  dataset: sine\n  horizon: 3\nspace:\n  window: {horizons: [2, 4, 8]}\n"
    config = _load(tmp_path, monkeypatch, text)
    window = next(p for p in config.space.params if p.name == "window")
    assert (window.kind, window.values) == ("choice", (6, 12, 24))
    assert config.data.window == 24  # the longest
    Path("resolved.yaml").write_text(yaml.safe_dump(config.to_dict(), sort_keys=False))
    assert load_config("resolved.yaml").space == config.space
    bad = "data:\n  dataset: sine\nspace:\n  window: {horizons: [0, 2]}\n"
    with pytest.raises(ConfigError, match=r"space\.window\.horizons: expected a list of whole"):
        _load(tmp_path, monkeypatch, bad)
