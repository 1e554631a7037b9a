"""The evidence map: conditions by benefits, each mark coloured by what the strongest studies found."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components.analysis.aggregate import BENEFIT, NO_BENEFIT, NOT_MEASURED, STATE_LABELS
from components.analysis.memo import PER_SELECTION, per_evidence
from components.evidence.loader import Evidence
from components.views.figure_kit import esc, make_figure, marker_sizes, present, records
from components.views.theme import DESIGN_SYMBOLS, STATE_COLOURS, base_layout

STATE_MARKS = {BENEFIT: "+", NO_BENEFIT: "–"}
MIXED_MARK = "±"
# The columns of an evidence-map cell that its mark and hover text use.
EVIDENCE_MAP_COLUMNS = [
    "condition",
    "benefit",
    "state",
    "mixed",
    "patients",
    "n_benefit",
    "n_no_benefit",
    "best_rank",
    "best_rank_benefit",
    "best_rank_no_benefit",
    "best_design",
    "marker_size",
]


# Built once per selection and layout, then shared by every session: Streamlit only reads it.
@per_evidence(maxsize=PER_SELECTION)
def evidence_map_figure(evidence: Evidence, cells: pd.DataFrame, benefits_as_rows: bool = False) -> go.Figure:
    """Conditions x benefits grid: colour and sign = finding, size = patients, shape = best design.

    Built from scatter traces (not a heatmap) so that clicking a cell reaches the app.
    `benefits_as_rows` turns the grid so that the few conditions are the columns, which suits a
    narrow screen.
    """
    traces = []
    condition_order = present(evidence.vocab["conditions"].index, cells["condition"])
    benefit_order = list(evidence.vocab["benefits"].index)
    y_labels = {c: esc(evidence.label("conditions", c)) for c in condition_order}
    x_labels = {b: esc(evidence.label("benefits", b)) for b in benefit_order}
    largest = int(cells["patients"].max()) if len(cells) else 0
    design_label = evidence.vocab["designs"].set_index(evidence.vocab["designs"]["rank"].astype(int))["label"]

    def _design(rank: object) -> str:
        return esc(design_label.get(int(rank), "—")) if pd.notna(rank) else "—"

    states = (BENEFIT, NO_BENEFIT, NOT_MEASURED)
    rows_by_state: dict[str, list] = {state: [] for state in states}
    sized = cells.assign(marker_size=marker_sizes(cells["patients"], largest))
    for row in records(sized, EVIDENCE_MAP_COLUMNS):
        if row.state in rows_by_state:
            rows_by_state[row.state].append(row)
    for state in states:
        part = rows_by_state[state]
        if not part:
            continue
        if state == NOT_MEASURED:
            size = [7] * len(part)
            symbol = "circle-open"
            text = [""] * len(part)
        else:
            size = [r.marker_size for r in part]
            symbol = [
                DESIGN_SYMBOLS.get(int(r.best_rank), "circle") if pd.notna(r.best_rank) else "circle" for r in part
            ]
            text = [MIXED_MARK if r.mixed else STATE_MARKS[state] for r in part]
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
            for r in part
        ]
        xs, ys = [x_labels[r.benefit] for r in part], [y_labels[r.condition] for r in part]
        traces.append(
            {
                "type": "scatter",
                "x": ys if benefits_as_rows else xs,
                "y": xs if benefits_as_rows else ys,
                "mode": "markers+text",
                "name": STATE_LABELS[state],
                "text": text,
                "textfont": {"color": "white", "size": 14},
                "textposition": "middle center",
                "marker": {
                    "size": size,
                    "color": STATE_COLOURS[state],
                    "symbol": symbol,
                    "line": {"width": 1, "color": "#555555" if state != NOT_MEASURED else STATE_COLOURS[state]},
                },
                "customdata": [(r.condition, r.benefit) for r in part],
                "hovertext": hover,
                "hovertemplate": "%{hovertext}<extra></extra>",
                "legendgroup": "state",
                "legendgrouptitle": {"text": "Finding"},
            }
        )
    # Legend entries for the design shapes (no data of their own).
    ranks = sorted({int(r) for r in cells["best_rank"].dropna()})
    for rank in ranks:
        traces.append(
            {
                "type": "scatter",
                "x": [None],
                "y": [None],
                "mode": "markers",
                "name": esc(design_label.get(rank, "")),
                "marker": {"symbol": DESIGN_SYMBOLS.get(rank, "circle"), "color": "#777777", "size": 11},
                "legendgroup": "design",
                "legendgrouptitle": {"text": "Best design"},
                "hoverinfo": "skip",
            }
        )
    columns = [x_labels[b] for b in benefit_order]
    rows = [y_labels[c] for c in condition_order]
    if benefits_as_rows:
        columns, rows = rows, columns
    height = max(320, 90 + 44 * len(rows)) + 200
    layout = base_layout(title="What the studies found, by condition and benefit", height=height) | {
        "xaxis": {
            "categoryorder": "array",
            "categoryarray": columns,
            "tickangle": -40,
            "showgrid": True,
            "gridcolor": "#EEEEEE",
            "side": "bottom",
        },
        "yaxis": {
            "categoryorder": "array",
            "categoryarray": list(reversed(rows)),
            "showgrid": True,
            "gridcolor": "#EEEEEE",
        },
        "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "groupclick": "toggleitem"},
        "clickmode": "event+select",
        "dragmode": False,
    }
    return make_figure(traces, layout)
