"""Findings about the space: a best value on the edge of its range (widen it), a parameter
with no measurable effect (fix it), and the practice's comparisons (tanh against softsign,
optimizer against optimizer) when the space has them. Never imports Keras.
"""

from __future__ import annotations

import math
from typing import Any, cast

import pandas as pd

from tuner.analysis.comparisons import compare
from tuner.analysis.effects import value_effects
from tuner.analysis.findings import Context, Edit, Finding
from tuner.analysis.noise import basis, folds_of, means_floor
from tuner.analysis.stats import difference_interval
from tuner.config.space import Param
from tuner.config.tunables import TUNABLES
from tuner.numbers import is_finite_number
from tuner.run.records import TrialRecord, score_of
from tuner.text import percent, percent_against, score_text, significant, value_text

# A best value in the outer 10% of its range (on the log scale for log ranges) is "on the edge":
# narrower flags a best that merely sits near a bound by chance of the draw.
EDGE_FRACTION = 0.1
# Fewer completed trials than this and the best is best by the luck of the first draws.
MIN_TRIALS_EDGE = 4
# A parameter carrying under 5% of the forest's importance has no measurable effect: at these
# trial counts shares below that move with the forest's seed.
NO_EFFECT_SHARE = 0.05
# A forest fitted to a few dozen trials that a Bayesian oracle picked (so parameters move
# together) can hand a parameter's effect to another one. A parameter whose per-value means
# (values tried at least twice) spread over more than this share of all scores' range visibly
# matters, whatever the importance says: it is not called "no effect".
NO_EFFECT_MAX_MEAN_SPREAD = 0.15
PRACTICE = ("activation", "optimizer", "cell")  # the comparisons the practice asks for
# Where 0 means a different model (layers: 0, no recurrent layer; conv_filters: 0, no front
# end), a widened range stops at 1: the user opts into that model, the report does not.
WIDEN_FLOOR = {"layers": 1, "conv_filters": 1}


def space_findings(ctx: Context, earlier: list[Finding]) -> list[Finding]:
    """No-effect, edge (except where another finding already changes that bound) and comparisons."""
    idle = no_effect(ctx)
    taken = {e.path[:2] for f in [*earlier, *idle] for e in f.edits}
    edge = [f for f in edges(ctx) if not any(e.path[:2] in taken for e in f.edits)]
    return [*idle, *edge, *comparisons(ctx)]


# ---- best on the edge ---------------------------------------------------------------------


def edges(ctx: Context) -> list[Finding]:
    top = ctx.ranked
    if len(top) < MIN_TRIALS_EDGE or not ctx.params:
        return []
    found = []
    for name in ctx.varying:
        param, value = ctx.params.get(name), top[0]["hyperparameters"].get(name)
        tried = {repr(r["hyperparameters"].get(name)) for r in top} - {"None"}
        if param is None or not is_finite_number(value) or len(tried) < 2:
            continue
        if param.kind in ("int", "float"):
            finding = _range_edge(ctx, param, float(cast(float, value)), top)
        elif param.kind == "choice" and all(is_finite_number(v) for v in param.values):
            finding = _choice_edge(ctx, param, value, top)
        else:
            continue
        found += [finding] if finding else []
    return found


def position(param: Param, value: float) -> float:
    """Where ``value`` lies in the range, 0 at min and 1 at max (log scale for log ranges)."""
    low, high, x = param.min, param.max, value
    if param.sampling != "linear" and low > 0 and x > 0:
        low, high, x = math.log(low), math.log(high), math.log(x)
    return (x - low) / (high - low) if high > low else 0.5


def _range_edge(ctx: Context, param: Param, value: float, top: list[TrialRecord]) -> Finding | None:
    where = position(param, value)
    side = "max" if where >= 1 - EDGE_FRACTION else "min" if where <= EDGE_FRACTION else ""
    if not side:
        return None
    name, best = param.name, str(top[0]["trial_id"])
    half_side = [r for r in top if _half(param, r["hyperparameters"].get(name)) == side]
    rest = [r for r in top if _half(param, r["hyperparameters"].get(name)) not in ("", side)]
    part_name = "upper" if side == "max" else "lower"
    trend = _beats(ctx, half_side, rest, f"the {part_name} half of the range", "the other half")
    if not trend:
        return None
    near = [r for r in top[:3] if _on_side(param, r["hyperparameters"].get(name), side)]
    bounds = f"[{value_text(name, param.min, param)}, {value_text(name, param.max, param)}]"
    scale = " on a log scale" if param.sampling != "linear" else ""
    part = "top" if side == "max" else "bottom"
    evidence = (
        f"The best trial {best} has {name} {value_text(name, value, param)}, in the {part} "
        f"{percent(EDGE_FRACTION)} of its range {bounds}{scale} ({len(near)} of the top "
        f"{min(3, len(top))} trials are); {trend}."
    )
    new = widened(param, side)
    if new is None:
        return Finding(
            "edge", (best,), evidence, f"{name} is already at its limit there.", param=name
        )
    old = param.max if side == "max" else param.min
    way = "upward" if side == "max" else "downward"
    suggestion = (
        f"Widen it {way}: {side} {value_text(name, old, param)} → {value_text(name, new, param)}."
    )
    return Finding("edge", (best,), evidence, suggestion, (Edit(("space", name, side), new),), name)


