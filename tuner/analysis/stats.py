"""How sure a difference is: 95% intervals for a difference of two groups of trial scores
(Welch), of paired differences, and of test accuracies (Wilson), with the verdict on the
top-k trials' test scores.

best/test.json holds each trial's mean test metrics and the number of test samples, so an
accuracy is a proportion of that many samples: a binomial interval needs nothing more.
Metrics that are not proportions (losses, errors) get no interval. Never imports Keras.
"""

from __future__ import annotations

import math
from typing import Any

from tuner.analysis.findings import trial_list
from tuner.run.run import Run
from tuner.text import decimals

Z95 = 1.959964  # the normal quantile of a two-sided 95% interval
PROPORTION = "accuracy"  # the test metric that is a fraction of correct samples


def wilson(p: float, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``p`` observed on ``n`` samples."""
    if n <= 0:
        return (math.nan, math.nan)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


Interval = tuple[float, float]  # a difference and the half-width of its 95% interval


def _t95(degrees: float) -> float:
    """The two-sided 95% quantile of Student's t: a few trials per side need more than 1.96."""
    from scipy.stats import t as student  # scipy is slow to import; only the report needs it

    return float(student.ppf(0.975, max(degrees, 1.0)))


def difference_interval(first: list[float], second: list[float]) -> Interval | None:
    """mean(first) - mean(second) with its Welch 95% half-width; None below 2 scores a side."""
    n1, n2 = len(first), len(second)
    if n1 < 2 or n2 < 2:
        return None
    m1, m2 = sum(first) / n1, sum(second) / n2
    v1 = sum((x - m1) ** 2 for x in first) / (n1 - 1) / n1
    v2 = sum((x - m2) ** 2 for x in second) / (n2 - 1) / n2
    se = math.sqrt(v1 + v2)
    if se == 0:
        return m1 - m2, 0.0
    degrees = (v1 + v2) ** 2 / ((v1**2 / (n1 - 1) if v1 else 0) + (v2**2 / (n2 - 1) if v2 else 0))
    return m1 - m2, _t95(degrees) * se


def paired_interval(differences: list[float]) -> Interval | None:
    """The mean of paired differences with its 95% half-width; None below 2 pairs."""
    k = len(differences)
    if k < 2:
        return None
    mean = sum(differences) / k
    sd = math.sqrt(sum((d - mean) ** 2 for d in differences) / (k - 1))
    return mean, _t95(k - 1) * sd / math.sqrt(k)


def holdout_rows(run: Run) -> list[dict[str, Any]]:
    """One row per trial in test.json, in rank order, with its interval where one applies."""
    records = {str(r["trial_id"]): r for r in run.records}
    rows = []
    for rank, (trial_id, metrics) in enumerate((run.test or {}).items(), start=1):
        row: dict[str, Any] = {"rank": rank, "trial_id": trial_id}
        record = records.get(trial_id)
        row["validation"] = record["score"] if record else math.nan
        row |= {f"test {m}": v for m, v in metrics.items()}
        p = metrics.get(PROPORTION)
        low, high = (
            wilson(p, run.test_samples) if p is not None and run.test_samples else (math.nan,) * 2
        )
        row |= {"low": low, "high": high}
        rows.append(row)
    return rows


def verdict(rows: list[dict[str, Any]], n: int | None, paired: bool = False) -> str:
    """Whether the best trial's test accuracy is clearly above the others', in one line;
    ``paired``: only the interval, as a paired test (tuner.analysis.paired) compares them."""
    scored = [r for r in rows if not math.isnan(r["low"])]
    if (not scored or not n) and paired:
        return (
            f"No confidence interval around one trial's score: test.json has no test "
            f"{PROPORTION} (a proportion) or no sample count. The paired comparison below uses "
            "each test sample's own error, kept in best/test_per_sample.npz."
        )
    if not scored or not n:
        return (
            f"No confidence interval: test.json has no test {PROPORTION} (a proportion) or no "
            "sample count, and a loss or error needs per-sample values that it does not keep."
        )
    first = scored[0]
    half = (first["high"] - first["low"]) / 2
    head = (
        f"On {n} test samples a 95% interval is about ±{decimals(half, 3)} around trial "
        f"{first['trial_id']}'s test {PROPORTION} {decimals(first[f'test {PROPORTION}'], 3)}."
    )
    if len(scored) == 1:
        return f"{head} Only one trial was evaluated, so there is nothing to compare."
    if paired:
        return head
    clear = [r["trial_id"] for r in scored[1:] if r["high"] < first["low"]]
    close = [r["trial_id"] for r in scored[1:] if r["high"] >= first["low"]]
    if not close:
        return (
            f"{head} Its interval lies above every other top trial's: the top trial is better "
            "by more than the test noise."
        )
    if not clear:
        return (
            f"{head} The intervals of all {len(scored)} trials overlap: the top trials do not "
            "differ "
            "by more than the test noise, so pick among them by speed or size."
        )
    return (
        f"{head} It is clearly above {trial_list(clear)} (intervals apart) but not "
        f"distinguishable from {trial_list(close)} (intervals overlap)."
    )
