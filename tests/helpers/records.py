"""Trial records and run folders made by hand: the one trial-record factory, a config and its
run folder as `search` prepares it, and a demo run (four completed trials and one failure)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tuner.config.schema import load_config
from tuner.run import atomic
from tuner.run import folder as run_folder
from tuner.run.records import write_record

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
