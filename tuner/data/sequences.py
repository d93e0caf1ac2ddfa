"""The sequences dataset: the user's own labelled sequences, of any length, from a file.

A .csv is read in long format: a header, then one row per time step, the rows of a sequence
sharing the `id` column, in file order or by an `order` column. An .npz holds x_train and
y_train, and optionally x_val/y_val and x_test/y_test; x is (n, steps, features) or
(n, steps). Shorter sequences end in NaN padding (the convention of aeon and sktime): the
model masks those steps out and the scaling statistics ignore them.

Labels may be numbers or text. Classes are numbered in sorted order of their names, and those
names (runs/<name>/best/classes.json) give the model's outputs their meaning. Two classes make
a binary target (one sigmoid output: the second class's probability); an .npz's y may also be
an (n, labels) 0/1 matrix, a multi-label target (one sigmoid per label).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tuner.data import limits, long_csv
from tuner.data import npz as npz_file
from tuner.data.long_csv import CsvColumns
from tuner.errors import DataError
from tuner.text import plural, significant, thousands

SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class Labelled:
    """Sequences as read: x is (n, steps, features) float32, NaN after each sequence's end;
    labels are as written (numbers or text), one per sequence."""

    x: np.ndarray
    labels: np.ndarray
    features: tuple[str, ...]
    groups: np.ndarray | None = None  # data.group: each sequence's group, as written


def read_csv(path: str, columns: CsvColumns, features: tuple[str, ...] | None = None) -> Labelled:
    """A long-format .csv; ``features``, when given, must be the training file's features."""
    table, line = long_csv.read(path, columns)
    labels = table[columns.label].to_numpy()
    limits.check_classes(
        len(set(labels.tolist()) - {""}),
        f"column {columns.label!r} holds",
        file=path,
        key="data.label",
    )
    chosen = features or columns.features or long_csv.numeric_columns(table, columns, path)
    missing = [c for c in chosen if c not in table.columns]
    if missing:
        problem = f"no column {missing[0]!r}; the columns are {', '.join(table.columns)}"
        if features is not None:
            problem = f"has no feature column {missing[0]!r} of the training file; add it"
        raise DataError(problem, file=path, line=1, key="data.features")
    values = long_csv.numbers(table, chosen, line, path)
    for key, what in (
        ("id", "name the sequence of every row"),
        ("label", "label every row"),
        ("group", "name the group of every row"),
    ):
        name = getattr(columns, key)
        if name is None:
            continue
        empty = np.flatnonzero(table[name].str.strip() == "")
        if len(empty):
            raise DataError(
                f"column {name!r} is empty; {what}",
                file=path,
                line=int(line[empty[0]]),
                key=f"data.{key}",
            )
    ids = table[columns.id].to_numpy()
    order = long_csv.order(table, columns.order, line, path)
    first_rows: dict[str, list[int]] = {}
    for row, name in enumerate(ids):  # sequences in order of first appearance in the file
        first_rows.setdefault(name, []).append(row)
    longest = max(first_rows, key=lambda name: len(first_rows[name]))
    check_padded(len(first_rows), len(first_rows[longest]), len(chosen), path, repr(longest))
    for rows in first_rows.values():
        rows.sort(key=lambda r: (order[r], r))  # steps by order, ties in file order
    rows_of = list(first_rows.values())
    sequences = [values[rows] for rows in rows_of]
    sequence_labels = [_label(v) for v in _per_sequence(labels, rows_of, ids, line, path, "label")]
    groups = None
    if columns.group is not None:
        cells = table[columns.group].to_numpy()
        groups = np.asarray(_per_sequence(cells, rows_of, ids, line, path, "group"), dtype=str)
    return Labelled(pad(sequences), np.asarray(sequence_labels), tuple(chosen), groups)


