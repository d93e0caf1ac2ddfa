"""Benchmark 4: trials per hour with --workers 1 and --workers 2 on this machine.

The same small random search, run whole by `tuner search` (start-up included), alternating
the two settings.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import common
import yaml


def settings(smoke: bool) -> dict[str, Any]:
    if smoke:
        return {"trials": 2, "limit": 200, "epochs": 1, "repeats": 1, "units": [4, 8]}
    return {"trials": 10, "limit": 2000, "epochs": 4, "repeats": 2, "units": [32, 64]}


def search(workers: int, s: dict[str, Any], folder: Path) -> float:
    config = {
        "name": f"w{workers}-{time.monotonic_ns()}",
        "data": {"dataset": "mnist", "source": "bundled", "limit": s["limit"]},
        "space": {
            "units": s["units"],
            "learning_rate": {"min": 1.0e-3, "max": 1.0e-2, "sampling": "log"},
        },
        "search": {
            "algorithm": "random",
            "max_trials": s["trials"],
            "epochs": s["epochs"],
            "early_stopping": None,
        },
        "report": {"top_k": 1},
    }
    path = folder / f"{config['name']}.yaml"
    path.write_text(yaml.safe_dump(config))
    command = [
        sys.executable,
        "-m",
        "tuner",
        "search",
        str(path),
        "--runs",
        str(folder),
        "--workers",
        str(workers),
    ]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    args = common.parser(__doc__.splitlines()[0]).parse_args()
    s = settings(args.smoke)
    walls: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(s["repeats"]):
            for workers in walls:
                walls[workers].append(search(workers, s, Path(tmp)))
    rows = [
        {
            "workers": w,
            "wall seconds (median)": common.median(t),
            "trials/hour": s["trials"] * 3600 / common.median(t),
        }
        for w, t in walls.items()
    ]
    speedup = rows[1]["trials/hour"] / rows[0]["trials/hour"]
    body = common.table(rows, ["workers", "wall seconds (median)", "trials/hour"]) + (
        f"\n\nSpeed-up with 2 workers: **{speedup:.2f}x**. {s['trials']} trials of up to "
        f"{s['epochs']} epochs, {s['limit']} samples, {s['repeats']} alternating repeats."
    )
    common.write(args.out, "4-workers", "4. Workers", body, "python benchmarks/workers.py")


if __name__ == "__main__":
    main()
