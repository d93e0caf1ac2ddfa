"""Benchmark 2: training throughput (samples per second per epoch) of an LSTM-128.

tanh against softsign, batch 64/128/512, on every Keras backend installed here, with Keras'
default jit_compile ("auto") and, on TensorFlow, with XLA forced on and off: the numbers
behind the toolkit's defaults. Each backend runs in its own process (KERAS_BACKEND is read
at import); inside it, configurations alternate across repeats.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

import common

ACTIVATIONS = ("tanh", "softsign")


def settings(smoke: bool, samples: int | None) -> dict[str, Any]:
    if smoke:
        return {"units": 8, "samples": 256, "batches": (64,), "epochs": 2, "repeats": 1}
    return {
        "units": 128,
        "samples": samples or 4500,
        "batches": (64, 128, 512),
        "epochs": 3,
        "repeats": 2,
    }


def jit_modes(backend: str) -> tuple[Any, ...]:
    # Without jit, JAX runs the recurrence op by op (about 30x slower here): not worth measuring.
    return ("auto", False, True) if backend == "tensorflow" else ("auto",)


def measure(backend: str, s: dict[str, Any]) -> list[dict[str, Any]]:
    """In a process whose KERAS_BACKEND is ``backend``: one row per configuration."""
    import keras
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.random((s["samples"], 28, 28), dtype="float32")
    y = rng.integers(0, 10, s["samples"])
    combos = [(a, b, j) for a in ACTIVATIONS for b in s["batches"] for j in jit_modes(backend)]
    seconds: dict[tuple[Any, ...], list[float]] = {c: [] for c in combos}
    for _ in range(s["repeats"]):
        for activation, batch, jit in combos:
            inputs = keras.Input((28, 28))
            hidden = keras.layers.LSTM(s["units"], activation=activation)(inputs)
            model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(hidden))
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", jit_compile=jit)
            model.fit(x, y, batch_size=batch, epochs=1, verbose=0)  # compile, warm up
            for _ in range(s["epochs"] - 1):
                start = time.perf_counter()
                model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
                seconds[(activation, batch, jit)].append(time.perf_counter() - start)
    return [
        {
            "backend": backend,
            "activation": a,
            "batch": b,
            "jit_compile": str(j),
            "samples/s": s["samples"] / common.median(seconds[(a, b, j)]),
        }
        for a, b, j in combos
    ]


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--child", help="internal: measure this backend in this process")
    p.add_argument("--samples", type=int, help="sequences per epoch (default 4500)")
    p.add_argument("--backends", nargs="+", help="default: every backend installed")
    p.add_argument("--name", default="2-throughput", help="result file name")
    p.add_argument("--repeats", type=int, help="alternating repeats (default 2)")
    args = p.parse_args()
    s = settings(args.smoke, args.samples)
    s["repeats"] = args.repeats or s["repeats"]
    if args.child:
        print("ROWS " + json.dumps(measure(args.child, s)))
        return
    rows = []
    for backend in args.backends or common.backends_installed():
        command = [sys.executable, __file__, "--child", backend]
        command += ["--smoke"] if args.smoke else []
        command += ["--samples", str(args.samples)] if args.samples else []
        command += ["--repeats", str(args.repeats)] if args.repeats else []
        env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        line = next(x for x in done.stdout.splitlines() if x.startswith("ROWS "))
        rows += json.loads(line[5:])
    body = common.table(rows, ["backend", "activation", "batch", "jit_compile", "samples/s"])
    body += (
        f"\n\nLSTM-{s['units']} on {s['samples']} random 28x28 sequences; median of "
        f"{s['repeats'] * (s['epochs'] - 1)} timed epochs after a warm-up epoch."
    )
    common.write(args.out, args.name, "2. Throughput", body, common.command_line())


if __name__ == "__main__":
    main()
