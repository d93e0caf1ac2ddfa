"""The Python API in a fresh interpreter, as a notebook uses it: a search from a dict, the
trials and curves as DataFrames, the report, the best model; errors are exceptions; nothing
global is left changed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.configs import TINY_SEARCH
from helpers.paths import REPO

SCRIPT = """
import json, os, signal, sys
import matplotlib
import tuner

def state():
    return {
        "handlers": [str(signal.getsignal(s)) for s in (signal.SIGINT, signal.SIGTERM)],
        "environ": dict(os.environ),
        "cwd": os.getcwd(),
        "matplotlib_backend": matplotlib.get_backend(),
    }

before = state()
assert "keras" not in sys.modules and "pandas" not in sys.modules  # import tuner is instant
config = json.loads(sys.argv[1])
try:
    tuner.search({**config, "space": {"units": "many"}})
except tuner.errors.ConfigError as exc:
    refused = str(exc)
run = tuner.search(config)
again = tuner.search(config)  # the lock is released: done, nothing trains or is written
trials = tuner.load_trials(run)
curves = tuner.load_history(run)
page = tuner.report(run, out="out")
page = tuner.report(run, out="out")  # still the function once the report stage is imported
model = tuner.best_model(run)
try:
    tuner.load_trials("nowhere")
except tuner.errors.UserInputError as exc:
    missing = str(exc)
print("RESULT " + json.dumps({
    "run": str(run),
    "again": str(again),
    "refused": refused,
    "missing": missing,
    "rows": len(trials),
    "params": sorted(c for c in trials.columns if c.startswith("params_")),
    "test": bool(trials["test_accuracy"].notna().any()),
    "curve_columns": list(curves.columns),
    "curve_rows": len(curves),
    "epochs": int(curves["epoch"].max()),
    "page": str(page),
    "page_exists": page.is_file(),
    "model_outputs": int(model.output_shape[-1]),
    "changed": {
        key: [str(value), str(state()[key])] for key, value in before.items()
        if state()[key] != value and key != "environ"
    } | {
        f"environ {k}": [before["environ"].get(k), os.environ.get(k)]
        for k in set(before["environ"]) | set(os.environ)
        if before["environ"].get(k) != os.environ.get(k)
    },
}))
"""


@pytest.mark.slow
def test_the_python_api_from_search_to_best_model_leaves_no_global_change(
    tmp_path: Path,
) -> None:
    config = {**TINY_SEARCH, "search": {**TINY_SEARCH["search"], "max_trials": 2}}
    env = {k: v for k, v in os.environ.items() if k not in ("KERAS_BACKEND", "TUNER_DEBUG")}
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(config)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    assert result["run"] == result["again"] == "runs/tiny"
    assert result["refused"] == "the config dict: space.units: expected a number, got 'many'"
    assert result["missing"] == (
        "nowhere: not a run folder: no config.yaml in it; give a folder like runs/<name>"
    )
    assert result["rows"] == 2 and result["test"]
    assert {"params_batch_size", "params_learning_rate", "params_units"} <= set(result["params"])
    assert result["curve_columns"] == ["trial", "epoch", "metric", "value"]
    assert result["curve_rows"] == 2 * 4 and result["epochs"] == 1  # 4 metrics, 1 epoch each
    assert result["page"] == "out/tiny/index.html" and result["page_exists"]
    assert result["model_outputs"] == 10
    assert result["changed"] == {}


PREDICT_REFUSALS = """
import json, sys
import tuner
said = []
for call in (lambda: tuner.predict("nowhere", x=[[1.0]]), lambda: tuner.predict("run"),
             lambda: tuner.predict("run", data="new.txt")):
    try:
        call()
    except tuner.errors.UserInputError as exc:
        said.append(str(exc))
print(json.dumps({"said": said, "keras": "keras" in sys.modules}))
"""


def test_predict_refuses_bad_calls_in_one_line_without_importing_keras(tmp_path: Path) -> None:
    run = tmp_path / "run"
    (run / "trials").mkdir(parents=True)
    (run / "config.yaml").write_text("name: run\ndata: {dataset: digits}\n")
    (tmp_path / "new.txt").write_text("1,2\n")
    env = {k: v for k, v in os.environ.items() if k not in ("KERAS_BACKEND", "TUNER_DEBUG")}
    done = subprocess.run(
        [sys.executable, "-c", PREDICT_REFUSALS],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout) == {
        "said": [
            "nowhere: not a run folder: no config.yaml in it; give a folder like runs/<name>",
            "give the samples to predict as data=FILE or as x=ARRAY, one of them",
            "new.txt: expected an .npz or a .csv file, not .txt; give x in an .npz (np.savez) "
            "or the run's kind of .csv",
        ],
        "keras": False,
    }
