"""K-fold cross-validation's folds (tuner.data.folds): stratified, seeded, a partition of the
pool, groups kept whole, and refused in one line where the data cannot fill them; and how
search.cv resolves on the loaded data."""

from __future__ import annotations

import numpy as np
import pytest

from tuner.config.sections import CrossValidation
from tuner.data.datasets import Dataset
from tuner.data.folds import MIN_VALIDATION, fold_arrays, make_folds, plan
from tuner.errors import DataError


def _labels(counts: dict[int, int]) -> np.ndarray:
    return np.concatenate([np.full(n, label) for label, n in counts.items()])


def test_folds_partition_the_pool_and_keep_the_class_proportions() -> None:
    y = _labels({0: 30, 1: 15, 2: 45})
    folds = make_folds(y, 3, seed=7, stratify=True)
    validated = np.sort(np.concatenate([f.validation for f in folds]))
    np.testing.assert_array_equal(validated, np.arange(len(y)))  # each sample validated once
    for fold in folds:
        assert not set(fold.train) & set(fold.validation)
        assert np.bincount(y[fold.validation]).tolist() == [10, 5, 15]


def test_the_same_seed_gives_the_same_folds_and_another_seed_others() -> None:
    y = _labels({0: 20, 1: 20})
    same = [make_folds(y, 4, seed=1, stratify=True) for _ in range(2)]
    for a, b in zip(*same, strict=True):
        np.testing.assert_array_equal(a.validation, b.validation)
    other = make_folds(y, 4, seed=2, stratify=True)
    assert any(
        not np.array_equal(a.validation, b.validation) for a, b in zip(same[0], other, strict=True)
    )


def test_a_group_never_spans_two_folds() -> None:
    y = _labels({0: 24, 1: 24})
    groups = np.repeat(np.arange(12), 4)  # 12 subjects, 4 sequences each
    for fold in make_folds(y, 3, seed=0, stratify=True, groups=groups):
        assert not set(groups[fold.train]) & set(groups[fold.validation])


@pytest.mark.parametrize(
    ("y", "folds", "groups", "message"),
    [
        (
            _labels({0: 20, 1: 3}),
            5,
            None,
            "search.cv.folds: class 1 has 3 sequences to learn from, fewer than the 5 folds "
            "(each fold validates on every class); use at most 3 folds or a holdout split",
        ),
        (
            _labels({0: 2, 1: 2}),
            5,
            None,
            "search.cv.folds: 5 folds need at least 5 sequences to learn from, got 4; use "
            "fewer folds",
        ),
        (
            _labels({0: 10, 1: 10}),
            5,
            np.repeat(np.arange(4), 5),
            "search.cv.folds: 5 folds need at least 5 groups, the data names 4; use at most 4 "
            "folds",
        ),
    ],
    ids=["rare-class", "too-few-samples", "too-few-groups"],
)
def test_data_that_cannot_fill_the_folds_is_refused_in_one_line(
    y: np.ndarray, folds: int, groups: np.ndarray | None, message: str
) -> None:
    with pytest.raises(DataError) as raised:
        make_folds(y, folds, seed=0, stratify=True, groups=groups)
    assert str(raised.value) == message


def _dataset(train: int, val: int, task: str = "classification") -> Dataset:
    rng = np.random.default_rng(0)
    y = lambda n: np.arange(n) % 2  # noqa: E731 - two balanced classes
    return Dataset(
        name="toy",
        task=task,
        x_train=rng.normal(size=(train, 4, 1)),
        y_train=y(train),
        x_val=rng.normal(size=(val, 4, 1)),
        y_val=y(val),
        x_test=rng.normal(size=(10, 4, 1)),
        y_test=y(10),
        num_classes=2,
        mean=None,
        variance=None,
        origin="made in the test",
    )


def test_auto_cross_validates_a_small_validation_split_and_says_why() -> None:
    small = plan("auto", _dataset(90, 10), seed=0)
    assert len(small.folds) == 5
    assert small.why == (
        "5-fold cross-validation over 100 samples: a validation split of 10 samples is under "
        f"{MIN_VALIDATION} (one accuracy's noise about ±0.16); set search.cv: null to keep "
        "the split"
    )
    x_train, y_train, x_val, y_val = fold_arrays(_dataset(90, 10), small.folds[0])
    assert (len(x_train), len(x_val)) == (80, 20) and len(y_train) == 80 and len(y_val) == 20


def test_auto_keeps_a_large_enough_split_and_explicit_settings_win() -> None:
    large = plan("auto", _dataset(900, 100), seed=0)
    assert not large.cross_validates
    assert large.why == "the validation split (100 samples, at least 100)"
    assert not plan(None, _dataset(90, 10), seed=0).cross_validates
    assert len(plan(CrossValidation(folds=3), _dataset(900, 100), seed=0).folds) == 3
    repeated = plan("auto", _dataset(90, 10), seed=0, executions=3)
    assert not repeated.cross_validates and "trained 3 times on it" in repeated.why


def test_a_series_is_never_shuffled_into_folds() -> None:
    """auto keeps a series' later stretch (an explicit cv is refused by the config:
    tests/tables/malformed_configs.yaml, cv-on-a-series)."""
    kept = plan("auto", _dataset(90, 10, task="regression"), seed=0)
    assert not kept.cross_validates and "a series is validated on its later stretch" in kept.why
