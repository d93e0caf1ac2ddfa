"""report.md and comparison.md: the same sections as the HTML page, in Markdown; figures are
linked from figures/, not embedded."""

from __future__ import annotations

import pandas as pd

from tuner.reporting.html import Block, Bullets, Code, Facts, Image, Link, Note, Section


def to_markdown(
    title: str, subtitle: str, sections: list[Section], links: tuple[Link, ...] = ()
) -> str:
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
