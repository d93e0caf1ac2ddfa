"""The Keras callbacks every trial trains with, all at epoch granularity: any batch-level hook
makes Keras synchronise after every step (see tuner.engine.signals), which cost 1.5x per epoch
on a GPU."""

from __future__ import annotations

import math
import time
from typing import Any

import keras

from tuner.engine import signals


class StopOnSignal(keras.callbacks.Callback):
    """Lets Ctrl-C or SIGTERM end training after the current batch (see tuner.engine.signals)."""

    def on_train_begin(self, logs: Any = None) -> None:
        signals.watch(self.model)


class StopOnNonFinite(keras.callbacks.Callback):
    """TerminateOnNaN at epoch granularity: a NaN/inf loss ends the trial after its epoch."""

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        if not math.isfinite(float((logs or {}).get("loss", 0.0))):
            self.model.stop_training = True


class EpochTimer(keras.callbacks.Callback):
    """Seconds per epoch, kept across keras-tuner's deep copy of the callbacks."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []
        self._start = 0.0

    def __deepcopy__(self, memo: dict[int, Any]) -> EpochTimer:
        return self  # keras-tuner copies callbacks per execution; we read this very instance

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.seconds.append(round(time.perf_counter() - self._start, 4))
