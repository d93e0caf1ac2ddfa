"""The recording half of our tuner: mixed in before a keras-tuner Tuner class, it writes one
record per finished trial with the full per-epoch history (keras-tuner keeps only the best
epoch's metrics), seeds each trial, passes the batch size, keeps the time budget, and replays
a trial recorded before a kill instead of training it again.

A cross-validated search (search.cv) trains each trial once per fold as keras-tuner's
executions (executions_per_trial = K), each on its fold's data, so keras-tuner's own loop,
callbacks and best-epoch checkpoint serve folds unchanged; the score is the mean over folds.
A trial pruned in a fold trains no further folds. A trial killed between folds is trained
again from its first fold on resume (its record is written only when every fold is done)."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

import keras
import keras_tuner as kt
import numpy as np

from tuner.config.schema import Config
from tuner.data.datasets import Dataset
from tuner.data.folds import ValidationPlan
from tuner.engine import kt_compat, memory, recipe, resume, signals
from tuner.engine.callbacks import (
    EpochProgress,
    EpochTimer,
    ReportEpoch,
    StopOnNonFinite,
    StopOnSignal,
)
from tuner.engine.forecast_scores import ForecastScores
from tuner.engine.progress import Progress
from tuner.engine.pruning import PruneHopeless
from tuner.export import tensorboard
from tuner.numbers import is_finite_number
from tuner.run import layout, records, role
from tuner.run.records import FoldResult, TrialRecord
from tuner.run.run import load_run


class Recorder:
    """Mixed in before a keras-tuner Tuner class: per-trial records, seeds, batch size, budget."""

    def __init__(
        self,
        *,
        config: Config,
        dataset: Dataset,
        plan: ValidationPlan,
        run_dir: Path,
        progress: Progress,
        **kwargs: Any,
    ):
        self.config = config
        self.dataset = dataset
        self.plan = plan
        self.run_dir = run_dir
        self.progress = progress
        self._next_fold: dict[str, int] = {}
        self.search_started = time.monotonic()
        self._started: dict[str, float] = {}
        self._histories: dict[str, list[Any]] = {}
        self._kept: dict[str, TrialRecord] = {}  # recorded before a kill, see on_trial_end
        self._attempts: dict[str, int] = {}
        self._epoch_seconds: dict[str, list[float]] = {}
        self._trained = 0  # trials this process trained (not replayed from their records)
        self._pruners: dict[str, PruneHopeless] = {}
        super().__init__(**kwargs)

    def pre_create_trial(self) -> None:
        signals.check()
        budget = self.config.time_budget_s
        over_budget = budget is not None and time.monotonic() - self.search_started > budget
        # search.isolate: this process trains one trial (its launcher starts the next) or none
        limit = role.current().trials_here
        if over_budget or (limit is not None and self._trained >= limit):
            # No new trial: keras-tuner stops once max_trials are created.
            self.oracle.max_trials = len(self.oracle.trials)  # type: ignore[attr-defined]

    def _build_and_fit_model(self, trial: kt.engine.trial.Trial, *args: Any, **kwargs: Any) -> Any:
        # keras-tuner's TunerCallback only forwards to this tuner's on_batch_*/on_epoch_* hooks,
        # which keras-tuner leaves as no-ops and we do not override. Its batch hooks alone make
        # Keras wait for every step before the next (1.5x per epoch on an H100): leave it out.
        callbacks = kwargs.get("callbacks", [])
        kwargs["callbacks"] = [c for c in callbacks if not isinstance(c, kt_compat.TunerCallback)]
        if self.plan.cross_validates:
            fold = self.plan.folds[self._next_fold[trial.trial_id]]
            self._next_fold[trial.trial_id] += 1
            pruner = self._pruners.get(trial.trial_id)
            if pruner is not None and pruner.reason is not None:
                return None  # hopeless after an earlier fold: the remaining folds are skipped
            data = recipe.fit_arguments(self.config, self.dataset, validate=True, fold=fold)
            for key in ("x", "y", "validation_data", "class_weight", "sample_weight"):
                kwargs[key] = data[key]
            # the fold's val_mase/val_smape in place of the split's, still first
            rest = [c for c in kwargs["callbacks"] if not isinstance(c, ForecastScores)]
            scores = [c for c in data["callbacks"] if isinstance(c, ForecastScores)]
            kwargs["callbacks"] = [*scores, *rest]
        return super()._build_and_fit_model(trial, *args, **kwargs)  # type: ignore[misc]

    def on_trial_begin(self, trial: kt.engine.trial.Trial) -> None:
        self._started[trial.trial_id] = time.monotonic()
        memory.reset_peak()  # the record's peak_memory_mb is this trial's own
        kept = records.read_record(self.run_dir, trial.trial_id)
        if kept is not None:
            self._kept[trial.trial_id] = kept
        else:
            self._attempts[trial.trial_id] = records.note_attempt(self.run_dir, trial.trial_id)
        super().on_trial_begin(trial)  # type: ignore[misc]

    def _recorded(self, hp: kt.HyperParameters) -> dict[str, Any]:
        """The trial's values as its record keeps them: batch_size the one it trained with
        (the space's default is the data-sized batch of recipe.batch_size; keras-tuner's own
        values stay as its oracle made them, so it still knows which points it tried)."""
        if "batch_size" not in hp.values:  # a factory's space may leave it out
            return dict(hp.values)
        return {**hp.values, "batch_size": recipe.batch_size(self.config, hp, self.dataset)}

    def run_trial(self, trial: kt.engine.trial.Trial, *args: Any, **kwargs: Any) -> Any:
        hp = trial.hyperparameters
        size = recipe.batch_size(self.config, hp, self.dataset)
        if trial.trial_id in self._kept:
            kept = self._kept[trial.trial_id]
            return resume.replay_record(kept, self._recorded(hp), layout.kt_dir(self.run_dir))
        if trial.metrics.metrics:  # scores of an attempt killed before it was recorded
            trial.metrics = type(trial.metrics)()  # MetricsTracker, not exported by keras-tuner
        keras.utils.set_random_seed(recipe.trial_seed(self.config, trial.trial_id))
        kwargs["batch_size"] = size
        timer = EpochTimer()
        self._epoch_seconds[trial.trial_id] = timer.seconds
        epochs = _epochs_requested(trial, self.config.search.epochs)
        shown = EpochProgress(
            self.progress, trial.trial_id, epochs, self.config.objective, len(self.plan.folds)
        )
        extra = [StopOnNonFinite(), StopOnSignal(), timer, shown]
        rule = self.config.search.pruning
        if rule is not None:
            pruner = PruneHopeless(
                rule,
                self.run_dir,
                self.config.objective,
                self.config.direction == "max",
                trial.trial_id,
            )
            self._pruners[trial.trial_id] = pruner
            extra.append(pruner)
        report = getattr(self.oracle, "report_epoch", None)  # type: ignore[attr-defined]
        if report is not None:
            extra.append(ReportEpoch(report, trial.trial_id, self.config.objective))
        kwargs["callbacks"] = [*kwargs.get("callbacks", []), *extra]
        self._next_fold[trial.trial_id] = 0
        self._trained += 1
        histories = super().run_trial(trial, *args, **kwargs)  # type: ignore[misc]
        histories = [h for h in histories if h is not None]  # folds skipped after pruning
        signals.check()  # a signal stopped fit early: this attempt is not a result
        self._histories[trial.trial_id] = histories
        for history in histories:
            for name in dict.fromkeys(("loss", self.config.objective)):
                values = history.history.get(name, [])
                bad_epoch = _first_non_finite(values)
                if bad_epoch is not None:
                    raise kt.errors.FailedTrialError(
                        f"{name} became {values[bad_epoch - 1]} at epoch {bad_epoch}"
                    )
        return histories

    def on_trial_end(self, trial: kt.engine.trial.Trial) -> None:
        # Our record first. A kill before keras-tuner's end_trial makes it run the trial again
        # on resume; on_trial_begin then finds the record, and run_trial replays it unchanged.
        kept = self._kept.pop(trial.trial_id, None)
        record = kept or self._keep(self._record(trial))
        super().on_trial_end(trial)  # type: ignore[misc]
        if kept is None and record is not None:
            finished = records.read_records(self.run_dir)[0]
            if self.config.search.storage is not None:  # other processes' trials count too
                self.progress.done = len(finished) - 1
            ranked = records.ranked(finished)
            self.progress.trial_finished(record, ranked[0] if ranked else None)
            if self.config.search.tensorboard:
                folder = layout.tensorboard_dir(self.run_dir)
                tensorboard.write_trial(folder, record)
                tensorboard.write_experiment(load_run(self.run_dir), folder)

    def _keep(self, record: TrialRecord) -> TrialRecord | None:
        """Write the record; a search.storage oracle tells its study first, and keeps nothing
        of a trial given up meanwhile (tuner.engine.study_oracle)."""
        keep = getattr(self.oracle, "keep_record", None)  # type: ignore[attr-defined]
        if keep is None:
            return records.add_record(self.run_dir, record)
        kept: TrialRecord | None = keep(self.run_dir, record)
        if kept is None:
            print(
                f"note: trial {record['trial_id']} was handed to another process while this one "
                "went silent (search.storage's grace period); its result here is dropped",
                file=sys.stderr,
            )
        return kept

    def _record(self, trial: kt.engine.trial.Trial) -> TrialRecord:
        histories = self._histories.pop(trial.trial_id, [])
        history = _plain_history(histories[0].history) if histories else {}
        failed = trial.status != kt.engine.trial.TrialStatus.COMPLETED
        requested = _epochs_requested(trial, self.config.search.epochs)
        epochs_run = len(history.get("loss", []))
        score = None if failed else _score(histories, self.config)
        model = histories[0].model if histories else None
        values = self._recorded(trial.hyperparameters)
        pruner = self._pruners.pop(trial.trial_id, None)
        pruned = None if failed or pruner is None else pruner.reason
        status = records.FAILED if failed else records.PRUNED if pruned else records.COMPLETED
        record: TrialRecord = {
            "trial_id": trial.trial_id,
            "number": 0,  # the finishing order, given by records.add_record
            "status": status,
            "hyperparameters": {
                k: _plain(v) for k, v in values.items() if not k.startswith("tuner/")
            },
            "schedule": {k: _plain(v) for k, v in values.items() if k.startswith("tuner/")},
            "objective": self.config.objective,
            "direction": "max" if self.config.direction == "max" else "min",
            "score": None if score is None else float(score),
            "best_epoch": None if failed else _best_epoch(history, self.config),
            "epochs_run": epochs_run,
            "epochs_requested": requested,
            "stopped_early": 0 < epochs_run < requested,
            "steps_per_epoch": histories[0].params.get("steps") if histories else None,
            "history": history,
            "epoch_seconds": self._epoch_seconds.pop(trial.trial_id, [])[:epochs_run],
            "seconds": round(
                time.monotonic() - self._started.pop(trial.trial_id, time.monotonic()), 3
            ),
            "parameters": int(model.count_params()) if model is not None else None,
            "error": _first_error_line(trial.message) if failed else None,
            "attempts": self._attempts.pop(trial.trial_id, 1),  # > 1: interrupted, run again
            "finished_at": round(time.time(), 3),
            "peak_memory_mb": memory.peak_mb(),
        }
        if pruned:
            record["pruned"] = pruned
        if self.plan.cross_validates and histories:
            record["folds"] = [_fold(i, h.history, self.config) for i, h in enumerate(histories)]
            scores = [f["score"] for f in record["folds"] if is_finite_number(f["score"])]
            record["fold_sd"] = statistics.stdev(scores) if len(scores) > 1 else 0.0
        elif len(histories) > 1:  # executions_per_trial > 1: every execution's, the first too
            record["executions"] = [_plain_history(h.history) for h in histories]
        return record


def _plain(value: Any) -> Any:
    """numpy scalars (from the Bayesian oracle) -> Python, so JSON and YAML can hold them."""
    return value.item() if isinstance(value, np.generic) else value


def _plain_history(history: dict[str, list[Any]]) -> dict[str, list[float]]:
    return {name: [float(v) for v in values] for name, values in history.items()}


def _first_non_finite(values: list[float]) -> int | None:
    for epoch, value in enumerate(values, start=1):
        if not is_finite_number(value):
            return epoch
    return None


def _score(histories: list[Any], config: Config) -> float | None:
    """keras-tuner's score, computed here because a worker's trial object never sees it:
    the objective at each execution's best epoch, averaged over executions."""
    best = []
    for history in histories:
        epoch = _best_epoch(_plain_history(history.history), config)
        if epoch is not None:
            best.append(history.history[config.objective][epoch - 1])
    return float(np.mean(best)) if best else None


