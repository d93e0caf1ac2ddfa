"""Figure data (compute) and figures (draw), each half on its own; Agg backend, no Keras."""

from __future__ import annotations

import math
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from helpers.records import make_record
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from tuner.analysis import importance
from tuner.config.space import Param
from tuner.reporting.figures import curves, forecast, history, parallel_coordinates, params
from tuner.reporting.figures import importance as importance_figure
from tuner.reporting.figures.canvas import to_png
from tuner.reporting.figures.shared_effects import draw_effects

PNG = b"\x89PNG\r\n\x1a\n"


PLOT_HISTORY = {  # best epoch 2 of 3, validation turning down after it
    "loss": [1.0, 0.8, 0.7],
    "val_loss": [1.1, 0.9, 0.95],
    "accuracy": [0.5, 0.6, 0.7],
    "val_accuracy": [0.4, 0.55, 0.5],
}


def record(trial_id: str, number: int, score: float | None, **extra: Any) -> dict[str, Any]:
    """A trial with PLOT_HISTORY (see helpers.records.make_record)."""
    shape = {"history": PLOT_HISTORY, "epochs_requested": 3, "stopped_early": False}
    return make_record(trial_id, number, score, **(shape | extra))


@pytest.fixture(autouse=True)
def no_figure_left_open() -> Any:
    yield
    assert plt.get_fignums() == [], "a figure was drawn and not closed"


def legend_labels(ax: Axes) -> list[str]:
    legend = ax.get_legend()
    assert legend is not None, f"no legend on {ax.get_title()!r}"
    return [text.get_text() for text in legend.get_texts()]


def scores(values: list[float | None], direction: str = "max") -> list[dict[str, Any]]:
    return [
        record(str(i), i + 1, v, direction=direction)
        | ({} if v is not None else {"status": "failed", "best_epoch": None})
        for i, v in enumerate(values)
    ]


def test_history_keeps_the_best_so_far_for_a_maximized_objective() -> None:
    data = history.history_data(scores([0.3, 0.5, None, 0.4, 0.7, 0.6]))
    assert list(data["number"]) == [1, 2, 4, 5, 6]  # the failed trial has no score to draw
    assert list(data["best_so_far"]) == [0.3, 0.5, 0.5, 0.7, 0.7]
    assert data["best_so_far"].is_monotonic_increasing


def test_history_keeps_the_best_so_far_for_a_minimized_objective() -> None:
    data = history.history_data(scores([0.9, 1.2, 0.4, 0.6, float("nan"), 0.2], direction="min"))
    assert list(data["trial_id"]) == ["0", "1", "2", "3", "5"]  # NaN is not a score
    assert list(data["best_so_far"]) == [0.9, 0.9, 0.4, 0.4, 0.2]
    assert data["best_so_far"].is_monotonic_decreasing


def test_history_of_no_trials_is_empty() -> None:
    assert history.history_data(scores([None])).empty and history.history_data([]).empty


