"""Benchmark 1: what `tuner search` costs over a hand-written Keras script.

The same fixed hyperparameters (LSTM-128, Adam 1e-3, batch 128, 3 epochs, the bundled MNIST
subset) trained by a one-point `tuner search` and by plain Keras, alternately in one process,
several times. Reports seconds per epoch (epochs after the first, which compiles) and per
trial for both, the per-epoch ratio and the fixed per-trial overhead.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import common

from tuner.engine import backend


def settings(smoke: bool) -> dict[str, Any]:
    if smoke:
        return {"units": 8, "epochs": 2, "repeats": 1, "limit": 200}
    return {"units": 128, "epochs": 3, "repeats": 5, "limit": None}


def make_config(folder: Path, s: dict[str, Any], backend_name: str, npz: Path | None) -> Any:
    import yaml

    from tuner.config.schema import load_config

    data = {"dataset": "mnist", "source": "bundled", "limit": s["limit"]}
    if npz is not None:  # e.g. 60,000 MNIST-shaped sequences on a GPU machine with no internet
        data = {"dataset": "mnist", "path": str(npz)}
    config = {
        "name": "overhead",
        "backend": backend_name,
        "data": data,
        "space": {
            "units": s["units"],
            "optimizer": "adam",
            "learning_rate": 1.0e-3,
            "batch_size": 128,
        },
        "search": {
            "algorithm": "random",
            "max_trials": 1,
            "epochs": s["epochs"],
            "early_stopping": None,
        },
        "report": {"top_k": 1},
    }
    path = folder / "overhead.yaml"
    path.write_text(yaml.safe_dump(config))
    return load_config(path)


def hand_written(dataset: Any, s: dict[str, Any]) -> dict[str, Any]:
    """What a user would write without the toolkit (with the same input scaling)."""
    import keras

    started = time.perf_counter()
    epochs: list[float] = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self.t = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            epochs.append(time.perf_counter() - self.t)

    inputs = keras.Input(dataset.input_shape)
    x = keras.layers.Normalization(axis=-1, mean=dataset.mean, variance=dataset.variance)(inputs)
    x = keras.layers.LSTM(s["units"])(x)
    model = keras.Model(inputs, keras.layers.Dense(dataset.num_classes, activation="softmax")(x))
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(
        dataset.x_train,
        dataset.y_train,
        batch_size=128,
        epochs=s["epochs"],
        validation_data=(dataset.x_val, dataset.y_val),
        callbacks=[Timer()],
        verbose=0,
    )
    return {"epochs": epochs, "trial": time.perf_counter() - started}


def through_toolkit(config: Any, dataset: Any, folder: Path) -> dict[str, Any]:
    from tuner.engine.search import run_search
    from tuner.run import records

    run_dir = folder / f"run-{time.monotonic_ns()}"
    run_search(config, dataset, run_dir)
    record = records.read_records(run_dir)[0][0]
    return {"epochs": record["epoch_seconds"], "trial": record["seconds"]}


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--npz", type=Path, help="an mnist.npz (x_train, y_train, x_test, y_test)")
    p.add_argument("--repeats", type=int, help="alternating repeats (default 5)")
    args = p.parse_args()
    backend_name = backend.activate("tensorflow")  # KERAS_BACKEND in the environment wins
    s = settings(args.smoke)
    s["repeats"] = args.repeats or s["repeats"]
    from tuner.data.datasets import load_dataset

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = make_config(folder, s, backend_name, args.npz)
        dataset = load_dataset(config.data, config.seed)
        runs: dict[str, list[dict[str, Any]]] = {"hand-written Keras": [], "tuner search": []}
        for _ in range(s["repeats"]):  # alternate, so drifts in machine load hit both alike
            runs["hand-written Keras"].append(hand_written(dataset, s))
            runs["tuner search"].append(through_toolkit(config, dataset, folder))
    rows = []
    for name, results in runs.items():
        per_epoch = common.median([e for r in results for e in r["epochs"][1:]])
        rows.append(
            {
                "how": name,
                "s/epoch (median)": per_epoch,
                "s/trial (median)": common.median([r["trial"] for r in results]),
            }
        )
    hand, ours = rows
    ratio = ours["s/epoch (median)"] / hand["s/epoch (median)"]
    extra = ours["s/trial (median)"] - hand["s/trial (median)"]
    body = common.table(rows, ["how", "s/epoch (median)", "s/trial (median)"]) + (
        f"\n\nPer-epoch ratio (tuner / hand-written): **{ratio:.3f}** (target <= 1.05). "
        f"Fixed per-trial overhead: **{extra:.2f} s** (target < 2 s). "
        f"{s['repeats']} alternating repeats of {s['epochs']} epochs, LSTM-{s['units']}, "
        f"{len(dataset.x_train)} training sequences, backend {backend_name}."
    )
    name = f"1-overhead-{backend_name}" + ("-npz" if args.npz else "")
    title = f"1. Overhead of `tuner search` over plain Keras ({backend_name})"
    common.write(args.out, name, title, body, common.command_line())


if __name__ == "__main__":
    main()
