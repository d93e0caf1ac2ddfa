"""A sequences .csv in long format, read as text with each row's line: a header, then one row
per time step with exactly one cell per column. tuner.data.sequences makes sequences of it.

Rows are read by Python's csv module, so a row's line is the file's line (blank lines and
quoted line breaks counted) and a short or long row is said as such, at its line, before any
cell of it is read as a number.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tuner.data import limits
from tuner.errors import DataError
from tuner.text import plural

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class CsvColumns:
    """The columns of a long .csv that data.id, data.label, data.order, data.features and
    data.group name."""

    id: str
    label: str
    order: str | None = None
    features: tuple[str, ...] | None = None
    group: str | None = None


def read(path: str, columns: CsvColumns) -> tuple[pd.DataFrame, np.ndarray]:
    """(the cells as text, the line of each row); the id, label, order and group columns
    exist."""
    import pandas as pd

    limits.check_file_size(
        path, limits.MAX_CSV_BYTES, "give the sequences as an .npz (x_train, y_train) instead"
    )
    header, rows, lines = _rows(path)
    for key in ("id", "label", "order", "group"):
        name = getattr(columns, key)
        if name is not None and name not in header:
            raise DataError(
                f"no column {name!r}; the columns are {', '.join(header)}",
                file=path,
                line=1,
                key=f"data.{key}",
            )
    if not rows:
        raise DataError("holds no rows; give one row per time step", file=path)
    return pd.DataFrame(rows, columns=header, dtype=str), np.asarray(lines)


def _rows(path: str) -> tuple[list[str], list[list[str]], list[int]]:
    """The header, the rows (blank lines skipped) and each row's line."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [name.strip() for name in next(reader, [])]
            _check_header(path, header)
            rows, lines = [], []
            for row in reader:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # a blank line
                if len(row) != len(header):
                    raise DataError(
                        f"a row of {plural(len(row), 'value')}, but the header has {len(header)} "
                        "columns; give every row one value per column",
                        file=path,
                        line=reader.line_num,
                    )
                rows.append(row)
                lines.append(reader.line_num)
    except FileNotFoundError:
        raise DataError("no such file; check data.path", file=path, key="data.path") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(
            f"cannot read it as CSV ({exc.__class__.__name__}); save it as comma-separated "
            "UTF-8 text",
            file=path,
        ) from None
    return header, rows, lines


def _check_header(path: str, header: list[str]) -> None:
    if not header:
        raise DataError(
            "the file is empty; write a header line, then one row per time step", file=path
        )
    seen = set()
    for name in header:
        if not name or name in seen:
            what = "an unnamed column" if not name else f"the column name {name!r} twice"
            raise DataError(
                f"the header has {what}; give every column its own name", file=path, line=1
            )
        seen.add(name)


def numeric_columns(table: pd.DataFrame, columns: CsvColumns, path: str) -> tuple[str, ...]:
    """Every column besides id, label, order and group whose first cell is a number."""
    import pandas as pd

    taken = {columns.id, columns.label, columns.order, columns.group}
    numeric = []
    for name in table.columns:
        if name in taken:
            continue
        # By the first row: a later cell that is not a number is an error at its line.
        if pd.notna(pd.to_numeric(table[name].iloc[0].strip(), errors="coerce")):
            numeric.append(str(name))
    if not numeric:
        raise DataError(
            "has no numeric column besides the id, label and order columns; add features",
            file=path,
            key="data.features",
        )
    return tuple(numeric)


def numbers(table: pd.DataFrame, chosen: tuple[str, ...] | list[str], line: np.ndarray,
            path: str) -> np.ndarray:  # fmt: skip
    """The feature columns as float32 (rows, features): every cell a finite number within
    limits.MAX_MAGNITUDE, else a DataError at the cell's line and column."""
    import pandas as pd

    values = np.empty((len(table), len(chosen)), dtype="float32")
    for i, name in enumerate(chosen):
        text = table[name].str.strip()
        parsed = pd.to_numeric(text, errors="coerce").to_numpy("float64")
        bad = np.flatnonzero(~np.isfinite(parsed) | (np.abs(parsed) > limits.FLOAT32_MAX))
        if len(bad):
            raise _cell_error(path, int(line[bad[0]]), name, text.iloc[bad[0]])
        at, value = limits.largest(parsed)
        too_large = limits.magnitude_problem(value, f"column {name!r} holds")
        if too_large:
            raise DataError(too_large, file=path, line=int(line[at]), key="data.features")
        values[:, i] = parsed
    return values


def _cell_error(path: str, line: int, column: str, cell: str) -> DataError:
    if not cell:
        problem = (
            f"column {column!r} is empty; every feature needs a number in every row (fill in "
            "the value or drop the row)"
        )
    elif _number(cell) is not None:  # inf, nan or beyond float32
        problem = (
            f"column {column!r} holds {cell!r}, not a finite 32-bit number (at most about "
            "3.4e38); clean or rescale the column"
        )
    else:
        problem = (
            f"column {column!r} holds {cell!r}, not a number; every feature column must hold "
            "numbers only (name the features in data.features to leave a column out)"
        )
    return DataError(problem, file=path, line=line, key="data.features")


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def order(table: Any, column: str | None, line: np.ndarray, path: str) -> np.ndarray:
    """Each row's position in its sequence: the order column, else file order."""
    import pandas as pd

    if column is None:
        return np.arange(len(table), dtype="float64")
    values = pd.to_numeric(table[column].str.strip(), errors="coerce").to_numpy("float64")
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        raise DataError(
            f"column {column!r} holds {table[column].iloc[bad[0]]!r}, not a number",
            file=path,
            line=int(line[bad[0]]),
            key="data.order",
        )
    return values
