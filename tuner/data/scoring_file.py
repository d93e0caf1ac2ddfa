"""A file of the user's data for `tuner evaluate` (labelled) and `tuner predict` (unlabelled),
read as the run's own search reads its dataset kind, without Keras.

- Any run: an .npz with x (and y), see tuner.data.xy_file.
- sequences from a long .csv: the run's id, order, label and feature columns (its config.yaml);
  for predict the label column may be left out.
- csv and sine (regression): a series .csv with the run's target column (sine: ``value``) and
  the same other numeric columns; each window of ``window`` steps is a sample. To evaluate,
  the targets are the ``horizon`` steps after each window; to predict, every window is
  forecast, the last one past the end of the file.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tuner.config.sections import DataSection
from tuner.data import sequences, series, series_csv
from tuner.data.xy_file import as_inputs, read_xy
from tuner.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

SINE_TARGET = "value"  # the sine's one column, as the dataset names it


@dataclass(frozen=True)
class ScoringData:
    """Samples to score or predict: x as the model reads it (NaN padding after a shorter
    sequence's end), the labels or targets as written (None: unlabelled), and a name for each
    sample (``id_name`` is that column's header)."""

    x: np.ndarray
    y: np.ndarray | None
    ids: np.ndarray
    id_name: str
    source: str
    label_key: str = "y"  # names the labels in errors: y, data.label or data.target
    features: tuple[str, ...] | None = None  # a .csv's feature columns, as read
    series: series.Table | None = None  # regression from a .csv: the series, for the baselines
    starts: np.ndarray | None = None  # its windows' first rows


def read_scoring_file(
    path: Path, data: DataSection | None, labelled: bool, why: str = ""
) -> ScoringData:
    """The file's samples, for a run whose config has ``data`` (None: its config.yaml does not
    load, for the reason ``why``; then only an .npz is read); a one-line DataError naming the
    file, the line and the column where it does not fit."""
    if path.suffix.lower() == ".npz":
        x, y = read_xy(path, labelled)
        return ScoringData(x, y, np.arange(len(x)).astype(str), "index", str(path))
    if path.suffix.lower() != ".csv":
        raise DataError(
            f"expected an .npz or a .csv file, not {path.suffix or 'a file without a suffix'}; "
            f"give {'x and y' if labelled else 'x'} in an .npz (np.savez) or the run's kind "
            "of .csv",
            file=str(path),
        )
    if not path.is_file():
        raise DataError("no such file; check the path", file=str(path))
    if data is None:
        raise DataError(
            f"a .csv is read by the run's config.yaml, which does not load ({why}); give an "
            ".npz with arrays x and y (np.savez)",
            file=str(path),
        )
    if data.dataset in ("csv", "sine"):
        return _series_file(path, data, labelled)
    if data.dataset == "sequences" and data.id is not None and data.label is not None:
        return _sequences_file(path, data, labelled)
    trained = f"an .npz ({data.path})" if data.dataset == "sequences" else f"{data.dataset}"
    raise DataError(
        f"this run was trained on {trained}, with no id and label columns to read a .csv by; "
        "give an .npz with arrays x and y (np.savez)",
        file=str(path),
    )


def read_arrays(x: object) -> ScoringData:
    """Arrays x from a Python caller, checked as an .npz's x is."""
    values = np.asarray(x)
    if values.dtype.kind not in "biuf" or values.ndim not in (2, 3):
        raise DataError(
            f"x must hold numbers of shape (n, steps, features) or (n, steps), got "
            f"{values.shape} {values.dtype}",
            key="x",
        )
    values = as_inputs(values[:, :, None] if values.ndim == 2 else values, "the arrays", "x")
    return ScoringData(values, None, np.arange(len(values)).astype(str), "index", "the arrays")


def _sequences_file(path: Path, data: DataSection, labelled: bool) -> ScoringData:
    """The long .csv, by the run's columns; without labels, a stand-in label column."""
    import pandas as pd

    assert data.id is not None and data.label is not None
    features = tuple(data.features) if data.features else None
    columns = sequences.CsvColumns(data.id, data.label, data.order, features)
    table = _table(path)
    if not labelled and data.label not in table.columns:
        with tempfile.TemporaryDirectory() as folder:  # the same rows, one label for all
            stand_in = Path(folder) / path.name
            table.assign(**{data.label: "?"}).to_csv(stand_in, index=False)
            try:
                read = sequences.read_csv(str(stand_in), columns)
            except DataError as exc:
                raise DataError(exc.problem, file=str(path), line=exc.line, key=exc.key) from None
    else:
        read = sequences.read_csv(str(path), columns)
    ids = pd.unique(table[data.id].to_numpy()).astype(str)  # first appearance, as read_csv
    y = read.labels if labelled else None
    return ScoringData(read.x, y, ids, data.id, str(path), "data.label", read.features)


def _table(path: Path) -> pd.DataFrame:
    import pandas as pd

    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise DataError(
            f"cannot read it as CSV ({exc}); save it as comma-separated text", file=str(path)
        ) from None


def _series_file(path: Path, data: DataSection, labelled: bool) -> ScoringData:
    """Windows of the series: with targets (the horizon after each window) to evaluate, every
    window to predict."""
    target = data.target if data.dataset == "csv" else SINE_TARGET
    assert target is not None  # tuner.config requires it for csv
    table = series_csv.read_csv(str(path), target)
    steps, window, horizon = len(table.values), data.window, data.horizon
    needed = window + horizon if labelled else window
    if steps < needed:
        what = "window + horizon" if labelled else "window"
        raise DataError(
            f"holds {steps} time steps, fewer than {what} = {needed} that one sample needs; "
            "give a longer series",
            file=str(path),
        )
    starts = np.arange(steps - needed + 1)
    x = table.values[starts[:, None] + np.arange(window)]
    y = None
    if labelled:
        y = table.values[starts[:, None] + window + np.arange(horizon), 0]
    ids = table.time[starts + window - 1]  # each window's last step: the forecast's origin
    features = table.columns
    return ScoringData(x, y, ids, "time", str(path), "data.target", features, table, starts)
