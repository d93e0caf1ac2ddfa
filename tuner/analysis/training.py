"""Diagnostics grounded in the per-epoch histories: overfitting, still improving at the last
epoch, diverged (NaN, or loss rising from the start), and failures grouped by what they
share. ``diagnose`` adds the findings about the space (tuner.analysis.space_checks) and orders them.

Each threshold is a constant with the reason for its value. Never imports Keras.
"""

from __future__ import annotations

import math
import re
from typing import Any, cast

from tuner.analysis import evidence
from tuner.analysis.effects import label
from tuner.analysis.findings import Context, Edit, Finding, train_validation_gap, trial_list
from tuner.analysis.noise import (
    Z95,
    curve_samples,
    epoch_scatter,
    is_proportion,
    proportion_se,
    sampling_se,
    trial_se,
)
from tuner.numbers import is_finite_number
from tuner.run.records import COMPLETED, FAILED, TrialRecord
from tuner.text import decimals, difference_text, percent, significant
from tuner.text import value_text as _value

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
# A last epoch that beats every earlier one by more than this (relative) still improves; less is
# the jitter of a validation metric (0.2% is one sample in 500 for accuracy).
IMPROVING_MIN = 0.002
# Raise epochs only when one of the top 3 trials still improves: a slow trial far behind the best
# is no reason to double every trial's budget.
LEADERS = 3
_NON_FINITE = re.compile(r"\b(nan|inf|infinity)\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(\.\d+)?(e[-+]?\d+)?")
ORDER = (
    "did_not_learn",
    "indistinct",
    "diverged",
    "overfitting",
    "gap",
    "still_improving",
    "first_epoch",
    "edge",
    "no_effect",
    "failures",
    "comparison",
)


def diagnose(ctx: Context) -> list[Finding]:
    """Every finding, most urgent kind first; trials named best-ranked first. When no trial
    learned, that comes first and nothing is said about effects (only divergence and
    failures, which are facts about the runs, not effects)."""
    from tuner.analysis import space_checks  # it imports this module's neighbours, not it

    stalled = evidence.did_not_learn(ctx)
    skip = evidence.learning_ids(stalled)
    if stalled and len(skip) == len(ctx.ranked):
        return sorted([*stalled, *diverged(ctx), *failures(ctx)], key=lambda f: ORDER.index(f.kind))
    overfit = overfitting(ctx, skip)
    named = skip | {t for f in overfit for t in f.trials}
    improving = still_improving(ctx, exclude=named)
    found = [*stalled, *diverged(ctx), *overfit, *gaps(ctx, overfit, skip), *improving]
    found += [*first_epoch(ctx), *failures(ctx)]
    blurred = evidence.indistinct(ctx)
    found += blurred if blurred else space_checks.space_findings(ctx, found)
    return sorted(found, key=lambda f: ORDER.index(f.kind))


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
    shown = _each(hits)
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
    evidence = f"{trial_list(ids).capitalize()}: {_each(hits)}, while validation loss did not rise."
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
        noise = Z95 * sampling_se(float(score), objective, validation_samples, maximize=False)
        if gap <= noise:
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


# ---- still improving ----------------------------------------------------------------------


def still_improving(ctx: Context, exclude: set[str] | None = None) -> list[Finding]:
    """Trials best at their last epoch; ``exclude``: trials already found overfitting, so one
    trial never gets both "regularize" and "train longer"."""
    skip = exclude or set()
    hits = [
        (r, gain)
        for r in ctx.ranked
        if str(r["trial_id"]) not in skip and (gain := last_epoch_gain(r)) is not None
    ]
    if not hits:
        return []
    ids = tuple(str(r["trial_id"]) for r, _ in hits)
    record, gain = hits[0]
    values = record["history"][ctx.objective]
    best = " (the best trial)" if ids[0] == str(ctx.ranked[0]["trial_id"]) else ""
    reached = (
        f"{significant(values[-1], 4)} at epoch {len(values)}, {percent(gain, 1)} better than any "
        "earlier epoch"
    )
    if len(ids) == 1:
        evidence = (
            f"Trial {ids[0]}{best} had its best {ctx.objective} at the last epoch without "
            f"stopping early ({reached})."
        )
    else:
        evidence = (
            f"{trial_list(ids).capitalize()} had their best {ctx.objective} at the last epoch "
            f"without stopping early: trial {ids[0]}{best} reached {reached}."
        )
    leaders = {str(r["trial_id"]) for r in ctx.ranked[:LEADERS]}
    if not leaders & set(ids):
        suggestion = (
            f"None of the top {LEADERS} is among them: more epochs would mostly help trials far "
            "behind, so epochs stay as they are."
        )
        return [Finding("still_improving", ids, evidence, suggestion)]
    samples = ctx.validation_samples
    noises = [_last_gain_noise(r, samples) for r, _ in hits if str(r["trial_id"]) in leaders]
    if all(n is not None and n >= 0 for n in noises):
        suggestion = (
            f"Among the top {LEADERS}, the last epoch's gain is within the noise of "
            f"{_samples_text(samples)} (±{significant(noises[0], 2)} at 95%), so it is no "
            "evidence that more epochs would help: epochs stay as they are."
        )
        return [Finding("still_improving", ids, evidence, suggestion)]
    if ctx.epochs is None:
        return [Finding("still_improving", ids, evidence, "Raise search.epochs.")]
    more = ctx.epochs * 2
    suggestion = (
        f"Raise search.epochs from {ctx.epochs} to {more}; early stopping ends the trials "
        "that stop improving."
    )
    return [
        Finding("still_improving", ids, evidence, suggestion, (Edit(("search", "epochs"), more),))
    ]


