"""How much one validation score can tell: the noise floor every verdict in tuner.analysis
must clear before it calls a difference real (a comparison, an edge, an effect, a rise of the
validation loss).

The spread between trials alone is not enough: ten trials that all score 1.000 on 7
validation samples have no spread, yet each score could as well have been 0.857 (one sample
more wrong). So a trial's score gets a standard error from everything the records and the
dataset summary can show, and the largest of them is used:

- the validation set's own sampling noise, given its size n (run.json's dataset summary
  "validation"; with cross-validation the pool that the folds validate, since the mean over
  folds scores every sample of the pool once):
  - for accuracy-like scores (proportions) binomial, sqrt(p(1-p)/n), with the Agresti-Coull
    adjustment (two successes and two failures added) so that p = 1 or 0 never gives 0;
    other maximized metrics in [0, 1] (AUC, precision) get the same, as an approximation;
  - for losses and errors a bootstrap over validation samples would need per-sample values,
    which the records do not keep. We take |level| / sqrt(n): the standard error of a mean of
    n per-sample values whose standard deviation is about their mean, which holds roughly for
    cross-entropy and absolute errors (skewed, non-negative values; exponential-like). It is
    an assumption, and the report says so where it uses it. A series' validation windows
    overlap, so n overstates its independent samples and the noise is a lower bound there;
- with folds, the spread of the fold scores (their standard deviation / sqrt(K));
- with executions_per_trial > 1, the spread of the executions' scores (seed noise);
- the scatter of the trial's own curve after its best epoch about a straight line through
  neighbouring epochs (second differences / sqrt(6)): how much the score moves from epoch to
  epoch while the model barely changes.

Never imports Keras.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import mean, stdev

from tuner.numbers import is_finite_number
from tuner.run.records import TrialRecord

Z95 = 1.959964  # the normal quantile of a two-sided 95% interval
# Metrics that are a fraction of validation samples (Keras' names, without "val_").
PROPORTIONS = ("accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy")
# The remedy whenever the validation data is too small to support a verdict.
REMEDY = "search.cv (e.g. folds: 5, so every training sample is validated once) or a larger " + (
    "data.validation_split"
)


def is_proportion(metric: str) -> bool:
    return metric.removeprefix("val_") in PROPORTIONS


def proportion_se(p: float, n: int) -> float:
    """Standard error of a proportion ``p`` of ``n`` samples (Agresti-Coull: never 0)."""
    adjusted = (p * n + 2) / (n + 4)
    return math.sqrt(adjusted * (1 - adjusted) / (n + 4))


def sampling_se(score: float, objective: str, samples: int, maximize: bool = True) -> float:
    """The noise of one score from the validation set's size alone (see the module's doc)."""
    bounded = 0.0 <= score <= 1.0
    if is_proportion(objective) or (maximize and bounded):
        return proportion_se(score, samples)
    return abs(score) / math.sqrt(samples)


def spread_se(scores: Sequence[float]) -> float | None:
    """Standard error of the mean of ``scores`` (folds, executions); None below two."""
    values = [float(s) for s in scores if is_finite_number(s)]
    if len(values) < 2:
        return None
    return stdev(values) / math.sqrt(len(values))


def epoch_scatter(values: Sequence[float], best_epoch: int | None) -> float | None:
    """How much a curve moves from epoch to epoch after its best epoch, trend aside: the root
    mean square of its second differences / sqrt(6) (white noise of standard deviation s gives
    6 s^2); None with fewer than three epochs from the best on."""
    start = max((best_epoch or 1) - 1, 0)
    tail = [float(v) for v in values[start:]]
    if len(tail) < 3 or not all(map(is_finite_number, tail)):
        return None
    second = [tail[i + 1] - 2 * tail[i] + tail[i - 1] for i in range(1, len(tail) - 1)]
    return math.sqrt(sum(d * d for d in second) / len(second) / 6)


def score_se(
    score: float,
    objective: str,
    samples: int | None,
    fold_scores: Sequence[float] = (),
    maximize: bool = True,
) -> float | None:
    """The standard error of one score: the larger of the validation set's sampling noise
    (``samples`` validation samples; with folds, the pool) and the folds' spread; None when
    neither is known. What a caller with per-fold scores and a sample count needs."""
    parts = [spread_se(fold_scores)]
    if samples and is_finite_number(score):
        parts.append(sampling_se(float(score), objective, samples, maximize))
    known = [p for p in parts if p is not None]
    return max(known) if known else None


def fold_scores(record: TrialRecord) -> list[float]:
    """The record's per-fold scores (search.cv), if it has them."""
    scores = [fold.get("score") for fold in record.get("folds") or []]
    return [float(s) for s in scores if s is not None and is_finite_number(s)]


