"""The Python API, for notebooks and scripts: the library's jobs on dicts, paths and arrays.

    import tuner
    run = tuner.search("configs/my.yaml")       # or a dict; returns the run folder
    run = tuner.search(config, x=x, y=y, validation_data=(xv, yv), test_data=(xt, yt))
    trials = tuner.load_trials(run)             # one row per trial, params_* columns
    curves = tuner.load_history(run)            # trial, epoch, metric, value
    page = tuner.report(run)                    # reports/<name>/index.html
    model = tuner.best_model(run)               # the exported Keras model
    table = tuner.predict(run, data="new.csv")  # or x=array: one row per sample (pandas)

This module turns what a Python caller has (a dict or a path, arrays) into a Config and calls
tuner.service, the same functions the CLI calls. Errors are the toolkit's exceptions
(tuner.errors), never an exit. Nothing global is left changed when a call returns: signal
handlers and environment variables are put back, and no matplotlib backend is chosen. Keras,
once imported, stays imported (on the backend the first search chose).
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from tuner import service
from tuner.config import yaml_lines
from tuner.config.overrides import config_from
from tuner.config.schema import Config
from tuner.config.sections import CSV_KEYS
from tuner.errors import ConfigError, DataError, InputRangeWarning, TunerError, UserInputError
from tuner.run import saved_arrays
from tuner.run.run import load_run
from tuner.run.saved_config import check_run_dir, saved_config_or_none
from tuner.text import thousands

PathLike = str | os.PathLike[str]
DICT = "the config dict"  # how errors name a config given as a dict
DEFAULT_NAME = "run"  # the run's name when a config dict gives none


def search(
    config: PathLike | Mapping[str, Any],
    *,
    x: Any = None,
    y: Any = None,
    validation_data: tuple[Any, Any] | None = None,
    test_data: tuple[Any, Any] | None = None,
    runs: PathLike = "runs",
    fresh: bool = False,
    overrides: tuple[str, ...] = (),
    workers: int | None = None,
    verbose: bool = False,
) -> Path:
    """Run (or resume) the search a config declares, as `tuner search` does; returns the run's
    folder. ``config`` is a YAML file or the same keys as a dict; ``overrides`` are `--set`
    values such as ``"search.max_trials=5"``. Raises TunerError with the reason when no trial
    completed.

    ``x`` and ``y`` (with optional ``validation_data`` and ``test_data`` pairs; else split
    from x, stratified) are labelled sequences as a sequences .npz holds them: x (n, steps,
    features) or (n, steps), NaN after a shorter sequence's end; y class labels (numbers or
    text) or an (n, labels) 0/1 matrix. They are saved under runs/.arrays/ by fingerprint, and
    a resume with other arrays is refused like a changed config."""
    saved = None
    _check_config_kind(config)
    if any(a is not None for a in (x, y, validation_data, test_data)):
        config, saved = _with_arrays(config, Path(runs), fresh, (x, y, validation_data, test_data))
    try:
        with _environment_kept():
            result = service.search(
                _config(config, overrides), runs=Path(runs), fresh=fresh, workers=workers,
                verbose=verbose,
            )  # fmt: skip
    except DataError as exc:  # in the saved arrays: named as the caller passed them
        if saved is None or exc.file != str(saved):
            raise
        key = saved_arrays.ARGUMENTS.get(exc.key, exc.key)
        raise DataError(exc.problem, file="the arrays", key=key) from None
    if result.failure is not None:
        raise TunerError(result.failure)
    return result.run_dir


def _config(config: PathLike | Mapping[str, Any], overrides: tuple[str, ...]) -> Config:
    """A YAML file or a dict as a validated Config; a dict's errors name it, with no line."""
    _check_config_kind(config)
    if not isinstance(config, Mapping):
        return config_from(yaml_lines.load_file(Path(config)), list(overrides))
    _check_lists(config, ())
    document = {"name": DEFAULT_NAME, **config}
    text = yaml.safe_dump(document, sort_keys=False)
    try:
        return config_from(yaml_lines.load_text(text, file=DICT), list(overrides))
    except ConfigError as exc:  # its lines are those of a text the caller never saw
        raise ConfigError(exc.problem, file=DICT, key=exc.key) from None


def _check_config_kind(config: object) -> None:
    """A path or a dict: YAML text or any other object is a ConfigError saying so."""
    if isinstance(config, str) and "\n" in config:
        raise ConfigError(
            "config is a string of several lines: give a YAML file's path, or the config's "
            "keys as a dict"
        )
    if not isinstance(config, Mapping | str | os.PathLike):
        raise ConfigError(
            f"config must be a YAML file's path or a dict of config keys, got "
            f"{type(config).__name__}"
        )


MAX_LIST = 10_000  # values in one list of a config dict; a choice needs a handful


def _check_lists(value: object, path: tuple[str, ...]) -> None:
    """A ConfigError for a list too long to be a config's, before the dict is written out and
    read back as YAML (6,000,000 values took minutes)."""
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _check_lists(inner, (*path, str(key)))
    elif isinstance(value, list | tuple):
        if len(value) > MAX_LIST:
            raise ConfigError(
                f"holds {thousands(len(value))} values, over the {thousands(MAX_LIST)} a "
                "config list may hold; give a range ({min: ..., max: ...}) or fewer values",
                file=DICT,
                key=".".join(path),
            )
        for inner in value:
            _check_lists(inner, path)


