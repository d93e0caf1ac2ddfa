"""--json and --quiet: scripts read one JSON object from `tuner validate` and `tuner search`; a
quiet search prints its best line and nothing else but errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from helpers.cli import run_tuner

CONFIG = {
    "name": "scripted",
    "data": {"dataset": "digits", "limit": 120},
    "space": {"units": [4, 8], "learning_rate": 1.0e-2, "batch_size": 32},
    "search": {"algorithm": "grid", "max_trials": 2, "epochs": 1, "cv": None},
    "report": {"top_k": 2},
}


def test_validate_json_gives_each_configs_space_and_size(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(CONFIG))
    lr = {
        **CONFIG,
        "space": {"learning_rate": {"min": 1e-4, "max": 1e-2, "sampling": "log"}},
        "search": {"algorithm": "random", "max_trials": 2, "cv": None},
    }
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(lr))
    done = run_tuner("validate", "--json", "a.yaml", "b.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    a, b = json.loads(done.stdout)["configs"]
    assert a["name"] == "scripted" and a["size"] == 2 and a["continuous"] == []
    assert a["space"]["units"] == {
        "kind": "choice",
        "varies": True,
        "values": [4, 8],
        "text": "one of [4, 8]",
    }
    assert b["size"] is None and b["continuous"] == ["learning_rate"]
    assert b["space"]["learning_rate"]["sampling"] == "log"


@pytest.mark.slow
def test_a_quiet_search_then_its_json(tmp_path: Path) -> None:
    (tmp_path / "scripted.yaml").write_text(yaml.safe_dump(CONFIG))
    quiet = run_tuner("search", "scripted.yaml", "-q", cwd=tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    # no data line, no progress: only the warning that its 12 validation samples are few
    assert quiet.stderr.splitlines() == [
        "warning: the validation split holds 12 samples: one accuracy's noise is about ±0.14, "
        "too much to rank trials by; use search.cv: {folds: 5} (or auto) or a larger "
        "data.validation_split"
    ]
    lines = quiet.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("best: trial ")

    done = run_tuner("search", "scripted.yaml", "--json", cwd=tmp_path)  # finished: no training
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)  # the whole of stdout is one object
    test = json.loads((tmp_path / "runs" / "scripted" / "best" / "test.json").read_text())
    top = test["trials"][0]
    best = {"trial_id": str(top["trial_id"]), "score": top["score"], "test": top["test"]}
    assert result["best"] == best and lines[0].startswith(f"best: trial {top['trial_id']} ")
    assert [t["trial_id"] for t in result["top"]] == [t["trial_id"] for t in test["trials"]]
    assert all((tmp_path / p).exists() for p in result["paths"].values())
    assert "this search is done" in done.stderr  # the human line, on stderr
