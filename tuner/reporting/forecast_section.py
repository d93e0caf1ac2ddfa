"""The Forecasts section of a regression run's report: the baselines table with a verdict that
holds at every step ahead, and the forecast figures. Reads best/predictions.npz and
best/test.json through tuner.run.results."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tuner.analysis.forecast import (
    MODEL,
    RESAMPLES,
    baseline_data,
    bias,
    block_length,
    horizon_data,
    outside,
    scatter_data,
    series_data,
    step_comparison,
)
from tuner.analysis.intervals import coverage_noise
from tuner.data.statistical import NAME as STATISTICAL
from tuner.numbers import is_finite_number
from tuner.reporting.figures.canvas import to_png
from tuner.reporting.figures.forecast import draw_horizon, draw_scatter, draw_series
from tuner.reporting.html import Block, Bullets, Image, Note
from tuner.run.results import BASELINE_NAMES, Predictions, load_predictions, read_test
from tuner.text import decimals, join_words, plural, significant


def regression_blocks(run_dir: Path) -> list[Block]:
    """The Forecasts section's blocks: the baselines table with a verdict, the model against
    each baseline step by step (better, worse or within the noise of a paired bootstrap) and
    what the noise is, predicted vs actual over time and as a scatter, and the error by horizon
    when horizon > 1."""
    predictions = load_predictions(run_dir)
    if predictions is None:
        return [
            Note(
                "No forecasts yet: best/predictions.npz does not exist or is unreadable. It is "
                "written when the search finishes."
            )
        ]
    test = read_test(run_dir)
    target = str(test.get("target", "target"))
    table = baseline_data(predictions, _naive(test, predictions))
    compared = _comparisons(predictions, test)
    blocks: list[Block] = [_intro(test, predictions), _table_text(table, test)]
    blocks.append(_verdict(table, compared))
    if compared:
        blocks.append(Bullets(tuple(_against(name, steps) for name, steps in compared.values())))
        blocks.append(_noise_text(*predictions.actual.shape))
    if predictions.series is None:  # many series: one range of all sizes says nothing
        blocks += _extrapolation_blocks(test, predictions)
    if isinstance(test.get("intervals"), dict):
        blocks.append(_intervals_text(test["intervals"], predictions.actual.size))
    shown, which = predictions.of_series(0), _first_series(test)
    blocks.append(
        Image(
            "forecast_series",
            f"Predicted vs actual over time (test split{which})",
            to_png(draw_series(series_data(shown), target)),
        )
    )
    if predictions.horizon > 1:
        last = predictions.horizon
        figure = draw_series(series_data(shown, last), target, last)
        blocks.append(Image(f"forecast_series_{last}", f"{last} steps ahead", to_png(figure)))
    scatter = draw_scatter(scatter_data(predictions), target)
    blocks.append(Image("forecast_scatter", "Predicted against actual", to_png(scatter)))
    if predictions.horizon > 1:
        figure = draw_horizon(horizon_data(predictions), target)
        blocks.append(Image("forecast_horizon", "Error by horizon", to_png(figure)))
    return blocks


def _naive(test: Mapping[str, Any], predictions: Predictions) -> float | np.ndarray | None:
    """MASE's denominators: the series' own, or with many series each one's (test.json)."""
    many = test.get("series")
    if predictions.series is not None and isinstance(many, dict):
        values = many.get("naive_mae")
        if isinstance(values, list) and len(values) > int(predictions.series.max(initial=0)):
            return np.array([v if is_finite_number(v) else np.nan for v in values], "float64")
        return None
    naive = test.get("naive_mae")
    return float(naive) if is_finite_number(naive) else None


def _first_series(test: Mapping[str, Any]) -> str:
    """With many series, which one the figures over time show."""
    many = test.get("series")
    ids = many.get("ids") if isinstance(many, dict) else None
    if not isinstance(ids, list) or not ids:
        return ""
    return f", series {ids[0]!r}, the first of {len(ids)}"


