"""A self-contained HTML document: inline CSS and SVG, no scripts, no network.

Everything that came from outside (titles, quotes, labels) is escaped here, at the one place text
becomes HTML, so a record titled ``<script>`` shows as text.
"""

from __future__ import annotations

import html
import numbers
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1100px;margin:2rem auto;
padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ccc;padding-bottom:.2rem}
h3{margin-top:1.4rem}nav ol{columns:2}table{border-collapse:collapse;font-size:.85rem;margin:.6rem 0;width:100%}
th,td{border:1px solid #d4d4d4;padding:.25rem .4rem;text-align:left;vertical-align:top;overflow-wrap:break-word}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.5rem .8rem;margin:.8rem 0}
.muted{color:#666;font-size:.85rem}figure{margin:1rem 0}figcaption{font-size:.85rem;color:#444}
figure svg{max-width:100%;height:auto}.table-scroll{overflow-x:auto;max-width:100%}
"""


@dataclass(frozen=True, slots=True)
class Link:
    """A table cell that links to *href*: http, https, an anchor of the page, or a study file's ``doi:`` or
    ``pmid:`` source (resolved at doi.org and PubMed); anything else shows as text.

    >>> Link("source", "pmid:32109160").html()
    '<a href="https://pubmed.ncbi.nlm.nih.gov/32109160/">source</a>'
    >>> Link("source", "doi:10.1/x").html(), Link("source", "a shelf").html()
    ('<a href="https://doi.org/10.1/x">source</a>', 'source')
    """

    text: str
    href: str

    def html(self) -> str:
        href = self.href
        if href.startswith("doi:"):
            href = f"https://doi.org/{href[4:].strip()}"
        elif href.startswith("pmid:"):
            href = f"https://pubmed.ncbi.nlm.nih.gov/{href[5:].strip()}/"
        if not href.startswith(("https://", "http://", "#")):
            return escape(self.text)
        return f'<a href="{escape(href)}">{escape(self.text)}</a>'


def escape(text: object) -> str:
    """Escape any value for HTML text or attribute context.

    >>> escape("<script>alert(1)</script>")
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    """
    return html.escape("" if text is None else str(text), quote=True)


@dataclass
class Section:
    """A numbered section: an anchor id, a title and its HTML body (already escaped)."""

    anchor: str
    title: str
    parts: list[str] = field(default_factory=list)

    def paragraph(self, text: str) -> None:
        self.parts.append(f"<p>{escape(text)}</p>")

    def heading(self, text: str, level: int = 3, anchor: str | None = None) -> None:
        target = f' id="{escape(anchor)}"' if anchor else ""
        self.parts.append(f"<h{level}{target}>{escape(text)}</h{level}>")

    def note(self, text: str) -> None:
        self.parts.append(f'<div class="note">{escape(text)}</div>')

    def items(self, lines: Iterable[str]) -> None:
        self.parts.append("<ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>")

    def table(
        self, frame: pd.DataFrame, *, caption: str | None = None, numeric_digits: int = 2, anchors: str | None = None
    ) -> None:
        self.parts.append(table_html(frame, caption=caption, numeric_digits=numeric_digits, anchors=anchors))

    def raw(self, html_text: str) -> None:
        """Append HTML the caller built with :func:`escape` around every outside value."""
        self.parts.append(html_text)

    def figure(self, svg: str, caption: str) -> None:
        # The SVG comes from matplotlib, not from user text; its labels were escaped by matplotlib.
        self.parts.append(f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>")


_LONG_TOKEN = re.compile(r"(\S{25,})")


def _breakable(text: str) -> str:
    """*text*, escaped, whose long tokens (URLs, ids) may wrap after ``/ . _ -``.

    A cell's shortest width is its longest unbreakable token, so one URL would push the table out of the
    page; breaking anywhere would also split ordinary words ("populatio-n"). ``<wbr>`` marks only those
    places; it is placed between escaped pieces, so it never falls inside an entity.

    >>> _breakable("see www.mdpi.com/2227-9059/13 <a short-id>")
    'see www.<wbr>mdpi.<wbr>com/<wbr>2227-<wbr>9059/<wbr>13 &lt;a short-id&gt;'
    """
    parts = _LONG_TOKEN.split(text)  # odd items are the long tokens
    return "".join(
        "<wbr>".join(escape(piece) for piece in re.split(r"(?<=[/._-])", part)) if i % 2 else escape(part)
        for i, part in enumerate(parts)
    )


def table_html(
    frame: pd.DataFrame, *, caption: str | None = None, numeric_digits: int = 2, anchors: str | None = None
) -> str:
    """Render *frame* as an escaped HTML table; numbers right-aligned, missing cells left empty,
    :class:`Link` cells (or tuples of them) as links.

    With *anchors*, each row gets ``id="<anchors>-<first cell>"`` so other sections can link to it. The table
    sits in a box that scrolls sideways when a narrow window cannot hold it, so the page itself never does.

    >>> table_html(pd.DataFrame({"study": ["<b>x</b>"], "n": [12]}))  # doctest: +NORMALIZE_WHITESPACE
    '<div class="table-scroll"><table><thead><tr><th>study</th><th>n</th></tr></thead><tbody><tr><td>&lt;b&gt;...</div>'
    """
    head = "".join(f"<th>{escape(c)}</th>" for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for value in record:
            if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
                cells.append("<td></td>")
            elif isinstance(value, Link):
                cells.append(f"<td>{value.html()}</td>")
            elif isinstance(value, tuple) and all(isinstance(v, Link) for v in value):
                cells.append(f"<td>{' · '.join(v.html() for v in value)}</td>")
            elif isinstance(value, bool | np.bool_):
                cells.append(f"<td>{escape(value)}</td>")
            elif isinstance(value, numbers.Integral):
                cells.append(f'<td class="num">{value}</td>')
            elif isinstance(value, numbers.Real):
                cells.append(f'<td class="num">{value:.{numeric_digits}f}</td>')
            else:
                cells.append(f"<td>{_breakable(str(value))}</td>")
        row_id = f' id="{escape(anchors)}-{escape(record[0])}"' if anchors else ""
        rows.append(f"<tr{row_id}>" + "".join(cells) + "</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    body = f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    return f'<div class="table-scroll">{body}</div>'


def document(title: str, subtitle: str, sections: Sequence[Section]) -> str:
    """The whole page: title, table of contents and numbered sections."""
    toc = "".join(f'<li><a href="#{escape(s.anchor)}">{escape(s.title)}</a></li>' for s in sections)
    body = "".join(
        f'<section id="{escape(s.anchor)}"><h2>{i}. {escape(s.title)}</h2>{"".join(s.parts)}</section>'
        for i, s in enumerate(sections, start=1)
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f'<header><h1>{escape(title)}</h1><p class="muted">{escape(subtitle)}</p></header>'
        f"<nav><ol>{toc}</ol></nav>{body}</body></html>"
    )
