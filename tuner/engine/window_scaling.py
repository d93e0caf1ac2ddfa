"""data.scaling: window: each input window is seen relative to its own level, the target's
last value in it, and the model predicts the target relative to that level.

A model fed globally scaled levels cannot forecast beyond the values it was trained on: a
series that trends past its training maximum is forecast below it, every time (issue 22:
all 24 test forecasts of a trending monthly series fell short). Relative to the window's
last value, the same rise is a familiar pattern at any level. The scaling lives inside the
model, built from Keras' own layers (a crop to the last step, a fixed 0/1 selection of the
target, a subtraction and an addition), so the exported model takes raw windows, outputs
forecasts in target units and loads with keras.saving.load_model alone.
tuner.data.series.relative_windows is the same map in numpy, for the scaling statistics.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

SELECT_TARGET = "select_target"  # (features -> features): the target kept, the others zeroed
TARGET_LEVEL = "target_level"  # (features -> 1): the target


def relative_to_level(inputs: Any, steps: int, features: int) -> tuple[Any, Any]:
    """(the windows with the target minus its last value, that last value (batch, 1))."""
    last = keras.layers.Cropping1D((steps - 1, 0), name="last_step")(inputs)  # (batch, 1, f)
    selected = keras.layers.Dense(features, use_bias=False, trainable=False, name=SELECT_TARGET)
    relative = keras.layers.Subtract(name="relative_to_level")([inputs, selected(last)])
    level = keras.layers.Dense(1, use_bias=False, trainable=False, name=TARGET_LEVEL)(last)
    return relative, keras.layers.Flatten(name="level")(level)


def fix_selections(model: keras.Model, features: int) -> None:
    """The two selections' fixed weights: built once with the model, saved with it."""
    pick = np.zeros((features, features), "float32")
    pick[0, 0] = 1.0
    model.get_layer(SELECT_TARGET).set_weights([pick])
    model.get_layer(TARGET_LEVEL).set_weights([pick[:, :1]])
