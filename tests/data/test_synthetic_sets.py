"""The generated small sets (tuner.data.synthetic_sets): seeded, balanced, of the sizes the
issue describes, learnable (the kind's own rule reads the class off the noisy test sequences),
and written as an .npz the sequences dataset reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tuner.data.sequences import read_npz
from tuner.data.synthetic_sets import KINDS, make_set, oracle, write_set

SIZES = {  # (classes, training sequences, steps, features), as issue 21 describes the sets
    "motions": (4, 40, 100, 6),
    "daily": (2, 67, 24, 1),
    "pattern": (2, 50, 150, 1),
    "vowels": (9, 270, 29, 12),
}


@pytest.mark.parametrize("name", sorted(SIZES))
def test_each_set_has_the_issues_sizes_and_balanced_classes(name: str) -> None:
    classes, train, steps, features = SIZES[name]
    arrays = make_set(name, seed=1)
    assert arrays["x_train"].shape == (train, steps, features)
    assert arrays["x_train"].dtype == np.float32
    counts = np.bincount(arrays["y_train"])
    assert len(counts) == classes and counts.max() - counts.min() <= 1
    assert arrays["x_test"].shape[1:] == (steps, features)


@pytest.mark.parametrize("name", sorted(SIZES))
def test_the_kinds_rule_reads_the_class_off_the_noisy_test_set(name: str) -> None:
    arrays = make_set(name, seed=2)
    called = oracle(name, arrays["x_test"], seed=2)
    assert (called == arrays["y_test"]).mean() >= 0.95
    shuffled = np.random.default_rng(0).permutation(arrays["y_test"])
    assert (called == shuffled).mean() < 0.7  # the rule is not right by chance


def test_the_same_seed_gives_the_same_set_and_another_seed_another() -> None:
    a, b, c = make_set("daily", 3), make_set("daily", 3), make_set("daily", 4)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(a["x_train"], c["x_train"])
    assert not np.array_equal(a["x_train"], a["x_test"][: len(a["x_train"])])


def test_vowels_are_nan_padded_after_each_end_and_vary_in_length() -> None:
    x = make_set("vowels", 1, train=60, test=9)["x_train"]
    padded = np.isnan(x).all(axis=2)
    lengths = (~padded).sum(axis=1)
    assert lengths.min() >= 7 and lengths.max() <= 29 and len(set(lengths.tolist())) > 5
    for row, length in zip(padded, lengths, strict=True):
        assert not row[:length].any() and row[length:].all()  # NaN only after the end


def test_sizes_can_be_made_smaller_for_a_smoke_run() -> None:
    arrays = make_set("motions", 1, train=12, test=8, steps=8)
    assert arrays["x_train"].shape == (12, 8, 6) and arrays["x_test"].shape == (8, 8, 6)
    assert set(KINDS) == set(SIZES)


@pytest.mark.parametrize("name", ["vowels", "pattern"])
def test_a_written_set_is_read_by_the_sequences_dataset(tmp_path: Path, name: str) -> None:
    arrays = make_set(name, 1, train=18, test=9)
    path = write_set(arrays, tmp_path / "sets" / f"{name}.npz")
    parts = read_npz(str(path))
    assert set(parts) == {"train", "test"}
    np.testing.assert_array_equal(parts["train"].labels, arrays["y_train"])
    np.testing.assert_array_equal(parts["test"].x, arrays["x_test"])
