"""What the tests share: the CLI as a subprocess, a tiny search config, the one trial-record
factory and hand-made run folders, the malformed configs, and the report in a real browser.

Test modules import these helpers from here (pytest puts tests/ on the path); no test module
imports another.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuner.config.schema import load_config
from tuner.config.tunables import TUNABLES
from tuner.reporting.write import write_reports
from tuner.run import atomic
from tuner.run import folder as run_folder
from tuner.run.records import write_record

REPO = Path(__file__).resolve().parent.parent

# A search that trains for seconds: 200 bundled MNIST samples, 3 one-epoch trials.
TINY_SEARCH: dict[str, Any] = {
    "name": "tiny",
    "seed": 3,
    "data": {"dataset": "mnist", "source": "bundled", "limit": 200},
    "space": {
        "units": [4, 8],
        "learning_rate": {"min": 1.0e-3, "max": 1.0e-2, "sampling": "log"},
        "batch_size": 64,
    },
    "search": {"algorithm": "random", "max_trials": 3, "epochs": 1},
    "report": {"top_k": 1},
}


def run_tuner(
    *args: str,
    cwd: Path,
    timeout: float = 300,
    env: dict[str, str] | None = None,
    program: list[str] | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m tuner ARGS`` (or ``program ARGS``) as a user runs it, output captured.

    The config's own `backend:` decides and errors stay one line: KERAS_BACKEND and
    TUNER_DEBUG from the developer's shell are dropped."""
    base = {k: v for k, v in os.environ.items() if k not in ("KERAS_BACKEND", "TUNER_DEBUG")}
    base["PYTHONPATH"] = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    return subprocess.run(
        [*(program or [sys.executable, "-m", "tuner"]), *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=preexec_fn,
    )


# ---- trial records and run folders ------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n"
SPACE = """\
space:
  units: [16, 32]
  optimizer: [sgd, adam]
  momentum: {min: 0.5, max: 0.9, when: {optimizer: sgd}}
  learning_rate: {min: 1.0e-4, max: 1.0e-1, sampling: log}
"""


def make_config(tmp_path: Path, name: str, objective: str = "val_accuracy", top_k: int = 2) -> Path:
    """A config file as a user writes it, and runs/<name>/config.yaml as `search` saves it."""
    source = tmp_path / f"{name}.yaml"
    source.write_text(
        f"name: {name}\ndata: {{dataset: digits}}\n{SPACE}"
        f"search: {{algorithm: random, max_trials: 6, epochs: 4, objective: {objective}}}\n"
        f"report: {{top_k: {top_k}}}\n"
    )
    return run_folder.prepare(load_config(source), fresh=False, root=tmp_path / "runs")


def make_record(
    trial_id: str, number: int = 1, score: float | None = 0.5, **extra: Any
) -> dict[str, Any]:
    """The one trial-record factory: a completed trial scoring ``score`` at every epoch of a
    3-epoch history (training accuracy 0.05 above validation), best epoch 2. ``epochs`` sets
    the history's length; any other keyword replaces that key of the record."""
    objective = extra.pop("objective", "val_accuracy")
    direction = "min" if "loss" in objective else "max"
    best_epoch, epochs = extra.pop("best_epoch", 2), extra.pop("epochs", 3)
    val = [score if score is not None else 0.0] * epochs
    history = {
        "accuracy": [v + 0.05 for v in val],
        "val_accuracy": val,
        "loss": [1.0 - v for v in val],
        "val_loss": [1.1 - v for v in val],
    }
    record = {
        "trial_id": trial_id,
        "number": number,
        "status": "completed",
        "hyperparameters": {"units": 16, "optimizer": "adam", "learning_rate": 1e-3},
        "schedule": {},
        "objective": objective,
        "direction": direction,
        "score": score,
        "best_epoch": best_epoch,
        "epochs_run": epochs,
        "epochs_requested": 4,
        "stopped_early": epochs < 4,
        "history": history,
        "seconds": 2.5,
        "parameters": 12345,
        "error": None,
    }
    record.update(extra)
    return record


def failed_record(trial_id: str, number: int, error: str) -> dict[str, Any]:
    return make_record(trial_id, number, None, status="failed", best_epoch=None, error=error)


def write_test_json(run_dir: Path, scores: dict[str, float]) -> None:
    trials = [
        {"rank": i, "trial_id": t, "score": 0.5, "test": {"accuracy": s, "loss": 1 - s}}
        for i, (t, s) in enumerate(scores.items(), start=1)
    ]
    summary = {"objective": "val_accuracy", "test_samples": 100, "trials": trials}
    atomic.write_json(run_dir / "best" / "test.json", summary)


def make_demo_run(root: Path) -> Path:
    """Four completed trials (best: trial 2, lr 3e-2) and one failure; test.json for the top 2."""
    run_dir = make_config(root, "demo")
    hps = [
        {"units": 16, "optimizer": "sgd", "momentum": 0.6, "learning_rate": 1e-4},
        {"units": 32, "optimizer": "adam", "learning_rate": 1e-3},
        {"units": 32, "optimizer": "sgd", "momentum": 0.9, "learning_rate": 3e-2},
        {"units": 16, "optimizer": "adam", "learning_rate": 3e-3},
    ]
    for i, (score, hp) in enumerate(zip([0.61, 0.72, 0.9, 0.8], hps, strict=True)):
        write_record(run_dir, make_record(str(i), i + 1, score, hyperparameters=hp))
    write_record(run_dir, failed_record("4", 5, "loss became NaN at epoch 2"))
    write_test_json(run_dir, {"2": 0.88, "3": 0.79})
    sessions = [{"started": 100.0, "finished": 160.0, "status": "finished"}]
    summary = {
        "dataset": "digits",
        "task": "classification",
        "origin": "scikit-learn",
        "input_shape": [8, 8],
        "num_classes": 10,
        "train": 1000,
        "validation": 150,
        "test": 360,
    }
    atomic.write_json(run_dir / "run.json", {"dataset": summary, "sessions": sessions})
    return run_dir


def report(run_dir: Path, out: Path) -> tuple[str, str]:
    """Report one run; return its report.md and index.html."""
    write_reports([run_dir], runs_root=run_dir.parent, out=out)
    folder = out / run_dir.name
    return (folder / "report.md").read_text(), (folder / "index.html").read_text()


def table_rows(markdown: str, heading: str) -> list[list[str]]:
    """The body rows of the first table under ``## heading``."""
    section = markdown.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


# ---- malformed configs (config/test_validation, cli/test_bad_input) -----------------------

TOP_KEYS = "name, seed, backend, data, model, space, search, report"
DATA_KEYS = (
    "dataset, source, path, target, test_path, id, order, label, features, window, horizon, "
    "period, length, noise, trend, "
    "validation_split, test_split, limit, normalize, class_weight"
)
SEARCH_KEYS = (
    "algorithm, objective, max_trials, epochs, executions_per_trial, early_stopping, pruning, "
    "refit, time_budget, workers, tensorboard"
)
SPACE_KEYS = ", ".join(TUNABLES)
METRICS = (
    "loss, accuracy, val_loss, val_accuracy, auc, precision, recall, f1, val_auc, val_precision, "
    "val_recall, val_f1"
)

# (id, file content, the exact message). Line numbers count from the first line of the text.
MALFORMED: list[tuple[str, str | bytes, str]] = [
    # --- unknown keys, with "did you mean" ---
    (
        "unknown-top-level",
        "nme: x\nspace:\n  units: 32\n",
        f"bad.yaml:1: unknown key 'nme' (did you mean 'name'?); known: {TOP_KEYS}",
    ),
    (
        "unknown-top-level-listed-together",
        "space:\n  units: 32\nnme: x\nsed: 1\n",
        "bad.yaml:3: unknown keys 'nme' (did you mean 'name'?), 'sed' (did you mean 'seed'?); "
        f"known: {TOP_KEYS}",
    ),
    (
        "unknown-top-level-no-suggestion",
        "space:\n  units: 32\nzzz: 1\n",
        f"bad.yaml:3: unknown key 'zzz'; known: {TOP_KEYS}",
    ),
    (
        "unknown-in-data",
        "data:\n  datset: mnist\nspace:\n  units: 32\n",
        f"bad.yaml:2: data: unknown key 'datset' (did you mean 'dataset'?); known: {DATA_KEYS}",
    ),
    (
        "unknown-in-search",
        "space:\n  units: 32\nsearch:\n  max_trial: 3\n",
        f"bad.yaml:4: search: unknown key 'max_trial' (did you mean 'max_trials'?); "
        f"known: {SEARCH_KEYS}",
    ),
    (
        "unknown-in-early-stopping",
        "space:\n  units: 32\nsearch:\n  early_stopping:\n    patients: 3\n",
        "bad.yaml:5: search.early_stopping: unknown key 'patients' (did you mean 'patience'?); "
        "known: monitor, patience, min_delta",
    ),
    (
        "unknown-in-report",
        "space:\n  units: 32\nreport:\n  topk: 3\n",
        "bad.yaml:4: report: unknown key 'topk' (did you mean 'top_k'?); known: top_k, repeats",
    ),
    (
        "unknown-in-space",
        "space:\n  units: 32\n  unit: 64\n",
        f"bad.yaml:3: space: unknown key 'unit' (did you mean 'units'?); known: {SPACE_KEYS}",
    ),
    (
        "unknown-in-space-listed-together",
        "space:\n  lerning_rate: 0.1\n  layer: 2\n",
        "bad.yaml:2: space: unknown keys 'lerning_rate' (did you mean 'learning_rate'?), "
        f"'layer' (did you mean 'layers'?); known: {SPACE_KEYS}",
    ),
    (
        "unknown-in-range",
        "space:\n  units:\n    min: 1\n    max: 3\n    stpe: 1\n",
        "bad.yaml:5: space.units: unknown key 'stpe' (did you mean 'step'?); "
        "known: min, max, step, sampling, when",
    ),
    (
        "unknown-in-choice-mapping",
        "space:\n  units:\n    values: [32, 64]\n    step: 2\n",
        "bad.yaml:4: space.units: unknown key 'step'; known: values, when",
    ),
    # --- wrong types ---
    (
        "string-for-int",
        'seed: "42"\nspace:\n  units: 32\n',
        "bad.yaml:1: seed: expected a whole number, got '42'",
    ),
    (
        "float-for-int",
        "seed: 4.5\nspace:\n  units: 32\n",
        "bad.yaml:1: seed: expected a whole number, got 4.5",
    ),
    (
        "float-for-int-in-search",
        "space:\n  units: 32\nsearch:\n  max_trials: 2.5\n",
        "bad.yaml:4: search.max_trials: expected a whole number, got 2.5",
    ),
    (
        "bool-for-int",
        "seed: true\nspace:\n  units: 32\n",
        "bad.yaml:1: seed: expected a whole number, got True",
    ),
    (
        "list-for-mapping",
        "data: [1, 2]\nspace:\n  units: 32\n",
        "bad.yaml:1: data: expected a mapping of keys, got [1, 2]",
    ),
    (
        "list-for-space-mapping",
        "space: [units, layers]\n",
        "bad.yaml:1: space: expected a mapping of tunable names, got list",
    ),
    (
        "scalar-for-mapping",
        "space:\n  units: 32\nsearch:\n  early_stopping: 3\n",
        "bad.yaml:4: search.early_stopping: expected a mapping of keys, got 3",
    ),
    (
        "mapping-for-scalar",
        "name:\n  a: 1\nspace:\n  units: 32\n",
        "bad.yaml:1: name: expected text, got {'a': 1}",
    ),
    (
        "string-for-bool",
        'data:\n  normalize: "true"\nspace:\n  units: 32\n',
        "bad.yaml:2: data.normalize: expected true or false, got 'true'",
    ),
    (
        "string-for-float",
        'data:\n  validation_split: "0.1"\nspace:\n  units: 32\n',
        "bad.yaml:2: data.validation_split: expected a number, got '0.1'",
    ),
    (
        "string-for-int-tunable",
        'space:\n  units: "32"\n',
        "bad.yaml:2: space.units: expected a number, got '32'",
    ),
    (
        "float-for-int-tunable",
        "space:\n  units: 32.5\n",
        "bad.yaml:2: space.units: expected a whole number, got 32.5",
    ),
    (
        "float-in-int-choice",
        "space:\n  units: [32, 64.0]\n",
        "bad.yaml:2: space.units[1]: expected a whole number, got 64.0",
    ),
    (
        "number-for-bool-tunable",
        "space:\n  nesterov: 1\n",
        "bad.yaml:2: space.nesterov: expected true or false, got 1",
    ),
    (
        "number-for-name-tunable",
        "space:\n  optimizer: 3\n",
        "bad.yaml:2: space.optimizer: expected a name, got 3; use one of "
        "sgd, adam, rmsprop, adagrad, nadam",
    ),
    (
        "range-for-name-tunable",
        "space:\n  activation: {min: 1, max: 2}\n",
        "bad.yaml:2: space.activation: activation takes names, not a range; "
        "write a list like [tanh, softsign]",
    ),
    (
        "values-not-a-list",
        "space:\n  units:\n    values: 32\n",
        "bad.yaml:3: space.units.values: expected a list, got 32; write e.g. [a, b]",
    ),
    (
        "non-name-key",
        "space:\n  units: 32\n1: x\n",
        "bad.yaml:3: a key must be a name, got 1; write a name such as 'units'",
    ),
    (
        "collection-as-key",
        "space:\n  ? [units, layers]\n  : 32\n",
        "bad.yaml:2: space: a key must be a name, got a collection; write a name such as 'units'",
    ),
    # --- ranges ---
    (
        "min-greater-than-max",
        "space:\n  units: {min: 64, max: 32}\n",
        "bad.yaml:2: space.units: `min <= max` must hold, but got min=64, max=32",
    ),
    (
        "range-without-max",
        "space:\n  units:\n    min: 32\n",
        "bad.yaml:2: space.units: a range needs 'max'; write {min: ..., max: ...}",
    ),
    (
        "log-with-zero-min",
        "space:\n  l2:\n    min: 0.0\n    max: 0.01\n    sampling: log\n",
        "bad.yaml:3: space.l2.min: log sampling needs min > 0, got 0.0; raise min",
    ),
    (
        "reverse-log-with-zero-min",
        "space:\n  dropout: {min: 0.0, max: 0.5, sampling: reverse_log}\n",
        "bad.yaml:2: space.dropout.min: reverse_log sampling needs min > 0, got 0.0; raise min",
    ),
    (
        "learning-rate-not-positive",
        "space:\n  learning_rate:\n    min: -0.1\n    max: 0.1\n    sampling: log\n",
        "bad.yaml:3: space.learning_rate.min: must be >= 1e-12, got -0.1; "
        "the learning rate must be > 0",
    ),
    (
        "unknown-sampling",
        "space:\n  learning_rate:\n    min: 0.001\n    max: 0.1\n    sampling: logarithmic\n",
        "bad.yaml:5: space.learning_rate.sampling: unknown sampling 'logarithmic'; "
        "use one of linear, log, reverse_log",
    ),
    (
        "fractional-step-for-int",
        "space:\n  units: {min: 1, max: 4, step: 0.5}\n",
        "bad.yaml:2: space.units.step: step must be a whole number > 0, got 0.5",
    ),
    (
        "zero-step",
        "space:\n  dropout: {min: 0.0, max: 0.5, step: 0}\n",
        "bad.yaml:2: space.dropout.step: step must be a number > 0, got 0",
    ),
    (
        "units-below-one",
        "space:\n  units:\n    min: 0\n    max: 8\n",
        "bad.yaml:3: space.units.min: must be >= 1, got 0",
    ),
    # --- dropout in [0, 1), non-negative L1/L2 ---
    (
        "dropout-one",
        "space:\n  dropout: 1.0\n",
        "bad.yaml:2: space.dropout: must be < 1.0, got 1.0",
    ),
    (
        "dropout-range-max-one",
        "space:\n  dropout:\n    min: 0.0\n    max: 1.0\n",
        "bad.yaml:4: space.dropout.max: must be < 1.0, got 1.0",
    ),
    (
        "dropout-negative",
        "space:\n  dropout:\n    min: -0.1\n    max: 0.5\n",
        "bad.yaml:3: space.dropout.min: must be >= 0.0, got -0.1",
    ),
    (
        "recurrent-dropout-choice-above-one",
        "space:\n  recurrent_dropout:\n    - 0.0\n    - 1.5\n",
        "bad.yaml:4: space.recurrent_dropout[1]: must be < 1.0, got 1.5",
    ),
    (
        "negative-l1",
        "space:\n  l1: -0.01\n",
        "bad.yaml:2: space.l1: must be >= 0.0, got -0.01; "
        "regularization weights cannot be negative",
    ),
    (
        "negative-l2-range",
        "space:\n  l2: {min: -1.0e-3, max: 1.0e-2}\n",
        "bad.yaml:2: space.l2.min: must be >= 0.0, got -0.001; "
        "regularization weights cannot be negative",
    ),
    # --- names of optimizers, activations, cells ---
    (
        "unknown-optimizer",
        "space:\n  optimizer: adamw\n",
        "bad.yaml:2: space.optimizer: unknown name 'adamw'; did you mean 'adam'?",
    ),
    (
        "unknown-activation-in-choice",
        "space:\n  activation: [tanh, sofsign]\n",
        "bad.yaml:2: space.activation[1]: unknown name 'sofsign'; did you mean 'softsign'?",
    ),
    (
        "unknown-activation-no-suggestion",
        "space:\n  recurrent_activation: zzz\n",
        "bad.yaml:2: space.recurrent_activation: unknown name 'zzz'; use one of "
        "tanh, softsign, relu, sigmoid, hard_sigmoid, elu, selu, gelu, swish, softplus, linear",
    ),
    (
        "unknown-cell-in-space",
        "space:\n  cell: [lstm, gruu]\n",
        "bad.yaml:2: space.cell[1]: unknown name 'gruu'; did you mean 'gru'?",
    ),
    (
        "unknown-cell-in-model",
        "model:\n  cell: gru2\nspace:\n  units: 32\n",
        "bad.yaml:2: model.cell: 'gru2' is not allowed; use 'lstm', 'gru' or 'simple_rnn'",
    ),
    (
        "cell-in-model-and-space",
        "model:\n  cell: gru\nspace:\n  cell: gru\n",
        "bad.yaml:2: model.cell: cell is set in model.cell and in space.cell; keep one",
    ),
    (
        "unknown-backend",
        "backend: theano\nspace:\n  units: 32\n",
        "bad.yaml:1: backend: 'theano' is not allowed; use 'tensorflow', 'jax' or 'torch'",
    ),
    (
        "unknown-algorithm",
        "space:\n  units: 32\nsearch:\n  algorithm: bayes\n",
        "bad.yaml:4: search.algorithm: 'bayes' is not allowed; "
        "use 'random', 'bayesian', 'hyperband', 'grid' or 'tpe'",
    ),
    # --- choices ---
    (
        "empty-choice",
        "space:\n  units: []\n",
        "bad.yaml:2: space.units: an empty list of choices; give at least one value",
    ),
    (
        "repeated-choice",
        "space:\n  units: [32, 64, 32]\n",
        "bad.yaml:2: space.units: repeated choice 32; list each value once",
    ),
    # --- when ---
    (
        "when-unknown-parameter",
        "space:\n  optimizer: [sgd, adam]\n  momentum:\n    min: 0.5\n    max: 0.9\n"
        "    when: {optimiser: sgd}\n",
        "bad.yaml:6: space.momentum.when.optimiser: 'optimiser' is not a parameter; "
        "did you mean 'optimizer'?",
    ),
    (
        "when-unknown-parameter-no-suggestion",
        "space:\n  momentum: {min: 0.5, max: 0.9, when: {zzz: 1}}\n",
        f"bad.yaml:2: space.momentum.when.zzz: 'zzz' is not a parameter; use one of {SPACE_KEYS}",
    ),
    (
        "when-unknown-value",
        "space:\n  optimizer: [sgd, adam]\n  momentum:\n    min: 0.5\n    max: 0.9\n"
        "    when:\n      optimizer: rmsprop\n",
        "bad.yaml:7: space.momentum.when.optimizer: 'rmsprop' is not a value of optimizer "
        "(['sgd', 'adam']); use one of those",
    ),
    (
        "when-parent-not-in-space",
        "space:\n  momentum: {min: 0.5, max: 0.9, when: {optimizer: sgd}}\n",
        "bad.yaml:2: space.momentum.when.optimizer: optimizer is not in the space "
        "(fixed at 'adam'); add it, e.g. optimizer: [adam, sgd]",
    ),
    (
        "when-on-itself",
        "space:\n  nesterov:\n    values: [true, false]\n    when: {nesterov: true}\n",
        "bad.yaml:4: space.nesterov.when.nesterov: nesterov cannot depend on itself; "
        "name another parameter",
    ),
    (
        "when-on-a-range",
        "space:\n  units: {min: 1, max: 3}\n  layers:\n    values: [1, 2]\n    when: {units: 2}\n",
        "bad.yaml:5: space.layers.when.units: units is a range; `when` needs a list of choices",
    ),
    (
        "when-loop",
        "space:\n  optimizer:\n    values: [sgd, adam]\n    when: {nesterov: true}\n"
        "  nesterov:\n    values: [true, false]\n    when: {optimizer: sgd}\n",
        "bad.yaml:4: space.optimizer.when: conditions form a loop "
        "(optimizer -> nesterov -> optimizer); break it",
    ),
    (
        "when-not-a-mapping",
        "space:\n  momentum:\n    min: 0.5\n    max: 0.9\n    when: sgd\n",
        "bad.yaml:5: space.momentum.when: expected a mapping like {optimizer: sgd}, got 'sgd'",
    ),
    # --- what PyYAML reads differently from what a person means ---
    (
        "boolean-from-yes",
        "data:\n  normalize: yes\nspace:\n  units: 32\n",
        "bad.yaml:2: data.normalize: 'yes' is read as a boolean by YAML; write true or false, "
        'or quote it ("yes") to mean the text',
    ),
    (
        "boolean-from-off",
        "data:\n  normalize: off\nspace:\n  units: 32\n",
        "bad.yaml:2: data.normalize: 'off' is read as a boolean by YAML; write true or false, "
        'or quote it ("off") to mean the text',
    ),
    (
        "boolean-from-no-in-choice",
        "space:\n  bidirectional:\n    - true\n    - no\n",
        "bad.yaml:4: space.bidirectional[1]: 'no' is read as a boolean by YAML; "
        'write true or false, or quote it ("no") to mean the text',
    ),
    (
        "boolean-from-on-as-name",
        "name: on\nspace:\n  units: 32\n",
        "bad.yaml:1: name: 'on' is read as a boolean by YAML; write true or false, "
        'or quote it ("on") to mean the text',
    ),
    # --- duplicate keys ---
    (
        "duplicate-top-level",
        "seed: 1\nspace:\n  units: 32\nseed: 2\n",
        "bad.yaml:4: duplicate key 'seed' (first on line 1); keep one of them",
    ),
    (
        "duplicate-in-space",
        "space:\n  units: 32\n  layers: 2\n  units: 64\n",
        "bad.yaml:4: space: duplicate key 'units' (first on line 2); keep one of them",
    ),
    (
        "duplicate-in-range",
        "space:\n  units: {min: 1, max: 3,\n    min: 2}\n",
        "bad.yaml:3: space.units: duplicate key 'min' (first on line 2); keep one of them",
    ),
    # --- empty space, grid too large ---
    (
        "empty-space",
        "space: {}\n",
        "bad.yaml:1: space: the space is empty; give at least one tunable, e.g. 'units: [32, 64]'",
    ),
    (
        "null-space",
        "seed: 1\nspace:\n",
        "bad.yaml:2: space: the space is empty; give at least one tunable, e.g. 'units: [32, 64]'",
    ),
    (
        "missing-space",
        "seed: 1\n",
        "bad.yaml: space: the space is empty; give at least one tunable, e.g. 'units: [32, 64]'",
    ),
    (
        "grid-too-large",
        "space:\n  units: [16, 32, 64, 128]\n  layers: [1, 2, 3]\n"
        "search:\n  algorithm: grid\n  max_trials: 5\n",
        "bad.yaml:6: search.max_trials: the grid has 12 points but max_trials is 5; "
        "raise max_trials to 12 or shrink the space",
    ),
    (
        "grid-too-large-float-range",
        "space:\n  units: [32, 64]\n  learning_rate: {min: 1.0e-4, max: 1.0e-1, sampling: log}\n"
        "search:\n  algorithm: grid\n",
        "bad.yaml:4: search.max_trials: the grid has 20 points but max_trials is 10; "
        "raise max_trials to 20 or shrink the space",
    ),
    # --- files that are not YAML mappings ---
    (
        "file-is-a-list",
        "- units\n- layers\n",
        "bad.yaml:1: the file is not a YAML mapping of keys to values; "
        "start with e.g. 'name: my-run'",
    ),
    (
        "file-is-a-scalar",
        "# a comment\n42\n",
        "bad.yaml:2: the file is not a YAML mapping of keys to values; "
        "start with e.g. 'name: my-run'",
    ),
    (
        "empty-file",
        "",
        "bad.yaml: the file is empty; write a config mapping (see configs/mnist.yaml)",
    ),
    (
        "only-comments",
        "# nothing here yet\n\n",
        "bad.yaml: the file is empty; write a config mapping (see configs/mnist.yaml)",
    ),
    (
        "yaml-syntax-error",
        "space:\n  units: [32, 64\nseed: 1\n",
        "bad.yaml:3: YAML syntax error: expected ',' or ']', but got ':'; fix the file there",
    ),
    (
        "yaml-bad-indentation",
        "space:\n  units: 32\n layers: 2\n",
        "bad.yaml:3: YAML syntax error: expected <block end>, but found '<block mapping start>'; "
        "fix the file there",
    ),
    (
        "tab-indent",
        "space:\n\tunits: 32\n",
        "bad.yaml:2: YAML syntax error: a tab character; "
        "YAML indents with spaces only, replace the tab with spaces",
    ),
    (
        "binary-not-utf8",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe",
        "bad.yaml: not a UTF-8 text file; give a YAML config",
    ),
    (
        "binary-control-characters",
        b"space:\n  units: 32\n\x00\x01\x02",
        "bad.yaml:3: control character #x0000 cannot appear in YAML; "
        "remove it, or give a YAML text file",
    ),
    # --- search and run settings ---
    (
        "unknown-objective",
        "space:\n  units: 32\nsearch:\n  objective: val_acc\n",
        "bad.yaml:4: search.objective: unknown metric 'val_acc'; did you mean 'val_accuracy'?",
    ),
    (
        "unknown-objective-no-suggestion",
        "space:\n  units: 32\nsearch:\n  objective: perplexity\n",
        f"bad.yaml:4: search.objective: unknown metric 'perplexity'; use one of {METRICS}",
    ),
    (
        "unknown-early-stopping-monitor",
        "space:\n  units: 32\nsearch:\n  early_stopping:\n    monitor: val_los\n",
        "bad.yaml:5: search.early_stopping.monitor: unknown metric 'val_los'; "
        "did you mean 'val_loss'?",
    ),
    (
        "bad-time-budget-text",
        "space:\n  units: 32\nsearch:\n  time_budget: 3 days\n",
        "bad.yaml:4: search.time_budget: '3 days' is not a duration; write e.g. 90s, 30m or 2h",
    ),
    (
        "bad-time-budget-number",
        "space:\n  units: 32\nsearch:\n  time_budget: 30\n",
        "bad.yaml:4: search.time_budget: 30 is not a duration; write e.g. 90s, 30m or 2h",
    ),
    (
        "max-trials-zero",
        "space:\n  units: 32\nsearch:\n  max_trials: 0\n",
        "bad.yaml:4: search.max_trials: must be >= 1, got 0",
    ),
    (
        "validation-split-one",
        "data:\n  validation_split: 1\nspace:\n  units: 32\n",
        "bad.yaml:2: data.validation_split: must be < 1.0, got 1",
    ),
    (
        "limit-too-small",
        "data:\n  limit: 5\nspace:\n  units: 32\n",
        "bad.yaml:2: data.limit: must be >= 20, got 5",
    ),
    (
        "bad-name-slash",
        "name: my run/x\nspace:\n  units: 32\n",
        "bad.yaml:1: name: 'my run/x' cannot name a folder; use letters, digits, '.', '_', '-'",
    ),
    (
        "bad-name-dot-first",
        "name: ..\nspace:\n  units: 32\n",
        "bad.yaml:1: name: '..' cannot name a folder; use letters, digits, '.', '_', '-'",
    ),
    (
        "bad-name-empty",
        'name: ""\nspace:\n  units: 32\n',
        "bad.yaml:1: name: '' cannot name a folder; use letters, digits, '.', '_', '-'",
    ),
    # --- time series and heads ---
    (
        "unknown-dataset",
        "data:\n  dataset: series\nspace:\n  units: 8\n",
        "bad.yaml:2: data.dataset: 'series' is not allowed; "
        "use 'mnist', 'fashion_mnist', 'digits', 'sequences', 'sine' or 'csv'",
    ),
    (
        "csv-without-path",
        "data:\n  dataset: csv\n  target: y\nspace:\n  units: 8\n",
        "bad.yaml:1: data.path: the csv dataset reads a file; set data.path: FILE.csv",
    ),
    (
        "csv-without-target",
        "data:\n  dataset: csv\n  path: a.csv\nspace:\n  units: 8\n",
        "bad.yaml:1: data.target: the csv dataset needs the column to forecast; set data.target",
    ),
    (
        "window-for-mnist",
        "data:\n  window: 16\nspace:\n  units: 8\n",
        "bad.yaml:2: data.window: window is for the sine and csv datasets, not mnist; remove it",
    ),
    (
        "source-for-sine",
        "data:\n  dataset: sine\n  source: bundled\nspace:\n  units: 8\n",
        "bad.yaml:3: data.source: source is for the mnist and fashion_mnist datasets, "
        "not sine; remove it",
    ),
    (
        "limit-for-csv",
        "data:\n  dataset: csv\n  path: a.csv\n  target: y\n  limit: 100\nspace:\n  units: 8\n",
        "bad.yaml:5: data.limit: limit is for the mnist, fashion_mnist, digits and sequences "
        "datasets, not csv; remove it",
    ),
    (
        "sine-option-for-csv",
        "data:\n  dataset: csv\n  path: a.csv\n  target: y\n  noise: 0.2\nspace:\n  units: 8\n",
        "bad.yaml:5: data.noise: noise is for the sine datasets, not csv; remove it",
    ),
    (
        "window-zero",
        "data:\n  dataset: sine\n  window: 0\nspace:\n  units: 8\n",
        "bad.yaml:3: data.window: must be >= 1, got 0",
    ),
    (
        "horizon-zero",
        "data:\n  dataset: sine\n  horizon: 0\nspace:\n  units: 8\n",
        "bad.yaml:3: data.horizon: must be >= 1, got 0",
    ),
    (
        "period-one",
        "data:\n  dataset: sine\n  period: 1\nspace:\n  units: 8\n",
        "bad.yaml:3: data.period: must be >= 2, got 1",
    ),
    (
        "negative-noise",
        "data:\n  dataset: sine\n  noise: -0.1\nspace:\n  units: 8\n",
        "bad.yaml:3: data.noise: must be >= 0.0, got -0.1",
    ),
    (
        "series-splits-leave-no-training",
        "data:\n  dataset: sine\n  validation_split: 0.5\n  test_split: 0.5\nspace:\n  units: 8\n",
        "bad.yaml:4: data.test_split: validation_split + test_split must be < 1 to leave a "
        "training part, got 0.5 + 0.5; lower them",
    ),
    (
        "unknown-head",
        "model:\n  head: tanh\nspace:\n  units: 8\n",
        "bad.yaml:2: model.head: 'tanh' is not allowed; "
        "use 'auto', 'softmax', 'linear' or 'sigmoid'",
    ),
    (
        "softmax-head-for-regression",
        "data:\n  dataset: sine\nmodel:\n  head: softmax\nspace:\n  units: 8\n",
        "bad.yaml:4: model.head: softmax is a classification head, but sine is a regression "
        "dataset; use auto, linear or sigmoid",
    ),
    (
        "linear-head-for-classification",
        "model:\n  head: linear\nspace:\n  units: 8\n",
        "bad.yaml:2: model.head: linear is a regression head, but mnist is a classification "
        "dataset; use auto or softmax",
    ),
    (
        "tuned-head-wrong-for-the-task",
        "data:\n  dataset: sine\nspace:\n  head: [linear, softmax]\n",
        "bad.yaml:4: space.head: softmax is a classification head, but sine is a regression "
        "dataset; use linear or sigmoid",
    ),
    (
        "head-in-model-and-space",
        "data:\n  dataset: sine\nmodel:\n  head: linear\nspace:\n  head: [linear, sigmoid]\n",
        "bad.yaml:4: model.head: head is set in model.head and in space.head; keep one",
    ),
    (
        "head-as-a-range",
        "data:\n  dataset: sine\nspace:\n  head: {min: 1, max: 2}\n",
        "bad.yaml:4: space.head: head takes names, not a range; "
        "write a list like [softmax, linear]",
    ),
    (
        "classification-objective-for-regression",
        "data:\n  dataset: sine\nspace:\n  units: 8\nsearch:\n  objective: val_accuracy\n",
        "bad.yaml:6: search.objective: val_accuracy is not measured on sine, a regression "
        "dataset; use one of loss, val_loss, mae, val_mae, rmse, val_rmse",
    ),
    (
        "regression-objective-for-classification",
        "space:\n  units: 8\nsearch:\n  objective: val_mae\n",
        "bad.yaml:4: search.objective: val_mae is not measured on mnist, a classification "
        f"dataset; use one of {METRICS}",
    ),
    (
        "loss-objective-with-a-tuned-head",
        "data:\n  dataset: sine\nspace:\n  head: [linear, sigmoid]\nsearch:\n"
        "  objective: val_loss\n",
        "bad.yaml:6: search.objective: val_loss cannot rank trials with different heads "
        "(space.head: mean squared error and cross-entropy are not on one scale); "
        "use val_mae or val_rmse",
    ),
    (
        "unknown-regression-monitor",
        "data:\n  dataset: sine\nspace:\n  units: 8\nsearch:\n  early_stopping:\n"
        "    monitor: val_rmes\n",
        "bad.yaml:7: search.early_stopping.monitor: unknown metric 'val_rmes'; "
        "did you mean 'val_rmse'?",
    ),
]


# ---- the report in headless Chromium -------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no network: any host name fails to resolve
    "--virtual-time-budget=10000",  # run the page's load events before dumping or shooting
)


