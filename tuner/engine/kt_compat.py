"""Every touch of keras-tuner's and Keras' private names, in one module (accelerate keeps its
version-sensitive checks in one place the same way).

keras-tuner 1.4 offers no hook for three things this toolkit needs, so it reaches inside:
- atomic state: keras-tuner writes oracle.json, tuner0.json, trial.json and the best-epoch
  checkpoint in place; ``atomic_state()`` routes those writes through tuner.run.atomic for the
  length of a search and puts keras-tuner back as it was afterwards;
- resume repairs: the oracle's retry queue, trial folders and random values (tuner.engine.resume);
- failures that teach: keras-tuner's Bayesian oracle leaves failed trials out of its model,
  so it never learns where training diverges (``FailuresToldBayesianOracle``);
- speed: keras-tuner's TunerCallback has batch hooks that make Keras wait after every step.

``PRIVATE_NAMES`` lists each name used; ``missing_private_names()`` checks them against the
installed versions (a test calls it, so an upgrade that removes one fails loudly by name).
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import io
import json
import math
import os
import shutil
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import keras_tuner as kt
from keras_tuner.src import config as kt_config
from keras_tuner.src import utils as kt_utils
from keras_tuner.src.engine import tuner_utils

from tuner.numbers import is_finite_number
from tuner.run import atomic, records

TESTED_VERSIONS = ">=1.4.7,<1.5"  # keras-tuner; the same range as pyproject.toml
PRIVATE_NAMES = {  # module or class -> the private attributes used from it
    "keras_tuner.src.utils": ("save_json", "create_directory"),
    "keras_tuner.src.config": ("DEBUG",),
    "keras_tuner.src.engine.tuner_utils": ("SaveBestEpoch", "TunerCallback"),
    "keras_tuner.src.engine.oracle.Oracle": (
        "_retry_queue", "_get_trial_dir", "_random_values", "_save_trial",
    ),
    "keras_tuner.src.engine.tuner.Tuner": ("_build_and_fit_model",),
    "keras_tuner.src.tuners.bayesian.BayesianOptimizationOracle": ("_vectorize_trials",),
    "keras.src.saving.saving_lib": ("H5IOStore", "_save_state"),
}  # fmt: skip
TunerCallback = tuner_utils.TunerCallback  # keras-tuner's per-batch forwarder, left out of fit


def missing_private_names() -> list[str]:
    """Each name in PRIVATE_NAMES that the installed keras-tuner or Keras lacks."""
    missing = []
    for owner, names in PRIVATE_NAMES.items():
        try:
            target: Any = importlib.import_module(owner)
        except ImportError:  # a class: its module, then the class in it
            module_name, _, class_name = owner.rpartition(".")
            target = getattr(importlib.import_module(module_name), class_name, None)
        # an instance attribute (the oracle's _retry_queue) is set in __init__, not on the class
        init = inspect.getsource(target) if isinstance(target, type) else ""
        missing += [
            f"{owner}.{name}"
            for name in names
            if not hasattr(target, name) and f"self.{name} =" not in init
        ]
    return missing


def keras_tuner_version() -> str:
    return metadata.version("keras-tuner")


class StateWriteError(atomic.WriteError, kt.errors.FatalError):
    """A refused write of keras-tuner's state: fatal, so the search stops instead of failing
    every following trial (keras-tuner re-raises FatalError and records other errors)."""


RELOAD_LINE = "Reloading Tuner from "  # base_tuner.py prints it, bare, on every resume


@contextlib.contextmanager
def without_reload_line() -> Iterator[None]:
    """keras-tuner's "Reloading Tuner from <file>" held back (the toolkit says in its own words
    what a resume found); anything else printed meanwhile is passed on."""
    caught = io.StringIO()
    try:
        with contextlib.redirect_stdout(caught):
            yield
    finally:
        for line in caught.getvalue().splitlines(keepends=True):
            if not line.startswith(RELOAD_LINE):
                sys.stdout.write(line)


@contextlib.contextmanager
def fatal_writes(path: str | Path) -> Iterator[None]:
    """Turn a refused write (disk full, read-only) into a StateWriteError naming the file."""
    try:
        with atomic.writing(path):  # an OSError becomes a WriteError naming the file
            yield
    except StateWriteError:
        raise
    except atomic.WriteError as exc:
        raise StateWriteError(str(exc)) from exc


def _save_json(path: str, obj: Any) -> str:
    text = json.dumps(obj)
    with fatal_writes(path):
        atomic.write_text(path, text)
    return text


def _create_directory(path: str, remove_existing: bool = False) -> None:
    with fatal_writes(path):
        if remove_existing and os.path.isdir(path):
            shutil.rmtree(path)
        os.makedirs(path, exist_ok=True)


class AtomicSaveBestEpoch(tuner_utils.SaveBestEpoch):
    """keras-tuner's best-epoch checkpoint, built in memory and written by tuner.run.atomic.

    Built in memory because h5py crashes the process (a segfault while freeing its file
    objects) when the file system refuses one of its writes; our own write fails cleanly.
    An epoch that ties the best objective so far replaces the checkpoint when its validation
    loss is lower: the rule tuner.run.records.best_epoch gives the record.
    """

    best_value: float  # set by keras-tuner's __init__
    best_tie = math.inf

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        if not self.objective.has_value(logs):
            super().on_epoch_end(epoch, logs)
            return
        value = self.objective.get_value(logs)
        tie = (logs or {}).get(records.TIE_BREAKER)
        tie = (
            float(tie)
            if is_finite_number(tie) and self.objective.name != records.TIE_BREAKER
            else math.inf
        )
        better = self.objective.better_than(value, self.best_value)
        if better or (value == self.best_value and tie < self.best_tie):
            self.best_value, self.best_tie = value, tie
            self._save_model()

    def _save_model(self) -> None:
        data = weights_bytes(self.model)
        with fatal_writes(self.filepath):
            if data is not None:
                atomic.write_bytes(self.filepath, data)
                return
            partial = Path(self.filepath).with_name(
                f"{atomic.PARTIAL_PREFIX}{os.getpid()}.weights.h5"
            )
            self.model.save_weights(str(partial))  # the plain way, should Keras' internals move
            os.replace(partial, self.filepath)


def weights_bytes(model: Any) -> bytes | None:
    """What model.save_weights writes to a .weights.h5 file; None if Keras' internals moved."""
    try:
        from keras.src.saving import saving_lib

        buffer = io.BytesIO()
        store = saving_lib.H5IOStore(buffer, mode="w")
        saving_lib._save_state(
            model, weights_store=store, assets_store=None, inner_path="", visited_saveables=set()
        )
        store.close()
    except (ImportError, AttributeError, TypeError):
        return None
    return buffer.getvalue()


