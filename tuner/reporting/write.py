"""Reports: reports/<name>/ for each run, and reports/index.html comparing the runs.

A run's folder gets report.md, a self-contained index.html, trials.csv, figures/*.png and
next.yaml (the next search), all from the same sections (tuner.reporting.run_page puts them
together from tuner.analysis.review, tuner.reporting.html lays out the page). The comparison
(tuner.reporting.comparison_page) gets
reports/index.html, comparison.md and figures/. Reads only what a run leaves on disk; never
imports Keras.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd

from tuner.analysis.frame import frame
from tuner.analysis.review import review as review_run
from tuner.reporting import comparison_page
from tuner.reporting.advice_sections import write_next
from tuner.reporting.html import Block, Image, Link, Note, Section, render_page
from tuner.reporting.markdown import to_markdown
from tuner.reporting.run_page import run_sections
from tuner.run import atomic, records
from tuner.run.layout import CONFIG_FILE
from tuner.run.run import Run, find_runs, load_run
from tuner.run.saved_config import check_run_dir
from tuner.text import plural


def write_reports(
    run_dirs: list[Path] | None, runs_root: Path = Path("runs"), out: Path = Path("reports")
) -> list[Path]:
    """Write each run's report and the comparison; return the pages written.

    ``run_dirs`` None means every run under ``runs_root`` except moved-aside ones. The
    comparison lists the runs reported in this call.
    """
    paths = [_named(Path(p)) for p in run_dirs] if run_dirs else find_runs(runs_root)
    runs = [load_run(check_run_dir(path)) for path in paths]
    written: list[Path] = []
    for run in runs:
        written += write_run_report(run, out / run.name)
    written += write_comparison(runs, out, runs_root if not run_dirs else None)
    return written


def _named(path: Path) -> Path:
    """A run folder given as ``.`` or ``runs/x/trials/..`` by its real name, so that its
    report goes to <out>/x, never to <out>/.. (the folder above the reports)."""
    return path.resolve() if path.name in ("", ".", "..") else path


def write_run_report(run: Run, folder: Path) -> list[Path]:
    """report.md, index.html, trials.csv, figures/ and next.yaml for one run; returns the two
    pages."""
    review = review_run(run)
    next_note = write_next(folder, run, review)
    sections = run_sections(run, review, folder, next_note)
    images = [b for s in sections for b in s.blocks if isinstance(b, Image)]
    _write_figures(folder / "figures", images)
    atomic.write_text(folder / "trials.csv", trials_table(run).to_csv(index=False))
    subtitle = f"{run.path} · written {time.strftime('%Y-%m-%d %H:%M')}"
    title = f"Run {run.name}"
    links = (
        Link("all runs", "../index.html", "../comparison.md"),
        Link("trials.csv", "trials.csv", "trials.csv"),
    )
    atomic.write_text(folder / "report.md", to_markdown(title, subtitle, sections, links))
    atomic.write_text(folder / "index.html", render_page(title, subtitle, sections, links))
    return [folder / "index.html", folder / "report.md"]


def trials_table(run: Run) -> pd.DataFrame:
    """The trials frame with test metrics merged; the header alone when nothing finished."""
    table = frame(run.records, run.test)
    if table.empty:
        skip = ("history", "hyperparameters")
        return pd.DataFrame(columns=[k for k in records.RECORD_KEYS if k not in skip])
    return table


FIGURES_WRITTEN = ".figures.json"  # beside figures/: the files the last report wrote there


def _write_figures(folder: Path, images: list[Image]) -> None:
    """Write this report's figures and drop those an earlier report wrote that no longer
    apply; a file the report did not write (its list says which it did) is never removed."""
    manifest = folder.parent.joinpath(FIGURES_WRITTEN)
    try:
        earlier = json.loads(manifest.read_text())
    except (OSError, ValueError):
        earlier = []
    keep = [f"{image.name}.png" for image in images]
    for image in images:
        atomic.write_bytes(folder.joinpath(f"{image.name}.png"), image.png)
    atomic.write_json(manifest, keep)
    for name in earlier if isinstance(earlier, list) else []:
        stale = folder.joinpath(str(name))
        if stale.name == name and name.endswith(".png") and name not in keep:
            stale.unlink(missing_ok=True)


# ---- comparison of runs -------------------------------------------------------------------


def write_comparison(runs: list[Run], out: Path, runs_root: Path | None) -> list[Path]:
    where = f"every run under {runs_root}/" if runs_root else "the runs named on the command line"
    if runs:
        blocks: tuple[Block, ...] = (
            f"{plural(len(runs), 'run')}: {where}. Open a run's name for its full report.",
            comparison_page.comparison_table(runs),
        )
    else:
        blocks = (
            Note(
                f"No runs found: {where} has no folder with a {CONFIG_FILE}. "
                "Start one with: tuner search configs/mnist.yaml"
            ),
        )
    sections = [Section("Runs", blocks), *comparison_page.sections(runs)]
    images = [b for s in sections for b in s.blocks if isinstance(b, Image)]
    _write_figures(out / "figures", images)
    subtitle = f"written {time.strftime('%Y-%m-%d %H:%M')}"
    atomic.write_text(out / "comparison.md", to_markdown("All runs", subtitle, sections))
    atomic.write_text(out / "index.html", render_page("All runs", subtitle, sections))
    return [out / "index.html", out / "comparison.md"]
