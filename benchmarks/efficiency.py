"""Benchmark 3: search efficiency of random, Bayesian and Hyperband search.

Each algorithm searches the same space on the bundled MNIST subset with several seeds. The
curves are cut at the same total epoch budget (the smallest total any run reached), so each
algorithm gets the same training work: best validation accuracy against cumulative epochs
and against wall time, as a table and a figure.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import common
import yaml

ALGORITHMS = ("random", "bayesian", "hyperband")


def settings(smoke: bool) -> dict[str, Any]:
    if smoke:
        return {"seeds": (1,), "limit": 200, "epochs": 2, "trials": 2, "hyperband_trials": 3}
    return {"seeds": (1, 2, 3), "limit": 1500, "epochs": 6, "trials": 12, "hyperband_trials": 30}


def config(algorithm: str, seed: int, s: dict[str, Any]) -> dict[str, Any]:
    trials = s["hyperband_trials"] if algorithm == "hyperband" else s["trials"]
    return {
        "name": f"{algorithm}-{seed}",
        "seed": seed,
        "data": {"dataset": "mnist", "source": "bundled", "limit": s["limit"]},
        "space": {
            "units": [16, 32, 64],
            "optimizer": ["adam", "rmsprop", "sgd"],
            "momentum": {"value": 0.9, "when": {"optimizer": "sgd"}},
            "nesterov": {"value": True, "when": {"optimizer": "sgd"}},
            "learning_rate": {"min": 1.0e-4, "max": 3.0e-2, "sampling": "log"},
            "batch_size": 64,
        },
        "search": {"algorithm": algorithm, "max_trials": trials, "epochs": s["epochs"]},
        "report": {"top_k": 1},
    }


def run(algorithm: str, seed: int, s: dict[str, Any], folder: Path) -> list[dict[str, Any]]:
    """One search as a user runs it; returns its records in finishing order."""
    path = folder / f"{algorithm}-{seed}.yaml"
    path.write_text(yaml.safe_dump(config(algorithm, seed, s)))
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tuner", "search", str(path), "--runs", str(folder)],
        check=True,
        capture_output=True,
    )
    wall = time.perf_counter() - started
    records = [json.loads(p.read_text()) for p in (folder / path.stem / "trials").glob("*.json")]
    records.sort(key=lambda r: r["number"])
    elapsed = 0.0
    for record in records:
        elapsed += record["seconds"]
        record["_elapsed"] = elapsed
    return [dict(r, _wall=wall) for r in records]


def curve(records: list[dict[str, Any]]) -> list[tuple[int, float, float]]:
    """(cumulative epochs, seconds, best score so far) after each trial."""
    points, epochs, best = [], 0, float("nan")
    for record in records:
        epochs += record["epochs_run"]
        if record["score"] is not None and not (best >= record["score"]):
            best = record["score"]
        points.append((epochs, record["_elapsed"], best))
    return points


def at_budget(points: list[tuple[int, float, float]], budget: int) -> tuple[float, float]:
    """Best score and seconds once ``budget`` epochs were spent (the last trial within it)."""
    within = [p for p in points if p[0] <= budget] or points[:1]
    return within[-1][2], within[-1][1]


def draw(
    curves: dict[str, list[list[tuple[int, float, float]]]],
    budget: int,
    out: Path,
    name: str = "3-efficiency",
    title: str = "Search efficiency on the bundled MNIST subset",
    seconds: str = "cumulative trial seconds",
) -> None:
    """One line per seed and arm, against epochs and against seconds: ``out``/``name``.png."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (by_epochs, by_time) = plt.subplots(1, 2, figsize=(11, 4))
    for index, (algorithm, runs) in enumerate(curves.items()):
        for n, points in enumerate(runs):
            label = algorithm if n == 0 else None
            color = f"C{index}"
            for ax, x in ((by_epochs, 0), (by_time, 1)):  # x: cumulative epochs or seconds
                xs, ys = [p[x] for p in points], [p[2] for p in points]
                ax.step(xs, ys, where="post", color=color, label=label, alpha=0.8)
    by_epochs.axvline(budget, color="grey", ls="--", label="epoch budget")
    by_epochs.set(
        xlabel="cumulative training epochs",
        ylabel="best val_accuracy so far",
        title="Against epochs",
    )
    by_time.set(xlabel=seconds, ylabel="best val_accuracy so far", title="Against time")
    for ax in (by_epochs, by_time):
        ax.legend(fontsize="small")
        ax.grid(alpha=0.3)
    fig.suptitle(f"{title} (one line per seed)")
    fig.tight_layout()
    out.mkdir(parents=True, exist_ok=True)
    fig.savefig(out / f"{name}.png", dpi=100)
    plt.close(fig)


def main() -> None:
    args = common.parser(__doc__.splitlines()[0]).parse_args()
    s = settings(args.smoke)
    curves: dict[str, list[list[tuple[int, float, float]]]] = {a: [] for a in ALGORITHMS}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in s["seeds"]:
            for algorithm in ALGORITHMS:  # alternate algorithms within each seed
                curves[algorithm].append(curve(run(algorithm, seed, s, Path(tmp))))
    budget = min(points[-1][0] for runs in curves.values() for points in runs)
    rows = []
    for algorithm, runs in curves.items():
        best = [at_budget(points, budget) for points in runs]
        scores = [b[0] for b in best]
        rows.append(
            {
                "algorithm": algorithm,
                "best val_accuracy at budget (median)": common.median(scores),
                "min": min(scores),
                "max": max(scores),
                "seconds to spend it (median)": common.median([b[1] for b in best]),
            }
        )
    winner = max(rows, key=lambda r: r["best val_accuracy at budget (median)"])
    draw(curves, budget, args.out)
    body = common.table(rows, list(rows[0])) + (
        f"\n\nBudget: {budget} training epochs per search (the smallest total any run reached), "
        f"seeds {list(s['seeds'])}, {s['limit']} samples, up to {s['epochs']} epochs per trial. "
        f"Winner by median: **{winner['algorithm']}**.\n\n![efficiency](results/3-efficiency.png)"
    )
    common.write(
        args.out, "3-efficiency", "3. Search efficiency", body, "python benchmarks/efficiency.py"
    )


if __name__ == "__main__":
    main()
