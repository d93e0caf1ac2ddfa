"""Read a YAML file into plain Python data, remembering the line of every key.

PyYAML alone loses line numbers, keeps the last of duplicate keys, reads ``1e-4`` as text
(YAML 1.1's float needs a dot and a signed exponent) and ``yes``/``off`` as booleans, and
follows aliases as deep and as often as a file asks. This module composes the node tree once,
reads ``1e-4`` and ``5E3`` as numbers (YAML 1.2's rule, how people write them), rejects the
other cases (and absurd nesting, alias loops, aliases that expand past a bound, unknown tags)
with the line where they happen,
and returns the data with a map from key paths to lines, so that later validation can
point at the right line too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tuner.errors import ConfigError
from tuner.text import thousands

Path_ = tuple[str | int, ...]

# Plain scalars that YAML 1.1 resolves to str but YAML 1.2 to a float: "1e-4", "5E3".
_NUMBER_AS_TEXT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+$")
_FLOAT = "tag:yaml.org,2002:float"
_INT = "tag:yaml.org,2002:int"
_TRUE_FALSE = {"true", "false"}
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class Source:
    """A parsed YAML document and where each of its keys was written."""

    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    overrides: dict[Path_, str] = field(default_factory=dict)  # key path -> "--set 'k=v'"

    def where(self, path: Path_) -> tuple[str, int | None]:
        """The file and line to blame for ``path``: the --set argument that gave it (or a key
        under it: `--set space.lr.max=...` changes space.lr) a value, else this file at the
        line of the deepest written key."""
        for end in range(len(path), 0, -1):
            if path[:end] in self.overrides:
                return self.overrides[path[:end]], None
        under = [text for key, text in self.overrides.items() if key[: len(path)] == path]
        if under:
            return under[-1], None
        return self.file, self.line_of(path)

    def line_of(self, path: Path_) -> int | None:
        """The line of the deepest written key on ``path`` (a missing key points at its parent)."""
        for end in range(len(path), 0, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None

    def error(self, path: Path_, problem: str) -> ConfigError:
        file, line = self.where(path)
        return ConfigError(problem, file=file, line=line, key=dotted(path))


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
        raw = _bounded_read(Path(path), name)
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


MAX_CONFIG_BYTES = 1_000_000  # parsed in about 3 s; a config needs a few kilobytes


def _bounded_read(path: Path, name: str) -> bytes:
    """The file's bytes: a regular file of at most MAX_CONFIG_BYTES (a device such as
    /dev/zero or a pipe would be read without end), checked before reading."""
    if path.exists() and not path.is_file() and not path.is_dir():  # a folder: OSError below
        raise ConfigError(
            "not a regular file (a device or pipe); give a YAML config file", file=name
        )
    with path.open("rb") as handle:
        raw = handle.read(MAX_CONFIG_BYTES + 1)
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"the file is over {thousands(MAX_CONFIG_BYTES)} bytes, the bound for a config "
            "(which needs a few kilobytes); give a YAML config file",
            file=name,
        )
    return raw


def load_text(text: str, file: str = "<config>") -> Source:
    loader = _compose(text, file, "fix the file there")
    node = loader.node
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
    _Walk(file, lines).visit(node, ())
    return Source(file=file, data=loader.construct(node, "fix the file there"), lines=lines)


def load_value(text: str, file: str, path: Path_) -> Any:
    """One YAML value given on the command line (``--set key.path=VALUE``) with a file's
    checks; errors name ``file`` (the argument, e.g. ``--set 'x=1'``) and ``path``, no line."""
    try:
        loader = _compose(text, file, "fix the value")
        if loader.node is None:
            return None
        _Walk(file, {}).visit(loader.node, path)
        return loader.construct(loader.node, "fix the value")
    except ConfigError as exc:
        raise ConfigError(exc.problem, file=file, key=exc.key or dotted(path)) from None


# A config nests four levels (space.momentum.when.optimizer); PyYAML composes one level per
# Python call, so a file of thousands of brackets would end in RecursionError.
MAX_DEPTH = 32
# Values that aliases (*name) may add by repeating anchored ones: a config repeats a few, a
# 400-byte "billion laughs" file of nested aliases expands to billions.
MAX_ALIASED = 10_000
_TOO_DEEP = f"values nest more than {MAX_DEPTH} levels deep; a config needs 5 at most, flatten them"


class _Loader(yaml.SafeLoader):
    """PyYAML's SafeLoader that refuses deep nesting while composing and names the line of
    a value it cannot construct."""

    def __init__(self, text: str, file: str) -> None:
        super().__init__(text)
        self.file = file
        self.node: yaml.Node | None = None
        self.trail: list[Any] = []  # the index (a key node or a position) of each open node

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self.trail.append(index)
        try:
            if len(self.trail) > MAX_DEPTH:
                path = tuple(i.value if isinstance(i, yaml.ScalarNode) else i for i in self.trail)
                key = _named(tuple(p for p in path if isinstance(p, str | int)))
                line = self.peek_event().start_mark.line + 1
                raise ConfigError(_TOO_DEEP, file=self.file, line=line, key=dotted(key))
            return super().compose_node(parent, index)
        finally:
            self.trail.pop()

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as exc:  # e.g. `!!int abc`
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise ConfigError(
                f"cannot read {node.value!r} as {tag} ({exc}); fix the value or remove the tag",
                file=self.file,
                line=node.start_mark.line + 1,
            ) from None

    def construct(self, node: yaml.Node, fix: str) -> Any:
        try:
            return self.construct_document(node)
        except yaml.MarkedYAMLError as exc:  # e.g. `!!map [1]`
            line = exc.problem_mark.line + 1 if exc.problem_mark else None
            problem = f"YAML cannot read this value: {exc.problem}; {fix}"
            raise ConfigError(problem, file=self.file, line=line) from None


def _compose(text: str, file: str, fix: str) -> _Loader:
    """The node tree of ``text`` (in ``.node``); syntax errors become one-line ConfigErrors."""
    try:
        loader = _Loader(text, file)
        loader.node = loader.get_single_node()
        return loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = (exc.problem or "invalid YAML").strip()
        if "'\\t'" in what:
            what = "a tab character; YAML indents with spaces only, replace the tab with spaces"
        else:
            what += f"; {fix}"
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
        raise ConfigError(f"not valid YAML ({what}); {fix}", file=file) from None


def _named(path: Path_) -> Path_:
    """``path`` up to its last key: the mapping entry whose value holds a problem."""
    while path and isinstance(path[-1], int):
        path = path[:-1]
    return path


class _Walk:
    """One walk of a node tree: record key lines, reject duplicates, ambiguous scalars,
    unknown tags, alias loops and aliases that expand past MAX_ALIASED nodes."""

    def __init__(self, file: str, lines: dict[Path_, int]) -> None:
        self.file = file
        self.lines = lines
        self.seen: set[int] = set()  # ids of the nodes walked; a node met again is an alias
        self.open: set[int] = set()  # ids of the collections enclosing the current node
        self.aliased = 0  # nodes walked again, through aliases
        self.site: Path_ | None = None  # where the outermost alias being walked is used

    def error(self, path: Path_, problem: str, line: int | None = None) -> ConfigError:
        key = _named(path)
        line = line or self.lines.get(key)
        return ConfigError(problem, file=self.file, line=line, key=dotted(key))

    def visit(self, node: yaml.Node, path: Path_) -> None:
        if id(node) in self.open:
            problem = "an alias refers to a collection that contains it (a loop); remove it"
            raise self.error(path, problem)
        if len(path) >= MAX_DEPTH:  # aliases can nest deeper than the text does
            raise self.error(path, _TOO_DEEP)
        outermost = self.site is None and id(node) in self.seen
        if outermost:
            self.site = path
        if self.site is not None:
            self.aliased += 1
            if self.aliased > MAX_ALIASED:
                problem = (
                    f"aliases expand to more than {MAX_ALIASED} values, the limit for a config; "
                    "write the values out or use fewer aliases"
                )
                raise self.error(self.site, problem)
        self.seen.add(id(node))
        if node.tag not in _Loader.yaml_constructors:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            problem = f"unknown tag '{tag}'; remove it (a config holds plain YAML values)"
            raise self.error(path, problem, node.start_mark.line + 1)
        self.open.add(id(node))
        self._children(node, path)
        self.open.discard(id(node))
        if outermost:
            self.site = None

    def _children(self, node: yaml.Node, path: Path_) -> None:
        if isinstance(node, yaml.MappingNode):
            self._mapping(node, path)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.lines[(*path, index)] = item.start_mark.line + 1
                self.visit(item, (*path, index))
        elif isinstance(node, yaml.ScalarNode) and node.style is None:
            _check_plain_scalar(node, path, self.file)

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> None:
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == _MERGE:  # `<<: *base` merges another mapping's keys
                self.visit(value_node, path)
                continue
            if key_node.tag != _STR:
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "a collection"
                raise ConfigError(
                    f"a key must be a name, got {shown}; write a name such as 'units'",
                    file=self.file,
                    line=line,
                    key=dotted(path),
                )
            key = key_node.value
            if key in seen:
                raise ConfigError(
                    f"duplicate key '{key}' (first on line {seen[key]}); keep one of them",
                    file=self.file,
                    line=line,
                    key=dotted(path),
                )
            seen[key] = line
            self.lines[(*path, key)] = line
            self.visit(value_node, (*path, key))


def _check_plain_scalar(node: yaml.ScalarNode, path: Path_, file: str) -> None:
    line = node.start_mark.line + 1
    if node.tag == _STR and _NUMBER_AS_TEXT.match(node.value):
        # Unquoted: a number, as YAML 1.2 reads it ("1e-4" quoted stays text). A whole one is
        # an int, so max_trials: 1e3 means 1000 trials where a whole number is required.
        number = float(node.value)
        if number.is_integer() and abs(number) < 2**53:
            node.tag, node.value = _INT, str(int(number))
        else:
            node.tag = _FLOAT
    if node.tag == "tag:yaml.org,2002:bool" and node.value.lower() not in _TRUE_FALSE:
        raise ConfigError(
            f"'{node.value}' is read as a boolean by YAML; write true or false, "
            f'or quote it ("{node.value}") to mean the text',
            file=file,
            line=line,
            key=dotted(path),
        )
