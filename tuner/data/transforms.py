"""data.transform: the target seen as its log, its change from the step before, or its change
from one season before (a chain of them, in order), and the inverse that takes a forecast
back to the target's units. No Keras here: tuner.engine.target_transform is the same map
inside the model, so the exported model takes raw windows and forecasts in target units;
this one gives the scaling statistics of what the model sees.

Each transform maps the target's path over a window and the steps it forecasts, oldest
first: ``log`` takes the natural log (the target must be positive); ``difference`` the change
from the step before; ``seasonal_difference`` the change from ``period`` steps before. A step
with nothing that far back in the window counts as no change (0); NaN padding stays NaN.
"""

from __future__ import annotations

import numpy as np

TRANSFORMS = ("log", "difference", "seasonal_difference")


def lags(chain: tuple[str, ...], period: int | None) -> list[int]:
    """Each transform's lag: 0 for log, 1 for difference, the period for seasonal_difference."""
    return [
        0 if name == "log" else 1 if name == "difference" else int(period or 0) for name in chain
    ]


def forward_path(path: np.ndarray, chain: tuple[str, ...], period: int | None) -> np.ndarray:
    """(n, steps) target paths -> the same, transformed by each of ``chain`` in turn."""
    out = np.asarray(path, "float64")
    for name, lag in zip(chain, lags(chain, period), strict=True):
        if name == "log":
            with np.errstate(invalid="ignore", divide="ignore"):  # checked before: positive
                out = np.log(out)
            continue
        before = np.concatenate([out[:, :lag], out[:, :-lag]], axis=1)  # the first steps: self
        out = out - before
    return out


def transform_windows(
    x: np.ndarray, y: np.ndarray | None, chain: tuple[str, ...], period: int | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Windows (n, steps, features) and their targets (n, horizon) as the model sees them: the
    target (feature 0) transformed over the window and the forecast steps together."""
    if not chain:
        return x, y
    steps = x.shape[1]
    path = x[..., 0] if y is None else np.concatenate([x[..., 0], y], axis=1)
    moved = forward_path(path, chain, period)
    out = np.array(x, dtype="float32", copy=True)
    out[..., 0] = moved[:, :steps]
    return out, None if y is None else moved[:, steps:].astype("float32")


def non_positive(target: np.ndarray) -> int | None:
    """The index of the first value <= 0 (which has no log), or None."""
    bad = np.flatnonzero(np.asarray(target) <= 0)
    return int(bad[0]) if bad.size else None
