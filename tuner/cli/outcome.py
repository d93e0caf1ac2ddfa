"""What a finished search prints: the best trial and its test scores, the naive baselines, the
repeats and the refit, from the library's SearchResult; as lines, one JSON object (--json) or
the best line alone (--quiet)."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, cast

from tuner.config.schema import Config
from tuner.numbers import is_finite_number
from tuner.run import atomic, layout
from tuner.run.results import (
    EvaluationSummary,
    FinalModelEntry,
    RefitEntry,
    RepeatEntry,
    Spread,
    recipe_words,
)
from tuner.service.results import SearchResult
from tuner.text import decimals, join_words, significant

KEPT_WHEN_QUIET = ("error", "warning", "interrupted")  # line starts --quiet still shows


@dataclass
class Report:
    """How `tuner search` speaks: ``as_json`` keeps stdout for one JSON object at the end
    (everything else printed goes to stderr); ``quiet`` keeps only errors and warnings on
    stderr and the best line on stdout."""

    as_json: bool = False
    quiet: bool = False
    _stdout: TextIO = field(default=sys.stdout, init=False)

    @contextlib.contextmanager
    def streams(self) -> Iterator[None]:
        self._stdout = sys.stdout
        errors = cast(TextIO, ErrorsOnly(sys.stderr)) if self.quiet else sys.stderr
        with contextlib.ExitStack() as stack:
            stack.enter_context(contextlib.redirect_stderr(errors))
            if self.as_json or self.quiet:
                stack.enter_context(contextlib.redirect_stdout(errors))
            yield

    def outcome(self, result: SearchResult) -> int:
        """Print how the search ended (a worker prints nothing); returns the exit status: 1
        when no trial completed."""
        if not result.leads:
            return 0
        config, run_dir, best = result.config, result.run_dir, result.summary
        if self.as_json:
            text = json.dumps(atomic.finite(outcome_object(config, run_dir, best)), indent=2)
            print(text, file=self._stdout)
            return 0 if best is not None else 1
        if self.quiet and best is not None:
            print(best_line(config, best), file=self._stdout)
            return 0
        with contextlib.redirect_stdout(self._stdout):
            return print_outcome(result)


class ErrorsOnly(io.TextIOBase):
    """A text stream passing on only whole lines that start with KEPT_WHEN_QUIET (a line
    rewritten in place with \r counts as its last version)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream, self.pending = stream, ""

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            line = line.split("\r")[-1]
            if line.startswith(KEPT_WHEN_QUIET):
                self.stream.write(line + "\n")
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return False


def outcome_object(config: Config, run_dir: Path, best: EvaluationSummary | None) -> dict[str, Any]:
    """--json: the run, its best trial with its scores, and where its files are."""
    top = best["trials"][0] if best else None
    return {
        "run": str(run_dir),
        "name": config.name,
        "objective": config.objective,
        "direction": config.direction,
        "best": None
        if top is None
        else {"trial_id": str(top["trial_id"]), "score": top["score"], "test": top["test"]},
        "top": [] if best is None else best["trials"],
        "baselines": (best or {}).get("baselines"),
        "repeats": (best or {}).get("repeats"),
        "refit": (best or {}).get("refit"),
        "final_models": (best or {}).get("final_models"),
        "paths": {
            "model": str(layout.model_file(run_dir)),
            "hyperparameters": str(layout.best_config_file(run_dir)),
            "test": str(layout.test_file(run_dir)),
            "trials": str(layout.trials_dir(run_dir)),
        },
    }


def best_line(config: Config, best: EvaluationSummary) -> str:
    top = best["trials"][0]
    tests = ", ".join(f"test {k} {decimals(v, 4)}" for k, v in top["test"].items())
    return f"best: trial {top['trial_id']} {config.objective} {decimals(top['score'], 4)}; {tests}"


def print_outcome(result: SearchResult) -> int:
    """Print how a finished search ended; return its exit status, 1 if no trial completed."""
    config, run_dir, best = result.config, result.run_dir, result.summary
    if best is None:  # the run folder stays, with every failed trial's error
        print(f"error: {result.failure}", file=sys.stderr)
        return 1
    print(best_line(config, best))
    if best.get("tied"):
        print(tie_line(config, best))
    if best.get("baselines"):  # regression: does the model beat forecasting naively?
        naive = [f"{name} {decimals(v['mae'], 4)}" for name, v in best["baselines"].items()]
        print(f"naive baselines, test mae: {', '.join(naive)}")
        if "mase" in best.get("errors", {}):
            scaled = [f"model {decimals(best['errors']['mase'], 3)}"] + [
                f"{name} {decimals(v['mase'], 3)}" for name, v in best["baselines"].items()
            ]
            print(f"test mase (1 = the training part's naive error): {', '.join(scaled)}")
    for entry in best.get("repeats") or []:
        print(repeats_line(config, entry))
    if best.get("refit"):
        print(refit_line(best["refit"]))
    for final in best.get("final_models") or []:  # the refit's line is above
        if final["recipe"] not in ("checkpoint", "refit" if best.get("refit") else ""):
            print(final_model_line(final))
    print(
        f"saved {run_dir}/best/ (model.keras, hyperparameters.yaml, test.json); "
        f"next: tuner report {run_dir}"
    )
    return 0


def tie_line(config: Config, best: EvaluationSummary) -> str:
    """The top trials the validation score could not separate, and how the best was chosen."""
    tied = best["tied"]
    return (
        f"tied: trials {join_words(tied)} score within one score's noise "
        f"(±{significant(best['tie_noise'], 2)}) of the best {config.objective}, so the "
        f"validation data cannot rank them; trial {tied[0]}, the lowest validation loss "
        "among them, is the best"
    )


def refit_line(refit: RefitEntry) -> str:
    tests = ", ".join(f"test {k} {decimals(v, 4)}" for k, v in refit["test"].items())
    return (
        f"refit: trial {refit['trial_id']} on training + validation ({refit['samples']} samples, "
        f"{refit['epochs']} epochs): {tests}; best/model.keras is the refit model, "
        f"best/{refit['search_model']} the search's"
    )


def final_model_line(entry: FinalModelEntry) -> str:
    """A final model recipe's test scores (search.final_model), exported or beside it."""
    tests = ", ".join(f"test {k} {decimals(v, 4)}" for k, v in entry["test"].items())
    what = recipe_words(entry["recipe"], entry["models"])
    role = "best/model.keras" if entry["exported"] else "tested beside it, not saved"
    return f"final model: {entry['recipe']} of trial {entry['trial_id']} ({what}): {tests}; {role}"


def repeats_line(config: Config, entry: RepeatEntry) -> str:
    """One top trial trained again with other seeds (report.repeats): mean ± sd."""
    validation = entry["validation"]
    tests = ", ".join(f"test {name} {_spread(s)}" for name, s in entry["test"].items())
    return (
        f"repeats: trial {entry['trial_id']} {config.objective} {_spread(validation)} over "
        f"{validation['n']} other seeds (search {_score_text(entry['search_score'])}); {tests}"
    )


def _spread(stats: Spread) -> str:
    return f"{_score_text(stats['mean'])} ± {_score_text(stats['sd'])}"


def _score_text(value: Any) -> str:
    """4 decimals; a NaN (null once in test.json) as n/a."""
    return decimals(value, 4) if is_finite_number(value) else "n/a"
