"""Benchmark 4: trials per hour with one process and with two, coordinated by keras-tuner's
gRPC chief or by a shared Optuna study (search.storage: local, a journal file), on this machine.

The same small random search, run whole by `tuner search` (start-up included), alternating
the settings.
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

# (label, processes, search.storage): the gRPC crew (storage: null) is a chief that trains
# nothing plus the workers; the storage arm is that many `tuner search` processes, no chief.
ARMS = (
    ("1 process", 1, None),
    ("2 workers, gRPC chief", 2, None),
    ("2 processes, storage: local", 2, "local"),
)


def settings(smoke: bool) -> dict[str, Any]:
    if smoke:
        return {"trials": 2, "limit": 200, "epochs": 1, "repeats": 1, "units": [4, 8]}
    return {"trials": 12, "limit": 2000, "epochs": 4, "repeats": 3, "units": [32, 64]}


def search(workers: int, storage: str | None, s: dict[str, Any], folder: Path) -> float:
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
            "storage": storage,
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
    walls: dict[str, list[float]] = {label: [] for label, _, _ in ARMS}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(s["repeats"]):
            for label, workers, storage in ARMS:
                walls[label].append(search(workers, storage, s, Path(tmp)))
    one = common.median(walls[ARMS[0][0]])
    rows = [
        {
            "processes": label,
            "wall seconds (median)": common.median(t),
            "min": min(t),
            "max": max(t),
            "trials/hour": s["trials"] * 3600 / common.median(t),
            "speed-up": one / common.median(t),
        }
        for label, t in walls.items()
    ]
    grpc, local = (common.median(walls[label]) for label, _, _ in ARMS[1:])
    columns = ["processes", "wall seconds (median)", "min", "max", "trials/hour", "speed-up"]
    body = common.table(rows, columns) + (
        f"\n\nSpeed-up with 2 workers: **{one / grpc:.2f}x** with the gRPC chief, "
        f"**{one / local:.2f}x** with storage: local; the storage arm takes "
        f"{local / grpc:.2f}x the gRPC arm's wall time. {s['trials']} trials of up to "
        f"{s['epochs']} epochs, {s['limit']} samples, {s['repeats']} alternating repeats "
        "(min and max over them)."
    )
    common.write(args.out, "4-workers", "4. Workers", body, "python benchmarks/workers.py")


if __name__ == "__main__":
    main()
