"""What a run's trials can tell at all, asked before any finding about effects: did a trial
learn anything (its loss left the chance level), and do the trials' scores differ by more
than one score's noise (tuner.analysis.noise)? Never imports Keras.

Chance is the loss of a model that knows nothing: categorical cross-entropy of a uniform
guess over k classes is ln k (ln 2 for two classes, one sigmoid output or two softmax ones).
A multilabel run's binary cross-entropy per label has chance ln 2 whatever k is; its loss
lies below ln k for k > 2, so the test below never fires on it (run.json does not say which
kind of labels a run had).
"""

from __future__ import annotations

import math

from tuner.analysis.findings import Context, Edit, Finding, trial_list
from tuner.analysis.noise import (
    Z95,
    basis,
    cannot_separate,
    curve_samples,
    difference_floor,
    folds_of,
    is_proportion,
    proportion_se,
    remedy,
    trial_se,
)
from tuner.numbers import is_finite_number
from tuner.run.records import TrialRecord, score_of
from tuner.text import decimals, percent, score_text, significant

# A loss within 5% of ln k at every epoch is at chance: a model that predicts close to the
# class shares sits there, and one that learned anything that generalizes gets below it (a
# correct answer at probability 0.6 over two classes already costs 0.51, 26% below ln 2).
CHANCE_BAND = 0.05
LEARN_REMEDIES = (
    "Try a higher learning rate (widen space.learning_rate upward), more epochs "
    "(search.epochs), and for long sequences a convolutional front end that shortens them "
    "before the recurrent layers (space.conv_filters, space.conv_kernel, space.conv_stride) or "
    "pooling over time instead of the last state (space.pooling), with or without the "
    "recurrent layers (space.layers from 0)."
)
LOSSES = (("val_loss", "validation loss"), ("loss", "training loss"))


def chance_loss(classes: int) -> float:
    """The cross-entropy of a uniform guess over ``classes`` classes: ln k."""
    return math.log(classes)


def accuracy_key(record: TrialRecord) -> str | None:
    """The history's validation accuracy-like metric, if it records one."""
    keys = [k for k in record["history"] if k.startswith("val_") and is_proportion(k)]
    return keys[0] if keys else None


def guess_margin(classes: int, samples: int | None) -> float:
    """How far above 1/k a guess's validation accuracy reaches by chance (95%, one score, the
    same binomial noise as everywhere in tuner.analysis.noise); 0 without a sample count, so
    that only an accuracy at or below 1/k counts as a guess."""
    if not samples:
        return 0.0
    return Z95 * proportion_se(1 / classes, samples)


def at_chance(record: TrialRecord, classes: int, samples: int | None) -> str:
    """Why ``record`` did not learn, in words; '' when it did (or cannot be told).

    Its training or validation loss never fell more than CHANCE_BAND below ln k, and its
    validation accuracy (where recorded) never rose above 1/k by more than the noise of one
    score: 1/k is a guess's accuracy, no more than the largest class's share, so an accuracy
    below that bound is not above the majority class's share either."""
    chance = chance_loss(classes)
    floor = chance * (1 - CHANCE_BAND)
    said = ""
    for key, name in LOSSES:
        values = record["history"].get(key, [])
        if not values or not all(map(is_finite_number, values)) or min(values) < floor:
            continue
        low, high = significant(min(values), 3), significant(max(values), 3)
        span = low if low == high else f"{low}–{high}"
        every = (
            "at its one epoch" if len(values) == 1 else f"at every one of its {len(values)} epochs"
        )
        said = f"{name} {span} {every}"
        break
    if not said:
        return ""
    found = accuracy_key(record)
    curve = record["history"].get(found, []) if found else []
    accuracy = [v for v in curve if is_finite_number(v)]
    if accuracy and max(accuracy) > 1 / classes + guess_margin(classes, samples):
        return ""
    return said


