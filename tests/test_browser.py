"""Reports in a real browser: headless Chromium opens each index.html from the file system with
the network cut off, every <img> decodes (the page's inline script writes the count into
<body data-images="ok/all">), and a screenshot is saved. Without /usr/bin/chromium these
tests fail: CI installs it (.ci/run), and a report nobody has opened in a browser is untested.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_report import failed_record, make_config, make_demo_run, make_record

from tuner.report.write import write_reports
from tuner.run.records import write_record

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no network: any host name fails to resolve
    "--virtual-time-budget=10000",  # run the page's load events before dumping or shooting
)


@dataclass(frozen=True)
class Opened:
    dom: str
    images: tuple[int, int]  # decoded, present
    screenshot: Path


def open_page(page: Path, workdir: Path) -> Opened:
    """Load ``page`` in a fresh Chromium profile: its DOM after load, and a screenshot."""
    assert CHROMIUM.exists(), (
        f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; "
        ".ci/run does it) to test the reports in a browser"
    )
    workdir.mkdir(parents=True, exist_ok=True)
    dom = _chromium(page, workdir / "profile-dom", "--dump-dom").stdout
    shot = workdir / f"{page.parent.name}.png"
    size = "--window-size=1200,2400"
    _chromium(page, workdir / "profile-shot", size, "--hide-scrollbars", f"--screenshot={shot}")
    found = re.search(r'<body[^>]*data-images="(\d+)/(\d+)"', dom)
    assert found, f"the page's load script did not run in {page}: {dom[:300]!r}"
    return Opened(dom, (int(found[1]), int(found[2])), shot)


def _chromium(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def assert_every_image_loaded(opened: Opened, expected: int) -> None:
    ok, present = opened.images
    assert present == expected and ok == present, f"{ok} of {present} images decoded"
    assert opened.screenshot.read_bytes().startswith(b"\x89PNG")
    assert opened.screenshot.stat().st_size > 10_000  # a page, not a blank


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A full run, a copy of it under another name, one with nothing finished, one with only
    failures and one still searching (no test.json), reported together."""
    root = tmp_path_factory.mktemp("browser")
    demo = make_demo_run(root)
    shutil.copytree(demo, root / "runs" / "twin")
    make_config(root, "fresh")
    broken = make_config(root, "broken")
    write_record(broken, failed_record("a", 1, "ValueError: bad shape"))
    write_record(broken, failed_record("b", 2, "loss became inf at epoch 1"))
    running = make_config(root, "running")
    write_record(running, make_record("0", 1, 0.5))
    write_reports(None, runs_root=root / "runs", out=root / "reports")
    return root / "reports"


def test_a_full_report_shows_every_figure(reports: Path, tmp_path: Path) -> None:
    page = reports / "demo" / "index.html"
    opened = open_page(page, tmp_path)
    assert_every_image_loaded(opened, page.read_text().count("<img "))
    assert "Diagnostics" in opened.dom and "Next search" in opened.dom


def test_the_comparison_shows_every_figure(reports: Path, tmp_path: Path) -> None:
    page = reports / "index.html"
    opened = open_page(page, tmp_path)
    assert_every_image_loaded(opened, page.read_text().count("<img "))
    assert opened.images[1] >= 2  # best so far and at least one shared parameter
    assert 'href="twin/index.html"' in opened.dom


@pytest.mark.parametrize(
    ("run", "statement"),
    [
        ("fresh", "No trial has finished yet"),
        ("broken", "No trial completed: all 2 failed"),
        ("running", "No test scores yet: best/test.json does not exist"),
    ],
)
def test_unfinished_runs_render_a_statement(
    reports: Path, tmp_path: Path, run: str, statement: str
) -> None:
    page = reports / run / "index.html"
    opened = open_page(page, tmp_path)
    assert statement in opened.dom
    assert_every_image_loaded(opened, page.read_text().count("<img "))
