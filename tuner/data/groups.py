"""Splits that keep groups whole (data.group: a subject, a recording session): a group's
sequences are alike, so one that is both learned from and scored on makes the score a
memory test. scikit-learn's StratifiedGroupKFold gives the parts: whole groups, the classes
in about the pool's proportions."""

from __future__ import annotations

import warnings

import numpy as np

from tuner.errors import DataError
from tuner.text import plural


def group_holdout(
    y: np.ndarray, groups: np.ndarray, share: float, seed: int, key: str, file: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(positions kept, positions held out): about ``share`` of the samples, in whole groups;
    DataError at ``key`` when the groups are too few for both sides."""
    from sklearn.model_selection import StratifiedGroupKFold

    distinct = len(np.unique(groups))
    parts = max(2, round(1 / share)) if 0 < share < 1 else 2
    if distinct < 2:
        raise DataError(
            f"the data names {plural(distinct, 'group')} (data.group); a split that keeps groups "
            "whole needs at least 2; name more groups or remove data.group",
            file=file,
            key=key,
        )
    parts = min(parts, distinct)
    labels = y if y.ndim == 1 else np.zeros(len(y))
    splitter = StratifiedGroupKFold(parts, shuffle=True, random_state=seed % 2**32)
    with warnings.catch_warnings():  # a class rarer than the parts: it lands on one side
        warnings.filterwarnings("ignore", message="The least populated class")
        kept, held = next(splitter.split(np.zeros(len(y)), labels, groups))
    return np.sort(kept), np.sort(held)
