"""A series CSV read into numbers: a header line, an optional time column, the target and
other numeric columns, one row per time step; with ``data.series`` a long file of many series
(a column naming each row's series), each series' rows in time order. Every problem is one
line naming the file, the line and the column. No Keras here.
"""

from __future__ import annotations

import csv
import math

import numpy as np

from tuner.data import limits
from tuner.data.series import Table
from tuner.errors import DataError
from tuner.numbers import is_finite_number
from tuner.text import plural

TIME_COLUMNS = ("time", "date", "datetime", "timestamp", "index")
MISSING = ("", "na", "n/a", "nan", "null", "none", "-")
FLOAT32_MAX = float(np.finfo(np.float32).max)


def read_csv(
    path: str, target: str, series: str | None = None, future: tuple[str, ...] | None = None
) -> Table:
    """A CSV with a header line: an optional time column (named time, date, datetime,
    timestamp or index), the target and other numeric columns, one row per time step; with
    ``series`` (data.series) also that column, naming each row's series (text), the time then
    increasing within each series. With ``future`` (tuner forecast of a run with future-known
    covariates) a row with no target is a step to forecast: only those columns are read (the
    others NaN), and such rows must follow every row of their series that has a target."""
    rows = _rows(path)
    header = [name.strip() for name in rows[0][1]]
    _check_header(path, header, target, series)
    time_at = next((i for i, n in enumerate(header) if n.lower() in TIME_COLUMNS), None)
    series_at = header.index(series) if series is not None else None
    numeric = [i for i in range(len(header)) if i not in (time_at, series_at)]
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
        ahead = future is not None and row[numeric[0]].strip().lower() in MISSING
        for c, i in enumerate(numeric):
            if ahead and header[i] not in (future or ()):
                values[r, c] = math.nan  # a step to forecast: only future-known columns
                continue
            values[r, c] = _number(path, line, header[i], row[i])
    lines = np.array([line for line, _ in rows[1:]])
    ids = None
    if series_at is not None:
        ids = np.array([row[series_at].strip() for _, row in rows[1:]])
        _check_ids(path, header[series_at], ids, lines)
    if time_at is None:
        labels = np.array([str(i) for i in range(len(values))])
    else:
        labels = np.array([row[time_at].strip() for _, row in rows[1:]])
        each = [ids == name for name in dict.fromkeys(ids.tolist())] if ids is not None else None
        for keep in each or [np.ones(len(labels), bool)]:
            _check_time(path, header[time_at], labels[keep].tolist(), lines[keep].tolist())
    table = Table(tuple(header[i] for i in numeric), values, labels, ids)
    if future is not None:
        _check_steps_ahead(path, table, lines)
    return table


def _check_steps_ahead(path: str, table: Table, lines: np.ndarray) -> None:
    """Rows without a target (steps to forecast) only after a series' last target."""
    for name, _ in table.by_series():
        mine = np.flatnonzero(table.ids == name) if table.ids is not None else np.arange(len(lines))
        known = ~np.isnan(table.values[mine, 0])
        if known.any() and not known[: int(np.flatnonzero(known).max()) + 1].all():
            gap = int(mine[np.flatnonzero(~known)[0]])
            raise DataError(
                f"a row with no {table.columns[0]} before the series' last value; only the steps "
                "to forecast, after it, may leave the target empty",
                file=path,
                line=int(lines[gap]),
                key=table.columns[0],
            )


def _check_ids(path: str, column: str, ids: np.ndarray, lines: np.ndarray) -> None:
    missing = np.flatnonzero(np.isin(np.char.lower(ids.astype(str)), MISSING))
    if missing.size:
        raise DataError(
            "a row names no series; give every row its series",
            file=path,
            line=int(lines[missing[0]]),
            key=column,
        )


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


def _check_header(path: str, header: list[str], target: str, series: str | None = None) -> None:
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
    if series is not None and (
        series not in header or series in (target,) or series.lower() in TIME_COLUMNS
    ):
        why = (
            f"no column '{series}'; the header has {', '.join(header)}"
            if series not in header
            else f"'{series}' is the {'target' if series == target else 'time'} column"
        )
        raise DataError(
            f"{why}; set data.series to the column naming each row's series",
            file=path,
            line=1,
            key="data.series",
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
