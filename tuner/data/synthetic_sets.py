"""Seeded small sequence-classification sets with a known answer, written as the sequences
.npz the toolkit reads (x_train, y_train, x_test, y_test): the kinds of set people bring with
tens to a few hundred labelled sequences (issue 21), made here so that a benchmark or a test
needs no download.

Each kind draws its class from a rule written in its docstring, so the best possible accuracy
is known to be near 1 (``oracle`` applies the rule to noisy sequences; the tests check it), and
a model that scores far below it has not found what the data holds:

- ``motions``: 4 classes, 6 features, 100 steps (like BasicMotions: 40 training sequences);
- ``daily``: 2 classes, 1 feature, 24 steps (like ItalyPowerDemand: 67 training sequences);
- ``pattern``: 2 classes, 1 feature, 150 steps (like GunPoint: 50 training sequences);
- ``vowels``: 9 classes, 12 features, 7 to 29 steps, NaN-padded (like JapaneseVowels: 270).

Training and test parts are drawn independently from the same distribution, with balanced
classes; the same seed gives the same arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

Seed = int | Sequence[int]
Arrays = tuple[np.ndarray, np.ndarray]  # x (n, steps, features) float32, y (n,) int


@dataclass(frozen=True)
class SetKind:
    """One kind of set: its default sizes and its generator ``make(count, steps, seed)``."""

    name: str
    classes: int
    train: int
    test: int
    steps: int
    features: int
    make: Callable[[int, int, Seed], Arrays]


def _labels(rng: np.random.Generator, count: int, classes: int) -> np.ndarray:
    """Balanced labels (counts differ by at most one), in random order."""
    return rng.permutation(np.arange(count) % classes)


def motif_set(count: int, steps: int, seed: Seed) -> Arrays:
    """``count`` sequences (count, steps, 1) of Gaussian noise, each holding one 12-step sine
    period of amplitude 2.5 at a random position: rising first for class 1, falling first for
    class 0. The mean says nothing about the class and the position varies, so only a model
    that finds the pattern wherever it is can score (benchmarks/long_sequences.py's set)."""
    rng = np.random.default_rng(seed)
    span = min(12, steps)
    motif = 2.5 * np.sin(np.linspace(0.0, 2.0 * np.pi, span))
    y = rng.permutation(np.arange(count) % 2)
    x = rng.normal(size=(count, steps, 1))
    for i, label in enumerate(y):
        start = int(rng.integers(0, steps - span + 1))
        x[i, start : start + span, 0] += motif if label == 1 else -motif
    return x.astype("float32"), y


MOTION_CYCLES = (2, 4, 7, 11)  # cycles per sequence of each class's movement


def motion_set(count: int, steps: int, seed: Seed) -> Arrays:
    """4 classes of 6-feature recordings (3 accelerometer, 3 gyroscope axes): class c moves at
    MOTION_CYCLES[c] cycles per sequence, each axis at its own amplitude (0.5 to 2) and random
    phase, under unit Gaussian noise. The answer: the dominant frequency."""
    rng = np.random.default_rng(seed)
    y = _labels(rng, count, len(MOTION_CYCLES))
    t = np.arange(steps) / steps
    cycles = np.array(MOTION_CYCLES)[y][:, None, None]
    amplitude = rng.uniform(0.5, 2.0, size=(count, 1, 6))
    phase = rng.uniform(0.0, 2.0 * np.pi, size=(count, 1, 6))
    x = amplitude * np.sin(2.0 * np.pi * cycles * t[None, :, None] + phase)
    x += rng.normal(size=(count, steps, 6))
    return x.astype("float32"), y


DAILY_PEAKS = (0.75, 0.5)  # where in the day each class's extra load peaks (evening, midday)


def daily_set(count: int, steps: int, seed: Seed) -> Arrays:
    """2 classes of daily load curves of ``steps`` readings: a common morning rise, each day's
    own level, and an extra bump (height 1, width 1/12 of the day) whose time of day is the
    class's (DAILY_PEAKS), under Gaussian noise of 0.4. The answer: where the bump is."""
    rng = np.random.default_rng(seed)
    y = _labels(rng, count, 2)
    t = np.arange(steps) / steps
    morning = np.exp(-(((t - 0.33) / 0.08) ** 2))
    peaks = np.array(DAILY_PEAKS)[y][:, None]
    bump = np.exp(-(((t[None, :] - peaks) / (1 / 12)) ** 2))
    level = rng.normal(0.0, 0.5, size=(count, 1))
    x = level + morning[None, :] + bump + rng.normal(0.0, 0.4, size=(count, steps))
    return x[:, :, None].astype("float32"), y


VOWEL_CLASSES, VOWEL_FEATURES, VOWEL_SHORTEST = 9, 12, 7


def vowel_templates(seed: Seed) -> np.ndarray:
    """(classes, 3, features): each class's trajectory as cosine coefficients, drawn from the
    seed alone so that a set's training and test parts share them."""
    rng = np.random.default_rng([*np.atleast_1d(seed).tolist(), 9])
    return rng.normal(0.0, 0.75, size=(VOWEL_CLASSES, 3, VOWEL_FEATURES))


def vowel_trajectory(coefficients: np.ndarray, u: np.ndarray) -> np.ndarray:
    """(len(u), features): sum_k coefficients[k] cos(k pi u), u in [0, 1]."""
    waves = np.cos(np.pi * np.arange(3)[None, :] * u[:, None])
    return waves @ coefficients


def vowel_set(count: int, steps: int, seed: Seed) -> Arrays:
    """9 classes of 12-feature utterances of 7 to ``steps`` steps (NaN after each end): class
    c follows its own smooth trajectory (vowel_templates), read at an uneven speed, under
    unit Gaussian noise. The answer: the nearest template. Training and test parts of one
    set must share the first seed's value (the templates): pass [seed, part]."""
    base = np.atleast_1d(seed).tolist()[:1]
    templates = vowel_templates(base)
    rng = np.random.default_rng(seed)
    y = _labels(rng, count, VOWEL_CLASSES)
    x = np.full((count, steps, VOWEL_FEATURES), np.nan)
    for i, label in enumerate(y):
        length = int(rng.integers(min(VOWEL_SHORTEST, steps), steps + 1))
        u = np.sort(rng.uniform(0.0, 1.0, size=length)) ** rng.uniform(0.8, 1.25)
        path = vowel_trajectory(templates[label], u)
        x[i, :length] = path + rng.normal(size=path.shape)
    return x.astype("float32"), y


KINDS = {
    kind.name: kind
    for kind in (
        SetKind("motions", 4, 40, 40, 100, 6, motion_set),
        SetKind("daily", 2, 67, 1029, 24, 1, daily_set),
        SetKind("pattern", 2, 50, 150, 150, 1, motif_set),
        SetKind("vowels", VOWEL_CLASSES, 270, 370, 29, VOWEL_FEATURES, vowel_set),
    )
}


def make_set(
    name: str, seed: int, *, train: int | None = None, test: int | None = None,
    steps: int | None = None,
) -> dict[str, np.ndarray]:  # fmt: skip
    """The set ``name`` (one of KINDS) as x_train, y_train, x_test, y_test; sizes default to
    the kind's. The parts are drawn with seeds [seed, 0] and [seed, 1]."""
    kind = KINDS[name]
    length = steps or kind.steps
    x, y = kind.make(train or kind.train, length, [seed, 0])
    x_test, y_test = kind.make(test or kind.test, length, [seed, 1])
    return {"x_train": x, "y_train": y, "x_test": x_test, "y_test": y_test}


def write_set(arrays: dict[str, np.ndarray], path: Path) -> Path:
    """Save a set as the sequences .npz (``data: {dataset: sequences, path: ...}``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    train, test = (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
    np.savez(path, x_train=train[0], y_train=train[1], x_test=test[0], y_test=test[1])
    return path


def oracle(name: str, x: np.ndarray, seed: int) -> np.ndarray:
    """Each sequence's class by the kind's rule (what its docstring calls the answer), read
    off the noisy sequence; its accuracy bounds what a model can be expected to reach."""
    if name == "motions":
        spectrum = np.abs(np.fft.rfft(np.nan_to_num(x), axis=1)).sum(axis=2)
        return np.argmin(np.abs(np.argmax(spectrum, axis=1)[:, None] - np.array(MOTION_CYCLES)), 1)
    if name == "daily":
        t = np.arange(x.shape[1]) / x.shape[1]
        bumps = np.exp(-(((t[None, :] - np.array(DAILY_PEAKS)[:, None]) / (1 / 12)) ** 2))
        return np.argmax((x[:, :, 0] - x[:, :, 0].mean(1, keepdims=True)) @ bumps.T, axis=1)
    if name == "pattern":
        span = min(12, x.shape[1])
        motif = np.sin(np.linspace(0.0, 2.0 * np.pi, span))
        windows = np.lib.stride_tricks.sliding_window_view(x[:, :, 0], span, axis=1)
        matched = windows @ motif
        return (matched.max(1) > -matched.min(1)).astype(int)
    templates = vowel_templates([seed])
    return np.array([_nearest_template(sequence, templates) for sequence in x])


def _nearest_template(sequence: np.ndarray, templates: np.ndarray) -> int:
    real = sequence[~np.isnan(sequence).any(axis=1)]
    u = np.linspace(0.0, 1.0, len(real))
    errors = [((real - vowel_trajectory(t, u)) ** 2).sum() for t in templates]
    return int(np.argmin(errors))
