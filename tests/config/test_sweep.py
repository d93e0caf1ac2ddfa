"""W&B sweep files: `tuner search` runs one as it is, `tuner convert` prints the same search
in this toolkit's format (which validates), and what does not map is one line naming its key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from helpers.cli import run_tuner
from helpers.tables import load_table

from tuner.config import yaml_lines
from tuner.config.schema import from_source

DOCS_EXAMPLE = """\
# As W&B's documentation writes a sweep, with this toolkit's data section beside it.
method: bayes
metric:
  name: val_accuracy
  goal: maximize
parameters:
  learning_rate:
    distribution: log_uniform_values
    min: 1e-4
    max: 1e-1
  batch_size:
    values: [32, 64]
  optimizer:
    values: ["adam", "sgd"]
  units:
    value: 8
  epochs:
    value: 1
run_cap: 2
data:
  dataset: digits
  limit: 150
"""

NESTED = """\
name: nested-sweep
method: grid
metric: {name: val_loss, goal: minimize}
run_cap: 12
early_terminate: {type: hyperband, min_iter: 2, eta: 3}
parameters:
  units: {values: [16, 32]}
  optimizer:
    parameters:
      learning_rate: {values: [1e-3, 1e-2, 3e-2]}
      momentum: {value: 0.9}
  optimizer_name_is_ours:
    parameters:
      optimizer: {value: sgd}
data: {dataset: digits}
"""

RANGES = """\
method: random
metric: {name: val_accuracy}
parameters:
  units: {min: 16, max: 64, q: 16}
  layers: {min: 1, max: 2}
  dropout: {distribution: q_uniform, min: 0.0, max: 0.4, q: 0.1}
  l2: {distribution: uniform, min: 0, max: 1e-3}
  activation: {distribution: categorical, values: [tanh, softsign]}
  nesterov: {distribution: constant, value: true}
