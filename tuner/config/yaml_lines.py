"""Read a YAML file into plain Python data, remembering the line of every key.

PyYAML alone loses line numbers, keeps the last of duplicate keys, reads ``1e-4`` as text
and ``yes``/``off`` as booleans. This module composes the node tree once, rejects those
cases with the line where they happen, and returns the data with a map from key paths
to lines, so that later validation can point at the right line too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tuner.errors import ConfigError

Path_ = tuple[str | int, ...]

# Plain scalars that YAML 1.1 resolves to str although a person meant a number: "1e-4", "5E3".
_NUMBER_AS_TEXT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+$")
_TRUE_FALSE = {"true", "false"}
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class Source:
    """A parsed YAML document and where each of its keys was written."""

    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int | None:
        """The line of the deepest written key on ``path`` (a missing key points at its parent)."""
        for end in range(len(path), 0, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None

    def error(self, path: Path_, problem: str) -> ConfigError:
        return ConfigError(problem, file=self.file, line=self.line_of(path), key=dotted(path))


def dotted(path: Path_) -> str:
    """``("space", "units", 0)`` -> ``space.units[0]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_file(path: str | Path) -> Source:
    """Read and check a YAML file; raises ConfigError for anything unreadable or ambiguous."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError("no such file; check the path", file=name) from None
    except OSError as exc:
        raise ConfigError(
            f"cannot read the file ({exc.strerror}); check the path", file=name
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("not a UTF-8 text file; give a YAML config", file=name) from None
    return load_text(text, name)


def load_text(text: str, file: str = "<config>") -> Source:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = (exc.problem or "invalid YAML").strip()
        if "'\\t'" in what:
            what = "a tab character; YAML indents with spaces only, replace the tab with spaces"
        else:
            what += "; fix the file there"
        raise ConfigError(f"YAML syntax error: {what}", file=file, line=line) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise ConfigError(
            f"control character #x{char:04x} cannot appear in YAML; "
            "remove it, or give a YAML text file",
            file=file,
            line=line,
        ) from None
    except yaml.YAMLError as exc:
        what = " ".join(str(exc).split())
        raise ConfigError(f"not valid YAML ({what}); fix the file", file=file) from None
    if node is None:
        raise ConfigError(
            "the file is empty; write a config mapping (see configs/mnist.yaml)", file=file
        )
    if not isinstance(node, yaml.MappingNode):
        raise ConfigError(
            "the file is not a YAML mapping of keys to values; start with e.g. 'name: my-run'",
            file=file,
            line=node.start_mark.line + 1,
        )
    lines: dict[Path_, int] = {}
    _check(node, (), file, lines)
    data = yaml.safe_load(text)
    return Source(file=file, data=data, lines=lines)


def _check(node: yaml.Node, path: Path_, file: str, lines: dict[Path_, int]) -> None:
    """Walk the node tree: record key lines, reject duplicates and ambiguous scalars."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == _MERGE:  # `<<: *base` merges another mapping's keys
                _check(value_node, path, file, lines)
                continue
            if key_node.tag != _STR:
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "a collection"
                raise ConfigError(
                    f"a key must be a name, got {shown}; write a name such as 'units'",
                    file=file,
                    line=line,
                    key=dotted(path),
                )
            key = key_node.value
            if key in seen:
                raise ConfigError(
                    f"duplicate key '{key}' (first on line {seen[key]}); keep one of them",
                    file=file,
                    line=line,
                    key=dotted(path),
                )
            seen[key] = line
            lines[(*path, key)] = line
            _check(value_node, (*path, key), file, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            _check(item, (*path, index), file, lines)
    elif isinstance(node, yaml.ScalarNode) and node.style is None:
        _check_plain_scalar(node, path, file)


def _check_plain_scalar(node: yaml.ScalarNode, path: Path_, file: str) -> None:
    line = node.start_mark.line + 1
    if node.tag == _STR and _NUMBER_AS_TEXT.match(node.value):
        # YAML 1.1 reads a float only with a dot in the mantissa and a sign in the exponent.
        mantissa, exponent = re.split("[eE]", node.value)
        mantissa = mantissa if "." in mantissa else mantissa + ".0"
        exponent = exponent if exponent[0] in "+-" else "+" + exponent
        fixed = f"{mantissa}e{exponent}"
        raise ConfigError(
            f"{node.value} was read as text; write {fixed}", file=file, line=line, key=dotted(path)
        )
    if node.tag == "tag:yaml.org,2002:bool" and node.value.lower() not in _TRUE_FALSE:
        raise ConfigError(
            f"'{node.value}' is read as a boolean by YAML; write true or false, "
            f'or quote it ("{node.value}") to mean the text',
            file=file,
            line=line,
            key=dotted(path),
        )
