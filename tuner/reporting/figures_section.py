"""The Figures section of a run's report: optimization history, learning curves, parallel
coordinates, importance and the objective against each varying hyperparameter."""

from __future__ import annotations

from matplotlib.figure import Figure

from tuner.analysis.memory import growth
from tuner.analysis.review import Review
from tuner.reporting.figures import parallel_coordinates
from tuner.reporting.figures.canvas import to_png
from tuner.reporting.figures.curves import MAX_CURVES, curves_data, draw_curves, mixed_losses
from tuner.reporting.figures.history import draw_history, history_data
from tuner.reporting.figures.importance import draw as draw_importance
from tuner.reporting.figures.memory import draw_memory, growth_text
from tuner.reporting.figures.params import axis_for, draw_param, param_data
from tuner.reporting.html import Block, Image, Note, Section
from tuner.run.run import Run


def figures(run: Run, review: Review) -> Section:
    history = history_data(run.records)
    if history.empty:
        return Section("Figures", (Note("No figures: no trial has completed with a score yet."),))
    images: list[Block] = [
        _image("history", "Optimization history", draw_history(history, run.objective))
    ]
    mixed = mixed_losses(run.records)
    leave_out = ("loss",) if mixed else ()
    curves = curves_data(run.ranked[: min(run.top_k, MAX_CURVES)], leave_out)
    caption = "Learning curves of the top trials (dot: best epoch; cross: stopped early)"
    if any(r.get("folds") for r in run.ranked):  # search.cv: the record's curve is one fold's
        caption += "; with cross-validation each curve is the trial's first fold, not the mean"
    images += [mixed] if mixed else []
    images.append(_image("learning_curves", caption, draw_curves(curves)))
    params = {p.name: p for p in run.config.space.params} if run.config is not None else {}
    if run.varying():
        data = parallel_coordinates.parallel_data(run.records, run.varying(), params, run.objective)
        title = f"Parallel coordinates, coloured by {run.objective}"
        images.append(_image("parallel_coordinates", title, parallel_coordinates.draw(data)))
    estimate = review.importance
    if estimate.shown:
        bars = draw_importance(estimate, run.objective)
        images += [_image("importance", "Hyperparameter importance", bars), estimate.statement]
    else:
        images.append(Note(estimate.statement))
    best = str(run.ranked[0]["trial_id"])
    for name in run.varying():
        data = param_data(run.records, name)
        if data.empty:  # a conditional parameter no scored trial activated
            continue
        axis = axis_for(name, run.param(name), list(data["value"]))
        figure = draw_param(data, axis, run.objective, best)
        images.append(_image(f"param_{name}", f"{run.objective} against {name}", figure))
    grown = growth(run.records)
    if grown is not None:
        images += [_image("memory", "Peak memory per trial", draw_memory(run.records))]
        images.append(Note(growth_text(grown)))
    return Section("Figures", tuple(images))


def _image(name: str, title: str, figure: Figure) -> Image:
    return Image(name, title, to_png(figure))
