"""The sections of a run's report, computed from a Run (see tuner.run.run.load_run).

Every state a run folder can be in (nothing finished yet, only failures, no best/test.json
while the search runs, foreign files in trials/) becomes a sentence rather than an error.
Never imports Keras.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from tuner.analysis.findings import train_validation_gap
from tuner.analysis.review import Review
from tuner.config.schema import load_config
from tuner.errors import UserInputError
from tuner.report.advice_sections import diagnostics_section, next_section
from tuner.report.figures_section import figures
from tuner.report.forecast_section import regression_blocks
from tuner.report.html import Code, Facts, Note, Section
from tuner.report.test_section import test_section
from tuner.run import layout
from tuner.run.layout import CONFIG_FILE
from tuner.run.records import FAILED, TrialRecord
from tuner.run.run import Run
from tuner.text import duration, value_text

LEADERBOARD_ROWS = 10  # at least top_k; every trial is in trials.csv


def run_sections(run: Run, review: Review, folder: Path, next_note: str) -> list[Section]:
    """Summary, Leaderboard, Test evaluation, Figures, Forecasts (regression), Diagnostics, Next
    search, Failures (when any) and How to reproduce."""
    sections = [summary(run), leaderboard(run), test_section(run), figures(run, review)]
    if _task(run) == "regression":
        sections.append(Section("Forecasts", tuple(regression_blocks(run.path))))
    sections += [diagnostics_section(run, review)]
    sections += [next_section(run, review, folder, next_note)]
    if run.status_counts[FAILED]:
        sections.append(failures(run))
    return [*sections, reproduce(run)]


# ---- Summary ------------------------------------------------------------------------------


def summary(run: Run) -> Section:
    best = run.ranked[0] if run.ranked else None
    counts = ", ".join(f"{n} {status}" for status, n in sorted(run.status_counts.items()))
    elapsed, how = wall_time(run)
    facts = [
        ("Dataset", _dataset_text(run)),
        ("Task", _task(run)),
        ("Search", _search_text(run)),
        ("Trials", f"{len(run.records)} finished" + (f": {counts}" if counts else "")),
        ("Wall time", f"{elapsed} ({how})"),
        ("Best trial", _best_text(run, best) if best else "none yet"),
    ]
    return Section("Summary", (Facts(tuple(facts)), *[Note(n) for n in _statements(run)]))


def _statements(run: Run) -> list[str]:
    """What is missing, in words, so an unfinished or broken run still reads clearly."""
    said = list(run.notes)
    if not run.records:
        said.append(
            "No trial has finished yet: trials/ holds no trial records. "
            "The search may still be starting; run the report again later."
        )
    elif not run.ranked:
        said.append(
            f"No trial completed: all {len(run.records)} failed. "
            "Their errors are listed under Failures."
        )
    if run.ranked and run.test is None and not layout.test_file(run.path).exists():
        said.append(
            "No test scores yet: best/test.json does not exist. The search is still "
            "running or stopped early; test scores appear when it finishes."
        )
    return said


def _dataset_text(run: Run) -> str:
    summary = run.info.get("dataset") or {}
    if not summary:
        return f"{run.dataset_name} (shapes unknown: run.json is missing)"
    steps, features = (summary.get("input_shape") or ["?", "?"])[:2]
    classes = f", {summary['num_classes']} classes" if summary.get("num_classes") else ""
    return (
        f"{summary.get('dataset')} ({summary.get('origin', 'origin unknown')}); inputs of "
        f"{steps} steps × {features} features{classes}; {summary.get('train')} train, "
        f"{summary.get('validation')} validation, {summary.get('test')} test samples"
    )


def _task(run: Run) -> str:
    fallback = run.config.task if run.config is not None else "unknown"
    return str((run.info.get("dataset") or {}).get("task", fallback))


def _search_text(run: Run) -> str:
    if run.config is None:
        return f"objective {run.objective}"
    search, verb = run.config.search, "maximized" if run.config.direction == "max" else "minimized"
    return (
        f"{search.algorithm}, objective {run.objective} ({verb}), up to {search.max_trials} "
        f"trials of up to {search.epochs} epochs"
    )


def _best_text(run: Run, best: TrialRecord) -> str:
    validation = f"{run.objective} {best['score']:.4g}"
    return f"trial {best['trial_id']}: {validation}; {best_test_text(run, best)}"


def best_test_text(run: Run, best: TrialRecord) -> str:
    """The test metrics of a trial, the one matching the objective first."""
    metrics = (run.test or {}).get(best["trial_id"])
    if not metrics:
        return "no test score yet"
    first = run.objective.removeprefix("val_")
    order = sorted(metrics, key=lambda m: m != first)
    return "test " + ", ".join(f"{m} {metrics[m]:.4g}" for m in order)


def wall_time(run: Run) -> tuple[str, str]:
    """Readable wall time and where it comes from: search sessions, else summed trial times."""
    seconds, how = run.wall_seconds
    return duration(seconds), how


# ---- Leaderboard --------------------------------------------------------------------------


def leaderboard(run: Run) -> Section:
    rows = max(run.top_k, LEADERBOARD_ROWS)
    top = run.ranked[:rows]
    if not top:
        return Section("Leaderboard", (Note("No completed trial to rank yet."),))
    intro = (
        f"The top {len(top)} of {len(run.ranked)} completed trials, best first; "
        "all trials are in trials.csv. The gap is the training minus the validation score at "
        "the best epoch, in the direction that means overfitting when positive."
    )
    return Section("Leaderboard", (intro, leaderboard_table(run, top)))


def leaderboard_table(run: Run, top: list[TrialRecord]) -> pd.DataFrame:
    tests = sorted({m for r in top for m in (run.test or {}).get(r["trial_id"], {})})
    rows = []
    for rank, record in enumerate(top, start=1):
        row = {"rank": str(rank), "trial": str(record["trial_id"])}
        for name in run.varying():
            row[name] = value_text(name, record["hyperparameters"].get(name), run.param(name))
        row[run.objective] = f"{record['score']:.4g}"
        test = (run.test or {}).get(record["trial_id"], {})
        row.update({f"test {m}": _score(test.get(m)) for m in tests})
        early = " (stopped early)" if record.get("stopped_early") else ""
        row["best epoch / run"] = f"{record['best_epoch']} / {record['epochs_run']}{early}"
        row["train-val gap"] = _score(train_validation_gap(record))
        row["parameters"] = f"{record['parameters']:,}" if record.get("parameters") else "—"
        row["seconds"] = f"{record['seconds']:.1f}" if _number(record.get("seconds")) else "—"
        rows.append(row)
    return pd.DataFrame(rows)


def _score(value: Any) -> str:
    return f"{value:.4g}" if _number(value) else "—"


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


# ---- Failures, reproduction ------------------------------------------------------


def failures(run: Run) -> Section:
    failed = [r for r in run.records if r["status"] == FAILED]
    rows = [
        {"trial": str(r["trial_id"]), "finished #": str(r["number"])}
        | {n: value_text(n, r["hyperparameters"].get(n), run.param(n)) for n in run.varying()}
        | {"error": str(r.get("error") or "no error recorded")}
        for r in failed
    ]
    intro = f"{len(failed)} trial(s) failed; the search went on without them."
    return Section("Failures", (intro, pd.DataFrame(rows)))


def reproduce(run: Run) -> Section:
    source, why = _source_config(run)
    blocks = [
        why,
        Code(f"make search CONFIG={source}"),
        "It resumes where the run stopped; add ARGS=--fresh to start over (the old run is "
        "moved aside, not deleted).",
        f"The config as run, with defaults resolved ({run.path / CONFIG_FILE}):",
        Code(run.config_text),
    ]
    return Section("How to reproduce", tuple(blocks))


def _source_config(run: Run) -> tuple[str, str]:
    """The YAML file named in config.yaml's header while it still holds the config as run,
    else the run's own copy (which also keeps any --set overrides); and why that one."""
    saved = str(run.path / CONFIG_FILE)
    header = run.config_text.splitlines()[0] if run.config_text else ""
    if run.config is None or ", from " not in header:
        return saved, "Search with the run's own copy of its config:"
    source = Path(header.rsplit(", from ", 1)[1].strip())
    try:
        same = load_config(source).to_dict() == run.config.to_dict()
    except UserInputError:
        same = False
    if not same:
        return saved, (
            f"{source} is missing or no longer matches the config as run (edited since, or "
            "--set was used), so search with the run's own copy:"
        )
    return str(source), f"{source} still holds the config as run:"
