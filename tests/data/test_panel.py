"""Many series in one long CSV (data.series): reading, splitting by steps, short series padded,
per-series baselines and MASE. No Keras."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tuner.analysis.forecast import errors
from tuner.data import panel, series
from tuner.data.series_csv import read_csv
from tuner.errors import DataError

LONG = """series,date,value,price
a,2020-01,1,10
a,2020-02,2,11
a,2020-03,3,12
a,2020-04,4,13
a,2020-05,5,14
a,2020-06,6,15
a,2020-07,7,16
a,2020-08,8,17
a,2020-09,9,18
a,2020-10,10,19
b,2020-06,100,5
b,2020-07,300,5
b,2020-08,200,5
b,2020-09,500,5
b,2020-10,400,5
"""


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "long.csv"
    path.write_text(text)
    return str(path)


def test_a_long_csv_reads_each_rows_series_and_checks_time_within_each(tmp_path: Path) -> None:
    table = read_csv(write(tmp_path, LONG), "value", "series")
    assert table.columns == ("value", "price")  # the series and time columns are not inputs
    assert [name for name, _ in table.by_series()] == ["a", "b"]
    b = dict(table.by_series())["b"]
    assert b.values[:, 0].tolist() == [100, 300, 200, 500, 400]
    assert b.time.tolist() == ["2020-06", "2020-07", "2020-08", "2020-09", "2020-10"]
    # Each series' time starts again: only a step back inside one series is refused.
    backwards = LONG.replace("b,2020-09,500", "b,2020-07,500")
    with pytest.raises(DataError) as caught:
        read_csv(write(tmp_path, backwards), "value", "series")
    assert str(caught.value) == (
        f"{tmp_path / 'long.csv'}:15: date: the time goes from 2020-08 back to 2020-07, or "
        "repeats; sort the rows by time and drop duplicates"
    )
    with pytest.raises(DataError) as caught:
        read_csv(write(tmp_path, LONG.replace("b,2020-07", ",2020-07")), "value", "series")
    assert str(caught.value) == (
        f"{tmp_path / 'long.csv'}:13: series: a row names no series; give every row its series"
    )
    with pytest.raises(DataError) as caught:
        read_csv(write(tmp_path, LONG), "value", "store")
    assert "no column 'store'; the header has series, date, value, price; set data.series" in str(
        caught.value
    )


def test_each_series_is_split_by_steps_and_a_short_one_is_padded_before_its_start(
    tmp_path: Path,
) -> None:
    table = read_csv(write(tmp_path, LONG), "value", "series")
    made = panel.split_panel(table, window=3, horizon=1, validation_split=0.2, test_steps=2,
                             period=2)  # fmt: skip
    train, val, test = made.parts
    # a: 10 steps = 6 training + 2 validation + 2 test; b: 5 = 2 + 1 (at least the horizon) + 2,
    # its 2 training steps too few for window + horizon = 4: 2 NaN steps before its start.
    assert panel.spans(10, 1, 0.2, 2) == (6, 2) and panel.spans(5, 1, 0.2, 2) == (2, 1)
    assert made.padded
    assert len(train.y) == (6 - 3) + 1  # a: 3 windows; b: 1, from 2 NaN steps and its first
    assert np.isnan(train.x[-1, :2]).all() and train.x[-1, 2, 0] == 100 and train.y[-1, 0] == 300
    # Walk-forward: every test step of every series is an origin, in series order.
    assert test.y[:, 0].tolist() == [9, 10, 500, 400]
    assert made.test_series.tolist() == [0, 0, 1, 1]
    assert test.x[2, :, 0].tolist() == [100, 300, 200]  # b's test windows look back
    assert val.y[:, 0].tolist() == [7, 8, 200]
    assert made.time_test[:, 0].tolist() == ["2020-09", "2020-10", "2020-09", "2020-10"]
    a, b = made.histories
    assert (a.id, a.train_steps, b.id, b.train_steps) == ("a", 6, "b", 2)
    assert a.naive_mae == pytest.approx(2.0)  # one season (2 steps) back, over a's training part
    assert b.naive_mae == pytest.approx(200.0)  # b's 2 training steps: one step back
    # The naive baselines on each series' own origins; b reaches a season back from both.
    assert made.baselines["last_value"][:, 0].tolist() == [8, 9, 200, 500]
    assert made.baselines["seasonal_naive"][:, 0].tolist() == [7, 8, 300, 200]


def test_a_series_with_no_usable_history_is_refused_by_its_id(tmp_path: Path) -> None:
    table = read_csv(write(tmp_path, LONG), "value", "series")
    with pytest.raises(DataError) as caught:
        panel.split_panel(table, window=3, horizon=1, validation_split=0.2, test_steps=3,
                          period=None)  # fmt: skip
    assert str(caught.value) == (
        "data.series: series 'b' has 5 steps: with 3 to test and 1 to validate, 1 are left to "
        "train on, and a window needs at least horizon + 1 = 2; drop the series or lower "
        "data.test_steps"
    )


def test_mase_over_many_series_is_the_mean_of_each_series_own_ratio() -> None:
    actual = np.array([[10.0], [20.0], [1000.0], [3000.0]])
    predicted = np.array([[12.0], [20.0], [1100.0], [3100.0]])
    which = np.array([0, 0, 1, 1])
    # a: MAE 1 over its naive 2 = 0.5; b: MAE 100 over its naive 50 = 2.
    got = errors(actual, predicted, np.array([2.0, 50.0]), which)
    assert got["mase"] == pytest.approx((0.5 + 2.0) / 2)
    assert got["mase_median"] == pytest.approx(1.25)
    assert got["mae"] == pytest.approx(50.5)  # pooled, in target units
    # A series constant in training has no MASE: left out, not infinite.
    assert errors(actual, predicted, np.array([0.0, 50.0]), which)["mase"] == pytest.approx(2.0)


def test_window_levels_scale_by_the_mean_absolute_step_skipping_padding() -> None:
    x = np.array([[[np.nan], [2.0], [4.0], [8.0]], [[5.0], [5.0], [5.0], [5.0]]], "float32")
    level, scale = series.window_levels(x)
    assert level[:, 0].tolist() == [8.0, 5.0]
    assert scale[:, 0].tolist() == pytest.approx([3.0, 5.0])  # |2|, |4| ; constant: mean |x|
    relative = series.relative_windows(x)
    assert relative[0, 1:, 0].tolist() == pytest.approx([-2.0, -4 / 3, 0.0])
    assert np.isnan(relative[0, 0, 0])


def test_backtest_windows_validate_on_rolling_origins_and_train_only_on_the_past(
    tmp_path: Path,
) -> None:
    from tuner.config.sections import Backtest
    from tuner.data.backtest import backtest_folds

    table = read_csv(write(tmp_path, LONG), "value", "series")
    made = panel.split_panel(table, window=3, horizon=1, validation_split=0.2, test_steps=2,
                             period=None)  # fmt: skip
    train, val, _ = made.parts
    pool_y = np.concatenate([train.y, val.y])[:, 0]
    # a's pool targets 4..8 (offsets -5..-1 before its test span at 9), b's 300, 200.
    assert dict(zip(pool_y.tolist(), made.pool_offsets.tolist(), strict=True)) == {
        4: -5, 5: -4, 6: -3, 7: -2, 8: -1, 300: -2, 200: -1,
    }  # fmt: skip
    folds = backtest_folds(made.pool_offsets, 1, Backtest(windows=2, step=1))
    assert [sorted(pool_y[f.validation].tolist()) for f in folds] == [[7, 300], [8, 200]]
    # Each window trains on every window whose targets end before its span, in every series.
    assert [sorted(pool_y[f.train].tolist()) for f in folds] == [[4, 5, 6], [4, 5, 6, 7, 300]]
    with pytest.raises(DataError) as caught:
        backtest_folds(made.pool_offsets, 1, Backtest(windows=5, step=1))
    assert str(caught.value) == (
        "data.backtest: backtest window 1 of 5 (step 5 before the test span) has 0 "
        "windows to train on and 1 to validate on; the 5 steps of 5 x 1 reach too far back (the "
        "earliest window to learn from forecasts from 5 steps before it): lower windows or step"
    )


def test_a_log_needs_a_positive_target_and_a_seasonal_difference_a_season_of_window(
    tmp_path: Path,
) -> None:
    from tuner.config.sections import DataSection
    from tuner.data.forecasting import windows_of

    path = write(tmp_path, LONG.replace("b,2020-08,200", "b,2020-08,-2"))
    many = {"dataset": "csv", "path": path, "target": "value", "series": "series",
            "window": 3, "test_steps": 2}  # fmt: skip
    with pytest.raises(DataError) as caught:
        windows_of(DataSection(**many, transform=["log"]), 0)
    assert str(caught.value) == (
        f"{path}: data.transform: series 'b' has -2 at its step 3, and log takes positive "
        "values only; remove log from the transforms (data.transform, space.transform)"
    )
    seasonal = {**many, "period": 4, "transform": ["seasonal_difference"]}
    with pytest.raises(DataError) as caught:
        windows_of(DataSection(**seasonal), 0)
    assert "seasonal_difference looks 4 steps back (data.period), more than the window's 3" in (
        str(caught.value)
    )


def test_future_known_columns_are_read_a_horizon_ahead_and_static_ones_stay_constant(
    tmp_path: Path,
) -> None:
    from tuner.config.sections import Covariates, DataSection
    from tuner.data.covariates import with_roles
    from tuner.data.forecasting import windows_of

    prices = LONG.replace("b,2020-06,100,5\nb,2020-07,300,5\nb,2020-08,200,5\nb,2020-09,500,5\n"
                          "b,2020-10,400,5", "b,2020-06,100,5\nb,2020-07,300,6\nb,2020-08,200,7\n"
                          "b,2020-09,500,8\nb,2020-10,400,9")  # fmt: skip
    ahead = prices + "b,2020-11,,10\nb,2020-12,,11\n"  # b's prices planned for 2 more months
    path = write(tmp_path, ahead)
    table = read_csv(path, "value", "series", future=("price",))
    led = dict(with_roles(table, Covariates(future=["price"]), 2, path).by_series())
    # b's price at each step is the one 2 steps later; the last 2 steps lent theirs.
    assert led["b"].values[:5, 1].tolist() == [7, 8, 9, 10, 11]
    assert np.isnan(led["a"].values[-2:, 1]).all()  # a has no planned prices: past its end
    cfg = DataSection(dataset="csv", path=path, target="value", series="series", window=3,
                      test_steps=2, covariates=Covariates(future=["price"]))  # fmt: skip
    made = windows_of(cfg, 0)
    test = made.parts[2]
    # b's last test window reads 300, 200, 500 with the prices of 1 step (the horizon) later.
    assert test.x[-1, :, 0].tolist() == [300, 200, 500]
    assert test.x[-1, :, 1].tolist() == [7, 8, 9]
    assert made.forecast.histories[1].target.tolist() == [100, 300, 200, 500, 400]
    with pytest.raises(DataError) as caught:
        with_roles(table, Covariates(static=["price"]), 2, path)
    assert str(caught.value) == (
        f"{path}: data.covariates.static: 'price' changes inside series 'a', but a static "
        "column holds one value per series; list it under past or future covariates instead"
    )
    with pytest.raises(DataError) as caught:
        read_csv(write(tmp_path, LONG.replace("a,2020-05,5", "a,2020-05,")), "value",
                 "series", future=("price",))  # fmt: skip
    assert str(caught.value).endswith(
        "long.csv:6: value: a row with no value before the series' last value; only the steps "
        "to forecast, after it, may leave the target empty"
    )
