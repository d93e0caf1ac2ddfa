"""A run's review: every diagnostic finding, the hyperparameter importance and the next config,
computed once from the run's records and shared by the report's sections."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tuner.analysis import training
from tuner.analysis.findings import Context, Finding
from tuner.analysis.importance import Importance, estimate
from tuner.analysis.next_config import next_config
from tuner.config.sections import REGRESSION_DATASETS
from tuner.run.run import Run


@dataclass(frozen=True)
class Review:
    findings: list[Finding]
    importance: Importance
    next_config: dict[str, Any] | None  # None: ``why`` says why there is no next.yaml
    changes: list[str]  # each change next.yaml makes, in words
    why: str = ""


def review(run: Run) -> Review:
    ctx = context(run)
    assert ctx.importance is not None
    found = training.diagnose(ctx)
    config, changes, why = next_config(run, found)
    return Review(found, ctx.importance, config, changes, why)


def context(run: Run) -> Context:
    config = run.config
    params = {p.name: p for p in config.space.params} if config is not None else {}
    names = run.varying()
    summary = run.info.get("dataset") or {}
    classes = summary.get("num_classes") if summary.get("task") == "classification" else None
    return Context(
        records=run.records,
        varying=names,
        params=params,
        raw_space=dict(config.raw_space) if config is not None else {},
        epochs=config.search.epochs if config is not None else None,
        algorithm=config.search.algorithm if config is not None else None,
        importance=estimate(run.records, names, params, summary.get("validation")),
        validation_samples=summary.get("validation"),
        series=config is not None and config.data.dataset in REGRESSION_DATASETS,
        factory=config is not None and config.model.factory is not None,
        classes=classes if isinstance(classes, int) and classes >= 2 else None,
    )
