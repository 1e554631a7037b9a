"""Figures of the Registered trials page: the pipeline by status and the timeline."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components.evidence.loader import Evidence
from components.views.figure_kit import LEGEND_ABOVE, esc, make_figure, present, records
from components.views.theme import base_layout

STATUS_COLOURS = {
    "not_yet_recruiting": "#56B4E9",
    "recruiting": "#0072B2",
    "enrolling_by_invitation": "#0072B2",
    "active_not_recruiting": "#CC79A7",
    "completed": "#009E73",
    "suspended": "#E69F00",
    "terminated": "#D55E00",
    "withdrawn": "#D55E00",
    "unknown": "#999999",
}
STATUS_PATTERNS = {"terminated": "x", "withdrawn": "x", "suspended": "/", "unknown": "."}


def pipeline_figure(evidence: Evidence, trials: pd.DataFrame, phase_labels: dict, status_labels: dict) -> go.Figure:
    """Registered trials per condition, stacked by status, with phases in the hover."""
    conditions = present(evidence.vocab["conditions"].index, trials["condition"])
    condition_labels = [esc(evidence.label("conditions", c)) for c in conditions]
    # One pass over the trials, not a filter and two group-bys per status: per (status, condition),
    # the trials with a registry id, and every trial's phase.
    counts: dict[tuple, int] = {}
    phases: dict[tuple, list] = {}
    for trial in records(trials, ["status", "condition", "phase", "registry_id"]):
        key = (trial.status, trial.condition)
        phases.setdefault(key, []).append(phase_labels.get(trial.phase, trial.phase))
        counts[key] = counts.get(key, 0) + int(pd.notna(trial.registry_id))
    statuses = {status for status, _ in phases}
    traces = []
    for status, label in status_labels.items():
        if status not in statuses:
            continue
        traces.append(
            {
                "type": "bar",
                "y": condition_labels,
                "x": [counts.get((status, c), 0) for c in conditions],
                "orientation": "h",
                "name": label,
                "marker": {
                    "color": STATUS_COLOURS.get(status, "#777777"),
                    "pattern": {"shape": STATUS_PATTERNS.get(status, "")},
                },
                "customdata": [esc(", ".join(sorted(phases.get((status, c), [])))) for c in conditions],
                "hovertemplate": "%{y}: %{x} " + label.lower() + "<br>phases: %{customdata}<extra></extra>",
            }
        )
    layout = base_layout(title="Registered trials by condition and status", height=160 + 36 * len(conditions)) | {
        "barmode": "stack",
        "legend": LEGEND_ABOVE,
        "xaxis": {"title": {"text": "registered trials"}},
        "yaxis": {"autorange": "reversed"},
    }
    return make_figure(traces, layout)


def timeline_figure(evidence: Evidence, events: pd.DataFrame) -> go.Figure:
    """Published studies and registered trials on one axis of years, one row per condition."""
    styles = {
        "Published study": ("circle", "#0072B2"),
        "Registered trial, published": ("diamond", "#009E73"),
        "Registered trial, no results published": ("diamond-open", "#D55E00"),
    }
    conditions = present(evidence.vocab["conditions"].index, events["condition"])
    condition_labels = {c: esc(evidence.label("conditions", c)) for c in set(events["condition"])}
    traces = []
    for kind, (symbol, colour) in styles.items():
        part = events[events["kind"] == kind]
        if part.empty:
            continue
        traces.append(
            {
                "type": "scatter",
                "x": part["year"],
                "y": [condition_labels[c] for c in part["condition"]],
                "mode": "markers",
                "name": kind,
                "marker": {
                    "symbol": symbol,
                    "color": colour,
                    "size": 11,
                    "line": {"width": 1.5, "color": colour},
                    "opacity": 0.8,
                },
                "customdata": [[esc(b)] for b in part["badge"]] if "badge" in part else part[["id"]].to_numpy(),
                "hovertemplate": "%{customdata[0]} · %{x}<extra>" + kind + "</extra>",
            }
        )
    layout = base_layout(title="Published studies and registered trials over time", height=170 + 40 * len(conditions))
    layout |= {
        "legend": LEGEND_ABOVE,
        "xaxis": {"title": {"text": "year (publication, or trial start)"}, "dtick": 2},
        "yaxis": {"categoryorder": "array", "categoryarray": [condition_labels[c] for c in reversed(conditions)]},
    }
    return make_figure(traces, layout)