STATISTICAL_TEXT = (
    " Statistical baseline: exponential smoothing (statsmodels' ETS, additive errors, damped "
    "trend, a season where there is a period), fitted on the training part and forecast from "
    "each test window's last step."
)


def _extrapolation_blocks(test: Mapping[str, Any], predictions: Predictions) -> list[Block]:
    """Test targets beyond the training part's range, and forecasts that lean one way by
    more than the noise, with the remedy that fits the data's scaling."""
    out: list[Block] = []
    span = test.get("training_range")
    if isinstance(span, list) and len(span) == 2 and all(is_finite_number(v) for v in span):
        above, below = outside(predictions.actual, float(span[0]), float(span[1]))
        if above or below:
            parts = [
                f"{decimals(100 * share, 1)}% {where} its {edge} ({significant(value, 4)})"
                for share, where, edge, value in (
                    (above, "above", "highest", span[1]),
                    (below, "below", "lowest", span[0]),
                )
                if share
            ]
            out.append(
                f"Of the test targets, {join_words(parts)}: the test span leaves the training "
                "part's range, where a model that knows only the training levels cannot follow."
            )
    leaning = bias(predictions)
    if leaning.biased:
        way = "below" if leaning.mean < 0 else "above"
        if test.get("scaling") == "window":
            remedy = (
                "the model already sees each window relative to its level (data.scaling: "
                "window); a longer window or more epochs may let it learn the trend"
            )
        else:
            remedy = (
                "with data.scaling: series a model cannot forecast beyond the values it was "
                "trained on; use data.scaling: window (the default), which forecasts relative "
                "to each window's last value"
            )
        out.append(
            Note(
                f"The forecasts lean {way} the actual values: mean error "
                f"{significant(leaning.mean, 3)} (95% interval {significant(leaning.low, 3)} to "
                f"{significant(leaning.high, 3)}, the block bootstrap above), "
                f"{decimals(100 * leaning.below, 1)}% of them below. That is bias, not noise: "
                f"{remedy}."
            )
        )
    return out


def _intervals_text(found: Mapping[str, Any], values: int) -> str:
    """The prediction intervals' test coverage against their level, within its noise."""
    parts = []
    for name, entry in sorted(found.items(), key=lambda item: float(item[0])):
        level, got = float(name) / 100, entry.get("coverage")
        if not is_finite_number(got) or not is_finite_number(entry.get("mean_width")):
            parts.append(f"{name}%: too few validation windows to size it")
            continue
        noise = coverage_noise(level, values)
        judged = (
            "as promised"
            if abs(got - level) <= noise
            else ("too narrow" if got < level else "wider than needed")
        )
        parts.append(
            f"{name}% intervals (mean width {significant(entry['mean_width'], 3)}) held "
            f"{decimals(100 * got, 1)}% of the test values, {judged} (±{decimals(100 * noise, 1)} "
            f"points: the noise of a coverage of {plural(values, 'value')} taken as independent; "
            "neighbouring forecasts' errors are not, so the true noise is larger)"
        )
    return (
        "Prediction intervals: split conformal, the forecast ± the validation windows' absolute "
        "error at that level's rank, per step ahead (best/predictions.npz: lower_80, upper_80, "
        f"lower_95, upper_95). {'; '.join(parts)}. A series whose noise grows with its level "
        "gets intervals too narrow where it is high: the coverage above says whether it did."
    )


