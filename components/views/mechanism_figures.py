"""Figures of the Mechanisms page: condition -> target -> benefit flows and target matrices."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components.evidence.loader import Evidence
from components.views.figure_kit import LEGEND_ABOVE, esc, make_figure, records
from components.views.theme import base_layout, condition_colours


def mechanism_sankey(evidence: Evidence, first: pd.DataFrame, second: pd.DataFrame) -> go.Figure:
    """Condition -> target change -> benefit, link widths = studies reporting both ends."""
    words = {"up": "↑", "down": "↓"}
    conditions = list(dict.fromkeys(first["condition"]))
    target_nodes = list(dict.fromkeys(zip(first["target"], first["direction"], strict=False)))
    benefits = list(dict.fromkeys(second["benefit"]))
    labels = (
        [esc(evidence.label("conditions", c)) for c in conditions]
        + [f"{esc(evidence.label('targets', t))} {words.get(d, '')}" for t, d in target_nodes]
        + [esc(evidence.label("benefits", b)) for b in benefits]
    )
    index_c = {c: i for i, c in enumerate(conditions)}
    index_t = {t: len(conditions) + i for i, t in enumerate(target_nodes)}
    index_b = {b: len(conditions) + len(target_nodes) + i for i, b in enumerate(benefits)}
    colours = condition_colours(conditions)
    node_colours = (
        [colours[c] for c in conditions]
        + ["#0072B2" if d == "up" else "#E69F00" for _, d in target_nodes]
        + ["#009E73"] * len(benefits)
    )
    first_rows = records(first, ["condition", "target", "direction"])
    second_rows = records(second, ["target", "direction", "benefit"])
    source = [index_c[r.condition] for r in first_rows] + [index_t[(r.target, r.direction)] for r in second_rows]
    target = [index_t[(r.target, r.direction)] for r in first_rows] + [index_b[r.benefit] for r in second_rows]
    value = list(first["studies"]) + list(second["studies"])
    sankey = {
        "type": "sankey",
        "arrangement": "snap",
        "node": {"label": labels, "color": node_colours, "pad": 14, "thickness": 14},
        "link": {
            "source": source,
            "target": target,
            "value": value,
            "color": "rgba(120,120,120,0.25)",
            "hovertemplate": "%{source.label} → %{target.label}: %{value} studies<extra></extra>",
        },
    }
    layout = base_layout(
        title="Condition → immune/tissue change (↑ raised, ↓ lowered) → clinical benefit",
        height=max(420, 26 * len(labels)),
    )
    return make_figure([sankey], layout)


def target_pivot_figure(evidence: Evidence, pivot: pd.DataFrame, target: str) -> go.Figure:
    """Per condition: studies reporting the target change, and how many also reported a clinical benefit."""
    labels = [
        f"{esc(evidence.label('conditions', c))} · {'raised' if d == 'up' else 'lowered' if d == 'down' else 'unchanged'}"
        for c, d in zip(pivot["condition"], pivot["direction"], strict=False)
    ]
    without_benefit = pivot["studies"] - pivot["with_clinical_benefit"]
    traces = [
        {
            "type": "bar",
            "y": labels,
            "x": pivot["with_clinical_benefit"],
            "orientation": "h",
            "name": "…and a clinical benefit was reported",
            "marker": {"color": "#009E73"},
            "text": pivot["with_clinical_benefit"],
            "textposition": "inside",
        },
        {
            "type": "bar",
            "y": labels,
            "x": without_benefit,
            "orientation": "h",
            "name": "…no clinical benefit reported",
            "marker": {"color": "#BBBBBB", "pattern": {"shape": "/"}},
            "text": without_benefit,
            "textposition": "inside",
        },
    ]
    layout = base_layout(
        title=f"Studies that measured {esc(evidence.label('targets', target))}, by condition",
        height=160 + 40 * len(pivot),
    ) | {
        "barmode": "stack",
        "legend": LEGEND_ABOVE,
        "xaxis": {"title": {"text": "studies"}, "dtick": 1},
        "yaxis": {"autorange": "reversed"},
    }
    return make_figure(traces, layout)


def mechanism_matrix(evidence: Evidence, second: pd.DataFrame) -> go.Figure:
    """Target change x benefit grid (studies reporting both), clickable: a scatter, not a heatmap,
    so that a click reaches the app. Direction is shown by colour and by the marker's shape."""
    benefits = [b for b in evidence.vocab["benefits"].index if b in set(second["benefit"])]
    rows = list(dict.fromkeys(zip(second["target"], second["direction"], strict=False)))
    y_label = {(t, d): f"{esc(evidence.label('targets', t))} {'↑' if d == 'up' else '↓'}" for t, d in rows}
    x_label = {b: esc(evidence.label("benefits", b)) for b in benefits}
    traces = []
    for direction, colour, symbol, name in (
        ("up", "#0072B2", "triangle-up", "Target raised"),
        ("down", "#E69F00", "triangle-down", "Target lowered"),
    ):
        part = second[second["direction"] == direction]
        if part.empty:
            continue
        traces.append(
            {
                "type": "scatter",
                "x": [x_label[b] for b in part["benefit"]],
                "y": [y_label[(t, d)] for t, d in zip(part["target"], part["direction"], strict=False)],
                "mode": "markers+text",
                "name": name,
                "text": [str(n) for n in part["studies"]],
                "textposition": "middle right",
                "marker": {
                    "symbol": symbol,
                    "color": colour,
                    "size": [12 + 5 * min(int(n), 6) for n in part["studies"]],
                    "line": {"color": "#333333", "width": 1},
                },
                "customdata": list(zip(part["target"], part["direction"], part["benefit"], strict=False)),
                "hovertemplate": "%{y} with %{x}: %{text} studies<extra></extra>",
            }
        )
    layout = base_layout(
        title="Studies reporting both a target change and a benefit (click a mark)", height=140 + 30 * len(rows)
    )
    layout |= {
        "legend": LEGEND_ABOVE,
        "xaxis": {
            "categoryorder": "array",
            "categoryarray": [x_label[b] for b in benefits],
            "tickangle": -35,
            "gridcolor": "#EEEEEE",
        },
        "yaxis": {
            "categoryorder": "array",
            "categoryarray": [y_label[r] for r in reversed(rows)],
            "gridcolor": "#EEEEEE",
        },
        "clickmode": "event+select",
        "dragmode": False,
    }
    return make_figure(traces, layout)
