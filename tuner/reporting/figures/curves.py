"""Learning curves of the top trials: train and validation per epoch, best epoch and early stops
marked."""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from tuner.reporting.figures.canvas import COLORS, LEGEND_RIGHT, metric_label, new_figure
from tuner.run.records import TrialRecord

MAX_CURVES = 5  # more learning curves than this in one panel cannot be told apart
HEAD_LOSSES = {  # what each head's loss is, on its own scaling of the target (see README)
    "linear": "mean squared error",
    "sigmoid": "binary cross-entropy",
    "softmax": "cross-entropy",
}


def heads(records: list[TrialRecord]) -> list[str]:
    """The output heads the trials used, in the order first seen, where ``head`` was tuned."""
    used = (r["hyperparameters"].get("head") for r in records)
    return list(dict.fromkeys(str(h) for h in used if h is not None))


def mixed_losses(records: list[TrialRecord]) -> str:
    """One sentence when the trials' heads differ, so their losses are on different scales and
    the report leaves loss out of its comparisons; '' when every trial has the same head."""
    used = heads(records)
    if len(used) < 2:
        return ""
    losses = ", ".join(f"{h}: {HEAD_LOSSES.get(h, 'its own loss')}" for h in used)
    return (
        f"The trials use different heads ({losses}), whose losses are not on one scale, so "
        "loss is left out of the leaderboard, the test evaluation and the learning curves: "
        "they are compared by mae and rmse, in the target's units."
    )


def curves_data(top: list[TrialRecord], leave_out: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per-epoch values of the top trials: one row per trial, metric, split and epoch; ``last``
    marks a trial's last epoch, ``requested`` the epochs it was given (more: it stopped early).
    ``leave_out`` names metrics not drawn (with or without val_), e.g. the loss of mixed heads."""
    rows = []
    for rank, record in enumerate(top[:MAX_CURVES], start=1):
        requested = record.get("epochs_requested") or record.get("epochs_run") or 0
        early = bool(record.get("stopped_early"))
        for name, values in record["history"].items():
            validation = name.startswith("val_")
            metric = name[4:] if validation else name
            if metric in leave_out:
                continue
            for epoch, value in enumerate(values, start=1):
                rows.append(
                    {
                        "rank": rank,
                        "trial_id": record["trial_id"],
                        "metric": metric,
                        "split": "validation" if validation else "train",
                        "epoch": epoch,
                        "value": value,
                        "best": epoch == record["best_epoch"],
                        "last": epoch == len(values),
                        "requested": requested,
                        "stopped_early": early,
                    }
                )
    columns = ["rank", "trial_id", "metric", "split", "epoch", "value", "best", "last"]
    columns += ["requested", "stopped_early"]
    return pd.DataFrame(rows, columns=columns)


def draw_curves(data: pd.DataFrame) -> Figure:
    """One panel per metric (loss first); a color per trial, train solid, validation dashed,
    the best epoch a dot, an early stop a cross, the x axis out to the epochs requested."""
    metrics = sorted(data["metric"].unique(), key=lambda m: (m != "loss", m))
    fig, axes = new_figure((6 * len(metrics) + 2, 4.4), 1, len(metrics), squeeze=False)
    trials = (
        data.groupby("trial_id", sort=False)
        .agg(rank=("rank", "first"), requested=("requested", "first"),
             stopped_early=("stopped_early", "first"), epoch_count=("epoch", "max"))
        .reset_index()
        .sort_values("rank")
    )  # fmt: skip
    colors = dict(zip(trials["trial_id"], COLORS, strict=False))
    for ax, metric in zip(axes[0], metrics, strict=True):
        lines = data[data["metric"] == metric].groupby(["trial_id", "split"], sort=False)
        for (trial_id, split), part in lines:
            style = "-" if split == "train" else "--"
            ax.plot(part["epoch"], part["value"], style, color=colors[trial_id])
            marked = part[part["best"] & (part["split"] == "validation")]
            ax.plot(marked["epoch"], marked["value"], "o", color=colors[trial_id], ms=7)
            stop = part[part["last"] & part["stopped_early"]]
            ax.plot(stop["epoch"], stop["value"], "X", color=colors[trial_id], ms=9, mec="k")
        ax.set(title=f"Learning curves: {metric}", xlabel="epoch (#)", ylabel=metric_label(metric))
        ax.set_xlim(0.5, max(data["requested"].max(), data["epoch"].max()) + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    handles = [
        Line2D([], [], color=colors[t.trial_id], label=_trial_name(t)) for t in trials.itertuples()
    ]
    handles += [
        Line2D([], [], color="gray", ls="-", label="train"),
        Line2D([], [], color="gray", ls="--", label="validation"),
        Line2D([], [], color="gray", marker="o", ls="", label="best epoch (validation)"),
        Line2D([], [], color="gray", marker="X", mec="k", ls="", label="stopped early"),
    ]
    axes[0][-1].legend(handles=handles, fontsize="small", **LEGEND_RIGHT)
    top = "the top trial" if len(trials) == 1 else f"the top {len(trials)} trials"
    fig.suptitle(f"Learning curves of {top}")
    fig.tight_layout()
    return fig


def _trial_name(trial: Any) -> str:
    name = f"#{trial.rank} trial {trial.trial_id}"
    if trial.stopped_early:
        return f"{name} (stopped at {trial.epoch_count}/{trial.requested})"
    return name


# ---- objective against each hyperparameter ------------------------------------------------
