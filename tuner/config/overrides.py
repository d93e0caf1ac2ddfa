"""A config file with `--set KEY.PATH=VALUE` overrides applied, validated, and its files
checked: what `tuner search` and tuner.search read."""

from __future__ import annotations

from pathlib import Path

from tuner.config import yaml_lines
from tuner.config.files import check_files
from tuner.config.schema import Config, from_source
from tuner.errors import ConfigError


def load_config_with(path: Path, overrides: list[str] | None = None) -> Config:
    return config_from(yaml_lines.load_file(path), overrides)


def config_from(src: yaml_lines.Source, overrides: list[str] | None = None) -> Config:
    """A parsed config file (or dict) with the overrides applied, validated, files checked."""
    for override in overrides or []:
        src = _override(src, override)
    config = from_source(src)
    check_files(src, config)
    return config


def _override(src: yaml_lines.Source, text: str) -> yaml_lines.Source:
    """Apply one --set key.path=value (the value is read as YAML)."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ConfigError(f"--set {text!r}: expected KEY.PATH=VALUE, e.g. search.max_trials=5")
    data = src.data
    parts = key.split(".")
    parsed = yaml_lines.load_value(value, f"--set {text!r}", tuple(parts))
    for part in parts[:-1]:
        node = data.get(part)
        if node is None:
            node = data[part] = {}
        if not isinstance(node, dict):
            raise ConfigError(f"--set {key}: {part} is not a mapping in {src.file}")
        data = node
    data[parts[-1]] = parsed
    src.overrides[tuple(parts)] = f"--set {text!r}"
    return src