def _per_sequence(
    cells: np.ndarray,
    rows_of: list[list[int]],
    ids: np.ndarray,
    line: np.ndarray,
    path: str,
    what: str,
) -> list[object]:
    """Each sequence's value of a column that must not change inside a sequence (its label,
    data.group's group); a DataError at the first row where it does."""
    found = []
    for rows in rows_of:
        changed = [r for r in rows if cells[r] != cells[rows[0]]]
        if changed:
            raise DataError(
                f"the {what} changes inside sequence {ids[rows[0]]!r} ({cells[rows[0]]!r}, then "
                f"{cells[changed[0]]!r}); one {what} per sequence",
                file=path,
                line=int(line[changed[0]]),
                key=f"data.{what}",
            )
        found.append(cells[rows[0]])
    return found


def check_padded(
    count: int, steps: int, features: int, path: str | None, longest: str, key: str = "data.path"
) -> None:
    """``count`` sequences padded to ``steps`` steps must fit in limits.MAX_ARRAY_BYTES."""
    limits.check_array_bytes(
        count * steps * features * 4,
        f"{thousands(count)} sequences padded to the longest (sequence {longest}, "
        f"{thousands(steps)} steps) of {plural(features, 'feature')}",
        "cut or split the long sequences, or give fewer",
        file=path,
        key=key,
    )


def _label(text: object) -> object:
    """Integer-looking labels as integers (0, 1, 2 sort as numbers), others as text."""
    cell = str(text).strip()
    try:
        return int(cell)
    except ValueError:
        return cell


def read_npz(path: str) -> dict[str, Labelled]:
    """The .npz's splits, by name (train always; val and test where the file holds them)."""
    opened = npz_file.open_npz(
        path,
        unreadable="not an .npz file (empty, truncated or another format); save the arrays "
        "with np.savez",
        no_file="no such file; check data.path",
    )
    with opened as npz:
        present = [s for s in SPLITS if s == "train" or f"x_{s}" in npz or f"y_{s}" in npz]
        for split in present:
            for key in (f"x_{split}", f"y_{split}"):
                if key not in npz:
                    raise DataError(
                        f"missing array {key!r}; save x_{split} and y_{split}", file=path
                    )
        names = [f"{xy}_{split}" for split in present for xy in "xy"]
        arrays = npz_file.read_arrays(npz, names, path)
    out = {split: _split(arrays, split, path) for split in present}
    _check_alike(out, path)
    return out


def _split(arrays: dict[str, np.ndarray], split: str, path: str) -> Labelled:
    xk, yk = f"x_{split}", f"y_{split}"
    x = _kind(arrays[xk], xk, path, "biuf", "numbers")
    y = _kind(arrays[yk], yk, path, "biuU", "integers or text (dtype str)")
    x = x[:, :, None] if x.ndim == 2 else x
    shapes_ok = x.ndim == 3 and y.ndim in (1, 2) and len(x) == len(y)
    if not shapes_ok or not len(x) or not x.shape[1] or not x.shape[2]:
        raise DataError(
            f"{xk} must be (n, steps, features) or (n, steps) and {yk} (n,) labels or "
            f"(n, labels) 0/1, n, steps and features > 0; got {x.shape} and {y.shape}",
            file=path,
            key=xk,
        )
    _check_values(x, path, xk)
    check_padding(x, path, xk)
    classes = y.shape[1] if y.ndim == 2 else len(np.unique(y))
    limits.check_classes(classes, f"{yk} holds", file=path, key=yk)
    return Labelled(x.astype("float32"), y, tuple(f"x{i}" for i in range(x.shape[2])))


def _kind(values: np.ndarray, key: str, path: str, kinds: str, wanted: str) -> np.ndarray:
    """One array of the .npz, of dtype kinds ``kinds`` ("biuf": numbers)."""
    if values.dtype.kind not in kinds:
        raise DataError(f"{key} holds {values.dtype} values; give {wanted}", file=path, key=key)
    return values


