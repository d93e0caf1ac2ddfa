"""How the toolkit writes values and durations for people: one formatter each, so the terminal,
the report and next.yaml's header say a value the same way."""

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
        log = getattr(param, "sampling", None) == "log" or name in SCIENTIFIC
        return f"{value:.2e}" if log else f"{value:.4g}"
    return str(value)


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
