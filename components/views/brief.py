"""A one-page brief of a condition's summary of findings, as a standalone HTML file that prints on A4:
the question, the answer in sentences, the summary-of-findings table with its footnotes, the dataset
version and the link that reproduces the view. Every piece of text is escaped; nothing is fetched.
"""

from __future__ import annotations

import html

import pandas as pd

PAGE_CSS = """
@page { size: A4 portrait; margin: 12mm; }
body { font-family: Arial, Helvetica, sans-serif; font-size: 9pt; color: #222; margin: 0; }
h1 { font-size: 14pt; margin: 0 0 4pt 0; }
p, li { margin: 2pt 0; line-height: 1.3; }
table { border-collapse: collapse; width: 100%; margin: 6pt 0; page-break-inside: auto; }
th, td { border: 0.5pt solid #999; padding: 3pt; vertical-align: top; text-align: left; }
th { background: #eee; }
tr { page-break-inside: avoid; }
.notes, .meta { font-size: 8pt; color: #444; }
"""


def condition_brief(
    *,
    condition: str,
    sentences: list[str],
    table: pd.DataFrame,
    footnotes: list[str],
    version: str,
    link: str,
) -> str:
    """The brief as one HTML document (UTF-8 text)."""
    esc = html.escape
    head = "".join(f"<th>{esc(str(c))}</th>" for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc('' if pd.isna(v) else str(v))}</td>" for v in row) + "</tr>"
        for row in table.itertuples(index=False, name=None)
    )
    story = "".join(f"<li>{esc(s)}</li>" for s in sentences)
    notes = "".join(f"<li>{esc(n)}</li>" for n in footnotes)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>MSC therapy in {esc(condition)}: summary of findings</title>
<style>{PAGE_CSS}</style></head>
<body>
<h1>MSC therapy in {esc(condition)}: what the clinical evidence shows, and how certain it is</h1>
<ul>{story}</ul>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
<p class="notes">Certainty (GRADE): ⊕⊕⊕⊕ high, ⊕⊕⊕◯ moderate, ⊕⊕◯◯ low, ⊕◯◯◯ very low. Why a rating is not higher:</p>
<ul class="notes">{notes}</ul>
<p class="meta">MSC Rheumatology Evidence Explorer · dataset version {esc(version)} · this view: {esc(link)}</p>
</body></html>
"""
