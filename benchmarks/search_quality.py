"""Benchmark 6: which search finds the good model sooner, against the searches users write.

Arms, each with several seeds on the flagship space (configs/mnist.yaml) and the bundled MNIST
subset: keras-tuner's RandomSearch and BayesianOptimization and Optuna's TPE + MedianPruner
written by hand (benchmarks/by_hand.py), and this toolkit's random, Bayesian and TPE search,
each with and without median pruning. Every arm trains the same model on the same splits with
the same epochs per trial and the same plateau stop; pruned arms may run more trials, and every
curve is cut at one epoch budget (the smallest total any run reached).

Reported per arm (median and range over seeds): the best validation accuracy at the budget,
the wall seconds to spend it, the epochs to reach 0.95 validation accuracy, the epochs to reach
the hand-written keras-tuner RandomSearch's final best (as a fraction of that search's own
epochs for it), and the test accuracy of the model each search hands back.
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
from efficiency import at_budget, draw

HERE = Path(__file__).parent
BY_HAND = ("keras-tuner-random", "keras-tuner-bayesian", "optuna-tpe-median")
TOOLKIT = (
    ("random", None),
    ("bayesian", None),
    ("tpe", None),
    ("random", "median"),
    ("bayesian", "median"),
    ("tpe", "median"),
)
REFERENCE = "keras-tuner-random"  # the hand-written search the goal is stated against
TARGET = 0.95  # the validation accuracy whose epochs-to-reach is reported
Point = tuple[int, float, float]  # cumulative epochs, seconds since the start, best so far


def settings(smoke: bool) -> dict[str, Any]:
    if smoke:
        return {"seeds": (1,), "limit": 200, "epochs": 2, "trials": 2, "pruned_trials": 3}
    return {"seeds": (1, 2, 3), "limit": 2500, "epochs": 8, "trials": 12, "pruned_trials": 18}


def arm_name(algorithm: str, pruning: str | None) -> str:
    return f"toolkit {algorithm}" + (f" + {pruning} pruning" if pruning else "")


def flagship_space() -> dict[str, Any]:
    return yaml.safe_load((HERE.parent / "configs" / "mnist.yaml").read_text())["space"]


def toolkit_run(algorithm: str, pruning: str | None, seed: int, s: dict[str, Any], folder: Path):  # type: ignore[no-untyped-def]
    """One `tuner search` as a user runs it: (start time, records, test accuracy)."""
    name = f"{algorithm}-{pruning or 'none'}-{seed}"
    search: dict[str, Any] = {
        "algorithm": algorithm,
        "max_trials": s["pruned_trials"] if pruning else s["trials"],
        "epochs": s["epochs"],
        "early_stopping": {"monitor": "val_loss", "patience": 3},
    }
    if pruning:
        search["pruning"] = {"rule": pruning}  # its defaults: warmup 2 epochs, 5 trials
    config = {
        "name": name,
        "seed": seed,
        "data": {"dataset": "mnist", "source": "bundled", "limit": s["limit"]},
        "space": flagship_space(),
        "search": search,
        "report": {"top_k": 1},
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config))
    started = time.time()
    command = [sys.executable, "-m", "tuner", "search", str(path), "--runs", str(folder)]
    subprocess.run(command, check=True, capture_output=True)
    run = folder / name
    records = [json.loads(p.read_text()) for p in (run / "trials").glob("*.json")]
    records.sort(key=lambda r: r["finished_at"])
    test = json.loads((run / "best" / "test.json").read_text())
    return started, records, float(test["trials"][0]["test"]["accuracy"])


def by_hand_run(arm: str, seed: int, s: dict[str, Any], folder: Path):  # type: ignore[no-untyped-def]
    out = folder / f"{arm}-{seed}.json"
    options = {"seed": seed, "limit": s["limit"], "epochs": s["epochs"], "trials": s["trials"]}
    if arm == "optuna-tpe-median":
        options["trials"] = s["pruned_trials"]
    command = [sys.executable, str(HERE / "by_hand.py"), arm, "--out", str(out)]
    command += [f"--{k}={v}" for k, v in options.items()]
    started = time.time()  # before the process, as for `tuner search`: imports count for both
    subprocess.run(command, check=True, capture_output=True)
    result = json.loads(out.read_text())
    return started, result["trials"], float(result["test_accuracy"])


def curve(started: float, trials: list[dict[str, Any]]) -> list[Point]:
    points, epochs, best = [], 0, float("nan")
    for trial in trials:
        epochs += trial["epochs_run"]
        if trial["score"] is not None and not (best >= trial["score"]):
            best = trial["score"]
        points.append((epochs, trial["finished_at"] - started, best))
    return points


def epochs_to(points: list[Point], score: float) -> int | None:
    return next((p[0] for p in points if p[2] >= score), None)


def spread(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{common.median(values):.4g} [{min(values):.4g}, {max(values):.4g}]"


def reached(values: list[int | None]) -> str:
    hits = [float(v) for v in values if v is not None]
    text = f"{common.median(hits):.0f}" if hits else "never"
    return text + (f" ({len(hits)}/{len(values)} seeds)" if len(hits) < len(values) else "")


def main() -> None:
    args = common.parser(__doc__.splitlines()[0]).parse_args()
    s = settings(args.smoke)
    arms = [*BY_HAND, *(arm_name(a, p) for a, p in TOOLKIT)]
    curves: dict[str, list[list[Point]]] = {arm: [] for arm in arms}
    tests: dict[str, list[float]] = {arm: [] for arm in arms}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in s["seeds"]:  # every arm within each seed, so a busy spell hits them all
            for arm in BY_HAND:
                started, trials, test = by_hand_run(arm, seed, s, Path(tmp))
                curves[arm].append(curve(started, trials))
                tests[arm].append(test)
            for algorithm, pruning in TOOLKIT:
                started, trials, test = toolkit_run(algorithm, pruning, seed, s, Path(tmp))
                curves[arm_name(algorithm, pruning)].append(curve(started, trials))
                tests[arm_name(algorithm, pruning)].append(test)
            print(f"seed {seed} done", flush=True)
    budget = min(points[-1][0] for runs in curves.values() for points in runs)
    reference = curves[REFERENCE]
    rows = []
    for arm in arms:
        at = [at_budget(points, budget) for points in curves[arm]]
        fractions: list[float] = []
        for points, ref in zip(curves[arm], reference, strict=True):  # seed by seed
            goal = ref[-1][2]
            mine, theirs = epochs_to(points, goal), epochs_to(ref, goal)
            if mine is not None and theirs:
                fractions.append(mine / theirs)
        rows.append(
            {
                "search": arm,
                "best val_accuracy at budget": spread([a[0] for a in at]),
                "seconds to spend it": spread([a[1] for a in at]),
                f"epochs to {TARGET}": reached([epochs_to(p, TARGET) for p in curves[arm]]),
                "epochs to RandomSearch's best, fraction": spread(fractions)
                + (f" ({len(fractions)}/{len(at)} seeds)" if len(fractions) < len(at) else ""),
                "test accuracy (exported model)": spread(tests[arm]),
            }
        )
    title = "Search quality on the bundled MNIST subset"
    seconds = "seconds since the search started (imports included)"
    draw(curves, budget, args.out, "6-search-quality", title, seconds)
    body = common.table(rows, list(rows[0])) + (
        f"\n\nMedian [min, max] over seeds {list(s['seeds'])}. Budget: {budget} training epochs "
        f"per search (the smallest total any run reached); {s['limit']} images (train, "
        f"validation and test split from them), up to {s['epochs']} epochs per trial with a "
        f"3-epoch val_loss plateau stop, {s['trials']} trials ({s['pruned_trials']} for the "
        "pruned arms, which stop some early). Seconds: wall time from the search's start, "
        "TensorFlow's start-up included. The fraction column: the epochs an arm needed to "
        "reach the same seed's RandomSearch final best, over the epochs RandomSearch needed.\n\n"
        "![search quality](results/6-search-quality.png)"
    )
    common.write(args.out, "6-search-quality", "6. Search quality", body, common.command_line())


if __name__ == "__main__":
    main()
