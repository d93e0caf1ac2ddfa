"""Promises of a single source, held: every run-folder path through tuner.run.layout, the saved
config read through one typed reader, the process role read in one place, argparse only in the
command line, and no comment or docstring naming a tuner module that does not exist."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "tuner"
SOURCES = sorted(PACKAGE.rglob("*.py"))

# A path joined by hand: `x / "name"`, `x / f"..."` or `x / SOME_FILE` (SOME_FOLDER).
JOINED = re.compile(r'/ (f?"[^"]*"|[A-Z_]+_(FILE|FOLDER)\b)')
# Where a hand-built path is not a run folder's, each with its reason.
PATHS_ELSEWHERE = {
    "run/layout.py": "the one place for run-folder paths",
    "reporting/write.py": "reports/<name>/, the report's own folder",
    "reporting/advice_sections.py": "reports/<name>/next.yaml, the report's own folder",
    "data/images.py": "Keras' dataset cache (~/.keras/datasets)",
    "config/schema.py": "a factory module's file beside the config",
}


def _relative(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def _code_lines(path: Path) -> list[tuple[int, str]]:
    """The file's lines with comments and docstrings left out (strings in code kept)."""
    text = path.read_text()
    dropped: set[int] = set()
    previous = tokenize.INDENT
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        docstring = token.type == tokenize.STRING and previous in (
            tokenize.INDENT, tokenize.NEWLINE, tokenize.DEDENT, tokenize.NL,
        )  # fmt: skip
        if docstring:
            dropped.update(range(token.start[0], token.end[0] + 1))
        if token.type not in (tokenize.COMMENT, tokenize.NL):
            previous = token.type
    lines = text.splitlines()
    return [
        (number, line.split("#")[0])
        for number, line in enumerate(lines, start=1)
        if number not in dropped
    ]


def _offending(pattern: re.Pattern[str], allowed: set[str]) -> list[str]:
    return [
        f"{_relative(path)}:{number}: {line.strip()}"
        for path in SOURCES
        if _relative(path) not in allowed
        for number, line in _code_lines(path)
        if pattern.search(line)
    ]


def test_every_run_folder_path_comes_from_layout() -> None:
    assert _offending(JOINED, set(PATHS_ELSEWHERE)) == []


def test_the_saved_config_is_read_by_one_typed_reader() -> None:
    # load_config reads a config file; outside the config stage only the run's reader may.
    reads = re.compile(r"\bload_config\(|yaml\.safe_load\(")
    readers = {"run/saved_config.py"} | {
        _relative(p) for p in SOURCES if _relative(p).startswith("config/")
    }
    other_files = {
        "reporting/advice_sections.py": "validates the next.yaml the report writes",
        "reporting/run_page.py": "compares the user's own config file with the run's",
    }
    assert _offending(reads, readers | set(other_files)) == []


def test_the_process_role_is_read_in_one_place() -> None:
    named = re.compile(r"KERASTUNER_(TUNER_ID|ORACLE_IP|ORACLE_PORT)")
    assert _offending(named, {"run/role.py"}) == []


def test_only_the_command_line_knows_argparse() -> None:
    front = {_relative(p) for p in SOURCES if _relative(p).startswith("cli/")}
    assert _offending(re.compile(r"\bargparse\b"), front) == []


def _module_exists(dotted: str) -> bool:
    """``tuner.a.b`` names a module or package, or something defined in one (a function,
    class or constant: ``tuner.config.sections.TASK_HEADS``)."""
    parts = dotted.split(".")[1:]
    for end in range(len(parts), -1, -1):
        base = PACKAGE.joinpath(*parts[:end])
        module = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
        if not module.is_file():
            continue
        rest = parts[end:]
        if not rest:
            return True
        defined = rf"^\s*(def|class) {rest[0]}\b|^{rest[0]}\s*[:=]|\"{rest[0]}\""
        return len(rest) == 1 and re.search(defined, module.read_text(), re.M) is not None
    return False


def _named_in_prose(path: Path) -> list[tuple[int, str]]:
    """``tuner.*`` names in the file's comments and strings (docstrings included)."""
    found = []
    text = path.read_text()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type in (tokenize.COMMENT, tokenize.STRING):
            for name in re.findall(r"(?<![\w.])tuner(?:\.[A-Za-z_]\w*)+", token.string):
                found.append((token.start[0], name.rstrip(".")))
    return found


@pytest.mark.parametrize("path", SOURCES, ids=_relative)
def test_comments_and_docstrings_name_only_modules_that_exist(path: Path) -> None:
    missing = [f"line {n}: {name}" for n, name in _named_in_prose(path) if not _module_exists(name)]
    assert missing == []


LIGHT = """
import os, sys
before = dict(os.environ)
import tuner.api, tuner.cli, tuner.service
heavy = ("keras", "tensorflow", "jax", "sklearn", "pandas", "matplotlib", "optuna", "scipy")
print(sorted(m for m in heavy if m in sys.modules))
print(sorted(k for k in set(os.environ) ^ set(before)))
"""


def test_the_front_ends_and_the_library_layer_import_nothing_heavy() -> None:
    # Importing them must not pay for a stage (or let one change os.environ, as scikit-learn's
    # import does) before a job asks for it: tuner.api's calls put the environment back.
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", LIGHT], capture_output=True, text=True, cwd=PACKAGE.parent
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["[]", "[]"]