def _intro(test: Mapping[str, Any], predictions: Predictions) -> str:
    samples, horizon = predictions.actual.shape
    steps = "1 step ahead" if horizon == 1 else f"1 to {horizon} steps ahead"
    window = plural(test["window"], "step") if test.get("window") else "a window"
    target = f"the target ({test['target']})" if test.get("target") else "the target"
    season = f"; the value one season ({plural(test['period'], 'step')}) before"
    lag = plural(test["period"], "step") if test.get("period") else "1 step"
    scaled = (
        f" MASE is MAE over the training part's own naive error (each value forecast by the one "
        f"{lag} before: MAE {significant(test['naive_mae'], 4)}), as in M4: below 1 beats that "
        "naive forecast on the data it was fitted to."
        if is_finite_number(test.get("naive_mae"))
        else ""
    )
    many = test.get("series")
    if isinstance(many, dict) and isinstance(many.get("ids"), list):
        scaled = (
            f" {plural(len(many['ids']), 'series', 'series')}, one model: MASE is each series' "
            f"MAE over its own training part's naive error (each value forecast by the one {lag} "
            "before), then the mean over series (M4's), with the median beside it; below 1 "
            "beats that naive forecast on the data it was fitted to. MAE, RMSE and sMAPE pool "
            "every series' windows, so the largest series weigh most in MAE and RMSE."
        )
    return (
        f"The best trial's model reads {window} and forecasts {target} {steps}; "
        f"{plural(samples, 'test window')}. MAE and RMSE are in the target's units, sMAPE in "
        f"percent (M4's symmetric form).{scaled} Naive baselines: the last value seen, repeated"
        + (season if test.get("period") else "")
        + "."
        + (STATISTICAL_TEXT if STATISTICAL in predictions.baselines else "")
    )


def _table_text(table: pd.DataFrame, test: Mapping[str, Any]) -> pd.DataFrame:
    best = (test.get("trials") or [{}])[0].get("trial_id")
    names = {**BASELINE_NAMES, MODEL: f"model (trial {best})" if best is not None else "model"}
    if test.get("period"):
        names["seasonal_naive"] = f"seasonal naive (period {test['period']})"
    return pd.DataFrame(
        {
            "forecast": [names.get(n, n) for n in table["forecast"]],
            "test MAE": [significant(v, 4) for v in table["mae"]],
            "test RMSE": [significant(v, 4) for v in table["rmse"]],
            "sMAPE": [f"{decimals(v, 2)}%" for v in table["smape"]],
            **({"MASE": [decimals(v, 3) for v in table["mase"]]} if "mase" in table else {}),
            **(
                {"MASE, median over series": [decimals(v, 3) for v in table["mase_median"]]}
                if "mase_median" in table
                else {}
            ),
            "MAE / model's": [decimals(v, 2) for v in table["mae_ratio"]],
        }
    )


def _comparisons(
    predictions: Predictions, test: Mapping[str, Any]
) -> dict[str, tuple[str, pd.DataFrame]]:
    """Each baseline's name as the report says it, and the model against it step by step."""
    return {
        name: (_baseline_name(name, test), step_comparison(predictions, name))
        for name in predictions.baselines
    }


def _baseline_name(name: str, test: Mapping[str, Any]) -> str:
    said = f"the {BASELINE_NAMES.get(name, name)} baseline"
    return (
        f"{said} (period {test['period']})"
        if name == "seasonal_naive" and test.get("period")
        else said
    )


