"""Figures of the Outcomes and Dose pages: forest plots, dose-response and durability."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components.evidence.loader import Evidence
from components.views.figure_kit import esc, make_figure, marker_sizes
from components.views.theme import DESIGN_SYMBOLS, OKABE_ITO, base_layout


def forest_figure(
    evidence: Evidence,
    effects: pd.DataFrame,
    pooled,
    title: str,
    x_title: str,
    lower_is_better: bool,
    null_value: float | None,
) -> go.Figure:
    """Forest plot: one row per study arm with its 95% CI (shape: design), and the pooled diamond
    with its prediction interval. `null_value` None means there is no line of no effect (a share)."""
    effects = effects.sort_values(["evidence_rank", "estimate"]).reset_index(drop=True)
    rows = list(range(len(effects)))
    symbols = [DESIGN_SYMBOLS.get(int(r), "circle") if pd.notna(r) else "circle" for r in effects["evidence_rank"]]
    study_labels = [esc(label) for label in effects["label"]]
    traces = [
        {
            "type": "scatter",
            "x": effects["estimate"],
            "y": list(rows),  # a copy: `rows` gains the pooled row below, the studies do not
            "mode": "markers",
            "name": "Study (95% CI)",
            "marker": {"symbol": symbols, "size": 11, "color": "#0072B2", "line": {"color": "#333333", "width": 1}},
            "error_x": {
                "type": "data",
                "symmetric": False,
                "array": (effects["ci_high"] - effects["estimate"]).tolist(),
                "arrayminus": (effects["estimate"] - effects["ci_low"]).tolist(),
                "color": "#0072B2",
                "thickness": 1.5,
            },
            "customdata": effects[["ci_low", "ci_high", "n", "timepoint"]].to_numpy(),
            # The evidence badge (design, patients, control, follow-up) when the caller provides it.
            "text": [esc(b) for b in effects["badge"]] if "badge" in effects else study_labels,
            "hovertemplate": "%{text}<br>%{x:.2f} (95% CI %{customdata[0]:.2f} to %{customdata[1]:.2f})"
            "<br>n = %{customdata[2]} · month %{customdata[3]}<extra></extra>",
        }
    ]
    tick_text = list(study_labels)  # a copy, as for `rows`
    if pooled is not None and pooled.k >= 2:
        y = len(effects) + 0.5
        tick_text.append(f"<b>Pooled, random effects (k = {pooled.k})</b>")
        rows.append(y)
        traces.append(
            {
                "type": "scatter",
                "x": [pooled.ci_low, pooled.estimate, pooled.ci_high, pooled.estimate, pooled.ci_low],
                "y": [y, y - 0.35, y, y + 0.35, y],
                "mode": "lines",
                "fill": "toself",
                "fillcolor": "#D55E00",
                "line": {"color": "#D55E00", "width": 1},
                "name": "Pooled estimate",
                "hovertemplate": f"pooled {pooled.estimate:.2f} (95% CI {pooled.ci_low:.2f} to {pooled.ci_high:.2f})<extra></extra>",
            }
        )
        if pooled.pi_low is not None:
            traces.append(
                {
                    "type": "scatter",
                    "x": [pooled.pi_low, pooled.pi_high],
                    "y": [y, y],
                    "mode": "lines",
                    "line": {"color": "#D55E00", "width": 1.5, "dash": "dot"},
                    "name": "95% prediction interval",
                    "hovertemplate": f"prediction interval {pooled.pi_low:.2f} to {pooled.pi_high:.2f}<extra></extra>",
                }
            )
    shapes = []
    if null_value is not None:
        # What fig.add_vline draws: a line at x in data units, spanning the plot's full height.
        shapes.append(
            {
                "type": "line",
                "x0": null_value,
                "x1": null_value,
                "xref": "x",
                "y0": 0,
                "y1": 1,
                "yref": "y domain",
                "line": {"color": "#555555", "width": 1, "dash": "dash"},
            }
        )
        side = "← favours MSC · favours control →" if lower_is_better else "← favours control · favours MSC →"
        x_title = f"{x_title}<br><sup>{side}</sup>"
    layout = base_layout(title=title, height=170 + 34 * (len(rows) + 1)) | {
        "xaxis": {"title": {"text": x_title}, "zeroline": False},
        "yaxis": {
            "tickmode": "array",
            "tickvals": rows,
            "ticktext": tick_text,
            "autorange": "reversed",
            "showgrid": True,
            "gridcolor": "#F0F0F0",
        },
        "showlegend": False,
    }
    if shapes:
        layout["shapes"] = shapes
    return make_figure(traces, layout)


def dose_response_figure(evidence: Evidence, points: pd.DataFrame, y_title: str) -> go.Figure:
    """Dose per kg (log) against response: colour = cell source, size = patients, shape = design."""
    traces = []
    sources = list(dict.fromkeys(points["cell_source"]))
    # An arm may not report its size; with none reported, every mark takes the smallest size.
    most_patients = points["n"].max()
    largest = max(1, int(most_patients)) if pd.notna(most_patients) else 1
    palette = {s: OKABE_ITO[i % len(OKABE_ITO)] for i, s in enumerate(sources)}
    for source in sources:
        part = points[points["cell_source"] == source]
        traces.append(
            {
                "type": "scatter",
                "x": part["dose_per_kg"],
                "y": part["response"],
                "mode": "markers",
                "name": esc(evidence.label("cell_sources", source) or "not reported"),
                "marker": {
                    "color": palette[source],
                    "symbol": [DESIGN_SYMBOLS.get(int(r), "circle") for r in part["evidence_rank"]],
                    "size": marker_sizes(part["n"].fillna(0).astype(float), largest).clip(upper=30).tolist(),
                    "line": {"color": "#333333", "width": 1},
                },
                "customdata": list(zip(part["badge"].map(esc), part["timepoint"], strict=False)),
                "hovertemplate": "%{customdata[0]}<br>dose %{x:.1e} cells/kg · response %{y:.1f} at month %{customdata[1]}<extra></extra>",
            }
        )
    layout = base_layout(title="Dose per kg against response", height=460) | {
        "xaxis": {"type": "log", "title": {"text": "cells per kg per infusion (log scale)"}, "exponentformat": "power"},
        "yaxis": {"title": {"text": y_title}},
        "legend": {"title": {"text": "Cell source"}},
    }
    return make_figure(traces, layout)


def durability_figure(evidence: Evidence, points: pd.DataFrame, y_title: str) -> go.Figure:
    """Response against months since treatment, one line per study arm; solid = one infusion,
    dashed = repeated infusions."""
    traces = []
    for _, part in points.groupby(["study_id", "arm"], sort=False):
        part = part.sort_values("timepoint")
        repeated = bool(part["repeated"].iloc[0])
        traces.append(
            {
                "type": "scatter",
                "x": part["timepoint"],
                "y": part["response"],
                "mode": "lines+markers",
                "name": esc(part["label"].iloc[0]),
                "line": {
                    "color": "#0072B2" if not repeated else "#E69F00",
                    "dash": "solid" if not repeated else "dash",
                    "width": 1.5,
                },
                "marker": {"symbol": DESIGN_SYMBOLS.get(int(part["evidence_rank"].iloc[0]), "circle"), "size": 8},
                "customdata": [[esc(b)] for b in part["badge"]],
                "hovertemplate": "%{customdata[0]}<br>month %{x}: %{y:.1f}<extra></extra>",
                "legendgroup": "repeated" if repeated else "single",
            }
        )
    layout = base_layout(
        title="Response over months since treatment (solid: one infusion; dashed: repeated)", height=460
    ) | {
        "xaxis": {"title": {"text": "months since (first) treatment"}},
        "yaxis": {"title": {"text": y_title}},
        # One trace per study arm: past a dozen the legend would crowd out the plot.
        "showlegend": len(traces) <= 12,
    }
    return make_figure(traces, layout)
