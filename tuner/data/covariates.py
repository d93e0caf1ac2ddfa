"""data.covariates: what each of a csv's other columns is known for at a forecast's origin.

- past-only (every column not named): known up to the origin, read over the window as today;
- ``future``: known ahead (a calendar, planned promotions): read ``horizon`` steps ahead of
  the others, so the window's last step carries the value at the last step forecast, and
  each earlier step the value that many steps after it. The model keeps one input (the
  window) and learns what the coming steps hold; `tuner forecast` then needs those values
  for the steps it forecasts: rows after a series' last target, the target left empty;
- ``static``: one value per series (a store's size), checked constant within each series.

No Keras here.
"""

from __future__ import annotations

import numpy as np

from tuner.config.sections import Covariates
from tuner.data.series import Table
from tuner.errors import DataError
from tuner.text import join_words


def with_roles(table: Table, roles: Covariates | None, horizon: int, file: str | None) -> Table:
    """``table`` with its future-known columns read ``horizon`` steps ahead; a DataError for
    a named column the file lacks or a static one that changes inside a series."""
    if roles is None:
        return table
    for key, names in (("future", roles.future), ("static", roles.static)):
        for name in names:
            if name not in table.columns[1:]:
                raise DataError(
                    f"no input column '{name}'; the inputs besides the target are "
                    f"{join_words(list(table.columns[1:])) or 'none'}",
                    file=file,
                    key=f"data.covariates.{key}",
                )
    for name in roles.static:
        column = table.columns.index(name)
        for series, one in table.by_series():
            if len(np.unique(one.values[:, column])) > 1:
                raise DataError(
                    f"'{name}' changes inside series '{series}', but a static column holds one "
                    "value per series; list it under past or future covariates instead",
                    file=file,
                    key="data.covariates.static",
                )
    future = future_columns(table, roles)
    if not future:
        return table
    values = np.array(table.values, copy=True)
    for _, keep in _rows_of_each_series(table):
        values[keep[:, None], future] = lead(table.values[keep][:, future], horizon)
    return Table(table.columns, values, table.time, table.ids)


def future_columns(table: Table, roles: Covariates | None) -> list[int]:
    """The positions of the future-known columns among the table's columns."""
    return [table.columns.index(name) for name in (roles.future if roles else [])]


def lead(values: np.ndarray, horizon: int) -> np.ndarray:
    """(steps, k) -> each step holding the value ``horizon`` steps later (NaN past the end:
    no window whose targets exist reads those steps)."""
    out = np.full(values.shape, np.nan, dtype="float32")
    out[: max(len(values) - horizon, 0)] = values[horizon:]
    return out


def _rows_of_each_series(table: Table) -> list[tuple[str, np.ndarray]]:
    if table.ids is None:
        return [(table.columns[0], np.arange(len(table.values)))]
    return [(name, np.flatnonzero(table.ids == name)) for name in dict.fromkeys(table.ids.tolist())]