def _last_gain_noise(record: TrialRecord, samples: int | None) -> float | None:
    """The 95% noise of the last epoch's gain over the best earlier one (two scores of one
    trial: at most sqrt(2) times one score's noise), negative when the gain exceeds it; None
    when the noise is unknown."""
    se = trial_se(record, curve_samples(record, samples))
    values = record["history"].get(str(record["objective"]), [])
    if se is None or len(values) < 2:
        return None
    earlier = max(values[:-1]) if record["direction"] == "max" else min(values[:-1])
    noise = Z95 * math.sqrt(2) * se
    return -noise if abs(values[-1] - earlier) > noise else noise


def _samples_text(samples: int | None) -> str:
    return f"{samples} validation samples" if samples else "the curves' scatter"


def first_epoch(ctx: Context) -> list[Finding]:
    """Top trials whose checkpoint is their first epoch, though they trained for more: the
    model they keep saw the data once, and no later epoch beat it on validation."""
    hits = [
        r
        for r in ctx.ranked[:LEADERS]
        if r.get("best_epoch") == 1 and (r.get("epochs_run") or 0) >= 2
    ]
    if not hits:
        return []
    ids = tuple(str(r["trial_id"]) for r in hits)
    runs = ", ".join(f"trial {r['trial_id']}: epoch 1 of {r['epochs_run']}" for r in hits)
    best = " (the best trial)" if ids[0] == str(ctx.ranked[0]["trial_id"]) else ""
    whose = "its" if len(ids) == 1 else "their"
    evidence = (
        f"{trial_list(ids).capitalize()}{best if len(ids) == 1 else ''} kept {whose} first "
        f"epoch's weights ({runs}): no later epoch had a better {ctx.objective}."
    )
    suggestion = (
        "A model that peaks after one pass learned little after it: the learning rate may be "
        "too high, or the validation split too small to show later gains. Look at the curves "
        "before trusting this score."
    )
    return [Finding("first_epoch", ids, evidence, suggestion)]


def last_epoch_gain(record: TrialRecord) -> float | None:
    """The last epoch's relative gain over every earlier one, if it is the best and above
    IMPROVING_MIN and the trial ran all its epochs; else None."""
    values = record["history"].get(str(record["objective"]), [])
    if len(values) < 2 or record.get("stopped_early") or not all(map(is_finite_number, values)):
        return None
    earlier = max(values[:-1]) if record["direction"] == "max" else min(values[:-1])
    gain = values[-1] - earlier if record["direction"] == "max" else earlier - values[-1]
    relative = gain / abs(earlier) if earlier else math.inf
    return relative if relative > IMPROVING_MIN else None


# ---- diverged -----------------------------------------------------------------------------


def diverged(ctx: Context) -> list[Finding]:
    bad = [(r, why) for r in ctx.records if (why := divergence(r))]
    if not bad:
        return []
    order = {str(r["trial_id"]): i for i, r in enumerate(ctx.ranked)}
    bad.sort(key=lambda item: order.get(str(item[0]["trial_id"]), len(order)))
    ids = tuple(str(r["trial_id"]) for r, _ in bad)
    shown = _each(bad)
    rates = [r["hyperparameters"].get("learning_rate") for r, _ in bad]
    healthy = [
        r["hyperparameters"].get("learning_rate")
        for r in ctx.ranked
        if str(r["trial_id"]) not in ids
    ]
    where = _where(ctx, [r for r, _ in bad], rates)
    evidence = f"{trial_list(ids).capitalize()} diverged ({shown}){where}."
    suggestion, edits = _lower_rate(ctx, rates, healthy)
    return [Finding("diverged", ids, evidence, suggestion, edits, "learning_rate")]


