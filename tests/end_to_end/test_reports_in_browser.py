"""Reports in a real browser: headless Chromium opens each index.html from the file system with
the network cut off, every <img> decodes (the page's inline script writes the count into
<body data-images="ok/all">), and a screenshot is saved. Without /usr/bin/chromium these
tests fail: CI installs it (.ci/run), and a report nobody has opened in a browser is untested.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers.browser import CHROMIUM, FLAGS, assert_every_image_loaded, open_page
from helpers.records import failed_record, make_config, make_demo_run, make_record, write_test_json

from tuner.config.schema import load_config
from tuner.reporting.html import render_page
from tuner.reporting.run_page import leaderboard, summary
from tuner.reporting.write import write_reports
from tuner.run import folder as run_folder
from tuner.run.records import write_record
from tuner.run.run import load_run


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


# ---- a leaderboard of ten varying hyperparameters fits the page -------------------------------

WIDE_SPACE = """\
space:
  units: [16, 32, 128]
  layers: {min: 1, max: 3}
  dropout: {min: 0.0, max: 0.5}
  recurrent_dropout: {min: 0.0, max: 0.5}
  l1: {min: 1.0e-6, max: 1.0e-2, sampling: log}
  l2: {min: 1.0e-6, max: 1.0e-2, sampling: log}
  activation: [tanh, softsign]
  recurrent_activation: [sigmoid, hard_sigmoid]
  optimizer: [sgd, adam, rmsprop]
  learning_rate: {min: 1.0e-4, max: 1.0e-1, sampling: log}
"""


def wide_hyperparameters(i: int) -> dict[str, object]:
    return {
        "units": [16, 32, 128][i % 3],
        "layers": 1 + i % 3,
        "dropout": 0.0123 * i,
        "recurrent_dropout": 0.0456 * i,
        "l1": 1.234e-6 * 10 ** (i % 4),
        "l2": 2.345e-5 * 10 ** (i % 3),
        "activation": ["tanh", "softsign"][i % 2],
        "recurrent_activation": ["sigmoid", "hard_sigmoid"][i % 2],
        "optimizer": ["sgd", "adam", "rmsprop"][i % 3],
        "learning_rate": 1.234e-4 * 10 ** (i % 3),
    }


def test_a_leaderboard_of_ten_parameters_stays_inside_the_page(tmp_path: Path) -> None:
    """At a 1200-pixel window the page does not scroll sideways and the leaderboard's box is no
    wider than its section (the page's load script measures both into the DOM): header names
    wrap, after an underscore too, and what is still too wide scrolls inside the box. The page
    holds the run's Summary and Leaderboard only: the figures would add seconds, not width."""
    source = tmp_path / "wide.yaml"
    source.write_text(
        f"name: wide\ndata: {{dataset: digits}}\n{WIDE_SPACE}"
        "search: {algorithm: random, max_trials: 10, epochs: 4, cv: null}\nreport: {top_k: 2}\n"
    )
    run_dir = run_folder.prepare(load_config(source), fresh=False, root=tmp_path / "runs")
    for i in range(10):
        hp = wide_hyperparameters(i)
        record = make_record(str(i), i + 1, 0.5 + 0.01 * i, hyperparameters=hp, seconds=123.4)
        write_record(run_dir, record | {"parameters": 1234567})
    write_test_json(run_dir, {"9": 0.88, "8": 0.79})
    run = load_run(run_dir)
    page = tmp_path / "wide.html"
    page.write_text(render_page("Run wide", str(run_dir), [summary(run), leaderboard(run)]))
    command = [str(CHROMIUM), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    command += ["--window-size=1200,2400", "--dump-dom", page.as_uri()]
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout
    page_width = re.search(r'data-page-width="(\d+)/(\d+)"', dom)
    assert page_width, f"the page's load script did not run: {dom[:300]!r}"
    assert int(page_width[1]) <= int(page_width[2]), "the page scrolls sideways"
    board = dom.split('<section id="leaderboard">', 1)[1].split("</section>", 1)[0]
    widths = re.search(r'<div class="scroll" data-widths="(\d+)/(\d+)/(\d+)"', board)
    assert widths, board[:300]
    table, box, container = map(int, widths.groups())
    assert box <= container, f"the leaderboard is {box} pixels wide in a {container}-pixel column"
    assert table > 0 and board.count("<th>") == 20  # rank, trial, 10 parameters, 8 more
    assert "recurrent_<wbr>activation" in board and "hard_<wbr>sigmoid" in board
