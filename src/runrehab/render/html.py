"""The handout as one self-contained HTML page that prints well on A4 and Letter: the Markdown
handout (render/markdown.py, the one place its content is written) made into HTML by
markdown-it with raw HTML off, so every text is escaped, with a print style sheet of its own
and no script, font, image or link to fetch."""
from __future__ import annotations

import html
from typing import TYPE_CHECKING

from ..documents.record import Record
from .markdown import plan_markdown

if TYPE_CHECKING:
    from ..rules.kb import KnowledgeBase

# A4 is 210 × 297 mm and Letter 215.9 × 279.4 mm: `size: auto` leaves the paper to the printer,
# and margins of 16 mm leave a column that fits either.
STYLE = """
@page { size: auto; margin: 16mm 16mm 18mm; }
:root { color: #111; background: #fff; }
body { font: 10.5pt/1.4 "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; max-width: 178mm;
       margin: 0 auto; padding: 8mm 0; }
h1 { font-size: 17pt; margin: 0 0 4mm; }
h2 { font-size: 13pt; margin: 6mm 0 2mm; padding-bottom: 1mm; border-bottom: 0.4mm solid #444; }
h3 { font-size: 11pt; margin: 4mm 0 1.5mm; }
h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
p, li { overflow-wrap: anywhere; }
ul, ol { padding-left: 6mm; margin: 1mm 0 2mm; }
table { width: 100%; border-collapse: collapse; margin: 2mm 0 3mm; font-size: 9.5pt; }
th, td { border: 0.25mm solid #888; padding: 1mm 1.5mm; text-align: left; vertical-align: top;
         overflow-wrap: break-word; }
th { background: #eee; }
th:last-child, td:last-child { width: 28%; }
tr, li, blockquote { break-inside: avoid; page-break-inside: avoid; }
thead { display: table-header-group; }
hr { border: 0; border-top: 0.3mm solid #888; margin: 5mm 0 2mm; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 9.5pt; }
@media print { body { max-width: none; padding: 0; } }
"""


def plan_html(status: Record, kb: KnowledgeBase) -> str:
    """The handout as a page: the same content as `plan --format markdown`."""
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").render(plan_markdown(status, kb))
    symptom = kb.symptoms.get(status.symptom)
    title = html.escape(f"Exercise plan: {symptom.name if symptom else status.symptom} ({status.date.isoformat()})")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
            f"<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n")
