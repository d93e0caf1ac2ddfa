"""The sections of a run's report, computed from a Run (see tuner.run.run.load_run).

Every state a run folder can be in (nothing finished yet, only failures, no best/test.json
while the search runs, foreign files in trials/) becomes a sentence rather than an error.
Never imports Keras.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from tuner.analysis.findings import train_validation_gap
from tuner.analysis.noise import trial_se
from tuner.analysis.review import Review
from tuner.analysis.selection import select
from tuner.config.schema import load_config
from tuner.errors import UserInputError
from tuner.numbers import is_finite_number
from tuner.reporting.advice_sections import diagnostics_section, next_section
from tuner.reporting.classes_section import class_blocks
from tuner.reporting.figures.curves import mixed_losses
from tuner.reporting.figures_section import figures
from tuner.reporting.forecast_section import regression_blocks
from tuner.reporting.holdout_section import holdout_section
from tuner.reporting.html import Code, Facts, Note, Section
from tuner.run import layout
from tuner.run.records import FAILED, PRUNED, TrialRecord
from tuner.run.results import exported_final, read_test, recipe_words
from tuner.run.run import Run
from tuner.text import (
    decimals,
    difference_text,
    duration,
    percent,
    plural,
    score_text,
    significant,
    thousands,
    value_text,
)

LEADERBOARD_ROWS = 10  # at least top_k; every trial is in trials.csv


def run_sections(run: Run, review: Review, folder: Path, next_note: str) -> list[Section]:
    """Summary, Leaderboard, Test evaluation, Figures, Forecasts (regression) or Classes
    (classification), Diagnostics, Next search, Failures (when any) and How to reproduce."""
    sections = [summary(run), leaderboard(run), holdout_section(run), figures(run, review)]
    if _task(run) == "regression":
        sections.append(Section("Forecasts", tuple(regression_blocks(run.path))))
    elif blocks := class_blocks(run.path):
        sections.append(Section("Classes", tuple(blocks)))
    sections += [diagnostics_section(run, review)]
    sections += [next_section(run, review, folder, next_note)]
    if run.status_counts[FAILED]:
        sections.append(failures(run))
    return [*sections, reproduce(run)]


# ---- Summary ------------------------------------------------------------------------------


def summary(run: Run) -> Section:
    best = run.ranked[0] if run.ranked else None
    elapsed, how = wall_time(run)
    facts = [
        ("Dataset", _dataset_text(run)),
        ("Task", _task(run)),
        ("Search", _search_text(run)),
        ("Trials", trials_text(run)),
        ("Wall time", f"{elapsed} ({how})"),
        ("Best trial", _best_text(run, best) if best else "none yet"),
    ]
    exported = exported_text(run)
    if exported:
        facts.append(("Exported model", exported))
    pruning = pruning_text(run)
    if pruning:
        facts.insert(4, ("Pruning", pruning))
    return Section("Summary", (Facts(tuple(facts)), *[Note(n) for n in _statements(run)]))


def exported_text(run: Run) -> str:
    """best/model.keras when search.final_model made it from another recipe than the
    search's checkpoint (whose scores the best trial's line gives): the recipe and its test
    scores."""
    found = exported_final(read_test(run.path).get("final_models"))
    if found is None or found[1].get("recipe") == "checkpoint":
        return ""
    place, entry = found
    what = recipe_words(str(entry.get("recipe")), int(entry.get("models") or 0))
    tests = ", ".join(
        f"{name} {score_text(name, value)}" for name, value in dict(entry.get("test") or {}).items()
    )
    return (
        f"{entry.get('recipe')} of trial {entry.get('trial_id')} ({what}; "
        f"{'tuner refit, after the search' if place else 'search.final_model'}): "
        f"test {tests}"
    )


def pruning_text(run: Run) -> str:
    """The rule and what it saved: '2 of 8 trials pruned, saving 8 of 48 epochs (17%)'."""
    rule = run.config.search.pruning if run.config is not None else None
    pruned = [r for r in run.records if r["status"] == PRUNED]
    if rule is None and not pruned:
        return ""
    requested = sum(r.get("epochs_requested", r["epochs_run"]) for r in run.records)
    saved = sum(r.get("epochs_requested", r["epochs_run"]) - r["epochs_run"] for r in pruned)
    how = (
        f"{rule.rule}, after {plural(rule.warmup_epochs, 'warm-up epoch')} and "
        f"{plural(rule.min_trials, 'trial')}: "
        if rule is not None
        else ""
    )
    share = f" ({percent(saved / requested)})" if requested else ""
    return (
        f"{how}{len(pruned)} of {plural(len(run.records), 'trial')} pruned, saving {saved} of "
        f"{plural(requested, 'epoch')}{share}"
    )


def trials_text(run: Run) -> str:
    """'6 completed' when every trial finished one way, else '6 finished: 5 completed, 1 failed'."""
    counts = sorted(run.status_counts.items())
    if len(counts) == 1:
        return f"{counts[0][1]} {counts[0][0]}"
    said = ", ".join(f"{n} {status}" for status, n in counts)
    return f"{len(run.records)} finished" + (f": {said}" if said else "")


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
            "No trial completed: the only trial failed. Its error is listed under Failures."
            if len(run.records) == 1
            else f"No trial completed: all {len(run.records)} failed. "
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
    count = summary.get("num_classes")
    classes = f", {_count(count, 'class', 'classes')}" if count else ""
    cv = summary.get("cv") or {}
    if cv.get("scheme") == "cv":  # every sample of the pool trains in K-1 folds, validates in 1
        splits = f"{summary.get('validation')} to learn from in {cv.get('folds')} folds, "
    else:
        splits = f"{summary.get('train')} train, {summary.get('validation')} validation, "
    return (
        f"{summary.get('dataset')} ({summary.get('origin', 'origin unknown')}); inputs of "
        f"{_count(steps, 'step')} × {_count(features, 'feature')}{classes}; "
        f"{splits}{summary.get('test')} test samples"
    )


def _task(run: Run) -> str:
    fallback = run.config.task if run.config is not None else "unknown"
    return str((run.info.get("dataset") or {}).get("task", fallback))


def _search_text(run: Run) -> str:
    if run.config is None:
        return f"objective {run.objective}"
    search, verb = run.config.search, "maximized" if run.config.direction == "max" else "minimized"
    return (
        f"{search.algorithm}, objective {run.objective} ({verb}), up to "
        f"{plural(search.max_trials, 'trial')} of up to {plural(search.epochs, 'epoch')}"
    )


def _count(count: Any, noun: str, nouns: str | None = None) -> str:
    """plural() for a count read from run.json, which may be missing ('?')."""
    if isinstance(count, int):
        return plural(count, noun, nouns)
    return f"{count} {nouns or noun + 's'}"


def _best_text(run: Run, best: TrialRecord) -> str:
    validation = f"{run.objective} {score_text(run.objective, best['score'])}"
    return f"trial {best['trial_id']}: {validation}; {best_test_text(run, best)}"


def best_test_text(run: Run, best: TrialRecord) -> str:
    """The test metrics of a trial, the one matching the objective first."""
    metrics = (run.test or {}).get(best["trial_id"])
    if not metrics:
        return "no test score yet"
    first = run.objective.removeprefix("val_")
    order = sorted(metrics, key=lambda m: m != first)
    return "test " + ", ".join(f"{m} {score_text(m, metrics[m])}" for m in order)


def wall_time(run: Run) -> tuple[str, str]:
    """Readable wall time and where it comes from: search sessions, else summed trial times."""
    seconds, how = run.wall_seconds
    return duration(seconds), how


# ---- Leaderboard --------------------------------------------------------------------------


def leaderboard(run: Run) -> Section:
    rows = max(run.top_k, LEADERBOARD_ROWS)
    top = select(run.records, validation_samples(run)).ranked[:rows]  # the export's order
    if not top:
        return Section("Leaderboard", (Note("No completed trial to rank yet."),))
    intro = (
        f"{_ranked_text(len(top), len(run.ranked))}; all trials are in trials.csv. The gap is "
        "the training minus the validation score at the best epoch, in the direction that "
        "means overfitting when positive. ± is the standard error of the score (its "
        "validation samples' noise, and the spread of its folds where it has them)."
    )
    heads = mixed_losses(run.records)
    blocks = (intro, heads) if heads else (intro,)
    return Section("Leaderboard", (*blocks, leaderboard_table(run, top)))


def validation_samples(run: Run) -> int | None:
    """The validation samples behind each score (run.json; with folds, the pool)."""
    count = (run.info.get("dataset") or {}).get("validation")
    return count if isinstance(count, int) and not isinstance(count, bool) else None


def _ranked_text(shown: int, completed: int) -> str:
    if shown < completed:
        return f"The top {shown} of {completed} completed trials, best first"
    return "The only completed trial" if shown == 1 else f"All {shown} completed trials, best first"


def leaderboard_table(run: Run, top: list[TrialRecord]) -> pd.DataFrame:
    """One row per trial; with mixed heads no test loss column (see mixed_losses)."""
    left_out = {"loss"} if mixed_losses(run.records) else set()
    tests = sorted({m for r in top for m in (run.test or {}).get(r["trial_id"], {})} - left_out)
    rows = []
    for rank, record in enumerate(top, start=1):
        row = {"rank": str(rank), "trial": str(record["trial_id"])}
        for name in run.varying():
            row[name] = value_text(name, record["hyperparameters"].get(name), run.param(name))
        row[run.objective] = score_text(run.objective, record["score"])
        se = trial_se(record, validation_samples(run))
        row["±"] = significant(se, 2) if se is not None else "—"
        if record.get("folds"):
            row["folds (sd)"] = (
                f"{len(record['folds'])} ({significant(record.get('fold_sd', 0.0), 2)})"
            )
        test = (run.test or {}).get(record["trial_id"], {})
        row.update({f"test {m}": score_text(m, test.get(m)) for m in tests})
        early = " (stopped early)" if record.get("stopped_early") else ""
        row["best epoch / run"] = f"{record['best_epoch']} / {record['epochs_run']}{early}"
        gap = train_validation_gap(record)
        row["train-val gap"] = difference_text(run.objective, gap, record["score"])
        parameters = record.get("parameters")
        row["parameters"] = thousands(parameters) if parameters else "—"
        row["seconds"] = (
            decimals(record["seconds"], 1) if is_finite_number(record.get("seconds")) else "—"
        )
        rows.append(row)
    return pd.DataFrame(rows)


# ---- Failures, reproduction ------------------------------------------------------


def failures(run: Run) -> Section:
    failed = [r for r in run.records if r["status"] == FAILED]
    rows = [
        {"trial": str(r["trial_id"]), "finished #": str(r["number"])}
        | {n: value_text(n, r["hyperparameters"].get(n), run.param(n)) for n in run.varying()}
        | {"error": str(r.get("error") or "no error recorded")}
        for r in failed
    ]
    them = "it" if len(failed) == 1 else "them"
    intro = f"{plural(len(failed), 'trial')} failed; the search went on without {them}."
    return Section("Failures", (intro, pd.DataFrame(rows)))


def reproduce(run: Run) -> Section:
    source, why = _source_config(run)
    blocks = [
        why,
        Code(f"tuner search {source}"),
        "It resumes where the run stopped; add --fresh to start over (the old run is "
        "moved aside, not deleted).",
        f"The config as run, with defaults resolved ({layout.config_file(run.path)}):",
        Code(run.config_text),
    ]
    return Section("How to reproduce", tuple(blocks))


def _source_config(run: Run) -> tuple[str, str]:
    """The YAML file named in config.yaml's header while it still holds the config as run,
    else the run's own copy (which also keeps any --set overrides); and why that one."""
    saved = str(layout.config_file(run.path))
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
