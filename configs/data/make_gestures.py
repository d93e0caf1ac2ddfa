"""Writes configs/data/gestures_train.csv and gestures_test.csv: synthetic pen gestures.

Each gesture is a sequence of pen positions (x, y) and pressure, 12 to 40 steps long, of one
of three shapes named in text: "circle", "line" or "zigzag", drawn at a random size, speed
and rotation with noise. The data is made up by this script (seeded, so every run writes the
same files); it is the project's own, under the project's license (Apache-2.0). Long format,
one row per time step:

    gesture   the sequence's name (g0001, ...)
    step      the step's position in its sequence (the rows are written shuffled, so the
              reader must order them by this column)
    x, y      the pen's position
    pressure  the pen's pressure
    shape     the label: circle, line or zigzag

Run it from the repository root: python configs/data/make_gestures.py
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

SEED = 7
SHAPES = ("circle", "line", "zigzag")
FOLDER = Path(__file__).parent
SIZES = {"gestures_train.csv": 240, "gestures_test.csv": 90}


def gesture(shape: str, rng: np.random.Generator) -> np.ndarray:
    steps = int(rng.integers(12, 41))
    t = np.linspace(0.0, 1.0, steps)
    if shape == "circle":
        path = np.stack([np.cos(2 * np.pi * t), np.sin(2 * np.pi * t)], axis=1)
    elif shape == "line":
        path = np.stack([2 * t - 1, 0.2 * (2 * t - 1)], axis=1)
    else:
        path = np.stack([2 * t - 1, 0.5 * np.sign(np.sin(6 * np.pi * t))], axis=1)
    angle = rng.uniform(-0.4, 0.4)  # a hand's slant: shapes keep their heading
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    path = path @ turn.T * rng.uniform(0.5, 2.0) + rng.normal(0, 0.5, 2)
    path += rng.normal(0, 0.15, path.shape)
    pressure = np.clip(0.6 + 0.3 * np.sin(np.pi * t) + rng.normal(0, 0.05, steps), 0, 1)
    return np.column_stack([path, pressure])


def write(path: Path, count: int, rng: np.random.Generator, first: int) -> None:
    rows = []
    for n in range(count):
        shape = SHAPES[n % len(SHAPES)]
        for step, (x, y, pressure) in enumerate(gesture(shape, rng)):
            rows.append((f"g{first + n:04d}", step, f"{x:.4f}", f"{y:.4f}", f"{pressure:.3f}", shape))
    order = rng.permutation(len(rows))
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["gesture", "step", "x", "y", "pressure", "shape"])
        writer.writerows(rows[i] for i in order)


def main() -> None:
    rng = np.random.default_rng(SEED)
    first = 1
    for name, count in SIZES.items():
        write(FOLDER / name, count, rng, first)
        first += count
        print(f"wrote {FOLDER / name}: {count} gestures")


if __name__ == "__main__":
    main()
