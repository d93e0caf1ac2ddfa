"""How the toolkit writes values, scores, counts and durations for people: one formatter each,
so the terminal, the report and next.yaml's header say a value the same way."""

from __future__ import annotations

import math
from typing import Any

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
    if not is_number(value):
        return "—"
    return f"{value:.3f}" if metric.removeprefix("val_") in FRACTIONS else f"{value:.4g}"


def difference_text(metric: str, value: Any, of: Any) -> str:
    """A difference of two scores of ``metric`` at the precision score_text writes them in
    (``of`` is one of them): a train-validation gap beside accuracy 0.857 reads 0.011, not
    0.01111; beside a loss of 0.3456 it reads 0.0111."""
    if not is_number(value):
        return "—"
    if metric.removeprefix("val_") in FRACTIONS:
        decimals = 3
    elif is_number(of) and of != 0:
        decimals = max(0, 3 - math.floor(math.log10(abs(of))))
    else:
        return f"{value:.4g}"
    text = f"{value:.{decimals}f}"
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


def is_number(value: Any) -> bool:
    """A finite int or float, not a bool (True is an int to Python, never a score to us)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
