"""Jobs on a run folder: refit, repeat, evaluate, predict, export, best_model and report.

Each reads the run's saved config through the one typed reader and, where it trains or loads
a model, opens a session (the data, then Keras on the run's backend).
"""

from __future__ import annotations

import dataclasses
import sys
import types
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from tuner.config.schema import Config
from tuner.errors import InputRangeWarning, UserInputError
from tuner.run import atomic, layout, results, run_lock
from tuner.run.results import RepeatEntry
from tuner.run.saved_config import (
    check_run_dir,
    read_backend,
    read_saved_config,
    saved_config_or_none,
)
from tuner.service.results import (
    EvaluateResult,
    ExportResult,
    ForecastResult,
    PredictResult,
    RefitResult,
)
from tuner.service.session import activate_keras, open_session

T = TypeVar("T")


def refit(run_dir: Path, factory: str | None = None) -> RefitResult:
    """The best configuration trained again on training + validation (see tuner.engine.refit);
    best/model.keras becomes that model. A run whose model comes from a factory needs
    ``factory`` named by the caller: the run folder's own word is not enough to run code."""
    config = _trusted(read_saved_config(run_dir), run_dir, factory, "tuner refit")
    with run_lock.held(run_dir):  # best/ is written by one process at a time
        session = open_session(config, read_backend(run_dir))
        from tuner.engine.refit import refit_best

        return RefitResult(run_dir, refit_best(config, session.dataset, run_dir))


def repeat(run_dir: Path, factory: str | None = None) -> list[RepeatEntry]:
    """The top_k trained again with report.repeats other seeds each; stored in test.json.
    ``factory``: as for refit."""
    config = _trusted(read_saved_config(run_dir), run_dir, factory, "tuner.service.repeat")
    if config.report.repeats < 1:
        raise UserInputError(
            "report.repeats is 0, so there is nothing to repeat; set it in the config and search",
            file=str(layout.config_file(run_dir)),
            key="report.repeats",
        )
    with run_lock.held(run_dir):  # best/ is written by one process at a time
        session = open_session(config, read_backend(run_dir))
        from tuner.engine.repeats import repeat_top

        return repeat_top(config, session.dataset, run_dir)


def _trusted(config: Config, run_dir: Path, factory: str | None, command: str) -> Config:
    """The run's config with the model factory the caller named. A run folder may come from
    someone else: the Python module its config.yaml names is imported only when the caller
    names it too (README: Your own model)."""
    saved = config.model.factory
    if saved is None:
        if factory is not None:
            raise UserInputError(
                "this run uses the built-in model, not a factory; leave out --factory",
                file=str(run_dir),
            )
        return config
    if factory is None:
        raise UserInputError(
            f"its model comes from the factory {saved}, Python code that retraining runs; "
            f"name the factory you trust: {command} {run_dir} --factory {saved}",
            file=str(run_dir),
            key="model.factory",
        )
    if ":" not in factory:
        raise UserInputError(
            f"--factory {factory!r}: expected MODULE:FUNCTION or FILE.py:FUNCTION, e.g. {saved}"
        )
    return dataclasses.replace(config, model=config.model.model_copy(update={"factory": factory}))


def evaluate(run_dir: Path, data: Path, factory: str | None = None) -> EvaluateResult:
    """The best model scored on labelled data, as the search scored its test split: any file
    the run's search takes for its dataset kind (tuner.data.scoring_file), raw inputs as in
    training; warnings where x lies far from the training inputs' range. ``factory``: the
    run's model factory, imported first, for a model with layers of its own (as for refit)."""
    from tuner.data.scoring_file import read_scoring_file

    config, why = saved_config_or_none(check_run_dir(run_dir))
    section = config.data if config is not None else None
    samples = read_scoring_file(data, section, labelled=True, why=why)  # before Keras' import
    activate_keras(read_backend(run_dir))
    _import_factory(run_dir, config, factory, "tuner evaluate")
    from tuner.engine.scoring import evaluate_data

    scored, said = _warned(lambda: evaluate_data(run_dir, samples))
    return EvaluateResult(
        run_dir, data, scored.metrics, said, scored.samples, scored.per_class, scored.baselines
    )


def predict(
    run_dir: Path,
    *,
    data: Path | None = None,
    x: Any = None,
    out: Path | None = None,
    factory: str | None = None,
) -> PredictResult:
    """The best model's predictions on unlabelled data (a file as for evaluate, or arrays x):
    one row per sample, see tuner.engine.scoring.predict_data; written to ``out`` as CSV when
    given. ``factory``: as for evaluate."""
    from tuner.data.scoring_file import read_arrays, read_scoring_file

    config, why = saved_config_or_none(check_run_dir(run_dir))
    if (data is None) == (x is None):
        raise UserInputError("give the samples to predict as data=FILE or as x=ARRAY, one of them")
    if out is not None and out.suffix.lower() != ".csv":
        raise UserInputError(
            f"predictions are written as CSV; name a .csv file, not {out.name}", key="--out"
        )
    if data is not None:
        section = config.data if config is not None else None
        samples = read_scoring_file(data, section, labelled=False, why=why)
    else:
        samples = read_arrays(x)
    activate_keras(read_backend(run_dir))
    _import_factory(run_dir, config, factory, "tuner predict")
    from tuner.engine.scoring import predict_data

    frame, said = _warned(lambda: predict_data(run_dir, samples))
    if out is not None:
        atomic.write_bytes(out, frame.to_csv(index=False).encode())
    return PredictResult(run_dir, data, frame, said, out)


