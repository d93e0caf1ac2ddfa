"""The everyday path of issue 10, through the real CLI: data files checked by `validate`,
`--set` errors naming the argument, and a search that is continued or already done."""

from __future__ import annotations

from pathlib import Path

from helpers.cli import run_tuner

from tuner.config.schema import load_config
from tuner.run import folder as run_folder
from tuner.run import run_lock

CSV_CONFIG = (
    "name: sales\ndata:\n  dataset: csv\n  path: {path}\n  target: demand\n"
    "space:\n  units: [4, 8]\n"
)


def test_validate_names_a_missing_data_file_with_its_line_and_resolved_path(
    tmp_path: Path,
) -> None:
    (tmp_path / "sales.yaml").write_text(CSV_CONFIG.format(path="data/nope.csv"))
    result = run_tuner("validate", "sales.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        f"error: sales.yaml:4: data.path: no such file 'data/nope.csv', that is "
        f"{tmp_path / 'data' / 'nope.csv'} (relative to the current folder); fix the path\n"
    )


def test_validate_refuses_a_folder_as_the_data_file(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "sales.yaml").write_text(CSV_CONFIG.format(path="data"))
    result = run_tuner("validate", "sales.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.endswith("(relative to the current folder) is a folder; name a file\n")


def test_a_bad_set_value_names_the_set_argument_not_a_line_of_the_file(tmp_path: Path) -> None:
    (tmp_path / "tiny.yaml").write_text("search:\n  max_trials: 3\n")
    result = run_tuner("search", "tiny.yaml", "--set", "search.max_trials=-1", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "error: --set 'search.max_trials=-1': search.max_trials: must be >= 1, got -1\n"
    )


def test_a_run_that_failed_before_its_first_trial_takes_the_corrected_config(
    tmp_path: Path,
) -> None:
    (tmp_path / "sales.csv").write_text("date,demand\n2021-01-01,1\n2021-01-02,n/a\n")
    (tmp_path / "sales.yaml").write_text(CSV_CONFIG.format(path="sales.csv"))
    first = run_tuner("search", "sales.yaml", cwd=tmp_path)
    assert first.returncode == 2 and "a missing value ('n/a')" in first.stderr
    assert not (tmp_path / "runs" / "sales").exists()  # no empty run left for reports to list
    # A folder left with no trial (by a kill, or an earlier version) takes a corrected config.
    run_folder.prepare(load_config(tmp_path / "sales.yaml"), fresh=False, root=tmp_path / "runs")
    run_lock.release(tmp_path / "runs" / "sales")
    (tmp_path / "sales.yaml").write_text(CSV_CONFIG.format(path="sales.csv") + "seed: 7\n")
    second = run_tuner("search", "sales.yaml", cwd=tmp_path)  # no --fresh needed
    assert second.returncode == 2, second.stderr
    assert "differs from the run" not in second.stderr
    assert second.stderr.splitlines() == [
        "note: runs/sales had no trial yet; its config is replaced",
        first.stderr.strip(),
    ]
