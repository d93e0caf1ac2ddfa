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

from tuner.config.schema import Config
from tuner.data.datasets import Dataset
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
        self.best, self.weights = math.nan, None

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        value = float((logs or {}).get(self.monitor, math.nan))
        better = value > self.best if self.maximize else value < self.best
        if is_finite_number(value) and (math.isnan(self.best) or better):
            self.best, self.weights = value, self.model.get_weights()

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
    top = records.ranked(records.read_records(run_dir)[0])[: config.report.top_k]
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
    maximize = config.direction == "max"
    model, fitted = recipe.train_again(
        config,
        dataset,
        record,
        epochs=config.search.epochs,
        validate=True,
        repeat=repeat,
        callbacks=[KeepBestWeights(config.objective, maximize)],
    )
    history = {k: [float(v) for v in vs] for k, vs in fitted.history.items()}
    objective = history.get(config.objective, [])
    best_epoch = records.best_epoch(objective, maximize)
    tested = model.evaluate(dataset.x_test, dataset.y_test, verbose=0, return_dict=True)
    keras.backend.clear_session()
    return {
        "seed": recipe.trial_seed(config, record["trial_id"], repeat),
        "score": objective[best_epoch - 1] if best_epoch else math.nan,
        "best_epoch": best_epoch,
        "test": {name: float(value) for name, value in tested.items()},
        "history": history,
    }
