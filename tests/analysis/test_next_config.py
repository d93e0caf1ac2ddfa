"""reports/<name>/next.yaml: the diagnostics' edits applied to the run's config, accepted by
`tuner validate` (a real subprocess). Hand-made runs: no training."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from helpers.paths import REPO
from helpers.records import make_config, make_record
from helpers.reports import report

from tuner.analysis import next_config
from tuner.analysis.findings import Edit
from tuner.run.records import write_record


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tuner", "validate", str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def make_lr_only_run(root: Path) -> Path:
    """Ten trials whose score follows the learning rate alone (best at the top of its range);
    optimizer alternates with no effect, and the best trial uses adam."""
    run_dir = make_config(root, "lronly")
    rates = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 2e-2, 4e-2, 6e-2, 8e-2, 9.5e-2]
    for i, rate in enumerate(rates):
        hp = {"units": 16, "optimizer": "adam" if i % 2 else "sgd", "learning_rate": rate}
        hp |= {"momentum": 0.7} if hp["optimizer"] == "sgd" else {}
        write_record(run_dir, make_record(str(i), i + 1, 0.5 + 0.04 * i, hyperparameters=hp))
    return run_dir


def test_next_yaml_widens_fixes_prunes_and_validates(tmp_path: Path) -> None:
    run_dir = make_lr_only_run(tmp_path)
    markdown, html = report(run_dir, tmp_path / "reports")
    path = tmp_path / "reports" / "lronly" / "next.yaml"
    config = yaml.safe_load(path.read_text())
    assert path.read_text().startswith("# Next search for lronly, from its report's diagnostics")
    assert config["name"] == "lronly-next"
    space = config["space"]
    assert space["optimizer"] == "adam"  # no effect: fixed at the best trial's value
    assert "momentum" not in space  # its `when: {optimizer: sgd}` can no longer hold
    assert space["learning_rate"]["max"] == 0.562  # widened by a quarter of its 3 decades
    assert space["learning_rate"]["sampling"] == "log"
    assert "space.optimizer: [sgd, adam] → adam" in markdown
    assert "space.momentum: removed" in markdown
    assert "space.learning_rate.max: 0.1 → 0.562" in html
    result = validate(path)
    assert result.returncode == 0, result.stderr
    assert "run 'lronly-next'" in result.stdout


def test_next_yaml_does_not_act_on_differences_within_the_noise(tmp_path: Path) -> None:
    """The same ten trials on 7 validation samples: the learning rate's "edge" and the
    optimizer's "no effect" are within one score's noise, so next.yaml changes nothing."""
    from tuner.run import atomic

    run_dir = make_lr_only_run(tmp_path)
    atomic.write_json(
        run_dir / "run.json", {"dataset": {"task": "classification", "validation": 7}}
    )
    markdown, _ = report(run_dir, tmp_path / "reports")
    config = yaml.safe_load((tmp_path / "reports" / "lronly" / "next.yaml").read_text())
    assert config["space"]["learning_rate"]["max"] == 0.1 and config["space"]["optimizer"] == [
        "sgd",
        "adam",
    ]
    assert "7 validation samples cannot separate these trials" in markdown
    # The one change: validate on every sample, the remedy that needs no more data.
    assert config["search"]["cv"] == {"folds": 5}
    assert "search.cv: auto → {folds: 5}" in markdown


def test_the_demo_run_next_yaml_validates_too(tmp_path: Path) -> None:
    from helpers.records import make_demo_run

    run_dir = make_demo_run(tmp_path)
    report(run_dir, tmp_path / "reports")
    result = validate(tmp_path / "reports" / "demo" / "next.yaml")
    assert result.returncode == 0, result.stderr


def test_a_run_with_nothing_finished_gets_no_next_yaml(tmp_path: Path) -> None:
    markdown, _ = report(make_config(tmp_path, "fresh"), tmp_path / "reports")
    assert not (tmp_path / "reports" / "fresh" / "next.yaml").exists()
    assert "No next.yaml yet: no trial has finished" in markdown
    assert "No diagnostics: no trial has finished yet." in markdown


def test_apply_sets_a_path_and_says_what_changed() -> None:
    config = {"space": {"units": [16, 32]}, "search": {"epochs": 4}}
    assert next_config.apply(config, Edit(("search", "epochs"), 8)) == "search.epochs: 4 → 8"
    change = next_config.apply(config, Edit(("space", "dropout"), {"min": 0.0, "max": 0.5}))
    assert change == "space.dropout: absent → {min: 0.0, max: 0.5}"
    assert config["space"]["dropout"] == {"min": 0.0, "max": 0.5}


def test_prune_conditions_trims_or_drops_what_can_no_longer_be_active() -> None:
    space = {
        "optimizer": ["adam", "rmsprop"],
        "momentum": {"min": 0.5, "max": 0.9, "when": {"optimizer": "sgd"}},
        "batch_size": {"values": [32, 64], "when": {"optimizer": ["sgd", "adam"]}},
    }
    changes = next_config.prune_conditions(space, "lstm")
    assert "momentum" not in space and changes == [
        "space.momentum: removed (its `when` can no longer hold)"
    ]
    assert space["batch_size"]["when"] == {"optimizer": "adam"}


def test_a_grown_grid_raises_max_trials() -> None:
    config = {
        "model": {"cell": "lstm"},
        "space": {"units": [16, 32], "dropout": [0.0, 0.3]},
        "search": {"algorithm": "grid", "max_trials": 2},
    }
    assert next_config.fit_grid(config) == ["search.max_trials: 2 → 4 (the grid now has 4 points)"]
    assert config["search"]["max_trials"] == 4