def test_curves_keep_at_most_five_trials_in_rank_order_and_mark_the_best_epoch() -> None:
    top = scores([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    data = curves.curves_data(top)
    assert sorted(data["trial_id"].unique()) == ["0", "1", "2", "3", "4"]
    assert len(data) == 5 * 4 * 3  # trials x metrics x epochs
    assert set(data["metric"]) == {"loss", "accuracy"}
    assert set(data["split"]) == {"train", "validation"}
    best = data[data["best"]]
    assert set(best["epoch"]) == {2} and len(best) == 5 * 4
    first = data[(data["trial_id"] == "0") & (data["metric"] == "loss")]
    assert list(first[first["split"] == "validation"]["value"]) == [1.1, 0.9, 0.95]


def test_param_data_skips_failed_trials_and_inactive_parameters() -> None:
    records = scores([0.5, None, 0.7])
    records[0]["hyperparameters"] |= {"optimizer": "sgd", "momentum": 0.9}
    data = params.param_data(records, "momentum")
    assert list(data["trial_id"]) == ["0"] and list(data["value"]) == [0.9]
    assert list(params.param_data(records, "units")["trial_id"]) == ["0", "2"]


def test_axis_follows_the_sampling_and_kind_of_each_parameter() -> None:
    log = Param("learning_rate", "float", min=1e-4, max=1e-1, sampling="log")
    assert params.axis_for("learning_rate", log, [1e-3]).scale == "log"
    linear = Param("dropout", "float", min=0.0, max=0.5)
    assert params.axis_for("dropout", linear, [0.1]).scale == "linear"
    choice = Param("optimizer", "choice", values=("sgd", "adam"))
    axis = params.axis_for("optimizer", choice, ["adam", "rmsprop"])
    assert axis.scale == "category" and axis.categories == ("sgd", "adam", "rmsprop")
    unknown = params.axis_for("activation", None, ["tanh", "softsign"])
    assert unknown.scale == "category" and unknown.categories == ("softsign", "tanh")


def test_category_means_group_scores_in_declared_order() -> None:
    data = pd.DataFrame(
        {"trial_id": ["0", "1", "2"], "value": [True, False, True], "score": [0.2, 0.5, 0.4]}
    )
    groups = params.category_means(data, params.Axis("nesterov", "category", (False, True, "x")))
    assert list(groups["trials"]) == [1, 2, 0]
    assert groups["mean"][0] == 0.5 and groups["mean"][1] == pytest.approx(0.3)
    assert math.isnan(groups["mean"][2])


def test_history_figure_has_title_labels_and_a_legend_naming_the_best() -> None:
    fig = history.draw_history(history.history_data(scores([0.3, 0.5, 0.4])), "val_accuracy")
    ax = fig.axes[0]
    assert "Optimization history" in ax.get_title()
    assert ax.get_ylabel() == "val_accuracy (fraction correct)"
    labels = legend_labels(ax)
    assert labels == ["trial", "best so far", "best: trial 1, finished #2 (0.500)"]
    assert to_png(fig).startswith(PNG)


def test_curves_figure_has_a_panel_per_metric_and_names_the_trials() -> None:
    fig = curves.draw_curves(curves.curves_data(scores([0.9, 0.8])))
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["Learning curves: loss", "Learning curves: accuracy"]
    assert all(ax.get_xlabel() == "epoch (#)" for ax in fig.axes)
    assert [ax.get_ylabel() for ax in fig.axes] == [
        "loss (per sample; lower is better)",
        "accuracy (fraction correct)",
    ]
    labels = legend_labels(fig.axes[-1])
    assert labels[:2] == ["#1 trial 0", "#2 trial 1"] and "best epoch (validation)" in labels
    assert to_png(fig).startswith(PNG)


def test_curves_show_early_stops_against_the_epochs_requested() -> None:
    top = scores([0.9, 0.8])
    top[0] |= {"epochs_requested": 10, "stopped_early": True}
    data = curves.curves_data(top)
    last = data[data["last"]]
    assert set(last["epoch"]) == {3} and set(data["requested"]) == {10, 3}
    fig = curves.draw_curves(data)
    assert all(ax.get_xlim()[1] == 10.5 for ax in fig.axes)  # the epochs it never ran show
    labels = legend_labels(fig.axes[-1])
    assert labels[0] == "#1 trial 0 (stopped at 3/10)" and "stopped early" in labels
    crosses = [
        line for line in fig.axes[0].lines if line.get_marker() == "X" and len(line.get_xdata())
    ]
    assert len(crosses) == 2  # train and validation of the trial that stopped
    plt.close(fig)


def test_a_log_sampled_parameter_is_drawn_on_a_log_axis() -> None:
    records = scores([0.5, 0.7, 0.6])
    for rec, rate in zip(records, [1e-4, 1e-3, 1e-2], strict=True):
        rec["hyperparameters"]["learning_rate"] = rate
    data = params.param_data(records, "learning_rate")
    param = Param("learning_rate", "float", min=1e-4, max=1e-1, sampling="log")
    fig = params.draw_param(data, params.axis_for("learning_rate", param, [1e-3]), "val_acc", "1")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and "(log scale)" in ax.get_xlabel()
    assert "best: trial 1" in legend_labels(ax)
    assert to_png(fig).startswith(PNG)


def test_a_choice_is_drawn_grouped_with_a_tick_per_value() -> None:
    records = scores([0.5, 0.7, 0.6])
    for rec, optimizer in zip(records, ["sgd", "adam", "sgd"], strict=True):
        rec["hyperparameters"]["optimizer"] = optimizer
    choice = Param("optimizer", "choice", values=("sgd", "adam", "rmsprop"))
    axis = params.axis_for("optimizer", choice, ["sgd", "adam"])
    fig = params.draw_param(params.param_data(records, "optimizer"), axis, "val_accuracy", "1")
    ax = fig.axes[0]
    assert ax.get_xscale() == "linear"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["sgd", "adam", "rmsprop"]
    assert ax.get_title() == "val_accuracy against optimizer"
    png = to_png(fig)
    assert png.startswith(PNG) and len(png) > 1000


# ---- parallel coordinates and importance --------------------------------------------------


def varied(n: int) -> list[dict[str, Any]]:
    """``n`` trials: the score rises with the learning rate; optimizer alternates, momentum
    only for sgd."""
    out = []
    for i in range(n):
        hp = {"optimizer": "sgd" if i % 2 else "adam", "learning_rate": 10 ** (-4 + 3 * i / n)}
        hp |= {"momentum": 0.9} if i % 2 else {}
        out.append(record(str(i), i + 1, 0.5 + 0.04 * i, hyperparameters=hp))
    return out


PARAMS = {
    "optimizer": Param("optimizer", "choice", values=("sgd", "adam", "rmsprop")),
    "learning_rate": Param("learning_rate", "float", min=1e-4, max=1e-1, sampling="log"),
    "momentum": Param("momentum", "float", min=0.5, max=0.99),
}


def test_parallel_data_places_each_trial_on_every_axis_and_leaves_gaps() -> None:
    data = parallel_coordinates.parallel_data(varied(4), list(PARAMS), PARAMS, "val_accuracy")
    assert [a.name for a in data.axes] == ["optimizer", "learning_rate", "momentum", "val_accuracy"]
    frame = data.frame
    assert list(frame["trial_id"]) == ["3", "2", "1", "0"]  # best first
    assert frame["learning_rate"].between(0, 1).all()
    assert frame["learning_rate"].iloc[-1] == pytest.approx(0.0)  # 1e-4: the bottom of the range
    assert frame["momentum"].isna().sum() == 2  # inactive for adam: a gap in the line
    assert data.axes[0].ticks == ((0.0, "sgd"), (0.5, "adam"), (1.0, "rmsprop"))
    assert data.axes[1].log and data.axes[1].ticks[0] == (0.0, "1.00e-04")
    assert list(frame["val_accuracy"]) == [1.0, pytest.approx(2 / 3), pytest.approx(1 / 3), 0.0]


def test_parallel_figure_names_the_axes_the_best_trial_and_the_objective() -> None:
    fig = parallel_coordinates.draw(
        parallel_coordinates.parallel_data(varied(4), list(PARAMS), PARAMS, "val_accuracy")
    )
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == ["optimizer", "learning_rate (log)", "momentum", "val_accuracy"]
    assert "Parallel coordinates of 4 completed trials" in ax.get_title()
    assert legend_labels(ax) == ["best: trial 3 (0.620)"]
    assert fig.axes[1].get_ylabel() == "val_accuracy (fraction correct)"  # the colour bar
    assert to_png(fig).startswith(PNG)


def test_importance_ranks_the_parameter_that_drives_the_score() -> None:
    result = importance.estimate(varied(12), list(PARAMS), PARAMS)
    assert result.shown and result.trials == 12
    assert list(result.shares["param"])[0] == "learning_rate"
    assert result.shares["share"].sum() == pytest.approx(1.0)
    assert "permutation on held-out trials" in result.statement
    fig = importance_figure.draw(result, "val_accuracy")
    ax = fig.axes[0]
    assert ax.get_title() == "Hyperparameter importance for val_accuracy (12 trials)"
    assert "(%)" in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "learning_rate"  # on top
    assert to_png(fig).startswith(PNG)


def test_importance_does_not_favour_a_noise_range_over_a_two_value_choice_that_matters() -> None:
    """Impurity importance gave the noise range most of the share here (a range offers a tree
    a split point per trial); permutation on held-out trials gives it to the choice."""
    from sklearn.ensemble import RandomForestRegressor

    rng = np.random.default_rng(7)
    trials = []
    for i in range(30):
        optimizer = "adam" if i % 2 else "sgd"
        rate = float(10 ** rng.uniform(-4, -1))  # no effect at all
        score = (0.73 if optimizer == "adam" else 0.7) + rng.normal(0, 0.02)
        hp = {"optimizer": optimizer, "learning_rate": rate}
        trials.append(record(str(i), i + 1, score, hyperparameters=hp))
    params = {name: PARAMS[name] for name in ("optimizer", "learning_rate")}
    shares = importance.estimate(trials, list(params), params).shares.set_index("param")["share"]
    assert shares["optimizer"] > 0.75 and shares["learning_rate"] < 0.25  # measured 0.83, 0.17
    features, groups = importance._features(trials, list(params), params)
    forest = RandomForestRegressor(n_estimators=100, random_state=0).fit(
        features.to_numpy(float), [t["score"] for t in trials]
    )
    impurity = pd.Series(forest.feature_importances_, index=groups).groupby(level=0).sum()
    assert impurity["learning_rate"] > impurity["optimizer"]  # the bias avoided: 0.55 to 0.45


@pytest.mark.parametrize(
    ("records", "names", "reason"),
    [
        (varied(importance.MIN_TRIALS - 1), list(PARAMS), "fewer than the 8 needed"),
        (varied(12), ["learning_rate"], "only learning_rate varied"),
    ],
)
def test_importance_is_a_statement_when_it_would_mislead(
    records: list[dict[str, Any]], names: list[str], reason: str
) -> None:
    result = importance.estimate(records, names, PARAMS)
    assert not result.shown and reason in result.statement


# ---- legends never cover data ---------------------------------------------------------------

LOW, HIGH = 0.1, 0.9  # scores at the bottom and top of every axis below


def corner_records() -> list[dict[str, Any]]:
    """Trials whose scores and curves reach all four corners of each figure's axes: the first
    and last trials low and high, learning rates at both ends of the range, one curve rising
    and one falling."""
    out = []
    for i, score in enumerate([LOW, HIGH, 0.5, 0.5, HIGH, LOW]):
        rising = [LOW, 0.5, HIGH] if i % 2 else [HIGH, 0.5, LOW]
        hp = {"optimizer": "sgd" if i < 3 else "adam", "learning_rate": 1e-4 if i < 3 else 1e-1}
        hp |= {"momentum": 0.5 if i % 2 else 0.99} if i < 3 else {}
        history = {"loss": rising, "val_loss": rising[::-1], "accuracy": rising}
        history["val_accuracy"] = rising[::-1]
        out.append(record(str(i), i + 1, score, hyperparameters=hp, history=history))
    return out


def corner_figures() -> dict[str, Figure]:
    """One figure of every kind that has a legend, each drawn from corner data."""
    records = corner_records()
    rate = params.param_data(records, "learning_rate")
    chosen = params.param_data(records, "optimizer")
    steps = np.arange(40.0)
    actual = np.where(steps % 2 == 0, LOW, HIGH)
    series = pd.DataFrame({"time": steps, "actual": actual, "predicted": actual[::-1]})
    hits = np.where(steps % 4 < 2, actual, 1 - actual)  # (low, low), (high, high) and both misses
    scatter = pd.DataFrame({"step": 1, "actual": actual, "predicted": hits})
    horizon = pd.DataFrame(
        {"step": [1, 2, 3], "model": [LOW, 0.5, HIGH], "last_value": [HIGH, 0.5, LOW]}
    )
    progress = history.history_data(records).assign(run="a", minutes=lambda d: d["number"])
    effects = pd.DataFrame(
        {
            "run": ["a", "a", "b", "b"],
            "value": ["sgd", "adam", "sgd", "adam"],
            "raw": ["sgd", "adam", "sgd", "adam"],
            "best": [LOW, HIGH, HIGH, LOW],
            "mean": [LOW, HIGH, HIGH, LOW],
        }
    )
    return {
        "history": history.draw_history(history.history_data(records), "val_accuracy"),
        "learning curves": curves.draw_curves(curves.curves_data(records)),
        "range": params.draw_param(
            rate,
            params.axis_for("learning_rate", PARAMS["learning_rate"], [1e-4]),
            "val_accuracy",
            "1",
        ),
        "choice": params.draw_param(
            chosen, params.axis_for("optimizer", PARAMS["optimizer"], ["sgd"]), "val_accuracy", "1"
        ),
        "parallel": parallel_coordinates.draw(
            parallel_coordinates.parallel_data(records, list(PARAMS), PARAMS, "val_accuracy")
        ),
        "series": forecast.draw_series(series, "demand"),
        "scatter": forecast.draw_scatter(scatter, "demand"),
        "horizon": forecast.draw_horizon(horizon, "demand"),
        "progress": history.draw_progress(progress, "val_accuracy"),
        "shared effects": draw_effects(effects, "optimizer", "val_accuracy"),
    }


def plotted_points(fig: Figure) -> np.ndarray:
    """Every plotted point of every axes (line vertices, scatter and segment ends), in the
    rendered figure's display coordinates."""
    points = [np.empty((0, 2))]
    for ax in fig.axes:
        for line in ax.get_lines():
            points.append(line.get_transform().transform(_pairs(line.get_xydata())))
        for collection in ax.collections:
            offsets = _pairs(collection.get_offsets())
            points.append(collection.get_offset_transform().transform(offsets))
            for segment in getattr(collection, "get_segments", list)():
                points.append(collection.get_transform().transform(_pairs(segment)))
    return np.vstack([p.reshape(-1, 2) for p in points])


def _pairs(xy: Any) -> np.ndarray:
    return np.asarray(xy, float).reshape(-1, 2)


def test_no_legend_covers_a_plotted_point_or_an_axes() -> None:
    """Data in all four corners of each figure; the legend is measured on the rendered figure."""
    for kind, fig in corner_figures().items():
        renderer = FigureCanvasAgg(fig).get_renderer()
        fig.draw(renderer)
        legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
        assert legends, f"{kind}: no legend"
        points = plotted_points(fig)
        assert len(points) > 4, kind
        for legend in legends:
            box = legend.get_window_extent(renderer)
            inside = [
                tuple(p) for p in points if box.x0 <= p[0] <= box.x1 and box.y0 <= p[1] <= box.y1
            ]
            assert not inside, f"{kind}: the legend covers {len(inside)} points, e.g. {inside[0]}"
            for ax in fig.axes:
                assert not box.overlaps(ax.bbox), f"{kind}: the legend lies on {ax.get_title()!r}"


def test_a_users_text_with_dollar_signs_is_drawn_as_written() -> None:
    """A choice value (or class label, or series id) like '$^$' is the user's text: matplotlib
    would read it as math markup and fail to draw the figure at all."""
    markup = "$^$"
    records = [
        make_record(str(i), i + 1, 0.5 + i / 10, hyperparameters={"kind": value})
        for i, value in enumerate([markup, "plain", markup])
    ]
    data = params.param_data(records, "kind")  # type: ignore[arg-type]
    choice = Param("kind", "choice", (markup, "plain"))
    figure = params.draw_param(data, params.axis_for("kind", choice, list(data["value"])),
                               "val_accuracy", "2")  # fmt: skip
    figure.axes[0].set_title(markup)
    figure.axes[0].legend([markup])
    assert to_png(figure).startswith(b"\x89PNG")
    labels = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert markup in labels
