"""Run a search: keras-tuner's oracle picks trials, our tuner (keras-tuner's class with
tuner.engine.recorder mixed in) trains and records each one, with early stopping on the
validation split."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import keras
import keras_tuner as kt

from tuner.config.schema import Config
from tuner.config.space import short_space_note
from tuner.data.datasets import Dataset
from tuner.engine import kt_compat, recipe, resume
from tuner.engine import study as shared
from tuner.engine.factory import check_factory_model
from tuner.engine.hyperparameters import to_hyperparameters
from tuner.engine.progress import Progress
from tuner.engine.recorder import Recorder
from tuner.engine.study_oracle import process_seed, sampler_for
from tuner.engine.tuners import TUNER_CLASSES, StudySearch
from tuner.errors import TunerError
from tuner.run import layout, records, role, study_file


def make_tuner(
    config: Config,
    dataset: Dataset,
    run_dir: Path,
    progress: Progress,
    study: shared.Study | None = None,
) -> Any:
    """keras-tuner's Tuner of the config's algorithm, or with ``study`` (search.storage) one
    whose oracle takes the trials from it."""
    search = config.search
    base = StudySearch if study is not None else TUNER_CLASSES[search.algorithm]
    tuner_class = type(f"Recording{base.__name__}", (Recorder, base), {})
    plan = recipe.validation_plan(config, dataset)
    options: dict[str, Any] = dict(
        hypermodel=recipe.hypermodel(config, dataset),
        objective=kt.Objective(config.objective, direction=config.direction),
        hyperparameters=to_hyperparameters(config.space),
        allow_new_entries=False,
        tune_new_entries=False,
        seed=config.seed,
        # folds train as keras-tuner's executions, each on its own data (tuner.engine.recorder)
        executions_per_trial=len(plan.folds) or search.executions_per_trial,
        # A failed trial is recorded and the search goes on; only a factory bug should stop it.
        max_consecutive_failed_trials=search.max_trials + 1,
        directory=str(run_dir),
        project_name=layout.KT_FOLDER,
        overwrite=False,
    )
    if search.algorithm == "hyperband":
        # Unlimited brackets: the search ends at max_trials like the other algorithms.
        options.update(max_epochs=search.epochs, factor=3, hyperband_iterations=None)
    elif study is not None:  # max_trials counts every process's trials: the oracle's total
        options.update(study=study, algorithm=search.algorithm, total=search.max_trials)
    else:
        options["max_trials"] = search.max_trials
    if search.algorithm in ("bayesian", "tpe") and study is None:
        options["num_initial_points"] = initial_points(config)
    if search.algorithm == "tpe" or study is not None:
        options["space"] = config.space  # Optuna's distributions come from the declared space
    tuner = tuner_class(
        config=config, dataset=dataset, plan=plan, run_dir=run_dir, progress=progress, **options
    )
    if search.algorithm == "hyperband":
        tuner.oracle.max_trials = search.max_trials  # the base Oracle stops at max_trials
    return tuner


def initial_points(config: Config) -> int:
    """Random trials before the Gaussian process takes over.

    keras-tuner's default is 3 per hyperparameter, counting the fixed ones too: with every
    tunable declared that is 48+, so a Bayesian search was random all along (benchmark 3 found
    it scoring exactly like random search). Count only what varies, and leave at least two
    thirds of the budget to the model."""
    return max(2, min(3 * len(config.space.varying), config.search.max_trials // 3))


def check_factory(config: Config, dataset: Dataset) -> None:
    """Build the default model once so a factory bug fails before any trial."""
    build = recipe.hypermodel(config, dataset)
    if config.model.factory is not None:
        check_factory_model(config, dataset, build)
        keras.backend.clear_session()
        return
    try:
        build(to_hyperparameters(config.space))
    except Exception as exc:
        raise TunerError(f"the model cannot be built from the default values: {exc}") from exc
    keras.backend.clear_session()


def keras_verbosity(verbose: bool) -> int:
    """--verbose: Keras' progress bar, which is coloured; a plain line per epoch instead when
    NO_COLOR is set (no-color.org) or the output is not a terminal."""
    if not verbose:
        return 0
    return 2 if os.environ.get("NO_COLOR") or not sys.stdout.isatty() else 1


def run_search(config: Config, dataset: Dataset, run_dir: Path, verbose: bool = False) -> Any:
    """Search until max_trials (or the time budget); returns the tuner for export."""
    # keras-tuner prints every failed trial's traceback unless told otherwise; ours is one line.
    with kt_compat.atomic_state(debug=bool(os.environ.get("TUNER_DEBUG"))):
        keras.utils.set_random_seed(config.seed)
        check_factory(config, dataset)
        study = _join_study(config, run_dir)
        done = len(records.read_records(run_dir)[0])
        progress = Progress(config.search.max_trials, config.space.varying, done=done)
        notes: list[str] = []
        if study is not None:  # the study is the state: nothing of keras-tuner's to resume
            tuner = make_tuner(config, dataset, run_dir, progress, study)
        else:
            tuner, notes = resume.open_tuner(
                lambda: make_tuner(config, dataset, run_dir, progress),
                run_dir,
                layout.kt_dir(run_dir),
            )
        short = short_space_note(config.space, config.search.max_trials, config.search.algorithm)
        me = role.current()
        for note in [*notes, *([f"note: {short}"] if short and not me.worker else [])]:
            if not me.quiet_start:
                print(note, file=sys.stderr, flush=True)
        # Counted again: mending may have moved damaged or foreign records aside.
        progress.done = progress.done_before = len(records.read_records(run_dir)[0])
        try:
            tuner.search(
                epochs=config.search.epochs,
                verbose=keras_verbosity(verbose),
                # passed on to every trial's fit(): the one recipe's data, class weights and
                # early stopping (a cross-validated trial's Recorder swaps in each fold's data)
                **recipe.fit_arguments(config, dataset, validate=True),
            )
        except BaseException:
            if study is not None:  # another process takes the trial now, not after the grace
                tuner.oracle.hand_back_running()
            raise
        if not role.current().worker:
            # keras-tuner saves the end of a trial before taking it off the ongoing list, and a
            # distributed chief saves nothing after: without this its last trial stays ongoing.
            tuner.oracle.save()
        if study is not None:  # a process killed between its study and its file: the file
            tuner.oracle.write_missing_records(run_dir)
        return tuner


def _join_study(config: Config, run_dir: Path) -> shared.Study | None:
    """search.storage: the run's study, opened (and noted in study.json); None without one."""
    section = config.search.storage
    if section is None:
        return None
    url = shared.storage_url(section, run_dir)
    study_file.check_joinable(run_dir, section.url)
    sampler = sampler_for(
        config.search.algorithm, process_seed(config.seed), initial_points(config)
    )
    study = shared.open_study(section, run_dir, config.name, config.direction == "max", sampler)
    study_file.join(run_dir, section.url, config.name)
    print(f"{config.name}: trials from the study {config.name!r} in {url}", file=sys.stderr)
    return study
