"""Diagnostics grounded in the per-epoch histories: still improving at the last epoch,
diverged (NaN, or loss rising from the start), and failures grouped by what they share, with
overfitting and gaps (tuner.analysis.overfitting), did not learn and trials within the noise
(tuner.analysis.evidence). ``diagnose`` adds the findings about the space
(tuner.analysis.space_checks) and orders them.

Each threshold is a constant with the reason for its value. Never imports Keras.
"""

from __future__ import annotations

import math
import re
from typing import Any, cast

from tuner.analysis import evidence
from tuner.analysis.effects import label
from tuner.analysis.findings import Context, Edit, Finding, each_trial, trial_list
from tuner.analysis.noise import Z95, curve_samples, trial_se
from tuner.analysis.overfitting import gaps, overfitting
from tuner.numbers import is_finite_number
from tuner.run.records import COMPLETED, FAILED, TrialRecord
from tuner.text import percent, significant
from tuner.text import value_text as _value

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
    found += [*first_epoch(ctx, skip), *failures(ctx)]
    blurred = evidence.indistinct(ctx)
    found += blurred if blurred else space_checks.space_findings(ctx, found)
    return sorted(found, key=lambda f: ORDER.index(f.kind))


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
    led = [r for r, _ in hits if str(r["trial_id"]) in leaders]
    noises = [_last_gain_noise(r, samples) for r in led]
    within = [n for n in noises if n is not None and n >= 0]
    if len(within) == len(noises):
        # A curve is one fold's (search.cv): its noise is that of the fold's samples.
        curve = curve_samples(led[0], samples)
        fold = " (one fold's)" if curve != samples else ""
        suggestion = (
            f"Among the top {LEADERS}, the last epoch's gain is within the noise of "
            f"{_samples_text(curve)}{fold} (±{significant(within[0], 2)} at 95%), so it is no "
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


def first_epoch(ctx: Context, skip: set[str] | None = None) -> list[Finding]:
    """Top trials whose checkpoint is their first epoch, though they trained for more: the
    model they keep saw the data once, and no later epoch beat it on validation. ``skip``:
    trials that did not learn (said as such)."""
    hits = [
        r
        for r in ctx.ranked[:LEADERS]
        if r.get("best_epoch") == 1
        and (r.get("epochs_run") or 0) >= 2
        and str(r["trial_id"]) not in (skip or set())
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
    shown = each_trial(bad)
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
