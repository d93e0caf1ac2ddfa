"""The leaderboard gives each score's standard error, and a cross-validated trial's folds and
their spread, in the order the export uses (ties broken by validation loss)."""

from __future__ import annotations

from pathlib import Path

from helpers.records import make_config, make_record
from helpers.reports import report, table_rows

from tuner.run import atomic
from tuner.run.records import write_record


def _folds(scores: list[float]) -> list[dict[str, object]]:
    history = {"val_accuracy": [0.5, 0.8], "val_loss": [0.9, 0.6]}
    return [
        {"fold": i, "score": s, "best_epoch": 2, "epochs_run": 2, "history": history}
        for i, s in enumerate(scores)
    ]


def test_each_score_has_its_standard_error_and_folds_their_spread(tmp_path: Path) -> None:
    run_dir = make_config(tmp_path, "folds")
    scores = [0.70, 0.80, 0.90]
    write_record(
        run_dir,
        make_record("0", 1, 0.8, folds=_folds(scores), fold_sd=0.1, best_epoch=2, epochs=2),
    )
    write_record(run_dir, make_record("1", 2, 0.6, best_epoch=2, epochs=2))
    summary = {"dataset": "digits", "task": "classification", "validation": 300, "test": 90}
    summary["cv"] = {"scheme": "cv", "folds": 3, "why": "3-fold cross-validation"}
    atomic.write_json(run_dir / "run.json", {"dataset": summary, "sessions": []})
    markdown, _ = report(run_dir, tmp_path / "reports")
    section = markdown.split("## Leaderboard\n", 1)[1]
    header = next(line for line in section.splitlines() if line.startswith("|"))
    columns = [cell.strip() for cell in header.strip("|").split("|")]
    first = dict(zip(columns, table_rows(markdown, "Leaderboard")[0], strict=True))
    # 3 folds 0.1 apart: sd / sqrt(3) = 0.058 exceeds the binomial noise of 300 samples (0.023)
    assert first["trial"] == "0" and first["±"] == "0.058" and first["folds (sd)"] == "3 (0.1)"
    assert "; 300 to learn from in 3 folds, 90 test samples" in markdown  # not train/validation
    assert "with cross-validation each curve is the trial's first fold, not the mean" in markdown
