"""Commands on finished runs: tuner report, evaluate, refit and export."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tuner.cli.outcome import refit_line
from tuner.text import decimals


def add_report(commands: Any) -> None:
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


def add_evaluate(commands: Any) -> None:
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


def add_refit(commands: Any) -> None:
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
    refit.add_argument(
        "--factory",
        metavar="MODULE:FUNCTION",
        help="a run whose model comes from model.factory: the factory to import, named by you "
        "(its code runs; a run folder's own word is not enough)",
    )
    refit.set_defaults(command=cmd_refit)


def add_export(commands: Any) -> None:
    export = commands.add_parser(
        "export",
        help="a run's trials into TensorBoard logs or an Optuna study",
        description="Write RUN_DIR's trials, from its records, for the tools you already use: "
        "TensorBoard logs with per-epoch scalars and the HParams dashboard (tensorboard "
        "--logdir DIR), and an Optuna study with every trial's parameters, intermediate values "
        "and state (optuna-dashboard URL). Imports no Keras.",
    )
    export.add_argument(
        "run_dir", type=Path, metavar="RUN_DIR", help="a run folder, e.g. runs/mnist-lstm"
    )
    export.add_argument(
        "--tensorboard", type=Path, metavar="DIR", help="write TensorBoard logs into DIR"
    )
    export.add_argument(
        "--optuna",
        metavar="URL",
        help="create an Optuna study in this storage, e.g. sqlite:///study.db",
    )
    export.add_argument(
        "--study", metavar="NAME", help="the Optuna study's name (default: the run's name)"
    )
    export.set_defaults(command=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from tuner import service

    done = service.export(
        args.run_dir, tensorboard=args.tensorboard, optuna=args.optuna, study=args.study
    )
    if done.tensorboard is not None:
        folder, count = done.tensorboard
        print(f"wrote {count} trials to {folder}; next: tensorboard --logdir {folder}")
    if done.optuna is not None:
        storage, study, count = done.optuna
        print(
            f"wrote {count} trials to study {study!r} in {storage}; "
            f"next: optuna-dashboard {storage}"
        )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from tuner import service

    for path in service.report(args.run_dirs or None, runs=args.runs, out=args.out):
        print(f"wrote {path}")
    return 0


def cmd_refit(args: argparse.Namespace) -> int:
    from tuner import service

    print(refit_line(service.refit(args.run_dir, factory=args.factory).refit))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from tuner import service

    result = service.evaluate(args.run_dir, args.data)
    for warning in result.warnings:
        print(f"warning: {args.data}: {warning}", file=sys.stderr)
    print(" ".join(f"{name}={decimals(value, 4)}" for name, value in result.metrics.items()))
    return 0
