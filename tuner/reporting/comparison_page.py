"""The comparison of runs (reports/index.html, reports/comparison.md): one row per run,
best-so-far curves overlaid against trials and against time, and for the parameters several
runs share, each value's effect side by side with a verdict. Never imports Keras.
"""

from __future__ import annotations

import math

import pandas as pd

from tuner.analysis.comparisons import Comparison, compare
from tuner.analysis.effects import value_effects
from tuner.analysis.noise import REMEDY, folds_of
from tuner.reporting.figures.canvas import to_png
from tuner.reporting.figures.history import draw_progress, progress_data
from tuner.reporting.figures.shared_effects import draw_effects, value_order
from tuner.reporting.html import Block, Bullets, Image, Link, Section, relative_link
from tuner.reporting.run_page import best_test_text, wall_time
from tuner.run.records import score_of
from tuner.run.run import Run
from tuner.text import join_words, significant

# More distinct values than this across the runs is a range (learning rates drawn at random),
# not a handful of choices to set side by side.
MAX_SHARED_VALUES = 8


def comparison_table(runs: list[Run]) -> pd.DataFrame:
    """One row per run: dataset, algorithm, trials, best validation, its test score, wall time."""
    rows = []
    for run in runs:
        best = run.ranked[0] if run.ranked else None
        counts = run.status_counts
        trials = f"{len(run.records)} ({counts.get('completed', 0)} completed"
        trials += f", {counts.get('failed', 0)} failed)"
        validation = f"{run.objective} {significant(score_of(best), 4)}" if best else "—"
        rows.append(
            {
                "run": Link(
                    run.name,
                    relative_link(run.name, "index.html"),
                    relative_link(run.name, "report.md"),
                ),
                "dataset": run.dataset_name,
                "algorithm": run.algorithm,
                "trials": trials,
                "best validation": validation,
                "test score of the best": best_test_text(run, best) if best else "—",
                "wall time": wall_time(run)[0],
            }
        )
    columns = ["run", "dataset", "algorithm", "trials", "best validation"]
    return pd.DataFrame(rows, columns=[*columns, "test score of the best", "wall time"])


def by_objective(runs: list[Run]) -> dict[str, list[Run]]:
    """Runs grouped by objective: only runs scored the same way share a figure."""
    groups: dict[str, list[Run]] = {}
    for run in runs:
        if run.ranked:
            groups.setdefault(run.objective, []).append(run)
    return groups


# ---- shared parameters --------------------------------------------------------------------


def shared_params(runs: list[Run]) -> list[str]:
    """Parameters recorded in two or more runs, varied in at least one, that took between 2 and
    MAX_SHARED_VALUES values across the runs' completed trials."""
    seen: dict[str, int] = {}
    for run in runs:
        for name in dict.fromkeys(n for r in run.records for n in r["hyperparameters"]):
            seen[name] = seen.get(name, 0) + 1
    varied = {name for run in runs for name in run.varying()}
    shared = []
    for name, count in seen.items():
        if count > 1 and name in varied:
            values = shared_effects(runs, name)["value"].nunique()
            shared += [name] if 2 <= values <= MAX_SHARED_VALUES else []
    return shared


def shared_effects(runs: list[Run], name: str) -> pd.DataFrame:
    """One row per run and value of ``name``: trials, mean, best and seconds per epoch."""
    frames = []
    for run in runs:
        table = value_effects(run.records, name)
        if not table.empty:
            frames.append(
                table.assign(run=run.name).rename(columns={"label": "value", "value": "raw"})
            )
    columns = ["run", "value", "raw", "trials", "mean", "best", "seconds_per_epoch"]
    return (
        pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    )


def effects_table(data: pd.DataFrame) -> pd.DataFrame:
    """Values down, runs across: 'best 0.921 · mean 0.904 (4 trials) · 1.9 s/epoch'."""
    runs = list(dict.fromkeys(data["run"]))
    rows = []
    for value in value_order(data):
        row = {"value": str(value)}
        for run in runs:
            hit = data[(data["run"] == run) & (data["value"] == value)]
            row[run] = _cell(hit.iloc[0]) if len(hit) else "—"
        rows.append(row)
    return pd.DataFrame(rows)


