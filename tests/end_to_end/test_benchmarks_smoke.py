"""Every benchmark runs end to end in --smoke mode (tiny sizes), so none of them can rot.

Marked `bench`: `make bench` runs these first (about 4 minutes), `make test` leaves them out
to stay within its ten minutes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers.paths import REPO

pytestmark = [pytest.mark.slow, pytest.mark.bench]
BENCHMARKS = REPO / "benchmarks"
SCRIPTS = {
    "overhead.py": ("1-overhead-tensorflow.md", "Per-epoch ratio"),
    "throughput.py": ("2-throughput.md", "samples/s"),
    "efficiency.py": ("3-efficiency.md", "Winner by median"),
    "workers.py": ("4-workers.md", "Speed-up with 2 workers"),
    "search_quality.py": ("6-search-quality.md", "epochs to RandomSearch's best"),
    "long_sequences.py": ("8-long-sequences.md", "median test accuracy"),
    "small_data.py": ("9-small-data.md", "beats 1-NN"),
    "final_models.py": ("10-final-models.md", "best of its seed"),
    "forecasting.py": ("11-forecasting.md", "beats seasonal naive"),
    "memory.py": ("12-memory.md", "end / trial 20"),
}


def test_every_benchmark_script_is_covered() -> None:
    scripts = {p.name for p in BENCHMARKS.glob("*.py")} - {"common.py", "run_all.py", "by_hand.py"}
    assert scripts == set(SCRIPTS)


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_benchmark_runs_in_smoke_mode(tmp_path: Path, script: str) -> None:
    result_file, phrase = SCRIPTS[script]
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--smoke", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    table = (tmp_path / result_file).read_text()
    assert phrase in table and "|---|" in table
    figure = {"efficiency.py": "3-efficiency.png", "search_quality.py": "6-search-quality.png"}
    if script in figure:
        assert (tmp_path / figure[script]).read_bytes().startswith(b"\x89PNG")
