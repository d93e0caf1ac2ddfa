"""Small helpers that exist once (issue 19, item 4), and tests that fail when a copy reappears.

tuner/numbers.py holds the one finite-number test; tuner/text.py the one English list joiner,
the one "did you mean" tip and the named number formats. The rules below read each module's
AST (not its text, so a comment never counts) and name every offending line; each rule's
docstring says what exactly it sees and what it cannot."""

from __future__ import annotations

import ast
import math
import re
import string
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from helpers.paths import REPO

from tuner.numbers import is_finite_number
from tuner.text import (
    decimals,
    did_you_mean,
    join_words,
    percent,
    significant,
    thousands,
    unknown_keys,
)

PACKAGE = REPO / "tuner"
NUMBERS = PACKAGE / "numbers.py"
TEXT = PACKAGE / "text.py"

# being rewritten by issue 19's library layer; converted there
NOT_YET_CONVERTED: tuple[str, ...] = ()


def _checked(home: Path) -> Iterator[tuple[str, ast.Module]]:
    """Every module of the package but ``home`` (where the helper lives) and those not yet
    converted, by path relative to the repository, parsed."""
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(REPO).as_posix()
        if path == home or name in NOT_YET_CONVERTED:
            continue
        yield name, ast.parse(path.read_text(), filename=name)


def _with_parents(tree: ast.AST) -> Iterator[tuple[ast.AST, ast.AST | None]]:
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    for node in ast.walk(tree):
        yield node, parents.get(node)


def _dotted(node: ast.AST) -> str:
    """'math.isfinite' for math.isfinite, 'isfinite' for a bare name, '' for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""


# --- the rules: each reads one module's AST and yields (line, what it found) -------------------


def _decides(node: ast.AST, parent: ast.AST | None) -> bool:
    """``node``'s value is used directly as a truth value (and/or/not, the test of an if, a
    while, a ternary or an assert, a comprehension's condition): a scalar yes or no."""
    if isinstance(parent, ast.BoolOp):
        return True
    if isinstance(parent, ast.UnaryOp):
        return isinstance(parent.op, ast.Not)
    if isinstance(parent, ast.If | ast.While | ast.IfExp | ast.Assert):
        return parent.test is node
    return isinstance(parent, ast.comprehension) and node in parent.ifs


def isfinite_calls(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """math.isfinite called (however imported), and numpy's isfinite used as a truth value.
    NumPy's on arrays stays (a mask, .all(), .any()); as the AST cannot tell an array from a
    scalar, a scalar np.isfinite assigned first and tested later is what this cannot see."""
    from_math = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "math"
        for alias in node.names
        if alias.name == "isfinite"
    }
    for node, parent in _with_parents(tree):
        if isinstance(node, ast.Call):
            called = _dotted(node.func)
            numpy_scalar = called in ("np.isfinite", "numpy.isfinite") and _decides(node, parent)
            if called == "math.isfinite" or called in from_math or numpy_scalar:
                yield node.lineno, f"{called}(...)"


