"""Reports: reports/<name>/ for each run, and reports/index.html comparing the runs.

A run's folder gets report.md, a self-contained index.html, trials.csv, figures/*.png and
next.yaml (the next search), all from the same sections (tuner.sections and tuner.advice
compute them, tuner.page lays out the page). The comparison (tuner.compare) gets
reports/index.html, comparison.md and figures/. Reads only what a run leaves on disk; never
imports Keras.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tuner import advice, compare, storage
from tuner import records as trial_records
from tuner.config import Config, load_config
from tuner.errors import UserInputError
from tuner.page import Block, Bullets, Code, Facts, Image, Link, Note, Section, render_page
from tuner.rundir import CONFIG_FILE, read_run_info
from tuner.sections import Record, run_sections
from tuner.space import Param

MOVED_ASIDE = re.compile(r"\.old-\d")  # runs/<name>.old-<stamp>, left by `search --fresh`


@dataclass(frozen=True)
class Run:
    """A run folder as the report reads it."""

    name: str
    path: Path
    config: Config | None  # None when the saved config no longer validates
    config_text: str
    info: dict[str, Any]  # run.json: dataset summary and search sessions
    records: list[Record]  # readable trial records in finishing order
    test: dict[str, dict[str, float]] | None  # trial_id -> test metrics; None: no test.json
    notes: tuple[str, ...]  # what could not be read, said in the report
    test_samples: int | None = None  # the test split's size, from test.json

    @property
    def ranked(self) -> list[Record]:
        return trial_records.ranked(self.records)

    @property
    def status_counts(self) -> Counter[str]:
        return Counter(str(r["status"]) for r in self.records)

    @property
    def wall_seconds(self) -> tuple[float, str]:
        """Seconds searched and where that comes from: search sessions, else summed trial times."""
        sessions = [s for s in self.info.get("sessions", []) if _number(s.get("finished"))]
        if sessions:
            spans = [s["finished"] - s["started"] for s in sessions if _number(s.get("started"))]
            return sum(spans), f"{len(sessions)} search session(s)"
        seconds = sum(r["seconds"] for r in self.records if _number(r.get("seconds")))
        return seconds, "sum of trial times; run.json records no finished session"

    @property
    def objective(self) -> str:
        if self.config is not None:
            return self.config.objective
        return str(self.records[0]["objective"]) if self.records else "score"

    @property
    def algorithm(self) -> str:
        return self.config.search.algorithm if self.config is not None else "unknown"

    @property
    def dataset_name(self) -> str:
        summary = self.info.get("dataset") or {}
        fallback = self.config.data.dataset if self.config is not None else "unknown"
        return str(summary.get("dataset", fallback))

    @property
    def top_k(self) -> int:
        return self.config.report.top_k if self.config is not None else 5

    def param(self, name: str) -> Param | None:
        if self.config is None:
            return None
        return next((p for p in self.config.space.params if p.name == name), None)

    def varying(self) -> list[str]:
        """The hyperparameters the config varies, or those whose recorded values differ."""
        if self.config is not None:
            return self.config.space.varying
        names = dict.fromkeys(n for r in self.records for n in r["hyperparameters"])
        return [
            n for n in names if len({repr(r["hyperparameters"].get(n)) for r in self.records}) > 1
        ]


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def load_run(path: Path) -> Run:
    """Everything the report reads from runs/<name>/, with a note for each thing unreadable."""
    records, skipped = trial_records.read_records(path)
    notes = []
    if skipped:
        listed = "; ".join(skipped)
        notes.append(
            f"Skipped {len(skipped)} file(s) in trials/ that are not trial records: {listed}"
        )
    try:
        config: Config | None = load_config(path / CONFIG_FILE)
    except UserInputError as exc:
        config = None
        notes.append(f"{CONFIG_FILE} no longer validates ({exc}); ranges and top_k are unknown.")
    test, samples, test_note = _read_test(path)
    notes += [test_note] if test_note else []
    text = (path / CONFIG_FILE).read_text()
    # The folder's name, not config.name: a moved-aside run (tiny.old-...) keeps name "tiny",
    # and its report must not overwrite the current run's.
    info = read_run_info(path)
    return Run(path.name, path, config, text, info, records, test, tuple(notes), samples)


def _read_test(path: Path) -> tuple[dict[str, dict[str, float]] | None, int | None, str]:
    """best/test.json as trial_id -> metrics and the test sample count; None with a note when
    absent or unreadable."""
    file = path / "best" / "test.json"
    if not file.exists():
        return None, None, ""
    try:
        summary = json.loads(file.read_text())
        trials = {str(t["trial_id"]): dict(t["test"]) for t in summary["trials"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        problem = exc.__class__.__name__
        return None, None, f"best/test.json is unreadable ({problem}); test scores are left out."
    samples = summary.get("test_samples")
    return trials, samples if isinstance(samples, int) and samples > 0 else None, ""


def write_reports(
    run_dirs: list[Path] | None, runs_root: Path = Path("runs"), out: Path = Path("reports")
) -> list[Path]:
    """Write each run's report and the comparison; return the pages written.

    ``run_dirs`` None means every run under ``runs_root`` except moved-aside ones. The
    comparison lists the runs reported in this call.
    """
    paths = [Path(p) for p in run_dirs] if run_dirs else find_runs(runs_root)
    for path in paths:
        if not (path / CONFIG_FILE).is_file():
            raise UserInputError(
                f"not a run folder: no {CONFIG_FILE} in it; give a folder like runs/<name>",
                file=str(path),
            )
    runs = [load_run(path) for path in paths]
    written: list[Path] = []
    for run in runs:
        written += write_run_report(run, out / run.name)
    written += write_comparison(runs, out, runs_root if not run_dirs else None)
    return written


def find_runs(runs_root: Path) -> list[Path]:
    """Folders under ``runs_root`` holding a config.yaml, moved-aside runs left out."""
    if not runs_root.is_dir():
        return []
    return sorted(
        path
        for path in runs_root.iterdir()
        if (path / CONFIG_FILE).is_file() and not MOVED_ASIDE.search(path.name)
    )


def write_run_report(run: Run, folder: Path) -> list[Path]:
    """report.md, index.html, trials.csv, figures/ and next.yaml for one run; returns the two
    pages."""
    review = advice.review(run)
    next_note = advice.write_next(folder, run, review)
    sections = run_sections(run, review, folder, next_note)
    images = [b for s in sections for b in s.blocks if isinstance(b, Image)]
    _write_figures(folder / "figures", images)
    storage.write_text(folder / "trials.csv", trials_table(run).to_csv(index=False))
    subtitle = f"{run.path} · written {time.strftime('%Y-%m-%d %H:%M')}"
    title = f"Run {run.name}"
    links = (
        Link("all runs", "../index.html", "../comparison.md"),
        Link("trials.csv", "trials.csv", "trials.csv"),
    )
    storage.write_text(folder / "report.md", to_markdown(title, subtitle, sections, links))
    storage.write_text(folder / "index.html", render_page(title, subtitle, sections, links))
    return [folder / "index.html", folder / "report.md"]


def trials_table(run: Run) -> pd.DataFrame:
    """records.frame with test metrics merged; the header alone when nothing finished."""
    table = trial_records.frame(run.records, run.test)
    if table.empty:
        skip = ("history", "hyperparameters")
        return pd.DataFrame(columns=[k for k in trial_records.RECORD_KEYS if k not in skip])
    return table


def _write_figures(folder: Path, images: list[Image]) -> None:
    """Write this report's figures and drop the ones an earlier report left that no longer apply."""
    for image in images:
        storage.write_bytes(folder / f"{image.name}.png", image.png)
    keep = {f"{image.name}.png" for image in images}
    for stale in folder.glob("*.png") if folder.is_dir() else []:
        if stale.name not in keep:
            stale.unlink()