search: {max_trials: 3}
"""


def _convert(tmp_path: Path, text: str) -> dict:
    (tmp_path / "sweep.yaml").write_text(text)
    done = run_tuner("convert", "sweep.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# sweep.yaml as a config of this toolkit (tuner convert)\n")
    (tmp_path / "ours.yaml").write_text(done.stdout)
    checked = run_tuner("validate", "ours.yaml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    return yaml.safe_load(done.stdout)


def test_the_docs_example_converts(tmp_path: Path) -> None:
    ours = _convert(tmp_path, DOCS_EXAMPLE)
    assert ours["search"] == {
        "algorithm": "bayesian",
        "objective": "val_accuracy",
        "max_trials": 2,
        "epochs": 1,
    }
    assert ours["space"] == {
        "learning_rate": {"min": 1.0e-4, "max": 0.1, "sampling": "log"},
        "batch_size": [32, 64],
        "optimizer": ["adam", "sgd"],
        "units": 8,
    }
    assert ours["data"] == {"dataset": "digits", "limit": 150}


def test_nested_parameters_are_flattened_and_hyperband_becomes_asha(tmp_path: Path) -> None:
    ours = _convert(tmp_path, NESTED)
    assert ours["name"] == "nested-sweep"
    assert ours["space"] == {
        "units": [16, 32],
        "learning_rate": [1.0e-3, 1.0e-2, 3.0e-2],
        "momentum": 0.9,
        "optimizer": "sgd",
    }
    assert ours["search"]["pruning"] == {"rule": "asha", "warmup_epochs": 2, "reduction": 3}
    assert ours["search"]["algorithm"] == "grid" and ours["search"]["objective"] == "val_loss"


def test_ranges_map_by_distribution(tmp_path: Path) -> None:
    ours = _convert(tmp_path, RANGES)
    assert ours["space"] == {
        "units": {"min": 16, "max": 64, "step": 16},
        "layers": {"min": 1, "max": 2},
        "dropout": {"min": 0.0, "max": 0.4, "step": 0.1},
        "l2": {"min": 0, "max": 1.0e-3},
        "activation": ["tanh", "softsign"],
        "nesterov": True,
    }
    assert ours["search"]["max_trials"] == 3  # our own search key stays


# Message table: tests/tables/sweep_unmapped.yaml.
UNMAPPED = load_table("sweep_unmapped", "unmapped", ("id", "change", "line_key", "message"))


@pytest.mark.parametrize(("change", "line_key", "message"), [r[1:] for r in UNMAPPED],
                         ids=[r[0] for r in UNMAPPED])  # fmt: skip
def test_what_does_not_map_is_one_line_naming_the_key(
    tmp_path: Path, change: str, line_key: str, message: str
) -> None:
    base = yaml.safe_load(DOCS_EXAMPLE)
    base.update(yaml.safe_load(change))
    text = "# a sweep\n" + yaml.safe_dump(base, sort_keys=False)
    line = 1 + next(n for n, t in enumerate(text.splitlines()) if t.strip().startswith(line_key))
    (tmp_path / "sweep.yaml").write_text(text)
    for command in ("validate", "convert"):
        done = run_tuner(command, "sweep.yaml", cwd=tmp_path)
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.startswith(f"error: sweep.yaml:{line}: {message}"), done.stderr
        assert done.stderr.count("\n") == 1


def test_the_sweep_keeps_its_lines_for_later_checks(tmp_path: Path) -> None:
    path = tmp_path / "sweep.yaml"
    path.write_text(DOCS_EXAMPLE.replace("max: 1e-1", "max: 1e-5"))
    with pytest.raises(Exception) as caught:
        from_source(yaml_lines.load_file(path))
    assert str(caught.value).startswith(f"{path}:7: space.learning_rate")


@pytest.mark.slow
def test_a_sweep_file_runs_as_a_search(tmp_path: Path) -> None:
    # The toolkit's search section beside the sweep: the split, not 5 folds (test time)
    (tmp_path / "sweep.yaml").write_text(DOCS_EXAMPLE + "search:\n  cv: null\n")
    done = run_tuner("search", "sweep.yaml", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["objective"] == "val_accuracy" and result["name"] == "sweep"
    records = [json.loads(p.read_text()) for p in (tmp_path / "runs/sweep/trials").glob("*.json")]
    assert len(records) == 2
    for record in records:
        assert record["epochs_requested"] == 1 and record["hyperparameters"]["units"] == 8
        assert 1.0e-4 <= record["hyperparameters"]["learning_rate"] <= 0.1
    saved = yaml.safe_load((tmp_path / "runs/sweep/config.yaml").read_text())
    assert saved["search"]["algorithm"] == "bayesian"  # the run holds our format


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        (
            "  units: {values: [" + ", ".join(str(i) for i in range(1, 100_001)) + "]}\n",
            "sweep.yaml:3: parameters.units.values: 100,000 values; a parameter takes at most "
            "10,000 (a search tries tens or hundreds): use {min: ..., max: ...} for a range",
        ),
        (
            "  group:\n    parameters: {"
            + ", ".join(f"p{i}: {{value: 1}}" for i in range(5_000))
            + "}\n",
            "sweep.yaml:4: parameters.group.parameters: 5,000 parameters so far; a sweep takes at "
            "most 1,000 (a search tries tens or hundreds of points): keep the ones worth tuning",
        ),
    ],
    ids=["100000-values", "a-group-of-5000"],
)
def test_a_huge_list_is_refused_by_its_length_at_once(
    tmp_path: Path, parameters: str, message: str
) -> None:
    """Before any item is read: a list of 100,000 values once ran 36 s into an OverflowError."""
    import time

    from tuner.errors import ConfigError

    path = tmp_path / "sweep.yaml"
    path.write_text("method: grid\nparameters:\n" + parameters + "data: {dataset: digits}\n")
    source = yaml_lines.load_file(path)  # parsing the YAML is the config loader's own cost
    started = time.perf_counter()
    with pytest.raises(ConfigError) as refused:
        from_source(source)
    assert time.perf_counter() - started < 1.0
    assert str(refused.value) == f"{path}:{message.split(':', 1)[1]}"
