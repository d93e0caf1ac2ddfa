"""How the toolkit writes values, scores, counts and durations for people: one formatter each,
so the terminal, the report and next.yaml's header say a value the same way."""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Sequence
from typing import Any

from tuner.numbers import is_finite_number

SCIENTIFIC = ("learning_rate", "l1", "l2")  # span decades: 1.00e-04 reads better than 0.0001


def value_text(name: str, value: Any, param: Any = None) -> str:
    """A hyperparameter's value: scientific notation for log ranges and rates, 4 significant
    digits for other floats, YAML's true/false, '—' for a value the trial did not use.

    ``param`` is the tuner.config.space.Param of ``name`` where known (its ``sampling``)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if value == 0:
            return "0"
        log = getattr(param, "sampling", None) == "log" or name in SCIENTIFIC
        return f"{value:.2e}" if log else f"{value:.4g}"
    return str(value)


# Scores in [0, 1]: 3 decimals, finer than any split's noise.
FRACTIONS = ("accuracy", "auc", "precision", "recall", "f1")


def score_text(metric: str, value: Any) -> str:
    """A metric's value: 3 decimals for fractions (accuracy: 0.857, as their 95% intervals are
    written), 4 significant digits for losses and errors, '—' for no number."""
    if not is_finite_number(value):
        return "—"
    return f"{value:.3f}" if metric.removeprefix("val_") in FRACTIONS else f"{value:.4g}"


def difference_text(metric: str, value: Any, of: Any) -> str:
    """A difference of two scores of ``metric`` at the precision score_text writes them in
    (``of`` is one of them): a train-validation gap beside accuracy 0.857 reads 0.011, not
    0.01111; beside a loss of 0.3456 it reads 0.0111."""
    if not is_finite_number(value):
        return "—"
    if metric.removeprefix("val_") in FRACTIONS:
        places = 3
    elif is_finite_number(of) and of != 0:
        places = max(0, 3 - math.floor(math.log10(abs(of))))
    else:
        return significant(value, 4)
    text = decimals(value, places)
    return text.removeprefix("-") if float(text) == 0 else text  # never "-0.000"


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """'1 search session', '2 search sessions', '0 files'; ``nouns`` where adding s is wrong."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def duration(seconds: float) -> str:
    """'4.2 s', '1 min 01 s', '1 h 02 min'."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"


# The number formats, one name each: outside this module a number is written through one of
# these or the formatters above, never an inline format spec (tests/architecture/
# test_single_sources.py holds the package to it), so each precision has a name and one home.


def decimals(value: float, places: int) -> str:
    """``places`` digits after the point: decimals(0.85714, 4) is '0.8571', decimals(12.0, 0)
    is '12'."""
    return f"{value:.{places}f}"


def significant(value: float, digits: int) -> str:
    """``digits`` significant digits, scientific where Python's 'g' chooses it:
    significant(0.0123456, 3) is '0.0123', significant(1234567.0, 6) is '1.23457e+06'."""
    return f"{value:.{digits}g}"


def percent(fraction: float, places: int = 0) -> str:
    """A fraction as a percentage: percent(0.25) is '25%', percent(0.0512, 1) is '5.1%'."""
    return f"{fraction:.{places}%}"


def percent_against(fraction: float, bound: float) -> str:
    """``fraction`` as a percentage at the precision it was compared with ``bound``: a share of
    0.0496 checked against 5% reads '4.96%', never a '5%' that looks like the bound itself."""
    for places in range(4):
        text = percent(fraction, places)
        if fraction == bound or text != percent(bound, places):
            return text
    return percent(fraction, 4)


def thousands(number: float) -> str:
    """A whole number with thousands separators: thousands(12345) is '12,345'; a float is
    rounded (thousands(1234.6) is '1,235'), an infinite one is 'inf'."""
    # An int exactly, however large; a float through .0f, which also writes inf and nan.
    return f"{number:,}" if isinstance(number, int) else f"{number:,.0f}"


def join_words(words: Sequence[str], conjunction: str = "and") -> str:
    """An English list: 'a', 'a and b', 'a, b and c' (no Oxford comma); '' for none;
    ``conjunction`` 'or' for a choice: 'a, b or c'."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def did_you_mean(
    word: str, known: Iterable[str], otherwise: str = "", *, prefix_first: bool = False
) -> str:
    """The tip "did you mean 'learning_rate'?" with the known word closest to ``word``
    (difflib's judgement), or ``otherwise`` where none is close. ``prefix_first``: a known word
    that begins with ``word`` wins over a closer spelling (val_acc: val_accuracy, not val_auc)."""
    candidates = list(known)
    near = [k for k in candidates if k.startswith(word)][:1] if prefix_first else []
    near = near or difflib.get_close_matches(word, candidates, n=1)
    return f"did you mean '{near[0]}'?" if near else otherwise


def unknown_keys(unknown: Sequence[str], known: Sequence[str]) -> str:
    """The problem "unknown key 'lr' (did you mean 'learning_rate'?); known: a, b": each
    unknown key with the known one closest to it, where one is close, then every known key."""
    named = []
    for key in unknown:
        tip = did_you_mean(key, known)
        named.append(f"'{key}' ({tip})" if tip else f"'{key}'")
    noun = "key" if len(unknown) == 1 else "keys"
    return f"unknown {noun} {', '.join(named)}; known: {', '.join(known)}"
