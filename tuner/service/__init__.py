"""The library layer: each job the toolkit does, as a function.

search, refit, repeat, evaluate, predict, forecast, export, best_model and report take a
typed Config or a run folder, return a frozen result (tuner.service.results) and raise the toolkit's
exceptions with their one-line message. Both front ends stand on it: tuner.cli parses arguments and
prints, tuner.api turns dicts and arrays into a Config; neither imports the other.

Nothing heavy is imported here: each job loads Keras (through tuner.engine) when it needs it.
"""

from tuner.service.finished_runs import (
    best_model,
    evaluate,
    export,
    forecast,
    predict,
    refit,
    repeat,
    report,
)
from tuner.service.results import (
    EvaluateResult,
    ExportResult,
    ForecastResult,
    PredictResult,
    RefitResult,
    SearchResult,
)
from tuner.service.search import search

__all__ = [
    "EvaluateResult",
    "ExportResult",
    "ForecastResult",
    "PredictResult",
    "RefitResult",
    "SearchResult",
    "best_model",
    "evaluate",
    "export",
    "forecast",
    "predict",
    "refit",
    "repeat",
    "report",
    "search",
]
