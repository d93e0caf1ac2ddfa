"""A value given with --set is blamed on the --set argument, never on the line of the YAML
file it replaced, also when the key it sets lies under the one the rule is about."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuner.config import yaml_lines
from tuner.config.overrides import config_from
from tuner.errors import ConfigError

CONFIG = """\
data: {dataset: digits}
space:
  units: [8, 16]
  learning_rate: {min: 0.001, max: 0.01}
"""


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "space.learning_rate.max=0.0001",
            "--set 'space.learning_rate.max=0.0001': space.learning_rate: `min <= max` must "
            "hold, but got min=0.001, max=0.0001",
        ),
        (
            "space.units=[8, 99999]",
            "--set 'space.units=[8, 99999]': space.units[1]: must be <= 4096, got 99999",
        ),
    ],
)
def test_the_set_argument_is_named(tmp_path: Path, override: str, message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(CONFIG)
    with pytest.raises(ConfigError) as raised:
        config_from(yaml_lines.load_file(path), [override])
    assert str(raised.value) == message


def test_a_value_the_file_wrote_is_still_blamed_on_its_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(CONFIG.replace("max: 0.01", "max: 0.0001"))
    with pytest.raises(ConfigError) as raised:
        config_from(yaml_lines.load_file(path), ["search.max_trials=2"])
    assert str(raised.value).startswith(f"{path}:4: space.learning_rate: `min <= max` must hold")
