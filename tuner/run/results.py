"""The search's results in best/: test.json (top-k test metrics), predictions.npz (a
regression model's test forecasts) and test_classes.npz (a classifier's test predictions).
One writer and one reader for each, so the engine that writes them and the report that reads
them agree on the format."""

from __future__ import annotations

import hashlib
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict, cast

import numpy as np

from tuner.errors import UserInputError
from tuner.run import atomic, layout
from tuner.text import plural

BASELINE_NAMES = {
    "last_value": "last value",
    "seasonal_naive": "seasonal naive",
    "ets": "ETS (statsmodels, damped trend)",
}
TestScores = dict[str, dict[str, float]]  # trial_id -> test metric -> value, best trial first


class TrialEvaluation(TypedDict):
    """One of the top trials scored on the test split (rank 1 is the exported model)."""

    rank: int
    trial_id: str
    score: float
    test: dict[str, float]


class Spread(TypedDict):
    mean: float
    sd: float
    n: int


class RepeatEntry(TypedDict):
    """report.repeats: one top trial trained again with other seeds."""

    trial_id: str
    search_score: float | None
    validation: Spread
    test: dict[str, Spread]
    runs: list[dict[str, Any]]  # each repeat: seed, score, best_epoch, test, history


class RefitEntry(TypedDict):
    """The best trial trained again on training + validation (search.refit, tuner refit)."""

    trial_id: str
    epochs: int
    samples: int
    test: dict[str, float]
    search_model: str  # the file in best/ that keeps the search's own checkpoint


class FinalModelEntry(TypedDict):
    """One recipe for the exported model (search.final_model), tested: the exported one and
    those tested beside it. Never chosen by its test score: the config chooses."""

    recipe: str  # checkpoint, refit, refit_stopped or ensemble
    trial_id: str
    models: int  # 1, or the fold models the ensemble averages
    epochs: list[int]  # each model's epochs of training (the checkpoint: to its best epoch)
    samples: int  # the samples each model trained on (the ensemble: a fold's, on average)
    test: dict[str, float]
    exported: bool  # best/model.keras is this recipe's model


def final_model_entry(
    recipe: str,
    trial_id: str,
    epochs: list[int],
    samples: int,
    tested: dict[str, float],
    *,
    exported: bool,
) -> FinalModelEntry:
    return {
        "recipe": recipe,
        "trial_id": trial_id,
        "models": len(epochs),
        "epochs": [int(e) for e in epochs],
        "samples": int(samples),
        "test": {metric: float(value) for metric, value in tested.items()},
        "exported": exported,
    }


def export_later(summary: EvaluationSummary, entry: FinalModelEntry) -> None:
    """A final model made after the search (tuner refit) is now best/model.keras: it takes
    the ``exported`` mark from search.final_model's, and replaces an earlier entry of its
    recipe in place or comes last. So final_models[0] stays the config's choice, and an
    exported entry anywhere else was made later (the report says so)."""
    finals = [dict(e, exported=False) for e in summary.get("final_models") or []]
    if not finals:
        return  # the search made no final models (an older run): test.json's refit says it
    same = [i for i, e in enumerate(finals) if e["recipe"] == entry["recipe"]]
    if same:
        finals[same[0]] = dict(entry)
    else:
        finals.append(dict(entry))
    summary["final_models"] = cast(list[FinalModelEntry], finals)


def exported_final(finals: Any) -> tuple[int, dict[str, Any]] | None:
    """The exported entry of test.json's final_models and its place: 0 is search.final_model's
    choice, a later place a model made after the search (export_later)."""
    if not isinstance(finals, list):
        return None
    return next(
        ((i, e) for i, e in enumerate(finals) if isinstance(e, dict) and e.get("exported")), None
    )


def recipe_words(recipe: str, models: int) -> str:
    """What a final model recipe made, in words, for the terminal and the report."""
    return {
        "checkpoint": "the search's checkpoint at its best epoch",
        "refit": "trained again on training + validation",
        "refit_stopped": "trained again on training + validation, stopped on a held-back slice",
        "ensemble": f"the average of {plural(models, 'fold model')}",
    }.get(recipe, recipe)


