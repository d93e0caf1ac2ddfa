"""Commands on config files: tuner validate and schema."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tuner.config.overrides import load_config_with


def add_validate(commands: Any) -> None:
    validate = commands.add_parser(
        "validate",
        help="check configs without training; print each space",
        description="Check each config (keys, values, the data files it names) without "
        "importing Keras; print its search space and size. Exit 2 on the first bad config.",
    )
    validate.add_argument(
        "configs", nargs="+", type=Path, metavar="CONFIG", help="YAML configs, e.g. configs/*.yaml"
    )
    validate.set_defaults(command=cmd_validate)


def cmd_validate(args: argparse.Namespace) -> int:
    for path in args.configs:
        config = load_config_with(path)
        size = config.space.size()
        continuous = [p.name for p in config.space.params if p.count() == float("inf")]
        size_text = f"{size:,.0f} points"
        if continuous:
            size_text = f"continuous ({', '.join(continuous)}: ranges without a step)"
        print(
            f"{path}: ok: run '{config.name}', {config.search.algorithm} search, "
            f"{config.search.max_trials} trials, space size {size_text}"
        )
        for param in config.space.params:
            if param.given:
                print(f"  {param.name:<22} {param.describe()}")
    return 0


def add_schema(commands: Any) -> None:
    schema = commands.add_parser(
        "schema",
        help="print the config's JSON Schema (for editors)",
        description="Print the JSON Schema of a config file, generated from the toolkit's own "
        "models. Save it (tuner schema > config.schema.json) and start a config with "
        "# yaml-language-server: $schema=config.schema.json for completion and checks in "
        "VS Code and other editors with the YAML language server.",
    )
    schema.set_defaults(command=cmd_schema)


def cmd_schema(args: argparse.Namespace) -> int:
    from tuner.config.json_schema import schema_text

    print(schema_text(), end="")
    return 0
