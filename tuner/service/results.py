"""What the library's jobs return: frozen, typed results (the dict-shaped parts are the typed
contents of best/test.json, tuner.run.results)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tuner.config.schema import Config
from tuner.run.results import EvaluationSummary, RefitEntry, RepeatEntry, TrialEvaluation

if TYPE_CHECKING:  # pandas is imported by the jobs that make these, not by importing the API
    import pandas as pd


@dataclass(frozen=True)
class SearchResult:
    """How a search ended. ``summary`` is best/test.json (None when no trial completed);
    ``leads`` is False in a distributed worker, which leaves the outcome to the chief;
    ``already_done``: the search had finished before and nothing was run."""

    config: Config
    run_dir: Path
    summary: EvaluationSummary | None
    leads: bool = True
    already_done: bool = False

    @property
    def best(self) -> TrialEvaluation | None:
        """The best trial with its validation score and test metrics."""
        return self.summary["trials"][0] if self.summary else None

    @property
    def repeats(self) -> list[RepeatEntry] | None:
        return self.summary.get("repeats") if self.summary else None

    @property
    def refit(self) -> RefitEntry | None:
        return self.summary.get("refit") if self.summary else None

    @property
    def failure(self) -> str | None:
        """Why there is no best model, or None when there is one (or this is a worker)."""
        if self.summary is not None or not self.leads:
            return None
        return (
            f"no trial completed, so there is no best model; see the errors in "
            f"{self.run_dir}/trials/"
        )


@dataclass(frozen=True)
class RefitResult:
    run_dir: Path
    refit: RefitEntry


@dataclass(frozen=True)
class EvaluateResult:
    """The best model's metrics on the user's data, and warnings about that data (inputs far
    from the training range); a classifier's per-class table (class, samples, precision,
    recall), a series' naive baselines' errors (name -> mae, rmse)."""

    run_dir: Path
    data: Path
    metrics: dict[str, float]
    warnings: tuple[str, ...] = ()
    samples: int = 0
    per_class: pd.DataFrame | None = None
    baselines: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class PredictResult:
    """The best model's predictions, one row per sample (pandas): the sample's id, then the
    class called and each class's probability, or the forecasts; ``out``: the CSV written."""

    run_dir: Path
    data: Path | None
    frame: pd.DataFrame
    warnings: tuple[str, ...] = ()
    out: Path | None = None


@dataclass(frozen=True)
class ExportResult:
    """What `export` wrote: TensorBoard's folder and trial count, Optuna's storage, study name
    and trial count (None where not asked)."""

    tensorboard: tuple[Path, int] | None = None
    optuna: tuple[str, str, int] | None = None


@dataclass(frozen=True)
class ForecastResult:
    """tuner forecast: the forecasts after the series' last step, one row per step ahead
    (series, time, step, forecast and the intervals' bounds), the CSV written and its figure."""

    run_dir: Path
    data: Path | None
    frame: pd.DataFrame
    out: Path | None
    figure: Path | None = None  # beside out: each series' history and forecasts (PNG)
