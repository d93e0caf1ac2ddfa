"""search: run or resume the search a config declares, alone, as the launcher of a local
crew (--workers), or as one participant of a distributed search."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tuner.config.schema import Config
from tuner.config.sections import MAX_WORKERS
from tuner.config.storage import ALGORITHMS as STORAGE_ALGORITHMS
from tuner.config.storage import LOCAL, StorageSection, url_problem
from tuner.errors import UserInputError
from tuner.run import folder as run_folder
from tuner.run import layout, records, results, role, run_lock, study_file
from tuner.run.results import EvaluationSummary
from tuner.service.results import SearchResult
from tuner.service.session import Session, open_session

if TYPE_CHECKING:
    from tuner.data.folds import ValidationPlan


def search(
    config: Config,
    *,
    runs: Path = layout.RUNS,
    fresh: bool = False,
    workers: int | None = None,
    verbose: bool = False,
    gpus: list[int] | None = None,
    storage: str | None = None,
) -> SearchResult:
    """Run (or resume) ``config``'s search into ``runs``/<name>/; export, repeat and refit as
    the config asks. ``storage`` (--storage): search.storage's URL for this command.
    Ctrl-C and SIGTERM stop it after the current batch (KeyboardInterrupt),
    finished trials kept; the signal handlers and the run's lock are released on return."""
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        raise UserInputError(
            f"--workers must be from 1 to {MAX_WORKERS} (as search.workers), got {workers}"
        )
    gpus = gpus if gpus is not None else config.search.gpus
    if gpus and workers is not None and workers != len(gpus):
        raise UserInputError(
            f"--workers {workers} and {len(gpus)} GPUs: each GPU gets one worker; leave out "
            "--workers"
        )
    from tuner.engine import signals

    crew = len(gpus) if gpus else workers if workers is not None else config.search.workers
    config = with_storage(config, Path(runs), storage, crew)
    with signals.installed():
        try:
            return _search(config, Path(runs), fresh, len(gpus) if gpus else workers, verbose, gpus)
        finally:  # an in-process caller (tuner.search) may search the run again
            run_lock.release(run_folder.run_dir_for(config, Path(runs)))


def _search(
    config: Config,
    runs: Path,
    fresh: bool,
    workers: int | None,
    verbose: bool,
    gpus: list[int] | None = None,
) -> SearchResult:
    me = role.current()
    began = time.time()  # before the data and Keras load: a session's start
    crew = workers if workers is not None else config.search.workers
    if me.alone and not fresh and run_folder.is_finished(config, root=runs):
        return _already_done(config, run_folder.run_dir_for(config, runs))
    if me.alone and (crew > 1 or gpus) and config.search.trials_per_process:
        raise UserInputError(
            f"search.isolate trains trials in fresh processes, one at a time; it cannot "
            f"run with {crew} workers: remove search.isolate or the workers",
            file=config.file,
            key="search.isolate",
        )
    created = not run_folder.run_dir_for(config, runs).exists()
    run_dir = run_folder.prepare(config, fresh and me.alone, root=runs)
    if me.alone and (crew > 1 or gpus):
        return _search_with_processes(config, run_dir, runs, crew, verbose, gpus)
    if me.alone and me.trials_here is None and config.search.trials_per_process:
        from tuner.service.isolated import search_isolated

        return search_isolated(config, run_dir, runs, verbose)
    try:
        if not me.alone:
            _check_distributed_env(me)
        session = open_session(config)
        from tuner.engine.recipe import validation_plan  # Keras is loaded by now

        plan = validation_plan(config, session.dataset)  # the folds every trial will use
    except BaseException:
        if created and me.alone:
            run_folder.discard_new(run_dir)
        raise
    summary = {
        **session.dataset.summary(),
        **_validation_summary(plan),
        "keras_backend": session.keras_backend,
    }
    if not me.quiet_start:
        print(
            f"{config.name}: {summary['dataset']} from {summary['origin']}; "
            f"{_splits_text(summary, plan)}, test {summary['test']}; {config.search.algorithm} "
            f"search over {', '.join(config.space.varying) or 'one point'}",
            file=sys.stderr,
        )
        print(f"{config.name}: validated on {plan.why}", file=sys.stderr)
        if plan.warning:
            print(f"warning: {plan.warning}", file=sys.stderr)
    from tuner.engine.search import run_search

    if config.search.storage is not None:  # one of the study's processes, maybe on another host
        try:
            tuner = run_search(config, session.dataset, run_dir, verbose=verbose)
        except BaseException:  # the storage did not open, say: no empty run left behind
            if created and me.alone:
                run_folder.discard_new(run_dir)
            raise
        return _export_study(config, session, run_dir, summary, tuner, began)
    started = run_folder.start_session(run_dir, summary) if me.leads else time.time()
    status = "interrupted"
    try:
        tuner = run_search(config, session.dataset, run_dir, verbose=verbose)
        status = "finished"
    finally:
        if me.leads:
            run_folder.record_session(run_dir, summary, started, status)
    # best/ is the chief's; a search.isolate trial process writes it only when its trials
    # ended the search (else the next process, or the launcher's last, does)
    done = len(records.read_records(run_dir)[0]) >= config.search.max_trials
    if not me.leads or (me.leaves_export and not done):
        return SearchResult(config, run_dir, None, leads=False)
    from tuner.engine.best_model import export_best

    best = export_best(tuner, config, session.dataset, run_dir)
    after = _after_search(config, session, run_dir, best)
    # search.isolate's export process leaves the word on how it ended to its launcher
    return SearchResult(config, run_dir, after, leads=me.trials_here is None)


