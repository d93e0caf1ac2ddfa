"""The message tables in tests/tables/*.yaml: rows of (id, input, the exact message) that a test
parametrizes over.

A table file maps a name to a list of rows, each a mapping of the same fields, and may give
``substitutions``: ``${NAME}`` in any text of a row becomes that value (or one the caller
passes, such as a list computed from the package), so a long repeated list is written once.
An unknown ``${NAME}`` is an error, not left in place. ``!bytes "..."`` is a file's content
as bytes: each character of the double-quoted text (with YAML's escapes, e.g. ``\\x89``) is
one byte.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import yaml

from helpers.paths import TESTS

TABLES = TESTS / "tables"
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


class _Loader(yaml.SafeLoader):
    pass


def _bytes(loader: yaml.SafeLoader, node: yaml.Node) -> bytes:
    return str(loader.construct_scalar(node)).encode("latin-1")  # type: ignore[arg-type]


_Loader.add_constructor("!bytes", _bytes)


@cache
def _read(name: str) -> dict[str, Any]:
    data = yaml.load((TABLES / f"{name}.yaml").read_text(encoding="utf-8"), Loader=_Loader)
    assert isinstance(data, dict), f"tests/tables/{name}.yaml: expected a mapping of tables"
    return data


def _substitute(value: Any, values: dict[str, str], where: str) -> Any:
    if not isinstance(value, str):
        return value

    def one(found: re.Match[str]) -> str:
        assert found[1] in values, f"{where}: no value for ${{{found[1]}}}"
        return values[found[1]]

    return PLACEHOLDER.sub(one, value)


def load_table(
    name: str, table: str, fields: tuple[str, ...], **values: str
) -> list[tuple[Any, ...]]:
    """The rows of ``table`` in tests/tables/NAME.yaml as tuples of ``fields``, in that order,
    with ``${...}`` substituted from the file's ``substitutions`` and ``values``."""
    data = _read(name)
    known = {**data.get("substitutions", {}), **values}
    out = []
    for number, row in enumerate(data[table], start=1):
        where = f"tests/tables/{name}.yaml: {table}, row {number}"
        assert set(row) == set(fields), f"{where}: fields {sorted(row)}, expected {fields}"
        out.append(tuple(_substitute(row[field], known, where) for field in fields))
    return out
