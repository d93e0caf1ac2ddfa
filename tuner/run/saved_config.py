"""A run's saved config (runs/<name>/config.yaml) read back: the one reader, typed.

The search writes the config as run, defaults resolved; every later reader (resume's
comparison, refit, evaluate, the report, the API's arrays check) goes through here, so they
all see one validated Config or one clear error.
"""

from __future__ import annotations

from pathlib import Path

from tuner.config.schema import Config, load_config
from tuner.errors import UserInputError
from tuner.run import layout

DEFAULT_BACKEND = "tensorflow"


def check_run_dir(path: Path) -> Path:
    """``path`` if it is a run folder (it holds config.yaml), else the one-line input error."""
    if not layout.config_file(path).is_file():
        raise UserInputError(
            f"not a run folder: no {layout.CONFIG_FILE} in it; give a folder like runs/<name>",
            file=str(path),
        )
    return path


def read_saved_config(run_dir: Path) -> Config:
    """The run's config; ConfigError naming the file, line and key when it does not load."""
    return load_config(layout.config_file(check_run_dir(run_dir)))


def saved_config_or_none(run_dir: Path) -> tuple[Config | None, str]:
    """The run's config, or None with the reason it does not load (for readers that go on
    without it, as the report does)."""
    try:
        return read_saved_config(run_dir), ""
    except UserInputError as exc:
        return None, str(exc)


def read_backend(run_dir: Path) -> str:
    """The backend a run was configured with (tensorflow when its config does not load)."""
    config, _ = saved_config_or_none(run_dir)
    return config.backend if config is not None else DEFAULT_BACKEND
