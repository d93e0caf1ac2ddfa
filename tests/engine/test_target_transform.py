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


def test_a_trial_tuning_the_transform_gets_its_own_statistics_and_the_runs_loss_scale() -> None:
    """space.transform: a trial's model sees its own chain, with the statistics of its own
    transformed windows, while its loss keeps the run's scale so val_loss ranks every trial."""
    from tuner.config.space import parse_space
    from tuner.config.yaml_lines import load_text
    from tuner.data.forecasting import seen_statistics
    from tuner.data.series import Part, TargetScale
    from tuner.engine.hyperparameters import to_hyperparameters
    from tuner.engine.model import ModelSpec, build_model

    rng = np.random.default_rng(1)
    path = 20.0 + np.cumsum(rng.uniform(0.5, 2.0, size=(40, 10)), axis=1)
    train = Part(path[:, :8, None].astype("float32"), path[:, 8:].astype("float32"), np.zeros(0))
    base = TargetScale(1.0, 2.0, 0.0, 5.0)
    spec = ModelSpec((8, 1), 0, horizon=2, target=base, relative=True, period=4, train=train,
                     mean=np.zeros(1, "float32"), variance=np.ones(1, "float32"))  # fmt: skip
    space = parse_space(load_text("name: t\n"), {"units": 4, "head": "linear",
                        "transform": ["log"]}, {})  # fmt: skip
    model = build_model(to_hyperparameters(space), spec)
    assert [layer.name for layer in model.layers][:2] == ["sequence", "target_transform"]
    mean, variance, own = seen_statistics(train, ("log",), 4, True, True)
    normalization = next(k for k in model.layers if k.__class__.__name__ == "Normalization")
    assert np.allclose(np.asarray(normalization.mean).ravel(), mean, rtol=1e-5)
    assert model.get_layer("target_units").scale == pytest.approx(own.std)
    assert (model.loss.offset, model.loss.scale) == (base.mean, base.std)