class EvaluationSummary(TypedDict, total=False):
    """best/test.json: the top trials' test scores and what was learned after the search."""

    objective: str
    task: str
    test_samples: int
    trials: list[TrialEvaluation]
    labels: str  # classification: multiclass, binary or multilabel
    # regression: the forecast's shape and the naive baselines' test errors
    target: str
    window: int
    horizon: int
    period: int | None
    units: str
    naive_mae: float  # MASE's denominator: the training part's in-sample seasonal-naive MAE
    # data.series: each series' id, MASE denominator and test windows (ids, naive_mae,
    # test_windows); predictions.npz's series gives each test window's index in them
    series: dict[str, list[Any]]
    errors: dict[str, float]  # the exported model's mae, rmse, smape and mase
    # split conformal prediction intervals ("80", "95"): each step's margin (margins), the
    # test span's coverage and mean width
    intervals: dict[str, dict[str, Any]]
    scaling: str  # data.scaling: window, series or none
    training_range: list[float]  # [lowest, highest] target value of the training part
    baselines: dict[str, dict[str, float]]
    predictions: str
    repeats: list[RepeatEntry]
    refit: RefitEntry
    # every recipe of search.final_model that ran, the exported one first, and the request
    # as the config wrote it (a resume redoes the step when the config asks for another)
    final_models: list[FinalModelEntry]
    final_model: str | list[str]
    model_sha256: str  # best/model.keras's fingerprint: test.json describes that very file
    # the top trials within one score's noise of the best, in the order their validation loss
    # gave them (tuner.analysis.selection), and that noise
    tied: list[str]
    tie_noise: float


def write_test(run_dir: Path, summary: EvaluationSummary) -> None:
    atomic.write_json(layout.test_file(run_dir), summary)


def model_fingerprint(run_dir: Path) -> str | None:
    """The SHA-256 of best/model.keras, or None when there is none."""
    try:
        return hashlib.sha256(layout.model_file(run_dir).read_bytes()).hexdigest()
    except OSError:
        return None


def best_is_complete(
    run_dir: Path, refit: bool, repeats: bool, final_model: str | list[str] = "auto"
) -> bool:
    """best/ holds one consistent state with every step the config asks for: test.json
    readable and naming its trials, model.keras the file test.json describes (a kill between
    the two leaves them apart), the final model, the refit and the repeats done when asked."""
    summary = read_test(run_dir)
    if not summary.get("trials"):
        return False
    expected = summary.get("model_sha256")  # absent in runs written before it was kept
    if expected is not None and expected != model_fingerprint(run_dir):
        return False
    if summary.get("final_model") != final_model:
        return False
    return (not refit or "refit" in summary) and (not repeats or "repeats" in summary)


