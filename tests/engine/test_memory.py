"""Each trial's peak resident memory: the kernel's own peak, reset as a trial begins, so a
trial that allocates much shows it and the next one does not; and the report's summary of
peaks over a search."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from tuner.analysis.memory import growth
from tuner.engine import memory


@pytest.mark.skipif(sys.platform != "linux", reason="the per-trial reset is Linux's /proc")
def test_the_peak_is_the_trials_own_after_a_reset() -> None:
    assert memory.reset_peak()
    before = memory.peak_mb()
    big = np.ones(400_000_000 // 8)  # 400 MB, touched
    during = memory.peak_mb()
    del big
    assert memory.reset_peak()
    after = memory.peak_mb()
    assert before is not None and during is not None and after is not None
    assert during - before > 350
    assert after < during - 350  # the next trial does not inherit this one's peak
    resident = memory.resident_mb()
    assert resident is not None and abs(resident - after) < 50


def test_growth_gives_both_ends_medians_and_the_slope_per_trial() -> None:
    peaks = [1000 + 17 * n + (5 if n % 2 else -5) for n in range(1, 61)]
    records = [{"number": n, "peak_memory_mb": p} for n, p in enumerate(peaks, start=1)]
    records.append({"number": 61})  # an older record without the key is left out
    found = growth(records)  # type: ignore[arg-type]
    assert found is not None and found.trials == 60
    assert found.slope == pytest.approx(17, abs=0.2)
    assert found.first == pytest.approx(np.median(peaks[:10]))
    assert found.last == pytest.approx(np.median(peaks[-10:]))
    assert growth(records[:1]) is None  # type: ignore[arg-type]
