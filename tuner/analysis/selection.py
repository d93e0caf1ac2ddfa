"""Which trial is the best, when the validation data cannot tell the top trials apart.

Trials are ranked by their score (the objective, mean over folds with search.cv). When the
top scores lie within the noise of one score (tuner.analysis.noise.trial_se of the best
trial: on 7 validation samples every trial may score 1.000), the score cannot choose among
them, so those tied trials are ordered by a second measure, the validation loss at their best
epoch (mean over folds), lower first: among equally accurate models the one whose
predictions are more confident where they are right. The export, test.json, the terminal
and the report all use this order, and all say that the top trials were tied.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from tuner.analysis.noise import trial_se
from tuner.numbers import is_finite_number
from tuner.run.records import TIE_BREAKER, TrialRecord, ranked, score_of


@dataclass(frozen=True)
class Selection:
    """The completed trials best first, and the top ones the score could not separate."""

    ranked: list[TrialRecord]
    tied: tuple[str, ...]  # ids of the top trials within one score's noise of the best
    noise: float | None  # that noise (one score's standard error), when known


def select(records: list[TrialRecord], samples: int | None) -> Selection:
    """Rank ``records`` (``samples``: validation samples behind each score; with folds, the
    pool), ties among the top trials broken by their validation loss."""
    order = ranked(records)
    if len(order) < 2:
        return Selection(order, (), None)
    noise = trial_se(order[0], samples)
    if noise is None or str(order[0]["objective"]) == TIE_BREAKER:
        return Selection(order, (), noise)  # a validation loss objective: no second measure
    best = score_of(order[0])
    tied = [r for r in order if abs(score_of(r) - best) <= noise]
    if len(tied) < 2:
        return Selection(order, (), noise)
    by_loss = sorted(tied, key=lambda r: (second_measure(r), order.index(r)))
    return Selection(
        [*by_loss, *order[len(tied) :]], tuple(str(r["trial_id"]) for r in by_loss), noise
    )


def second_measure(record: TrialRecord) -> float:
    """The validation loss at the best epoch (mean over folds); inf when unknown."""
    folds = record.get("folds") or []
    curves: list[tuple[dict[str, list[float]], int | None]] = [
        (f["history"], f["best_epoch"]) for f in folds if f["best_epoch"]
    ] or [(record["history"], record["best_epoch"])]
    values = [
        float(history[TIE_BREAKER][epoch - 1])
        for history, epoch in curves
        if epoch
        and len(history.get(TIE_BREAKER, [])) >= epoch
        and is_finite_number(history[TIE_BREAKER][epoch - 1])
    ]
    return statistics.fmean(values) if values else math.inf
