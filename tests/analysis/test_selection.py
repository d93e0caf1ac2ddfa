"""The best trial when the validation data cannot tell the top trials apart: trials within one
score's noise of the best are ranked by their validation loss (mean over folds), and the
terminal and the report say they are tied."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.records import make_demo_run, make_record
from helpers.reports import report

from tuner.analysis.selection import second_measure, select
from tuner.run import atomic


def _trial(trial_id: str, score: float, val_loss: float, **extra: object) -> dict[str, object]:
    history = {"val_accuracy": [score - 0.1, score], "val_loss": [val_loss + 0.2, val_loss]}
    return make_record(trial_id, int(trial_id) + 1, score, history=history, best_epoch=2, **extra)


def test_trials_tied_on_seven_samples_are_ranked_by_validation_loss() -> None:
    trials = [_trial("0", 1.0, 0.40), _trial("1", 1.0, 0.25), _trial("2", 6 / 7, 0.10)]
    chosen = select(trials, samples=7)  # type: ignore[arg-type]
    assert chosen.tied == ("1", "0")  # 6/7 lies further than one score's noise (±0.12)
    assert [r["trial_id"] for r in chosen.ranked] == ["1", "0", "2"]
    assert chosen.noise is not None and 0.11 < chosen.noise < 0.12


def test_scores_apart_by_more_than_the_noise_keep_their_order() -> None:
    trials = [_trial("0", 0.95, 0.40), _trial("1", 0.90, 0.10)]
    chosen = select(trials, samples=2000)  # type: ignore[arg-type]
    assert chosen.tied == () and [r["trial_id"] for r in chosen.ranked] == ["0", "1"]


def test_the_second_measure_of_a_cross_validated_trial_is_its_folds_mean() -> None:
    folds = [
        {"fold": i, "score": 1.0, "best_epoch": 1, "epochs_run": 1, "history": {"val_loss": [v]}}
        for i, v in enumerate([0.2, 0.4, 0.6])
    ]
    record = _trial("0", 1.0, 0.9, folds=folds)
    assert second_measure(record) == pytest.approx(0.4)  # type: ignore[arg-type]


def test_the_terminal_and_the_report_say_the_top_trials_are_tied(tmp_path: Path) -> None:
    from tuner.cli.outcome import tie_line
    from tuner.config.schema import load_config

    run_dir = make_demo_run(tmp_path)
    trials = [
        {"rank": i, "trial_id": t, "score": 0.9, "test": {"accuracy": 0.8, "loss": 0.5}}
        for i, t in enumerate(("3", "2"), start=1)
    ]
    summary = {
        "objective": "val_accuracy",
        "test_samples": 100,
        "trials": trials,
        "tied": ["3", "2"],
        "tie_noise": 0.0412,
    }
    atomic.write_json(run_dir / "best" / "test.json", summary)
    config = load_config(run_dir / "config.yaml")
    assert tie_line(config, summary) == (  # type: ignore[arg-type]
        "tied: trials 3 and 2 score within one score's noise (±0.041) of the best val_accuracy, "
        "so the validation data cannot rank them; trial 3, the lowest validation loss among "
        "them, is the best"
    )
    markdown, _ = report(run_dir, tmp_path / "reports")
    assert (
        "Trials 3 and 2 scored within one score's noise (±0.041) of the best val_accuracy: the "
        "validation data cannot rank them, so they are ordered by their validation loss at the "
        "best epoch, and trial 3 (the lowest) is the best, exported in best/."
    ) in markdown
