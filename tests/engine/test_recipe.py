"""The one training recipe: a recorded trial trained again (a lost checkpoint, refit,
repeats) is fitted as the search fits it. Real Keras on scikit-learn's digits, one epoch."""

from __future__ import annotations

import numpy as np
import pytest

from tuner.config.schema import from_source
from tuner.config.yaml_lines import load_text

pytestmark = pytest.mark.slow

CONFIG = """\
name: recipe
seed: 5
data: {dataset: digits, limit: 240, class_weight: balanced}
space: {units: 4, layers: 1, batch_size: 32, learning_rate: 0.05}
search: {algorithm: random, max_trials: 1, epochs: 1, cv: null}
"""  # the holdout recipe: on the training split (a fold's is tests/engine/test_cross_validation)


def _weights(model: object) -> list[np.ndarray]:
    return [np.asarray(w) for w in model.get_weights()]  # type: ignore[attr-defined]


def test_the_lost_checkpoint_retrain_uses_the_class_weights() -> None:
    import keras

    from tuner.data.datasets import load_dataset
    from tuner.engine import recipe
    from tuner.engine.best_model import _retrained
    from tuner.engine.hyperparameters import to_hyperparameters

    config = from_source(load_text(CONFIG, file="recipe.yaml"))
    dataset = load_dataset(config.data, config.seed)
    values = to_hyperparameters(config.space).values
    record = {"trial_id": "7", "hyperparameters": values, "best_epoch": 1}
    weights = recipe.class_weights(config, dataset)
    assert weights is not None and len(set(weights.values())) > 1  # unequal classes

    def by_hand(class_weight: dict[int, float] | None) -> list[np.ndarray]:
        keras.utils.set_random_seed(config.seed + 7)  # the search's seed for trial 7
        hp = to_hyperparameters(config.space)
        model = recipe.hypermodel(config, dataset)(hp)
        model.fit(
            dataset.x_train, dataset.y_train, batch_size=32, epochs=1, verbose=0,
            class_weight=class_weight,
        )  # fmt: skip
        return _weights(model)

    retrained = _retrained(record, config, dataset)  # type: ignore[arg-type]
    assert retrained is not None
    with_weights, without = by_hand(weights), by_hand(None)
    for got, expected in zip(_weights(retrained), with_weights, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert any(not np.allclose(a, b) for a, b in zip(with_weights, without, strict=True))


def test_the_seed_of_a_repeat_differs_from_every_trials() -> None:
    from tuner.engine.recipe import SEED_STRIDE, trial_seed

    config = from_source(load_text(CONFIG, file="recipe.yaml"))
    assert trial_seed(config, "3") == 5 + 3
    assert trial_seed(config, "3", repeat=2) == 5 + 3 + 2 * SEED_STRIDE