def did_not_learn(ctx: Context) -> list[Finding]:
    """Trials whose loss never left the chance level; when none learned, the one finding says
    so first, and tuner.analysis.training.diagnose makes no other claim about effects."""
    if not ctx.classes or ctx.series:
        return []
    done = ctx.ranked
    k, samples = ctx.classes, ctx.validation_samples
    hits = [(r, text) for r in done if (text := at_chance(r, k, curve_samples(r, samples)))]
    if not hits:
        return []
    samples = curve_samples(hits[0][0], samples)
    chance = f"ln {k} = {decimals(chance_loss(k), 3)}, the loss of a uniform guess over {k} classes"
    guess = f"1/{k} = {significant(1 / k, 3)}"
    margin = guess_margin(k, samples)
    noise = (
        f"by more than the noise of {samples} validation samples (±{decimals(margin, 3)} at 95%)"
        if samples
        else "at all (run.json gives no validation sample count to allow for its noise)"
    )
    accuracy = (
        f", and validation accuracy never rose above {guess} (a guess's accuracy, at most the "
        f"largest class's share) {noise}"
        if all(accuracy_key(r) for r, _ in hits)
        else ""
    )
    ids = tuple(str(r["trial_id"]) for r, _ in hits)
    each = "; ".join(f"trial {r['trial_id']}: {text}" for r, text in hits[:3])
    if len(hits) > 1 and len({text for _, text in hits}) == 1:
        each = f"each: {hits[0][1]}"
    if len(hits) == len(done):
        every = (
            "the only completed trial" if len(done) == 1 else f"all {len(done)} completed trials"
        )
        evidence = (
            f"No trial learned anything: in {every} the training or validation loss never fell "
            f"more than {percent(CHANCE_BAND)} below {chance} ({each}){accuracy}."
        )
        suggestion = (
            f"{LEARN_REMEDIES} Until a trial learns, the report draws no conclusion about any "
            "hyperparameter's effect."
        )
        return [Finding("did_not_learn", ids, evidence, suggestion)]
    them = "its" if len(ids) == 1 else "their"
    evidence = (
        f"{trial_list(ids).capitalize()} did not learn: {them} training or validation loss "
        f"never fell more than {percent(CHANCE_BAND)} below {chance} ({each}){accuracy}."
    )
    return [Finding("did_not_learn", ids, evidence, LEARN_REMEDIES)]


def indistinct(ctx: Context) -> list[Finding]:
    """One finding when the best and the worst completed trial differ by less than the noise
    of a difference between two scores: then no effect, edge or comparison can be measured."""
    done = ctx.ranked
    if len(done) < 2:
        return []
    best, worst = done[0], done[-1]
    samples = ctx.validation_samples
    floor = difference_floor(trial_se(best, samples), trial_se(worst, samples))
    gap = abs(score_of(best) - score_of(worst))
    if floor is None or gap > floor:
        return []
    ids = tuple(str(r["trial_id"]) for r in done)
    first, last = (
        score_text(ctx.objective, score_of(best)),
        score_text(ctx.objective, score_of(worst)),
    )
    span = f"{ctx.objective} {first}" if first == last else f"{ctx.objective} {last} to {first}"
    source = basis(samples, ctx.objective, ctx.maximize, folds_of(done))
    every = "Both completed trials" if len(done) == 2 else f"All {len(done)} completed trials"
    evidence = (
        f"{every} scored within one another's noise ({span}), while "
        f"two scores differ by up to ±{significant(floor, 2)} at 95% by chance ({source})."
    )
    suggestion = (
        f"{cannot_separate(samples, folds=folds_of(done))}: the report claims no effect, edge "
        "or comparison from them, and no trial is clearly the best. "
        f"{remedy(folds_of(done), samples)}"
    )
    # Not yet cross-validated: next.yaml validates on every sample (5 folds), the remedy that
    # needs no more data; with folds only more labelled data helps, which no config can add
    # (and a series is never shuffled into folds).
    cross_validate = not folds_of(done) and not ctx.series
    edits = (Edit(("search", "cv"), {"folds": 5}),) if cross_validate else ()
    return [Finding("indistinct", ids, evidence, suggestion, edits)]


def learning_ids(found: list[Finding]) -> set[str]:
    """The trials a did-not-learn finding names."""
    return {t for f in found if f.kind == "did_not_learn" for t in f.trials}
