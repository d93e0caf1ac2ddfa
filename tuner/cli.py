"""The command line: tuner search | report | validate | evaluate.

Only this module prints errors: bad input exits 2 with one line, anything else 1 with a
short message (TUNER_DEBUG=1 shows the traceback), Ctrl-C 130 with finished trials kept.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
import warnings
from pathlib import Path
from typing import NoReturn

from tuner.config.overrides import load_config_with
from tuner.config.schema import Config
from tuner.config.sections import MAX_WORKERS
from tuner.errors import InputRangeWarning, TunerError, UserInputError
from tuner.run.outcome import print_outcome, refit_line


def run(argv: list[str] | None = None) -> NoReturn:
    """The `tuner` console script and `python -m tuner`: main(), then exit."""
    exit_now(main(argv))


def exit_now(code: int) -> NoReturn:
    """Exit with ``code``, skipping TensorFlow's interpreter teardown where it was imported.

    Once main() returns everything is written (records and exports go through atomic, fsynced
    writes), yet TensorFlow's teardown takes 2-3 s more on 2 cores after a search: longer than
    a short `tuner evaluate` itself. Python's own handlers add nothing of ours to skip."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BrokenPipeError, ValueError):
            stream.flush()
    if "tensorflow" in sys.modules:
        logging.shutdown()
        os._exit(code)
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = int(args.command(args))
        sys.stdout.flush()  # here, so that a closed pipe is handled below, not at exit
        return code
    except BrokenPipeError:
        # stdout's reader is gone (`tuner validate ... | head -1`): stop quietly, with the
        # status a shell reports for a program killed by SIGPIPE, 128 + 13, as `cat` gives.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error at exit
        return 141
    except UserInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print(
            "interrupted: finished trials are kept; run the same command to resume", file=sys.stderr
        )
        return getattr(exc, "exit_code", 130)
    except TunerError as exc:
        if os.environ.get("TUNER_DEBUG"):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        if os.environ.get("TUNER_DEBUG"):
            raise
        print(
            f"error: {exc.__class__.__name__}: {exc} (TUNER_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tuner", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

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
    search.set_defaults(command=cmd_search)

    report = commands.add_parser(
        "report",
        help="write reports for runs (default: every run under runs/)",
        description="Write reports/<run>/index.html (and report.md) for each run, and a "
        "comparison page when there are several. Reads only the run folders; imports no Keras.",
    )
    report.add_argument(
        "run_dirs",
        nargs="*",
        type=Path,
        metavar="RUN_DIR",
        help="run folders to report, e.g. runs/mnist-lstm (default: every run under --runs)",
    )
    report.add_argument(
        "--runs", type=Path, default=Path("runs"), help="where runs live (default: runs)"
    )
    report.add_argument(
        "--out", type=Path, default=Path("reports"), help="output folder (default: reports)"
    )
    report.set_defaults(command=cmd_report)

    validate = commands.add_parser(
        "validate",
        help="check configs without training; print each space",
        description="Check each config (keys, values, the data files it names) without "
        "importing Keras; print its search space and size. Exit 2 on the first bad config.",
    )
    validate.add_argument(
        "configs", nargs="+", type=Path, metavar="CONFIG", help="YAML configs, e.g. configs/*.yaml"
    )
    validate.set_defaults(command=cmd_validate)

    evaluate = commands.add_parser(
        "evaluate",
        help="metrics of a run's best model on your own data",
        description="Metrics of RUN_DIR/best/model.keras on the arrays of an .npz file. "
        "Classification: x of shape (n, steps, features), e.g. (n, 28, 28) for MNIST, and y of "
        "shape (n,) holding class indices. Regression: x of shape (n, window, features) and y "
        "of shape (n, horizon) in the target's units. Give raw inputs, scaled as the training "
        "data was (pixels 0..255 for MNIST): the model standardizes them itself, and a warning "
        "says when x lies far from the training inputs' range.",
    )
    evaluate.add_argument(
        "run_dir", type=Path, metavar="RUN_DIR", help="a finished run, e.g. runs/mnist-lstm"
    )
    evaluate.add_argument(
        "--data",
        type=Path,
        required=True,
        metavar="FILE.npz",
        help="arrays x and y, saved with np.savez(FILE, x=x, y=y)",
    )
    evaluate.set_defaults(command=cmd_evaluate)

    refit = commands.add_parser(
        "refit",
        help="train the best configuration again on training + validation data",
        description="Train RUN_DIR's best configuration from scratch on the training and "
        "validation splits, for as many parameter updates as the best trial made, test it, and "
        "make it best/model.keras (the search's checkpoint moves to best/search_model.keras). "
        "search.refit: true does this after the search.",
    )
    refit.add_argument(
        "run_dir", type=Path, metavar="RUN_DIR", help="a finished run, e.g. runs/mnist-lstm"
    )
    refit.set_defaults(command=cmd_refit)
    return parser


def cmd_search(args: argparse.Namespace) -> int:
    if args.workers is not None and not 1 <= args.workers <= MAX_WORKERS:
        raise UserInputError(
            f"--workers must be from 1 to {MAX_WORKERS} (as search.workers), got {args.workers}"
        )
    from tuner.engine import signals
    from tuner.run import folder as run_folder

    config = load_config_with(args.config, args.overrides)
    with signals.installed():  # the previous handlers are back when the search returns
        try:
            return _search(args, config)
        finally:  # the lock too: an in-process caller (tuner.search) may search the run again
            run_folder.release(run_folder.run_dir_for(config, args.runs))


def _search(args: argparse.Namespace, config: Config) -> int:
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
    from tuner.engine.export import export_best
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
        return 0
    best = export_best(tuner, config, dataset, run_dir)
    if best is not None and config.report.repeats:
        from tuner.engine.repeats import repeat_top

        best = {**best, "repeats": repeat_top(config, dataset, run_dir)}
    if best is not None and config.search.refit:
        from tuner.engine.refit import refit_best

        best = {**best, "refit": refit_best(config, dataset, run_dir)}
    return print_outcome(config, run_dir, best)


def _already_done(config: Config, run_dir: Path) -> int:
    """A search run again after it finished: say so and show its best; write nothing."""
    from tuner.run import results

    print(
        f"{run_dir}: this search is done ({config.search.max_trials} trials); raise "
        "search.max_trials to continue it, or add --fresh to start over",
        file=sys.stderr,
    )
    return print_outcome(config, run_dir, results.read_test(run_dir) or None)


def _search_in_parallel(
    args: argparse.Namespace, config: Config, run_dir: Path, workers: int
) -> int:
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
    return print_outcome(config, run_dir, best or None)


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


def cmd_validate(args: argparse.Namespace) -> int:
    for path in args.configs:
        config = load_config_with(path)
        size = config.space.size()
        continuous = [p.name for p in config.space.params if p.count() == float("inf")]
        size_text = f"{size:,.0f} points"
        if continuous:
            size_text = f"continuous ({', '.join(continuous)}: ranges without a step)"
        print(
            f"{path}: ok: run '{config.name}', {config.search.algorithm} search, "
            f"{config.search.max_trials} trials, space size {size_text}"
        )
        for param in config.space.params:
            if param.given:
                print(f"  {param.name:<22} {param.describe()}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from tuner.reporting.write import write_reports

    written = write_reports(args.run_dirs or None, runs_root=args.runs, out=args.out)
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_refit(args: argparse.Namespace) -> int:
    from tuner.data.datasets import imports_keras, load_dataset
    from tuner.engine import backend
    from tuner.run import folder as run_folder
    from tuner.run import layout

    config = load_config_with(layout.config_file(args.run_dir))
    dataset = None if imports_keras(config.data) else load_dataset(config.data, config.seed)
    backend.activate(run_folder.read_backend(args.run_dir))
    from tuner.engine.refit import refit_best

    dataset = dataset or load_dataset(config.data, config.seed)
    print(refit_line(refit_best(config, dataset, args.run_dir)))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from tuner.data.arrays import read_xy
    from tuner.run import folder as run_folder

    x, y = read_xy(args.data)  # before Keras' import: a wrong file is refused at once
    from tuner.engine import backend

    backend.activate(run_folder.read_backend(args.run_dir))
    from tuner.engine.export import evaluate_arrays

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputRangeWarning)
        metrics = evaluate_arrays(args.run_dir, x, y, source=args.data)
    for warning in caught:
        if issubclass(warning.category, InputRangeWarning):
            print(f"warning: {args.data}: {warning.message}", file=sys.stderr)
    print(" ".join(f"{name}={value:.4f}" for name, value in metrics.items()))
    return 0
