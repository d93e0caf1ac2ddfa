"""data.transform: the model's layers agree with the numpy map the scaling statistics use, and
the inverse takes the transformed targets back to the target exactly."""

from __future__ import annotations

import numpy as np
import pytest

from tuner.data.transforms import transform_windows
from tuner.engine.target_transform import InverseTargetTransform, TargetTransform

CHAINS = [
    ["log"],
    ["difference"],
    ["seasonal_difference"],
    ["log", "seasonal_difference"],
    ["log", "difference", "seasonal_difference"],
]


@pytest.mark.parametrize("chain", CHAINS, ids=["+".join(c) for c in CHAINS])
def test_the_inverse_undoes_the_transform_of_window_and_targets(chain: list[str]) -> None:
    rng = np.random.default_rng(0)
    steps, horizon, period = 8, 6, 4  # a horizon past one season: the inverse uses itself
    path = 50.0 + np.cumsum(rng.uniform(0.5, 2.0, size=(3, steps + horizon)), axis=1)
    x = np.stack([path[:, :steps], rng.normal(size=(3, steps))], axis=-1).astype("float32")
    y = path[:, steps:].astype("float32")
    seen_x, seen_y = transform_windows(x, y, tuple(chain), period)
    moved, stages = TargetTransform(chain, period)(x)
    assert np.allclose(np.asarray(moved), seen_x, atol=1e-4)
    assert np.allclose(np.asarray(moved)[..., 1], x[..., 1])  # the covariate as it is
    back = InverseTargetTransform(chain, period)([seen_y, stages])
    assert np.allclose(np.asarray(back), y, rtol=1e-4)
    if "difference" in chain or "seasonal_difference" in chain:
        assert not np.allclose(seen_y, y)  # the model sees something else than the target