def _best_epoch(history: dict[str, list[float]], config: Config) -> int | None:
    return records.best_epoch_of(history, config.objective, config.direction == "max")


def _fold(index: int, raw: dict[str, list[Any]], config: Config) -> FoldResult:
    history = _plain_history(raw)
    epoch = _best_epoch(history, config)
    score = history[config.objective][epoch - 1] if epoch else None
    return {
        "fold": index,
        "score": score,
        "best_epoch": epoch,
        "epochs_run": len(history.get("loss", [])),
        "history": history,
    }


def _epochs_requested(trial: kt.engine.trial.Trial, epochs: int) -> int:
    values = trial.hyperparameters.values
    if "tuner/epochs" in values:  # hyperband: this round's share of the epochs
        return int(values["tuner/epochs"]) - int(values.get("tuner/initial_epoch", 0))
    return epochs


def _first_error_line(message: str | None) -> str:
    """The exception line of a keras-tuner traceback message."""
    lines = [line.strip() for line in (message or "").strip().splitlines() if line.strip()]
    if not lines:
        return "unknown error"
    kind, sep, text = lines[-1].partition(": ")
    kind = kind.rsplit(".", 1)[-1]  # keras_tuner.src.errors.FailedTrialError -> FailedTrialError
    if kind == "FailedTrialError":  # raised by us with the reason as its whole message
        return text[:300]
    return f"{kind}{sep}{text}"[:300]
