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
from tuner.report.figures import forecast as forecast_figures
from tuner.report.figures.canvas import to_png
from tuner.report.forecast_section import regression_blocks
from tuner.report.html import Image, Note
from tuner.run.results import load_predictions

ACTUAL = np.array([[1.0, 2.0], [2.0, 3.0], [3.0, 4.0], [4.0, 5.0]])
PREDICTED = ACTUAL + np.array([[0.5, -1.0]])  # off by 0.5 one step ahead, by 1 two ahead
LAST = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])  # off by 1 and 2
SEASONAL = ACTUAL + 3.0  # off by 3


def make_run(tmp_path: Path, predicted: np.ndarray = PREDICTED) -> Path:
    labels = np.array([[f"{i + j}" for j in (1, 2)] for i in range(4)])  # steps 1..5
    (tmp_path / "best").mkdir(parents=True)
    np.savez(
        tmp_path / "best" / "predictions.npz",
        time=labels,
        actual=ACTUAL,
        predicted=predicted,
        baseline_last_value=LAST,
        baseline_seasonal_naive=SEASONAL,
    )
    test = {"target": "demand", "window": 8, "horizon": 2, "period": 7}
    test["trials"] = [{"trial_id": "3"}]
    (tmp_path / "best" / "test.json").write_text(json.dumps(test))
    return tmp_path


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
        "The model beats every naive baseline: test MAE 0.75 against 1.5 for the best of them "
        "(last value)."
    )
    names = [b.name for b in blocks if isinstance(b, Image)]
    assert names == ["forecast_series", "forecast_series_2", "forecast_scatter", "forecast_horizon"]

    worse = regression_blocks(make_run(tmp_path / "bad", predicted=ACTUAL + 2.0))
    assert isinstance(worse[2], Note) and worse[2].text.startswith(
        "The model does not beat the last value baseline (test MAE 2 against 1.5)"
    )


def test_no_predictions_is_a_note(tmp_path: Path) -> None:
    blocks = regression_blocks(tmp_path)
    assert len(blocks) == 1 and isinstance(blocks[0], Note)
    assert "best/predictions.npz does not exist" in blocks[0].text


def test_the_forecast_report_does_not_import_keras() -> None:
    code = (
        "import sys, tuner.report.forecast_section, tuner.analysis.forecast; "
        "print(sorted(m for m in ('keras', 'tensorflow', 'keras_tuner') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
