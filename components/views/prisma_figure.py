"""The PRISMA 2020 flow diagram as a Plotly figure: boxes and arrows, numbers from analysis/prisma.py.
Drawn with shapes and text, so it downloads as PNG or SVG from the chart toolbar like every chart."""

from __future__ import annotations

from itertools import pairwise

import plotly.graph_objects as go

from components.analysis import prisma
from components.analysis.memo import per_evidence
from components.analysis.prisma import SOURCES, Flow
from components.evidence.loader import Evidence
from components.views.figure_kit import esc, make_figure
from components.views.theme import FONT_FAMILY, base_layout

BOX = {"line": {"color": "#444444", "width": 1}, "fillcolor": "#FFFFFF"}
SIDE = {"line": {"color": "#444444", "width": 1}, "fillcolor": "#F4F4F4"}
HEADER = {"line": {"width": 0}, "fillcolor": "#DCEBF5"}


def _box(x0, y0, x1, y1, style) -> dict:
    return {"type": "rect", "x0": x0, "y0": y0, "x1": x1, "y1": y1, "xref": "x", "yref": "y", **style}


def _text(x, y, text, size=12, bold_first=True) -> dict:
    lines = text.split("\n")
    if bold_first:
        lines[0] = f"<b>{lines[0]}</b>"
    return {
        "x": x,
        "y": y,
        "xref": "x",
        "yref": "y",
        "text": "<br>".join(lines),
        "showarrow": False,
        "align": "left",
        "font": {"size": size, "family": FONT_FAMILY},
    }


def _arrow(x0, y0, x1, y1) -> dict:
    return {
        "x": x1,
        "y": y1,
        "ax": x0,
        "ay": y0,
        "xref": "x",
        "yref": "y",
        "axref": "x",
        "ayref": "y",
        "showarrow": True,
        "arrowhead": 2,
        "arrowwidth": 1.2,
        "arrowcolor": "#444444",
        "text": "",
    }


def prisma_figure(flow: Flow) -> go.Figure:
    """PRISMA 2020's template for updated reviews: this version's identification and screening in the
    main column, with the studies of earlier versions joining at the total."""
    sources = "\n".join(f"{esc(SOURCES[s])}: {n}" for s, n in flow.identified.items())
    reasons = "\n".join(f"{esc(r)}: {n}" for r, n in flow.excluded_reasons.items()) or "none"
    rows = [
        (
            9.0,
            f"Records identified (n = {flow.identified_total})\n{sources}",
            f"Duplicates removed (n = {flow.duplicates})",
        ),
        (
            6.9,
            f"Records screened (n = {flow.screened})",
            f"Records excluded on title and abstract (n = {flow.excluded_screening})",
        ),
        (
            4.9,
            f"Reports sought for retrieval (n = {flow.sought})",
            f"Reports not retrieved (n = {flow.not_retrieved})\nno readable page with results or identifiers: leads",
        ),
        (
            2.9,
            f"Reports assessed for eligibility (n = {flow.assessed})",
            f"Reports excluded (n = {flow.excluded_eligibility})\n{reasons}",
        ),
        (
            0.9,
            f"New studies included (n = {flow.included})",
            f"Total studies in the base (n = {flow.studies_in_base})\n{flow.previous} from earlier versions + {flow.included} new",
        ),
    ]
    shapes, annotations = [], []
    for y, main, side in rows:
        shapes.append(_box(0.6, y - 0.8, 5.0, y + 0.8, BOX))
        annotations.append(_text(0.75, y, main, bold_first=True) | {"xanchor": "left"})
        if side:
            shapes.append(_box(5.8, y - 0.8, 10.2, y + 0.8, SIDE))
            annotations.append(_text(5.95, y, side, size=11) | {"xanchor": "left"})
            annotations.append(_arrow(5.0, y, 5.8, y))
    for (upper, _, _), (lower, _, _) in pairwise(rows):
        annotations.append(_arrow(2.8, upper - 0.8, 2.8, lower + 0.8))
    for label, y0, y1 in (("Identification", 8.1, 9.9), ("Screening", 2.0, 7.8), ("Included", 0.0, 1.8)):
        shapes.append(_box(-0.6, y0, 0.4, y1, HEADER))
        annotations.append(
            {
                "x": -0.1,
                "y": (y0 + y1) / 2,
                "text": f"<b>{label}</b>",
                "textangle": -90,
                "showarrow": False,
                "xref": "x",
                "yref": "y",
                "font": {"size": 12, "family": FONT_FAMILY},
            }
        )
    layout = base_layout(title="How the studies were found and chosen (PRISMA 2020)", height=760) | {
        "shapes": shapes,
        "annotations": annotations,
        "xaxis": {"visible": False, "range": [-0.7, 10.3], "fixedrange": True},
        "yaxis": {"visible": False, "range": [-0.1, 10.0], "fixedrange": True},
        "margin": {"l": 10, "r": 10, "t": 60, "b": 10},
        "showlegend": False,
    }
    return make_figure([], layout)


@per_evidence
def evidence_flow_figure(evidence: Evidence) -> go.Figure:
    """The flow of this evidence base, drawn once and shared (Streamlit only reads figures)."""
    return prisma_figure(prisma.flow(evidence))