def _verdict(table: pd.DataFrame, compared: dict[str, tuple[str, pd.DataFrame]]) -> str | Note:
    """One line: whether the model beats every baseline at every step by more than the noise,
    or where it is worse, with what to do."""
    if not compared:
        return "No baseline to compare with."
    single = all(len(steps) == 1 for _, steps in compared.values())
    worse = [
        name if single else f"{name} at {_steps(list(steps['step'][steps['outcome'] == 'worse']))}"
        for name, steps in compared.values()
        if (steps["outcome"] == "worse").any()
    ]
    if worse:
        where = "" if single else " where it is worse"
        return Note(
            f"The model is worse than {join_words(worse)}, by more than the noise: use that "
            f"forecast{where}, or search longer (more epochs or trials), widen the window, or "
            "check the data's scaling (data.scaling: window lets a forecast leave the training "
            "range)."
        )
    model, baselines = table.iloc[0], table.iloc[1:]
    best = baselines.loc[baselines["mae"].idxmin()]
    name = BASELINE_NAMES.get(str(best["forecast"]), str(best["forecast"]))
    mae = (
        f"test MAE {significant(model['mae'], 4)} against {significant(best['mae'], 4)} for the "
        f"best of them ({name})"
    )
    if all((steps["outcome"] == "better").all() for _, steps in compared.values()):
        if single:
            return f"The model beats every baseline by more than the noise: {mae}."
        return (
            "The model beats every baseline at every step ahead by more than the noise: "
            f"{mae} over all steps."
        )
    if single:
        return (
            "No baseline beats the model by more than the noise, but the model does not "
            f"beat every one either: {mae}."
        )
    return (
        "No baseline beats the model by more than the noise at any step, but the model "
        f"does not beat every one at every step either: {mae} over all steps."
    )


def _against(name: str, steps: pd.DataFrame) -> str:
    """The model against one baseline: where it is better, worse or within the noise."""
    if len(steps) == 1:
        return _against_once(name, steps.iloc[0])
    parts = []
    for outcome, how in (("better", "lower"), ("worse", "higher"), ("noise", "")):
        part = steps[steps["outcome"] == outcome]
        if part.empty:
            continue
        where = "every step" if len(part) == len(steps) else _steps(list(part["step"]))
        if outcome == "noise":
            parts.append(f"within the noise at {where}")
            continue
        margins = _margins(part["difference"].abs())
        by = margins[0] if len(margins) == 1 else f"{margins[0]} to {margins[-1]}"
        parts.append(f"{outcome} at {where} (test MAE {how} by {by})")
    return f"Against {name}: {join_words(parts)}."


def _margins(values: pd.Series) -> list[str]:
    """Distinct margins, smallest first, all at one precision: 3 significant digits of the
    largest (13.0 to 30.1, not 13 to 30.1)."""
    largest = float(values.max())
    places = max(0, 2 - math.floor(math.log10(largest))) if largest > 0 else 0
    return sorted({decimals(v, places) for v in values}, key=float)


def _against_once(name: str, row: pd.Series) -> str:
    """Horizon 1: the one step, with both MAEs and the interval of the difference."""
    mae = f"test MAE {significant(row['model'], 4)} against {significant(row['baseline'], 4)}"
    if row["outcome"] == "noise":
        return (
            f"Against {name}: within the noise, {mae} (the 95% interval of the difference, "
            f"{significant(row['low'], 3)} to {significant(row['high'], 3)}, includes 0)."
        )
    sign, how = (-1, "lower") if row["outcome"] == "better" else (1, "higher")
    low, high = sorted((sign * row["low"], sign * row["high"]))
    return (
        f"Against {name}: {row['outcome']}, {mae} ({how} by "
        f"{significant(sign * row['difference'], 3)}, 95% interval {significant(low, 3)} to "
        f"{significant(high, 3)})."
    )


def _noise_text(windows: int, horizon: int) -> str:
    length = block_length(windows, horizon)
    return (
        "Better or worse means that the 95% interval of the difference in test MAE excludes 0, "
        f"else it is within the noise: {RESAMPLES} bootstrap resamples of the "
        f"{plural(windows, 'test window')}, the same windows for the model and the baseline, "
        f"drawn in blocks of {plural(length, 'consecutive window')} (neighbouring windows' "
        "errors are not independent)."
    )


def _steps(steps: list[int]) -> str:
    """'step 4', 'steps 1–3', 'steps 1, 3 and 5–7'."""
    runs: list[list[int]] = []
    for step in steps:
        if runs and step == runs[-1][-1] + 1:
            runs[-1].append(step)
        else:
            runs.append([step])
    parts = [str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs]
    return f"{'step' if len(steps) == 1 else 'steps'} {join_words(parts)}"