def number_predicates(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Functions whose name holds 'finite' or 'number' and that answer a bool (annotated
    ``-> bool`` or a TypeGuard). One named so that answers something else (run.atomic.finite
    turns NaN into None; data.series._number parses a cell) is no predicate and stays."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            answers = ast.unparse(node.returns) if node.returns else ""
            predicate = answers == "bool" or answers.startswith("TypeGuard")
            if predicate and re.search("finite|number", node.name, re.IGNORECASE):
                yield node.lineno, f"def {node.name} -> {answers}"


def _strings(tree: ast.AST) -> Iterator[ast.Constant]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node


def did_you_mean_texts(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """String constants (an f-string's literal parts, docstrings too) that say 'did you mean'."""
    for node in _strings(tree):
        if "did you mean" in node.value.lower():
            yield node.lineno, repr(node.value)


def _joins(tree: ast.AST) -> Iterator[tuple[ast.Call, ast.expr]]:
    """Every ``joiner.join(...)`` call in ``tree``, with its joiner."""
    for node in ast.walk(tree):
        method = node.func if isinstance(node, ast.Call) else None
        if isinstance(method, ast.Attribute) and method.attr == "join":
            yield node, method.value


def _all_but_last(statement: ast.stmt) -> Iterator[ast.Call]:
    """Joins in ``statement`` of all but the last item of a sequence whose last item the
    statement also writes: ``", ".join(parts[:-1]) + " and " + parts[-1]``."""
    lasts = {
        ast.unparse(node.value)
        for node in ast.walk(statement)
        if isinstance(node, ast.Subscript) and ast.unparse(node.slice) == "-1"
    }
    for join, _ in _joins(statement):
        heads = [a for a in join.args if isinstance(a, ast.Subscript)]
        if any(ast.unparse(a.slice) == ":-1" and ast.unparse(a.value) in lasts for a in heads):
            yield join


def hand_joins(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """``" and ".join(...)`` (or " or ", ", and "), and the join of all but the last item beside
    that last item (``", ".join(parts[:-1]) + " and " + parts[-1]``): the shapes of every
    hand-written English list. A plain ``", ".join(names)``, or one of ``keys[:-1]`` alone,
    is no enumeration and stays."""
    for join, joiner in _joins(tree):
        if isinstance(joiner, ast.Constant) and str(joiner.value).strip(" ,") in ("and", "or"):
            yield join.lineno, ast.unparse(join)
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and not hasattr(node, "body"):  # one simple statement
            for join in _all_but_last(node):
                yield join.lineno, ast.unparse(join)


# The presentation types that write a number for people: exponent, fixed, general, locale,
# percent. d, x, o, b and c stay (zero-padded trial ids and clocks, a hex escape).
NUMERIC_TYPES = set("eEfFgGn%")


def _numeric(spec: str) -> bool:
    """A numeric presentation type, or a thousands separator (',' or '_') with any type.
    Width, fill and alignment alone (``<22``) are not number formats."""
    return bool(spec) and (spec[-1] in NUMERIC_TYPES or "," in spec or "_" in spec)


def _spec_text(spec: ast.JoinedStr) -> str:
    """An f-string's format spec with its nested fields as '0': ``.{places}f`` reads '.0f'."""
    return "".join(str(p.value) if isinstance(p, ast.Constant) else "0" for p in spec.values)


# A %-conversion: %(name)-08.2f reads f; %% is a percent sign, not a conversion.
PERCENT_CONVERSION = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?([a-zA-Z])")


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _specs(node: ast.AST) -> list[str]:
    """The format specs ``node`` applies: an f-string field's, format(value, "spec")'s, each
    field's of a literal's "...".format(...), each conversion's of a literal's "..." % values."""
    if isinstance(node, ast.FormattedValue) and isinstance(node.format_spec, ast.JoinedStr):
        return [_spec_text(node.format_spec)]
    if isinstance(node, ast.Call) and _dotted(node.func) == "format" and len(node.args) == 2:
        spec = _literal(node.args[1])
        return [spec] if spec is not None else []
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        template = _literal(node.func.value) if node.func.attr == "format" else None
        if template is not None:
            return [spec or "" for _, _, spec, _ in string.Formatter().parse(template)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        template = _literal(node.left)
        if template is not None:
            return PERCENT_CONVERSION.findall(template.replace("%%", ""))
    return []


def number_formats(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Format specs that write a number (``:.4f``, ``:.3g``, ``:,.0f``, ``:.1%``, ``:,``).
    A format string handed to a library as plain data (matplotlib's "%.2f") is not seen."""
    for node in ast.walk(tree):
        for spec in _specs(node):
            if _numeric(spec):
                yield node.lineno, f":{spec}"


def _offences(rule: Callable[[ast.AST], Iterator[tuple[int, str]]], home: Path) -> list[str]:
    return [
        f"{name}:{line}: {found}" for name, tree in _checked(home) for line, found in rule(tree)
    ]


# --- the rules, over the package ---------------------------------------------------------------


def test_math_isfinite_is_called_only_by_is_finite_number() -> None:
    """One finite-number test: tuner.numbers.is_finite_number (a finite int or float, never a
    bool). Elsewhere, call it instead of math.isfinite or a scalar np.isfinite."""
    assert _offences(isfinite_calls, NUMBERS) == []


def test_no_number_predicate_outside_tuner_numbers() -> None:
    """A predicate named for finite values or numbers outside tuner/numbers.py is a copy of
    is_finite_number (two such copies let True count as a score)."""
    assert _offences(number_predicates, NUMBERS) == []


def test_did_you_mean_is_written_only_in_tuner_text() -> None:
    """The tip comes from text.did_you_mean (or text.unknown_keys), nowhere else."""
    assert _offences(did_you_mean_texts, TEXT) == []


def test_english_lists_are_joined_only_in_tuner_text() -> None:
    """An English enumeration ('a, b and c') comes from text.join_words."""
    assert _offences(hand_joins, TEXT) == []


def test_numbers_are_formatted_only_in_tuner_text() -> None:
    """A number is written with text.decimals, significant, percent or thousands (or
    value_text, score_text...), so each precision is chosen by name in one place."""
    assert _offences(number_formats, TEXT) == []


RULES = (
    (isfinite_calls, NUMBERS),
    (number_predicates, NUMBERS),
    (did_you_mean_texts, TEXT),
    (hand_joins, TEXT),
    (number_formats, TEXT),
)


def test_not_yet_converted_lists_only_modules_that_still_hold_a_copy() -> None:
    """A module leaves NOT_YET_CONVERTED once converted (or moved): the list only shrinks."""
    clean = []
    for name in NOT_YET_CONVERTED:
        path = REPO / name
        tree = ast.parse(path.read_text()) if path.is_file() else ast.Module([], [])
        if not any(next(rule(tree), None) for rule, _ in RULES):
            clean.append(name)
    assert clean == []


COPIES = ast.parse(
    """
import math
from math import isfinite as finite
def _finite(v) -> bool:
    return math.isfinite(v) and not np.isfinite(v) and finite(v)
def number(v) -> TypeGuard[float]: ...
def _number(path, cell) -> float: ...
ok = np.isfinite(x).all() and ~np.isfinite(y)
x = f"{a:.3f} {b:,} {c:.{n}g} {d:.0%} {e:<22} {f:03d} {g:>{w}}" + format(g, ".2e")
y = ", ".join(parts[:-1]) + " and " + parts[-1] + " or ".join(p) + ", ".join(names)
keys = f"keys: {', '.join(KEYS[:-1])}"
def listing(names, word):
    return f"{', '.join(names[:-1])} {word} {names[-1]}" if len(names) > 1 else names[0]
z = "Did you mean" + "%.2f %d %%" % (h, i) + "{:,} {}".format(j, k)
"""
)


def test_each_rule_sees_what_it_forbids_and_only_that() -> None:
    """So that an empty list above means no copy, not a blind rule."""

    def seen(rule: Callable[[ast.AST], Iterator[tuple[int, str]]]) -> list[str]:
        return sorted(found for _, found in rule(COPIES))

    assert seen(isfinite_calls) == ["finite(...)", "math.isfinite(...)", "np.isfinite(...)"]
    assert seen(number_predicates) == ["def _finite -> bool", "def number -> TypeGuard[float]"]
    assert seen(did_you_mean_texts) == ["'Did you mean'"]
    assert seen(hand_joins) == ["' or '.join(p)", "', '.join(names[:-1])", "', '.join(parts[:-1])"]
    assert seen(number_formats) == sorted([":.3f", ":,", ":.0g", ":.0%", ":.2e", ":f", ":,"])


# --- the helpers themselves ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, True),
        (0.5, True),
        (-3.0e300, True),
        (np.float32(0.25), True),
        (np.float64(2.0), True),
        (np.int64(7), True),
        (True, False),  # an int to Python, never a score
        (False, False),
        (np.bool_(True), False),
        (math.nan, False),
        (math.inf, False),
        (-math.inf, False),
        (np.float64("nan"), False),
        (None, False),
        ("1.0", False),
        ([1.0], False),
    ],
)
def test_is_finite_number(value: object, expected: bool) -> None:
    assert is_finite_number(value) is expected


@pytest.mark.parametrize(
    ("words", "conjunction", "expected"),
    [
        ([], "and", ""),
        (["a"], "and", "a"),
        (["a", "b"], "and", "a and b"),
        (["a", "b", "c"], "and", "a, b and c"),
        (["lstm", "gru", "rnn"], "or", "lstm, gru or rnn"),
    ],
)
def test_join_words(words: list[str], conjunction: str, expected: str) -> None:
    assert join_words(words, conjunction) == expected


def test_join_words_says_and_by_default() -> None:
    assert join_words(("x", "y")) == "x and y"


def test_did_you_mean_names_the_closest_known_word_or_says_otherwise() -> None:
    known = ["learning_rate", "units", "dropout"]
    assert did_you_mean("learning_rat", known) == "did you mean 'learning_rate'?"
    assert did_you_mean("zzz", known) == ""
    assert did_you_mean("zzz", known, "use one of units, dropout") == "use one of units, dropout"


def test_did_you_mean_can_prefer_a_word_that_begins_with_the_typo() -> None:
    metrics = ["val_loss", "val_auc", "val_accuracy"]
    assert did_you_mean("val_acc", metrics) == "did you mean 'val_auc'?"
    assert did_you_mean("val_acc", metrics, prefix_first=True) == "did you mean 'val_accuracy'?"


def test_unknown_keys_tips_each_key_and_lists_the_known_ones() -> None:
    assert unknown_keys(["unit"], ["units", "dropout"]) == (
        "unknown key 'unit' (did you mean 'units'?); known: units, dropout"
    )
    assert unknown_keys(["unit", "zzz"], ["units"]) == (
        "unknown keys 'unit' (did you mean 'units'?), 'zzz'; known: units"
    )


@pytest.mark.parametrize(
    ("written", "inline"),
    [
        (decimals(0.857142, 4), f"{0.857142:.4f}"),
        (decimals(12.5, 0), f"{12.5:.0f}"),
        (decimals(np.float32(0.1), 3), f"{np.float32(0.1):.3f}"),
        (significant(0.0123456, 3), f"{0.0123456:.3g}"),
        (significant(1234567.0, 6), f"{1234567.0:g}"),
        (significant(np.int64(5), 4), f"{np.int64(5):.4g}"),
        (percent(0.25), f"{0.25:.0%}"),
        (percent(0.0512, 1), f"{0.0512:.1%}"),
        (thousands(1234567), f"{1234567:,}"),
        (thousands(1234.6), f"{1234.6:,.0f}"),
        (thousands(10**20 + 1), "100,000,000,000,000,000,001"),
        (thousands(math.inf), "inf"),
    ],
)
def test_the_number_formats_write_what_the_inline_specs_wrote(written: str, inline: str) -> None:
    # The specs these replaced: the report's sentences are byte for byte the same.
    assert written == inline