def _export_study(
    config: Config,
    session: Session,
    run_dir: Path,
    summary: dict[str, Any],
    tuner: Any,
    began: float,
) -> SearchResult:
    """The study is done: the first of its processes here writes best/ (and the final model,
    repeats, TensorBoard) while the others wait, then find it written. run.json gets one
    session per export (the processes' own overlap), from this process's start or the first
    trial it covers, whichever came first, to now."""
    from tuner.engine.best_model import export_best

    with run_lock.exporting(run_dir):
        if run_folder.is_finished(config, root=run_dir.parent):
            return SearchResult(config, run_dir, results.read_test(run_dir) or None)
        study_file.note_trials(run_dir, tuner.oracle.finished_ids())
        sessions = run_folder.read_run_info(run_dir).get("sessions", [])
        last = max((s.get("finished", 0.0) for s in sessions if isinstance(s, dict)), default=0.0)
        started = min(began, tuner.oracle.first_start_after(last) or began)
        run_folder.record_session(run_dir, summary, started, "finished")
        best = export_best(tuner, config, session.dataset, run_dir)
        after = _after_search(config, session, run_dir, best)
    return SearchResult(config, run_dir, after)


def with_storage(config: Config, runs: Path, url: str | None, crew: int = 1) -> Config:
    """``config`` with the storage its search uses: --storage's, else its own, else the one
    the run folder remembers (study.json), so a plain command resumes a storage run. A crew
    of ``crew`` > 1 processes of tpe, random or grid shares a local study unless the config
    says storage: null or the run already has a gRPC crew's state: bench 4 measured the
    study at 1.5x one process and the gRPC chief at 0.8x (README, Scale)."""
    run_dir = run_folder.run_dir_for(config, runs)
    given = url
    url = url or (config.search.storage.url if config.search.storage else None)
    url = url or study_file.remembered(run_dir)
    if url is None and _local_by_default(config, run_dir, crew):
        url = LOCAL
    if url is None:
        return config
    problem = url_problem(url)  # the config's own was checked as it was read
    if problem:
        where = "--storage" if given else str(layout.study_file(run_dir))
        raise UserInputError(f"{where}: {problem}")
    study_file.check_same(run_dir, url)
    if config.search.algorithm not in STORAGE_ALGORITHMS:
        raise UserInputError(
            f"a shared study (storage {url}) drives {', '.join(STORAGE_ALGORITHMS)} searches, "
            f"not {config.search.algorithm}; scale it with --workers N (keras-tuner's chief and "
            "workers) instead",
            file=config.file,
            key="search.algorithm",
        )
    if config.search.trials_per_process:
        raise UserInputError(
            f"search.isolate cannot run with a storage ({url}); remove search.isolate",
            file=config.file,
            key="search.isolate",
        )
    own = config.search.storage
    section = own.model_copy(update={"url": url}) if own else StorageSection(url=url)
    return replace(config, search=config.search.model_copy(update={"storage": section}))


def _local_by_default(config: Config, run_dir: Path, crew: int) -> bool:
    said_null = "storage" in config.search.model_fields_set  # storage: null, written
    return (
        crew > 1
        and role.current().alone
        and config.search.algorithm in STORAGE_ALGORITHMS
        and not said_null
        and not config.search.trials_per_process  # refused beside workers, in its own words
        and not layout.kt_oracle_file(layout.kt_dir(run_dir)).exists()
    )


