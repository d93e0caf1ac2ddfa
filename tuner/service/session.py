"""The first steps of every job that trains or loads a model: the data, then Keras.

The data comes first, so a bad file is refused in a second rather than after Keras' 10-s
import, except where reading it needs Keras (MNIST through Keras' cache or download).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tuner.config.schema import Config
from tuner.run import saved_arrays

if TYPE_CHECKING:  # the data stage imports scikit-learn: only a job that loads data pays for it
    from tuner.data.datasets import Dataset


@dataclass(frozen=True)
class Session:
    dataset: Dataset
    keras_backend: str  # the one in use: KERAS_BACKEND in the environment wins over the config


def open_session(config: Config, backend: str | None = None) -> Session:
    """The config's dataset and Keras on ``backend`` (default: the config's)."""
    from tuner.data.datasets import imports_keras, load_dataset

    if config.data.path is not None:  # tuner.search's saved arrays: still the ones given
        saved_arrays.check(config.data.path)
    dataset = None if imports_keras(config.data) else load_dataset(config.data, config.seed)
    keras_backend = activate_keras(backend or config.backend)
    if dataset is None:
        dataset = load_dataset(config.data, config.seed)
    return Session(dataset, keras_backend)


def activate_keras(backend: str) -> str:
    """Import Keras on ``backend`` (unless KERAS_BACKEND says otherwise); the one in use."""
    from tuner.engine import backend as keras_backend

    return keras_backend.activate(backend)
