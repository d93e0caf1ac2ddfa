"""Arrays handed to tuner.search(config, x=..., y=...), kept on disk for the run.

They are saved once, as an .npz in the sequences dataset's layout (x_train, y_train, x_val,
y_val, x_test, y_test), under runs/.arrays/ and named by their fingerprint (a SHA-256 of
every array's dtype, shape and bytes). The run's config then reads them as `dataset:
sequences` with that file as data.path, so workers, resume, `tuner evaluate` and the report
work as for a file, and a resume with different arrays meets a different data.path: it is
refused like any changed config.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from tuner.errors import DataError
from tuner.run import atomic, layout

FOLDER = layout.ARRAYS_FOLDER
FINGERPRINT_CHARS = 16  # 64 bits of the SHA-256: a name, not a security claim
# The names the arrays have in the .npz, and how tuner.search's caller passed them.
ARGUMENTS = {
    "x_train": "x",
    "y_train": "y",
    "x_val": "validation_data[0]",
    "y_val": "validation_data[1]",
    "x_test": "test_data[0]",
    "y_test": "test_data[1]",
}


def splits_of(x: Any, y: Any, validation_data: Any, test_data: Any) -> dict[str, np.ndarray]:
    """The caller's arrays by their .npz names; validation and test data are (x, y) pairs."""
    out = {"x_train": _array(x, "x"), "y_train": _array(y, "y")}
    pairs = (("val", validation_data, "validation_data"), ("test", test_data, "test_data"))
    for split, pair, name in pairs:
        if pair is None:
            continue
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise DataError(f"{name} must be a pair (x, y), got {type(pair).__name__}", key=name)
        out[f"x_{split}"] = _array(pair[0], f"{name}[0]")
        out[f"y_{split}"] = _array(pair[1], f"{name}[1]")
    return out


def _array(values: Any, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype == object:  # text labels in a list or a pandas column
        if not all(isinstance(v, str) for v in array.ravel()):
            raise DataError("holds Python objects; give numbers or text", key=name)
        array = array.astype(str)
    return array


def fingerprint(splits: Mapping[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for key in sorted(splits):
        array = np.ascontiguousarray(splits[key])
        digest.update(f"{key}:{array.dtype.str}:{array.shape};".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()[:FINGERPRINT_CHARS]


def save(runs: Path, splits: Mapping[str, np.ndarray]) -> Path:
    """runs/.arrays/<fingerprint>.npz, written once (atomically); its path. One already there
    is checked, not trusted: a resume must train on the very arrays it was given."""
    path = layout.saved_arrays_file(runs, fingerprint(splits))
    if path.is_file():
        check(path)
    else:
        buffer = io.BytesIO()
        np.savez(buffer, **dict(splits))  # type: ignore[arg-type]
        atomic.write_bytes(path, buffer.getvalue())
    return path


def check(path: str | Path) -> None:
    """Where ``path`` is a saved arrays file (runs/.arrays/<fingerprint>.npz), a DataError
    unless its arrays still give the fingerprint its name holds (a file changed or replaced
    since tuner.search saved it); any other path passes."""
    file = Path(path)
    if file.parent.name != layout.ARRAYS_FOLDER or file.suffix != ".npz" or not file.is_file():
        return
    try:
        with np.load(file, allow_pickle=False) as npz:
            found = fingerprint({key: npz[key] for key in npz.files})
    except (OSError, ValueError, EOFError):
        found = ""
    if found != file.stem:
        raise DataError(
            f"does not hold the arrays its name fingerprints ({file.stem}): it changed since "
            "tuner.search saved it; delete it and pass the arrays to tuner.search again",
            file=str(file),
        )
