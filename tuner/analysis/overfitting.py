"""Overfitting and the train-validation gap, from the per-epoch histories: overfitting needs
the validation loss to turn upward, by more than its noise, while the training loss falls; a
wide gap with a falling validation curve is stated as a gap. Part of
tuner.analysis.training.diagnose.

Each threshold is a constant with the reason for its value. Never imports Keras.
"""

from __future__ import annotations

import math
from typing import Any

from tuner.analysis.findings import (
    Context,
    Edit,
    Finding,
    each_trial,
    train_validation_gap,
    trial_list,
)
from tuner.analysis.noise import (
    Z95,
    curve_samples,
    epoch_scatter,
    is_proportion,
    proportion_se,
    sampling_se,
)
from tuner.numbers import is_finite_number
from tuner.run.records import TrialRecord
from tuner.text import decimals, difference_text, percent, significant

# Validation loss must end this many epochs past its minimum: one higher epoch is noise, two
# in a row is a trend, and early stopping with patience 2-3 rarely lets a trial show more.
OVERFIT_RISE_EPOCHS = 2
# ... and end this far above its minimum: epoch-to-epoch jitter of a validation loss on a few
# hundred samples is about 1%. On fewer samples the rise must also exceed its noise (see
# ``rise_noise``): a rise within it is no verdict.
OVERFIT_RISE = 0.02
# A train-validation gap above this (maximized objectives, which lie in [0, 1] like accuracy):
# 5 points is more than the noise of a few hundred validation samples (about ±3 points).
GAP_ABSOLUTE = 0.05
# ... and for minimized objectives (losses, errors), relative to the training value: a
# validation loss 25% above the training loss is past what dropout's train-time noise explains.
GAP_RELATIVE = 0.25


# ---- overfitting --------------------------------------------------------------------------


def overfitting(ctx: Context, skip: set[str] | None = None) -> list[Finding]:
    """Overfitting needs the validation curve to turn: loss rising after its minimum, by more
    than its noise, while the training loss falls. A gap alone is stated as a gap (see
    ``gaps``); ``skip``: trials that did not learn (a flat curve at chance has nothing to
    overfit)."""
    samples, left_out = ctx.validation_samples, skip or set()
    hits = [
        (r, text)
        for r in ctx.ranked
        if str(r["trial_id"]) not in left_out and (text := rising(r, curve_samples(r, samples)))
    ]
    if not hits:
        return []
    ids = tuple(str(r["trial_id"]) for r, _ in hits)
    shown = each_trial(hits)
    verb = "overfits" if len(ids) == 1 else "overfit"
    evidence = f"{trial_list(ids).capitalize()} {verb} ({shown})."
    edits = _regularize(ctx)
    added = {"dropout": "add dropout", "l2": "add L2"}.get(edits[0].path[1]) if edits else None
    how = f"{added} (next.yaml tries it)" if added else "raise dropout or L2"
    suggestion = f"Regularize trial {ids[0]} and the like: {how}, or use fewer units."
    if ctx.factory:  # its regularization has names of the user's choosing
        suggestion = f"Regularize trial {ids[0]} and the like, or make the model smaller."
    return [Finding("overfitting", ids, evidence, suggestion, edits)]


def gaps(ctx: Context, overfit: list[Finding], skip: set[str] | None = None) -> list[Finding]:
    """A wide train-validation gap on trials whose validation curve did not turn: a fact to
    watch, not overfitting, and no change to the next search."""
    named = {t for f in overfit for t in f.trials} | (skip or set())
    hits = [
        (r, text)
        for r in ctx.ranked
        if str(r["trial_id"]) not in named and (text := wide_gap(r, ctx.validation_samples))
    ]
    if not hits:
        return []
    ids = tuple(str(r["trial_id"]) for r, _ in hits)
    evidence = (
        f"{trial_list(ids).capitalize()}: {each_trial(hits)}, while validation loss did not rise."
    )
    if ctx.series:
        why = (
            "The validation part of a series is a later stretch of time, so a level gap can come "
            "from the series itself; it is not overfitting while the validation curve falls."
        )
    else:
        why = "Not overfitting while the validation curve falls; regularize if it turns upward."
    return [Finding("gap", ids, evidence, why)]


