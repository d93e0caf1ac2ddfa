"""data.transform inside the model: the target's log, change from the step before or change
from one season before, taken of each input window, and the inverse that takes the model's
forecast of the transformed target back to the target's units (tuner.data.transforms is the
same map in numpy, for the scaling statistics).

The forward layer keeps the target's window as each transform received it; the inverse
needs them: a difference is undone from the last value before it, a seasonal difference from
the value one season back (an earlier step of the forecast itself past one season ahead), a
log by exp. These layers are ours: `import tuner.engine.model` before keras.saving.load_model.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from tuner.data.transforms import lags

FORWARD, INVERSE = "target_transform", "target_inverse"


@keras.saving.register_keras_serializable(package="tuner")
class TargetTransform(keras.layers.Layer):
    """(batch, steps, features) -> [the windows with the target (feature 0) transformed, the
    target's window before each transform (batch, steps, transforms)]."""

    def __init__(self, chain: list[str], period: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.chain, self.period = list(chain), period

    def call(self, inputs: Any) -> Any:
        path, stages = inputs[..., 0], []
        for name, lag in zip(self.chain, lags(tuple(self.chain), self.period), strict=True):
            stages.append(path)
            if name == "log":
                path = ops.log(path)
            else:  # the first `lag` steps have nothing that far back: no change
                before = ops.concatenate([path[:, :lag], path[:, :-lag]], axis=1)
                path = path - before
        moved = ops.concatenate([ops.expand_dims(path, -1), inputs[..., 1:]], axis=-1)
        return moved, ops.stack(stages, axis=-1)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape, (*input_shape[:2], len(self.chain))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "chain": self.chain, "period": self.period}


@keras.saving.register_keras_serializable(package="tuner")
class InverseTargetTransform(keras.layers.Layer):
    """[forecasts of the transformed target (batch, horizon), TargetTransform's windows] ->
    forecasts in the target's units, the transforms undone last first."""

    def __init__(self, chain: list[str], period: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.chain, self.period = list(chain), period

    def call(self, inputs: Any) -> Any:
        forecast, stages = inputs
        horizon = forecast.shape[-1]
        every = list(zip(self.chain, lags(tuple(self.chain), self.period), strict=True))
        for index in reversed(range(len(every))):
            name, lag = every[index]
            window = stages[..., index]
            if name == "log":
                forecast = ops.exp(forecast)
            elif name == "difference":
                forecast = window[:, -1:] + ops.cumsum(forecast, axis=1)
            else:  # one season back: from the window, or an earlier step of this forecast
                steps = window.shape[1]
                made: list[Any] = []
                for j in range(horizon):
                    base = window[:, steps + j - lag] if j < lag else made[j - lag]
                    made.append(base + forecast[:, j])
                forecast = ops.stack(made, axis=1)
        return forecast

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape[0]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "chain": self.chain, "period": self.period}
