"""Stage 1, YAML -> a validated, frozen Config: yaml_lines (the file with each key's line),
space (the tunables and their forms; pure Python), schema (the pydantic sections, the checks and
Config itself). Imports no Keras: `tuner validate` stays fast."""

from tuner.config.schema import Config, load_config
from tuner.config.space import Param, Space
from tuner.config.tunables import TUNABLES

__all__ = ["TUNABLES", "Config", "Param", "Space", "load_config"]