def _cell(row: pd.Series) -> str:
    per_epoch = row["seconds_per_epoch"]
    speed = "" if math.isnan(per_epoch) else f" · {significant(per_epoch, 2)} s/epoch"
    trials = "1 trial" if row["trials"] == 1 else f"{row['trials']} trials"
    best, mean = significant(row["best"], 4), significant(row["mean"], 4)
    return f"best {best} · mean {mean} ({trials}){speed}"


def verdicts(runs: list[Run], name: str) -> list[str]:
    """For each run that varied ``name``: the comparison of its two best values, claiming only
    what that run's trials support (tuner.analysis.comparisons). Runs whose verdicts point
    opposite ways are one disagreement, said first, not two facts."""
    results: list[tuple[Run, Comparison]] = []
    for run in runs:
        if name not in run.varying():
            continue
        params = {p.name: p for p in run.config.space.params} if run.config is not None else {}
        samples = (run.info.get("dataset") or {}).get("validation")
        result = compare(run.records, name, run.varying(), params, run.objective, samples)
        if result is not None:
            results.append((run, result))
    disputed = _disputed(results)
    out = [disagreement(name, disputed)] if disputed else []
    for run, result in results:
        if any(run is other for other, _ in disputed):
            others = [o.name for o, c in disputed if c.first != result.first]
            out.append(
                f"**{name} in {run.name}:** disputed by {join_words(others)} (see above): "
                f"{result.first} ahead of {result.second} by {_margin(result, run.objective)}."
            )
        else:
            out.append(f"**{name} in {run.name}:** {result.sentence}")
    return out


def _disputed(results: list[tuple[Run, Comparison]]) -> list[tuple[Run, Comparison]]:
    """The clear verdicts, when two of them name opposite winners of the same two values."""
    clear = [(run, c) for run, c in results if c.clear]
    flipped = {
        (c.first, c.second)
        for _, c in clear
        if any(o.first == c.second and o.second == c.first for _, o in clear)
    }
    return [(run, c) for run, c in clear if (c.first, c.second) in flipped]


def disagreement(name: str, disputed: list[tuple[Run, Comparison]]) -> str:
    """One sentence for verdicts that contradict each other."""
    parts = [
        f"{c.first} beat {c.second} in {run.name} (by {_margin(c, run.objective)})"
        for run, c in disputed
    ]
    joined = " but ".join(parts) if len(parts) == 2 else "; ".join(parts)
    if any(folds_of(run.records) for run, _ in disputed):
        decider = (
            "More labelled data decides it (cross-validation already validates each sample once)."
        )
    else:
        decider = f"More validation samples decide it: {REMEDY}."
    return (
        f"**{name}: the runs disagree.** {joined}. Both cannot hold on the same "
        "data: unless the runs' data or spaces differ enough to explain it, at least one verdict "
        f"is noise, so neither is taken as a finding. {decider}"
    )


def _margin(result: Comparison, objective: str) -> str:
    by = significant(result.difference, 3) if result.difference is not None else "?"
    half = f", ±{significant(result.half_width, 2)} at 95%" if result.half_width else ""
    return f"{by} in mean {objective}{half}"


# ---- the page -----------------------------------------------------------------------------


def sections(runs: list[Run]) -> list[Section]:
    """Best so far and Shared parameters, one part per objective; empty without scored trials."""
    images: list[Block] = []
    shared: list[Block] = []
    for objective, group in by_objective(runs).items():
        figure = draw_progress(progress_data(group), objective)
        slug = _slug(objective)
        images.append(
            Image(f"best_so_far_{slug}", f"Best {objective} so far, per run", to_png(figure))
        )
        for name in shared_params(group) if len(group) > 1 else []:
            data = shared_effects(group, name)
            shared += [f"{name} ({objective}):", effects_table(data)]
            lines = verdicts(group, name)
            shared += [Bullets(tuple(lines))] if lines else []
            figure = draw_effects(data, name, objective)
            shared.append(Image(f"effect_{slug}_{name}", f"{objective} by {name}", to_png(figure)))
    out = [Section("Best so far", tuple(images))] if images else []
    if shared:
        intro = (
            "For each parameter that two or more runs record and at least one varies: every "
            "value's best and mean score in each run, side by side, and which value won where "
            "it varied."
        )
        out.append(Section("Shared parameters", (intro, *shared)))
    return out


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text)
