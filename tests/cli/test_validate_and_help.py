"""`tuner validate` and every command's --help, run as a user runs them: real subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.cli import run_tuner
from helpers.paths import REPO

from tuner.cli import build_parser

GOOD = """\
# two choices and an int range: a finite space
name: good-run
space:
  units: [32, 64]
  layers: {min: 1, max: 3}
  batch_size: 64
search:
  algorithm: random
  max_trials: 4
"""

BAD = """\
space:
  units: [32, 64]
  learning_rate: {min: 1e-4, max: 1.0e-1, sampling: logarithmic}
"""


def tuner(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_tuner(*args, cwd=cwd, timeout=120)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(BAD, encoding="utf-8")
    return tmp_path


def test_a_good_config_prints_its_space_and_size(folder: Path) -> None:
    result = tuner("validate", "good.yaml", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == (
        "good.yaml: ok: run 'good-run', random search, 4 trials, space size 6 points\n"
        "  validation: search.cv: auto, decided when the search loads the data (5-fold "
        "cross-validation if the validation split holds under 100 samples)\n"
        "  units                  one of [32, 64]\n"
        "  layers                 int in [1, 3] linear\n"
        "  batch_size             64 (fixed)\n"
    )


def test_one_trial_over_one_point_is_said_in_the_singular(folder: Path) -> None:
    (folder / "one.yaml").write_text("space: {units: 8}\nsearch: {max_trials: 1}\n")
    result = tuner("validate", "one.yaml", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "bayesian search, 1 trial, space size 1 point\n" in result.stdout


def test_a_continuous_space_says_so(folder: Path) -> None:
    (folder / "lr.yaml").write_text(
        "space:\n"
        "  learning_rate: {min: 1.0e-4, max: 1.0e-1, sampling: log}\n"
        "  optimizer: [sgd, adam]\n"
        "  nesterov: {values: [true], when: {optimizer: sgd}}\n",
        encoding="utf-8",
    )
    result = tuner("validate", "lr.yaml", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "lr.yaml: ok: run 'lr', bayesian search, 10 trials, "
        "space size continuous (learning_rate: ranges without a step)\n"
        "  validation: search.cv: auto, decided when the search loads the data (5-fold "
        "cross-validation if the validation split holds under 100 samples)\n"
        "  learning_rate          float in [1.00e-04, 1.00e-01] log\n"
        "  optimizer              one of [sgd, adam]\n"
        "  nesterov               true (fixed) when optimizer in [sgd]\n"
    )


def test_a_bad_config_exits_2_with_one_line(folder: Path) -> None:
    result = tuner("validate", "bad.yaml", cwd=folder)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "error: bad.yaml:3: space.learning_rate.sampling: unknown sampling 'logarithmic'; "
        "use one of linear, log, reverse_log\n"
    )
    assert "Traceback" not in result.stderr


def test_the_first_bad_config_stops_validation(folder: Path) -> None:
    result = tuner("validate", "good.yaml", "bad.yaml", "good.yaml", cwd=folder)
    assert result.returncode == 2
    assert result.stdout.count(": ok: ") == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "error: bad.yaml:3: space.learning_rate.sampling: "
    )


def test_a_missing_config_exits_2(folder: Path) -> None:
    result = tuner("validate", "missing.yaml", cwd=folder)
    assert result.returncode == 2
    assert result.stderr == "error: missing.yaml: no such file; check the path\n"


def test_validate_does_not_import_keras(folder: Path) -> None:
    code = (
        "import sys\n"
        "from tuner.cli import main\n"
        "assert main(['validate', 'good.yaml']) == 0\n"
        "loaded = sorted(m for m in ('keras', 'tensorflow', 'keras_tuner', 'jax', 'torch')"
        " if m in sys.modules)\n"
        "assert not loaded, loaded\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


COMMANDS = sorted(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]


def test_the_commands_are_the_documented_ones() -> None:
    assert COMMANDS == [
        "convert",
        "evaluate",
        "export",
        "forecast",
        "init",
        "predict",
        "refit",
        "report",
        "schema",
        "search",
        "validate",
    ]
    readme = (REPO / "README.md").read_text()
    for command in COMMANDS:
        assert f"tuner {command} " in readme, f"README does not show `tuner {command}`"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, tmp_path: Path) -> None:
    result = tuner(command, "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: tuner {command}")
    subparser = build_parser()._subparsers._group_actions[0].choices[command]  # type: ignore[union-attr]
    assert subparser.description, f"{command} --help has no description"
    for action in subparser._actions:
        assert action.help, f"{command} --help says nothing about {action.dest}"
        assert action.help in " ".join(result.stdout.split()), action.dest


def test_evaluate_help_gives_the_shapes_and_the_raw_input_rule(tmp_path: Path) -> None:
    text = " ".join(tuner("evaluate", "--help", cwd=tmp_path).stdout.split())
    assert "x of shape (n, steps, features)" in text and "y of shape (n,)" in text
    assert "shorter sequences padded at the end with NaN" in text
    assert "Give raw inputs, scaled as the training data was" in text


def test_the_program_has_help(tmp_path: Path) -> None:
    result = tuner("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout
