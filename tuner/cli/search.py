"""tuner search: run or resume the search a config declares, alone, as a chief with worker
processes, or as one participant of a distributed search."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from tuner.config.overrides import load_config_with
from tuner.config.schema import Config
from tuner.config.sections import MAX_WORKERS
from tuner.errors import UserInputError
from tuner.run.outcome import Report


def add_search(commands: Any) -> None:
    search = commands.add_parser(
        "search",
        help="run (or resume) the search a config declares",
        description="Run the search a config declares into runs/<name>/, or resume it: "
        "finished trials are kept, and raising search.max_trials continues a finished run. "
        "Ends by exporting the best model to runs/<name>/best/.",
    )
    search.add_argument("config", type=Path, help="a YAML config, e.g. configs/mnist.yaml")
    search.add_argument(
        "--fresh", action="store_true", help="move an existing run aside and start over"
    )
    search.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="override one config value, e.g. --set search.max_trials=5 (repeatable)",
    )
    search.add_argument(
        "--runs", type=Path, default=Path("runs"), help="where runs live (default: runs)"
    )
    search.add_argument(
        "--verbose", action="store_true", help="show Keras' per-epoch progress bars"
    )
    search.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="run a keras-tuner chief and N worker processes here (default: search.workers)",
    )
    speech = search.add_mutually_exclusive_group()
    speech.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object on stdout at the end: the run, its best trial, scores and "
        "paths (everything else goes to stderr)",
    )
    speech.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print only errors, warnings and the final best line",
    )
    search.set_defaults(command=cmd_search)


def cmd_search(args: argparse.Namespace) -> int:
    if args.workers is not None and not 1 <= args.workers <= MAX_WORKERS:
        raise UserInputError(
            f"--workers must be from 1 to {MAX_WORKERS} (as search.workers), got {args.workers}"
        )
    from tuner.engine import signals
    from tuner.run import folder as run_folder

    config = load_config_with(args.config, args.overrides)
    report = Report(as_json=getattr(args, "json", False), quiet=getattr(args, "quiet", False))
    with signals.installed(), report.streams():  # the handlers are back when the search returns
        try:
            return report.outcome(*_search(args, config))
        finally:  # the lock too: an in-process caller (tuner.search) may search the run again
            run_folder.release(run_folder.run_dir_for(config, args.runs))


Outcome = tuple[Config, Path, dict[str, Any] | None, bool]  # how the search ended, for Report


def _search(args: argparse.Namespace, config: Config) -> Outcome:
    """Search; returns the config, run folder, best/test.json's summary (None when nothing
    completed) and whether this process leads the run (a worker prints no outcome)."""
    from tuner.engine import backend
    from tuner.run import folder as run_folder

    # Set for a participant of a distributed search (chief or worker), by us or by the user.
    role = os.environ.get("KERASTUNER_TUNER_ID")
    workers = args.workers if args.workers is not None else config.search.workers
    if role is None and not args.fresh and run_folder.is_finished(config, root=args.runs):
        return _already_done(config, run_folder.run_dir_for(config, args.runs))
    run_dir = run_folder.prepare(config, args.fresh and role is None, root=args.runs)
    if role is None and workers > 1:
        return _search_in_parallel(args, config, run_dir, workers)
    if role is not None:
        _check_distributed_env(role)
    from tuner.data.datasets import imports_keras, load_dataset

    dataset = None if imports_keras(config.data) else load_dataset(config.data, config.seed)
    keras_backend = backend.activate(config.backend)  # after the data: a 10-s import
    if dataset is None:
        dataset = load_dataset(config.data, config.seed)
    summary = {**dataset.summary(), "keras_backend": keras_backend}
    print(
        f"{config.name}: {summary['dataset']} from {summary['origin']}; "
        f"train {summary['train']}, validation {summary['validation']}, test {summary['test']}; "
        f"{config.search.algorithm} search over {', '.join(config.space.varying) or 'one point'}",
        file=sys.stderr,
    )
    from tuner.engine.best_model import export_best
    from tuner.engine.search import run_search

    leads = role is None or "chief" in role  # workers leave sessions and export to the chief
    started = run_folder.start_session(run_dir, summary) if leads else time.time()
    status = "interrupted"
    try:
        tuner = run_search(config, dataset, run_dir, verbose=args.verbose)
        status = "finished"
    finally:
        if leads:
            run_folder.record_session(run_dir, summary, started, status)
    if not leads:
        return config, run_dir, None, False
    best = export_best(tuner, config, dataset, run_dir)
    if best is not None and config.report.repeats:
        from tuner.engine.repeats import repeat_top

        best = {**best, "repeats": repeat_top(config, dataset, run_dir)}
    if config.search.tensorboard:  # again, with the test scores now known
        from tuner.export.tensorboard import write_tensorboard
        from tuner.run import layout
        from tuner.run.run import load_run

        write_tensorboard(load_run(run_dir), layout.tensorboard_dir(run_dir))
    if best is not None and config.search.refit:
        from tuner.engine.refit import refit_best

        best = {**best, "refit": refit_best(config, dataset, run_dir)}
    return config, run_dir, best, True


def _already_done(config: Config, run_dir: Path) -> Outcome:
    """A search run again after it finished: say so and show its best; write nothing."""
    from tuner.run import results

    print(
        f"{run_dir}: this search is done ({config.search.max_trials} trials); raise "
        "search.max_trials to continue it, or add --fresh to start over",
        file=sys.stderr,
    )
    return config, run_dir, results.read_test(run_dir) or None, True


def _search_in_parallel(
    args: argparse.Namespace, config: Config, run_dir: Path, workers: int
) -> Outcome:
    from tuner.engine.workers import run_parallel
    from tuner.run import results

    command = [sys.executable, "-m", "tuner", "search", str(args.config), "--runs", str(args.runs)]
    command += [f"--set={override}" for override in args.overrides]
    command += ["--verbose"] if args.verbose else []
    print(
        f"{config.name}: {config.search.algorithm} search over "
        f"{', '.join(config.space.varying) or 'one point'} with {workers} workers",
        file=sys.stderr,
    )
    run_parallel(command, config, run_dir, workers)
    best = results.read_test(run_dir)
    return config, run_dir, best or None, True


def _check_distributed_env(role: str) -> None:
    """keras-tuner's variables for a chief or worker started by hand (see README, Scale)."""
    port = os.environ.get("KERASTUNER_ORACLE_PORT")
    if not port or not port.isdigit():
        raise UserInputError(
            f"KERASTUNER_TUNER_ID={role} needs KERASTUNER_ORACLE_PORT, the chief's port "
            "(e.g. 8000); set it the same on the chief and every worker"
        )
    if "chief" in role:
        address = os.environ.setdefault("KERASTUNER_ORACLE_IP", "127.0.0.1")
        if address.strip("[]") not in ("127.0.0.1", "localhost", "::1"):
            print(
                f"warning: the chief listens on {address}:{port}; keras-tuner's gRPC protocol has "
                "no authentication or encryption: use it only on a trusted network",
                file=sys.stderr,
            )
    elif "KERASTUNER_ORACLE_IP" not in os.environ:
        raise UserInputError(
            f"KERASTUNER_TUNER_ID={role} needs KERASTUNER_ORACLE_IP, the chief's address"
        )
    from tuner.engine.workers import oracle_host

    # keras-tuner joins f"{ip}:{port}": an IPv6 address needs brackets ([::1]:8000)
    os.environ["KERASTUNER_ORACLE_IP"] = oracle_host(os.environ["KERASTUNER_ORACLE_IP"])
