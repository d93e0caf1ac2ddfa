"""Is the best trial better than the runner-up, on the same test samples? McNemar's exact
test (classification) and a paired bootstrap (regression), on hand-made outcomes."""

from __future__ import annotations

import numpy as np
import pytest

from tuner.analysis.paired import Paired, bootstrap_p, compare, mcnemar_exact, sentence
from tuner.run.results import PerSample


def test_mcnemar_counts_only_the_samples_where_the_two_disagree() -> None:
    # 2 of 12 discordant samples go to the second: 2 * (1 + 12 + 66) / 2**12, by hand.
    assert mcnemar_exact(10, 2) == pytest.approx(158 / 4096)
    assert mcnemar_exact(0, 0) == 1.0
    agree = np.ones(500)
    first, second = agree.copy(), agree.copy()
    first[:10], second[10:12] = 0, 0  # 2 only the first got right, 10 only the second
    result = compare(PerSample("correct", {"a": second, "b": first}), "a", "b")
    assert (result.first_only, result.second_only, result.samples) == (10, 2, 500)
    assert sentence(result) == (
        "Is trial a better than trial b? On the same 500 test samples, trial a was right where "
        "trial b was wrong 10 times, and the reverse 2 times (McNemar's exact test): p = 0.039; "
        "trial a is better beyond the test noise."
    )
    close = Paired("a", "b", 500, mcnemar_exact(6, 4), 6, 4)
    assert sentence(close).endswith(
        "p = 0.754; a difference this size is common by chance, so the two do not clearly differ."
    )


def test_a_paired_bootstrap_sees_a_small_steady_gain_that_intervals_would_miss() -> None:
    rng = np.random.default_rng(1)
    hard = rng.gamma(2.0, 1.0, 400)  # samples differ far more than the two models do
    better, worse = hard, hard + 0.05 + rng.normal(0, 0.02, 400)
    result = compare(PerSample("error", {"1": better, "2": worse}), "1", "2")
    assert result.p_value < 0.001 and result.mean_difference == pytest.approx(0.05, abs=0.01)
    assert "its absolute error is lower by 0.0496 on average" in sentence(result)
    assert "p < 0.001; trial 1 is better beyond the test noise." in sentence(result)
    noise = rng.normal(0, 1, 400)
    assert bootstrap_p(noise - noise.mean()) > 0.5
    assert bootstrap_p(np.zeros(10)) == 1.0
