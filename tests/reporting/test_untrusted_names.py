"""Names a run folder supplies (its folder name, its records' trial ids) never reach outside
the run and report folders, never delete what the toolkit did not write, and never become a
live link (issue 20, items 15-17). The CLI runs as a user runs it, on hand-made run folders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers.cli import run_tuner
from helpers.records import PNG, make_demo_run

from tuner.run import atomic


def test_a_record_whose_trial_id_climbs_out_is_skipped_and_export_deletes_nothing_above(
    tmp_path: Path,
) -> None:
    run_dir = make_demo_run(tmp_path)
    planted = json.loads((run_dir / "trials" / "0.json").read_text())
    atomic.write_json(run_dir / "trials" / "...json", {**planted, "trial_id": ".."})
    tb = tmp_path / "tb"
    mine = tb / "1" / "notes.txt"  # a folder named like a trial that an export did not write
    mine.parent.mkdir(parents=True)
    mine.write_text("keep me")
    done = run_tuner("export", str(run_dir), "--tensorboard", str(tb), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "demo.yaml").is_file() and run_dir.is_dir()  # the folder above tb stays
    assert mine.read_text() == "keep me"
    assert sorted(p.name for p in tb.iterdir() if p.is_dir()) == ["0", "1", "2", "3", "4"]
    done = run_tuner("export", str(run_dir), "--tensorboard", str(tb), cwd=tmp_path)
    assert done.returncode == 0 and mine.read_text() == "keep me"  # a second export too


def test_a_report_of_a_path_through_dotdot_goes_to_the_runs_own_folder(tmp_path: Path) -> None:
    run_dir = make_demo_run(tmp_path)
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "holiday.png").write_bytes(PNG)
    done = run_tuner("report", f"{run_dir}/trials/..", "--out", ".", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "demo" / "index.html").is_file()
    assert (tmp_path / "figures" / "holiday.png").read_bytes() == PNG


def test_a_run_folder_named_like_a_script_link_is_no_live_link(tmp_path: Path) -> None:
    run_dir = make_demo_run(tmp_path)
    hostile = run_dir.with_name("javascript:alert(1)")
    shutil.move(run_dir, hostile)
    (tmp_path / "b").mkdir()
    done = run_tuner("report", str(hostile), str(make_demo_run(tmp_path / "b")), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "reports" / "index.html").read_text()
    assert 'href="javascript:' not in page
    assert 'href="javascript%3Aalert%281%29/index.html"' in page
