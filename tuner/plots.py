"""The report's figures. Compute, then draw: each ``*_data`` function returns the figure's
data as a DataFrame, each ``draw_*`` function turns such a frame into a matplotlib figure,
and ``to_png`` renders and closes it.

Reads trial records only (see tuner.records); never imports Keras.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

import matplotlib
import pandas as pd

from tuner.records import COMPLETED
from tuner.space import Param

matplotlib.use("Agg")  # files only: no display, and no GUI toolkit to import

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import MaxNLocator, NullFormatter  # noqa: E402

MAX_CURVES = 5  # more learning curves than this in one panel cannot be told apart
_SPREAD = (0.0, 0.06, -0.06, 0.12, -0.12, 0.18, -0.18)  # x offsets of points sharing a choice
_COLORS = [f"C{i}" for i in range(10)]  # the default cycle: a color per trial
_UNITS = {  # what a metric's number means, for axis labels; matched on the name without val_
    "accuracy": "fraction correct",
    "auc": "area under the ROC curve",
    "mae": "target units",
    "rmse": "target units",
    "mse": "target units²",
    "loss": "per sample; lower is better",
}


def metric_label(name: str) -> str:
    """An axis label with the metric's unit: 'val_accuracy (fraction correct)'."""
    unit = _UNITS.get(name.removeprefix("val_"))
    return f"{name} ({unit})" if unit else name


@dataclass(frozen=True)
class Axis:
    """How to lay out one hyperparameter: ``scale`` is linear | log | category."""

    name: str
    scale: str
    categories: tuple[Any, ...] = ()
    bounds: tuple[float, float] | None = None  # a range's min and max, drawn as the x limits


