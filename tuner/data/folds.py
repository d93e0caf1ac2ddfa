"""K-fold cross-validation over the data a search may learn from (training + validation).

A fold is a pair of index arrays into that pool. Classification folds are stratified by class
(scikit-learn's StratifiedKFold), so each fold's validation part holds the classes in the
pool's proportions; multilabel targets (no single class to stratify on) are split by
KFold. Where the data names groups (sequences that belong together, e.g. one subject's
recordings), StratifiedGroupKFold keeps each group inside one fold, so no group is both
trained on and validated on. The split is seeded: the same config gives the same folds on
every resume, worker and later refit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from tuner.config.sections import CrossValidation
from tuner.data.datasets import Dataset
from tuner.errors import DataError
from tuner.text import decimals, plural

MAX_FOLDS = 20  # more folds than this cost more than they tell (each is a full training)
# search.cv: auto switches to K-fold when the validation split would hold fewer samples than
# this. One accuracy on n samples has a standard error of about 0.5/sqrt(n) at worst: 0.05 at
# 100, so two trials 0.1 apart are just separable there; below it the split decides more than
# the trials do (README, "Validation": 4 and 7 validation samples chose the exported model).
MIN_VALIDATION = 100
AUTO_FOLDS = 5  # scikit-learn's default; each fold validates on a fifth of the pool


@dataclass(frozen=True)
class Fold:
    """The positions in the pool that one fold trains on and validates on."""

    index: int  # 0-based
    train: np.ndarray
    validation: np.ndarray


def make_folds(
    y: np.ndarray,
    folds: int,
    seed: int,
    *,
    stratify: bool,
    groups: np.ndarray | None = None,
    names: tuple[str, ...] | None = None,
) -> list[Fold]:
    """``folds`` folds over the pool whose targets are ``y``; DataError (key search.cv.folds)
    when the data cannot fill them: fewer samples, groups or members of a class than folds."""
    from sklearn.model_selection import KFold, StratifiedGroupKFold, StratifiedKFold

    n = len(y)
    if not 2 <= folds <= MAX_FOLDS:
        raise DataError(f"folds must be from 2 to {MAX_FOLDS}, got {folds}", key="search.cv.folds")
    if n < folds:
        raise DataError(
            f"{folds} folds need at least {folds} sequences to learn from, got {n}; use fewer "
            "folds",
            key="search.cv.folds",
        )
    labels = _single_labels(y) if stratify else None
    if groups is not None:
        distinct = len(np.unique(groups))
        if distinct < folds:
            raise DataError(
                f"{folds} folds need at least {folds} groups, the data names {distinct}; use "
                f"at most {distinct} folds",
                key="search.cv.folds",
            )
        splitter = StratifiedGroupKFold(folds, shuffle=True, random_state=seed % 2**32)
        pairs = splitter.split(np.zeros(n), labels if labels is not None else np.zeros(n), groups)
    elif labels is not None:
        _check_class_counts(labels, folds, names)
        pairs = StratifiedKFold(folds, shuffle=True, random_state=seed % 2**32).split(
            np.zeros(n), labels
        )
    else:
        pairs = KFold(folds, shuffle=True, random_state=seed % 2**32).split(np.zeros(n))
    return [Fold(i, np.asarray(train), np.asarray(val)) for i, (train, val) in enumerate(pairs)]


def _single_labels(y: np.ndarray) -> np.ndarray | None:
    """One class per sample to stratify on: integer labels, or a one-column 0/1 target; None
    for a multilabel matrix, which has no single class."""
    if y.ndim == 1:
        return y
    if y.ndim == 2 and y.shape[1] == 1:
        return y[:, 0]
    return None


def _check_class_counts(labels: np.ndarray, folds: int, names: tuple[str, ...] | None) -> None:
    values, counts = np.unique(labels, return_counts=True)
    rarest = int(counts.min())
    if rarest < folds:
        value = values[int(counts.argmin())].item()
        name = names[value] if names is not None and isinstance(value, int) else value
        raise DataError(
            f"class {name!r} has {rarest} sequence{'s' * (rarest != 1)} to learn from, fewer "
            f"than the {folds} folds (each fold validates on every class); use at most "
            f"{max(2, rarest)} folds or a holdout split",
            key="search.cv.folds",
        )


def pool(
    x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The data the folds split: the training and validation splits together, in that order."""
    return np.concatenate([x_train, x_val]), np.concatenate([y_train, y_val])


