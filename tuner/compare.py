"""The comparison of runs (reports/index.html, reports/comparison.md): one row per run,
best-so-far curves overlaid against trials and against time, and for the parameters several
runs share, each value's effect side by side with a verdict. Never imports Keras.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.lines import Line2D

from tuner import plots
from tuner.effects import number, value_effects
from tuner.holdout import difference_noise
from tuner.page import Block, Bullets, Image, Link, Section
from tuner.plots import Figure, metric_label, plt
from tuner.sections import best_test_text, wall_time

if TYPE_CHECKING:
    from tuner.report import Run

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
        rows.append(
            {
                "run": Link(run.name, f"{run.name}/index.html", f"{run.name}/report.md"),
                "dataset": run.dataset_name,
                "algorithm": run.algorithm,
                "trials": trials,
                "best validation": f"{run.objective} {best['score']:.4g}" if best else "—",
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


# ---- best so far --------------------------------------------------------------------------


def progress_data(runs: list[Run]) -> pd.DataFrame:
    """Per run and scored trial: its number, the minutes of trial time spent so far (every
    trial, failed ones too, in finishing order) and the best score so far."""
    frames = []
    for run in runs:
        spent = pd.Series(
            {str(r["trial_id"]): float(r.get("seconds") or 0.0) for r in run.records}
        ).cumsum()
        data = plots.history_data(run.records)
        data["minutes"] = [spent[str(t)] / 60 for t in data["trial_id"]]
        data["run"] = run.name
        frames.append(data)
    columns = ["run", "number", "trial_id", "score", "best_so_far", "minutes"]
    return (
        pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    )


def draw_progress(data: pd.DataFrame, objective: str) -> Figure:
    """Best so far per run, against trials (left) and against time (right)."""
    fig, (by_trial, by_time) = plt.subplots(1, 2, figsize=(12, 4.4))
    for i, (run, part) in enumerate(data.groupby("run", sort=False)):
        color = f"C{i % 10}"
        by_trial.step(part["number"], part["best_so_far"], where="post", color=color, label=run)
        by_trial.plot(part["number"], part["score"], ".", color=color, alpha=0.4)
        by_time.step(part["minutes"], part["best_so_far"], where="post", color=color, label=run)
    by_trial.set(
        title=f"Best {objective} so far, per trial",
        xlabel="trials in finishing order (#)",
        ylabel=metric_label(objective),
    )
    by_time.set(
        title=f"Best {objective} so far, over time",
        xlabel="search time (minutes; trial times summed)",
        ylabel=metric_label(objective),
    )
    for ax in (by_trial, by_time):
        ax.grid(alpha=0.3)
        ax.legend(title="run (dots: each trial)" if ax is by_trial else "run", fontsize="small")
    fig.tight_layout()
    return fig


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


def value_order(data: pd.DataFrame) -> list[str]:
    """Numbers ascending; names in the order of the first run's ranking (best first)."""
    raw = dict(zip(data["value"], data["raw"], strict=True))
    if all(number(v) for v in raw.values()):
        return sorted(raw, key=lambda v: raw[v])
    return list(raw)


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
    speed = (
        "" if math.isnan(row["seconds_per_epoch"]) else f" · {row['seconds_per_epoch']:.2g} s/epoch"
    )
    return f"best {row['best']:.4g} · mean {row['mean']:.4g} ({row['trials']} trials){speed}"


def draw_effects(data: pd.DataFrame, name: str, objective: str) -> Figure:
    """Per value of ``name``, each run's best (filled) and mean (hollow) score, side by side."""
    values = value_order(data)
    runs = list(dict.fromkeys(data["run"]))
    fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * len(values) + 3), 4.4))
    width = 0.6 / max(len(runs), 1)
    for i, run in enumerate(runs):
        part = data[data["run"] == run]
        x = [values.index(v) - 0.3 + width * (i + 0.5) for v in part["value"]]
        color = f"C{i % 10}"
        ax.plot(x, part["best"], "o", color=color, ms=9, label=run)
        ax.plot(x, part["mean"], "o", mfc="none", color=color, ms=9)
    ax.set_xticks(range(len(values)), values)
    ax.set_xlim(-0.6, len(values) - 0.4)
    ax.set(
        title=f"{objective} by {name}, each run side by side",
        xlabel=name,
        ylabel=metric_label(objective),
    )
    handles = [
        Line2D([], [], color=f"C{i % 10}", marker="o", ls="", label=r) for i, r in enumerate(runs)
    ]
    handles += [
        Line2D([], [], color="gray", marker="o", ls="", label="best trial"),
        Line2D([], [], color="gray", marker="o", mfc="none", ls="", label="mean of trials"),
    ]
    ax.legend(handles=handles, fontsize="small", loc="best")
    ax.grid(alpha=0.3)
    return fig


def verdicts(runs: list[Run], name: str) -> list[str]:
    """For each run that varied ``name``: which value won, by how much, and against what noise."""
    out = []
    for run in runs:
        table = value_effects(run.records, name)
        if name not in run.varying() or len(table) < 2:
            continue
        first, second = table.iloc[0], table.iloc[1]
        margin = abs(first["best"] - second["best"])
        text = (
            f"**{name} in {run.name}:** {first['label']} won with best {run.objective} "
            f"{first['best']:.4g} against {second['label']}'s {second['best']:.4g} "
            f"(by {margin:.3g}; means {first['mean']:.4g} against {second['mean']:.4g})"
        )
        n = (run.info.get("dataset") or {}).get("validation")
        if "accuracy" in run.objective and n and 0 <= second["best"] <= first["best"] <= 1:
            noise = difference_noise(first["best"], second["best"], int(n))
            within = "within" if margin <= noise else "more than"
            text += f", {within} the noise of {n} validation samples (±{noise:.3f})"
        out.append(text + ".")
    return out


# ---- the page -----------------------------------------------------------------------------


def sections(runs: list[Run]) -> list[Section]:
    """Best so far and Shared parameters, one part per objective; empty without scored trials."""
    images: list[Block] = []
    shared: list[Block] = []
    for objective, group in by_objective(runs).items():
        figure = draw_progress(progress_data(group), objective)
        slug = _slug(objective)
        images.append(
            Image(f"best_so_far_{slug}", f"Best {objective} so far, per run", plots.to_png(figure))
        )
        for name in shared_params(group) if len(group) > 1 else []:
            data = shared_effects(group, name)
            shared += [f"{name} ({objective}):", effects_table(data)]
            lines = verdicts(group, name)
            shared += [Bullets(tuple(lines))] if lines else []
            figure = draw_effects(data, name, objective)
            shared.append(
                Image(f"effect_{slug}_{name}", f"{objective} by {name}", plots.to_png(figure))
            )
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
