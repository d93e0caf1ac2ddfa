"""tuner search: the arguments, then the library's search (tuner.service.search), then what
it found, printed (tuner.cli.outcome)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tuner.cli.outcome import Report
from tuner.config.overrides import load_config_with
from tuner.config.sections import parse_gpus
from tuner.errors import UserInputError


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
    search.add_argument(
        "--gpus",
        metavar="0,1,...",
        help="one worker per GPU, each seeing only its own, memory growth on (default: "
        "search.gpus)",
    )
    search.add_argument(
        "--storage",
        metavar="URL",
        help="join the Optuna study at URL instead of a chief: sqlite:///FILE, "
        "postgresql://USER@HOST/DB, journal:FILE or local (default: search.storage, then the "
        "storage the run already uses)",
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
    from tuner import service

    gpus = None if args.gpus is None else parse_gpus(args.gpus)
    if isinstance(gpus, str) or (gpus is not None and len(set(gpus)) < len(gpus)):
        raise UserInputError(
            f"--gpus takes distinct GPU numbers separated by commas, e.g. 0,1; got {args.gpus!r}"
        )
    config = load_config_with(args.config, args.overrides)
    report = Report(as_json=args.json, quiet=args.quiet)
    with report.streams():
        result = service.search(
            config,
            runs=args.runs,
            fresh=args.fresh,
            workers=args.workers,
            verbose=args.verbose,
            gpus=gpus,
            storage=args.storage,
        )
        return report.outcome(result)
