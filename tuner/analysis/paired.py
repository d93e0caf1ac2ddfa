"""Is the best trial better than the runner-up? Both were scored on the same test samples, so
the right test is a paired one: McNemar's exact test on the samples where exactly one of the
two is right (classification), or a paired bootstrap of the difference in absolute error
(regression). Overlapping Wilson intervals, which treat the two as independent, are far too
cautious here."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tuner.run.results import PerSample
from tuner.text import decimals, significant, thousands

BOOTSTRAP_RESAMPLES = 2000  # p-values to about ±0.01 at p = 0.05
BOOTSTRAP_SEED = 0  # the same report every time it is written
SIGNIFICANT = 0.05


@dataclass(frozen=True)
class Paired:
    first: str
    second: str
    samples: int
    p_value: float
    first_only: int = 0  # classification: samples only the first got right
    second_only: int = 0
    mean_difference: float = 0.0  # regression: second's error minus first's, on average


def compare(outcome: PerSample, first: str, second: str) -> Paired:
    a, b = outcome.by_trial[first], outcome.by_trial[second]
    if outcome.kind == "correct":
        only_a, only_b = int(((a == 1) & (b == 0)).sum()), int(((a == 0) & (b == 1)).sum())
        return Paired(first, second, len(a), mcnemar_exact(only_a, only_b), only_a, only_b)
    difference = b - a  # positive: the first's error is lower
    return Paired(
        first, second, len(a), bootstrap_p(difference), mean_difference=float(difference.mean())
    )


def mcnemar_exact(only_first: int, only_second: int) -> float:
    """Two-sided exact McNemar: the discordant samples as a binomial with p = 1/2."""
    from scipy.stats import binomtest

    discordant = only_first + only_second
    if discordant == 0:
        return 1.0
    return float(binomtest(only_first, discordant, 0.5).pvalue)


def bootstrap_p(difference: np.ndarray) -> float:
    """Two-sided p-value that the mean paired difference is 0, by resampling the samples."""
    if not len(difference) or not np.any(difference):
        return 1.0
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    picks = rng.integers(0, len(difference), size=(BOOTSTRAP_RESAMPLES, len(difference)))
    means = difference[picks].mean(axis=1)
    tail = min((means <= 0).mean(), (means >= 0).mean())
    return float(min(1.0, 2 * tail))


def sentence(result: Paired, unit: str = "") -> str:
    """The comparison in the report's words."""
    a, b = f"trial {result.first}", f"trial {result.second}"
    p = f"p = {decimals(result.p_value, 3)}" if result.p_value >= 0.001 else "p < 0.001"
    if result.mean_difference or not (result.first_only or result.second_only):
        if result.first_only == result.second_only == 0 and not result.mean_difference:
            return (
                f"Is {a} better than {b}? On the same {result.samples} test samples they are "
                "right and wrong on exactly the same ones: no difference at all."
            )
        lower = "lower" if result.mean_difference > 0 else "higher"
        by = significant(abs(result.mean_difference), 3)
        head = (
            f"Is {a} better than {b}? On the same {result.samples} test samples its absolute "
            f"error is {lower} by {by}{unit} on average (paired bootstrap, "
            f"{thousands(BOOTSTRAP_RESAMPLES)} resamples): {p}"
        )
    else:
        head = (
            f"Is {a} better than {b}? On the same {result.samples} test samples, {a} was right "
            f"where {b} was wrong {result.first_only} times, and the reverse "
            f"{result.second_only} times (McNemar's exact test): {p}"
        )
    if result.p_value < SIGNIFICANT:
        better = a if (result.first_only > result.second_only or result.mean_difference > 0) else b
        return f"{head}; {better} is better beyond the test noise."
    return f"{head}; a difference this size is common by chance, so the two do not clearly differ."
