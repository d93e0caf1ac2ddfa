"""report.repeats: the top-k configurations trained again with N other seeds each.

A trial's score is one draw: the weights' initialization and the batches' order move it, and
the search picked the top-k for scoring well, so their own scores lean high. Training each of
them again with fresh seeds, exactly as the search trained it (same epochs, same early stop,
scored at its best epoch, tested with the weights of that epoch), gives their validation and
test scores as mean and standard deviation over draws the search did not pick. best/test.json's
``repeats`` holds them, every repeat's history included.
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import keras

from tuner.analysis.selection import select
from tuner.config.schema import Config
from tuner.data.datasets import Dataset
from tuner.data.folds import Fold
from tuner.engine import recipe
from tuner.engine.progress import format_seconds
from tuner.numbers import is_finite_number
from tuner.run import records, results
from tuner.run.records import TrialRecord
from tuner.run.results import RepeatEntry, Spread
from tuner.text import decimals, plural


class KeepBestWeights(keras.callbacks.Callback):
    """The weights of the best epoch by ``monitor``, put back when training ends (the search
    exports its best-epoch checkpoint, so a repeat is tested the same way)."""

    def __init__(self, monitor: str, maximize: bool) -> None:
        super().__init__()
        self.monitor, self.maximize = monitor, maximize
        self.values: list[float] = []
        self.ties: list[float] = []
        self.weights: Any = None

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        logs = logs or {}
        self.values.append(float(logs.get(self.monitor, math.nan)))
        self.ties.append(float(logs.get(records.TIE_BREAKER, math.nan)))
        ties = self.ties if self.monitor != records.TIE_BREAKER else None
        if records.best_epoch(self.values, self.maximize, ties) == len(self.values):
            self.weights = self.model.get_weights()  # the same rule as the search's checkpoint

    def on_train_end(self, logs: Any = None) -> None:
        if self.weights is not None:
            self.model.set_weights(self.weights)


def mean_sd(values: list[float]) -> Spread:
    """Mean and sample standard deviation (0 for one value) of the finite ``values``."""
    finite = [v for v in values if is_finite_number(v)]
    if not finite:
        return {"mean": math.nan, "sd": math.nan, "n": 0}
    sd = statistics.stdev(finite) if len(finite) > 1 else 0.0
    return {"mean": statistics.fmean(finite), "sd": sd, "n": len(finite)}


def repeat_top(config: Config, dataset: Dataset, run_dir: Path) -> list[RepeatEntry]:
    """Train each of the top-k report.repeats times; returns and stores test.json's
    ``repeats``: per trial, its search score, each repeat, and mean/sd of the scores."""
    samples = recipe.validation_samples(config, dataset)
    top = select(records.read_records(run_dir)[0], samples).ranked[: config.report.top_k]
    total, started = len(top) * config.report.repeats, time.monotonic()
    print(
        f"repeats: training the top {plural(len(top), 'trial')} {config.report.repeats} more "
        f"times each with other seeds ({plural(total, 'run')} of up to "
        f"{plural(config.search.epochs, 'epoch')})",
        file=sys.stderr,
        flush=True,
    )
    entries: list[RepeatEntry] = []
    for record in top:
        repeats = []
        for repeat in range(1, config.report.repeats + 1):
            repeats.append(_train_again(config, dataset, record, repeat))
            done = len(entries) * config.report.repeats + repeat
            print(
                f"repeats: {done}/{total} done (trial {record['trial_id']}, repeat {repeat}: "
                f"{config.objective}={decimals(repeats[-1]['score'], 4)}), "
                f"{format_seconds(time.monotonic() - started)} so far",
                file=sys.stderr,
                flush=True,
            )
        tests = {name for r in repeats for name in r["test"]}
        entries.append(
            {
                "trial_id": record["trial_id"],
                "search_score": record["score"],
                "validation": mean_sd([r["score"] for r in repeats]),
                "test": {n: mean_sd([r["test"].get(n, math.nan) for r in repeats]) for n in tests},
                "runs": repeats,
            }
        )
    summary = results.read_test(run_dir)
    results.write_test(run_dir, {**summary, "repeats": entries})
    return entries


def _train_again(
    config: Config, dataset: Dataset, record: TrialRecord, repeat: int
) -> dict[str, Any]:
    """The trial trained again with the seed of ``repeat``, validated as the search validated
    it: on the split, or on every fold (its score the mean over folds, its test scores the
    mean of the fold models')."""
    plan = recipe.validation_plan(config, dataset)
    runs = [_fit_once(config, dataset, record, repeat, fold) for fold in plan.folds or [None]]
    tests = {name for _, test, _ in runs for name in test}
    history, best_epoch = (
        runs[0][2],
        records.best_epoch_of(runs[0][2], config.objective, config.direction == "max"),
    )
    return {
        "seed": recipe.trial_seed(config, record["trial_id"], repeat),
        "score": statistics.fmean(score for score, _, _ in runs),
        "best_epoch": best_epoch,
        "test": {n: statistics.fmean(test.get(n, math.nan) for _, test, _ in runs) for n in tests},
        "history": history,
    }


def _fit_once(
    config: Config, dataset: Dataset, record: TrialRecord, repeat: int, fold: Fold | None
) -> tuple[float, dict[str, float], dict[str, list[float]]]:
    """(score at the best epoch, test scores of that epoch's weights, history) of one fit."""
    maximize = config.direction == "max"
    model, fitted = recipe.train_again(
        config,
        dataset,
        record,
        epochs=config.search.epochs,
        validate=True,
        repeat=repeat,
        fold=fold,
        callbacks=[KeepBestWeights(config.objective, maximize)],
    )
    history = {k: [float(v) for v in vs] for k, vs in fitted.history.items()}
    best_epoch = records.best_epoch_of(history, config.objective, maximize)
    score = history[config.objective][best_epoch - 1] if best_epoch else math.nan
    tested = recipe.evaluate(config, dataset, model, dataset.x_test, dataset.y_test)
    keras.backend.clear_session()
    return score, {name: float(value) for name, value in tested.items()}, history
