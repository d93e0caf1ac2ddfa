"""Jobs on a run folder: refit, repeat, evaluate, export, best_model and report.

Each reads the run's saved config through the one typed reader and, where it trains or loads
a model, opens a session (the data, then Keras on the run's backend).
"""

from __future__ import annotations

import dataclasses
import sys
import types
import warnings
from pathlib import Path
from typing import Any

from tuner.config.schema import Config
from tuner.errors import InputRangeWarning, UserInputError
from tuner.run import layout
from tuner.run.results import RepeatEntry
from tuner.run.saved_config import check_run_dir, read_backend, read_saved_config
from tuner.service.results import EvaluateResult, ExportResult, RefitResult
from tuner.service.session import activate_keras, open_session


def refit(run_dir: Path, factory: str | None = None) -> RefitResult:
    """The best configuration trained again on training + validation (see tuner.engine.refit);
    best/model.keras becomes that model. A run whose model comes from a factory needs
    ``factory`` named by the caller: the run folder's own word is not enough to run code."""
    config = _trusted(read_saved_config(run_dir), run_dir, factory, "tuner refit")
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


def evaluate(run_dir: Path, data: Path) -> EvaluateResult:
    """The best model's metrics on the arrays x and y of an .npz file, raw inputs as in
    training; a warning where x lies far from the training inputs' range."""
    from tuner.data.xy_file import read_xy

    x, y = read_xy(data)  # before Keras' import: a wrong file is refused at once
    activate_keras(read_backend(check_run_dir(run_dir)))
    from tuner.engine.best_model import evaluate_arrays

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputRangeWarning)
        metrics = evaluate_arrays(run_dir, x, y, source=data)
    said = tuple(str(w.message) for w in caught if issubclass(w.category, InputRangeWarning))
    return EvaluateResult(run_dir, data, metrics, said)


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

        board = (tensorboard, write_tensorboard(run, tensorboard))
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