# ---- comparison of runs -------------------------------------------------------------------


def write_comparison(runs: list[Run], out: Path, runs_root: Path | None) -> list[Path]:
    where = f"every run under {runs_root}/" if runs_root else "the runs named on the command line"
    if runs:
        blocks: tuple[Block, ...] = (
            f"{len(runs)} run(s): {where}. Open a run's name for its full report.",
            compare.comparison_table(runs),
        )
    else:
        blocks = (
            Note(
                f"No runs found: {where} has no folder with a {CONFIG_FILE}. "
                "Start one with: make search CONFIG=configs/mnist.yaml"
            ),
        )
    sections = [Section("Runs", blocks), *compare.sections(runs)]
    images = [b for s in sections for b in s.blocks if isinstance(b, Image)]
    _write_figures(out / "figures", images)
    subtitle = f"written {time.strftime('%Y-%m-%d %H:%M')}"
    storage.write_text(out / "comparison.md", to_markdown("All runs", subtitle, sections))
    storage.write_text(out / "index.html", render_page("All runs", subtitle, sections))
    return [out / "index.html", out / "comparison.md"]


# ---- Markdown -----------------------------------------------------------------------------


def to_markdown(
    title: str, subtitle: str, sections: list[Section], links: tuple[Link, ...] = ()
) -> str:
    """The same sections as the HTML page; figures are linked from figures/, not embedded."""
    parts = [f"# {title}", subtitle]
    if links:
        parts.append(" · ".join(_markdown_cell(link) for link in links))
    for section in sections:
        parts.append(f"## {section.title}")
        parts += [_markdown_block(block) for block in section.blocks]
    return "\n\n".join(parts) + "\n"


def _markdown_block(block: Block) -> str:
    if isinstance(block, str):
        return block
    if isinstance(block, Note):
        return f"> **Note:** {block.text}"
    if isinstance(block, Link):
        return _markdown_cell(block)
    if isinstance(block, Facts):
        return "\n".join(f"- **{label}:** {value}" for label, value in block.items)
    if isinstance(block, Bullets):
        return "\n".join(f"- {item}" for item in block.items)
    if isinstance(block, pd.DataFrame):
        return _markdown_table(block)
    if isinstance(block, Image):
        return f"![{block.title}](figures/{block.name}.png)"
    if isinstance(block, Code):
        return f"```\n{block.text.rstrip()}\n```"
    raise TypeError(f"no Markdown form for {type(block).__name__}")


def _markdown_table(table: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(str(c) for c in table.columns) + " |"]
    lines.append("|" + "---|" * len(table.columns))
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join(_markdown_cell(value) for value in row) + " |")
    return "\n".join(lines)


def _markdown_cell(value: object) -> str:
    if isinstance(value, Link):
        return f"[{value.text}]({value.markdown})"
    return str(value).replace("|", "\\|").replace("\n", " ")