def _splits_text(summary: dict[str, Any], plan: ValidationPlan) -> str:
    if plan.cross_validates:  # each sample trains in K-1 folds and validates in one
        return f"{summary['validation']} to learn from in {len(plan.folds)} folds"
    return f"train {summary['train']}, validation {summary['validation']}"


def _validation_summary(plan: ValidationPlan) -> dict[str, Any]:
    """run.json's word on validation. With folds, "validation" counts the samples behind each
    score (every sample of the pool is validated on once) and "train" a fold's training part."""
    if not plan.cross_validates:
        return {"cv": plan.summary()}
    pool = sum(len(f.validation) for f in plan.folds)  # as recipe.validation_samples
    train = round(sum(len(f.train) for f in plan.folds) / len(plan.folds))
    return {"cv": plan.summary(), "train": train, "validation": pool}


def _after_search(
    config: Config, session: Session, run_dir: Path, best: EvaluationSummary | None
) -> EvaluationSummary | None:
    """What the config asks for once best/ is written: the final model (a refit, say),
    repeats, TensorBoard with the test scores; returns best/test.json as it then is."""
    if best is not None:
        from tuner.engine.final_model import make_final_models

        best = make_final_models(config, session.dataset, run_dir)
    if best is not None and config.report.repeats:
        from tuner.engine.repeats import repeat_top

        best["repeats"] = repeat_top(config, session.dataset, run_dir)
    if config.search.tensorboard:  # again, with the test scores now known
        from tuner.export.tensorboard import write_tensorboard
        from tuner.run.run import load_run

        write_tensorboard(load_run(run_dir), layout.tensorboard_dir(run_dir))
    return results.read_test(run_dir) if best is not None else None


def _already_done(config: Config, run_dir: Path) -> SearchResult:
    """A search run again after it finished: say so and give its best; write nothing."""
    print(
        f"{run_dir}: this search is done ({config.search.max_trials} trials); raise "
        "search.max_trials to continue it, or add --fresh to start over",
        file=sys.stderr,
    )
    return SearchResult(config, run_dir, results.read_test(run_dir) or None, already_done=True)


def _search_with_processes(
    config: Config,
    run_dir: Path,
    runs: Path,
    workers: int,
    verbose: bool,
    gpus: list[int] | None = None,
) -> SearchResult:
    """``workers`` `tuner search` processes of the config as run (overrides applied, defaults
    resolved), each training trials (with ``gpus``, process i on GPU gpus[i] alone): with a
    storage they share its study, no chief; else a local keras-tuner chief hands them out."""
    from tuner.engine.workers import member_command, run_parallel, run_peers

    command = member_command(layout.config_file(run_dir), runs, verbose)
    storage = config.search.storage
    how = f"{workers} workers" if storage is None else f"{workers} processes sharing {storage.url}"
    print(
        f"{config.name}: {config.search.algorithm} search over "
        f"{', '.join(config.space.varying) or 'one point'} with {how}",
        file=sys.stderr,
    )
    if storage is None:
        run_parallel(command, config, run_dir, workers, gpus)
    else:  # the first of them to find the study done writes best/
        run_peers(command, config, run_dir, workers, gpus)
    return SearchResult(config, run_dir, results.read_test(run_dir) or None)


def _check_distributed_env(me: role.Role) -> None:
    """keras-tuner's variables for a chief or worker started by hand (see README, Scale)."""
    port = os.environ.get(role.ORACLE_PORT)
    if not port or not port.isdigit():
        raise UserInputError(
            f"{role.TUNER_ID}={me.tuner_id} needs {role.ORACLE_PORT}, the chief's port "
            "(e.g. 8000); set it the same on the chief and every worker"
        )
    if me.chief:
        address = os.environ.setdefault(role.ORACLE_IP, "127.0.0.1")
        if address.strip("[]") not in ("127.0.0.1", "localhost", "::1"):
            print(
                f"warning: the chief listens on {address}:{port}; keras-tuner's gRPC protocol has "
                "no authentication or encryption: use it only on a trusted network",
                file=sys.stderr,
            )
    elif role.ORACLE_IP not in os.environ:
        raise UserInputError(
            f"{role.TUNER_ID}={me.tuner_id} needs {role.ORACLE_IP}, the chief's address"
        )
    from tuner.engine.workers import oracle_host

    # keras-tuner joins f"{ip}:{port}": an IPv6 address needs brackets ([::1]:8000)
    os.environ[role.ORACLE_IP] = oracle_host(os.environ[role.ORACLE_IP])