def _half(param: Param, value: Any) -> str:
    """'max' or 'min': the half of the range a value lies in; '' for no value."""
    if not is_finite_number(value):
        return ""
    return "max" if position(param, float(value)) >= 0.5 else "min"


def _beats(
    ctx: Context, side: list[TrialRecord], other: list[TrialRecord], name: str, other_name: str
) -> str:
    """How ``side``'s trials beat ``other``'s, when by more than the noise: the larger of the
    spread between trials (Welch) and the scores' own noise (tuner.analysis.noise); '' when
    they do not, when either has fewer than two trials, or when the scores are identical and
    their own noise is unknown (no interval of ±0)."""
    sign = 1.0 if ctx.maximize else -1.0
    found = difference_interval(
        [sign * score_of(r) for r in side], [sign * score_of(r) for r in other]
    )
    if found is None:
        return ""
    diff, spread = found
    floor = means_floor(side, other, ctx.validation_samples)
    half = max(spread, floor or 0.0)
    if half == 0 or diff <= half:
        return ""
    mean = significant(sum(score_of(r) for r in side) / len(side), 3)
    mean_other = significant(sum(score_of(r) for r in other) / len(other), 3)
    return (
        f"{name} averaged {mean} over {len(side)} trials against {mean_other} over "
        f"{len(other)} for {other_name}, more than the noise (±{significant(half, 2)} at 95%, "
        f"{noise_source(ctx, spread, floor)})"
    )


def noise_source(ctx: Context, spread: float, floor: float | None) -> str:
    """Which noise set a 95% half-width: the spread between trials or the scores' own."""
    if floor is not None and floor >= spread:
        source = basis(ctx.validation_samples, ctx.objective, ctx.maximize, folds_of(ctx.ranked))
        return f"the scores' own noise: {source}"
    if ctx.validation_samples:
        return "the spread between trials, larger than the scores' own noise"
    return "the spread between trials; run.json gives no validation sample count"


def _on_side(param: Param, value: Any, side: str) -> bool:
    if not is_finite_number(value):
        return False
    where = position(param, float(value))
    return where >= 1 - EDGE_FRACTION if side == "max" else where <= EDGE_FRACTION


def widened(param: Param, side: str) -> float | int | None:
    """The bound moved outward by half the range, or on a log scale by a quarter of its decades
    (a factor 3 to 10), within what the tunable accepts; None when it cannot move."""
    low, high = param.min, param.max
    if param.sampling != "linear" and low > 0:
        factor = min(10.0, max(3.0, (high / low) ** 0.25))
        new = high * factor if side == "max" else low / factor
    else:
        delta = max((high - low) / 2, param.step or 0, 1 if param.kind == "int" else 0)
        if param.step and param.sampling == "linear":
            delta = math.ceil(delta / param.step - 1e-9) * param.step
        new = high + delta if side == "max" else low - delta
    new = _clip(param.name, new)
    new = (
        (math.ceil(new) if side == "max" else math.floor(new))
        if param.kind == "int"
        else _round(new)
    )
    if param.kind == "int":
        new = int(_clip(param.name, new))
    moved = new > high if side == "max" else new < low
    return new if moved else None


def _clip(name: str, value: float) -> float:
    tunable = TUNABLES.get(name)
    if tunable is None:  # a model factory's own parameter: no known bounds
        return value
    if tunable.low is not None:
        value = max(value, tunable.low, WIDEN_FLOOR.get(name, tunable.low))
    if tunable.high is not None:
        value = min(value, tunable.high - 1e-3 if tunable.high_open else tunable.high)
    return value


def _round(value: float) -> float:
    return float(significant(value, 3))


