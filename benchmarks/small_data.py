"""Benchmark 9: small data: K-fold cross-validation against a hold-out split, and 1-NN.

Generated sets of the kinds a plain search failed on (issue 21; tuner/data/synthetic_sets.py):
4 classes with 40 training sequences, 2 classes with 67, 2 classes of 150 steps with 50, 9
classes of NaN-padded sequences with 270. For each set and seed, one `tuner.search` (the Python
API) with the config a user writes first (the data; the space and algorithm of the starter
`tuner init --dataset sequences` writes; 10 trials; nothing about validation: `search.cv:
auto`, which cross-validates these sets) and the same config with `search.cv: null` (the
default 10% hold-out split). Reported: the test accuracy of the model each search exports
(best/test.json) and its wall time, beside a 1-nearest-neighbour classifier fitted on the same
training data (the search's training + validation pool) and scored on the same test set, and
the accuracy of the rule the set was drawn by; median [min, max] over seeds, and how often each
search beats 1-NN. --resume keeps the searches an earlier run of the same settings saved.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import common
import numpy as np

from tuner.data.synthetic_sets import KINDS, make_set, oracle, write_set
from tuner.text import plural

KFOLD, HOLDOUT = "k-fold (cv: auto)", "hold-out (cv: null)"
SCHEMES: dict[str, dict[str, Any]] = {
    KFOLD: {},  # nothing about validation: the default, which cross-validates these sets
    HOLDOUT: {"cv": None},  # the validation split (data.validation_split, 10%)
}
BASELINE = "1-nearest neighbour"
RULE = "the generator's rule"  # the known answer read off each test sequence: the bound


def settings(smoke: bool) -> dict[str, Any]:
    if smoke:
        return {
            "sets": ("motions",), "sizes": {"train": 8, "test": 8, "steps": 8},
            "seeds": (1,), "trials": 1, "epochs": 1, "space": {"units": [4]},
        }  # fmt: skip
    return {
        "sets": tuple(KINDS), "sizes": {}, "seeds": (1, 2, 3), "trials": 10, "epochs": 30,
        "space": "starter", "starter": starter_search(),  # --resume: the same starter's
    }  # fmt: skip


def starter_search() -> dict[str, Any]:
    """The space and algorithm of the starter `tuner init --dataset sequences` writes: the
    config a user of this toolkit starts from (its data, trials and epochs set here)."""
    import yaml

    from tuner.config.starter import starter_text

    starter = yaml.safe_load(starter_text("sequences", "starter.yaml"))
    return {"space": starter["space"], "algorithm": starter["search"]["algorithm"]}


def plain_config(
    name: str, seed: int, data: Path, scheme: str, s: dict[str, Any]
) -> dict[str, Any]:
    """The config a user writes first: the data, the starter's space (or the smoke run's),
    the trials and epochs; nothing about validation, the batch size or patience (the
    defaults, which follow the data's size)."""
    chosen = starter_search() if s["space"] == "starter" else {"space": s["space"]}
    return {
        "name": name,
        "seed": seed,
        "data": {"dataset": "sequences", "path": str(data)},
        "space": chosen["space"],
        "search": {
            "max_trials": s["trials"],
            "epochs": s["epochs"],
            **{k: v for k, v in chosen.items() if k != "space"},
            **SCHEMES[scheme],
        },
        "report": {"top_k": 1},  # only the exported model is tested: selection is unchanged
    }


def space_words(space: Any) -> str:
    if space == "starter":
        return "the space and algorithm of `tuner init --dataset sequences`'s starter"
    return f"space {json.dumps(space)} and the default algorithm"


def standardized(x: np.ndarray, mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Flattened sequences, each feature standardized by the training data's statistics over
    the real steps; NaN padding becomes 0 (the mean)."""
    return np.nan_to_num((x - mean) / np.where(sd > 0, sd, 1.0)).reshape(len(x), -1)


def nearest_neighbour(arrays: dict[str, np.ndarray]) -> float:
    """1-NN test accuracy: fitted on x_train (the search's training + validation pool)."""
    from sklearn.neighbors import KNeighborsClassifier

    x, x_test = arrays["x_train"], arrays["x_test"]
    mean, sd = np.nanmean(x, axis=(0, 1)), np.nanstd(x, axis=(0, 1))
    knn = KNeighborsClassifier(1).fit(standardized(x, mean, sd), arrays["y_train"])
    return float(knn.score(standardized(x_test, mean, sd), arrays["y_test"]))


def exported_accuracy(run: Path) -> float:
    """The test accuracy of best/model.keras: the exported final model's (search.final_model:
    the fold ensemble with folds, else the search's checkpoint)."""
    test = json.loads((run / "best" / "test.json").read_text())
    exported = [e for e in test.get("final_models", []) if e["exported"]]
    entry = exported[0] if exported else test.get("refit") or test["trials"][0]
    return float(entry["test"]["accuracy"])


def validation_scheme(run: Path) -> str:
    """What the search validated on, from run.json: 'K folds' or 'N samples'."""
    dataset = json.loads((run / "run.json").read_text()).get("dataset", {})
    cv = dataset.get("cv")
    if isinstance(cv, dict) and cv.get("folds"):
        return f"{cv['folds']} folds"
    samples = dataset.get("validation")
    return plural(samples, "sample") if isinstance(samples, int) else "? samples"


def chosen_model(run: Path) -> str:
    """The exported model's shape, from best/hyperparameters.yaml: 'conv 32x9, 1 gru, max'."""
    import yaml

    space = yaml.safe_load((run / "best" / "hyperparameters.yaml").read_text())["space"]
    filters, layers = space.get("conv_filters", 0), space.get("layers", 1)
    parts = [f"conv {filters}x{space.get('conv_kernel', 3)}"] if filters else []
    parts.append(f"{layers} {space.get('cell', 'lstm')}" if layers else "no recurrent layer")
    return ", ".join([*parts, str(space.get("pooling", "last"))])


def one_search(config: dict[str, Any], runs: Path) -> dict[str, Any]:
    import tuner

    started = time.perf_counter()
    run = tuner.search(config, runs=runs)
    seconds = time.perf_counter() - started
    return {
        "accuracy": exported_accuracy(run),
        "seconds": seconds,
        "validation": validation_scheme(run),
        "model": chosen_model(run),
    }


def spread(values: list[float], digits: int = 3) -> str:
    return (
        f"{common.median(values):.{digits}f} [{min(values):.{digits}f}, {max(values):.{digits}f}]"
    )


def rows_of(results: list[dict[str, Any]], sets: tuple[str, ...]) -> list[dict[str, Any]]:
    """One row per set and scheme. Against 1-NN and hold-out the counts compare test samples
    right on the same seed's split (Keras' float32 accuracy is never exactly sklearn's)."""
    rows = []
    for name in sets:
        mine = [r for r in results if r["set"] == name]
        right = {(r["scheme"], r["seed"]): round(r["accuracy"] * r["test"]) for r in mine}
        for scheme in (*SCHEMES, BASELINE, RULE):
            runs = [r for r in mine if r["scheme"] == scheme]
            row = {"set": name, "validation": scheme,
                   "test accuracy": spread([r["accuracy"] for r in runs])}  # fmt: skip
            if scheme in SCHEMES:
                ahead = [right[scheme, r["seed"]] - right[BASELINE, r["seed"]] for r in runs]
                row["wall s"] = spread([r["seconds"] for r in runs], 0)
                row["beats 1-NN"] = f"{sum(d > 0 for d in ahead)}/{len(ahead)}"
                row["ties"] = sum(d == 0 for d in ahead)
                row["validated on"] = ", ".join(sorted({r["validation"] for r in runs}))
                row["exported model, by seed"] = "; ".join(r.get("model", "?") for r in runs)
            if scheme == KFOLD:
                ahead = [right[scheme, r["seed"]] - right[HOLDOUT, r["seed"]] for r in runs]
                row["beats hold-out"] = f"{sum(d > 0 for d in ahead)}/{len(ahead)}"
            rows.append(row)
    return rows


def rule_accuracy(name: str, seed: int, arrays: dict[str, np.ndarray]) -> float:
    """The test accuracy of the set's own rule (synthetic_sets.oracle): what the data allows."""
    return float(np.mean(oracle(name, arrays["x_test"], seed) == arrays["y_test"]))


def save_results(out: Path, s: dict[str, Any], results: list[dict[str, Any]]) -> None:
    """Every search's result so far, with the settings, as 9-small-data.json."""
    out.mkdir(parents=True, exist_ok=True)
    saved = {"settings": s, "results": results}
    (out / "9-small-data.json").write_text(json.dumps(saved, indent=1))


def saved_searches(out: Path, s: dict[str, Any]) -> dict[tuple[str, int, str], dict[str, Any]]:
    """--resume: the searches 9-small-data.json holds from a run with the same trials, epochs
    and space, by (set, seed, scheme); nothing from a run with other settings."""
    path = out / "9-small-data.json"
    if not path.exists():
        return {}
    saved = json.loads(path.read_text())
    keys = ("trials", "epochs", "space", "sizes", "starter")
    same = all(saved["settings"].get(k) == s.get(k) for k in keys)
    if not same:
        raise SystemExit(f"--resume: {path} was written with other settings; remove it")
    return {
        (r["set"], r["seed"], r["scheme"]): r for r in saved["results"] if r["scheme"] in SCHEMES
    }


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--sets", help=f"comma-separated, of {', '.join(KINDS)} (default all)")
    p.add_argument("--seeds", type=int, help="data and search seeds 1..N (default 3)")
    p.add_argument("--trials", type=int, help="max_trials of each search (default 10)")
    p.add_argument("--epochs", type=int, help="search.epochs (default 30)")
    p.add_argument(
        "--resume", action="store_true", help="keep the searches --out's JSON already holds"
    )
    args = p.parse_args()
    s = settings(args.smoke)
    s["sets"] = tuple(args.sets.split(",")) if args.sets else s["sets"]
    unknown = [name for name in s["sets"] if name not in KINDS]
    if unknown:
        p.error(f"--sets: no set {', '.join(unknown)}; the sets are {', '.join(KINDS)}")
    s["seeds"] = tuple(range(1, args.seeds + 1)) if args.seeds else s["seeds"]
    s["trials"], s["epochs"] = args.trials or s["trials"], args.epochs or s["epochs"]
    import keras  # noqa: F401  (imported once before the clock runs)

    done = saved_searches(args.out, s) if args.resume else {}
    results: list[dict[str, Any]] = []
    sizes: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as folder:
        for name in s["sets"]:
            for seed in s["seeds"]:
                arrays = make_set(name, seed, **s["sizes"])
                data = write_set(arrays, Path(folder) / f"{name}-{seed}.npz")
                sizes[name] = f"{name} {len(arrays['y_train'])}/{len(arrays['y_test'])}"
                base = {"set": name, "seed": seed, "train": len(arrays["y_train"]),
                        "test": len(arrays["y_test"])}  # fmt: skip
                results.append({**base, "scheme": BASELINE, "accuracy": nearest_neighbour(arrays)})
                results.append(
                    {**base, "scheme": RULE, "accuracy": rule_accuracy(name, seed, arrays)}
                )
                for i, scheme in enumerate(SCHEMES):
                    if (name, seed, scheme) in done:
                        results.append(done[name, seed, scheme])
                        continue
                    config = plain_config(f"{name}-{seed}-{i}", seed, data, scheme, s)
                    results.append({**base, "scheme": scheme, **one_search(config, Path(folder))})
                    save_results(args.out, s, results)  # after each search: a stop keeps them
    columns = ["set", "validation", "test accuracy", "wall s", "beats 1-NN", "ties"]
    columns += ["beats hold-out", "validated on", "exported model, by seed"]
    body = common.table(rows_of(results, s["sets"]), columns)
    body += (
        f"\n\nMedian [min, max] over {plural(len(s['seeds']), 'seed')} (data and search); sets "
        f"(training/test sequences): {', '.join(sizes.values())}, from "
        "tuner/data/synthetic_sets.py. Each search: "
        f"{plural(s['trials'], 'trial')} of at most {plural(s['epochs'], 'epoch')}, "
        f"{space_words(s['space'])}, the default early stopping, batch and patience; test "
        "accuracy is the exported "
        "model's (best/test.json's final model); "
        "wall seconds of `tuner.search` in one process (TensorFlow imported before). 1-NN: "
        "scikit-learn on the flattened sequences, each feature standardized on the training "
        "pool, padding 0; 'beats 1-NN' counts the seeds above it on the same split ('ties': "
        "as many test sequences right), 'beats hold-out' the seeds where k-fold's model "
        f"scored higher. {RULE.capitalize()}: the rule each set's classes are drawn by "
        "(synthetic_sets.py's docstrings), applied to the noisy test sequences: about the best "
        "accuracy the data allows. Exported model: the shape best/hyperparameters.yaml gives "
        "(front end filters x kernel, recurrent layers and cell, pooling)."
    )
    common.write(args.out, "9-small-data", "9. Small data", body, common.command_line())


if __name__ == "__main__":
    main()
