"""Every config file the toolkit writes loads back with the toolkit, for every dataset kind:
runs/<name>/config.yaml (resume, refit, evaluate and the report read it), best/hyperparameters.yaml
and the report's next.yaml; and a report of such a run keeps what the config says (the
algorithm on the run page and on the comparison page, next.yaml, a reproduce command that
validates)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from helpers.records import make_record, write_test_json

from tuner.config.schema import Config, load_config
from tuner.engine.best_model import best_config
from tuner.reporting.write import write_reports
from tuner.run import atomic, layout
from tuner.run import folder as run_folder
from tuner.run.records import read_records, write_record
from tuner.run.saved_config import read_saved_config

SPACE = "space:\n  units: [8, 16]\n  learning_rate: {min: 1.0e-3, max: 1.0e-2, sampling: log}\n"
SEARCH = "search: {algorithm: bayesian, max_trials: 3, epochs: 2}\nreport: {top_k: 2}\n"
FACTORY = "def build(hp, input_shape, num_classes):\n    raise NotImplementedError\n"

# Each dataset kind's data section, with the files it names (written by _write_files).
KINDS = {
    "mnist": "data: {dataset: mnist, source: bundled}\n",
    "fashion-mnist-file": "data: {dataset: fashion_mnist, path: mnist.npz}\n",
    "digits": "data: {dataset: digits, class_weight: balanced}\n",
    "sequences-csv": "data: {dataset: sequences, path: seq.csv, id: id, order: t, label: label}\n",
    "sequences-npz": "data: {dataset: sequences, path: seq.npz, test_path: seq_test.npz}\n",
    "sine": "data: {dataset: sine, window: 16, period: 12}\n",
    "series-csv": "data: {dataset: csv, path: series.csv, target: y, window: 8}\n",
    "factory": "data: {dataset: digits}\nmodel: {factory: my_model.py:build}\n",
}


def _write_files(folder: Path) -> None:
    rng = np.random.default_rng(0)
    np.savez(folder / "mnist.npz", x_train=np.zeros((2, 28, 28)), y_train=[0, 1])
    (folder / "seq.csv").write_text("id,t,a,label\ns1,0,1.5,up\ns1,1,2.5,up\ns2,0,3,down\n")
    for name in ("seq.npz", "seq_test.npz"):
        np.savez(folder / name, x=rng.normal(size=(6, 5, 2)), y=np.array(["a", "b"] * 3))
    (folder / "series.csv").write_text("y\n" + "\n".join(str(v) for v in range(60)) + "\n")
    (folder / "my_model.py").write_text(FACTORY)


def _config(folder: Path, kind: str) -> Config:
    source = folder / f"{kind}.yaml"
    space = "" if kind == "factory" else SPACE
    extra = "space:\n  units: [8, 16]\n" if kind == "factory" else ""
    source.write_text(f"name: {kind}\n{KINDS[kind]}{space}{extra}{SEARCH}")
    return load_config(source)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kinds")
    _write_files(folder)
    return folder


@pytest.fixture(scope="module")
def reported(project: Path) -> dict[str, tuple[Path, str]]:
    """Every kind's run folder, prepared as `search` prepares it, with two trial records and a
    test.json; then one report of them all (run pages and the comparison page)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project)
        runs: dict[str, Path] = {}
        for kind in KINDS:
            run_dir = run_folder.prepare(_config(project, kind), False, project / "runs")
            hps = {"units": 8, "learning_rate": 2e-3} if kind != "factory" else {"units": 8}
            for number in (1, 2):
                write_record(run_dir, make_record(str(number), number, 0.5, hyperparameters=hps))
            write_test_json(run_dir, {"1": 0.6})
            runs[kind] = run_dir
        write_reports(list(runs.values()), runs_root=project / "runs", out=project / "reports")
    pages = {kind: (project / "reports" / kind / "report.md").read_text() for kind in KINDS}
    return {kind: (runs[kind], pages[kind]) for kind in KINDS}


@pytest.mark.parametrize("kind", list(KINDS))
def test_config_as_run_loads_back_as_the_same_config(
    project: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    config = _config(project, kind)
    run_dir = run_folder.prepare(config, False, project / "fresh-runs")
    assert read_saved_config(run_dir).to_dict() == config.to_dict()
    # A second prepare (a resume) compares against it without complaint.
    assert run_folder.prepare(config, False, project / "fresh-runs") == run_dir


@pytest.mark.parametrize("kind", list(KINDS))
def test_best_hyperparameters_file_loads_back(
    project: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    config = _config(project, kind)
    hps = {"units": 16, "learning_rate": 5e-3} if kind != "factory" else {"units": 16}
    path = project / "best" / kind / layout.BEST_CONFIG_FILE
    atomic.write_yaml(path, best_config(config, make_record("0", hyperparameters=hps)))  # type: ignore[arg-type]
    best = load_config(path)
    assert best.name == f"{kind}-best"
    assert best.raw_space == hps
    assert best.data == config.data


@pytest.mark.parametrize("kind", list(KINDS))
def test_report_keeps_what_the_config_says(
    reported: dict[str, tuple[Path, str]], project: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir, page = reported[kind]
    assert "no longer validates" not in page
    assert re.search(r"bayesian, objective val_\w+ \((maximized|minimized)\), up to 3 trials", page)
    assert len(read_records(run_dir)) == 2
    monkeypatch.chdir(project)
    next_config = load_config(project / "reports" / kind / "next.yaml")
    assert next_config.name == f"{kind}-next"
    # The reproduce command names a config that validates and is the config as run.
    command = re.search(r"tuner search (\S+)", page.split("## How to reproduce", 1)[1])
    assert command is not None, page.split("## How to reproduce", 1)[1]
    assert load_config(command.group(1)).to_dict() == read_saved_config(run_dir).to_dict()


def test_comparison_page_names_every_runs_algorithm(
    reported: dict[str, tuple[Path, str]], project: Path
) -> None:
    text = (project / "reports" / "index.html").read_text()
    assert "unknown" not in text
    assert text.count("bayesian") >= len(KINDS)


def test_arrays_from_the_api_are_saved_as_a_config_that_loads_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tuner.search(x=..., y=...) names its saved arrays in a sequences config; that config,
    as the run writes it, loads back (without training: the API's own config step)."""
    from tuner import api

    monkeypatch.chdir(tmp_path)
    x, y = np.zeros((8, 4, 1)), np.array(["no", "yes"] * 4)
    document = {"name": "arrays", "space": {"units": 8}, "search": {"max_trials": 1}}
    with_arrays, _ = api._with_arrays(document, Path("runs"), False, (x, y, None, None))
    config = api._config(with_arrays, ())
    run_dir = run_folder.prepare(config, False, Path("runs"))
    saved = yaml.safe_load(layout.config_file(run_dir).read_text())
    assert saved["data"]["path"].startswith(str(Path("runs") / ".arrays"))
    assert read_saved_config(run_dir).to_dict() == config.to_dict()
