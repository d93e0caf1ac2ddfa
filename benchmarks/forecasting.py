"""Benchmark 11: forecasting against the baselines, by MASE, over seeds.

Monthly series the repository generates (tuner/data/synthetic_series.py: growth of about 1% a
month, a yearly season that grows with the level, a promotion covariate, 3% noise; 180
months, the last 36 the test span, whose values lie above the training range). For each seed
one `tuner.search` per scaling (`data.scaling: window`, the default, and `series`, the global
scaling the toolkit had before), forecasting 1 month ahead from 24; reported: the test MASE
(over the training part's in-sample seasonal-naive MAE, as in M4) of each exported model and
of the naive, seasonal naive and ETS baselines on the same test origins, and wall seconds.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import common

from tuner.data.synthetic_series import PERIOD, write_monthly
from tuner.text import plural

SCALINGS = ("window", "series")
BASELINES = {"last_value": "last value", "seasonal_naive": "seasonal naive", "ets": "ETS"}


def settings(smoke: bool) -> dict[str, Any]:
    if smoke:
        return {"seeds": (1,), "months": 96, "test": 12, "trials": 1, "epochs": 1}
    return {"seeds": (1, 2, 3), "months": 180, "test": 36, "trials": 8, "epochs": 40}


def config_for(data: Path, seed: int, scaling: str, s: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": f"monthly-{seed}-{scaling}",
        "seed": seed,
        "data": {
            "dataset": "csv", "path": str(data), "target": "value", "window": 24, "horizon": 1,
            "period": PERIOD, "scaling": scaling, "validation_split": 0.15,
            "test_steps": s["test"],
        },
        "space": {
            "units": [16, 32, 64], "batch_size": 16,
            "learning_rate": {"min": 1.0e-3, "max": 1.0e-2, "sampling": "log"},
        },
        "search": {"algorithm": "random", "max_trials": s["trials"], "epochs": s["epochs"],
                   "early_stopping": {"monitor": "val_loss", "patience": 8}},
        "report": {"top_k": 1},
    }  # fmt: skip


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int)
    args = p.parse_args()
    s = settings(args.smoke)
    s["seeds"] = tuple(range(1, args.seeds + 1)) if args.seeds else s["seeds"]
    import tuner

    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        for seed in s["seeds"]:
            data = write_monthly(seed, Path(folder) / f"monthly-{seed}.csv", s["months"])
            for scaling in SCALINGS:
                started = time.perf_counter()
                run = tuner.search(config_for(data, seed, scaling, s), runs=Path(folder))
                seconds = time.perf_counter() - started
                test = json.loads((run / "best" / "test.json").read_text())
                baselines = test["baselines"]
                row = {"seed": seed, "scaling": scaling, "seconds": seconds,
                       "model": test["errors"]["mase"],
                       **{n: baselines[n]["mase"] for n in BASELINES if n in baselines},
                       }  # fmt: skip
                results.append(row)
                args.out.mkdir(parents=True, exist_ok=True)
                (args.out / "11-forecasting.json").write_text(json.dumps(results, indent=1))
    rows = []
    for scaling in SCALINGS:
        mine = [r for r in results if r["scaling"] == scaling]
        seasonal = sum(r["model"] < r["seasonal_naive"] for r in mine)
        ets = sum(r["model"] < r.get("ets", float("inf")) for r in mine)
        rows.append({"forecast": f"tuned model, scaling: {scaling}",
                     "test MASE": _spread([r["model"] for r in mine]),
                     "beats seasonal naive": f"{seasonal}/{len(mine)}",
                     "beats ETS": f"{ets}/{len(mine)}",
                     "wall s": _spread([r["seconds"] for r in mine], 0)})  # fmt: skip
    first = [r for r in results if r["scaling"] == SCALINGS[0]]
    for name, label in BASELINES.items():
        values = [r[name] for r in first if name in r]
        if values:
            rows.append({"forecast": label, "test MASE": _spread(values)})
    body = common.table(
        rows, ["forecast", "test MASE", "beats seasonal naive", "beats ETS", "wall s"]
    )
    body += (
        f"\n\nMedian [min, max] over {plural(len(s['seeds']), 'seed')} (series and search). Each "
        f"series: {s['months']} months, the last {s['test']} the test span (data.test_steps: "
        "each month forecast from the 24 before it; values above the training range), 15% "
        f"before it for validation. Each search: {plural(s['trials'], 'trial')} of "
        f"up to {plural(s['epochs'], 'epoch')} (random search, units 16/32/64, learning rate "
        "1e-3..1e-2, batch 16, early stopping patience 8), 24 months in, 1 month ahead. MASE: "
        "test MAE over the training part's in-sample seasonal-naive MAE (period 12); the baselines "
        "are scored on the same test origins (ETS: statsmodels, fitted on the training part)."
    )
    common.write(args.out, "11-forecasting", "11. Forecasting against the baselines", body,
                 common.command_line())  # fmt: skip


def _spread(values: list[float], digits: int = 3) -> str:
    return (
        f"{common.median(values):.{digits}f} [{min(values):.{digits}f}, {max(values):.{digits}f}]"
    )


if __name__ == "__main__":
    main()
