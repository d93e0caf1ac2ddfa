"""Benchmark 10: the exported model's recipe (search.final_model), over seeds.

For each set and seed, one `tuner.search` (the Python API) that runs every recipe that applies
after the search and tests each on the same test set (best/test.json's final_models): the
search's checkpoint; refit on training + validation for the best epoch's updates; refit with
a held-back slice and early stopping; and, where the trials were cross-validated, the fold
models' average. The flagship (the MNIST rows of configs/mnist.yaml's space, the bundled
subset) validates on its split; the small generated sets (tuner/data/synthetic_sets.py) on 5
folds, as `search.cv: auto` does for them. Reported per set and recipe: the test accuracy's
median and its worst case over seeds, and how often each recipe is the best of its seed. The
default of search.final_model (auto) is the recipe with the best median and worst case.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import common
import yaml

from tuner.data.synthetic_sets import make_set, write_set
from tuner.text import plural

HERE = Path(__file__).parent
RECIPES = ("checkpoint", "refit", "refit_stopped", "ensemble")
FLAGSHIP = "mnist rows"


def settings(smoke: bool) -> dict[str, Any]:
    if smoke:
        return {
            "sets": (FLAGSHIP, "motions"), "seeds": (1,), "limit": 200, "trials": 1,
            "epochs": 1, "sizes": {"train": 10, "test": 8, "steps": 8},
        }  # fmt: skip
    return {
        "sets": (FLAGSHIP, "motions", "daily", "vowels"), "seeds": (1, 2, 3), "limit": 2500,
        "trials": 8, "epochs": 12, "sizes": {},
    }  # fmt: skip


def config_for(name: str, seed: int, folder: Path, s: dict[str, Any]) -> dict[str, Any]:
    """The search of one set and seed, asking for every recipe that applies."""
    search: dict[str, Any] = {"max_trials": s["trials"], "epochs": s["epochs"]}
    if name == FLAGSHIP:
        space = yaml.safe_load((HERE.parent / "configs" / "mnist.yaml").read_text())["space"]
        data: dict[str, Any] = {"dataset": "mnist", "source": "bundled", "limit": s["limit"]}
        search.update(algorithm="tpe", pruning={"rule": "median"}, cv=None)
        search["final_model"] = [r for r in RECIPES if r != "ensemble"]
    else:
        arrays = make_set(name, seed, **s["sizes"])
        path = write_set(arrays, folder / f"{name}-{seed}.npz")
        data = {"dataset": "sequences", "path": str(path)}
        space = {
            "units": [32, 64] if s["trials"] > 1 else 4,
            "learning_rate": {"min": 1.0e-3, "max": 1.0e-2, "sampling": "log"},
            "batch_size": 32,
        }
        search.update(cv={"folds": 5 if s["trials"] > 1 else 2}, final_model=list(RECIPES))
    run = f"{name.replace(' ', '-')}-{seed}"
    return {"name": run, "seed": seed, "data": data, "space": space, "search": search,
            "report": {"top_k": 1}}  # fmt: skip


def one_search(config: dict[str, Any], runs: Path) -> dict[str, float]:
    """Each recipe's test accuracy."""
    import tuner

    run = tuner.search(config, runs=runs)
    test = json.loads((run / "best" / "test.json").read_text())
    return {e["recipe"]: float(e["test"]["accuracy"]) for e in test["final_models"]}


def rows_of(results: list[dict[str, Any]], sets: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = []
    for name in sets:
        mine = [r for r in results if r["set"] == name]
        for recipe in RECIPES:
            scores = [r["accuracy"][recipe] for r in mine if recipe in r["accuracy"]]
            if not scores:
                continue
            best = sum(
                r["accuracy"][recipe] >= max(r["accuracy"].values()) - 1e-9
                for r in mine
                if recipe in r["accuracy"]
            )
            rows.append({
                "set": name, "recipe": recipe, "median": f"{common.median(scores):.3f}",
                "worst": f"{min(scores):.3f}", "best": f"{max(scores):.3f}",
                "best of its seed": f"{best}/{len(scores)}",
            })  # fmt: skip
    return rows


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--sets", help="comma-separated (default: all)")
    p.add_argument("--seeds", type=int, help="seeds 1..N (default 3)")
    p.add_argument("--trials", type=int)
    p.add_argument("--epochs", type=int)
    args = p.parse_args()
    s = settings(args.smoke)
    s["sets"] = tuple(args.sets.split(",")) if args.sets else s["sets"]
    s["seeds"] = tuple(range(1, args.seeds + 1)) if args.seeds else s["seeds"]
    s["trials"], s["epochs"] = args.trials or s["trials"], args.epochs or s["epochs"]
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        for name in s["sets"]:
            for seed in s["seeds"]:
                config = config_for(name, seed, Path(folder), s)
                results.append(
                    {"set": name, "seed": seed, "accuracy": one_search(config, Path(folder))}
                )
                args.out.mkdir(parents=True, exist_ok=True)  # after each: a stop keeps them
                saved = {"settings": s, "results": results}
                (args.out / "10-final-models.json").write_text(json.dumps(saved, indent=1))
    body = common.table(
        rows_of(results, s["sets"]),
        ["set", "recipe", "median", "worst", "best", "best of its seed"],
    )
    body += (
        f"\n\nTest accuracy of each recipe's model over {plural(len(s['seeds']), 'seed')} "
        f"(median, worst, best). Each search: {plural(s['trials'], 'trial')} of at most "
        f"{plural(s['epochs'], 'epoch')}; {FLAGSHIP}: configs/mnist.yaml's space, TPE with "
        f"median pruning, the bundled MNIST subset limited to {s['limit']} images, validated on "
        "its 10% split; the generated sets: units 32 or 64, learning rate 1e-3..1e-2, batch 32, "
        "validated on 5 folds. 'best of its seed': the seeds where the recipe scored highest "
        "(ties count for each)."
    )
    common.write(
        args.out, "10-final-models", "10. Final model recipes", body, common.command_line()
    )


if __name__ == "__main__":
    main()
