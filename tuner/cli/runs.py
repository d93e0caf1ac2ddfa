"""Commands on finished runs: tuner report, evaluate, predict, forecast, refit and export."""

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
        help="metrics of a run's best model on your own labelled data",
        description="Metrics of RUN_DIR/best/model.keras on labelled data, scored as the search "
        "scored its test split (each class's precision and recall too), from any file the run's "
        "search takes for its kind of data. An .npz: classification x of shape (n, steps, "
        "features), e.g. (n, 28, 28) for MNIST, or (n, steps), shorter sequences padded at the "
        "end with NaN, and y of shape (n,) holding the class labels as in training (numbers or "
        "text, or an (n, labels) 0/1 matrix); regression x of shape (n, window, features) and y "
        "of shape (n, horizon) in the target's units. The arrays may be named x and y, x_test "
        "and y_test, or x_train and y_train. A .csv: for a sequences run the long format with "
        "the run's id, order and label columns; for a csv or sine run the series, each window "
        "scored against the horizon after it (next to the naive baselines). Give raw inputs, "
        "scaled as the training data was (pixels 0..255 for MNIST): the model standardizes them "
        "itself, and a warning says when x lies far from the training inputs' range.",
    )
    _add_run_and_data(
        evaluate,
        "labelled data: an .npz with x and y (np.savez(FILE, x=x, y=y)) or the run's kind of .csv",
    )
    _add_factory(evaluate)
    evaluate.set_defaults(command=cmd_evaluate)


def _add_run_and_data(parser: argparse.ArgumentParser, data_help: str) -> None:
    """RUN_DIR and --data FILE, as evaluate and predict take them."""
    parser.add_argument(
        "run_dir", type=Path, metavar="RUN_DIR", help="a finished run, e.g. runs/mnist-lstm"
    )
    parser.add_argument("--data", type=Path, required=True, metavar="FILE", help=data_help)


def add_forecast(commands: Any) -> None:
    forecast = commands.add_parser(
        "forecast",
        help="a series run's forecasts after the last step of its data, with intervals",
        description="The best model's forecasts for the steps after the last one of the run's "
        "series (or of --data, a CSV in the run's format holding newer observations), read from "
        "its last window of history: CSV columns series, time, step, forecast, lower_80, "
        "upper_80, lower_95, upper_95 (split conformal intervals, sized on the search's "
        "validation windows).",
    )
    forecast.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a series run, runs/<name>")
    forecast.add_argument(
        "--data", type=Path, metavar="FILE.csv", help="newer observations, in the run's format"
    )
    forecast.add_argument(
        "--steps", type=int, metavar="H", help="steps ahead, 1 to data.horizon (default: all)"
    )
    forecast.add_argument(
        "--out",
        type=Path,
        metavar="FILE.csv",
        help="write the forecasts here, and their figure beside it as FILE.png (default: print)",
    )
    forecast.set_defaults(command=cmd_forecast)


def add_predict(commands: Any) -> None:
    predict = commands.add_parser(
        "predict",
        help="predictions of a run's best model on your own unlabelled data",
        description="Predictions of RUN_DIR/best/model.keras as CSV, one row per sample. "
        "Classification: the sample's id (the id column of a long .csv, else its index), the "
        "class called (multi-label: the labels called, space-separated) and a probability_<class> "
        "column per class. Regression: the sample's time (the last step of its window; an "
        ".npz: its index) and forecast_1 .. forecast_<horizon>, in the target's units, k steps "
        "after it; a series .csv gives every window, the last one forecasting past its end. The "
        "data as for evaluate, without labels: an .npz with x (or x_test, x_train), or the run's "
        "kind of .csv (a long .csv may leave out the label column). Raw inputs, as in training.",
    )
    _add_run_and_data(
        predict, "unlabelled data: an .npz with x (np.savez(FILE, x=x)) or the run's kind of .csv"
    )
    predict.add_argument(
        "--out",
        type=Path,
        metavar="FILE.csv",
        help="write the predictions to this CSV file (default: print them)",
    )
    _add_factory(predict)
    predict.set_defaults(command=cmd_predict)


def _add_factory(parser: Any) -> None:
    parser.add_argument(
        "--factory",
        metavar="MODULE:FUNCTION",
        help="a run whose model comes from model.factory and has layers of its own: the factory "
        "module to import first, named by you (its code runs), so Keras knows those layers",
    )


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

    result = service.evaluate(args.run_dir, args.data, factory=args.factory)
    for warning in result.warnings:
        print(f"warning: {args.data}: {warning}", file=sys.stderr)
    print(_scores(result.metrics))
    if result.per_class is not None:
        for row in result.per_class.itertuples(index=False):
            scores = {"precision": row.precision, "recall": row.recall}
            print(f"class {row[0]}: samples={row.samples} {_scores(scores)}")
    for name, errors in result.baselines.items():
        print(f"baseline {name}: {_scores(errors)}")
    return 0


def cmd_forecast(args: argparse.Namespace) -> int:
    from tuner import service

    result = service.forecast(args.run_dir, data=args.data, steps=args.steps, out=args.out)
    if args.out is None:
        result.frame.to_csv(sys.stdout, index=False)
    else:
        print(
            f"wrote {len(result.frame)} forecasts to {args.out} and their figure to "
            f"{result.figure}",
            file=sys.stderr,
        )
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from tuner import service

    result = service.predict(args.run_dir, data=args.data, out=args.out, factory=args.factory)
    for warning in result.warnings:
        print(f"warning: {args.data}: {warning}", file=sys.stderr)
    if args.out is None:
        result.frame.to_csv(sys.stdout, index=False)
    else:
        print(f"wrote {len(result.frame)} predictions to {args.out}", file=sys.stderr)
    return 0


def _scores(values: dict[str, float]) -> str:
    """name=value pairs at 4 decimals; a value that cannot be computed (a class never
    called has no precision) as nan."""
    return " ".join(f"{name}={decimals(value, 4)}" for name, value in values.items())
