"""Hand-made trial records and contexts for the diagnostics' tests: a completed trial with
known curves, a failed one, a context over the usual space, and finding lookups."""

from __future__ import annotations

from typing import Any

from helpers.records import make_record
from tuner.analysis.findings import Context, Finding
from tuner.config.space import Condition, Param

LR = Param("learning_rate", "float", min=1e-4, max=1e-1, sampling="log")
ACTIVATION = Param("activation", "choice", values=("tanh", "softsign"))
OPTIMIZER = Param("optimizer", "choice", values=("sgd", "adam"))
MOMENTUM = Param("momentum", "float", min=0.5, max=0.9, when=(Condition("optimizer", ("sgd",)),))
UNITS = Param("units", "choice", values=(16, 32))
PARAMS = {p.name: p for p in (LR, ACTIVATION, OPTIMIZER, MOMENTUM, UNITS)}
RAW = {
    "learning_rate": {"min": 1.0e-4, "max": 1.0e-1, "sampling": "log"},
    "activation": ["tanh", "softsign"],
    "optimizer": ["sgd", "adam"],
    "momentum": {"min": 0.5, "max": 0.9, "when": {"optimizer": "sgd"}},
    "units": [16, 32],
}
CLEAN_LOSS = [1.0, 0.7, 0.5, 0.4, 0.35, 0.3]
CLEAN_VAL_LOSS = [1.05, 0.75, 0.55, 0.45, 0.40, 0.36]


def trial(
    trial_id: str,
    val_accuracy: list[float] | None = None,
    loss: list[float] | None = None,
    val_loss: list[float] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A completed trial; training accuracy 0.01 above validation unless ``accuracy`` is given."""
    val_acc = val_accuracy or [0.5, 0.6, 0.7, 0.75, 0.78, 0.78]
    best = max(range(len(val_acc)), key=val_acc.__getitem__) + 1
    history = {
        "loss": loss or CLEAN_LOSS[: len(val_acc)],
        "val_loss": val_loss or CLEAN_VAL_LOSS[: len(val_acc)],
        "accuracy": extra.pop("accuracy", [v + 0.01 for v in val_acc]),
        "val_accuracy": val_acc,
    }
    options = {
        "hyperparameters": extra.pop(
            "hp", {"learning_rate": 1e-3, "activation": "tanh", "optimizer": "adam", "units": 16}
        ),
        "best_epoch": best,
        "epochs": len(val_acc),
        "epochs_requested": 6,
        "stopped_early": len(val_acc) < 6,
        "history": history,
        "seconds": 6.0,
        "parameters": 1000,
    }
    number, score = int(extra.pop("number", 1)), extra.pop("score", max(val_acc))
    return make_record(trial_id, number, score, **(options | extra))


def failed(trial_id: str, error: str, **hp: Any) -> dict[str, Any]:
    hyper = {"learning_rate": 1e-3, "activation": "tanh", "optimizer": "adam", "units": 16} | hp
    return trial(trial_id, hp=hyper, status="failed", score=None, best_epoch=None, error=error)


def context(records: list[dict[str, Any]], **extra: Any) -> Context:
    options: dict[str, Any] = {"varying": list(PARAMS), "params": PARAMS, "raw_space": RAW}
    return Context(records, **(options | {"epochs": 6} | extra))


def kinds(found: list[Finding]) -> list[str]:
    return [f.kind for f in found]


def only(found: list[Finding], kind: str) -> Finding:
    hits = [f for f in found if f.kind == kind]
    assert len(hits) == 1, f"expected one {kind} finding, got {kinds(found)}"
    return hits[0]


def scored_trials(rates: list[float], scores: list[float], **hp: Any) -> list[dict[str, Any]]:
    base = {"activation": "tanh", "optimizer": "adam", "units": 16} | hp
    return [
        trial(str(i), val_accuracy=[s - 0.1, s, s], hp=base | {"learning_rate": r}, number=i + 1)
        for i, (r, s) in enumerate(zip(rates, scores, strict=True))
    ]
