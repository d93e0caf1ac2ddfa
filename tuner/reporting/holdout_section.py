"""The Test evaluation section: the top-k trials on the test split with their intervals and
the verdict of tuner.analysis.stats."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from tuner.analysis import paired
from tuner.analysis.stats import holdout_rows, verdict, wilson
from tuner.numbers import is_finite_number
from tuner.reporting.figures.curves import mixed_losses
from tuner.reporting.html import Block, Note, Section
from tuner.run.results import exported_final, load_per_sample, read_test
from tuner.run.run import Run
from tuner.text import decimals, join_words, plural, score_text, significant


def holdout_section(run: Run) -> Section:
    title = "Test evaluation"
    if not run.test:
        return Section(
            title,
            (Note("No test evaluation yet: best/test.json does not exist or is unreadable."),),
        )
    rows = holdout_rows(run)
    n = run.test_samples
    which = (
        f"The top trial by {run.objective}, evaluated"
        if len(rows) == 1
        else f"The top {len(rows)} trials by {run.objective}, each evaluated"
    )
    samples = plural(n, "sample") if n else "an unknown number of samples"
    blocks: list[Block] = [f"{which} once on the test split ({samples} the search never saw)."]
    blocks.append(_table(run, rows))
    outcome = load_per_sample(run.path)
    pair = [str(r["trial_id"]) for r in rows[:2]]
    if outcome is None or len(pair) < 2 or any(t not in outcome.by_trial for t in pair):
        blocks.append(verdict(rows, n))
    else:
        blocks.append(verdict(rows, n, paired=True))
        blocks.append(paired.sentence(paired.compare(outcome, *pair)))
    summary = read_test(run.path)
    if summary.get("tied") and is_finite_number(summary.get("tie_noise")):
        blocks.insert(1, _tie_text(run, summary["tied"], float(summary["tie_noise"])))
    repeats = summary.get("repeats")
    if isinstance(repeats, list) and repeats:
        blocks += _repeats_blocks(run, repeats)
    finals = summary.get("final_models")
    if isinstance(finals, list) and len(finals) > 1 or _replaced(finals):
        blocks += _final_models_blocks(run, finals)
    refit = summary.get("refit")
    if isinstance(refit, dict):
        blocks.append(_refit_text(run, refit))
    return Section(title, tuple(blocks))


def _replaced(finals: Any) -> bool:
    """best/model.keras is another recipe's model than the search's checkpoint."""
    found = exported_final(finals)
    return found is not None and found[1].get("recipe") != "checkpoint"


def _final_models_blocks(run: Run, finals: Any) -> list[Block]:
    """search.final_model: every recipe that made a model from the best trial, tested side
    by side; the exported one is the config's choice, not these scores'."""
    rows = []
    n = run.test_samples
    for entry in finals:
        if not isinstance(entry, dict):
            continue
        epochs = [int(e) for e in entry.get("epochs") or []]
        cells = {
            "recipe": str(entry.get("recipe")),
            "models": str(entry.get("models")),
            "epochs": ", ".join(map(str, epochs)),
            "samples each": str(entry.get("samples")),
        }
        for name, value in dict(entry.get("test") or {}).items():
            cells[f"test {name}"] = score_text(name, value)
            if name == "accuracy" and n and is_finite_number(value):
                low, high = wilson(float(value), n)
                cells["95% interval (Wilson)"] = f"{decimals(low, 3)} – {decimals(high, 3)}"
        cells["exported"] = "yes" if entry.get("exported") else ""
        rows.append(cells)
    found = exported_final(finals)
    place, exported = found if found is not None else (0, {})
    tested = f"tested once on the same {plural(n or 0, 'sample')}"
    if place:  # tuner refit replaced the config's choice after the search
        others = (
            f"The recipes below made models from the same trial and were each {tested}. "
            f"search.final_model exported the {finals[0].get('recipe')}; tuner refit replaced "
            "it, perhaps with these scores in view: a model chosen by its test score has a "
            "score that flatters it, so read each row's interval."
        )
    elif len(rows) > 1:
        others = (
            f"The recipes below made models from the same trial and were each {tested}; they "
            "are shown for comparison, and the exported one was chosen by the config before "
            "any test score was known: choosing by these scores would fit the test split."
        )
    else:
        others = f"It was {tested}; the table above is the search's own checkpoint of that trial."
    how = "tuner refit, after the search" if place else "search.final_model"
    return [
        f"Final model: best/model.keras is the {exported.get('recipe', '?')} model of trial "
        f'{exported.get("trial_id", "?")} ({how}; README, "Final model"). {others}',
        pd.DataFrame(rows),
    ]


def _tie_text(run: Run, tied: list[str], noise: float) -> str:
    """The top trials the validation score could not separate (tuner.analysis.selection)."""
    return (
        f"Trials {join_words([str(t) for t in tied])} scored within one score's noise "
        f"(±{significant(noise, 2)}) of the best {run.objective}: the validation data cannot rank "
        f"them, so they are ordered by their validation loss at the best epoch, and trial "
        f"{tied[0]} (the lowest) is the best, exported in best/. Treat them as equals; more "
        "validation data (search.cv, a larger split) would tell them apart."
    )


def _repeats_blocks(run: Run, repeats: list[Any]) -> list[Block]:
    """The top trials trained again with other seeds (report.repeats): mean ± sd per score."""
    rows = []
    for entry in repeats:
        if not isinstance(entry, dict):
            continue
        validation = entry.get("validation") or {}
        cells = {
            "trial": str(entry.get("trial_id")),
            f"{run.objective} in the search": score_text(run.objective, entry.get("search_score")),
            f"{run.objective} again": _mean_sd(run.objective, validation),
        }
        for name, stats in dict(entry.get("test") or {}).items():
            cells[f"test {name} again"] = _mean_sd(name, stats)
        rows.append(cells)
    n = max((int((e.get("validation") or {}).get("n") or 0) for e in repeats), default=0)
    return [
        f"Repeats: each trial trained again with {plural(n, 'other seed')}, as the search "
        "trained it; mean ± standard deviation. The search picked these trials for scoring "
        "well once, so their search scores lean high; the repeats' mean does not.",
        pd.DataFrame(rows),
    ]


def _mean_sd(name: str, stats: Any) -> str:
    if not isinstance(stats, dict) or stats.get("mean") is None:
        return "—"
    return f"{score_text(name, stats['mean'])} ± {score_text(name, stats.get('sd'))}"


def _refit_text(run: Run, refit: Mapping[str, Any]) -> str:
    """The refit model's test scores beside the search's checkpoint's (search.refit)."""
    first = (run.test or {}).get(str(refit.get("trial_id")), {})
    scores = [
        f"test {name} {score_text(name, value)} (the search's checkpoint: "
        f"{score_text(name, first.get(name))})"
        for name, value in dict(refit.get("test", {})).items()
    ]
    return (
        f"Refit: trial {refit.get('trial_id')} trained again on training + validation data "
        f"({refit.get('samples')} samples, {refit.get('epochs')} epochs, as many parameter "
        f"updates as its best epoch took): {', '.join(scores)}. best/model.keras is the refit "
        f"model; best/{refit.get('search_model')} is the search's."
    )


def _table(run: Run, rows: list[dict[str, Any]]) -> pd.DataFrame:
    left_out = {"test loss"} if mixed_losses(run.records) else set()  # said in the Leaderboard
    out = []
    for row in rows:
        cells = {
            "rank": str(row["rank"]),
            "trial": row["trial_id"],
            run.objective: score_text(run.objective, row["validation"]),
        }
        for key, value in row.items():
            if key.startswith("test ") and key not in left_out:
                cells[key] = score_text(key.removeprefix("test "), value)
        if not math.isnan(row["low"]):
            cells["95% interval (Wilson)"] = (
                f"{decimals(row['low'], 3)} – {decimals(row['high'], 3)}"
            )
        out.append(cells)
    return pd.DataFrame(out)
