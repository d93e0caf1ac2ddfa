"""A report as sections of blocks, and the self-contained HTML page they make.

The blocks are plain data shared by both outputs: tuner.reporting writes them as Markdown,
this module as one HTML file that opens from the file system with no server and no
network: CSS inline, figures embedded as base64 ``data:`` URIs, no fonts. One short inline
script reports, once the page has loaded, how many figures decoded (``<body data-images="6/6">``),
the page's width against the window's (``data-page-width="1185/1185"``) and each table's width,
its box's and the box's container's (``<div class="scroll" data-widths="1299/1100/1100">``), so
a headless browser can check the page; the page reads the same without it.

Tables stay inside the page's column: header cells and names wrap (after an underscore too,
learning_rate), numbers do not, and a table still too wide scrolls sideways inside its box.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from html import escape  # the standard library's module: absolute imports never mean this one
from typing import TypeAlias
from urllib.parse import quote

import pandas as pd


@dataclass(frozen=True)
class Note:
    """A statement the reader must not miss (nothing finished yet, files skipped, ...)."""

    text: str


@dataclass(frozen=True)
class Facts:
    """Labelled one-line facts, as in a summary."""

    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Image:
    """A rendered figure; ``name`` is its file stem under figures/."""

    name: str
    title: str
    png: bytes


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class Bullets:
    """A list of sentences, e.g. the diagnostics; ``**bold**`` marks a lead-in."""

    items: tuple[str, ...]


def relative_link(*parts: str) -> str:
    """A relative link to a file below the page, from names a run supplies: each part
    percent-quoted, ``:`` and ``/`` included, so no name can become a scheme such as
    javascript: or reach into another folder."""
    return "/".join(quote(part, safe="") for part in parts)


@dataclass(frozen=True)
class Link:
    """A table cell or paragraph that links to another report, in either output format."""

    text: str
    html: str
    markdown: str


# A block is a paragraph (str), a table (a DataFrame of text or Link cells) or one of the above.
Block: TypeAlias = str | Note | Facts | pd.DataFrame | Image | Code | Link | Bullets


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]


_CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
       margin: 0; background: #fafafa; }
main { max-width: 1100px; margin: 0 auto; padding: 1.5em 2em 4em; background: #fff; }
h1 { margin-bottom: 0.2em; } .subtitle { color: #666; margin-top: 0; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 0.3em 0.4em; text-align: left; vertical-align: top; }
thead th { vertical-align: bottom; font-size: 12px; } td.number { white-space: nowrap; }
th { background: #f0f0f0; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #f8f8f8; }
table.facts th { background: none; white-space: nowrap; }
.scroll { overflow-x: auto; max-width: 100%; }
.note { border-left: 4px solid #e0a000; background: #fff8e5; padding: 0.5em 1em; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 14px; }
pre { background: #f4f4f4; padding: 0.8em 1em; overflow-x: auto; font-size: 13px; }
nav a { margin-right: 1em; }
ul.bullets li { margin: 0.4em 0; }
"""
# Counts the figures that decoded and measures each table against its container once
# everything has loaded; tests/end_to_end/test_reports_in_browser.py reads both.
_LOAD_CHECK = """<script>
addEventListener("load", function () {
  var all = Array.prototype.slice.call(document.images);
  var ok = all.filter(function (img) { return img.complete && img.naturalWidth > 0; });
  document.body.setAttribute("data-images", ok.length + "/" + all.length);
  var page = document.documentElement;
  document.body.setAttribute("data-page-width", page.scrollWidth + "/" + page.clientWidth);
  Array.prototype.forEach.call(document.querySelectorAll("div.scroll"), function (box) {
    var sizes = [box.firstElementChild.offsetWidth, box.offsetWidth, box.parentNode.clientWidth];
    box.setAttribute("data-widths", sizes.join("/"));
  });
});
</script>"""
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_NUMBER = re.compile(r"^[-+]?(\d[\d,]*\.?\d*(e[-+]?\d+)?|\.\d+)$", re.IGNORECASE)


def render_page(
    title: str, subtitle: str, sections: list[Section], links: tuple[Link, ...] = ()
) -> str:
    """The whole page as one string; every resource it needs is inside it."""
    nav = " ".join(f'<a href="#{_anchor(s.title)}">{escape(s.title)}</a>' for s in sections)
    nav += "".join(f" · {_cell(link)}" for link in links)
    body = "\n".join(_section(s) for s in sections)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        f'<h1>{escape(title)}</h1>\n<p class="subtitle">{escape(subtitle)}</p>\n'
        f"<nav>{nav}</nav>\n{body}\n</main>\n{_LOAD_CHECK}\n</body>\n</html>\n"
    )


def _section(section: Section) -> str:
    blocks = "\n".join(_block(b) for b in section.blocks)
    title = escape(section.title)
    return f'<section id="{_anchor(section.title)}">\n<h2>{title}</h2>\n{blocks}\n</section>'


def _block(block: Block) -> str:
    if isinstance(block, str):
        return f"<p>{escape(block)}</p>"
    if isinstance(block, Note):
        return f'<p class="note">{escape(block.text)}</p>'
    if isinstance(block, Link):
        return f"<p>{_cell(block)}</p>"
    if isinstance(block, Bullets):
        items = "".join(f"<li>{_bold(item)}</li>" for item in block.items)
        return f'<ul class="bullets">{items}</ul>'
    if isinstance(block, Facts):
        rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in block.items)
        return f'<table class="facts">{rows}</table>'
    if isinstance(block, pd.DataFrame):
        return _table(block)
    if isinstance(block, Image):
        data = base64.b64encode(block.png).decode("ascii")
        return (
            f'<figure><img alt="{escape(block.title)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{escape(block.title)}</figcaption></figure>"
        )
    return f"<pre><code>{escape(block.text)}</code></pre>"


def _bold(text: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", escape(text))


def _table(table: pd.DataFrame) -> str:
    head = "".join(f"<th>{_breakable(str(c))}</th>" for c in table.columns)
    rows = "\n".join(
        "<tr>" + "".join(_td(value) for value in row) + "</tr>"
        for row in table.itertuples(index=False)
    )
    table_html = f"<table><thead><tr>{head}</tr></thead><tbody>\n{rows}\n</tbody></table>"
    return f'<div class="scroll">{table_html}</div>'


def _breakable(text: str) -> str:
    """Text that may wrap after each underscore (learning_<wbr>rate, hard_<wbr>sigmoid) as well
    as at spaces, so ten hyperparameters' names and values fit across the page."""
    return "_<wbr>".join(escape(part) for part in text.split("_"))


def _td(value: object) -> str:
    numeric = isinstance(value, str) and _NUMBER.match(value.split(" ")[0].strip())
    if numeric and " " not in str(value):  # one line: 1.23e-04 must not break at its minus
        return f'<td class="num number">{_cell(value)}</td>'
    if numeric:  # right-aligned, free to wrap: "2 / 3 (stopped early)"
        return f'<td class="num">{_cell(value)}</td>'
    return f"<td>{_cell(value) if isinstance(value, Link) else _breakable(str(value))}</td>"


def _cell(value: object) -> str:
    if isinstance(value, Link):
        return f'<a href="{escape(value.html)}">{escape(value.text)}</a>'
    return escape(str(value))


def _anchor(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
