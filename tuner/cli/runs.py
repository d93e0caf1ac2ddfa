"""Commands on finished runs: tuner report, evaluate, refit and export."""

from __future__ import annotations

import argparse
import sys
import types
import warnings
from pathlib import Path
from typing import Any

from tuner.config.overrides import load_config_with
from tuner.errors import InputRangeWarning, UserInputError
from tuner.run.outcome import refit_line


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
    from tuner.run.run import check_run_dir, load_run

    if args.tensorboard is None and args.optuna is None:
        raise UserInputError("export needs --tensorboard DIR, --optuna URL or both")
    run = load_run(check_run_dir(args.run_dir))
    if args.tensorboard is not None:
        # TensorBoard's helpers would import TensorFlow where it is installed (seconds, and
        # C++ notices on stderr); tensorboard.compat takes its stub when this module exists.
        sys.modules.setdefault("tensorboard.compat.notf", types.ModuleType("notf"))
        from tuner.export.tensorboard import write_tensorboard

        count, folder = write_tensorboard(run, args.tensorboard), args.tensorboard
        print(f"wrote {count} trials to {folder}; next: tensorboard --logdir {folder}")
    if args.optuna is not None:
        from tuner.export.optuna_study import write_study

        study = write_study(run, args.optuna, args.study)
        print(
            f"wrote {len(study.trials)} trials to study {study.study_name!r} in {args.optuna}; "
            f"next: optuna-dashboard {args.optuna}"
        )
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
    from tuner.data.xy_file import read_xy
    from tuner.run import folder as run_folder

    x, y = read_xy(args.data)  # before Keras' import: a wrong file is refused at once
    from tuner.engine import backend

    backend.activate(run_folder.read_backend(args.run_dir))
    from tuner.engine.best_model import evaluate_arrays

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputRangeWarning)
        metrics = evaluate_arrays(args.run_dir, x, y, source=args.data)
    for warning in caught:
        if issubclass(warning.category, InputRangeWarning):
            print(f"warning: {args.data}: {warning.message}", file=sys.stderr)
    print(" ".join(f"{name}={value:.4f}" for name, value in metrics.items()))
    return 0
