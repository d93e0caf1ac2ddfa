"""The Python API, for notebooks and scripts: the CLI's commands as functions.

    import tuner
    run = tuner.search("configs/my.yaml")       # or a dict; returns the run folder
    trials = tuner.load_trials(run)             # one row per trial, params_* columns
    curves = tuner.load_history(run)            # trial, epoch, metric, value
    page = tuner.report(run)                    # reports/<name>/index.html
    model = tuner.best_model(run)               # the exported Keras model

Errors are the toolkit's exceptions (tuner.errors), never an exit. Nothing global is left
changed when a call returns: signal handlers and environment variables are put back, and
no matplotlib backend is chosen. Keras, once imported, stays imported (on the backend the
first search chose).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from tuner import cli
from tuner.config import yaml_lines
from tuner.config.schema import from_source
from tuner.errors import ConfigError, TunerError, UserInputError
from tuner.run import layout
from tuner.run.folder import run_dir_for
from tuner.run.run import load_run

PathLike = str | os.PathLike[str]
DICT = "the config dict"  # how errors name a config given as a dict


def search(
    config: PathLike | Mapping[str, Any],
    *,
    runs: PathLike = "runs",
    fresh: bool = False,
    overrides: tuple[str, ...] = (),
    workers: int | None = None,
    verbose: bool = False,
) -> Path:
    """Run (or resume) the search a config declares, as `tuner search` does; returns the run's
    folder. ``config`` is a YAML file or the same keys as a dict; ``overrides`` are `--set`
    values such as ``"search.max_trials=5"``."""
    with _config_file(config) as path, _environment_kept():
        args = argparse.Namespace(
            config=path,
            overrides=list(overrides),
            runs=Path(runs),
            fresh=fresh,
            verbose=verbose,
            workers=workers,
        )
        code = cli.cmd_search(args)
        if code != 0:
            raise TunerError(f"the search of {path} ended with status {code}")
        return run_dir_for(cli.load(path, list(overrides)), Path(runs))


def load_trials(run: PathLike) -> Any:
    """A pandas DataFrame, one row per trial: its record's fields, params_<name> columns,
    each metric at the best epoch and test_<metric> for the trials scored on the test split."""
    from tuner.analysis.frame import frame

    loaded = load_run(_run_dir(run))
    return frame(loaded.records, loaded.test)


def load_history(run: PathLike) -> Any:
    """A long pandas DataFrame of every trial's curves: trial, epoch (from 1), metric, value."""
    import pandas as pd

    rows = [
        {"trial": record["trial_id"], "epoch": epoch, "metric": metric, "value": value}
        for record in load_run(_run_dir(run)).records
        for metric, values in record["history"].items()
        for epoch, value in enumerate(values, start=1)
    ]
    return pd.DataFrame(rows, columns=["trial", "epoch", "metric", "value"])


def report(run: PathLike, out: PathLike = "reports") -> Path:
    """Write the run's report (as `tuner report RUN --out OUT`); returns its index.html."""
    from tuner.report.write import write_reports

    folder = _run_dir(run)
    write_reports([folder], out=Path(out))
    return Path(out) / load_run(folder).name / "index.html"


def best_model(run: PathLike) -> Any:
    """The run's best model (best/model.keras), loaded by Keras on the run's backend."""
    folder = _run_dir(run)
    path = layout.model_file(folder)
    if not path.is_file():
        raise UserInputError(
            f"no best model at {path}; run the search to the end first", file=str(folder)
        )
    from tuner.engine import backend
    from tuner.run.folder import read_backend

    with _environment_kept():
        backend.activate(read_backend(folder))
    import keras

    import tuner.engine.model  # noqa: F401  registers the toolkit's layers for the loader

    return keras.saving.load_model(path)


def _run_dir(run: PathLike) -> Path:
    folder = Path(run)
    if not (folder / layout.CONFIG_FILE).is_file():
        raise UserInputError(
            f"not a run folder: no {layout.CONFIG_FILE} in it; give a folder like runs/<name>",
            file=str(folder),
        )
    return folder


@contextlib.contextmanager
def _config_file(config: PathLike | Mapping[str, Any]) -> Iterator[Path]:
    """The config as a file: the user's own, or a dict written to a temporary one (workers,
    being processes, read the config from a file)."""
    if not isinstance(config, Mapping):
        yield Path(config)
        return
    text = yaml.safe_dump(dict(config), sort_keys=False)
    try:  # checked here, so that an error names the dict, not a temporary file's line
        from_source(yaml_lines.load_text(text, file=DICT))
    except ConfigError as exc:
        raise ConfigError(exc.problem, file=DICT, key=exc.key) from None
    with tempfile.TemporaryDirectory(prefix="tuner-config-") as folder:
        name = str(config.get("name") or "run")
        path = Path(folder) / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        yield path


@contextlib.contextmanager
def _environment_kept() -> Iterator[None]:
    """os.environ as it was before the block (the search sets KERAS_BACKEND and TensorFlow's
    log level for itself)."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        for key in set(os.environ) - set(saved):
            del os.environ[key]
        os.environ.update(saved)
