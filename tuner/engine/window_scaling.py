"""data.scaling: window: each input window is seen relative to its own level and in units of
its own step size, and the model predicts the target the same way.

A model fed globally scaled levels cannot forecast beyond the values it was trained on: a
series that trends past its training maximum is forecast below it, every time (issue 22:
all 24 test forecasts of a trending monthly series fell short). Relative to the window's
last value, the same rise is a familiar pattern at any level; divided by the window's mean
absolute step (the in-window naive forecast's error, MASE's own scale), series of any size
look alike, so one model learns from many series (data.series) without the largest
drowning the others. The layer lives inside the model, so the exported model takes raw
windows and outputs forecasts in target units; it is the toolkit's own (no built-in layer
takes a mean that skips the NaN padding of a short series), so `import tuner.engine.model`
before keras.saving.load_model. tuner.data.series.relative_windows is the same map in
numpy, for the scaling statistics.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

LAYER_NAME = "relative_to_level"


@keras.saving.register_keras_serializable(package="tuner")
class RelativeToLevel(keras.layers.Layer):
    """(batch, steps, features) -> [the windows with the target (feature 0) as (value -
    level) / scale, the level (batch, 1), the scale (batch, 1)]. The level is the last
    target value; the scale the mean absolute change between the window's target values,
    else their mean absolute value, else 1 (a window of zeros). NaN steps (the padding before
    a short series' start) are left out of both and stay NaN."""

    def call(self, inputs: Any) -> Any:
        target = inputs[..., 0]
        level = target[:, -1:]
        scale = _finite_mean(ops.abs(target[:, 1:] - target[:, :-1]))
        scale = ops.where(scale > 0, scale, _finite_mean(ops.abs(target)))
        scale = ops.where(scale > 0, scale, ops.ones_like(scale))
        relative = ops.expand_dims((target - level) / scale, -1)
        return ops.concatenate([relative, inputs[..., 1:]], axis=-1), level, scale

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape, (input_shape[0], 1), (input_shape[0], 1)


def _finite_mean(values: Any) -> Any:
    """(batch, steps) -> (batch, 1): the mean over the steps that are not NaN; 0 when none."""
    real = ops.logical_not(ops.isnan(values))
    total = ops.sum(ops.where(real, values, ops.zeros_like(values)), axis=1, keepdims=True)
    count = ops.sum(ops.cast(real, values.dtype), axis=1, keepdims=True)
    return total / ops.maximum(count, ops.ones_like(count))
