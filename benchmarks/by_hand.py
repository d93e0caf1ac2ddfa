"""The searches a user writes without this toolkit, for benchmark 6 to compare against.

    python benchmarks/by_hand.py ARM --seed S --limit N --epochs E --trials T --out FILE.json

ARM is ``keras-tuner-random`` or ``keras-tuner-bayesian`` (keras-tuner's RandomSearch and
BayesianOptimization with their defaults) or ``optuna-tpe-median`` (Optuna's TPESampler and
MedianPruner with their defaults, the pruning callback a user writes). Each declares the
flagship space (configs/mnist.yaml) in its own library's way and stops a trial on a 3-epoch
plateau of val_loss, as the toolkit's configs do.

Only the search is the user's: the data splits and the model come from the toolkit's own
functions (``load_dataset``, ``build_model``), so the arms differ in how they search and in
nothing else. The file written holds one entry per trial (epochs run, best val_accuracy,
finish time) and the test accuracy of the model the search hands back.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

import keras
import keras_tuner as kt
import optuna

from tuner.config.sections import DataSection
from tuner.data.datasets import Dataset, load_dataset
from tuner.engine.model import ModelSpec, build_model

OPTIMIZERS = ["sgd", "rmsprop", "adagrad", "adam"]
BATCH_SIZE = 128  # the toolkit's default batch size
TRIALS: list[dict[str, Any]] = []  # what TrialLog saw, in finishing order


class TrialLog(keras.callbacks.Callback):
    """Each trial's epochs, best val_accuracy and finish time (keras-tuner copies callbacks
    per trial, so they append to a module list)."""

    def on_train_begin(self, logs: Any = None) -> None:
        self.scores: list[float] = []

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.scores.append(float((logs or {}).get("val_accuracy", math.nan)))

    def on_train_end(self, logs: Any = None) -> None:
        finite = [s for s in self.scores if math.isfinite(s)]
        TRIALS.append(
            {
                "epochs_run": len(self.scores),
                "score": max(finite) if finite else None,
                "finished_at": time.time(),
            }
        )


def plateau() -> keras.callbacks.EarlyStopping:
    return keras.callbacks.EarlyStopping("val_loss", patience=3, restore_best_weights=True)


def keras_tuner_build(spec: ModelSpec):  # type: ignore[no-untyped-def]
    def build(hp: kt.HyperParameters) -> keras.Model:
        hp.Choice("units", [32, 64, 128])
        hp.Int("layers", 1, 2)
        hp.Float("dropout", 0.0, 0.4, step=0.1)
        hp.Choice("l1", [0.0, 1.0e-5])
        hp.Float("l2", 1.0e-6, 1.0e-3, sampling="log")
        hp.Choice("activation", ["tanh", "softsign"])
        if hp.Choice("optimizer", OPTIMIZERS) == "sgd":
            hp.Float("momentum", 0.8, 0.99)
            hp.Fixed("nesterov", True)
        hp.Float("learning_rate", 1.0e-4, 3.0e-2, sampling="log")
        return build_model(hp, spec)

    return build


def keras_tuner_search(arm: str, data: Dataset, args: argparse.Namespace, folder: Path) -> float:
    build = keras_tuner_build(ModelSpec.of(data))
    common = {"objective": "val_accuracy", "max_trials": args.trials, "seed": args.seed}
    where = {"directory": str(folder), "project_name": arm, "overwrite": True}
    search_class = kt.RandomSearch if arm == "keras-tuner-random" else kt.BayesianOptimization
    search = search_class(build, **common, **where)
    search.search(
        data.x_train,
        data.y_train,
        validation_data=(data.x_val, data.y_val),
        epochs=args.epochs,
        batch_size=BATCH_SIZE,
        callbacks=[plateau(), TrialLog()],
        verbose=0,
    )
    best = search.get_best_models(1)[0]
    return float(best.evaluate(data.x_test, data.y_test, verbose=0, return_dict=True)["accuracy"])


class OptunaPruning(keras.callbacks.Callback):
    """What an Optuna user writes: report val_accuracy each epoch, stop when told to prune."""

    def __init__(self, trial: optuna.Trial) -> None:
        super().__init__()
        self.trial, self.pruned = trial, False

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.trial.report(float((logs or {})["val_accuracy"]), epoch)
        if self.trial.should_prune():
            self.pruned = self.model.stop_training = True


def optuna_search(data: Dataset, args: argparse.Namespace) -> float:
    spec = ModelSpec.of(data)
    best: dict[str, Any] = {"score": -math.inf, "model": None}

    def objective(trial: optuna.Trial) -> float:
        values: dict[str, Any] = {
            "units": trial.suggest_categorical("units", [32, 64, 128]),
            "layers": trial.suggest_int("layers", 1, 2),
            "dropout": trial.suggest_float("dropout", 0.0, 0.4, step=0.1),
            "l1": trial.suggest_categorical("l1", [0.0, 1.0e-5]),
            "l2": trial.suggest_float("l2", 1.0e-6, 1.0e-3, log=True),
            "activation": trial.suggest_categorical("activation", ["tanh", "softsign"]),
            "optimizer": trial.suggest_categorical("optimizer", OPTIMIZERS),
            "learning_rate": trial.suggest_float("learning_rate", 1.0e-4, 3.0e-2, log=True),
        }
        if values["optimizer"] == "sgd":
            values["momentum"] = trial.suggest_float("momentum", 0.8, 0.99)
            values["nesterov"] = True
        model = build_model(values, spec)
        pruning = OptunaPruning(trial)
        history = model.fit(
            data.x_train,
            data.y_train,
            validation_data=(data.x_val, data.y_val),
            epochs=args.epochs,
            batch_size=BATCH_SIZE,
            callbacks=[plateau(), pruning, TrialLog()],
            verbose=0,
        )
        finite = [s for s in history.history["val_accuracy"] if math.isfinite(s)]
        score = max(finite) if finite else 0.0
        if score > best["score"]:
            best.update(score=score, model=model)
        if pruning.pruned:
            raise optuna.TrialPruned()
        return score

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=args.seed)
    study = optuna.create_study(
        direction="maximize", sampler=sampler, pruner=optuna.pruners.MedianPruner()
    )
    study.optimize(objective, n_trials=args.trials)
    scores = best["model"].evaluate(data.x_test, data.y_test, verbose=0, return_dict=True)
    return float(scores["accuracy"])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "arm", choices=["keras-tuner-random", "keras-tuner-bayesian", "optuna-tpe-median"]
    )
    for name in ("seed", "limit", "epochs", "trials"):
        p.add_argument(f"--{name}", type=int, required=True)
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args()
    keras.utils.set_random_seed(args.seed)
    section = DataSection(dataset="mnist", source="bundled", limit=args.limit)
    data = load_dataset(section, args.seed)
    if args.arm == "optuna-tpe-median":
        test_accuracy = optuna_search(data, args)
    else:
        test_accuracy = keras_tuner_search(args.arm, data, args, args.out.parent / "kt")
    result = {"trials": TRIALS, "test_accuracy": test_accuracy}
    args.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
