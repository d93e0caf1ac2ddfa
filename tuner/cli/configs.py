"""Commands on config files: tuner validate, schema, init and convert."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tuner.config.overrides import load_config_with
from tuner.config.schema import Config
from tuner.config.space import Param, points_text, short_space_note
from tuner.text import plural

if TYPE_CHECKING:
    from tuner.data.datasets import Dataset


def add_validate(commands: Any) -> None:
    validate = commands.add_parser(
        "validate",
        help="check configs without training; print each space",
        description="Check each config (keys, values, and the data files it names, read and "
        "checked as search reads them) without importing Keras; print its search space and "
        "size. Exit 2 on the first bad config.",
    )
    validate.add_argument(
        "configs", nargs="+", type=Path, metavar="CONFIG", help="YAML configs, e.g. configs/*.yaml"
    )
    validate.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: each config's run, search and space with its size",
    )
    validate.set_defaults(command=cmd_validate)


def cmd_validate(args: argparse.Namespace) -> int:
    if getattr(args, "json", False):
        checked = [_config_object(path, *_checked(path)) for path in args.configs]
        print(json.dumps({"configs": checked}, indent=2))
        return 0
    for path in args.configs:
        config, dataset = _checked(path)
        size = config.space.size()
        continuous = [p.name for p in config.space.params if p.count() == float("inf")]
        size_text = f"{points_text(size)} point{'' if size == 1 else 's'}"
        if continuous:
            size_text = f"continuous ({', '.join(continuous)}: ranges without a step)"
        print(
            f"{path}: ok: run '{config.name}', {config.search.algorithm} search, "
            f"{plural(config.search.max_trials, 'trial')}, space size {size_text}"
        )
        short = short_space_note(config.space, config.search.max_trials, config.search.algorithm)
        if short:
            print(f"  note: {short}")
        print(f"  validation: {_validation_text(config, dataset)}")
        for param in config.space.params:
            if param.given:
                print(f"  {param.name:<22} {param.describe()}")
    return 0


def _checked(path: Path) -> tuple[Config, Dataset | None]:
    """The config, and the data it names read and checked as `tuner search` reads them (the
    same code, tuner.data.datasets, without Keras): None where the data is the toolkit's own."""
    from tuner.data.datasets import check_data

    config = load_config_with(path)
    return config, check_data(config.data, config.seed)


def _validation_text(config: Config, dataset: Dataset | None) -> str:
    """How the search will validate (search.cv on the loaded data) and, for a split too small
    to rank trials, the warning the search gives too."""
    from tuner.data import backtest, folds

    if dataset is None:
        if config.search.cv == "auto":
            return (
                f"search.cv: auto, decided when the search loads the data ({folds.AUTO_FOLDS}-fold "
                f"cross-validation if the validation split holds under {folds.MIN_VALIDATION} "
                "samples)"
            )
        if config.search.cv is None:
            return "the validation split (search.cv: null)"
        return f"{config.search.cv.folds}-fold cross-validation, as search.cv asks"
    plan = backtest.validation_plan(config, dataset)
    return plan.why + (f"\n  warning: {plan.warning}" if plan.warning else "")


def _config_object(path: Path, config: Config, dataset: Dataset | None) -> dict[str, Any]:
    """--json: what `tuner validate` prints, as data; a continuous space's size is null."""
    size = config.space.size()
    validation, _, warning = _validation_text(config, dataset).partition("\n  warning: ")
    return {
        "path": str(path),
        "name": config.name,
        "algorithm": config.search.algorithm,
        "max_trials": config.search.max_trials,
        "objective": config.objective,
        "size": None if size == math.inf else int(size),
        "continuous": [p.name for p in config.space.params if p.count() == math.inf],
        "space": {p.name: _param_object(p) for p in config.space.params if p.given},
        "validation": validation,
        "warning": warning or None,
    }


def _param_object(param: Param) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": param.kind, "varies": param.varies}
    if param.kind in ("fixed", "choice"):
        out["values"] = list(param.values)
    else:
        out.update(min=param.min, max=param.max, step=param.step, sampling=param.sampling)
    if param.when:
        out["when"] = {c.parent: list(c.values) for c in param.when}
    out["text"] = param.describe()
    return out


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


def add_init(commands: Any) -> None:
    from tuner.config.starter import STARTERS

    init = commands.add_parser(
        "init",
        help="write a commented starter config",
        description="Write a commented starter config, ready for tuner validate and tuner "
        "search; for sequences and csv, once its data.path names your file (and the columns "
        "it names are yours). An existing file or a link is never replaced.",
    )
    init.add_argument(
        "--dataset",
        choices=sorted(STARTERS),
        default="mnist",
        help="the dataset the starter searches on (default: mnist)",
    )
    init.add_argument(
        "path",
        nargs="?",
        type=Path,
        metavar="PATH",
        help="where to write it (default: <dataset>.yaml here)",
    )
    init.set_defaults(command=cmd_init)


def cmd_init(args: argparse.Namespace) -> int:
    from tuner.config.starter import FILE_STARTERS, write_starter

    path = write_starter(args.dataset, args.path or Path(f"{args.dataset}.yaml"))
    first = "point its data.path at your file; then " if args.dataset in FILE_STARTERS else ""
    print(f"wrote {path}; next: {first}tuner validate {path}, then tuner search {path}")
    return 0


def add_convert(commands: Any) -> None:
    convert = commands.add_parser(
        "convert",
        help="print a W&B sweep file as this toolkit's config",
        description="Read a W&B sweep file (method, metric, parameters, early_terminate, "
        "run_cap, with this toolkit's data or model sections beside them), check it, and print "
        "the same search in this toolkit's YAML format. tuner search runs a sweep file as it is.",
    )
    convert.add_argument("sweep", type=Path, metavar="SWEEP", help="a W&B sweep YAML file")
    convert.set_defaults(command=cmd_convert)


def cmd_convert(args: argparse.Namespace) -> int:
    import yaml

    from tuner.config import sweep, yaml_lines
    from tuner.config.schema import from_source
    from tuner.errors import UserInputError

    source = yaml_lines.load_file(args.sweep)
    if not sweep.is_sweep(source.data):
        raise UserInputError(
            "not a W&B sweep file (it has no method and parameters); it is in this toolkit's "
            "format already",
            file=str(args.sweep),
        )
    converted = sweep.from_sweep(source)
    from_source(converted)  # the same checks as tuner validate, on the sweep's lines
    print(f"# {args.sweep} as a config of this toolkit (tuner convert)")
    print(yaml.safe_dump(converted.data, sort_keys=False, default_flow_style=None), end="")
    return 0