def _choice_edge(ctx: Context, param: Param, value: Any, top: list[TrialRecord]) -> Finding | None:
    ordered = sorted(param.values)
    if len(ordered) < 2 or value not in (ordered[0], ordered[-1]):
        return None
    side = "largest" if value == ordered[-1] else "smallest"
    a, b = (ordered[-2], ordered[-1]) if side == "largest" else (ordered[1], ordered[0])
    geometric = (
        a > 0 and b > 0 and (b / a).is_integer()
        if side == "largest"
        else a > 0 and b > 0 and (a / b).is_integer()
    )
    new = (b * b / a) if geometric else (2 * b - a)
    new = _clip(param.name, new)
    new = int(round(new)) if isinstance(value, int) else _round(new)
    name, best = param.name, str(top[0]["trial_id"])
    at_edge = [r for r in top if r["hyperparameters"].get(name) == value]
    neighbour = [r for r in top if r["hyperparameters"].get(name) == a]
    shown = value_text(name, a, param)
    trend = _beats(ctx, at_edge, neighbour, f"{name} {value_text(name, value, param)}", shown)
    if not trend:
        return None  # with two values any best is on an edge: only a clear win says "go further"
    evidence = (
        f"The best trial {best} has {name} {value_text(name, value, param)}, the {side} of "
        f"{list(param.values)}; {trend}."
    )
    if new in param.values or (new >= b if side == "smallest" else new <= b):
        return Finding(
            "edge", (best,), evidence, f"{name} is already at its limit there.", param=name
        )
    values = [*param.values, new] if side == "largest" else [new, *param.values]
    raw = ctx.raw_space.get(name)
    path = ("space", name, "values") if isinstance(raw, dict) else ("space", name)
    suggestion = f"Try beyond it: add {value_text(name, new, param)}."
    return Finding("edge", (best,), evidence, suggestion, (Edit(path, values),), name)


# ---- no measurable effect -----------------------------------------------------------------


def no_effect(ctx: Context) -> list[Finding]:
    importance = ctx.importance
    if importance is None or not importance.shown or not ctx.ranked:
        return []
    best = ctx.ranked[0]
    found = []
    for name in ctx.varying:
        share = importance.share(name)
        value = best["hyperparameters"].get(name)
        if share is None or share >= NO_EFFECT_SHARE or value is None:
            continue
        param = ctx.params.get(name)
        effects = value_effects(ctx.records, name)
        if _means_differ(effects, ctx):
            continue
        means = ", ".join(
            f"{row.label} {score_text(ctx.objective, row.mean)} ({row.trials})"
            for row in effects.head(4).itertuples()
        )
        evidence = (
            f"{name} carried {percent_against(share, NO_EFFECT_SHARE)} of the importance over "
            f"{importance.trials} trials, under the {percent(NO_EFFECT_SHARE)} below which a "
            f"share moves with the forest's seed (mean {ctx.objective} per value, trials in "
            f"brackets: {means})."
        )
        fixed = _round(value) if isinstance(value, float) else value
        suggestion = (
            f"Fix it at {value_text(name, fixed, param)} (the best trial's value) and spend the "
            "trials on the rest."
        )
        raw = ctx.raw_space.get(name)
        spec = (
            {"value": fixed, "when": raw["when"]}
            if isinstance(raw, dict) and "when" in raw
            else fixed
        )
        edits = (Edit(("space", name), spec),) if param is not None else ()
        found.append(
            Finding(
                "no_effect", tuple(effects["trial_ids"].sum()), evidence, suggestion, edits, name
            )
        )
    return found


def _means_differ(effects: pd.DataFrame, ctx: Context) -> bool:
    """Per-value means (values tried at least twice) that spread over more than
    NO_EFFECT_MAX_MEAN_SPREAD of the scores' range, or whose highest and lowest differ by more
    than the scores' own noise: an effect was measured, so it is not "no effect"."""
    repeated = effects[effects["trials"] >= 2]
    scores = [score_of(r) for r in ctx.ranked]
    span = max(scores) - min(scores)
    if len(repeated) < 2 or span <= 0:
        return False
    spread = repeated["mean"].max() - repeated["mean"].min()
    if spread > NO_EFFECT_MAX_MEAN_SPREAD * span:
        return True
    ids = {str(r["trial_id"]): r for r in ctx.ranked}
    top, bottom = repeated.loc[repeated["mean"].idxmax()], repeated.loc[repeated["mean"].idxmin()]
    floor = means_floor(
        [ids[t] for t in top["trial_ids"] if t in ids],
        [ids[t] for t in bottom["trial_ids"] if t in ids],
        ctx.validation_samples,
    )
    return floor is not None and spread > floor


# ---- the practice's comparisons -----------------------------------------------------------


def comparisons(ctx: Context) -> list[Finding]:
    """The practice's comparisons, one finding each; parameters that moved together get one
    finding between them, not one verdict each."""
    found: list[Finding] = []
    said: set[str] = set()
    for name in PRACTICE:
        effects = value_effects(ctx.records, name)
        if name not in ctx.varying or len(effects) < 2 or name in said:
            continue
        result = compare(
            ctx.records, name, ctx.varying, ctx.params, ctx.objective, ctx.validation_samples
        )
        if result is None:
            continue
        said |= {name, *result.together_with}
        parts = []
        for row in effects.itertuples():
            speed = (
                ""
                if math.isnan(row.seconds_per_epoch)
                else f", {significant(row.seconds_per_epoch, 2)} s/epoch"
            )
            parts.append(
                f"{row.label} mean {significant(row.mean, 3)} over {_trials(row.trials)}{speed}"
            )
        evidence = f"{name}: {'; '.join(parts)}."
        found.append(Finding("comparison", result.first_ids, evidence, result.sentence, param=name))
    return found


def _trials(n: int) -> str:
    return "1 trial" if n == 1 else f"{n} trials"
