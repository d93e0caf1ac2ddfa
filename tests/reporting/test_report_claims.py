"""Every sentence the report says is true (issue 10): counts in words, numbers at the precision
of their noise, one formatter for a hyperparameter's value, and no comparison of losses that
are not on one scale. Hand-made run folders; the sections are built without drawing where they
can be."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from helpers.records import failed_record, make_config, make_demo_run, make_record
from helpers.reports import report

from tuner.analysis.review import review
from tuner.config.schema import load_config
from tuner.reporting.figures import curves, parallel_coordinates, params
from tuner.reporting.figures_section import figures
from tuner.reporting.holdout_section import holdout_section as evaluation_section
from tuner.reporting.html import Facts, Note, Section
from tuner.reporting.run_page import failures, leaderboard, summary
from tuner.reporting.write import write_comparison
from tuner.run import atomic
from tuner.run import folder as run_folder
from tuner.run.records import write_record
from tuner.run.run import load_run
from tuner.text import difference_text, plural, score_text, value_text


def fact(section: Section, label: str) -> str:
    facts = next(b for b in section.blocks if isinstance(b, Facts))
    return dict(facts.items)[label]


def texts(section: Section) -> list[str]:
    return [b for b in section.blocks if isinstance(b, str)]


def run_with(tmp_path: Path, records: list[dict[str, Any]], name: str = "claims") -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    run_dir = make_config(tmp_path, name)
    for record in records:
        write_record(run_dir, record)
    return run_dir


# ---- counts in words -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "noun", "text"),
    [(1, "search session", "1 search session"), (2, "search session", "2 search sessions"),
     (0, "file", "0 files"), (1, "class", "1 class"), (3, "class", "3 classes")],
)  # fmt: skip
def test_plural_says_one_thing_or_several(count: int, noun: str, text: str) -> None:
    nouns = "classes" if noun == "class" else None
    assert plural(count, noun, nouns) == text


def test_trials_say_completed_when_all_completed_and_finished_when_mixed(tmp_path: Path) -> None:
    done = [make_record(str(i), i + 1, 0.5 + 0.1 * i) for i in range(3)]
    assert fact(summary(load_run(run_with(tmp_path / "a", done))), "Trials") == "3 completed"
    mixed = [*done, failed_record("3", 4, "loss became NaN at epoch 2")]
    assert fact(summary(load_run(run_with(tmp_path / "b", mixed))), "Trials") == (
        "4 finished: 3 completed, 1 failed"
    )
    broken = [failed_record("0", 1, "ValueError: bad shape")]
    run = load_run(run_with(tmp_path / "c", broken))
    assert fact(summary(run), "Trials") == "1 failed"
    notes = [b.text for b in summary(run).blocks if isinstance(b, Note)]
    assert notes == [
        "No trial completed: the only trial failed. Its error is listed under Failures."
    ]
    assert texts(failures(run)) == ["1 trial failed; the search went on without it."]


def test_one_of_each_is_said_in_the_singular(tmp_path: Path) -> None:
    source = tmp_path / "single.yaml"
    source.write_text(
        "name: single\ndata: {dataset: digits}\nspace:\n  units: [16, 32]\n"
        "search: {algorithm: random, max_trials: 1, epochs: 1, cv: null}\nreport: {top_k: 1}\n"
    )
    run_dir = run_folder.prepare(load_config(source), fresh=False, root=tmp_path / "runs")
    write_record(run_dir, make_record("0", 1, 0.8, hyperparameters={"units": 16}))
    sessions = [{"started": 100.0, "finished": 160.0, "status": "finished"}]
    shape = {"dataset": "digits", "task": "classification", "origin": "scikit-learn"}
    shape |= {"input_shape": [8, 1], "num_classes": 1, "train": 10, "validation": 5, "test": 5}
    atomic.write_json(run_dir / "run.json", {"dataset": shape, "sessions": sessions})
    atomic.write_json(
        run_dir / "best" / "test.json",
        {"test_samples": 1, "trials": [{"trial_id": "0", "test": {"accuracy": 1.0}}]},
    )
    run = load_run(run_dir)
    said = summary(run)
    assert fact(said, "Search") == (
        "random, objective val_accuracy (maximized), up to 1 trial of up to 1 epoch"
    )
    assert fact(said, "Wall time") == "1 min 00 s (1 search session)"
    assert fact(said, "Dataset") == (
        "digits (scikit-learn); inputs of 8 steps × 1 feature, 1 class; 10 train, 5 validation, "
        "5 test samples"
    )
    assert texts(leaderboard(run))[0] == (
        "The only completed trial; all trials are in trials.csv. The gap is the training minus "
        "the validation score at the best epoch, in the direction that means overfitting when "
        "positive. ± is the standard error of the score (its validation samples' noise, and the "
        "spread of its folds where it has them)."
    )
    assert texts(evaluation_section(run))[0] == (
        "The top trial by val_accuracy, evaluated once on the test split (1 sample the search "
        "never saw)."
    )
    pages = write_comparison([run], tmp_path / "reports", None)
    assert "1 run: the runs named on the command line. Open a run's name for its full report." in (
        pages[1].read_text()
    )


def test_several_sessions_and_all_trials_ranked_are_counted(tmp_path: Path) -> None:
    run_dir = run_with(tmp_path, [make_record(str(i), i + 1, 0.5 + 0.1 * i) for i in range(3)])
    sessions = [
        {"started": 0.0, "finished": 30.0, "status": "interrupted"},
        {"started": 100.0, "finished": 130.0, "status": "finished"},
    ]
    atomic.write_json(run_dir / "run.json", {"sessions": sessions})
    run = load_run(run_dir)
    assert fact(summary(run), "Wall time") == "1 min 00 s (2 search sessions)"
    assert texts(leaderboard(run))[0].startswith(
        "All 3 completed trials, best first; all trials are in trials.csv."
    )


# ---- numbers at the precision of their noise ------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "gap", "score", "text"),
    [("val_accuracy", 0.011111, 0.8567, "0.011"), ("val_accuracy", -0.00001, 0.9, "0.000"),
     ("val_loss", 0.011111, 0.3456, "0.0111"), ("val_mae", 1.23456, 13.49, "1.23"),
     ("val_loss", None, 0.3, "—")],
)  # fmt: skip
def test_a_difference_is_written_at_the_precision_of_its_scores(
    metric: str, gap: float | None, score: float, text: str
) -> None:
    assert difference_text(metric, gap, score) == text


def test_scores_are_written_at_the_precision_of_their_noise() -> None:
    assert [score_text("val_accuracy", 0.85666), score_text("accuracy", 0.9)] == ["0.857", "0.900"]
    assert [score_text("val_loss", 0.0123456), score_text("mae", 13.4949)] == ["0.01235", "13.49"]
    assert score_text("loss", float("nan")) == "—"


def test_the_gap_shows_3_decimals_like_the_accuracy_beside_it(tmp_path: Path) -> None:
    record = make_record("0", 1, 0.8567)
    record["history"]["accuracy"] = [v + 0.01111 for v in record["history"]["val_accuracy"]]
    table = leaderboard(load_run(run_with(tmp_path, [record]))).blocks[-1]
    assert isinstance(table, pd.DataFrame)
    assert table.iloc[0][["val_accuracy", "train-val gap"]].tolist() == ["0.857", "0.011"]


def test_a_value_reads_the_same_in_the_leaderboard_and_the_figures(tmp_path: Path) -> None:
    """A choice of learning rates: 1.00e-03 in the leaderboard, on the parallel coordinates'
    axis and under the objective-against-value figure, not 0.001 in one and 1.00e-03 in the
    other."""
    rates = [1e-3, 1e-2, 1e-3]
    records = [
        make_record(str(i), i + 1, 0.5 + 0.1 * i, hyperparameters={"learning_rate": r})
        for i, r in enumerate(rates)
    ]
    run = load_run(run_with(tmp_path, records))
    table = leaderboard(run).blocks[-1]
    assert isinstance(table, pd.DataFrame)
    assert table["learning_rate"].tolist() == ["1.00e-03", "1.00e-02", "1.00e-03"]
    data = parallel_coordinates.parallel_data(run.records, ["learning_rate"], {}, run.objective)
    assert [text for _, text in data.axes[0].ticks] == ["1.00e-03", "1.00e-02"]
    axis = params.Axis("learning_rate", "category", (1e-3, 1e-2))
    figure = params.draw_param(params.param_data(run.records, "learning_rate"), axis, "score", "2")
    ticks = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert (
        ticks == [value_text("learning_rate", r) for r in (1e-3, 1e-2)] == ["1.00e-03", "1.00e-02"]
    )


# ---- mixed heads: losses on different scales are not compared --------------------------------

HEADS = (
    "The trials use different heads (linear: mean squared error, sigmoid: binary "
    "cross-entropy), whose losses are not on one scale, so loss is left out of the leaderboard, "
    "the test evaluation and the learning curves: they are compared by mae and rmse, in the "
    "target's units."
)


def regression_record(trial_id: str, number: int, mae: float, head: str) -> dict[str, Any]:
    scale = 0.1 if head == "linear" else 0.7  # MSE on a standardized target vs cross-entropy
    history = {
        "loss": [scale, scale * 0.9, scale * 0.8],
        "val_loss": [scale * 1.1, scale, scale * 0.9],
        "mae": [mae * 1.2, mae * 1.05, mae],
        "val_mae": [mae * 1.3, mae, mae * 1.02],
        "rmse": [mae * 1.5, mae * 1.3, mae * 1.25],
        "val_rmse": [mae * 1.6, mae * 1.25, mae * 1.3],
    }
    hp = {"head": head, "units": 16 if number % 2 else 32}
    return make_record(
        trial_id, number, mae, objective="val_mae", direction="min", history=history,
        hyperparameters=hp,
    )  # fmt: skip


@pytest.fixture
def mixed_heads(tmp_path: Path) -> Path:
    source = tmp_path / "heads.yaml"
    source.write_text(
        "name: heads\ndata: {dataset: sine, scaling: series}\nspace:\n  head: [linear, sigmoid]\n"
        "  units: [16, 32]\nsearch: {algorithm: random, max_trials: 4, epochs: 3, cv: null}\n"
        "report: {top_k: 2}\n"
    )
    run_dir = run_folder.prepare(load_config(source), fresh=False, root=tmp_path / "runs")
    for i, (mae, head) in enumerate([(0.2, "linear"), (0.3, "sigmoid"), (0.25, "sigmoid")]):
        write_record(run_dir, regression_record(str(i), i + 1, mae, head))
    tests = [{"trial_id": t, "test": {"loss": 0.1, "mae": 0.2, "rmse": 0.3}} for t in ("0", "2")]
    atomic.write_json(run_dir / "best" / "test.json", {"test_samples": 50, "trials": tests})
    return run_dir


def test_mixed_heads_leave_loss_out_of_every_comparison_and_say_so(mixed_heads: Path) -> None:
    run = load_run(mixed_heads)
    assert curves.heads(run.records) == ["linear", "sigmoid"]
    board = leaderboard(run)
    assert texts(board)[1] == HEADS
    table = board.blocks[-1]
    assert isinstance(table, pd.DataFrame)
    assert [c for c in table.columns if c.startswith(("val_", "test "))] == [
        "val_mae", "test mae", "test rmse"
    ]  # fmt: skip
    tested = next(b for b in evaluation_section(run).blocks if isinstance(b, pd.DataFrame))
    assert "test loss" not in tested.columns and "test mae" in tested.columns
    drawn = curves.curves_data(run.ranked, leave_out=("loss",))
    assert set(drawn["metric"]) == {"mae", "rmse"}
    section = figures(run, review(run))
    assert HEADS in texts(section)


def test_one_head_keeps_the_loss(tmp_path: Path) -> None:
    records = [regression_record(str(i), i + 1, 0.2 + 0.1 * i, "linear") for i in range(2)]
    assert curves.mixed_losses(records) == "" and curves.heads(records) == ["linear"]
    assert set(curves.curves_data(records)["metric"]) == {"loss", "mae", "rmse"}
    assert curves.mixed_losses([make_record("0")]) == ""  # classification: head not tuned


def test_figure_titles_count_one_trial_in_the_singular() -> None:
    one = [make_record("0", 1, 0.7, hyperparameters={"units": 16, "optimizer": "adam"})]
    fig = curves.draw_curves(curves.curves_data(one))
    assert fig.get_suptitle() == "Learning curves of the top trial"
    data = parallel_coordinates.parallel_data(one, ["units"], {}, "val_accuracy")
    title = parallel_coordinates.draw(data).axes[0].get_title()
    assert title == "Parallel coordinates of 1 completed trial, coloured by val_accuracy"


def test_a_regression_holdout_never_says_it_lacks_the_per_sample_errors_it_then_uses(
    tmp_path: Path,
) -> None:
    """test.json of a regression run has no accuracy, so there is no interval around one
    trial's score; but the paired comparison uses best/test_per_sample.npz, and the sentence
    before it must not say such values are not kept."""
    import numpy as np

    from tuner.run.results import PerSample, write_per_sample

    run_dir = make_demo_run(tmp_path)
    trials = [
        {"rank": i, "trial_id": t, "score": 0.5, "test": {"mae": m, "loss": m}}
        for i, (t, m) in enumerate((("2", 0.30), ("3", 0.34)), start=1)
    ]
    atomic.write_json(
        run_dir / "best" / "test.json",
        {"objective": "val_accuracy", "test_samples": 40, "trials": trials},
    )
    rng = np.random.default_rng(0)
    errors = {"2": rng.uniform(0.2, 0.4, 40), "3": rng.uniform(0.25, 0.45, 40)}
    write_per_sample(run_dir, PerSample("error", errors))
    markdown, _ = report(run_dir, tmp_path / "reports")
    holdout = markdown.split("## Test evaluation", 1)[1].split("\n## ", 1)[0]
    assert "does not keep" not in holdout
    assert "each test sample's own error, kept in best/test_per_sample.npz" in holdout
    assert "paired" in holdout.lower()


# ---- verdicts above the noise (issue 21) ------------------------------------------------------


def chance_record(trial_id: str, number: int, rate: float) -> dict[str, Any]:
    """A 2-class trial that learned nothing: validation loss at ln 2 = 0.693 every epoch, 3 of
    5 validation samples right, and early stopping two epochs after a tiny dip."""
    history = {
        "loss": [0.694, 0.692, 0.69, 0.689],
        "val_loss": [0.693, 0.692, 0.694, 0.697],
        "accuracy": [0.5, 0.52, 0.53, 0.55],
        "val_accuracy": [0.4, 0.6, 0.6, 0.4],
    }
    hp = {"units": 16 if number % 2 else 32, "optimizer": "adam", "learning_rate": rate}
    return make_record(
        trial_id, number, 0.6, history=history, epochs=4, best_epoch=2, hyperparameters=hp
    )


def test_a_run_where_no_trial_learned_says_so_first_and_claims_no_effect(tmp_path: Path) -> None:
    rates = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 2e-2, 5e-2, 9e-2]
    run_dir = run_with(tmp_path, [chance_record(str(i), i + 1, r) for i, r in enumerate(rates)])
    shape = {"dataset": "sequences", "task": "classification", "num_classes": 2}
    shape |= {"train": 45, "validation": 5, "test": 40, "input_shape": [150, 1]}
    atomic.write_json(run_dir / "run.json", {"dataset": shape})
    markdown, _ = report(run_dir, tmp_path / "reports")
    diagnostics = markdown.split("## Diagnostics", 1)[1].split("## Next search", 1)[0]
    assert (
        "Every verdict must clear the noise of the scores it compares: the larger of the spread "
        "between trials and each score's own noise on 5 validation samples (binomial for an "
        "accuracy). One accuracy of about 0.5 on 5 samples varies by ±0.33 at 95%."
    ) in diagnostics
    bullets = [line for line in diagnostics.splitlines() if line.startswith("- ")]
    assert len(bullets) == 1
    assert bullets[0].startswith(
        "- **Did not learn.** No trial learned anything: in all 8 completed trials the training "
        "or validation loss never fell more than 5% below ln 2 = 0.693"
    )
    for claim in ("Overfitting", "No measurable effect", "edge of its range", "Verdict"):
        assert claim not in diagnostics
    next_search = markdown.split("## Next search", 1)[1].split("\n## ", 1)[0]
    assert "The diagnostics suggest no change to the space" in next_search


def test_the_noise_of_one_score_is_stated_with_its_assumptions(mixed_heads: Path) -> None:
    from tuner.reporting.advice_sections import noise_text

    assert noise_text(load_run(mixed_heads)) == (
        "Every verdict must clear the noise of the scores it compares: the larger of the spread "
        "between trials and each score's own noise on the validation samples (the score / √n "
        "for a loss or error, assuming per-sample values spread about as much as their mean, "
        "since the records keep no per-sample values). run.json gives no validation sample "
        "count, so that own noise is unknown here."
    )
    atomic.write_json(
        mixed_heads / "run.json", {"dataset": {"task": "regression", "validation": 50}}
    )
    assert noise_text(load_run(mixed_heads)).endswith(
        "on 50 validation samples (the score / √n for a loss or error, assuming per-sample values "
        "spread about as much as their mean, since the records keep no per-sample values). A "
        "series' validation windows overlap and their errors correlate, so they count as fewer "
        "independent samples than that: here the noise is a lower bound."
    )
