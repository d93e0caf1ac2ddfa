"""Benchmark 11: forecasting against the baselines, by MASE, over seeds.

Data the repository generates (tuner/data/synthetic_series.py), no download:

- one monthly series: growth of about 1% a month, a yearly season that grows with the level,
  a promotion covariate, 3% noise; 180 months, the last 36 the test span, whose values lie
  above the training range (the issue's airline case). One `tuner.search` per scaling
  (`data.scaling: window`, the default, and `series`, the global scaling the toolkit had
  before), 1 month ahead from 24;
- many series (a competition's many-series set in miniature): 20 monthly series of sizes from
  10 to 10,000, growth from -0.5% to 1.5% a month, 48 to 144 months, the last 12 of each the
  test span; one global model (`data.series`), 3 months ahead from 24, validated on the split
  and on 3 backtest windows (`data.backtest`).

Reported: the test MASE (each series' MAE over its training part's in-sample seasonal-naive
MAE, as in M4; the mean over series) of each exported model and of the naive, seasonal
naive and ETS baselines on the same test origins, and wall seconds.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import common

from tuner.data.synthetic_series import PERIOD, write_many_monthly, write_monthly
from tuner.text import plural

BASELINES = {"last_value": "last value", "seasonal_naive": "seasonal naive", "ets": "ETS"}
# arm -> (data set, the data section's settings beyond the set's own)
ARMS: dict[str, tuple[str, dict[str, Any]]] = {
    "one series, scaling: window": ("one", {"scaling": "window"}),
    "one series, scaling: series": ("one", {"scaling": "series"}),
    "many series, scaling: window": ("many", {}),
    "many series, 3 backtest windows": ("many", {"backtest": {"windows": 3, "step": 6}}),
}


def settings(smoke: bool) -> dict[str, Any]:
    if smoke:
        return {"seeds": (1,), "months": 96, "test": 12, "trials": 1, "epochs": 1,
                "series": 3, "shortest": 60, "longest": 72, "arms": tuple(ARMS)}  # fmt: skip
    return {"seeds": (1, 2, 3), "months": 180, "test": 36, "trials": 8, "epochs": 40,
            "series": 20, "shortest": 48, "longest": 144, "arms": tuple(ARMS)}  # fmt: skip


def config_for(data: Path, seed: int, arm: str, s: dict[str, Any]) -> dict[str, Any]:
    kind, extra = ARMS[arm]
    if kind == "one":
        section = {"window": 24, "horizon": 1, "validation_split": 0.15, "test_steps": s["test"]}
    else:
        section = {"series": "series", "window": 24, "horizon": 3, "validation_split": 0.1,
                   "test_steps": min(12, s["test"])}  # fmt: skip
    return {
        "name": f"{kind}-{seed}-{list(ARMS).index(arm)}",
        "seed": seed,
        "data": {"dataset": "csv", "path": str(data), "target": "value", "period": PERIOD,
                 **section, **extra},  # fmt: skip
        "space": {
            "units": [16, 32, 64], "batch_size": 16,
            "learning_rate": {"min": 1.0e-3, "max": 1.0e-2, "sampling": "log"},
        },
        "search": {"algorithm": "random", "max_trials": s["trials"], "epochs": s["epochs"],
                   "early_stopping": {"monitor": "val_loss", "patience": 8}},
        "report": {"top_k": 1},
    }  # fmt: skip


def data_for(kind: str, seed: int, folder: Path, s: dict[str, Any]) -> Path:
    if kind == "one":
        return write_monthly(seed, folder / f"monthly-{seed}.csv", s["months"])
    path = folder / f"many-{seed}.csv"
    return write_many_monthly(seed, path, s["series"], s["shortest"], s["longest"])


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int)
    p.add_argument("--arms", help=f"comma-separated, of: {'; '.join(ARMS)} (default all)")
    args = p.parse_args()
    s = settings(args.smoke)
    s["seeds"] = tuple(range(1, args.seeds + 1)) if args.seeds else s["seeds"]
    s["arms"] = tuple(a.strip() for a in args.arms.split(",")) if args.arms else s["arms"]
    unknown = [a for a in s["arms"] if a not in ARMS]
    if unknown:
        p.error(f"--arms: no arm {', '.join(unknown)}; the arms are {'; '.join(ARMS)}")
    import tuner

    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        for seed in s["seeds"]:
            for arm in s["arms"]:
                data = data_for(ARMS[arm][0], seed, Path(folder), s)
                started = time.perf_counter()
                run = tuner.search(config_for(data, seed, arm, s), runs=Path(folder))
                seconds = time.perf_counter() - started
                test = json.loads((run / "best" / "test.json").read_text())
                baselines = test["baselines"]
                row = {"seed": seed, "arm": arm, "set": ARMS[arm][0], "seconds": seconds,
                       "model": test["errors"]["mase"],  # the exported model's
                       **{n: baselines[n]["mase"] for n in BASELINES if n in baselines},
                       }  # fmt: skip
                results.append(row)
                args.out.mkdir(parents=True, exist_ok=True)
                (args.out / "11-forecasting.json").write_text(json.dumps(results, indent=1))
    rows = []
    for kind in dict.fromkeys(ARMS[a][0] for a in s["arms"]):
        for arm in (a for a in s["arms"] if ARMS[a][0] == kind):
            mine = [r for r in results if r["arm"] == arm]
            seasonal = sum(r["model"] < r["seasonal_naive"] for r in mine)
            ets = sum(r["model"] < r.get("ets", float("inf")) for r in mine)
            rows.append({"forecast": f"tuned model, {arm}",
                         "test MASE": _spread([r["model"] for r in mine]),
                         "beats seasonal naive": f"{seasonal}/{len(mine)}",
                         "beats ETS": f"{ets}/{len(mine)}",
                         "wall s": _spread([r["seconds"] for r in mine], 0)})  # fmt: skip
        first = [r for r in results if r["arm"] == next(a for a in s["arms"] if ARMS[a][0] == kind)]
        for name, label in BASELINES.items():
            values = [r[name] for r in first if name in r]
            if values:
                where = "one series" if kind == "one" else "many series"
                rows.append({"forecast": f"{label}, {where}", "test MASE": _spread(values)})
    body = common.table(
        rows, ["forecast", "test MASE", "beats seasonal naive", "beats ETS", "wall s"]
    )
    body += (
        f"\n\nMedian [min, max] over {plural(len(s['seeds']), 'seed')} (series and search). One "
        f"series: {s['months']} months, the last {s['test']} the test span (data.test_steps: "
        "each month forecast from the 24 before it; values above the training range), 15% "
        f"before it for validation, 1 month ahead. {s['series']} series: {s['shortest']} to "
        f"{s['longest']} months each, the last 12 of each the test span, 10% before it (at "
        "least 3 months) for validation or 3 backtest windows of 6 months, 3 months ahead, one "
        f"model for all (data.series). Each search: {plural(s['trials'], 'trial')} of "
        f"up to {plural(s['epochs'], 'epoch')} (random search, units 16/32/64, learning rate "
        "1e-3..1e-2, batch 16, early stopping patience 8), 24 months in. MASE: test MAE over "
        "the training part's in-sample seasonal-naive MAE (period 12), per series, then the "
        "mean over series; the baselines are scored on the same test origins (ETS: "
        "statsmodels, fitted on each series' training part). The exported model is the "
        "search's default final model (the fold ensemble with backtest windows)."
    )
    common.write(args.out, "11-forecasting", "11. Forecasting against the baselines", body,
                 common.command_line())  # fmt: skip


def _spread(values: list[float], digits: int = 3) -> str:
    return (
        f"{common.median(values):.{digits}f} [{min(values):.{digits}f}, {max(values):.{digits}f}]"
    )


if __name__ == "__main__":
    main()
