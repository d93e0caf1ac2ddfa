"""search.isolate: each trial trained by its own `tuner search` process, which holds the
launcher's run lock; a signal to the launcher reaches the trial being trained, and the same
command resumes. Real processes, real signals, real Keras on a tiny search."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import pytest
from helpers.resume import check_complete, check_kept, finished, start_search, tuner, write_config

pytestmark = pytest.mark.slow


def test_each_trial_in_its_own_process_stopped_by_a_signal_and_resumed(tmp_path: Path) -> None:
    config = write_config(tmp_path, max_trials=2, isolate=True)
    run = tmp_path / "runs" / "tiny"
    launcher = start_search(tmp_path, config, stderr=subprocess.PIPE, text=True)
    assert launcher.stderr is not None
    for line in launcher.stderr:  # the first trial's record is written: the second is next
        if line.startswith("[1/2]"):
            break
    kept = finished(run)
    assert list(kept) == ["0"]
    # The lock is held while the launcher lives (by it and its trial process): no second search
    second = tuner(tmp_path, "search", str(config))
    assert second.returncode == 1 and "is in use by another search" in second.stderr
    launcher.send_signal(signal.SIGTERM)
    _, rest = launcher.communicate(timeout=120)
    assert launcher.returncode == 143, rest
    assert "interrupted: finished trials are kept" in rest
    assert not (run / "best").exists()  # the export waits for the last trial

    resumed = tuner(tmp_path, "search", str(config))
    assert resumed.returncode == 0, resumed.stderr
    check_kept(kept, finished(run))
    check_complete(run, 2)
    statuses = [s["status"] for s in json.loads((run / "run.json").read_text())["sessions"]]
    # one per process that got as far as its search: trial 0's, the second's when the signal
    # stopped it training (not when it came as the first was ending), then on resume trial
    # 1's, which ended the search and so wrote best/ too (no export process after it)
    assert statuses[-1] == "finished" and len(statuses) in (2, 3)
    assert statuses[:-1] in (["finished"], ["finished", "interrupted"], ["interrupted"])
    assert resumed.stderr.count("each trial in a fresh process (search.isolate)") == 1
    assert resumed.stderr.count("\nbest: trial") + resumed.stdout.count("best: trial") == 1
    assert (run / "best" / "model.keras").exists()


def test_a_lock_descriptor_that_is_not_the_runs_is_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    first = tuner(tmp_path, "validate", str(config))
    assert first.returncode == 0, first.stderr
    (tmp_path / "runs" / "tiny").mkdir(parents=True)
    (tmp_path / "runs" / "tiny" / ".search.lock").write_text("")
    refused = tuner(tmp_path, "search", str(config), TUNER_INHERITED_LOCK_FD="0")
    assert refused.returncode == 1
    assert "TUNER_INHERITED_LOCK_FD=0 is not this run's lock" in refused.stderr
