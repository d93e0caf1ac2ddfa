"""Regression end to end through the real CLI: a sine search, a CSV search with the head
tuned, evaluate on the user's arrays, and a bad CSV refused with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from tuner.data import series

pytestmark = pytest.mark.slow

METRICS = {"loss", "mae", "rmse", "val_loss", "val_mae", "val_rmse"}
SINE = {
    "name": "tiny-sine",
    "seed": 3,
    "data": {"dataset": "sine", "length": 300, "window": 10, "horizon": 2},
    "space": {"units": [4, 8], "batch_size": 32},
    "search": {"algorithm": "random", "max_trials": 2, "epochs": 2},
}


def tuner(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tuner", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def write_yaml(folder: Path, config: dict[str, object]) -> Path:
    path = folder / f"{config['name']}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def records(run: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((run / "trials").glob("*.json"))]


def test_sine_search_evaluate_and_report(tmp_path: Path) -> None:
    done = tuner("search", str(write_yaml(tmp_path, SINE)), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "naive baselines, test mae: last_value" in done.stdout
    run = tmp_path / "runs" / "tiny-sine"
    for record in records(run):
        assert record["status"] == "completed" and record["objective"] == "val_loss"
        assert set(record["history"]) == METRICS
        assert record["history"]["val_loss"][record["best_epoch"] - 1] == record["score"]

    test = json.loads((run / "best" / "test.json").read_text())
    assert test["task"] == "regression" and test["horizon"] == 2 and test["period"] == 40
    assert set(test["baselines"]) == {"last_value", "seasonal_naive", "ets"}
    with np.load(run / "best" / "predictions.npz") as npz:
        actual, predicted, time = npz["actual"], npz["predicted"], npz["time"]
    # 300 steps: test part 60 steps -> 60 - 10 - 2 + 1 windows; their targets are steps 250..
    assert actual.shape == predicted.shape == time.shape == (49, 2)
    assert time[0].tolist() == ["250", "251"]
    wave = series.sine(300, 40, 0.1, 0.0, 3)
    assert np.allclose(actual[:, 0], wave[250:299])  # targets in the series' own units
    mae = float(np.abs(predicted - actual).mean())
    assert test["trials"][0]["test"]["mae"] == pytest.approx(mae, rel=1e-4)
    # MASE: over the training part's own seasonal-naive error (period 40: steps 0..209).
    naive = float(np.abs(wave[40:210] - wave[:170]).mean())
    assert test["naive_mae"] == pytest.approx(naive, rel=1e-5)
    assert test["errors"]["mase"] == pytest.approx(mae / naive, rel=1e-4)
    smape = 200 * np.mean(np.abs(predicted - actual) / (np.abs(actual) + np.abs(predicted)))
    assert test["errors"]["smape"] == pytest.approx(smape, rel=1e-4)
    seasonal = test["baselines"]["seasonal_naive"]
    assert seasonal["mase"] == pytest.approx(seasonal["mae"] / naive, rel=1e-6)
    assert "test mase (1 = the training part's naive error): model " in done.stdout
    # Split conformal intervals: the test span's coverage is what predictions.npz's bounds hold.
    with np.load(run / "best" / "predictions.npz") as npz:
        low, high = npz["lower_80"], npz["upper_80"]
    assert np.all(low <= predicted) and np.all(predicted <= high)
    held = float(np.mean((actual >= low - 1e-5) & (actual <= high + 1e-5)))
    assert test["intervals"]["80"]["coverage"] == pytest.approx(held, abs=0.03)
    assert test["intervals"]["95"]["mean_width"] >= test["intervals"]["80"]["mean_width"]

    # The exported model takes raw windows and answers in target units.
    x = np.stack([wave[s : s + 10, None] for s in range(0, 200, 5)])
    y = np.stack([wave[s + 10 : s + 12] for s in range(0, 200, 5)])
    np.savez(tmp_path / "mine.npz", x=x, y=y)
    evaluated = tuner("evaluate", str(run), "--data", "mine.npz", cwd=tmp_path)
    assert evaluated.returncode == 0, evaluated.stderr
    assert evaluated.stdout.startswith("mae=") and "rmse=" in evaluated.stdout
    # In a plain process, with the one module whose layer (RelativeToLevel) the model holds.
    load = (
        "import keras, tuner.engine.model; "
        "keras.saving.load_model('runs/tiny-sine/best/model.keras')"
    )
    plain = subprocess.run(
        [sys.executable, "-c", load],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert plain.returncode == 0, plain.stderr[-500:]

    # tuner forecast: the 2 steps after the series' end, from its last window, with intervals.
    ahead = tuner("forecast", "runs/tiny-sine", "--out", "ahead.csv", cwd=tmp_path)
    assert ahead.returncode == 0, ahead.stderr
    import pandas as pd

    frame = pd.read_csv(tmp_path / "ahead.csv")
    assert list(frame.columns) == [
        "series", "time", "step", "forecast", "lower_80", "upper_80", "lower_95", "upper_95",
    ]  # fmt: skip
    assert frame["time"].tolist() == [300, 301] and frame["step"].tolist() == [1, 2]
    assert (frame["lower_95"] <= frame["lower_80"]).all()
    assert (frame["lower_80"] <= frame["forecast"]).all()
    assert (frame["forecast"] <= frame["upper_80"]).all()
    import tuner as api

    expected = api.best_model(run).predict(wave[None, -10:, None], verbose=0)[0]
    assert np.allclose(frame["forecast"], expected, atol=1e-4)
    beyond = tuner("forecast", "runs/tiny-sine", "--steps", "3", cwd=tmp_path)
    assert beyond.returncode == 2 and beyond.stderr.strip() == (
        "error: --steps: 3 is not among the 1 to 2 steps ahead the model forecasts "
        "(data.horizon); search again with data.horizon: 3 for more"
    )

    reported = tuner("report", cwd=tmp_path)
    assert reported.returncode == 0, reported.stderr
    markdown = (tmp_path / "reports" / "tiny-sine" / "report.md").read_text()
    header = next(line for line in markdown.splitlines() if line.startswith("| forecast |"))
    assert "| sMAPE | MASE |" in header
    assert "MASE is MAE over the training part's own naive error" in markdown
    assert "Prediction intervals: split conformal" in markdown


def test_csv_search_tunes_the_head(tmp_path: Path) -> None:
    days = "\n".join(
        f"2024-{1 + d // 28:02d}-{1 + d % 28:02d},{20 + 5 * np.sin(d / 3):.3f},{d % 7}"
        for d in range(200)
    )
    (tmp_path / "shop.csv").write_text("date,sales,weekday\n" + days + "\n")
    config = {
        "name": "shop",
        "data": {
            "dataset": "csv",
            "path": "shop.csv",
            "target": "sales",
            "window": 14,
            "horizon": 3,
            "period": 7,
            "scaling": "series",  # the sigmoid head maps the training range
        },
        "space": {"units": 4, "head": ["linear", "sigmoid"], "batch_size": 32},
        "search": {"algorithm": "grid", "max_trials": 2, "epochs": 1},
    }
    done = tuner("search", str(write_yaml(tmp_path, config)), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    trials = records(tmp_path / "runs" / "shop")
    assert sorted(r["hyperparameters"]["head"] for r in trials) == ["linear", "sigmoid"]
    assert all(r["status"] == "completed" and set(r["history"]) == METRICS for r in trials)
    assert {r["objective"] for r in trials} == {"val_mae"}  # the heads' losses differ
    with np.load(tmp_path / "runs" / "shop" / "best" / "predictions.npz") as npz:
        assert npz["time"][0, 0].startswith("2024-") and npz["actual"].shape[1] == 3
        assert set(npz.files) >= {"baseline_last_value", "baseline_seasonal_naive"}


def test_a_bad_csv_exits_2_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("time,y\n0,1.5\n1,abc\n")
    config = {
        "name": "bad",
        "data": {"dataset": "csv", "path": "bad.csv", "target": "y"},
        "space": {"units": 4},
    }
    result = tuner("search", str(write_yaml(tmp_path, config)), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: bad.csv:3: y: 'abc' is not a number; numeric columns hold numbers only "
        "(a time column must be named time, date, datetime, timestamp, index)"
    )
