"""Time series for regression: the synthetic sine, the user's CSV, windows and splits.

A series is ``values`` (time steps x features, the target first) and ``target`` (time
steps). It is cut in time order into a training, a validation and a test part (no
shuffling across them); windows are made inside each part, so no window straddles a split.
Sample ``i`` of a part reads ``window`` steps and predicts the target 1..``horizon`` steps
after its last one. Scaling statistics come from the training part only. No Keras here.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass

import numpy as np

from tuner.data import limits
from tuner.errors import DataError
from tuner.numbers import is_finite_number
from tuner.text import plural, thousands

SINE_PERIOD = 40  # the sine's default period in steps (data.period)
# The sine is a sum of harmonics of one period, so it repeats every `period` steps exactly:
# (cycles per period, amplitude, phase).
SINE_HARMONICS = ((1, 1.0, 0.0), (2, 0.5, 1.0), (5, 0.25, 2.0))
TIME_COLUMNS = ("time", "date", "datetime", "timestamp", "index")
MISSING = ("", "na", "n/a", "nan", "null", "none", "-")
PARTS = ("training", "validation", "test")
FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class Table:
    """A CSV read into numbers: the target column first among ``columns``."""

    columns: tuple[str, ...]
    values: np.ndarray  # (steps, features), float32
    time: np.ndarray  # (steps,) labels as text: the time column, or the row number


@dataclass(frozen=True)
class TargetScale:
    """Training-part statistics of the target: the head maps its output into target units
    with them (mean/std for the linear head, low/high for the sigmoid head)."""

    mean: float
    std: float
    low: float
    high: float


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
        _windows(values, target, window, horizon, start, stop, lookback=walk_forward and i > 0)
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


def _windows(
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


def relative_windows(x: np.ndarray) -> np.ndarray:
    """data.scaling: window: windows (n, steps, features) with the target (feature 0) minus
    each window's last target value, as the model's RelativeToLevel layer sees them
    (tuner.engine.window_scaling); the scaling statistics are taken on these."""
    out = np.array(x, dtype="float32", copy=True)
    out[..., 0] -= x[:, -1:, 0]
    return out


def relative_targets(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Targets (n, horizon) minus each window's last target value: what the model predicts
    under data.scaling: window."""
    return np.asarray(y, "float32") - x[:, -1:, 0]


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


def read_csv(path: str, target: str) -> Table:
    """A CSV with a header line: an optional time column (named time, date, datetime,
    timestamp or index), the target and other numeric columns, one row per time step."""
    rows = _rows(path)
    header = [name.strip() for name in rows[0][1]]
    _check_header(path, header, target)
    time_at = next((i for i, n in enumerate(header) if n.lower() in TIME_COLUMNS), None)
    numeric = [i for i in range(len(header)) if i != time_at]
    numeric.sort(key=lambda i: header[i] != target)  # the target first
    values = np.empty((len(rows) - 1, len(numeric)), dtype="float32")
    for r, (line, row) in enumerate(rows[1:]):
        if len(row) != len(header):
            raise DataError(
                f"a row of {plural(len(row), 'value')}, but the header has {len(header)} columns; "
                "give every row one value per column",
                file=path,
                line=line,
            )
        for c, i in enumerate(numeric):
            values[r, c] = _number(path, line, header[i], row[i])
    time = [row[time_at].strip() for _, row in rows[1:]] if time_at is not None else None
    if time is not None:
        _check_time(path, header[time_at or 0], time, [line for line, _ in rows[1:]])
    labels = np.array(time if time is not None else [str(i) for i in range(len(values))])
    return Table(tuple(header[i] for i in numeric), values, labels)


def _rows(path: str) -> list[tuple[int, list[str]]]:
    """(line, cells) of every row, the header first; blank lines only at the end."""
    limits.check_file_size(
        path, limits.MAX_CSV_BYTES, "give fewer time steps (e.g. resample the series)"
    )
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            rows = [(reader.line_num, row) for row in reader]
    except FileNotFoundError:
        raise DataError("no such file; check data.path", file=path, key="data.path") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(
            f"cannot read as a CSV text file ({exc.__class__.__name__}); give a UTF-8 CSV file",
            file=path,
            key="data.path",
        ) from None
    while rows and not any(cell.strip() for cell in rows[-1][1]):
        rows.pop()
    if not rows:
        raise DataError(
            "the file is empty; write a header line, then one row per time step", file=path
        )
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            raise DataError(
                "an empty row (a gap in the series); fill in the time step or remove the line",
                file=path,
                line=line,
            )
    return rows


def _check_header(path: str, header: list[str], target: str) -> None:
    seen = set()
    for name in header:
        if not name or name in seen:
            what = "an unnamed column" if not name else f"the column name '{name}' twice"
            raise DataError(
                f"the header has {what}; give every column its own name", file=path, line=1
            )
        seen.add(name)
    if target not in header:
        raise DataError(
            f"no column '{target}'; the header has {', '.join(header)}; "
            "set data.target to one of them",
            file=path,
            line=1,
            key="data.target",
        )
    if target.lower() in TIME_COLUMNS:
        raise DataError(
            f"'{target}' is the time column; set data.target to a numeric column",
            file=path,
            line=1,
            key="data.target",
        )


def _number(path: str, line: int, column: str, cell: str) -> float:
    text = cell.strip()
    try:
        value = float(text)
    except ValueError:
        value = math.nan
        if text.lower() not in MISSING:
            raise DataError(
                f"{text!r} is not a number; numeric columns hold numbers only "
                f"(a time column must be named {', '.join(TIME_COLUMNS)})",
                file=path,
                line=line,
                key=column,
            ) from None
    if not is_finite_number(value):
        raise DataError(
            f"a missing value ({text!r}), a gap in the series; fill it in (e.g. interpolate) "
            "or cut the file before it",
            file=path,
            line=line,
            key=column,
        )
    if abs(value) > FLOAT32_MAX:  # the values are float32: this one would become infinite
        raise DataError(
            f"{text} is beyond the largest 32-bit float (about 3.4e38) that the values are "
            "stored as; rescale the column (e.g. to thousands or millions)",
            file=path,
            line=line,
            key=column,
        )
    too_large = limits.magnitude_problem(value, "holds")
    if too_large:
        raise DataError(too_large, file=path, line=line, key=column)
    return value


def _check_time(path: str, column: str, time: list[str], lines: list[int]) -> None:
    """Time labels must be present and, where they read as numbers or dates, increase."""
    for text, line in zip(time, lines, strict=True):
        if text.lower() in MISSING:
            raise DataError(
                "a missing time; give every row its time step", file=path, line=line, key=column
            )
    order = _as_order(time)
    if order is None:
        return
    backwards = np.flatnonzero(np.diff(order) <= 0)
    if backwards.size:
        i = int(backwards[0])
        raise DataError(
            f"the time goes from {time[i]} back to {time[i + 1]}, or repeats; sort the rows "
            "by time and drop duplicates",
            file=path,
            line=lines[i + 1],
            key=column,
        )


def _as_order(time: list[str]) -> np.ndarray | None:
    """Numbers or dates as comparable numbers; None when the labels are neither."""
    try:
        return np.array([float(t) for t in time])
    except ValueError:
        pass
    import pandas as pd

    try:
        stamps = pd.to_datetime(pd.Series(time), format="mixed")
    except (ValueError, TypeError):
        return None
    return stamps.to_numpy().astype("datetime64[ns]").astype("int64").astype("float64")
