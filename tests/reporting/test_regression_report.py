"""The regression report: computed from a hand-made best/predictions.npz and test.json,
then drawn. No Keras."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from tuner.analysis import forecast
from tuner.reporting.figures import forecast as forecast_figures
from tuner.reporting.figures.canvas import to_png
from tuner.reporting.forecast_section import regression_blocks
from tuner.reporting.html import Bullets, Image, Note
from tuner.run.results import load_predictions

ACTUAL = np.array([[1.0, 2.0], [2.0, 3.0], [3.0, 4.0], [4.0, 5.0]])
PREDICTED = ACTUAL + np.array([[0.5, -1.0]])  # off by 0.5 one step ahead, by 1 two ahead
LAST = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])  # off by 1 and 2
SEASONAL = ACTUAL + 3.0  # off by 3


def make_run(
    tmp_path: Path,
    predicted: np.ndarray = PREDICTED,
    actual: np.ndarray = ACTUAL,
    baselines: dict[str, np.ndarray] | None = None,
) -> Path:
    windows, horizon = actual.shape
    labels = np.array([[f"{i + j}" for j in range(1, horizon + 1)] for i in range(windows)])
    baselines = {"last_value": LAST, "seasonal_naive": SEASONAL} if baselines is None else baselines
    (tmp_path / "best").mkdir(parents=True)
    np.savez(
        tmp_path / "best" / "predictions.npz",
        time=labels,
        actual=actual,
        predicted=predicted,
        **{f"baseline_{name}": values for name, values in baselines.items()},
    )
    test = {"target": "demand", "window": 8, "horizon": horizon, "period": 7}
    test["trials"] = [{"trial_id": "3"}]
    (tmp_path / "best" / "test.json").write_text(json.dumps(test))
    return tmp_path


# 30 test windows whose absolute errors are set by hand: WIGGLE alternates +1, -1, so any 3
# consecutive windows (a bootstrap block here) sum to +1 or -1; THIRDS (+1, 0, -1) sum to 0.
WINDOWS = np.arange(30)
WIGGLE = np.where(WINDOWS % 2 == 0, 1.0, -1.0)[:, None]
THIRDS = np.tile([1.0, 0.0, -1.0], 10)[:, None]
SERIES = 10.0 + 0.1 * WINDOWS[:, None] + np.arange(3)[None, :]  # (30, 3): 3 steps ahead
SIGNS = np.where(WINDOWS % 4 < 2, 1.0, -1.0)[:, None]  # errors above and below the actual


def off_by(errors: np.ndarray, actual: np.ndarray = SERIES) -> np.ndarray:
    """Forecasts whose absolute error is ``errors`` (per window and step)."""
    return actual + SIGNS * np.broadcast_to(errors, actual.shape)


def test_baselines_and_the_model_by_hand(tmp_path: Path) -> None:
    predictions = load_predictions(make_run(tmp_path))
    assert predictions is not None and predictions.horizon == 2
    table = forecast.baseline_data(predictions)
    assert list(table["forecast"]) == ["model", "last_value", "seasonal_naive"]
    assert table["mae"].tolist() == pytest.approx([0.75, 1.5, 3.0])
    assert table["rmse"].tolist() == pytest.approx([np.sqrt(0.625), np.sqrt(2.5), 3.0])
    assert table["mae_ratio"].tolist() == pytest.approx([1.0, 2.0, 4.0])


def test_error_by_horizon(tmp_path: Path) -> None:
    predictions = load_predictions(make_run(tmp_path))
    assert predictions is not None
    data = forecast.horizon_data(predictions)
    assert data["step"].tolist() == [1, 2]
    assert data["model"].tolist() == pytest.approx([0.5, 1.0])
    assert data["last_value"].tolist() == pytest.approx([1.0, 2.0])
    assert data["seasonal_naive"].tolist() == pytest.approx([3.0, 3.0])


def test_series_and_scatter_data(tmp_path: Path) -> None:
    predictions = load_predictions(make_run(tmp_path))
    assert predictions is not None
    second = forecast.series_data(predictions, step=2)
    assert second["time"].tolist() == [2, 3, 4, 5]
    assert second["actual"].tolist() == [2, 3, 4, 5]
    assert second["predicted"].tolist() == [1, 2, 3, 4]
    scatter = forecast.scatter_data(predictions)
    assert len(scatter) == 8 and scatter["step"].tolist()[:2] == [1, 2]


def test_dates_become_a_date_axis_and_other_labels_positions() -> None:
    dates = forecast.time_axis(np.array(["2024-01-01", "2024-01-02"]))
    assert isinstance(dates, pd.DatetimeIndex)
    assert forecast.time_axis(np.array(["a", "b", "c"])).tolist() == [0, 1, 2]


def test_each_figure_draws(tmp_path: Path) -> None:
    predictions = load_predictions(make_run(tmp_path))
    assert predictions is not None
    figures = [
        forecast_figures.draw_series(forecast.series_data(predictions), "demand"),
        forecast_figures.draw_scatter(forecast.scatter_data(predictions), "demand"),
        forecast_figures.draw_horizon(forecast.horizon_data(predictions), "demand"),
    ]
    for figure in figures:
        assert isinstance(figure, Figure)
        assert to_png(figure).startswith(b"\x89PNG")


def test_regression_blocks_say_whether_the_model_beats_the_baselines(tmp_path: Path) -> None:
    blocks = regression_blocks(make_run(tmp_path / "good"))
    assert "reads 8 steps and forecasts the target (demand) 1 to 2 steps ahead" in str(blocks[0])
    table = blocks[1]
    assert isinstance(table, pd.DataFrame)
    assert table["forecast"].tolist() == [
        "model (trial 3)", "last value", "seasonal naive (period 7)"
    ]  # fmt: skip
    assert blocks[2] == (
        "The model beats every baseline at every step ahead by more than the noise: test "
        "MAE 0.75 against 1.5 for the best of them (last value) over all steps."
    )
    assert blocks[3] == Bullets(
        (
            "Against the last value baseline: better at every step (test MAE lower by "
            "0.50 to 1.00).",
            "Against the seasonal naive baseline (period 7): better at every step (test MAE "
            "lower by 2.00 to 2.50).",
        )
    )
    assert blocks[4] == (
        "Better or worse means that the 95% interval of the difference in test MAE excludes 0, "
        "else it is within the noise: 1000 bootstrap resamples of the 4 test windows, the same "
        "windows for the model and the baseline, drawn in blocks of 2 consecutive windows "
        "(neighbouring windows' errors are not independent)."
    )
    names = [b.name for b in blocks if isinstance(b, Image)]
    assert names == ["forecast_series", "forecast_series_2", "forecast_scatter", "forecast_horizon"]

    worse = regression_blocks(make_run(tmp_path / "bad", predicted=ACTUAL + 2.0))
    assert worse[2] == Note(
        "The model is worse than the last value baseline at step 1, by more than the noise: "
        "use that forecast where it is worse, or search longer (more epochs or trials), widen "
        "the window, or check the data's scaling (data.scaling: window lets a forecast leave "
        "the training range)."
    )
    assert isinstance(worse[3], Bullets) and worse[3].items[0] == (
        "Against the last value baseline: worse at step 1 (test MAE higher by 1.00) and within the "
        "noise at step 2."
    )


def test_the_verdict_holds_step_by_step_where_the_average_hides_a_crossover(
    tmp_path: Path,
) -> None:
    """Over all steps the model beats seasonal naive (test MAE 0.4333 against 0.5), yet it is
    better only at step 1 and worse at step 3; at step 2 the two differ only by noise."""
    model = np.hstack([0.1 + 0.1 * WIGGLE, 0.5 + 0.2 * WIGGLE, 0.7 + 0.1 * WIGGLE])
    seasonal = np.hstack([0.5 + 0.1 * THIRDS, 0.5 + 0.2 * THIRDS, 0.5 + 0.1 * THIRDS])
    baselines = {"last_value": off_by(np.array(2.0)), "seasonal_naive": off_by(seasonal)}
    blocks = regression_blocks(make_run(tmp_path, off_by(model), SERIES, baselines))
    table = blocks[1]
    assert isinstance(table, pd.DataFrame)
    assert table["test MAE"].tolist() == ["0.4333", "2", "0.5"]
    assert blocks[2] == Note(
        "The model is worse than the seasonal naive baseline (period 7) at step 3, by more than "
        "the noise: use that forecast where it is worse, or search longer (more epochs or "
        "trials), widen the window, or check the data's scaling (data.scaling: window lets a "
        "forecast leave the training range)."
    )
    assert blocks[3] == Bullets(
        (
            "Against the last value baseline: better at every step (test MAE lower by "
            "1.30 to 1.90).",
            "Against the seasonal naive baseline (period 7): better at step 1 (test MAE lower by "
            "0.400), worse at step 3 (test MAE higher by 0.200) and within the noise at step 2.",
        )
    )
    predictions = load_predictions(tmp_path)
    assert predictions is not None
    steps = forecast.step_comparison(predictions, "seasonal_naive")
    assert steps["outcome"].tolist() == ["better", "noise", "worse"]
    assert steps["difference"].tolist() == pytest.approx([-0.4, 0.0, 0.2])
    assert (steps["low"] <= steps["difference"]).all() and (
        steps["difference"] <= steps["high"]
    ).all()
    assert steps["low"][1] < 0 < steps["high"][1]
    again = forecast.step_comparison(predictions, "seasonal_naive")
    assert again.equals(steps)  # seeded: the same report every time


def test_one_step_ahead_within_the_noise_is_said_so(tmp_path: Path) -> None:
    """Horizon 1: the model's MAE is 0.02 above the last value's, well inside the noise."""
    actual = SERIES[:, :1]
    model = off_by(1.02 + 0.2 * WIGGLE, actual)
    baselines = {"last_value": off_by(1.0 + 0.2 * THIRDS, actual)}
    blocks = regression_blocks(make_run(tmp_path, model, actual, baselines))
    assert blocks[2] == (
        "No baseline beats the model by more than the noise, but the model does not beat "
        "every one either: test MAE 1.02 against 1 for the best of them (last value)."
    )
    assert blocks[3] == Bullets(
        (
            "Against the last value baseline: within the noise, test MAE 1.02 against 1 (the "
            "95% interval of the difference, -0.02 to 0.06, includes 0).",
        )
    )


def test_one_step_ahead_better_gives_the_margin_and_its_interval(tmp_path: Path) -> None:
    actual = SERIES[:, :1]
    model = off_by(0.5 + 0.2 * WIGGLE, actual)
    baselines = {"last_value": off_by(1.0 + 0.2 * THIRDS, actual)}
    blocks = regression_blocks(make_run(tmp_path, model, actual, baselines))
    assert blocks[2] == (
        "The model beats every baseline by more than the noise: test MAE 0.5 against 1 "
        "for the best of them (last value)."
    )
    assert blocks[3] == Bullets(
        (
            "Against the last value baseline: better, test MAE 0.5 against 1 (lower by 0.5, 95% "
            "interval 0.46 to 0.54).",
        )
    )


def test_one_step_ahead_worse_is_flagged_with_the_margin(tmp_path: Path) -> None:
    actual = SERIES[:, :1]
    model = off_by(1.5 + 0.2 * WIGGLE, actual)
    baselines = {"last_value": off_by(1.0 + 0.2 * THIRDS, actual)}
    blocks = regression_blocks(make_run(tmp_path, model, actual, baselines))
    assert blocks[2] == Note(
        "The model is worse than the last value baseline, by more than the noise: use that "
        "forecast, or search longer (more epochs or trials), widen the window, or check the "
        "data's scaling (data.scaling: window lets a forecast leave the training range)."
    )
    assert blocks[3] == Bullets(
        (
            "Against the last value baseline: worse, test MAE 1.5 against 1 (higher by 0.5, 95% "
            "interval 0.46 to 0.54).",
        )
    )


def test_every_step_within_the_noise_claims_no_winner(tmp_path: Path) -> None:
    model = off_by(0.5 + 0.2 * WIGGLE)
    baselines = {"seasonal_naive": off_by(0.5 + 0.2 * THIRDS)}
    blocks = regression_blocks(make_run(tmp_path, model, SERIES, baselines))
    assert blocks[2] == (
        "No baseline beats the model by more than the noise at any step, but the model "
        "does not beat every one at every step either: test MAE 0.5 against 0.5 for the best of "
        "them (seasonal naive) over all steps."
    )
    assert blocks[3] == Bullets(
        ("Against the seasonal naive baseline (period 7): within the noise at every step.",)
    )


def test_bootstrap_blocks_keep_windows_that_share_steps_together() -> None:
    assert forecast.block_length(4, 2) == 2  # the horizon
    assert forecast.block_length(1000, 2) == 10  # the cube root of the window count
    assert forecast.block_length(3, 7) == 3  # never more than there are


def test_no_predictions_is_a_note(tmp_path: Path) -> None:
    blocks = regression_blocks(tmp_path)
    assert len(blocks) == 1 and isinstance(blocks[0], Note)
    assert "best/predictions.npz does not exist" in blocks[0].text


def test_the_forecast_report_does_not_import_keras() -> None:
    code = (
        "import sys, tuner.reporting.forecast_section, tuner.analysis.forecast; "
        "print(sorted(m for m in ('keras', 'tensorflow', 'keras_tuner') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_span_beyond_the_training_range_and_forecasts_that_lean_low_are_named(
    tmp_path: Path,
) -> None:
    """Test targets above the training part's highest value, and every forecast 1 below the
    actual (a bias far beyond the bootstrap's noise): the report says both, and with global
    scaling names data.scaling: window as the remedy; forecasts off both ways are no bias."""
    naive = {"last_value": SERIES + 2.0}
    run = make_run(tmp_path / "low", SERIES - 1.0, SERIES, naive)
    test = json.loads((run / "best" / "test.json").read_text())
    test.update(training_range=[0.0, 12.0], scaling="series")
    (run / "best" / "test.json").write_text(json.dumps(test))
    texts = [
        b.text if isinstance(b, Note) else b
        for b in regression_blocks(run)
        if not isinstance(b, pd.DataFrame)
    ]
    above = float(np.mean(SERIES > 12.0))
    said = f"Of the test targets, {100 * above:.1f}% above its highest (12): the test span "
    assert any(isinstance(t, str) and t.startswith(said) for t in texts)
    [lean] = [t for t in texts if isinstance(t, str) and t.startswith("The forecasts lean below")]
    assert "mean error -1 (95% interval -1 to -1" in lean and "100.0% of them below" in lean
    assert lean.endswith("use data.scaling: window (the default), which forecasts relative to "
                         "each window's last value.")  # fmt: skip
    both_ways = make_run(tmp_path / "noise", off_by(np.array(1.0)), SERIES, naive)
    texts = [
        b.text if isinstance(b, Note) else b
        for b in regression_blocks(both_ways)
        if not isinstance(b, pd.DataFrame)
    ]
    assert not [t for t in texts if isinstance(t, str) and t.startswith("The forecasts lean")]