@dataclass(frozen=True)
class Opened:
    dom: str
    images: tuple[int, int]  # decoded, present
    screenshot: Path


def open_page(page: Path, workdir: Path) -> Opened:
    """Load ``page`` in a fresh Chromium profile: its DOM after load, and a screenshot."""
    assert CHROMIUM.exists(), (
        f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; "
        ".ci/run does it) to test the reports in a browser"
    )
    workdir.mkdir(parents=True, exist_ok=True)
    dom = _chromium(page, workdir / "profile-dom", "--dump-dom").stdout
    shot = workdir / f"{page.parent.name}.png"
    size = "--window-size=1200,2400"
    _chromium(page, workdir / "profile-shot", size, "--hide-scrollbars", f"--screenshot={shot}")
    found = re.search(r'<body[^>]*data-images="(\d+)/(\d+)"', dom)
    assert found, f"the page's load script did not run in {page}: {dom[:300]!r}"
    return Opened(dom, (int(found[1]), int(found[2])), shot)


def _chromium(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def assert_every_image_loaded(opened: Opened, expected: int) -> None:
    ok, present = opened.images
    assert present == expected and ok == present, f"{ok} of {present} images decoded"
    assert opened.screenshot.read_bytes().startswith(b"\x89PNG")
    assert opened.screenshot.stat().st_size > 10_000  # a page, not a blank