def rising(record: TrialRecord, samples: int | None = None) -> str:
    """How validation loss rose after its minimum, by more than OVERFIT_RISE and its noise,
    while training loss fell (and, where recorded, training accuracy ended above validation
    accuracy: a model better on validation than on training has not overfit); '' otherwise."""
    train, val = record["history"].get("loss", []), record["history"].get("val_loss", [])
    usable = len(train) == len(val) and all(map(is_finite_number, val))
    if len(val) < OVERFIT_RISE_EPOCHS + 1 or not usable:
        return ""
    low = min(range(len(val)), key=val.__getitem__)
    after, last = len(val) - 1 - low, len(val) - 1
    rise = (val[last] - val[low]) / abs(val[low]) if val[low] else math.inf
    if after < OVERFIT_RISE_EPOCHS or rise < OVERFIT_RISE or not train[last] < train[low]:
        return ""
    noise = rise_noise(val, low, samples)
    if noise is not None and val[last] - val[low] <= noise:
        return ""
    if _better_on_validation(record):
        return ""
    beyond = f", more than its noise (±{significant(noise, 2)} at 95%)" if noise else ""
    return (
        f"val_loss rose {percent(rise)} in the {after} epochs after its minimum at epoch {low + 1} "
        f"({significant(val[low], 3)} → {significant(val[last], 3)}){beyond} while training "
        f"loss fell ({significant(train[low], 3)} → {significant(train[last], 3)})"
    )


def rise_noise(val: list[float], low: int, samples: int | None) -> float | None:
    """The 95% half-width of a difference between two epochs' validation losses: from the
    larger of the loss's sampling noise on ``samples`` validation samples (loss / sqrt(n),
    see tuner.analysis.noise) and the curve's scatter after its minimum; two epochs scored on
    the same samples share part of that noise, so sqrt(2) of it is an upper bound."""
    parts = [epoch_scatter(val, low + 1)]
    if samples:
        parts.append(sampling_se(val[low], "val_loss", samples, maximize=False))
    known = [p for p in parts if p is not None]
    return Z95 * math.sqrt(2) * max(known) if known else None


def _better_on_validation(record: TrialRecord) -> bool:
    """At the last epoch, validation accuracy at or above training accuracy."""
    history = record["history"]
    for key in history:
        if key.startswith("val_") and is_proportion(key) and key.removeprefix("val_") in history:
            train, val = history[key.removeprefix("val_")], history[key]
            if train and val and is_finite_number(train[-1]) and is_finite_number(val[-1]):
                return bool(val[-1] >= train[-1])
    return False


def gap_threshold(validation_samples: int | None) -> float:
    """GAP_ABSOLUTE, or the validation split's own noise when that is larger: the 95% noise of
    an accuracy near 0.5 on n samples, as everywhere in tuner.analysis.noise (0.18 on 24)."""
    if not validation_samples:
        return GAP_ABSOLUTE
    return max(GAP_ABSOLUTE, round(Z95 * proportion_se(0.5, validation_samples), 2))


def wide_gap(record: TrialRecord, validation_samples: int | None = None) -> str:
    """The train-validation gap at the best epoch when above its threshold; '' otherwise."""
    gap = train_validation_gap(record)
    if gap is None:
        return ""
    objective = str(record["objective"])
    if record["direction"] == "max":
        threshold = gap_threshold(validation_samples)
        if gap <= threshold + 1e-9:
            return ""
        noise = "" if threshold == GAP_ABSOLUTE else f", the noise of {validation_samples} samples"
        shown = difference_text(objective, gap, gap)
        return (
            f"training {objective.removeprefix('val_')} {shown} above {objective} at the best "
            f"epoch (threshold {decimals(threshold, 2)}{noise})"
        )
    train = best_train(record)
    if train is None or train == 0 or gap / abs(train) <= GAP_RELATIVE:
        return ""
    score = record["score"]
    if validation_samples and is_finite_number(score):  # a gap within the score's own noise
        own = Z95 * sampling_se(float(score), objective, validation_samples, maximize=False)
        if gap <= own:
            return ""
    return (
        f"{objective} {percent(gap / abs(train))} above the training value at the best epoch "
        f"(threshold {percent(GAP_RELATIVE)})"
    )


def best_train(record: TrialRecord) -> float | None:
    values = record["history"].get(str(record["objective"]).removeprefix("val_"), [])
    epoch = record.get("best_epoch") or 0
    return float(values[epoch - 1]) if 0 < epoch <= len(values) else None


def _regularize(ctx: Context) -> tuple[Edit, ...]:
    """Add dropout when it does not vary, else L2 when it does not; as a range, or for a grid
    search as two values (a range would multiply the grid by 6)."""
    if not ctx.params or ctx.factory:
        return ()
    grid = ctx.algorithm == "grid"
    options: list[tuple[str, Any]] = [
        ("dropout", [0.0, 0.3] if grid else {"min": 0.0, "max": 0.5, "step": 0.1}),
        ("l2", [0.0, 1.0e-4] if grid else {"min": 1.0e-6, "max": 1.0e-3, "sampling": "log"}),
    ]
    for name, spec in options:
        if name in ctx.varying:
            continue
        raw = ctx.raw_space.get(name)
        if isinstance(raw, dict) and "when" in raw:  # keep the condition it was given
            spec = {"values": spec, "when": raw["when"]} if grid else spec | {"when": raw["when"]}
        return (Edit(("space", name), spec),)
    return ()
