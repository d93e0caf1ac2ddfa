"""Hostile and careless input (issue 14): each ends in exit 2 and one pinned line, in bounded time.

Everything runs in-process through ``tuner.cli.main`` or the config loader (``validate``
never imports Keras, and no test trains), except the closed pipe, which is about the process
itself and runs as a real ``python -m tuner``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.paths import REPO
from helpers.tables import load_table

from tuner import cli
from tuner.cli import outcome
from tuner.config import yaml_lines
from tuner.config.schema import from_source, load_config
from tuner.config.sections import MOVED_ASIDE
from tuner.errors import ConfigError
from tuner.run import run as run_module
from tuner.run.results import EvaluationSummary
from tuner.service.results import SearchResult

SPACE = "space:\n  units: 8\n"


def validate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], text: str
) -> tuple[int, str, str]:
    """``tuner validate bad.yaml`` in-process: (exit status, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    Path("bad.yaml").write_text(text, encoding="utf-8")
    code = cli.main(["validate", "bad.yaml"])
    out, err = capsys.readouterr()
    return code, out, err


def nested_aliases(levels: int) -> str:
    """A "billion laughs" file: level k lists level k - 1 nine times; ~60 bytes a level."""
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"l{k}: &l{k} [{', '.join([f'*l{k - 1}'] * 9)}]" for k in range(1, levels)]
    return "\n".join(lines) + "\n" + SPACE


# --- 1. aliases and nesting ---------------------------------------------------------------

# Generated inputs, so this table stays here; the others are in tests/tables/hostile_input.yaml.
ALIASES = [
    (
        "alias-bomb",
        nested_aliases(8),
        "bad.yaml:5: l4: aliases expand to more than 10000 values, the limit for a config; "
        "write the values out or use fewer aliases",
    ),
    (
        "recursive-alias",
        "loop: &a [1, *a]\n" + SPACE,
        "bad.yaml:1: loop: an alias refers to a collection that contains it (a loop); remove it",
    ),
    (
        "recursive-merge",
        "loop: &a {<<: *a}\n" + SPACE,
        "bad.yaml:1: loop: an alias refers to a collection that contains it (a loop); remove it",
    ),
    (
        "deep-nesting",
        SPACE + "deep: " + "[" * 600 + "]" * 600 + "\n",  # RecursionError in PyYAML before
        "bad.yaml:3: deep: values nest more than 32 levels deep; "
        "a config needs 5 at most, flatten them",
    ),
    (
        "deep-through-aliases",  # each line nests 20 deep, an alias of the line before inside
        SPACE + "a0: &a0 [1]\n" + "a1: &a1 " + "[" * 20 + "*a0" + "]" * 20 + "\n"
        "a2: &a2 " + "[" * 20 + "*a1" + "]" * 20 + "\n",
        "bad.yaml:5: a2: values nest more than 32 levels deep; "
        "a config needs 5 at most, flatten them",
    ),
]


@pytest.mark.parametrize(("text", "message"), [r[1:] for r in ALIASES], ids=[r[0] for r in ALIASES])
def test_aliases_and_nesting_are_bounded(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    message: str,
) -> None:
    started = time.perf_counter()
    assert validate(tmp_path, monkeypatch, capsys, text) == (2, "", f"error: {message}\n")
    # Unbounded, the 8-level bomb expands to 9**9 (387M) values: minutes and gigabytes.
    assert time.perf_counter() - started < 1.0


# --- 2. values that validate but cannot run -----------------------------------------------

VALUES = load_table("hostile_input", "values", ("id", "file", "message"), LONG="a" * 300)


@pytest.mark.parametrize(("text", "message"), [r[1:] for r in VALUES], ids=[r[0] for r in VALUES])
def test_values_that_would_fail_later_are_refused_now(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    message: str,
) -> None:
    assert validate(tmp_path, monkeypatch, capsys, text) == (2, "", f"error: {message}\n")


def test_names_at_the_bounds_are_fine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("a" * 100, "m.old", "m-old-1", "v1.0"):
        Path("ok.yaml").write_text(f"name: {name}\nseed: 4294967295\n" + SPACE)
        assert load_config("ok.yaml").name == name
    assert run_module.MOVED_ASIDE is MOVED_ASIDE  # one pattern: the reports skip what it matches


