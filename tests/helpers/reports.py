"""A run's report, written and read back, and the rows of its Markdown tables."""

from __future__ import annotations

from pathlib import Path

from tuner.reporting.write import write_reports


def report(run_dir: Path, out: Path) -> tuple[str, str]:
    """Report one run; return its report.md and index.html."""
    write_reports([run_dir], runs_root=run_dir.parent, out=out)
    folder = out / run_dir.name
    return (folder / "report.md").read_text(), (folder / "index.html").read_text()


def table_rows(markdown: str, heading: str) -> list[list[str]]:
    """The body rows of the first table under ``## heading``."""
    section = markdown.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]
