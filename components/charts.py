"""Plotly figure builders. They take tidy frames and return figures; they know nothing of Streamlit.

Text that comes from the data is escaped before it goes into a figure, because Plotly renders a
subset of HTML in titles, labels and hover text.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from components.aggregate import BENEFIT, NO_BENEFIT, NOT_MEASURED, STATE_LABELS
from components.loader import Evidence
from components.theme import DESIGN_SYMBOLS, STATE_COLOURS, base_layout

STATE_MARKS = {BENEFIT: "+", NO_BENEFIT: "–"}
MIXED_MARK = "±"
MAX_MARKER_PX = 34
MIN_MARKER_PX = 15


def esc(text: object) -> str:
    """Make data text safe for Plotly's HTML-like labels."""
    return html.escape(str(text), quote=False)


def marker_sizes(patients: pd.Series, largest: int) -> pd.Series:
    """Area proportional to patients, within readable bounds."""
    if largest <= 0:
        return pd.Series(MIN_MARKER_PX, index=patients.index)
    scaled = (patients.clip(lower=0) / largest) ** 0.5 * MAX_MARKER_PX
    return scaled.clip(lower=MIN_MARKER_PX)


def evidence_map_figure(evidence: Evidence, cells: pd.DataFrame) -> go.Figure:
    """Conditions x benefits grid: colour and sign = finding, size = patients, shape = best design.

    Built from scatter traces (not a heatmap) so that clicking a cell reaches the app.
    """
    fig = go.Figure()
    condition_order = [c for c in evidence.vocab["conditions"].index if c in set(cells["condition"])]
    benefit_order = list(evidence.vocab["benefits"].index)
    y_labels = {c: esc(evidence.label("conditions", c)) for c in condition_order}
    x_labels = {b: esc(evidence.label("benefits", b)) for b in benefit_order}
    largest = int(cells["patients"].max()) if len(cells) else 0
    design_label = evidence.vocab["designs"].set_index(evidence.vocab["designs"]["rank"].astype(int))["label"]

    def _design(rank: object) -> str:
        return esc(design_label.get(int(rank), "—")) if pd.notna(rank) else "—"

    for state in (BENEFIT, NO_BENEFIT, NOT_MEASURED):
        part = cells[cells["state"] == state]
        if part.empty:
            continue
        if state == NOT_MEASURED:
            size = pd.Series(7, index=part.index)
            symbol = "circle-open"
            text = [""] * len(part)
        else:
            size = marker_sizes(part["patients"], largest)
            symbol = [DESIGN_SYMBOLS.get(int(r), "circle") if pd.notna(r) else "circle" for r in part["best_rank"]]
            text = [MIXED_MARK if m else STATE_MARKS[state] for m in part["mixed"]]
        hover = [
            (
                f"<b>{y_labels[r.condition]}</b> · {x_labels[r.benefit]}<br>"
                f"{STATE_LABELS[r.state]}<br>"
                f"Studies with benefit: {r.n_benefit} (best design: {_design(r.best_rank_benefit)})<br>"
                f"Studies without benefit: {r.n_no_benefit} (best design: {_design(r.best_rank_no_benefit)})<br>"
                f"Patients on MSC (each cohort once): {r.patients}<br>"
                f"Finding follows the best design: {esc(r.best_design) or '—'}"
            )
            if r.state != NOT_MEASURED
            else f"<b>{y_labels[r.condition]}</b> · {x_labels[r.benefit]}<br>Not measured in these studies"
            for r in part.itertuples()
        ]
        fig.add_trace(
            go.Scatter(
                x=[x_labels[b] for b in part["benefit"]],
                y=[y_labels[c] for c in part["condition"]],
                mode="markers+text",
                name=STATE_LABELS[state],
                text=text,
                textfont={"color": "white", "size": 14},
                textposition="middle center",
                marker={
                    "size": size.tolist(),
                    "color": STATE_COLOURS[state],
                    "symbol": symbol,
                    "line": {"width": 1, "color": "#555555" if state != NOT_MEASURED else STATE_COLOURS[state]},
                },
                customdata=list(zip(part["condition"], part["benefit"], strict=False)),
                hovertext=hover,
                hovertemplate="%{hovertext}<extra></extra>",
                legendgroup="state",
                legendgrouptitle={"text": "Finding"},
            )
        )
    # Legend entries for the design shapes (no data of their own).
    ranks = sorted({int(r) for r in cells["best_rank"].dropna()})
    for rank in ranks:
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=esc(design_label.get(rank, "")),
                marker={"symbol": DESIGN_SYMBOLS.get(rank, "circle"), "color": "#777777", "size": 11},
                legendgroup="design",
                legendgrouptitle={"text": "Best design"},
                hoverinfo="skip",
            )
        )
    height = max(320, 90 + 44 * len(condition_order)) + 200
    base_layout(fig, title="What the studies found, by condition and benefit", height=height)
    fig.update_xaxes(
        categoryorder="array",
        categoryarray=[x_labels[b] for b in benefit_order],
        tickangle=-40,
        showgrid=True,
        gridcolor="#EEEEEE",
        side="bottom",
    )
    fig.update_yaxes(
        categoryorder="array",
        categoryarray=[y_labels[c] for c in reversed(condition_order)],
        showgrid=True,
        gridcolor="#EEEEEE",
    )
    fig.update_layout(
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "groupclick": "toggleitem"},
        clickmode="event+select",
        dragmode=False,
    )
    return fig
