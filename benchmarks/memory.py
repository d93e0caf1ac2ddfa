"""Benchmark 12: memory over a long search of tiny models, in one process and isolated.

One random search of tiny LSTMs (8 to 64 units, one epoch, 600 MNIST rows from the bundled
subset), run three times: in one process (the default), with `search.isolate: true` (each
trial in a fresh process) and with `search.isolate: 25` (a fresh process every 25 trials).
Reported from the trial records' `peak_memory_mb` (each trial's own peak resident memory,
Linux): the median over trials 16-25 ("at trial 20") and over the last 10 ("at the end"),
their ratio, the least-squares slope per trial, and the seconds a trial takes (search wall
time over trials) in each arm, so the cost of isolation per trial is their difference.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import common

from tuner.text import plural

ARMS: dict[str, bool | int] = {
    "one process": False,
    "search.isolate: true (1 trial a process)": True,
    "search.isolate: 25": 25,
}


def config_for(trials: int, isolate: bool | int) -> dict[str, Any]:
    return {
        "name": f"isolate-{str(isolate).lower()}",
        "seed": 1,
        "data": {"dataset": "mnist", "source": "bundled", "limit": 600},
        "space": {
            "units": {"min": 8, "max": 64, "step": 8},
            "learning_rate": {"min": 1.0e-3, "max": 1.0e-2, "sampling": "log"},
            "batch_size": 64,
        },
        "search": {
            "algorithm": "random",
            "max_trials": trials,
            "epochs": 1,
            "cv": None,
            "final_model": "checkpoint",
            "isolate": isolate,
        },  # fmt: skip
        "report": {"top_k": 1},
    }


def peaks(run: Path) -> list[float]:
    """Each trial's peak resident memory (MB), in finishing order."""
    records = [json.loads(p.read_text()) for p in (run / "trials").glob("*.json")]
    return [r["peak_memory_mb"] for r in sorted(records, key=lambda r: r["number"])]


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, help="trials per search (default 200; smoke 6)")
    args = p.parse_args()
    trials = args.trials or (6 if args.smoke else 200)
    early = (max(0, min(15, trials - 10)), min(trials, 25))  # trials 16-25, or what there is
    import numpy as np

    import tuner

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for arm, isolate in ARMS.items():
            started = time.perf_counter()
            run = tuner.search(config_for(trials, isolate), runs=Path(folder))
            seconds = time.perf_counter() - started
            found = peaks(run)
            at_20 = statistics.median(found[early[0] : early[1]])
            at_end = statistics.median(found[-10:])
            slope = float(np.polyfit(np.arange(1, len(found) + 1), found, 1)[0])
            rows.append({"search": arm, "trials": len(found),
                         "peak MB at trial 20": f"{at_20:.0f}",
                         "peak MB at the end": f"{at_end:.0f}",
                         "end / trial 20": f"{at_end / at_20:.3f}",
                         "slope MB per trial": f"{slope:+.2f}",
                         "s per trial": f"{seconds / len(found):.2f}"})  # fmt: skip
    cost = float(rows[1]["s per trial"]) - float(rows[0]["s per trial"])  # a process a trial
    body = common.table(rows, list(rows[0]))
    body += (
        f"\n\nOne random search of {plural(trials, 'trial')} per row: LSTM of 8 to 64 units, "
        "1 epoch, 600 MNIST rows (bundled subset), batch 64, search.cv: null, final model: "
        "the checkpoint. Peaks: each trial record's peak_memory_mb (the process's peak "
        "resident memory during that trial, reset as it begins); at trial 20: the median over "
        f"trials {early[0] + 1} to {early[1]}; at the end: over the last 10. s per trial: the "
        f"whole search's wall time over its trials; a process per trial costs {cost:.2f} s per "
        "trial here (a process start: Python, TensorFlow, the data)."
    )
    common.write(args.out, "12-memory", "12. Memory over a long search", body,
                 common.command_line())  # fmt: skip


if __name__ == "__main__":
    main()
