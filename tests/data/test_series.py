"""Time series: exact windows, chronological splits, training-only scaling, naive baselines,
the sine, and every bad CSV rejected with one pinned line. No Keras here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers.paths import REPO
from helpers.tables import load_table

from tuner.config.sections import DataSection
from tuner.data import datasets, series
from tuner.errors import DataError

RAMP = np.arange(20, dtype="float32")  # a hand-made series: step i has value i


def test_windows_and_chronological_splits_of_a_tiny_series() -> None:
    # 20 steps, validation 25% and test 25%: steps 0-9 train, 10-14 validation, 15-19 test.
    train, val, test = series.split(RAMP[:, None], RAMP, 3, 2, (0.25, 0.25))
    assert train.x[:, :, 0].tolist() == [[s, s + 1, s + 2] for s in range(6)]
    assert train.y.tolist() == [[s + 3, s + 4] for s in range(6)]
    assert (val.x[:, :, 0].tolist(), val.y.tolist()) == ([[10, 11, 12]], [[13, 14]])
    assert (test.x[:, :, 0].tolist(), test.y.tolist()) == ([[15, 16, 17]], [[18, 19]])
    assert [p.starts.tolist() for p in (train, val, test)] == [list(range(6)), [10], [15]]


def test_no_window_straddles_a_split() -> None:
    values = np.arange(97, dtype="float32")
    parts = series.split(values[:, None], values, 5, 3, (0.15, 0.2))
    for (start, stop), part in zip(series.bounds(97, 0.15, 0.2), parts, strict=True):
        used = np.concatenate([part.x[:, :, 0], part.y], axis=1)
        assert used.min() >= start and used.max() < stop
        assert len(part.x) == stop - start - 5 - 3 + 1  # every window that fits
    assert [a for a, _ in series.bounds(97, 0.15, 0.2)] == [0, 63, 78]


def write(tmp_path: Path, text: str, name: str = "series.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def load_csv(path: str, **options: object) -> datasets.Dataset:
    section = {"dataset": "csv", "path": path, "target": "y", "window": 3, "horizon": 1}
    section.update({"validation_split": 0.2, "test_split": 0.2, **options})
    return datasets.load_dataset(DataSection.model_validate(section), 0)


def test_scaling_comes_from_the_training_part_only(tmp_path: Path) -> None:
    # Training steps are small numbers; validation and test are huge: none of it may leak.
    y = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 1000.0, 1001.0, 1002.0, 1003.0]
    x2 = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, -5.0, -5.0, -5.0, -5.0]
    rows = "".join(f"{i},{a},{b}\n" for i, (a, b) in enumerate(zip(y, x2, strict=True)))
    path = write(tmp_path, "index,y,x2\n" + rows)
    ds = load_csv(path, window=1, validation_split=0.2, scaling="series")
    assert np.allclose(ds.mean, [3.5, 35.0]) and np.allclose(ds.variance, [35 / 12, 3500 / 12])
    scale = ds.forecast.scale
    assert (scale.mean, scale.low, scale.high) == (3.5, 1.0, 6.0)
    assert scale.std == pytest.approx(np.std(y[:6]))
    assert ds.y_test.max() == 1003.0  # targets stay in their own units
    assert not ds.forecast.relative


def test_window_scaling_takes_its_statistics_relative_to_each_windows_level(
    tmp_path: Path,
) -> None:
    # Windows of 2 over a ramp with a covariate: relative to its last value, a training
    # window's target column is (-1, 0) and its next value +1, at any level.
    y = [float(v) for v in range(1, 21)]
    x2 = [10.0 * v for v in range(1, 21)]
    rows = "".join(f"{i},{a},{b}\n" for i, (a, b) in enumerate(zip(y, x2, strict=True)))
    ds = load_csv(write(tmp_path, "index,y,x2\n" + rows), window=2)
    assert ds.forecast.relative  # the default for a series
    assert ds.mean[0] == pytest.approx(-0.5) and ds.variance[0] == pytest.approx(0.25)
    assert ds.mean[1] == pytest.approx(np.mean(ds.x_train[..., 1]))  # covariates as they are
    scale = ds.forecast.scale
    assert (scale.mean, scale.std) == (1.0, 1.0)  # every step rises by 1; no spread: std 1
    assert ds.y_test.max() == 20.0  # targets stay in their own units


def test_a_csv_is_multivariate_with_the_target_first_and_keeps_its_time(tmp_path: Path) -> None:
    text = "temp,date,y\n" + "".join(f"{10 + i},2024-01-{i + 1:02d},{i}\n" for i in range(20))
    ds = load_csv(write(tmp_path, text), validation_split=0.25, test_split=0.25, horizon=2)
    assert ds.input_shape == (3, 2) and ds.task == "regression" and ds.num_classes == 0
    assert ds.x_train[0].tolist() == [[0, 10], [1, 11], [2, 12]]  # y first, then temp
    assert ds.y_test.tolist() == [[18, 19]]
    assert ds.forecast.time_test.tolist() == [["2024-01-19", "2024-01-20"]]
    assert ds.summary()["target"] == "y" and ds.summary()["horizon"] == 2


def test_naive_baselines_by_hand() -> None:
    # Windows of 3 starting at 0 and 4: last inputs 2 and 6; period 2 repeats the season.
    out = series.baselines(RAMP, np.array([0, 4]), 3, 3, 2)
    assert out["last_value"].tolist() == [[2, 2, 2], [6, 6, 6]]
    assert out["seasonal_naive"].tolist() == [[1, 2, 1], [5, 6, 5]]
    assert "seasonal_naive" not in series.baselines(RAMP, np.array([0]), 3, 1, None)


def test_the_sine_is_seeded_and_repeats_every_period() -> None:
    a, b = series.sine(200, 40, 0.1, 0.0, 3), series.sine(200, 40, 0.1, 0.0, 3)
    assert np.array_equal(a, b) and not np.array_equal(a, series.sine(200, 40, 0.1, 0.0, 4))
    clean = series.sine(200, 40, 0.0, 0.0, 3)
    assert np.allclose(clean[40:], clean[:-40], atol=1e-5)
    rising = series.sine(200, 40, 0.0, 2.0, 3)
    assert rising[-1] - clean[-1] == pytest.approx(2.0)


def test_sine_dataset_defaults() -> None:
    ds = datasets.load_dataset(DataSection.model_validate({"dataset": "sine"}), 1)
    assert ds.input_shape == (32, 1) and ds.y_train.shape[1] == 1
    assert ds.forecast.period == series.SINE_PERIOD
    assert set(ds.forecast.baselines) == {"last_value", "seasonal_naive"}
    assert len(ds.x_train) + len(ds.x_val) + len(ds.x_test) == 2000 - 3 * 32


GOOD_HEADER = "time,y,x\n"
GOOD_ROWS = "".join(f"{i},{i * 0.5},{i % 3}\n" for i in range(40))

# (id, CSV text, options, the exact message after "error: " with FILE for the path)
BAD_CSVS = load_table(
    "bad_series_csvs", "csvs", ("id", "csv", "options", "message"), GOOD_ROWS=GOOD_ROWS
)


@pytest.mark.parametrize(("text", "options", "message"), [row[1:] for row in BAD_CSVS],
                         ids=[row[0] for row in BAD_CSVS])  # fmt: skip
def test_a_bad_csv_is_one_clear_line(
    tmp_path: Path, text: str, options: dict[str, object], message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(DataError) as caught:
        load_csv(path, **options)
    assert str(caught.value) == message.replace("FILE", path)


def test_a_missing_csv_file(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        load_csv(str(tmp_path / "nope.csv"))
    assert str(caught.value) == f"{tmp_path / 'nope.csv'}: data.path: no such file; check data.path"


def test_the_shortest_series_the_message_names_is_long_enough(tmp_path: Path) -> None:
    rows = "".join(f"{i},{i * 0.5},{i % 3}\n" for i in range(55))
    assert len(load_csv(write(tmp_path, GOOD_HEADER + rows), window=10).x_val) == 1


def test_the_shipped_csv_is_what_its_script_writes(tmp_path: Path) -> None:
    import runpy

    script = runpy.run_path(str(REPO / "configs" / "data" / "make_daily_demand.py"))
    script["write"](tmp_path / "again.csv")
    shipped = REPO / "configs" / "data" / "daily_demand.csv"
    assert (tmp_path / "again.csv").read_bytes() == shipped.read_bytes()


def test_walk_forward_forecasts_every_origin_of_the_test_span_from_its_own_lookback(
    tmp_path: Path,
) -> None:
    """data.test_steps: 12 of 100 steps, window 10, horizon 2: the test windows are every
    window whose two targets lie in the last 12 steps (11 of them), their inputs reaching back
    into the validation part; validation likewise; training windows stay inside training."""
    rows = "".join(f"{i},{i}\n" for i in range(100))
    ds = load_csv(
        write(tmp_path, "index,y\n" + rows), window=10, horizon=2, validation_split=0.1,
        test_steps=12,
    )  # fmt: skip
    assert ds.y_test[:, 0].tolist() == list(range(88, 99))  # every origin 87..97
    assert ds.x_test[0, :, 0].tolist() == list(range(78, 88))  # the lookback before the span
    assert ds.y_val[:, 0].tolist() == list(range(78, 87))
    assert ds.y_train[-1].tolist() == [76, 77] and ds.x_train[0, 0, 0] == 0
    assert ds.forecast.time_test[0].tolist() == ["88", "89"]
    # The fraction split (the default) keeps whole windows in the test part: 20 steps, 9.
    whole = load_csv(write(tmp_path, "index,y\n" + rows), window=10, horizon=2)
    assert whole.x_test[0, 0, 0] == 80 and len(whole.y_test) == 9


def test_walk_forward_refuses_a_span_shorter_than_the_horizon(tmp_path: Path) -> None:
    rows = "".join(f"{i},{i}\n" for i in range(100))
    with pytest.raises(DataError) as caught:
        load_csv(write(tmp_path, "index,y\n" + rows), window=10, horizon=3, test_steps=2)
    assert str(caught.value).endswith(
        "data.test_steps: the test part has 2 steps, fewer than the horizon (3); raise "
        "data.test_steps or data.validation_split"
    )
