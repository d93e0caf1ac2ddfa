"""Time series for regression: the synthetic sine, windows and splits (the user's CSV is read
by tuner.data.series_csv).

A series is ``values`` (time steps x features, the target first) and ``target`` (time
steps). It is cut in time order into a training, a validation and a test part (no
shuffling across them); windows are made inside each part, so no window straddles a split.
Sample ``i`` of a part reads ``window`` steps and predicts the target 1..``horizon`` steps
after its last one. Scaling statistics come from the training part only. No Keras here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tuner.data import limits
from tuner.errors import DataError
from tuner.text import plural, thousands

SINE_PERIOD = 40  # the sine's default period in steps (data.period)
# The sine is a sum of harmonics of one period, so it repeats every `period` steps exactly:
# (cycles per period, amplitude, phase).
SINE_HARMONICS = ((1, 1.0, 0.0), (2, 0.5, 1.0), (5, 0.25, 2.0))
PARTS = ("training", "validation", "test")


@dataclass(frozen=True)
class Table:
    """A CSV read into numbers: the target column first among ``columns``."""

    columns: tuple[str, ...]
    values: np.ndarray  # (steps, features), float32
    time: np.ndarray  # (steps,) labels as text: the time column, or the row number
    # data.series: (steps,) each row's series, as text; None: one series
    ids: np.ndarray | None = None

    def by_series(self) -> list[tuple[str, Table]]:
        """(id, its rows) of each series, in the order each first appears; one series: its
        target column's name as the id."""
        if self.ids is None:
            return [(self.columns[0], self)]
        names = list(dict.fromkeys(self.ids.tolist()))
        return [(name, self.rows(self.ids == name)) for name in names]

    def rows(self, keep: np.ndarray) -> Table:
        ids = None if self.ids is None else self.ids[keep]
        return Table(self.columns, self.values[keep], self.time[keep], ids)


@dataclass(frozen=True)
class TargetScale:
    """Training-part statistics of the target: the head maps its output into target units
    with them (mean/std for the linear head, low/high for the sigmoid head)."""

    mean: float
    std: float
    low: float
    high: float


@dataclass(frozen=True)
class SeriesHistory:
    """One series as its baselines and its MASE need it: the whole target, how many of its
    first steps are the training part, and the last input step of each of its test windows."""

    id: str
    target: np.ndarray  # (steps,) in target units
    train_steps: int
    origins: np.ndarray  # (its test windows,) rows of ``target``
    naive_mae: float  # MASE's denominator: its training part's in-sample seasonal-naive MAE


@dataclass(frozen=True)
class Part:
    """The windows of one split: inputs, targets and the row where each window starts."""

    x: np.ndarray  # (samples, window, features)
    y: np.ndarray  # (samples, horizon)
    starts: np.ndarray  # (samples,) row of the first input step


def sine(length: int, period: int, noise: float, trend: float, seed: int) -> np.ndarray:
    """Harmonics of ``period`` steps, plus ``trend`` spread linearly over the whole series
    and Gaussian noise of standard deviation ``noise``; seeded."""
    t = np.arange(length, dtype="float64")
    wave = sum(a * np.sin(2 * np.pi * k * t / period + phase) for k, a, phase in SINE_HARMONICS)
    rise = trend * t / max(length - 1, 1)
    jitter = np.random.default_rng(seed).normal(0.0, noise, length) if noise else 0.0
    return np.asarray(wave + rise + jitter, dtype="float32")


def bounds(
    steps: int, validation_split: float, test_split: float, test_steps: int | None = None
) -> list[tuple[int, int]]:
    """[start, stop) of the training, validation and test parts, in time order; the test
    part the last ``test_steps`` steps when given, else the test_split share."""
    test = test_steps if test_steps is not None else round(steps * test_split)
    validation = round(steps * validation_split)
    train = steps - validation - test
    return [(0, train), (train, train + validation), (train + validation, steps)]


def split(
    values: np.ndarray,
    target: np.ndarray,
    window: int,
    horizon: int,
    fractions: tuple[float, float],
    file: str | None = None,
    test_steps: int | None = None,
) -> list[Part]:
    """Training, validation and test windows; a DataError when a part holds no window.

    With ``test_steps`` (walk-forward: data.test_steps) the validation and test windows are
    every window whose targets lie in the part, its inputs taken from the steps before it
    (earlier parts included): each origin in the span is forecast from its own lookback, and
    a test span needs no room for a window of its own. Without it, each part holds whole
    windows (the fraction-based split, kept for compatibility)."""
    steps = len(target)
    parts = bounds(steps, *fractions, test_steps)
    walk_forward = test_steps is not None
    for name, (start, stop) in zip(PARTS, parts, strict=True):
        if walk_forward and name != "training":
            if stop - start < horizon:
                raise DataError(
                    f"the {name} part has {stop - start} steps, fewer than the horizon "
                    f"({horizon}); raise data.test_steps or data.validation_split",
                    file=file,
                    key="data.test_steps" if name == "test" else "data.validation_split",
                )
            continue
        if stop - start < window + horizon:
            need = _shortest(window + horizon, fractions, steps, test_steps)
            raise DataError(
                f"the {name} part has {stop - start} of the series' {steps} steps, fewer than "
                f"window + horizon = {window + horizon}; lower data.window or data.horizon, "
                f"or give a series of at least {need} steps",
                file=file,
                key="data.window",
            )
    limits.check_array_bytes(
        steps * window * values.shape[1] * 4,
        f"the windows (about {thousands(steps)} of {thousands(window)} steps, "
        f"{plural(values.shape[1], 'feature')})",
        "lower data.window or give a shorter series",
        file=file,
        key="data.window",
    )
    return [
        windows(values, target, window, horizon, start, stop, lookback=walk_forward and i > 0)
        for i, (start, stop) in enumerate(parts)
    ]