def scored(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Completed trials with a finite score, in finishing order."""
    return [r for r in records if r["status"] == COMPLETED and _finite(r["score"])]


# ---- optimization history ---------------------------------------------------------------


def history_data(records: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per scored trial in finishing order, with the best score so far."""
    done = scored(records)
    rows = [{"number": r["number"], "trial_id": r["trial_id"], "score": r["score"]} for r in done]
    data = pd.DataFrame(rows, columns=["number", "trial_id", "score"]).astype({"score": float})
    maximize = bool(done) and done[0]["direction"] == "max"
    data["best_so_far"] = data["score"].cummax() if maximize else data["score"].cummin()
    return data


def draw_history(data: pd.DataFrame, objective: str) -> Figure:
    """Each trial's score, the best-so-far staircase, and a star on the best trial."""
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(data["number"], data["score"], "o", color=_COLORS[0], alpha=0.7, label="trial")
    ax.step(
        data["number"], data["best_so_far"], where="post", color=_COLORS[1], label="best so far"
    )
    best = data[data["score"] == data["best_so_far"].iloc[-1]].iloc[0]
    ax.plot(
        best["number"],
        best["score"],
        "*",
        ms=14,
        color=_COLORS[3],
        label=f"best: trial {best['trial_id']}, finished #{best['number']} ({best['score']:.4g})",
    )
    ax.set(
        title=f"Optimization history: {objective} per trial",
        xlabel="trials in finishing order (#)",
        ylabel=metric_label(objective),
    )
    ax.legend(loc="best")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    return fig


# ---- learning curves ----------------------------------------------------------------------


def curves_data(top: list[dict[str, Any]]) -> pd.DataFrame:
    """Per-epoch values of the top trials: one row per trial, metric, split and epoch; ``last``
    marks a trial's last epoch, ``requested`` the epochs it was given (more: it stopped early)."""
    rows = []
    for rank, record in enumerate(top[:MAX_CURVES], start=1):
        requested = record.get("epochs_requested") or record.get("epochs_run") or 0
        early = bool(record.get("stopped_early"))
        for name, values in record["history"].items():
            validation = name.startswith("val_")
            metric = name[4:] if validation else name
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
    fig, axes = plt.subplots(1, len(metrics), figsize=(6 * len(metrics), 4.4), squeeze=False)
    trials = (
        data.groupby("trial_id", sort=False)
        .agg(rank=("rank", "first"), requested=("requested", "first"),
             stopped_early=("stopped_early", "first"), epoch_count=("epoch", "max"))
        .reset_index()
        .sort_values("rank")
    )  # fmt: skip
    colors = dict(zip(trials["trial_id"], _COLORS, strict=False))
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
    axes[0][-1].legend(handles=handles, loc="best", fontsize="small")
    fig.suptitle(f"Learning curves of the top {len(trials)} trials")
    fig.tight_layout()
    return fig


def _trial_name(trial: Any) -> str:
    name = f"#{trial.rank} trial {trial.trial_id}"
    if trial.stopped_early:
        return f"{name} (stopped at {trial.epoch_count}/{trial.requested})"
    return name


# ---- objective against each hyperparameter ------------------------------------------------


def axis_for(name: str, param: Param | None, values: list[Any]) -> Axis:
    """Log for log-sampled ranges, categories for choices (or non-numbers), else linear."""
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    if (param is not None and param.kind == "choice") or not numeric:
        declared = param.values if param is not None and param.kind == "choice" else ()
        seen = sorted({_label(v): v for v in values}.values(), key=_label)
        extra = [v for v in seen if _label(v) not in {_label(d) for d in declared}]
        return Axis(name, "category", (*declared, *extra))
    scale = "log" if param is not None and param.sampling == "log" else "linear"
    bounds = None
    if param is not None and param.kind in ("int", "float"):
        bounds = (param.min, param.max)
    return Axis(name, scale, bounds=bounds)


def param_data(records: list[dict[str, Any]], name: str) -> pd.DataFrame:
    """The value of one hyperparameter and the score of each scored trial that has it."""
    rows = [
        {"trial_id": r["trial_id"], "value": r["hyperparameters"][name], "score": r["score"]}
        for r in scored(records)
        if r["hyperparameters"].get(name) is not None  # absent while its `when` is false
    ]
    return pd.DataFrame(rows, columns=["trial_id", "value", "score"])


def category_means(data: pd.DataFrame, axis: Axis) -> pd.DataFrame:
    """Per choice (in declared order): its position on the x axis, trial count and mean score."""
    labels = data["value"].map(_label)
    rows = []
    for position, value in enumerate(axis.categories):
        scores = data["score"][labels == _label(value)]
        mean = scores.mean() if len(scores) else math.nan
        rows.append({"position": position, "value": value, "trials": len(scores), "mean": mean})
    return pd.DataFrame(rows, columns=["position", "value", "trials", "mean"])


def draw_param(data: pd.DataFrame, axis: Axis, objective: str, best_trial: str) -> Figure:
    """Objective against one hyperparameter: a scatter, or points grouped per choice."""
    fig, ax = plt.subplots(figsize=(6, 4))
    if axis.scale == "category":
        groups = category_means(data, axis)
        x = _category_positions(data, groups)
        ax.hlines(
            groups["mean"],
            groups["position"] - 0.3,
            groups["position"] + 0.3,
            color=_COLORS[1],
            label="mean per value",
        )
        ax.set_xticks(groups["position"], [_label(v) for v in groups["value"]])
        ax.set_xlim(-0.5, len(groups) - 0.5)
    else:
        x = data["value"].astype(float)
        ax.set_xscale(axis.scale)
        if axis.bounds is not None:  # the whole declared range: a best on its edge stands out
            ax.set_xlim(*_padded(axis.bounds, axis.scale))
        if axis.scale == "log":  # minor labels collide on ranges shorter than a decade
            ax.xaxis.set_minor_formatter(NullFormatter())
    ax.plot(x, data["score"], "o", color=_COLORS[0], alpha=0.7, label="trial")
    best = data["trial_id"] == best_trial
    ax.plot(
        x[best],
        data["score"][best],
        "*",
        ms=14,
        color=_COLORS[3],
        label=f"best: trial {best_trial}",
    )
    scale_note = " (log scale)" if axis.scale == "log" else ""
    ax.set(
        title=f"{objective} against {axis.name}",
        ylabel=metric_label(objective),
        xlabel=f"{axis.name}{scale_note}",
    )
    ax.legend(loc="best", fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def _padded(bounds: tuple[float, float], scale: str) -> tuple[float, float]:
    low, high = bounds
    if scale == "log":
        return low / 1.2, high * 1.2
    margin = (high - low) * 0.05 or 0.5
    return low - margin, high + margin


def _category_positions(data: pd.DataFrame, groups: pd.DataFrame) -> pd.Series:
    """Each trial's x: its choice's position, spread a little so equal scores stay visible."""
    position = dict(zip(groups["value"].map(_label), groups["position"], strict=True))
    base = data["value"].map(lambda v: position.get(_label(v), math.nan))
    spread = data.groupby(base).cumcount().map(lambda n: _SPREAD[n % len(_SPREAD)])
    return base + spread


def _label(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


# ---- rendering ----------------------------------------------------------------------------


def to_png(fig: Figure) -> bytes:
    """The figure as PNG bytes; the figure is closed so a long report does not hoard memory."""
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    finally:
        plt.close(fig)
    return buffer.getvalue()


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