def _check_values(x: np.ndarray, path: str, key: str) -> None:
    """No infinite values (NaN is padding, checked next), none past float32 or past
    limits.MAX_MAGNITUDE; each named by sequence and step."""
    infinite = np.argwhere(np.isinf(x))
    if len(infinite):
        n, step = (int(i) for i in infinite[0][:2])
        raise DataError(
            f"sequence {n} has an infinite value at step {step}; clean or drop it",
            file=path,
            key=key,
        )
    if not x.size:
        return  # no steps: check_padding says so
    at, value = limits.largest(x)
    n, step = (int(i) for i in np.unravel_index(at, x.shape)[:2])
    where = f"sequence {n} holds at step {step}"
    if abs(value) > limits.FLOAT32_MAX:
        raise DataError(
            f"{where} {significant(value, 6)}, beyond the largest 32-bit float (about 3.4e38) "
            "the sequences are stored as; rescale them",
            file=path,
            key=key,
        )
    too_large = limits.magnitude_problem(value, where)
    if too_large:
        raise DataError(too_large, file=path, key=key)


def _check_alike(parts: dict[str, Labelled], path: str) -> None:
    """Every split with the training split's features (steps may differ: padding), and the
    splits padded alike within the array bound."""
    features = parts["train"].x.shape[2]
    for split, part in parts.items():
        if part.x.shape[2] != features:
            raise DataError(
                f"{plural(part.x.shape[2], 'feature')}, but the training set has {features}; "
                "give every split the same features",
                file=path,
                key=f"x_{split}",
            )
    check_same_padding(parts, path)


def check_same_padding(parts: dict[str, Labelled], path: str | None) -> None:
    """The splits padded to the longest of any must fit in limits.MAX_ARRAY_BYTES together."""
    count = sum(len(part.x) for part in parts.values())
    split, longest = max(((s, p.x.shape[1]) for s, p in parts.items()), key=lambda sp: sp[1])
    features = parts["train"].x.shape[2]
    check_padded(count, longest, features, path, f"in the {split} split")


def check_padding(x: np.ndarray, path: str, key: str) -> None:
    """NaN only as whole steps at a sequence's end, and every sequence at least one step."""
    finite = np.isfinite(x)
    step_finite = finite.all(axis=2)
    partial = finite.any(axis=2) & ~step_finite
    if partial.any():
        n, step = np.argwhere(partial)[0]
        raise DataError(
            f"sequence {n} has NaN in some features of step {step}; NaN pads whole steps only",
            file=path,
            key=key,
        )
    lengths = step_finite.sum(axis=1)
    if (lengths == 0).any():
        n = int(np.flatnonzero(lengths == 0)[0])
        raise DataError(f"sequence {n} has no steps (all NaN); remove it", file=path, key=key)
    inner = step_finite[:, 1:] & ~step_finite[:, :-1]  # a real step after padding
    if inner.any():
        n = int(np.argwhere(inner)[0][0])
        raise DataError(
            f"sequence {n} has NaN steps before real ones; pad at the end only", file=path, key=key
        )


def pad(sequences: list[np.ndarray], steps: int | None = None) -> np.ndarray:
    """(n, steps, features) with NaN after each sequence's end."""
    steps = steps or max(len(s) for s in sequences)
    out = np.full((len(sequences), steps, sequences[0].shape[1]), np.nan, dtype="float32")
    for i, sequence in enumerate(sequences):
        out[i, : len(sequence)] = sequence
    return out


def repad(x: np.ndarray, steps: int) -> np.ndarray:
    """x padded with NaN steps to ``steps`` (no-op when it has as many)."""
    if x.shape[1] >= steps:
        return x
    extra = np.full((len(x), steps - x.shape[1], x.shape[2]), np.nan, dtype=x.dtype)
    return np.concatenate([x, extra], axis=1)


def read(
    cfg_path: str, columns: CsvColumns | None, features: tuple[str, ...] | None = None
) -> dict[str, Labelled]:
    """Splits of one file: an .npz may hold all three, a .csv holds one ('train')."""
    if Path(cfg_path).suffix.lower() == ".npz":
        return read_npz(cfg_path)
    assert columns is not None  # tuner.config requires id and label for a .csv
    return {"train": read_csv(cfg_path, columns, features)}