def read_test(run_dir: Path) -> EvaluationSummary:
    """best/test.json as written, or {} when it is missing or unreadable."""
    try:
        test = json.loads(layout.test_file(run_dir).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(test, dict):
        return {}
    trials = test.get("trials")
    if isinstance(trials, list):
        test["trials"] = [
            {**t, "test": _metrics(t["test"])} if isinstance(t, dict) and "test" in t else t
            for t in trials
        ]
    return cast(EvaluationSummary, test)


def _metrics(values: Any) -> Any:
    """Test metrics as read: a NaN or infinite value is written as null, and read as NaN."""
    if not isinstance(values, dict):
        return values
    return {name: math.nan if value is None else value for name, value in values.items()}


def read_test_scores(run_dir: Path) -> tuple[TestScores | None, int | None, str]:
    """Each evaluated trial's test metrics and the test sample count; None with a note when
    test.json is unreadable, None without one when it does not exist (yet)."""
    file = layout.test_file(run_dir)
    if not file.exists():
        return None, None, ""
    try:
        summary = json.loads(file.read_text())
        trials = {str(t["trial_id"]): _metrics(dict(t["test"])) for t in summary["trials"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        problem = exc.__class__.__name__
        return None, None, f"best/test.json is unreadable ({problem}); test scores are left out."
    samples = summary.get("test_samples")
    if summary.get("labels") == "multilabel":
        # Its accuracy is the share of labels right, and one sample's labels are not
        # independent draws: no binomial interval over the samples applies.
        samples = None
    return trials, samples if isinstance(samples, int) and samples > 0 else None, ""


@dataclass(frozen=True)
class Predictions:
    """The best model's test forecasts, each array (samples, horizon), in target units."""

    time: np.ndarray  # labels of the predicted time steps, as text
    actual: np.ndarray
    predicted: np.ndarray
    baselines: dict[str, np.ndarray]
    series: np.ndarray | None = None  # data.series: (samples,) each window's series index

    @property
    def horizon(self) -> int:
        return int(self.actual.shape[1])

    def of_series(self, index: int) -> Predictions:
        """The windows of one series (all of them where there is one series)."""
        if self.series is None:
            return self
        mine = self.series == index
        baselines = {name: values[mine] for name, values in self.baselines.items()}
        return Predictions(self.time[mine], self.actual[mine], self.predicted[mine], baselines)


def load_predictions(run_dir: Path) -> Predictions | None:
    """best/predictions.npz, or None when it is missing or unreadable."""
    try:
        with np.load(layout.predictions_file(run_dir), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        baselines = {
            name.removeprefix("baseline_"): values
            for name, values in arrays.items()
            if name.startswith("baseline_")
        }
        return Predictions(
            arrays["time"], arrays["actual"], arrays["predicted"], baselines, arrays.get("series")
        )
    except (OSError, ValueError, KeyError):
        return None


def write_predictions(run_dir: Path, arrays: dict[str, Any]) -> None:
    """time, actual, predicted and baseline_<name> arrays, each (samples, horizon)."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    atomic.write_bytes(layout.predictions_file(run_dir), buffer.getvalue())


@dataclass(frozen=True)
class ClassPredictions:
    """The best classifier's test predictions: class indices, and the classes' names. A
    multi-label model's are (samples, labels) 0/1 matrices."""

    actual: np.ndarray  # (samples,) int, or (samples, labels) 0/1
    predicted: np.ndarray  # the same shape
    classes: tuple[str, ...]

    @property
    def multilabel(self) -> bool:
        return self.actual.ndim == 2


def write_class_predictions(run_dir: Path, predictions: ClassPredictions) -> None:
    buffer = io.BytesIO()
    np.savez(
        buffer,
        actual=predictions.actual.astype("int32"),
        predicted=predictions.predicted.astype("int32"),
        classes=np.asarray(predictions.classes, dtype=str),
    )
    atomic.write_bytes(layout.class_predictions_file(run_dir), buffer.getvalue())


def load_class_predictions(run_dir: Path) -> ClassPredictions | None:
    """best/test_classes.npz, or None when it is missing, unreadable or inconsistent."""
    try:
        with np.load(layout.class_predictions_file(run_dir), allow_pickle=False) as npz:
            actual, predicted = npz["actual"].astype(int), npz["predicted"].astype(int)
            classes = tuple(str(c) for c in npz["classes"])
    except (OSError, ValueError, KeyError):
        return None
    count = len(classes)
    if actual.shape != predicted.shape or not len(actual) or actual.ndim not in (1, 2):
        return None
    top = 1 if actual.ndim == 2 else count - 1
    if actual.ndim == 2 and actual.shape[1] != count:
        return None
    for values in (actual, predicted):
        if values.min() < 0 or values.max() > top:
            return None
    return ClassPredictions(actual, predicted, classes)


# ---- per-sample test outcomes -------------------------------------------------------------


@dataclass(frozen=True)
class PerSample:
    """The top trials' outcome on each test sample, all on the same samples in the same
    order: ``kind`` "correct" (classification: 1 right, 0 wrong) or "error" (regression: the
    absolute error, mean over the horizon, in target units)."""

    kind: str
    by_trial: dict[str, np.ndarray]  # trial_id -> (samples,), in rank order


def write_per_sample(run_dir: Path, outcome: PerSample) -> None:
    buffer = io.BytesIO()
    arrays = {f"trial_{tid}": values for tid, values in outcome.by_trial.items()}
    arrays |= {"kind": np.asarray(outcome.kind), "order": np.asarray(list(outcome.by_trial))}
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    atomic.write_bytes(layout.per_sample_file(run_dir), buffer.getvalue())


def load_per_sample(run_dir: Path) -> PerSample | None:
    """best/test_per_sample.npz, or None when missing, unreadable or inconsistent."""
    try:
        with np.load(layout.per_sample_file(run_dir), allow_pickle=False) as npz:
            kind, order = str(npz["kind"]), [str(t) for t in npz["order"]]
            by_trial = {tid: npz[f"trial_{tid}"].astype("float64") for tid in order}
    except (OSError, ValueError, KeyError):
        return None
    lengths = {len(v) for v in by_trial.values()}
    if (
        kind not in ("correct", "error")
        or len(lengths) != 1
        or any(v.ndim != 1 for v in by_trial.values())
    ):
        return None
    return PerSample(kind, by_trial)


def forecast_shape(run_dir: Path, steps: int | None) -> tuple[int, int, int]:
    """(window, horizon, steps) of a forecasting run's best model, from best/test.json, with
    ``steps`` (default: the horizon) checked against the horizon: a UserInputError names what
    is wrong before any model is loaded."""
    summary = read_test(run_dir)
    window, horizon = int(summary.get("window") or 0), int(summary.get("horizon") or 0)
    if not window or not horizon:
        raise UserInputError(
            "its best/test.json names no window or horizon: this is not a forecasting run, or "
            "its search has not finished; use tuner predict for a classifier",
            file=str(run_dir),
        )
    steps = horizon if steps is None else steps
    if not 1 <= steps <= horizon:
        raise UserInputError(
            f"{steps} is not among the 1 to {horizon} steps ahead the model forecasts "
            f"(data.horizon); search again with data.horizon: {steps} for more",
            key="--steps",
        )
    return window, horizon, steps
