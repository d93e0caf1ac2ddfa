"""The labels of the sequences dataset as the model reads them: class names numbered in sorted
order (two classes make a binary target, one sigmoid output), or an (n, labels) 0/1 matrix, a
multi-label target."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tuner.data.sequences import Labelled
from tuner.errors import DataError


@dataclass(frozen=True)
class Encoded:
    """Labels as the model reads them: class indices (n,) for one label per sequence, or the
    (n, labels) 0/1 matrix of a multi-label target."""

    names: tuple[str, ...]  # the model's outputs' classes (multi-label: "0".."k-1"), in order
    kind: str  # multiclass | binary (two classes: one sigmoid output) | multilabel
    splits: dict[str, np.ndarray]


def encode(labelled: dict[str, Labelled], path: str) -> Encoded:
    """Class names in output order and each split's class indices; every split's labels must
    be among the training labels, and the training labels hold two classes or more."""
    train = labelled["train"].labels
    if train.ndim == 2:
        return _encode_multilabel(labelled, path)
    names = sorted(set(train.tolist()), key=lambda v: (isinstance(v, str), v))
    if len(names) < 2:
        raise DataError(
            f"the training sequences hold one class only ({names[0]!r}); a classifier needs two",
            file=path,
            key="data.label",
        )
    index = {name: i for i, name in enumerate(names)}
    out = {}
    for split, part in labelled.items():
        if part.labels.ndim != 1:
            raise DataError(
                f"y_{split} is a label matrix but y_train holds one label per sequence; "
                "give every split the same form",
                file=path,
                key=f"y_{split}",
            )
        unknown = [v for v in part.labels.tolist() if v not in index]
        if unknown:
            raise DataError(
                f"the {split} split's label {unknown[0]!r} is not among the training labels",
                file=path,
                key="data.label",
            )
        out[split] = np.asarray([index[v] for v in part.labels.tolist()], dtype="int32")
    kind = "binary" if len(names) == 2 else "multiclass"
    return Encoded(tuple(str(n) for n in names), kind, out)


def _encode_multilabel(labelled: dict[str, Labelled], path: str) -> Encoded:
    """(n, k) matrices of 0 and 1, the same k in every split."""
    width = labelled["train"].labels.shape[1]
    out = {}
    for split, part in labelled.items():
        y, key = part.labels, f"y_{split}"
        if y.ndim != 2 or y.shape[1] != width or y.dtype.kind == "U":
            raise DataError(
                f"{key} must be a 0/1 matrix of {width} labels per sequence, like y_train; "
                f"got {y.shape} {y.dtype}",
                file=path,
                key=key,
            )
        if not np.isin(y, (0, 1)).all():
            raise DataError(
                f"{key} holds {y[~np.isin(y, (0, 1))][0]!r}; a multi-label matrix holds 0 and 1",
                file=path,
                key=key,
            )
        out[split] = y.astype("int32")
    if out["train"].min() == out["train"].max():
        raise DataError(
            f"y_train is all {out['train'].min()}; the model needs both present and absent labels",
            file=path,
            key="y_train",
        )
    return Encoded(tuple(str(i) for i in range(width)), "multilabel", out)
