"""A full, read-only or size-limited file system during a search: one clear line, exit 1, and
every record written before intact; the same command resumes once the disk is fixed."""

from __future__ import annotations

import errno
import resource
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers.cli import CRASH_DRIVER, run_tuner
from helpers.configs import TINY_SEARCH

pytestmark = pytest.mark.slow

CONFIG = TINY_SEARCH
INTACT = "and run the same command to resume (the files written before are intact)"


def tuner(cwd: Path, *args: str, limit: int | None = None, **env: str) -> Any:
    driver = CRASH_DRIVER if env else None

    def file_size_limit() -> None:  # in the child: writes past `limit` bytes fail with EFBIG
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return run_tuner(
        *args, cwd=cwd, env=env, program=driver, preexec_fn=file_size_limit if limit else None
    )


def finished(run: Path) -> dict[str, bytes]:
    return {p.stem: p.read_bytes() for p in sorted((run / "trials").glob("*.json"))}


@pytest.fixture(scope="module")
def killed_after_two(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A search killed right after its second record, once for this file: tiny.yaml and
    runs/tiny holding records 0 and 1."""
    folder = tmp_path_factory.mktemp("killed")
    (folder / "tiny.yaml").write_text(yaml.safe_dump(CONFIG))
    tuner(folder, "search", "tiny.yaml", KILL_AT="after-record", KILL_TRIAL="1")
    return folder


def two_trials_then_killed(
    killed: Path, folder: Path, runs: str = "runs"
) -> tuple[Path, dict[str, bytes]]:
    """A copy of the killed search in ``folder``, its run under ``runs``."""
    shutil.copy(killed / "tiny.yaml", folder / "tiny.yaml")
    shutil.copytree(killed / "runs", folder / runs, dirs_exist_ok=True)
    before = finished(folder / runs / "tiny")
    assert sorted(before) == ["0", "1"]
    return folder / "tiny.yaml", before


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def test_a_refused_checkpoint_write_stops_the_search_without_a_failed_record(
    killed_after_two: Path, tmp_path: Path
) -> None:
    _, before = two_trials_then_killed(killed_after_two, tmp_path)
    limited = tuner(tmp_path, "search", "tiny.yaml", limit=16_384)  # records fit, weights not
    assert limited.returncode == 1, limited.stderr
    assert "Traceback" not in limited.stderr
    assert last_line(limited.stderr) == (
        "error: cannot write runs/tiny/kt/trial_2/checkpoint.weights.h5: File too large; "
        f"raise the file size limit (ulimit -f) {INTACT}"
    )
    run = tmp_path / "runs" / "tiny"
    assert finished(run) == before  # trial 2 is not blamed: no failed record for it
    assert not list(run.rglob(".partial-*")) and not list(run.rglob("*.tmp"))
    # Resuming once the limit is lifted: the next test does it after a full disk.


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs (needs the right to mount, which root has here and in CI)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, f"the disk-full test needs to mount a tmpfs: {made.stderr}"
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as handle:  # unbuffered: close() has nothing to flush
        try:
            while True:
                handle.write(b"\0" * 65_536)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def test_a_full_then_read_only_disk_stops_cleanly_and_keeps_the_records(
    killed_after_two: Path, tmp_path: Path, small_disk: Path
) -> None:
    runs = "disk/runs"
    _, before = two_trials_then_killed(killed_after_two, tmp_path, runs)
    run = tmp_path / runs / "tiny"

    filler = fill(small_disk)
    full = tuner(tmp_path, "search", "tiny.yaml", "--runs", runs)
    assert full.returncode == 1, full.stderr
    assert "Traceback" not in full.stderr
    line = last_line(full.stderr)
    assert line.startswith(f"error: cannot write {runs}/tiny/"), line
    assert line.endswith(f": No space left on device; free some space {INTACT}"), line
    assert finished(run) == before

    filler.unlink()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    read_only = tuner(tmp_path, "search", "tiny.yaml", "--runs", runs)
    assert read_only.returncode == 1, read_only.stderr
    assert "Traceback" not in read_only.stderr
    assert last_line(read_only.stderr) == (
        f"error: cannot write {runs}/tiny/config.yaml: Read-only file system; "
        f"make {runs}/tiny writable {INTACT}"
    )
    assert finished(run) == before

    subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    resumed = tuner(tmp_path, "search", "tiny.yaml", "--runs", runs)
    assert resumed.returncode == 0, resumed.stderr
    after = finished(run)
    assert sorted(after) == ["0", "1", "2"] and {k: after[k] for k in before} == before