@dataclass(frozen=True)
class ValidationPlan:
    """How a search's trials are validated: on the validation split (no folds) or by K-fold
    cross-validation over training + validation (``folds``); ``why`` says which and why."""

    folds: tuple[Fold, ...]
    why: str
    warning: str = ""  # a holdout split too small to rank trials, and the fix

    @property
    def cross_validates(self) -> bool:
        return bool(self.folds)

    def summary(self) -> dict[str, Any]:
        """For run.json and the report."""
        return {
            "scheme": "cv" if self.folds else "holdout",
            "folds": len(self.folds),
            "why": self.why,
        }


def plan(cv: Any, dataset: Dataset, seed: int, executions: int = 1) -> ValidationPlan:
    """search.cv resolved on the loaded data: ``auto`` cross-validates a classification set
    whose validation split holds fewer than MIN_VALIDATION samples (and whose smallest class
    can fill two folds) unless executions_per_trial asks for repeated runs on the split;
    {folds: K} always (classification only); None never. (A series with data.backtest:
    tuner.data.backtest.validation_plan.)"""
    n_val = len(dataset.x_val)
    if cv == "auto" and executions > 1:
        return ValidationPlan(
            (),
            f"the validation split ({plural(n_val, 'sample')}), each trial trained "
            f"{executions} times on it as search.executions_per_trial asks",
            _small_split_warning(dataset),
        )
    if cv is None:
        why = f"the validation split ({plural(n_val, 'sample')}), as search.cv: null asks"
        return ValidationPlan((), why, _small_split_warning(dataset))
    if dataset.task != "classification":  # the config refuses folds for a series
        return ValidationPlan(
            (),
            f"the validation split ({plural(n_val, 'sample')}): a series is validated on its "
            "later stretch",
        )
    _, y = pool(dataset.x_train, dataset.y_train, dataset.x_val, dataset.y_val)
    if cv == "auto":
        if n_val >= MIN_VALIDATION:
            return ValidationPlan(
                (), f"the validation split ({plural(n_val, 'sample')}, at least {MIN_VALIDATION})"
            )
        folds = min(AUTO_FOLDS, _rarest(y), _groups(dataset))
        if folds < 2:
            return ValidationPlan(
                (),
                f"the validation split ({plural(n_val, 'sample')}): too small to rank trials "
                f"well (one accuracy's noise about ±{decimals(noise(n_val), 2)}), but a class "
                "with one sample cannot fill two folds",
                _small_split_warning(dataset),
            )
        why = (
            f"{folds}-fold cross-validation over {plural(len(y), 'sample')}: a validation split "
            f"of {plural(n_val, 'sample')} is under {MIN_VALIDATION} (one accuracy's noise "
            f"about ±{decimals(noise(n_val), 2)}); set search.cv: null to keep the split"
        )
    else:
        assert isinstance(cv, CrossValidation)
        folds = cv.folds
        why = f"{folds}-fold cross-validation over {plural(len(y), 'sample')}, as search.cv asks"
    made = make_folds(
        y,
        folds,
        seed,
        stratify=dataset.labels != "multilabel",
        groups=dataset.groups,
        names=dataset.class_names,
    )
    if dataset.groups is not None:
        why += f"; each of the {_groups(dataset)} groups (data.group) inside one fold"
    return ValidationPlan(tuple(made), why)


def _groups(dataset: Dataset) -> int:
    """The groups the pool's sequences belong to (data.group); without groups, the pool's
    size (each sequence its own)."""
    if dataset.groups is None:
        return len(dataset.y_train) + len(dataset.y_val)
    return len(np.unique(dataset.groups))


def _small_split_warning(dataset: Dataset) -> str:
    n_val = len(dataset.x_val)
    if dataset.task != "classification" or n_val >= MIN_VALIDATION:
        return ""
    return (
        f"the validation split holds {plural(n_val, 'sample')}: one accuracy's noise is about "
        f"±{decimals(noise(n_val), 2)}, too much to rank trials by; use search.cv: {{folds: "
        f"{AUTO_FOLDS}}} (or auto) or a larger data.validation_split"
    )


def noise(samples: int) -> float:
    """The standard error of one accuracy on ``samples`` samples at its worst (p = 0.5)."""
    return 0.5 / math.sqrt(samples) if samples > 0 else math.inf


def _rarest(y: np.ndarray) -> int:
    labels = _single_labels(y)
    if labels is None:
        return len(y)
    return int(np.unique(labels, return_counts=True)[1].min())


def fold_arrays(
    dataset: Dataset, fold: Fold
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_val, y_val) of one fold, taken from the pool."""
    x, y = pool(dataset.x_train, dataset.y_train, dataset.x_val, dataset.y_val)
    return x[fold.train], y[fold.train], x[fold.validation], y[fold.validation]