def curve_samples(record: TrialRecord, samples: int | None) -> int | None:
    """The validation samples behind one epoch of the record's "history": with folds it is the
    first fold's, which validated about 1/K of the pool ``samples``."""
    folds = len(record.get("folds") or [])
    if not samples or folds < 2:
        return samples
    return max(samples // folds, 1)


def execution_scores(record: TrialRecord) -> list[float]:
    """Each execution's value of the objective at the best epoch (executions_per_trial > 1)."""
    epoch, objective = record.get("best_epoch") or 0, str(record["objective"])
    out = []
    for history in record.get("executions") or []:
        values = history.get(objective, [])
        if 0 < epoch <= len(values) and is_finite_number(values[epoch - 1]):
            out.append(float(values[epoch - 1]))
    return out


def trial_se(record: TrialRecord, samples: int | None) -> float | None:
    """The standard error of one trial's score: the largest of its validation set's sampling
    noise, its folds' and executions' spread and its curve's scatter after the best epoch."""
    score, objective = record["score"], str(record["objective"])
    if not is_finite_number(score):
        return None
    maximize = record["direction"] == "max"
    parts = [
        score_se(float(score), objective, samples, fold_scores(record), maximize),
        spread_se(execution_scores(record)),
        epoch_scatter(record["history"].get(objective, []), record.get("best_epoch")),
    ]
    known = [p for p in parts if p]  # a flat curve's 0 scatter says nothing about the noise
    return max(known) if known else None


def group_se(records: Sequence[TrialRecord], samples: int | None) -> float | None:
    """The typical noise of one score in a group: the mean of its trials' standard errors;
    None when no trial's is known."""
    known = [se for r in records if (se := trial_se(r, samples)) is not None]
    return mean(known) if known else None


def means_floor(
    first: Sequence[TrialRecord], second: Sequence[TrialRecord], samples: int | None
) -> float | None:
    """The 95% half-width that the validation samples' own noise gives a difference between
    two groups of trials' mean scores (or the mean of their paired differences).

    Not divided by the number of trials: every trial is scored on the same validation
    samples, and how one kind of model fares on these n samples against another kind does not
    average out over more trials of each kind (more trials shrink the trial-to-trial spread,
    which the Welch or paired interval measures, not the samples' luck). So the floor is the
    noise of a difference of two single scores, sqrt(se1^2 + se2^2): on the same samples a
    paired difference is no noisier than that while models err on the same hard samples more
    often than not, which is the usual case (records keep no per-sample values to check)."""
    return difference_floor(group_se(first, samples), group_se(second, samples))


def difference_floor(first: float | None, second: float | None) -> float | None:
    """The 95% half-width of a difference between two single scores with these standard
    errors; None when either is unknown."""
    if first is None or second is None:
        return None
    return Z95 * math.sqrt(first * first + second * second)


def cannot_separate(samples: int | None, what: str = "these trials", folds: int = 0) -> str:
    """'7 validation samples cannot separate these trials', or its folds' wording."""
    if not samples:
        return f"The validation scores cannot separate {what}"
    if folds:
        return f"{folds} folds over {samples} samples cannot separate {what}"
    return f"{samples} validation samples cannot separate {what}"


def remedy(folds: int = 0, samples: int | None = None) -> str:
    """What gives the validation scores more samples, as a sentence: folds when the run had
    none; with folds every sample of the pool is already validated once, so only more data."""
    if not folds:
        return f"Use {REMEDY}."
    pool = f" {samples}" if samples else ""
    return (
        f"The {folds} folds already validate each of the{pool} samples once, so only more "
        "labelled data will."
    )


def folds_of(records: Sequence[TrialRecord]) -> int:
    """How many folds the trials were cross-validated on; 0 without search.cv."""
    return max((len(fold_scores(r)) for r in records), default=0)


def basis(samples: int | None, objective: str, maximize: bool = True, folds: int = 0) -> str:
    """Where one score's noise comes from, in words, for the report's sentences."""
    spread = f"the spread between each trial's {folds} folds" if folds else ""
    if not samples:
        own = "the scatter of the trials' curves after their best epoch"
        return f"{spread}, or {own} where larger" if spread else own
    if is_proportion(objective) or maximize:
        own = f"binomial noise of {samples} validation samples"
    else:
        own = (
            f"{objective} / √{samples} validation samples, assuming per-sample values spread "
            "about as much as their mean (the records keep no per-sample values)"
        )
    return f"{own}, or {spread} where larger" if spread else own
