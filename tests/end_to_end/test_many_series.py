"""Many series, one model, through the real CLI: a long CSV of generated series of different
sizes and lengths (one shorter than a window) searched with data.series on backtest windows
ranked by val_mase, a promotion column known ahead (data.covariates.future, its planned
values for the steps to forecast in rows with no target yet), its test results per series,
`tuner forecast` for every series, and the report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.end_to_end.test_regression_search import tuner
from tuner.data.synthetic_series import write_many_monthly

pytestmark = pytest.mark.slow

CONFIG = {
    "name": "many",
    "seed": 1,
    "data": {
        "dataset": "csv", "path": "many.csv", "target": "value", "series": "series",
        "window": 12, "horizon": 2, "period": 12, "test_steps": 4,
        "backtest": {"windows": 2, "step": 2}, "covariates": {"future": ["promotion"]},
    },
    "space": {"units": [4]},
    "search": {"algorithm": "random", "max_trials": 1, "epochs": 2, "cv": None,
               "objective": "val_mase"},
}  # fmt: skip


def test_many_series_search_forecast_and_report(tmp_path: Path) -> None:
    write_many_monthly(2, tmp_path / "many.csv", count=4, shortest=16, longest=40)
    # The promotions planned for the 2 months after the data: rows with no value yet.
    with open(tmp_path / "many.csv", "a") as handle:
        for i in range(4):
            handle.write(f"s{i},2003-05-01,,{i % 2}\ns{i},2003-06-01,,1\n")
    table = pd.read_csv(tmp_path / "many.csv")
    lengths = table.groupby("series", sort=False).size()
    (tmp_path / "many.yaml").write_text(yaml.safe_dump(CONFIG))
    done = tuner("search", "many.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "csv from many.csv (4 series)" in done.stderr
    assert "validated on 2 backtest windows of 2 steps before the test span" in done.stderr
    record = json.loads((tmp_path / "runs/many/trials/0.json").read_text())
    assert [fold["fold"] for fold in record["folds"]] == [0, 1]  # each window's score kept
    # Ranked by val_mase, as forecasters score (its formula: tests/engine/test_forecast_scores)
    assert record["objective"] == "val_mase" and record["direction"] == "min"
    scores = [min(fold["history"]["val_mase"]) for fold in record["folds"]]
    assert record["score"] == pytest.approx(np.mean(scores))

    test = json.loads((tmp_path / "runs/many/best/test.json").read_text())
    ids = test["series"]["ids"]
    assert ids == list(lengths.index)
    # Walk-forward: every series' last 4 steps, 2 ahead: 3 origins each.
    assert test["series"]["test_windows"] == [3, 3, 3, 3]
    with np.load(tmp_path / "runs/many/best/predictions.npz") as npz:
        which, actual, predicted = npz["series"], npz["actual"], npz["predicted"]
        low, high = npz["lower_80"], npz["upper_80"]
    for index, name in enumerate(ids):  # each window's actual values are its own series'
        values = table.loc[table["series"] == name, "value"].dropna().to_numpy()
        assert np.allclose(actual[which == index, 0], values[-4:-1], rtol=1e-5)
    # MASE: the mean over series of each one's MAE over its own in-sample seasonal-naive MAE.
    ratios = [
        np.abs(predicted[which == i] - actual[which == i]).mean() / test["series"]["naive_mae"][i]
        for i in range(len(ids))
    ]
    assert test["errors"]["mase"] == pytest.approx(np.mean(ratios), rel=1e-4)
    assert test["errors"]["mase_median"] == pytest.approx(np.median(ratios), rel=1e-4)
    # Intervals in each window's own step units: the largest series gets the widest.
    widths = [(high - low)[which == i].mean() for i in range(len(ids))]
    levels = [np.abs(actual[which == i]).mean() for i in range(len(ids))]
    assert int(np.argmax(widths)) == int(np.argmax(levels))

    ahead = tuner("forecast", "runs/many", "--out", "ahead.csv", cwd=tmp_path)
    assert ahead.returncode == 0, ahead.stderr
    # the last line: TensorFlow may print a oneDNN notice of its own before it
    last = ahead.stderr.strip().splitlines()[-1]
    assert last == "wrote 8 forecasts to ahead.csv and their figure to ahead.png"
    from matplotlib.image import imread

    assert imread(tmp_path / "ahead.png").shape[0] > 4 * 100  # one panel per series, read back
    frame = pd.read_csv(tmp_path / "ahead.csv")
    assert frame["series"].tolist() == [name for name in ids for _ in (1, 2)]
    assert frame["step"].tolist() == [1, 2] * len(ids)
    import tuner as api

    model = api.best_model(tmp_path / "runs/many")
    for name in ids:  # each series' forecast is the model's on its own last window
        rows = table[table["series"] == name]
        known = rows["value"].notna().to_numpy()
        # promotion is known ahead: each step reads the value 2 months (the horizon) later
        led = rows["promotion"].to_numpy("float32")[2:][: known.sum()]
        x = np.stack([rows["value"].to_numpy("float32")[known], led], axis=1)[None, -12:]
        if x.shape[1] < 12:  # the short series: NaN before its start, masked
            x = np.concatenate([np.full((1, 12 - x.shape[1], 2), np.nan, "float32"), x], axis=1)
        mine = frame[frame["series"] == name]
        assert np.allclose(mine["forecast"], model.predict(x, verbose=0)[0], rtol=1e-4)
        assert mine["time"].tolist() == ["2003-05-01", "2003-06-01"]  # after the last month

    reported = tuner("report", cwd=tmp_path)
    assert reported.returncode == 0, reported.stderr
    markdown = (tmp_path / "reports/many/report.md").read_text()
    assert "4 series, one model: MASE is each series' MAE over its own" in markdown
    header = next(line for line in markdown.splitlines() if line.startswith("| forecast |"))
    assert "| MASE | MASE, median over series |" in header
    model_row = next(line for line in markdown.splitlines() if line.startswith("| model (trial"))
    assert f"| {test['errors']['mase']:.3f} | {test['errors']['mase_median']:.3f} |" in model_row
    assert "series 's0', the first of 4" in markdown