def divergence(record: TrialRecord) -> str:
    """Why a trial counts as diverged: a NaN/inf loss or a loss that rose from the start."""
    if record["status"] == FAILED:
        error = first_line(record)
        return error if _NON_FINITE.search(error) else ""
    if record["status"] != COMPLETED:
        return ""
    loss = record["history"].get("loss", [])
    for epoch, value in enumerate(loss, start=1):
        if not is_finite_number(value):
            return f"loss became {value} at epoch {epoch}"
    if len(loss) >= 2 and loss[1] > loss[0] and loss[-1] >= loss[0]:
        return (
            f"training loss rose from {significant(loss[0], 3)} to {significant(max(loss), 3)} "
            "and never fell below its start"
        )
    return ""


def _where(ctx: Context, bad: list[TrialRecord], rates: list[Any]) -> str:
    known = [r for r in rates if is_finite_number(r)]
    if not known:
        return ""
    span = _value("learning_rate", min(known))
    if max(known) != min(known):
        span += f"–{_value('learning_rate', max(known))}"
    text = f" at learning_rate {span}"
    if "optimizer" in ctx.varying:
        names = sorted({str(r["hyperparameters"].get("optimizer")) for r in bad})
        text += f" with optimizer {', '.join(names)}"
    return text


def _lower_rate(ctx: Context, rates: list[Any], healthy: list[Any]) -> tuple[str, tuple[Edit, ...]]:
    """Lower the learning rate's top when every diverged rate lies above every healthy one."""
    bad = [r for r in rates if is_finite_number(r)]
    good = [r for r in healthy if is_finite_number(r)]
    if not bad:
        return "Lower the learning rate or add clipnorm.", ()
    if not good:
        return (
            f"The learning rate is too high: try rates below {_value('learning_rate', min(bad))}.",
            (),
        )
    if min(bad) <= max(good):
        return (
            f"The learning rate is too high for these trials; others trained at "
            f"{_value('learning_rate', max(good))} or more with other settings, so lower it for "
            "these settings or add clipnorm.",
            (),
        )
    cap = _value("learning_rate", max(good))
    text = f"The learning rate is too high above {cap}, the largest that trained: cap it there."
    param = ctx.params.get("learning_rate")
    raw = ctx.raw_space.get("learning_rate")
    if param is None or param.kind not in ("float", "choice") or raw is None:
        return text, ()
    if param.kind == "float":
        return text, (Edit(("space", "learning_rate", "max"), float(max(good))),)
    kept = [v for v in param.values if v < min(bad)]
    path = (
        ("space", "learning_rate", "values")
        if isinstance(raw, dict)
        else ("space", "learning_rate")
    )
    return text, (Edit(path, kept),) if kept else ()


# ---- failures -----------------------------------------------------------------------------


def failures(ctx: Context) -> list[Finding]:
    """Failed trials grouped by the first line of their error (numbers aside: "nan at epoch 2"
    and "nan at epoch 3" are one group), with the hyperparameter values each group shares."""
    groups: dict[str, list[TrialRecord]] = {}
    for record in ctx.records:
        if record["status"] == FAILED:
            groups.setdefault(_NUMBER.sub("N", first_line(record)), []).append(record)
    found = []
    for group in groups.values():
        ids = tuple(str(r["trial_id"]) for r in group)
        shared = _shared(ctx, group)
        common = f"; all had {shared}" if shared else ""
        like = "errors like " if len({first_line(r) for r in group}) > 1 else ""
        n = len(ids)
        evidence = (
            f"{n} trial{'s' if n > 1 else ''} failed with {like}“{first_line(group[0])}” "
            f"({trial_list(ids)}){common}."
        )
        found.append(Finding("failures", ids, evidence))
    return found


def first_line(record: TrialRecord) -> str:
    lines = str(record.get("error") or "").strip().splitlines()
    return lines[0] if lines else "no error recorded"


def _shared(ctx: Context, group: list[TrialRecord]) -> str:
    """The varying values every trial of the group has (a span for numbers), as text."""
    parts = []
    for name in ctx.varying:
        values = [r["hyperparameters"].get(name) for r in group]
        if any(v is None for v in values):
            continue
        param = ctx.params.get(name)
        if len({label(v) for v in values}) == 1:
            parts.append(f"{name} {_value(name, values[0], param)}")
        elif len(group) > 1 and all(is_finite_number(v) for v in values):
            numbers = cast(list[float], values)
            low, high = _value(name, min(numbers), param), _value(name, max(numbers), param)
            parts.append(f"{name} {low}–{high}")
    return ", ".join(parts)


def _each(hits: list[tuple[TrialRecord, str]]) -> str:
    """The evidence of up to three trials, each named unless there is only one."""
    if len(hits) == 1:
        return hits[0][1]
    return "; ".join(f"trial {r['trial_id']}: {text}" for r, text in hits[:3])
