"""The Keras callbacks every trial trains with, all at epoch granularity: any batch-level hook
makes Keras synchronise after every step (see tuner.engine.signals), which cost 1.5x per epoch
on a GPU."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

import keras

from tuner.engine import signals
from tuner.engine.progress import Progress
from tuner.numbers import is_finite_number


class StopOnSignal(keras.callbacks.Callback):
    """Lets Ctrl-C or SIGTERM end training after the current batch (see tuner.engine.signals)."""

    def on_train_begin(self, logs: Any = None) -> None:
        signals.watch(self.model)


class StopOnNonFinite(keras.callbacks.Callback):
    """TerminateOnNaN at epoch granularity: a NaN/inf loss ends the trial after its epoch."""

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        if not is_finite_number(float((logs or {}).get("loss", 0.0))):
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


class EpochProgress(keras.callbacks.Callback):
    """Reports each finished epoch of the running trial to the search's Progress."""

    def __init__(
        self, progress: Progress, trial_id: str, epochs: int, objective: str, folds: int = 0
    ) -> None:
        super().__init__()
        self.progress, self.trial_id = progress, trial_id
        self.epochs, self.objective = epochs, objective
        self.folds, self.fold = folds, 0  # cross-validation: which fold trains now, from 1

    def __deepcopy__(self, memo: dict[int, Any]) -> EpochProgress:
        return self  # keras-tuner copies callbacks per execution; one display for all

    def on_train_begin(self, logs: Any = None) -> None:
        self.fold += 1

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        metrics = {}
        for name, value in (logs or {}).items():
            with contextlib.suppress(TypeError, ValueError):  # numpy and backend scalars too
                metrics[name] = float(value)
        shown = f"{self.trial_id} fold {self.fold}/{self.folds}" if self.folds else self.trial_id
        self.progress.epoch_finished(shown, epoch + 1, self.epochs, metrics, self.objective)


class ReportEpoch(keras.callbacks.Callback):
    """search.storage: each epoch's objective to the shared study, as Optuna's intermediate
    values (its dashboard and the exported study show the curves)."""

    def __init__(self, report: Callable[[str, float | None], None], trial_id: str, objective: str):
        super().__init__()
        self.report, self.trial_id, self.objective = report, trial_id, objective

    def __deepcopy__(self, memo: dict[int, Any]) -> ReportEpoch:
        return self  # keras-tuner copies callbacks per execution; the study is not copied

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        value = (logs or {}).get(self.objective)
        self.report(self.trial_id, float(value) if is_finite_number(value) else None)