def _with_arrays(
    config: PathLike | Mapping[str, Any], runs: Path, fresh: bool, given: tuple[Any, ...]
) -> tuple[dict[str, Any], Path]:
    """The config as a dict whose data section reads the arrays, saved by fingerprint."""
    x, y, validation_data, test_data = given
    if x is None or y is None:
        missing = "x" if x is None else "y"
        raise UserInputError(f"arrays need both x and y; give {missing}", key=missing)
    if isinstance(config, Mapping):
        document, where = dict(config), DICT
    else:
        document, where = dict(yaml_lines.load_file(Path(config)).data or {}), str(config)
        document.setdefault("name", Path(config).stem)
    data = dict(document.get("data") or {})
    if data.get("dataset", "sequences") != "sequences":
        raise ConfigError(
            f"arrays are read as the sequences dataset, not {data['dataset']}; remove "
            "data.dataset or set it to sequences",
            file=where,
            key="data.dataset",
        )
    for key in ("path", "test_path", *CSV_KEYS):
        if key in data:
            raise ConfigError(
                f"{key} is for a data file, but arrays were passed; remove it",
                file=where,
                key=f"data.{key}",
            )
    saved = saved_arrays.save(runs, saved_arrays.splits_of(x, y, validation_data, test_data))
    name = str(document.get("name") or DEFAULT_NAME)
    _check_same_arrays(runs / name, saved, fresh, where)
    document["data"] = {**data, "dataset": "sequences", "path": str(saved)}
    return document, saved


def _check_same_arrays(run_dir: Path, saved: Path, fresh: bool, where: str) -> None:
    """A run started on other arrays is refused, in words, unless ``fresh``."""
    previous_config, _ = saved_config_or_none(run_dir) if run_dir.is_dir() else (None, "")
    previous = previous_config.data.path if previous_config is not None else None
    if previous is None or fresh or Path(previous).parent.name != saved_arrays.FOLDER:
        return  # no run yet (or not one of arrays): the config comparison has the last word
    if previous == str(saved):
        return
    raise ConfigError(
        f"the arrays differ from those {run_dir} was searched with (fingerprint "
        f"{Path(previous).stem}, now {saved.stem}); pass fresh=True to start over (the old "
        "run is moved aside) or give the same arrays",
        file=where,
    )


def load_trials(run: PathLike) -> Any:
    """A pandas DataFrame, one row per trial: its record's fields, params_<name> columns,
    each metric at the best epoch and test_<metric> for the trials scored on the test split."""
    from tuner.analysis.frame import frame

    loaded = load_run(check_run_dir(Path(run)))
    return frame(loaded.records, loaded.test)


def load_history(run: PathLike) -> Any:
    """A long pandas DataFrame of every trial's curves: trial, epoch (from 1), metric, value."""
    import pandas as pd

    rows = [
        {"trial": record["trial_id"], "epoch": epoch, "metric": metric, "value": value}
        for record in load_run(check_run_dir(Path(run))).records
        for metric, values in record["history"].items()
        for epoch, value in enumerate(values, start=1)
    ]
    return pd.DataFrame(rows, columns=["trial", "epoch", "metric", "value"])


def report(run: PathLike, out: PathLike = "reports") -> Path:
    """Write the run's report (as `tuner report RUN --out OUT`); returns its index.html."""
    return service.report([check_run_dir(Path(run))], out=Path(out))[0]  # its index.html first


def best_model(run: PathLike) -> Any:
    """The run's best model (best/model.keras), loaded by Keras on the run's backend."""
    with _environment_kept():
        return service.best_model(Path(run))


def predict(
    run: PathLike, data: PathLike | None = None, *, x: Any = None, factory: str | None = None
) -> Any:
    """The best model's predictions, as `tuner predict RUN --data FILE` writes them: a pandas
    DataFrame, one row per sample. ``data`` is any file the run's search takes for its kind of
    data (labels not needed), or pass arrays ``x`` ((n, steps, features) or (n, steps), NaN
    after a shorter sequence's end). Classification: the sample's id (the long CSV's id column,
    else ``index``), ``class`` (multi-label: ``labels``, space-separated) and a
    ``probability_<class>`` column per class; regression: the sample's ``time`` (``index``)
    and ``forecast_1`` .. ``forecast_<horizon>`` in the target's units. Inputs far from the
    training range give an InputRangeWarning. ``factory`` ("my_models.py:build"): the run's
    model factory, imported first where its model has layers of its own."""
    with _environment_kept():
        result = service.predict(
            Path(run), data=None if data is None else Path(data), x=x, factory=factory
        )
    for said in result.warnings:
        warnings.warn(InputRangeWarning(said), stacklevel=2)
    return result.frame


def forecast(run: PathLike, data: PathLike | None = None, *, steps: int | None = None) -> Any:
    """A series run's forecasts after the last step of its data (or of ``data``, a CSV in
    the run's format with newer observations), as `tuner forecast RUN` writes them: a pandas
    DataFrame with series, time, step, forecast, lower_80, upper_80, lower_95, upper_95."""
    with _environment_kept():
        result = service.forecast(Path(run), data=None if data is None else Path(data), steps=steps)
    return result.frame


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
