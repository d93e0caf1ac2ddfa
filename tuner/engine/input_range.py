"""Does the data given to a trained model look like the data it was trained on?

The exported model takes raw inputs (its first layer standardizes them with the training
split's statistics), so the commonest mistake is to scale inputs a second time: pixels
divided by 255 for a model trained on 0..255 score near chance with no error anywhere.
Standardized by the model's own statistics, training inputs have mean about 0 and standard
deviation about 1; inputs far from that are reported.
"""

from __future__ import annotations

import keras
import numpy as np

from tuner.data.series import relative_windows
from tuner.data.transforms import transform_windows
from tuner.engine.target_transform import TargetTransform
from tuner.engine.window_scaling import LAYER_NAME
from tuner.text import significant

SPREAD_RATIO = 5.0  # a feature's standardized spread outside [1/5, 5] of the training data's 1
SHIFT = 3.0  # a feature's standardized mean beyond 3 training standard deviations


def input_range_warning(model: keras.Model, x: np.ndarray) -> str | None:
    """A one-line warning when ``x`` is far from the range of the model's training inputs;
    None when it is close or the model keeps no input statistics."""
    layers = all_layers(model)
    layer = next((k for k in layers if isinstance(k, keras.layers.Normalization)), None)
    if layer is None or layer.mean is None:
        return None
    x = np.asarray(x, dtype="float32")
    transform = next((k for k in layers if isinstance(k, TargetTransform)), None)
    if transform is not None:  # the statistics are of the transformed windows
        x, _ = transform_windows(x, None, tuple(transform.chain), transform.period)
    if any(k.name == LAYER_NAME for k in layers):  # and relative to each one's level
        x = relative_windows(x)
    mean = np.asarray(keras.ops.convert_to_numpy(layer.mean), dtype="float64").reshape(-1)
    variance = np.asarray(keras.ops.convert_to_numpy(layer.variance), dtype="float64").reshape(-1)
    values = np.asarray(x, dtype="float64").reshape(-1, mean.size)
    values = values[~np.isnan(values).any(axis=1)]  # the padding after a shorter sequence
    varied = variance > 1e-12  # constant features (MNIST's blank edge pixels) say nothing
    if not varied.any() or not len(values):
        return None
    std = np.sqrt(variance[varied])
    standardized = (values[:, varied] - mean[varied]) / std
    # Per feature, then the median feature: one odd feature (a sensor that drifted) is not
    # a wrong scale, and features' different means must not count as spread.
    spread = float(np.median(standardized.std(axis=0)))
    shift = float(np.median(np.abs(standardized.mean(axis=0))))
    if 1 / SPREAD_RATIO <= spread <= SPREAD_RATIO and shift <= SHIFT:
        return None
    span = f"{significant(values.min(), 4)}..{significant(values.max(), 4)}"
    average, deviation = significant(mean[varied].mean(), 3), significant(std.mean(), 3)
    trained = f"mean {average}, standard deviation {deviation}"
    return (
        f"x's values span {span}, far from the inputs the model was trained on ({trained} per "
        "feature); the model takes raw inputs, scaled as the training data was (it standardizes "
        "them itself): do not rescale them, or the metrics mean little"
    )


def all_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The model's layers, those of the models inside it included (a fold ensemble's
    members), in order: the last with an activation is the output head."""
    out: list[keras.layers.Layer] = []
    for layer in model.layers:
        out += all_layers(layer) if isinstance(layer, keras.Model) else [layer]
    return out