@contextlib.contextmanager
def atomic_state(debug: bool = False) -> Iterator[None]:
    """For the length of a search: keras-tuner's writes atomic, and its per-trial tracebacks
    printed only when ``debug`` (ours is one line). Everything is put back afterwards."""
    saved = (
        kt_utils.save_json, kt_utils.create_directory, tuner_utils.SaveBestEpoch, kt_config.DEBUG,
    )  # fmt: skip
    kt_utils.save_json = _save_json
    kt_utils.create_directory = _create_directory
    tuner_utils.SaveBestEpoch = AtomicSaveBestEpoch  # looked up at each trial's start
    kt_config.DEBUG = debug
    try:
        yield
    finally:
        (
            kt_utils.save_json, kt_utils.create_directory, tuner_utils.SaveBestEpoch,
            kt_config.DEBUG,
        ) = saved  # fmt: skip


def retry_queue(oracle: Any) -> list[str]:
    """The ids of trials the oracle hands out again before creating new ones."""
    queue: list[str] = oracle._retry_queue
    return queue


def trial_dir(oracle: Any, trial_id: str) -> Path:
    return Path(oracle._get_trial_dir(trial_id))


def random_values(oracle: Any) -> dict[str, Any]:
    return oracle._random_values() or {}


def save_trial(oracle: Any, trial: Any) -> None:
    oracle._save_trial(trial)


class FailuresToldBayesianOracle(kt.oracles.BayesianOptimizationOracle):
    """keras-tuner's Bayesian oracle with failed trials (diverged, NaN, out of memory) fitted
    as the worst completed score instead of left out: the Gaussian process then steers away
    from where training fails. They are shown to its _vectorize_trials as completed for that
    one call, and put back."""

    def _vectorize_trials(self) -> Any:
        failed = [t for t in self.trials.values() if t.status == "FAILED"]
        scores = [
            float(t.score)
            for t in self.trials.values()
            if t.status == "COMPLETED" and is_finite_number(t.score)
        ]
        if not failed or not scores:
            return super()._vectorize_trials()
        worst = min(scores) if self.objective.direction == "max" else max(scores)
        saved = [(t, t.status, t.score) for t in failed]
        for trial in failed:
            trial.status, trial.score = "COMPLETED", worst
        try:
            return super()._vectorize_trials()
        finally:
            for trial, status, score in saved:
                trial.status, trial.score = status, score
