"""Layers for long sequences, each keeping padded (masked) steps out of the real ones.

A convolutional front end (``space.conv_filters``, ``conv_kernel``, ``conv_stride``) shortens
the sequence ``conv_stride`` times before the recurrent layers; pooling over time
(``space.pooling``: mean, max, attention) reads every step's output instead of the last state.
With ``space.layers: 0`` the pooling reads the front end's output (or the scaled input) itself,
and "last" there is the last real step's.
A sequence's outputs do not depend on how much NaN padding follows it. Registered with Keras'
loader under the package "tuner": `import tuner.engine.model` (which imports this module)
before keras.saving.load_model.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tuner")
class MaskedConv1D(keras.layers.Conv1D):
    """A Conv1D whose window for output step i starts at input step ``i * strides - (k - 1) // 2``
    (k: the kernel's span), reading zeros past either end: the sequence becomes
    ceil(steps / strides) steps long, and with stride 1 this is padding="same".

    Masked steps are read as zeros, and output step i is masked when input step
    ``i * strides`` is, so a sequence's outputs are the same however much padding follows it.
    (Keras' own padding="same" with a stride above 1 puts its odd zero on a side that depends
    on the padded length, which would shift every window.)"""

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, **kwargs: Any) -> None:
        kwargs.pop("padding", None)  # always "valid", after our own zeros (get_config has it)
        super().__init__(filters, kernel_size, strides=strides, padding="valid", **kwargs)
        self.supports_masking = True

    def _zeros(self) -> tuple[int, int]:
        span = (self.kernel_size[0] - 1) * self.dilation_rate[0]
        return span // 2, span - span // 2

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if mask is not None:
            inputs = ops.where(ops.expand_dims(mask, -1), inputs, ops.zeros_like(inputs))
        before, after = self._zeros()
        return super().call(ops.pad(inputs, [[0, 0], [before, after], [0, 0]]))

    def compute_output_shape(self, input_shape: Any) -> Any:
        steps = input_shape[1]
        longer = None if steps is None else steps + sum(self._zeros())
        return super().compute_output_shape((input_shape[0], longer, *input_shape[2:]))

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None if mask is None else mask[:, :: self.strides[0]]


@keras.saving.register_keras_serializable(package="tuner")
class TimePooling(keras.layers.Layer):
    """The mean, the max or the last of the unmasked steps: (batch, steps, features) ->
    (batch, features). "last" is the latest unmasked step, wherever the padding is (after a
    shorter sequence's end, before a short series' start)."""

    def __init__(self, mode: str = "mean", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if mode not in ("mean", "max", "last"):
            raise ValueError(f"pooling mode {mode!r} is not mean, max or last")
        self.mode = mode
        self.supports_masking = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if self.mode == "last":
            return self._last(inputs, mask)
        if mask is None:
            return ops.mean(inputs, axis=1) if self.mode == "mean" else ops.max(inputs, axis=1)
        keep = ops.expand_dims(mask, -1)
        if self.mode == "mean":
            weights = ops.cast(keep, inputs.dtype)
            counts = ops.maximum(ops.sum(weights, axis=1), 1.0)
            return ops.sum(inputs * weights, axis=1) / counts
        # Masked steps take the sequence's least value, which never beats a real step's.
        floor = ops.min(inputs, axis=1, keepdims=True)
        return ops.max(ops.where(keep, inputs, floor), axis=1)

    @staticmethod
    def _last(inputs: Any, mask: Any) -> Any:
        if mask is None:
            return inputs[:, -1, :]
        # each step's position (0, 1, ...), kept where the step is real; a sequence with no
        # real step reads its first (zero) one
        positions = ops.cumsum(ops.ones_like(mask, dtype="int32"), axis=1) - 1
        last = ops.maximum(ops.max(ops.where(mask, positions, -1), axis=1), 0)
        picked = ops.take_along_axis(inputs, ops.reshape(last, (-1, 1, 1)), axis=1)
        return ops.squeeze(picked, axis=1)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None

    def compute_output_shape(self, input_shape: Any) -> Any:
        return (input_shape[0], input_shape[2])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mode": self.mode}


@keras.saving.register_keras_serializable(package="tuner")
class AttentionPooling(keras.layers.Layer):
    """A learned weighted mean over time: a Dense(1) score per step, softmax over the unmasked
    steps, the steps' sum weighted by it: (batch, steps, features) -> (batch, features)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        self.kernel = self.add_weight(
            shape=(input_shape[-1], 1), initializer="glorot_uniform", name="kernel"
        )
        self.bias = self.add_weight(shape=(1,), initializer="zeros", name="bias")

    def call(self, inputs: Any, mask: Any = None) -> Any:
        scores = ops.squeeze(ops.matmul(inputs, self.kernel), -1) + self.bias
        if mask is None:
            weights = ops.softmax(scores, axis=1)
        else:  # a softmax over the real steps: exp(score - their max), 0 on padding
            floor = ops.min(scores, axis=1, keepdims=True)
            top = ops.max(ops.where(mask, scores, floor), axis=1, keepdims=True)
            shifted = ops.where(mask, scores - top, ops.zeros_like(scores))
            exps = ops.where(mask, ops.exp(shifted), ops.zeros_like(scores))
            weights = exps / ops.maximum(ops.sum(exps, axis=1, keepdims=True), 1e-12)
        return ops.sum(inputs * ops.expand_dims(weights, -1), axis=1)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None

    def compute_output_shape(self, input_shape: Any) -> Any:
        return (input_shape[0], input_shape[2])


def pooling_layer(mode: str) -> keras.layers.Layer:
    """The layer that reads a whole sequence of steps (a recurrent layer's outputs, or with
    ``layers: 0`` the front end's) for ``mode``."""
    if mode == "attention":
        return AttentionPooling(name="attention_pooling")
    return TimePooling(mode, name="last_step" if mode == "last" else f"{mode}_pooling")
