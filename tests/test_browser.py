"""Reports in a real browser: headless Chromium opens each index.html from the file system with
the network cut off, every <img> decodes (the page's inline script writes the count into
<body data-images="ok/all">), and a screenshot is saved. Without /usr/bin/chromium these
tests fail: CI installs it (.ci/run), and a report nobody has opened in a browser is untested.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import (
    assert_every_image_loaded,
    failed_record,
    make_config,
    make_demo_run,
    make_record,
    open_page,
)

from tuner.report.write import write_reports
from tuner.run.records import write_record


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
