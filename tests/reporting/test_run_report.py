"""Reports from hand-made run folders: no training, no Keras."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from helpers.records import PNG, failed_record, make_config, make_demo_run, make_record
from helpers.reports import report, table_rows

from tuner.analysis.findings import train_validation_gap
from tuner.errors import UserInputError
from tuner.reporting.write import write_reports
from tuner.run import atomic
from tuner.run.records import write_record
from tuner.run.run import find_runs, load_run
from tuner.text import duration, value_text


@pytest.fixture
def demo_run(tmp_path: Path) -> Path:
    return make_demo_run(tmp_path)


@dataclass(frozen=True)
class Reported:
    out: Path
    written: list[Path]

    @property
    def markdown(self) -> str:
        return (self.out / "demo" / "report.md").read_text()

    @property
    def html(self) -> str:
        return (self.out / "demo" / "index.html").read_text()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Reported:
    """The demo run reported once, for the tests that only read the report (figures are slow)."""
    root = tmp_path_factory.mktemp("demo")
    make_demo_run(root)
    out = root / "reports"
    return Reported(out, write_reports(None, runs_root=root / "runs", out=out))


def test_writes_every_file_of_a_run_and_the_comparison(demo: Reported) -> None:
    out = demo.out
    assert demo.written == [
        out / "demo" / "index.html",
        out / "demo" / "report.md",
        out / "index.html",
        out / "comparison.md",
    ]
    for name in ("report.md", "index.html", "trials.csv"):
        assert (out / "demo" / name).stat().st_size > 0
    assert (out / "index.html").is_file() and (out / "comparison.md").is_file()
    figures = sorted(p.name for p in (out / "demo" / "figures").iterdir())
    expected = ["history", "learning_curves", "param_learning_rate", "param_momentum"]
    expected += ["param_optimizer", "param_units", "parallel_coordinates"]
    assert figures == sorted(f"{name}.png" for name in expected)  # 4 trials: no importance
    assert (out / "demo" / "next.yaml").is_file()
    assert (out / "figures" / "best_so_far_val_accuracy.png").is_file()
    for png in (out / "demo" / "figures").iterdir():
        assert png.read_bytes().startswith(PNG) and png.stat().st_size > 1000


def test_trials_csv_has_a_row_per_trial_with_test_metrics(demo: Reported) -> None:
    table = pd.read_csv(demo.out / "demo" / "trials.csv")
    assert len(table) == 5 and "params_learning_rate" in table
    assert table.set_index("trial_id").loc[2, "test_accuracy"] == pytest.approx(0.88)


def test_html_is_self_contained(demo: Reported) -> None:
    html = demo.html
    assert html.count('src="data:image/png;base64,') == 7
    assert not re.search(r"https?://", html)
    assert "<link" not in html and "@import" not in html
    # One inline script, which only counts the decoded figures for
    # tests/end_to_end/test_reports_in_browser.py.
    assert (
        html.count("<script") == 1
        and "<script>" in html
        and "src=" not in html.split("<script>")[1]
    )
    references = re.findall(r'(?:src|href)="([^"]*)"', html)
    local = ("data:image/png;base64,", "#", "../index.html", "trials.csv")
    assert references and all(ref.startswith(local) for ref in references)


def test_leaderboard_lists_the_best_trial_first(demo: Reported) -> None:
    rows = table_rows(demo.markdown, "Leaderboard")
    assert [row[1] for row in rows] == ["2", "3", "1", "0"]  # trial ids, best first
    best = rows[0]
    assert "3.00e-02" in best  # learning rates in scientific notation
    assert best[6] == "0.900" and best[8] == "0.880"  # validation, test accuracy: 3 decimals
    assert best[7] == "0.025"  # its standard error (150 validation samples)
    assert "0.050" in best  # the train-validation gap, at the same precision
    assert "2 / 3 (stopped early)" in best
    assert "12,345" in best
    assert "Leaderboard" in demo.html and "3.00e-02" in demo.html


def test_summary_names_dataset_trials_wall_time_and_best(demo: Reported) -> None:
    summary = demo.markdown.split("## Summary", 1)[1].split("## Leaderboard", 1)[0]
    assert "digits" in summary and "8 steps × 8 features" in summary
    assert "1000 train, 150 validation, 360 test" in summary
    assert "random" in summary and "classification" in summary
    assert "5 finished: 4 completed, 1 failed" in summary
    assert "1 min 00 s (1 search session)" in summary
    assert "trial 2: val_accuracy 0.900; test accuracy 0.880, loss 0.12" in summary


def test_test_evaluation_gives_each_accuracy_a_wilson_interval(demo: Reported) -> None:
    rows = table_rows(demo.markdown, "Test evaluation")
    assert [row[:2] for row in rows] == [["1", "2"], ["2", "3"]]
    assert rows[0][-1] == "0.802 – 0.930" and rows[1][-1] == "0.700 – 0.858"
    section = demo.markdown.split("## Test evaluation", 1)[1].split("## Figures", 1)[0]
    assert "On 100 test samples a 95% interval is about ±0.064 around trial 2's" in section
    assert "The intervals of all 2 trials overlap: the top trials do not differ by more" in section


def test_diagnostics_and_next_search_are_in_both_pages(demo: Reported) -> None:
    diagnostics = demo.markdown.split("## Diagnostics", 1)[1].split("## Next search", 1)[0]
    assert "Thresholds: overfitting is validation loss at least 2 epochs and 2%" in diagnostics
    assert (
        "- **Failures.** 1 trial failed with “loss became NaN at epoch 2” (trial 4)" in diagnostics
    )
    assert "- **Diverged.** Trial 4 diverged" in diagnostics
    assert "<strong>Failures.</strong>" in demo.html
    assert "next.yaml is the run's config with the changes below" in demo.markdown


def test_failures_are_listed_with_their_error(demo: Reported) -> None:
    assert table_rows(demo.markdown, "Failures")[0][-1] == "loss became NaN at epoch 2"


def test_reproduce_gives_the_command_and_the_config(demo_run: Path, tmp_path: Path) -> None:
    markdown, _ = report(demo_run, tmp_path / "reports")
    section = markdown.split("## How to reproduce", 1)[1]
    assert f"tuner search {tmp_path / 'demo.yaml'}" in section
    assert (demo_run / "config.yaml").read_text().strip() in section
    (tmp_path / "demo.yaml").write_text((tmp_path / "demo.yaml").read_text() + "seed: 7\n")
    markdown, _ = report(demo_run, tmp_path / "reports")
    assert f"tuner search {demo_run / 'config.yaml'}" in markdown


def test_comparison_has_one_linked_row_per_run(demo_run: Path, tmp_path: Path) -> None:
    make_config(tmp_path, "empty")
    out = tmp_path / "reports"
    write_reports(None, runs_root=tmp_path / "runs", out=out)
    rows = table_rows((out / "comparison.md").read_text(), "Runs")
    assert [row[0] for row in rows] == ["[demo](demo/report.md)", "[empty](empty/report.md)"]
    demo = rows[0]
    assert demo[1:] == [
        "digits",
        "random",
        "5 (4 completed, 1 failed)",
        "val_accuracy 0.9",
        "test accuracy 0.880, loss 0.12",
        "1 min 00 s",
    ]
    html = (out / "index.html").read_text()
    assert 'href="demo/index.html"' in html and 'href="empty/index.html"' in html


def test_a_run_with_no_trials_says_so(tmp_path: Path) -> None:
    markdown, html = report(make_config(tmp_path, "fresh"), tmp_path / "reports")
    assert "No trial has finished yet" in markdown and "No trial has finished yet" in html
    assert "No figures" in markdown
    assert "0 finished" in markdown
    assert not (tmp_path / "reports" / "fresh" / "figures").exists()


def test_a_run_with_only_failures_lists_them(tmp_path: Path) -> None:
    run_dir = make_config(tmp_path, "broken")
    write_record(run_dir, failed_record("a", 1, "ValueError: bad shape"))
    write_record(run_dir, failed_record("b", 2, "loss became inf at epoch 1"))
    markdown, html = report(run_dir, tmp_path / "reports")
    assert "No trial completed: all 2 failed" in markdown
    errors = [row[-1] for row in table_rows(markdown, "Failures")]
    assert errors == ["ValueError: bad shape", "loss became inf at epoch 1"]
    assert "loss became inf at epoch 1" in html


def test_a_run_still_searching_says_test_scores_are_missing(tmp_path: Path) -> None:
    run_dir = make_config(tmp_path, "running")
    write_record(run_dir, make_record("0", 1, 0.5, seconds=4.0))
    write_record(run_dir, make_record("1", 2, 0.6, seconds=6.0))
    markdown, _ = report(run_dir, tmp_path / "reports")
    assert "No test scores yet: best/test.json does not exist" in markdown
    assert "10.0 s (sum of trial times" in markdown  # no run.json yet
    assert "no test score yet" in markdown
    assert table_rows(markdown, "Leaderboard")[0][1] == "1"


def test_foreign_and_corrupt_trial_files_are_skipped_and_named(tmp_path: Path) -> None:
    run_dir = make_config(tmp_path, "messy")
    write_record(run_dir, make_record("0", 1, 0.5))
    (run_dir / "trials" / "torn.json").write_text('{"trial_id": "1", "sta')
    (run_dir / "trials" / "other.json").write_text('{"hello": "world"}')
    (run_dir / "best").mkdir()
    (run_dir / "best" / "test.json").write_text("[1, 2]")
    markdown, html = report(run_dir, tmp_path / "reports")
    assert "Skipped 2 files in trials/" in markdown
    assert "torn.json: unreadable" in markdown and "other.json: not a trial record" in html
    assert "best/test.json is unreadable" in markdown
    assert len(table_rows(markdown, "Leaderboard")) == 1


def test_a_minimized_objective_ranks_the_lowest_first(tmp_path: Path) -> None:
    run_dir = make_config(tmp_path, "losses", objective="val_loss")
    for i, score in enumerate([0.7, 0.3, 0.5]):
        write_record(run_dir, make_record(str(i), i + 1, score, objective="val_loss"))
    markdown, _ = report(run_dir, tmp_path / "reports")
    assert [row[1] for row in table_rows(markdown, "Leaderboard")] == ["1", "2", "0"]
    assert "val_loss (minimized)" in markdown


def test_moved_aside_runs_are_left_out_unless_named(demo_run: Path, tmp_path: Path) -> None:
    old = demo_run.with_name("demo.old-20260101-120000")  # as `search --fresh` leaves it
    shutil.copytree(demo_run, old)
    (tmp_path / "runs" / "notes").mkdir()  # no config.yaml: not a run
    assert find_runs(tmp_path / "runs") == [demo_run]
    written = write_reports([old], out=tmp_path / "reports")
    assert tmp_path / "reports" / old.name / "index.html" in written
    assert not (tmp_path / "reports" / "demo").exists()  # config.name is still "demo"


def test_a_folder_that_is_not_a_run_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="not a run folder: no config.yaml"):
        write_reports([tmp_path], out=tmp_path / "reports")


def test_no_runs_at_all_still_writes_an_index(tmp_path: Path) -> None:
    written = write_reports(None, runs_root=tmp_path / "runs", out=tmp_path / "reports")
    assert written == [tmp_path / "reports" / "index.html", tmp_path / "reports" / "comparison.md"]
    assert "No runs found" in written[0].read_text()


def test_figures_that_no_longer_apply_are_removed(demo_run: Path, tmp_path: Path) -> None:
    figures = tmp_path / "reports" / "demo" / "figures"
    stale = figures / "param_dropout.png"  # written by an earlier report, listed as such
    atomic.write_bytes(stale, PNG)
    atomic.write_json(figures.parent / ".figures.json", ["param_dropout.png"])
    report(demo_run, tmp_path / "reports")
    assert not stale.exists()


def test_a_file_the_report_did_not_write_is_never_removed(demo_run: Path, tmp_path: Path) -> None:
    mine = tmp_path / "reports" / "demo" / "figures" / "my_plot.png"
    atomic.write_bytes(mine, PNG)
    report(demo_run, tmp_path / "reports")
    report(demo_run, tmp_path / "reports")
    assert mine.read_bytes() == PNG


def test_load_run_reads_config_records_and_tests(demo_run: Path) -> None:
    run = load_run(demo_run)
    assert run.name == "demo" and run.objective == "val_accuracy" and run.top_k == 2
    assert run.varying() == ["units", "optimizer", "momentum", "learning_rate"]
    assert [r["trial_id"] for r in run.ranked] == ["2", "3", "1", "0"]
    assert run.test == {
        "2": {"accuracy": 0.88, "loss": pytest.approx(0.12)},
        "3": {"accuracy": 0.79, "loss": pytest.approx(0.21)},
    }


def test_train_validation_gap_is_positive_when_overfitting() -> None:
    accuracy = make_record("0", 1, 0.8)  # training accuracy 0.85 at the best epoch
    assert train_validation_gap(accuracy) == pytest.approx(0.05)
    loss = make_record("0", 1, 0.4, objective="val_loss")  # loss 0.55, val_loss 0.7
    assert train_validation_gap(loss) == pytest.approx(0.1)
    assert train_validation_gap(make_record("0", 1, 0.4, objective="loss")) is None


@pytest.mark.parametrize(
    ("name", "value", "text"),
    [
        ("learning_rate", 0.000123456, "1.23e-04"),
        ("dropout", 0.123456, "0.1235"),
        ("units", 64, "64"),
        ("bidirectional", True, "true"),
        ("momentum", None, "—"),
    ],
)
def test_param_text_is_readable(name: str, value: Any, text: str) -> None:
    assert value_text(name, value) == text


def test_duration_is_readable() -> None:
    assert [duration(s) for s in (4.21, 61, 3725)] == ["4.2 s", "1 min 01 s", "1 h 02 min"]


def test_writing_a_report_imports_no_keras_and_switches_no_matplotlib_backend(
    tmp_path: Path,
) -> None:
    run = make_config(tmp_path, "nokeras")
    for i, score in enumerate([0.5, 0.7, 0.6]):
        write_record(run, make_record(str(i), i + 1, score))
    code = (
        "import sys, matplotlib\n"
        "before = matplotlib.get_backend()\n"
        "from pathlib import Path\nfrom tuner.reporting.write import write_reports\n"
        f"pages = write_reports([{str(run)!r}], out=Path({str(tmp_path / 'reports')!r}))\n"
        "assert pages and all(p.exists() for p in pages), pages\n"
        "assert matplotlib.get_backend() == before, (before, matplotlib.get_backend())\n"
        "print(sorted(m for m in ('keras', 'tensorflow', 'keras_tuner', 'jax', 'torch')"
        " if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
