"""A pydantic ValidationError of the config sections as the toolkit's one line: file, line,
key, what is wrong and what to do."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from tuner.config import yaml_lines
from tuner.config.sections import TOOLKIT_ERROR, Document
from tuner.errors import ConfigError
from tuner.text import unknown_keys

_KINDS = {
    "int_type": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "string_type": "text",
    "model_type": "a mapping of keys",
    "dict_type": "a mapping of keys",
}


def translate(src: yaml_lines.Source, exc: ValidationError) -> ConfigError:
    """The first pydantic error as one line; all unknown keys at once, with suggestions."""
    errors = exc.errors()
    extras = [e for e in errors if e["type"] == "extra_forbidden"]
    if extras:
        return _unknown_keys(src, extras)
    err = errors[0]
    path = tuple(p for p in err["loc"] if isinstance(p, str | int))
    got = err.get("input")
    kind = err["type"]
    if kind in _KINDS:
        problem = f"expected {_KINDS[kind]}, got {got!r}"
    elif kind == "literal_error":
        problem = f"{got!r} is not allowed; use {err['ctx']['expected']}"
    elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        problem = _out_of_bounds(path, err["ctx"], got)
    elif kind == TOOLKIT_ERROR:  # a validator's own whole message
        problem = err["msg"]
    elif kind == "finite_number":  # YAML's .nan, .inf
        problem = f"must be a finite number, got {got!r}"
    else:
        problem = f"{err['msg'][0].lower()}{err['msg'][1:]}, got {got!r}"
    if not path:
        problem = f"the file is not a mapping of config keys: {problem}"
    return src.error(path, problem)


def _unknown_keys(src: yaml_lines.Source, extras: list[Any]) -> ConfigError:
    loc = tuple(extras[0]["loc"])
    parent_path, sections = loc[:-1], list(_model_at(loc[:-1]).model_fields)
    same_parent = [str(e["loc"][-1]) for e in extras if tuple(e["loc"][:-1]) == parent_path]
    file, line = src.where(loc)
    problem = unknown_keys(same_parent, sections)
    return ConfigError(problem, file=file, line=line, key=yaml_lines.dotted(parent_path))


def _out_of_bounds(path: tuple[Any, ...], ctx: dict[str, Any], got: Any) -> str:
    """``must be >= 1, got 0``; both ends where the field has two: ``must be from 0 to 9``."""
    field = _model_at(path[:-1]).model_fields.get(str(path[-1]))
    marks = field.metadata if field else []
    ends = {name: getattr(m, name) for m in marks for name in ("ge", "le") if hasattr(m, name)}
    if len(ends) == 2:
        return f"must be from {ends['ge']} to {ends['le']}, got {got!r}"
    bound = next(iter(ctx.items()))
    sign = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}[bound[0]]
    return f"must be {sign} {bound[1]}, got {got!r}"


def _model_at(path: tuple[Any, ...]) -> type[BaseModel]:
    model: type[BaseModel] = Document
    for part in path:
        annotation = model.model_fields[str(part)].annotation
        inner = [a for a in getattr(annotation, "__args__", (annotation,)) if isinstance(a, type)]
        model = next(a for a in inner if issubclass(a, BaseModel))
    return model
