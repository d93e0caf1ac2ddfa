"""The comparison of runs: hand-made runs for its parts, two small real searches end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
import yaml
from helpers.records import make_config, make_record
from helpers.reports import table_rows

from tuner.reporting import comparison_page
from tuner.reporting.figures import history
from tuner.reporting.figures.canvas import to_png
from tuner.reporting.write import write_reports
from tuner.run import atomic
from tuner.run.records import write_record
from tuner.run.run import load_run

PNG = b"\x89PNG\r\n\x1a\n"


def make_run(root: Path, name: str, scores: dict[str, float], rates: list[float]) -> Path:
    """One trial per (optimizer, rate) pair in ``scores`` order; 3 s per trial."""
    run_dir = make_config(root, name)
    for i, ((optimizer, score), rate) in enumerate(zip(scores.items(), rates, strict=True)):
        hp = {"units": 16, "optimizer": optimizer.split("-")[0], "learning_rate": rate}
        record = make_record(str(i), i + 1, score, hyperparameters=hp, seconds=3.0)
        write_record(run_dir, record)
    return run_dir


@pytest.fixture
def two_runs(tmp_path: Path) -> list[Path]:
    first = make_run(tmp_path, "first", {"sgd": 0.6, "adam": 0.8, "sgd-2": 0.7}, [1e-3, 2e-3, 3e-3])
    second = make_run(tmp_path, "second", {"adam": 0.85, "sgd": 0.9}, [4e-3, 5e-3])
    return [first, second]


def test_progress_data_keeps_best_so_far_against_trials_and_minutes(two_runs: list[Path]) -> None:
    data = history.progress_data([load_run(p) for p in two_runs])
    first = data[data["run"] == "first"]
    assert list(first["best_so_far"]) == [0.6, 0.8, 0.8]
    assert list(first["minutes"]) == [0.05, 0.1, pytest.approx(0.15)]
    fig = history.draw_progress(data, "val_accuracy")
    left, right = fig.axes
    assert left.get_xlabel() == "trials in finishing order (#)"
    assert right.get_xlabel() == "search time (minutes; trial times summed)"
    assert [t.get_text() for t in right.get_legend().get_texts()] == ["first", "second"]
    assert to_png(fig).startswith(PNG)
    assert plt.get_fignums() == []


def test_shared_parameters_are_set_side_by_side_with_a_verdict(two_runs: list[Path]) -> None:
    runs = [load_run(p) for p in two_runs]
    # units took one value (16) in every trial: nothing to set side by side; 5 rates are few enough
    assert comparison_page.shared_params(runs) == ["optimizer", "learning_rate"]
    table = comparison_page.effects_table(comparison_page.shared_effects(runs, "optimizer"))
    assert list(table.columns) == ["value", "first", "second"]
    adam = table[table["value"] == "adam"].iloc[0]
    assert adam["first"].startswith("best 0.8 · mean 0.8 (1 trial)")
    assert comparison_page.verdicts(runs, "optimizer") == [
        "**optimizer in first:** No verdict: adam has 1 trial and sgd 2 trials; a verdict needs "
        "at least 3 on each side, or 3 pairs of trials that differ in optimizer alone.",
        "**optimizer in second:** No verdict: sgd has 1 trial and adam 1 trial; a verdict needs "
        "at least 3 on each side, or 3 pairs of trials that differ in optimizer alone.",
    ]


def opposed_run(root: Path, name: str, adam: float, sgd: float, samples: int) -> Path:
    """Three adam and three sgd trials at the same three rates, scoring about ``adam`` and
    ``sgd``; run.json gives ``samples`` validation samples."""
    run_dir = make_config(root, name)
    for i, (optimizer, score) in enumerate([("adam", adam)] * 3 + [("sgd", sgd)] * 3):
        hp = {"units": 16, "optimizer": optimizer, "learning_rate": [1e-3, 2e-3, 3e-3][i % 3]}
        write_record(
            run_dir, make_record(str(i), i + 1, score + 0.01 * (i % 3), hyperparameters=hp)
        )
    summary = {"dataset": "digits", "task": "classification", "validation": samples}
    atomic.write_json(run_dir / "run.json", {"dataset": summary})
    return run_dir


def test_runs_whose_verdicts_disagree_are_one_disagreement_not_two_facts(tmp_path: Path) -> None:
    first = load_run(opposed_run(tmp_path, "first", 0.9, 0.6, 400))
    second = load_run(opposed_run(tmp_path, "second", 0.5, 0.8, 400))
    lines = comparison_page.verdicts([first, second], "optimizer")
    assert lines == [
        "**optimizer: the runs disagree.** adam beat sgd in first (by 0.3 in mean val_accuracy, "
        "±0.055 at 95%) but sgd beat adam in second (by 0.3 in mean val_accuracy, ±0.062 at "
        "95%). Both cannot hold on the same data: unless the runs' data or spaces differ enough "
        "to explain it, at least one verdict is noise, so neither is taken as a finding. More "
        "validation samples decide it: search.cv (e.g. folds: 5, so every training sample is "
        "validated once) or a larger data.validation_split.",
        "**optimizer in first:** disputed by second (see above): adam ahead of sgd by 0.3 in "
        "mean val_accuracy, ±0.055 at 95%.",
        "**optimizer in second:** disputed by first (see above): sgd ahead of adam by 0.3 in "
        "mean val_accuracy, ±0.062 at 95%.",
    ]
    for record in second.records:  # cross-validated: folds cannot add validation samples
        record["folds"] = [{"fold": 0, "score": record["score"]}] * 2
    [said, *_] = comparison_page.verdicts([first, second], "optimizer")
    assert said.endswith(
        "so neither is taken as a finding. More labelled data decides it (cross-validation "
        "already validates each sample once)."
    )
    agreeing = load_run(opposed_run(tmp_path, "third", 0.92, 0.6, 400))
    lines = comparison_page.verdicts([first, agreeing], "optimizer")
    assert [line.split(":** ")[1].split(" by ")[0] for line in lines] == [
        "Verdict: adam beat sgd",
        "Verdict: adam beat sgd",
    ]


def test_identical_scores_on_few_validation_samples_get_no_verdict(tmp_path: Path) -> None:
    """Ten trials all at 1.000 on 7 validation samples: no spread between trials, yet each
    score could as well have been 6/7. No "±0", and the remedy is named."""
    run = load_run(opposed_run(tmp_path, "ties", 1.0, 1.0, 7))
    for record in run.records:
        record["score"] = 1.0
    [line] = comparison_page.verdicts([run], "optimizer")
    assert line == (
        "**optimizer in ties:** No verdict: 7 validation samples cannot separate adam from sgd: "
        "0 in mean val_accuracy, within the scores' own noise (±0.32 at 95%, 3 pairs of trials "
        "that differ only in optimizer; binomial noise of 7 validation samples). Use search.cv "
        "(e.g. folds: 5, so every training sample is validated once) or a larger "
        "data.validation_split."
    )
    assert "±0 " not in line


def test_comparison_pages_hold_the_figures_and_the_shared_parameters(
    two_runs: list[Path], tmp_path: Path
) -> None:
    out = tmp_path / "reports"
    write_reports(None, runs_root=tmp_path / "runs", out=out)
    markdown = (out / "comparison.md").read_text()
    assert "![Best val_accuracy so far, per run](figures/best_so_far_val_accuracy.png)" in markdown
    assert "## Shared parameters" in markdown
    optimizer = markdown.split("optimizer (val_accuracy):", 1)[1].split("\n\n")[1]
    assert optimizer.splitlines()[0] == "| value | first | second |"
    assert [line.split(" | ")[0] for line in optimizer.splitlines()[2:]] == ["| adam", "| sgd"]
    figures = sorted(p.name for p in (out / "figures").iterdir())
    assert figures == [
        "best_so_far_val_accuracy.png",
        "effect_val_accuracy_learning_rate.png",
        "effect_val_accuracy_optimizer.png",
    ]
    assert all((out / "figures" / f).read_bytes().startswith(PNG) for f in figures)
    assert (out / "index.html").read_text().count('src="data:image/png;base64,') == 3


# ---- two small real runs ------------------------------------------------------------------

TINY = {
    "seed": 3,
    "data": {"dataset": "mnist", "source": "bundled", "limit": 200},
    "space": {"units": 8, "batch_size": 32, "learning_rate": 1.0e-2},
    "search": {"algorithm": "grid", "max_trials": 2, "epochs": 2, "cv": None},
    "report": {"top_k": 2},
}


def tuner(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tuner", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_two_real_runs_compare_activation_and_optimizer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Searched through the CLI's entry point in this process (one Keras import for both);
    reported and validated by real `tuner` processes."""
    from tuner.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    spaces = {
        "acts": {"activation": ["tanh", "softsign"], "optimizer": "adam"},
        "opts": {"activation": "tanh", "optimizer": ["sgd", "adam"]},
    }
    for name, space in spaces.items():
        config = {**TINY, "name": name, "space": {**TINY["space"], **space}}
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(config))
        assert main(["search", f"{name}.yaml"]) == 0
    reported = tuner("report", cwd=tmp_path)
    assert reported.returncode == 0, reported.stderr
    out = tmp_path / "reports"
    markdown = (out / "comparison.md").read_text()
    assert [row[0] for row in table_rows(markdown, "Runs")] == [
        "[acts](acts/report.md)",
        "[opts](opts/report.md)",
    ]
    assert "**activation in acts:**" in markdown and "**optimizer in opts:**" in markdown
    for name in ("acts", "opts"):
        next_yaml = out / name / "next.yaml"
        assert tuner("validate", str(next_yaml), cwd=tmp_path).returncode == 0
    from helpers.browser import assert_every_image_loaded, open_page

    page = out / "index.html"
    assert_every_image_loaded(
        open_page(page, tmp_path / "chromium"), page.read_text().count("<img ")
    )
