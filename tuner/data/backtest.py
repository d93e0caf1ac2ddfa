"""data.backtest: the forecasting form of cross-validation, as folds of the one recipe.

Each of K backtest windows is an origin before the test span: window k validates on the
windows whose first target lies in its span of ``step`` steps (the K spans are the last
K x step steps before the test span, oldest first) and trains on every window whose targets
all lie before that span, so no fold learns from its own future (an expanding window, as in
statsforecast's cross_validation and rolling-origin evaluation). With many series the spans
are counted back from each series' own test span. The folds are index pairs into the pool
(training + validation windows), like K-fold's, so the search, pruning, records, resume and
the final model treat them alike. No Keras here.
"""

from __future__ import annotations

import numpy as np

from tuner.config.schema import Config
from tuner.config.sections import Backtest
from tuner.data import folds
from tuner.data.datasets import Dataset
from tuner.data.folds import Fold, ValidationPlan
from tuner.errors import DataError
from tuner.text import plural


def backtest_folds(offsets: np.ndarray, horizon: int, backtest: Backtest) -> list[Fold]:
    """K folds from each pool window's first-target offset (tuner.data.forecasting.Forecast's
    pool_offsets); a DataError (key data.backtest) when a window would validate or train on
    nothing."""
    folds = []
    reach = backtest.windows * backtest.step
    for k in range(backtest.windows):
        start = -reach + k * backtest.step  # this span's first step, before the test span
        validation = np.flatnonzero((offsets >= start) & (offsets < start + backtest.step))
        train = np.flatnonzero(offsets + horizon - 1 < start)
        if not len(validation) or not len(train):
            raise DataError(
                f"backtest window {k + 1} of {backtest.windows} ({_span(-start, backtest.step)} "
                "before the test span) has "
                f"{plural(len(train), 'window')} to train on and {len(validation)} to "
                f"validate on; the {plural(reach, 'step')} of {backtest.windows} x "
                f"{backtest.step} reach too far back (the earliest window to learn from forecasts "
                f"from {plural(-int(offsets.min()), 'step')} before it): lower windows or step",
                key="data.backtest",
            )
        folds.append(Fold(k, train, validation))
    return folds


def _span(first: int, step: int) -> str:
    return f"step {first}" if step == 1 else f"steps {first} to {first - step + 1}"


def validation_plan(config: Config, dataset: Dataset) -> ValidationPlan:
    """How the search validates: a series with data.backtest on its backtest windows, whatever
    search.cv says; anything else as search.cv says (tuner.data.folds.plan)."""
    backtest, forecast = config.data.backtest, dataset.forecast
    if backtest is not None and forecast is not None and forecast.pool_offsets is not None:
        made = backtest_folds(forecast.pool_offsets, forecast.horizon, backtest)
        why = (
            f"{backtest.windows} backtest windows of {plural(backtest.step, 'step')} before the "
            "test span, each trained on everything before it (data.backtest)"
        )
        return ValidationPlan(tuple(made), why)
    search = config.search
    return folds.plan(search.cv, dataset, config.seed, search.executions_per_trial)
