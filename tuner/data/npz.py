"""The one reader of the user's .npz files (an mnist.npz, a sequences .npz, evaluate's x and y):
never unpickled, and bounded before anything is decompressed.

numpy allocates each array as its .npy header declares, then fills it from the zip member: a
member of a few kilobytes may declare (or decompress to) gigabytes. So the headers of the
arrays asked for are read first, and their declared sizes together must stay within
limits.MAX_ARRAY_BYTES; an empty, truncated or damaged file is one line, not an EOFError.
"""

from __future__ import annotations

import math
import os
import zipfile
import zlib
from collections.abc import Iterable
from typing import Any

import numpy as np

from tuner.data import limits
from tuner.errors import DataError

UNREADABLE = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error, KeyError)


class SingleArray(DataError):
    """The file is one .npy array, not an .npz of named arrays."""


def open_npz(path: str, *, unreadable: str, no_file: str, key: str = "") -> Any:
    """The open NpzFile (use it in ``with``); DataError for a missing file, a folder, a file
    past the size bound, or anything numpy cannot open as an .npz (``unreadable`` says it)."""
    if not os.path.exists(path):
        raise DataError(no_file, file=path, key=key)
    if os.path.isdir(path):
        raise DataError(f"{unreadable} (it is a folder)", file=path, key=key)
    limits.check_file_size(
        path, limits.MAX_ARRAY_BYTES, "split the data or give fewer samples", key=key
    )
    try:
        loaded = np.load(path, allow_pickle=False)
    except UNREADABLE:
        raise DataError(unreadable, file=path, key=key) from None
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise SingleArray(unreadable, file=path, key=key)
    return loaded


def read_arrays(npz: Any, names: Iterable[str], path: str, key: str = "") -> dict[str, np.ndarray]:
    """The arrays ``names`` (each in the file), after their headers' declared sizes passed the
    bound; a damaged member or one of Python objects is a DataError naming it."""
    names = list(names)
    check_declared(npz, names, path, key)
    out = {}
    for name in names:
        try:
            out[name] = np.asarray(npz[name])
        except UNREADABLE:
            raise DataError(
                f"{name} cannot be read (damaged or truncated); save it again with np.savez",
                file=path,
                key=key or name,
            ) from None
    return out


def check_declared(npz: Any, names: Iterable[str], path: str, key: str = "") -> None:
    """The members' headers, read without decompressing the data: no Python objects, and
    their declared sizes together within limits.MAX_ARRAY_BYTES."""
    declared = {name: _header(npz, name, path, key) for name in names}
    total = sum(math.prod(shape) * dtype.itemsize for shape, dtype in declared.values())
    shapes = ", ".join(f"{name} {shape}" for name, (shape, _) in declared.items())
    limits.check_array_bytes(
        total,
        f"the arrays ({shapes}) as their headers declare them",
        "give fewer or shorter samples",
        file=path,
        key=key,
    )


def _header(npz: Any, name: str, path: str, key: str) -> tuple[tuple[int, ...], np.dtype[Any]]:
    """The shape and dtype the member's header declares; Python objects and damage are
    refused."""
    try:
        with npz.zip.open(f"{name}.npy") as handle:
            version = np.lib.format.read_magic(handle)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
            else:
                raise ValueError(version)
    except UNREADABLE:
        raise DataError(
            f"{name} cannot be read (damaged, or not a numeric array); save numeric arrays "
            "with np.savez",
            file=path,
            key=key or name,
        ) from None
    if dtype.hasobject:
        raise DataError(
            f"{name} holds Python objects; save numeric arrays with np.savez",
            file=path,
            key=key or name,
        )
    return tuple(int(n) for n in shape), dtype
