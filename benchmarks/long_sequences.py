"""Benchmark 8: long sequences: the plain LSTM against a conv front end and pooling over time.

A generated 2-class set of the kind that defeated a plain search (issue 21): 150-step
univariate noise, 50 training sequences, and in each sequence one short pattern at a random
position: a bump up then down (class 1) or down then up (class 0). The sequence's mean says
nothing about the class and the pattern's position varies, so only a model that finds the
pattern wherever it is can score. Each model is the toolkit's own (build_model, with the values
below and the defaults otherwise), trained the same way, over several seeds (data and weights);
a 1-nearest-neighbour classifier on the same split is the baseline.
"""

from __future__ import annotations

import time
from typing import Any

import common
import numpy as np

from tuner.data.synthetic_sets import motif_set
from tuner.text import plural

MODELS: dict[str, dict[str, Any]] = {
    "lstm (last state)": {},
    "conv front end": {"conv_filters": 16, "conv_kernel": 5, "conv_stride": 4},
    "mean pooling": {"pooling": "mean"},
    "attention pooling": {"pooling": "attention"},
    "conv + attention": {
        "conv_filters": 16, "conv_kernel": 5, "conv_stride": 4, "pooling": "attention"
    },
}  # fmt: skip


def settings(smoke: bool) -> dict[str, Any]:
    if smoke:
        return {"steps": 24, "train": 12, "test": 20, "epochs": 1, "units": 4, "seeds": 1}
    return {"steps": 150, "train": 50, "test": 500, "epochs": 40, "units": 32, "seeds": 3}


def pattern_set(count: int, steps: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` sequences (count, steps, 1) of Gaussian noise, each holding one 12-step sine
    period of amplitude 2.5 at a random position: rising first for class 1, falling first for
    class 0; balanced classes (tuner.data.synthetic_sets.motif_set, shared with benchmark 9)."""
    return motif_set(count, steps, seed)


def nearest_neighbour(x: np.ndarray, y: np.ndarray, x_test: np.ndarray) -> np.ndarray:
    """1-NN by Euclidean distance on the raw sequences."""
    flat, test = x.reshape(len(x), -1), x_test.reshape(len(x_test), -1)
    distances = (test**2).sum(1)[:, None] - 2 * test @ flat.T + (flat**2).sum(1)[None, :]
    return y[np.argmin(distances, axis=1)]


def train_and_test(
    space: dict[str, Any], data: tuple[np.ndarray, ...], s: dict[str, Any], seed: int
) -> tuple[float, float]:
    """Test accuracy and training seconds of the toolkit's model with ``space``."""
    import keras

    from tuner.config.space import parse_space
    from tuner.config.yaml_lines import load_text
    from tuner.engine.hyperparameters import to_hyperparameters
    from tuner.engine.model import ModelSpec, build_model

    x, y, x_test, y_test = data
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    values = {"units": s["units"], "learning_rate": 1.0e-2, **space}
    hp = to_hyperparameters(parse_space(load_text("name: bench\n"), values, {}))
    spec = ModelSpec(x.shape[1:], 2, x.mean(axis=(0, 1)), x.var(axis=(0, 1)))
    model = build_model(hp, spec)  # two classes: softmax over 2 (the toolkit's multiclass)
    start = time.perf_counter()
    model.fit(x, y, epochs=s["epochs"], batch_size=16, verbose=0)
    seconds = time.perf_counter() - start
    predicted = np.argmax(model.predict(x_test, verbose=0), axis=1)
    return float((predicted == y_test).mean()), seconds


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, help="data and weight seeds (default 3)")
    args = p.parse_args()
    s = settings(args.smoke)
    seeds = range(args.seeds or s["seeds"])
    scores: dict[str, list[float]] = {name: [] for name in ["1-nearest neighbour", *MODELS]}
    seconds: dict[str, list[float]] = {name: [] for name in MODELS}
    for seed in seeds:
        x, y = pattern_set(s["train"], s["steps"], seed)
        x_test, y_test = pattern_set(s["test"], s["steps"], 1000 + seed)
        called = nearest_neighbour(x, y, x_test)
        scores["1-nearest neighbour"].append(float((called == y_test).mean()))
        for name, space in MODELS.items():
            accuracy, took = train_and_test(space, (x, y, x_test, y_test), s, seed)
            scores[name].append(accuracy)
            seconds[name].append(took)
    rows = [
        {
            "model": name,
            "median test accuracy": common.median(values),
            "worst": min(values),
            "median training s": common.median(seconds[name]) if name in seconds else "",
        }
        for name, values in scores.items()
    ]
    body = common.table(rows, ["model", "median test accuracy", "worst", "median training s"])
    body += (
        f"\n\n{s['train']} training and {s['test']} test sequences of {s['steps']} steps "
        f"(benchmarks/long_sequences.py: pattern_set), {plural(len(seeds), 'seed')}; each "
        f"model {s['units']} units, Adam at 0.01, {plural(s['epochs'], 'epoch')} of batch 16, "
        "no early stop; training seconds include the first epoch's compile."
    )
    common.write(args.out, "8-long-sequences", "8. Long sequences", body, common.command_line())


if __name__ == "__main__":
    main()