def _shortest(
    needed: int, fractions: tuple[float, float], steps: int, test_steps: int | None = None
) -> int:
    """The fewest steps whose every part (walk-forward: the training part) holds ``needed``."""
    if test_steps is not None:
        length = steps
        while bounds(length, *fractions, test_steps)[0][1] < needed:
            length += 1
        return length
    smallest = min(fractions[0], fractions[1], 1 - sum(fractions))
    length = max(steps, math.floor(needed / smallest))
    while min(b - a for a, b in bounds(length, *fractions)) < needed:
        length += 1
    return length


def windows(
    values: np.ndarray,
    target: np.ndarray,
    window: int,
    horizon: int,
    start: int,
    stop: int,
    lookback: bool = False,
) -> Part:
    """The windows inside [start, stop), or with ``lookback`` every window whose targets lie
    in it (its inputs may start before ``start``)."""
    first = max(0, start - window) if lookback else start
    starts = np.arange(first, stop - window - horizon + 1)
    inputs = starts[:, None] + np.arange(window)
    targets = starts[:, None] + window + np.arange(horizon)
    return Part(values[inputs], target[targets], starts)


def target_scale(target: np.ndarray, normalize: bool) -> TargetScale:
    """From the training part's target; without normalize the linear head is the identity."""
    low, high = float(target.min()), float(target.max())
    if normalize:  # in float64: a float32 sum of squares overflows past about 1e19 per value
        mean, std = float(target.mean(dtype="float64")), float(target.std(dtype="float64"))
    else:
        mean, std = 0.0, 1.0
    return TargetScale(mean, std if std > 0 else 1.0, low, high if high > low else low + 1.0)


def naive_mae(target: np.ndarray, period: int | None) -> float:
    """The in-sample MAE of the seasonal naive forecast (one ``period`` back; without one,
    the last value) over ``target``, the training part: MASE's denominator, as in M4.
    NaN when the part is too short for one such forecast."""
    lag = period or 1
    values = np.asarray(target, "float64")
    if len(values) <= lag:
        return math.nan
    return float(np.abs(values[lag:] - values[:-lag]).mean())


def window_levels(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """data.scaling: window: each window's (level, scale), both (n, 1): its last target value,
    and the mean absolute change between its target values (else their mean absolute value,
    else 1), NaN padding left out; the numpy twin of tuner.engine.window_scaling."""
    target = np.asarray(x[..., 0], "float64")
    level = target[:, -1:]
    scale = _finite_mean(np.abs(np.diff(target, axis=1)))
    scale = np.where(scale > 0, scale, _finite_mean(np.abs(target)))
    return level, np.where(scale > 0, scale, 1.0)


def _finite_mean(values: np.ndarray) -> np.ndarray:
    real = ~np.isnan(values)
    total = np.where(real, values, 0.0).sum(axis=1, keepdims=True)
    return total / np.maximum(real.sum(axis=1, keepdims=True), 1)


def relative_windows(x: np.ndarray) -> np.ndarray:
    """data.scaling: window: windows (n, steps, features) with the target (feature 0) as
    (value - level) / scale (window_levels), as the model's RelativeToLevel layer sees them;
    the scaling statistics are taken on these."""
    level, scale = window_levels(x)
    out = np.array(x, dtype="float32", copy=True)
    out[..., 0] = (x[..., 0] - level) / scale
    return out


def relative_targets(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Targets (n, horizon) as (value - level) / scale of their window: what the model
    predicts under data.scaling: window."""
    level, scale = window_levels(x)
    return ((np.asarray(y, "float64") - level) / scale).astype("float32")


def target_times(time: np.ndarray, starts: np.ndarray, window: int, horizon: int) -> np.ndarray:
    """(samples, horizon) labels of the time steps each window predicts."""
    return time[starts[:, None] + window + np.arange(horizon)]


def baselines(
    target: np.ndarray, starts: np.ndarray, window: int, horizon: int, period: int | None
) -> dict[str, np.ndarray]:
    """Naive forecasts of each window's targets, in target units: the last value seen, and
    with a period the value one season before (seasons back as far as the horizon needs)."""
    last = starts + window - 1  # the last input step of each window
    out = {"last_value": np.repeat(target[last][:, None], horizon, axis=1)}
    if period:
        ahead = np.arange(1, horizon + 1)
        back = ((ahead - 1) // period + 1) * period
        rows = last[:, None] + ahead - back
        if rows.size and rows.min() >= 0:
            out["seasonal_naive"] = target[rows]
    return out
