"""The tuner command: search, report, validate, evaluate, predict, refit, export, and more.

The others: schema, init, convert.

Only this package prints errors: bad input exits 2 with one line, anything else 1 with a
short message (TUNER_DEBUG=1 shows the traceback), Ctrl-C 130 with finished trials kept.
Each command's parser and body live in the module of its stage: search (tuner.cli.search),
configs (tuner.cli.configs), finished runs (tuner.cli.runs).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from typing import NoReturn

from tuner.cli import configs, runs, search
from tuner.errors import AlreadySaid, TunerError, UserInputError

__all__ = ["build_parser", "exit_now", "main", "run"]


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
    except AlreadySaid as exc:
        return exc.exit_code
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
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    search.add_search(commands)
    runs.add_report(commands)
    configs.add_validate(commands)
    runs.add_evaluate(commands)
    runs.add_predict(commands)
    runs.add_forecast(commands)
    runs.add_refit(commands)
    runs.add_export(commands)
    configs.add_schema(commands)
    configs.add_init(commands)
    configs.add_convert(commands)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rnn-tuner")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"
