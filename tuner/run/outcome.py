"""What a finished search prints: the best trial and its test scores, the naive baselines, the
repeats and the refit, from best/test.json's summary."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tuner.config.schema import Config


def print_outcome(config: Config, run_dir: Path, best: dict[str, Any] | None) -> int:
    """Print how a finished search ended; return its exit status, 1 if no trial completed.
    ``best``: best/test.json's summary, or None when nothing completed."""
    if best is None:  # the run folder stays, with every failed trial's error
        print(
            f"error: no trial completed, so there is no best model; see the errors in "
            f"{run_dir}/trials/",
            file=sys.stderr,
        )
        return 1
    top = best["trials"][0]
    tests = ", ".join(f"test {k} {v:.4f}" for k, v in top["test"].items())
    print(f"best: trial {top['trial_id']} {config.objective} {top['score']:.4f}; {tests}")
    if best.get("baselines"):  # regression: does the model beat forecasting naively?
        naive = [f"{name} {v['mae']:.4f}" for name, v in best["baselines"].items()]
        print(f"naive baselines, test mae: {', '.join(naive)}")
    for entry in best.get("repeats") or []:
        print(repeats_line(config, entry))
    if best.get("refit"):
        print(refit_line(best["refit"]))
    print(
        f"saved {run_dir}/best/ (model.keras, hyperparameters.yaml, test.json); next: make report"
    )
    return 0


def refit_line(refit: dict[str, Any]) -> str:
    tests = ", ".join(f"test {k} {v:.4f}" for k, v in refit["test"].items())
    return (
        f"refit: trial {refit['trial_id']} on training + validation ({refit['samples']} samples, "
        f"{refit['epochs']} epochs): {tests}; best/model.keras is the refit model, "
        f"best/{refit['search_model']} the search's"
    )


def repeats_line(config: Config, entry: dict[str, Any]) -> str:
    """One top trial trained again with other seeds (report.repeats): mean ± sd."""
    validation = entry["validation"]
    tests = ", ".join(f"test {name} {_spread(s)}" for name, s in entry["test"].items())
    return (
        f"repeats: trial {entry['trial_id']} {config.objective} {_spread(validation)} over "
        f"{validation['n']} other seeds (search {_number(entry['search_score'])}); {tests}"
    )


def _spread(stats: dict[str, Any]) -> str:
    return f"{_number(stats['mean'])} ± {_number(stats['sd'])}"


def _number(value: Any) -> str:
    """4 decimals; a NaN (null once in test.json) as n/a."""
    return "n/a" if value is None or value != value else f"{value:.4f}"
