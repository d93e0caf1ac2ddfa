"""Many series, one model (data.series): the windows of every series in one training set.

Each series is cut by steps, not by shares of one length: its last ``test_steps`` steps are
its test span, the ``validation_split`` share before them (at least the horizon) its
validation span, the rest its training part, and every origin in the two spans is forecast
from the ``window`` steps before it (walk-forward, as tuner.data.series.split). A series
whose training part is shorter than window + horizon still trains: NaN steps before its
start fill its first windows, which the model masks, as it masks a short sequence's
padding. A series with no usable history (a training part of no more than the horizon) is
refused with its id. The parts of all series are concatenated, series after series; the
test windows remember their series, for MASE per series. No Keras here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tuner.data import series
from tuner.data.series import Part, SeriesHistory, Table
from tuner.errors import DataError


@dataclass(frozen=True)
class Panel:
    """The windows of every series, each part concatenated over series."""

    parts: tuple[Part, Part, Part]  # training, validation, test
    histories: tuple[SeriesHistory, ...]  # one per series, in order
    test_series: np.ndarray  # (test windows,) each one's index in ``histories``
    time_test: np.ndarray  # (test windows, horizon) labels of the predicted steps
    baselines: dict[str, np.ndarray]  # name -> (test windows, horizon), in target units
    train_rows: np.ndarray  # (steps, features) every series' training part, stacked
    # (training + validation windows,) each one's first target, in steps after the test span's
    # start (negative), in the pool's order (tuner.data.backtest)
    pool_offsets: np.ndarray
    pool_series: np.ndarray  # (training + validation windows,) each one's index in histories
    padded: bool  # some series is shorter than window + horizon in its training part


def spans(steps: int, horizon: int, validation_split: float, test_steps: int) -> tuple[int, int]:
    """(training steps, validation steps) of a series of ``steps``: the test span is the last
    ``test_steps``, the validation span the validation_split share before it, at least the
    horizon."""
    validation = max(horizon, round(steps * validation_split))
    return steps - validation - test_steps, validation


def split_panel(
    table: Table,
    window: int,
    horizon: int,
    validation_split: float,
    test_steps: int,
    period: int | None,
    file: str | None = None,
) -> Panel:
    """Every series' training, validation and test windows, concatenated; a DataError naming
    the first series with no usable history."""
    parts: list[list[Part]] = [[], [], []]
    histories, which, times, padded = [], [], [], False
    baselines: dict[str, list[np.ndarray]] = {}
    rows = []
    offsets: list[list[np.ndarray]] = [[], []]
    owners: list[list[np.ndarray]] = [[], []]  # each training and validation window's series
    for index, (name, one) in enumerate(table.by_series()):
        train, validation = spans(len(one.values), horizon, validation_split, test_steps)
        if train <= horizon:
            raise DataError(
                f"series '{name}' has {len(one.values)} steps: with {test_steps} to test and "
                f"{validation} to validate, {max(train, 0)} are left to train on, and a window "
                f"needs at least horizon + 1 = {horizon + 1}; drop the series or lower "
                "data.test_steps",
                file=file,
                key="data.series",
            )
        pad = max(0, window + horizon - train)  # < window: every target is a real step
        padded = padded or pad > 0
        values = np.concatenate([np.full((pad, one.values.shape[1]), np.nan), one.values])
        target = values[:, 0]
        cuts = (0, pad + train, pad + train + validation, len(values))
        for i in range(3):
            parts[i].append(
                series.windows(values, target, window, horizon, cuts[i], cuts[i + 1], i > 0)
            )
        for i in range(2):
            offsets[i].append(parts[i][-1].starts + window - cuts[2])
            owners[i].append(np.full(len(parts[i][-1].starts), index))
        test = parts[2][-1]
        origins = test.starts + window - 1 - pad  # the last input step, in the series' rows
        history = one.values[:, 0]
        histories.append(
            SeriesHistory(name, history, train, origins, _naive_mae(history[:train], period))
        )
        which.append(np.full(len(origins), index))
        times.append(one.time[origins[:, None] + 1 + np.arange(horizon)])
        for key, made in seasonal_or_last(history, origins, horizon, period).items():
            baselines.setdefault(key, []).append(made)
        rows.append(one.values[:train])
    joined = tuple(_join(part) for part in parts)
    return Panel(
        parts=(joined[0], joined[1], joined[2]),
        histories=tuple(histories),
        test_series=np.concatenate(which),
        time_test=np.concatenate(times),
        baselines={key: np.concatenate(made) for key, made in baselines.items()},
        train_rows=np.concatenate(rows),
        padded=padded,
        pool_offsets=np.concatenate([np.concatenate(o) for o in offsets]),
        pool_series=np.concatenate([np.concatenate(o) for o in owners]),
    )


def _join(parts: list[Part]) -> Part:
    return Part(
        np.concatenate([p.x for p in parts]).astype("float32"),
        np.concatenate([p.y for p in parts]).astype("float32"),
        np.concatenate([p.starts for p in parts]),
    )


def _naive_mae(train: np.ndarray, period: int | None) -> float:
    """MASE's denominator for one series: one season back, or one step back where its
    training part is too short for a season (as M4 does for its short series)."""
    seasonal = series.naive_mae(train, period)
    return seasonal if seasonal > 0 else series.naive_mae(train, None)


def seasonal_or_last(
    target: np.ndarray, origins: np.ndarray, horizon: int, period: int | None
) -> dict[str, np.ndarray]:
    """The last value, and with a period the value one season back, else the last value
    where the series does not reach a season back from an origin."""
    out = {"last_value": np.repeat(target[origins][:, None], horizon, axis=1)}
    if period:
        ahead = np.arange(1, horizon + 1)
        rows = origins[:, None] + ahead - ((ahead - 1) // period + 1) * period
        out["seasonal_naive"] = np.where(rows >= 0, target[np.maximum(rows, 0)], out["last_value"])
    return out