def forecast(
    run_dir: Path,
    *,
    data: Path | None = None,
    steps: int | None = None,
    out: Path | None = None,
) -> ForecastResult:
    """The best model's forecasts after the last step of the run's series, or of ``data`` (a
    CSV in the run's format with newer observations): tuner.engine.forecast_ahead's table,
    written to ``out`` as CSV when given."""
    from tuner.data.covariates import with_roles
    from tuner.data.forecasting import series_table
    from tuner.data.series_csv import read_csv

    config, why = saved_config_or_none(check_run_dir(run_dir))
    if config is None or config.data.dataset not in ("sine", "csv"):
        raise UserInputError(
            "tuner forecast is for a series run (data.dataset sine or csv)"
            + (f"; its config.yaml does not load ({why})" if config is None else ""),
            file=str(run_dir),
        )
    if out is not None and out.suffix.lower() != ".csv":
        raise UserInputError(
            f"forecasts are written as CSV; name a .csv, not {out.name}", key="--out"
        )
    table, _, _ = series_table(config.data, config.seed)
    roles = config.data.covariates
    if data is not None:
        ahead = tuple(roles.future) if roles and roles.future else None
        newer = read_csv(str(data), table.columns[0], config.data.series, ahead)
        if newer.columns != table.columns:
            raise UserInputError(
                f"its columns are {', '.join(newer.columns)}, the run's "
                f"{', '.join(table.columns)}; give the run's columns",
                file=str(data),
            )
        table = newer
    # future-known columns read a horizon ahead, as the search read them
    table = with_roles(table, roles, config.data.horizon, str(data or config.data.path))
    results.forecast_shape(run_dir, steps)  # a wrong --steps is said before Keras loads
    activate_keras(read_backend(run_dir))
    from tuner.engine.forecast_ahead import forecast_ahead
    from tuner.reporting.figures.ahead import ahead_figure

    frame = forecast_ahead(run_dir, table, steps)
    figure = None
    if out is not None:
        atomic.write_bytes(out, frame.to_csv(index=False).encode())
        figure = out.with_suffix(".png")
        atomic.write_bytes(figure, ahead_figure(table, frame))
    return ForecastResult(run_dir, data, frame, out, figure)


def _import_factory(
    run_dir: Path, config: Config | None, factory: str | None, command: str
) -> None:
    """Import the factory module the caller named (its custom layers register themselves with
    Keras), checked against the run's config as refit checks it."""
    if factory is None:
        return
    if config is None:
        raise UserInputError(
            "its config.yaml does not load, so --factory cannot be checked against it",
            file=str(run_dir),
        )
    from tuner.engine.factory import load_factory
    from tuner.engine.model import ModelSpec

    load_factory(_trusted(config, run_dir, factory, command), ModelSpec((1, 1), 0))


def _warned(job: Callable[[], T]) -> tuple[T, tuple[str, ...]]:
    """The job's result and the InputRangeWarnings it gave, as text."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputRangeWarning)
        result = job()
    said = tuple(str(w.message) for w in caught if issubclass(w.category, InputRangeWarning))
    return result, said


def export(
    run_dir: Path,
    *,
    tensorboard: Path | None = None,
    optuna: str | None = None,
    study: str | None = None,
) -> ExportResult:
    """The run's trials as TensorBoard logs in ``tensorboard`` and/or an Optuna study in the
    ``optuna`` storage (named ``study``, default the run's name). Imports no Keras."""
    from tuner.run.run import load_run

    if tensorboard is None and optuna is None:
        raise UserInputError("export needs --tensorboard DIR, --optuna URL or both")
    run = load_run(check_run_dir(run_dir))
    board = written = None
    if tensorboard is not None:
        # TensorBoard's helpers would import TensorFlow where it is installed (seconds, and
        # C++ notices on stderr); tensorboard.compat takes its stub when this module exists.
        sys.modules.setdefault("tensorboard.compat.notf", types.ModuleType("notf"))
        from tuner.export.tensorboard import write_tensorboard

        try:
            board = (tensorboard, write_tensorboard(run, tensorboard))
        except OSError as exc:  # a folder not there to make, not writable, a file
            reason = exc.strerror or exc.__class__.__name__
            raise UserInputError(
                f"--tensorboard {tensorboard}: cannot write there ({reason}); give a folder "
                "you can write to"
            ) from None
    if optuna is not None:
        from tuner.export.optuna_study import write_study

        created = write_study(run, optuna, study)
        written = (optuna, created.study_name, len(created.trials))
    return ExportResult(board, written)


def best_model(run_dir: Path) -> Any:
    """The run's best model (best/model.keras), loaded by Keras on the run's backend."""
    activate_keras(read_backend(check_run_dir(run_dir)))
    from tuner.engine.best_model import load_best_model

    return load_best_model(run_dir)


def report(run_dirs: list[Path] | None, *, runs: Path = layout.RUNS, out: Path) -> list[Path]:
    """Reports for ``run_dirs`` (None: every run under ``runs``); the pages written."""
    from tuner.reporting.write import write_reports

    return write_reports(run_dirs, runs_root=runs, out=out)
