"""The files a config names must exist and be readable: checked by `validate` and before a
search starts (not when a saved run's config is read back for its report, as the data may
have moved since). Reads nothing but file metadata; no Keras."""

from __future__ import annotations

import os
from pathlib import Path

from tuner.config.schema import Config
from tuner.config.yaml_lines import Source

FILE_KEYS = ("path", "test_path")  # data.<key> holding a file name, relative to the current folder


def check_files(src: Source, config: Config) -> None:
    """Raise the house's one-line ConfigError, at the key's line, for a missing or unreadable
    file; the message gives the path as resolved."""
    for key in FILE_KEYS:
        name = getattr(config.data, key, None)
        if name is None:
            continue
        path = Path(name)
        where = repr(name)
        if not path.is_absolute():
            where += f", that is {path.resolve()} (relative to the current folder)"
        if not path.exists():
            raise src.error(("data", key), f"no such file {where}; fix the path")
        if path.is_dir():
            raise src.error(("data", key), f"{where} is a folder; name a file")
        if not path.is_file():  # a device or a pipe: read without end
            raise src.error(("data", key), f"{where} is not a regular file; name a data file")
        if not os.access(path, os.R_OK):
            raise src.error(("data", key), f"cannot read {where}; check its permissions")
