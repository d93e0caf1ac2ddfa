"""The package's shape, enforced (issue 9's rules; the layer contracts are in pyproject.toml and
run by `lint-imports` in `make lint`): no import cycle, one module for keras-tuner's private
names, small modules, and nothing happening on import."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest
from helpers.paths import REPO

PACKAGE = REPO / "tuner"
MAX_LINES = 400
MAX_PLAIN_MODULES = 6  # directly in tuner/, __init__ and __main__ included
COMPAT = PACKAGE / "engine" / "kt_compat.py"


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_import_cycle_among_modules_counting_every_import() -> None:
    # grimp reads every import statement: in functions and under TYPE_CHECKING too.
    graph = grimp.build_graph("tuner", cache_dir=None)
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.startswith("tuner") and imported != module:
                back = graph.find_shortest_chain(importer=imported, imported=module)
                if back:
                    cycles.append(" -> ".join([module, *back]))
    assert cycles == []


def _private_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        found += [n for n in names if n.startswith(("keras_tuner.src", "keras.src"))]
    return found


def test_exactly_one_module_imports_private_keras_tuner_or_keras_names() -> None:
    importers = [p.relative_to(REPO).as_posix() for p in modules() if _private_imports(p)]
    assert importers == [COMPAT.relative_to(REPO).as_posix()]


@pytest.mark.slow  # imports keras-tuner, and so TensorFlow
def test_every_private_name_used_exists_in_the_installed_versions() -> None:
    from tuner.engine import kt_compat

    missing = kt_compat.missing_private_names()
    assert missing == [], (
        f"keras-tuner {kt_compat.keras_tuner_version()} lacks {', '.join(missing)}: "
        "update tuner/engine/kt_compat.py before widening the pinned range"
    )


def test_keras_tuner_is_pinned_to_the_tested_range() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = [d for d in project["dependencies"] if d.startswith("keras-tuner")]
    tested = next(
        line.split("=", 1)[1].split("#")[0].strip().strip('"')
        for line in COMPAT.read_text().splitlines()
        if line.startswith("TESTED_VERSIONS")
    )
    assert pins == [f"keras-tuner{tested}"]


def test_no_module_over_400_lines_and_few_plain_modules_at_the_top() -> None:
    long = {
        p.relative_to(REPO).as_posix(): n
        for p in modules()
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
    plain = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(plain) <= MAX_PLAIN_MODULES, plain


NOTHING_ON_IMPORT = """
import importlib, pkgutil, signal, sys
import matplotlib
before_backend = matplotlib.get_backend()
before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
import keras_tuner.src.utils as kt_utils
save_json = kt_utils.save_json
import tuner
every = [m.name for m in pkgutil.walk_packages(tuner.__path__, "tuner.")]
names = [n for n in every if n != "tuner.__main__"]  # __main__ runs the CLI
for name in names:
    importlib.import_module(name)
assert len(names) > 40, names
assert {s: signal.getsignal(s) for s in before} == before, "signal handlers changed"
assert matplotlib.get_backend() == before_backend, "matplotlib backend switched"
assert kt_utils.save_json is save_json, "keras-tuner patched on import"
print("ok")
"""


@pytest.mark.slow  # imports every module, the engine's Keras included
def test_importing_every_module_changes_nothing() -> None:
    result = subprocess.run(
        [sys.executable, "-c", NOTHING_ON_IMPORT], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")


def test_signal_handlers_are_put_back_after_a_search_block() -> None:
    import signal

    from tuner.engine import signals

    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    with signals.installed():
        assert signal.getsignal(signal.SIGINT) is not before[signal.SIGINT]
    assert {s: signal.getsignal(s) for s in before} == before


def test_the_readme_documents_every_key_of_the_trial_record_schema() -> None:
    from tuner.run.records import record_schema

    readme = (REPO / "README.md").read_text()
    table = readme.split("holds:\n", 1)[1].split("\n\n", 1)[0]
    documented = set(
        re.findall(
            r"`(\w+)`", "\n".join(r.split("|")[1] for r in table.splitlines() if r.startswith("|"))
        )
    )
    assert set(record_schema()["properties"]) <= documented
