"""Optimization history: each completed trial's score in finishing order with the best so far,
for one run (``history_data``) or several side by side (``progress_data``, the comparison)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from tuner.analysis.effects import scored
from tuner.reporting.figures.canvas import COLORS, LEGEND_RIGHT, metric_label, new_figure
from tuner.run.records import TrialRecord
from tuner.run.run import Run
from tuner.text import score_text

# ---- optimization history ---------------------------------------------------------------


def history_data(records: list[TrialRecord]) -> pd.DataFrame:
    """One row per scored trial in finishing order, with the best score so far."""
    done = scored(records)
    rows = [{"number": r["number"], "trial_id": r["trial_id"], "score": r["score"]} for r in done]
    data = pd.DataFrame(rows, columns=["number", "trial_id", "score"]).astype({"score": float})
    maximize = bool(done) and done[0]["direction"] == "max"
    data["best_so_far"] = data["score"].cummax() if maximize else data["score"].cummin()
    return data


def draw_history(data: pd.DataFrame, objective: str) -> Figure:
    """Each trial's score, the best-so-far staircase, and a star on the best trial."""
    fig, ax = new_figure((9.5, 4))  # the legend takes the right
    ax.plot(data["number"], data["score"], "o", color=COLORS[0], alpha=0.7, label="trial")
    ax.step(data["number"], data["best_so_far"], where="post", color=COLORS[1], label="best so far")
    best = data[data["score"] == data["best_so_far"].iloc[-1]].iloc[0]
    ax.plot(
        best["number"],
        best["score"],
        "*",
        ms=14,
        color=COLORS[3],
        label=f"best: trial {best['trial_id']}, finished #{best['number']} "
        f"({score_text(objective, best['score'])})",
    )
    ax.set(
        title=f"Optimization history: {objective} per trial",
        xlabel="trials in finishing order (#)",
        ylabel=metric_label(objective),
    )
    ax.legend(**LEGEND_RIGHT)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


# ---- learning curves ----------------------------------------------------------------------


def progress_data(runs: list[Run]) -> pd.DataFrame:
    """Per run and scored trial: its number, the minutes of trial time spent so far (every
    trial, failed ones too, in finishing order) and the best score so far."""
    frames = []
    for run in runs:
        spent = pd.Series(
            {str(r["trial_id"]): float(r.get("seconds") or 0.0) for r in run.records}
        ).cumsum()
        data = history_data(run.records)
        data["minutes"] = [spent[str(t)] / 60 for t in data["trial_id"]]
        data["run"] = run.name
        frames.append(data)
    columns = ["run", "number", "trial_id", "score", "best_so_far", "minutes"]
    return (
        pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    )


def draw_progress(data: pd.DataFrame, objective: str) -> Figure:
    """Best so far per run, against trials (left) and against time (right)."""
    fig, (by_trial, by_time) = new_figure((13.5, 4.4), 1, 2)
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
    title = "run (dots: each trial)"
    by_time.legend(title=title, fontsize="small", title_fontsize="small", **LEGEND_RIGHT)
    fig.tight_layout()
    return fig