@pytest.mark.parametrize("workers", ["0", "65"])
def test_workers_on_the_command_line_has_the_yaml_bound(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    workers: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("good.yaml").write_text(SPACE)
    assert cli.main(["search", "good.yaml", "--workers", workers]) == 2
    message = f"error: --workers must be from 1 to 64 (as search.workers), got {workers}\n"
    assert capsys.readouterr() == ("", message)
    assert not Path("runs").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--gpus", "a,1"], "--gpus takes distinct GPU numbers separated by commas, e.g. 0,1; "
         "got 'a,1'"),
        (["--gpus", "0,0"], "--gpus takes distinct GPU numbers separated by commas, e.g. 0,1; "
         "got '0,0'"),
        (["--gpus", "0,1", "--workers", "3"], "--workers 3 and 2 GPUs: each GPU gets one "
         "worker; leave out --workers"),
    ],
)  # fmt: skip
def test_gpus_on_the_command_line_are_checked_before_anything_runs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("good.yaml").write_text(SPACE)
    assert cli.main(["search", "good.yaml", *arguments]) == 2
    assert capsys.readouterr() == ("", f"error: {message}\n")
    assert not Path("runs").exists()


# --- 3. YAML errors in --set values and unknown tags --------------------------------------

SET_VALUES = load_table("hostile_input", "set_values", ("id", "override", "message"))


@pytest.mark.parametrize(("override", "message"), [r[1:] for r in SET_VALUES],
                         ids=[r[0] for r in SET_VALUES])  # fmt: skip
def test_a_bad_set_value_names_the_argument(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    override: str,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("good.yaml").write_text(SPACE)
    assert cli.main(["search", "good.yaml", "--set", override]) == 2
    assert capsys.readouterr() == ("", f"error: --set {override!r}: {message}\n")
    assert not Path("runs").exists()


TAGS = load_table("hostile_input", "tags", ("id", "file", "message"))


@pytest.mark.parametrize(("text", "message"), [r[1:] for r in TAGS], ids=[r[0] for r in TAGS])
def test_tags_are_refused_with_their_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    message: str,
) -> None:
    code = validate(tmp_path, monkeypatch, capsys, text + SPACE)
    assert code == (2, "", f"error: {message}\n")


# --- 4. long choice lists -----------------------------------------------------------------


def test_a_long_choice_list_is_checked_in_linear_time() -> None:
    # Built in Python, not YAML: PyYAML itself reads 50,000 values in seconds; this times
    # the space's checks (quadratic before: 2.5e9 comparisons).
    rates = [round((i + 1) * 1e-6, 9) for i in range(50_000)]
    started = time.perf_counter()
    config = from_source(yaml_lines.Source("long.yaml", {"space": {"learning_rate": rates}}))
    assert len(config.space["learning_rate"].values) == 50_000
    repeated = yaml_lines.Source("long.yaml", {"space": {"learning_rate": [*rates, rates[7]]}})
    with pytest.raises(ConfigError) as caught:
        from_source(repeated)
    assert time.perf_counter() - started < 1.0
    expected = "long.yaml: space.learning_rate: repeated choice 8e-06; list each value once"
    assert str(caught.value) == expected


# --- 5. a search in which no trial completed ----------------------------------------------


def test_no_completed_trial_fails_the_search(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("tiny.yaml").write_text(SPACE)
    config = load_config("tiny.yaml")
    assert outcome.print_outcome(SearchResult(config, Path("runs/tiny"), None)) == 1
    message = (
        "error: no trial completed, so there is no best model; "
        "see the errors in runs/tiny/trials/\n"
    )
    assert capsys.readouterr() == ("", message)
    best: EvaluationSummary = {
        "trials": [{"rank": 1, "trial_id": "03", "score": 0.5, "test": {"accuracy": 0.5}}]
    }
    assert outcome.print_outcome(SearchResult(config, Path("runs/tiny"), best)) == 0
    out, err = capsys.readouterr()
    assert out.startswith("best: trial 03 val_accuracy 0.5000; test accuracy 0.5000\n") and not err


# --- 6. a closed stdout -------------------------------------------------------------------


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(SPACE)
    env = {k: v for k, v in os.environ.items() if k not in ("KERAS_BACKEND", "TUNER_DEBUG")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    reader, writer = os.pipe()
    os.close(reader)  # the reader has gone before the first line, as `| head -0` would
    try:
        result = subprocess.run(
            [sys.executable, "-m", "tuner", "validate", "good.yaml", "good.yaml"],
            cwd=tmp_path,
            env=env,
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(writer)
    assert (result.returncode, result.stderr) == (141, "")
    assert not re.search("Traceback|BrokenPipe", result.stderr)
