"""Figures of the Compare and Safety pages: benefit shares, immune targets, product mix, dose,
adverse events, and benefit beside harm."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components.analysis.memo import PER_SELECTION, per_evidence
from components.evidence.loader import Evidence
from components.views.figure_kit import LEGEND_ABOVE, esc, make_figure, marker_sizes, present, split_rows
from components.views.theme import OKABE_ITO, base_layout, condition_colours

DIRECTION_SYMBOLS = {"up": "triangle-up", "down": "triangle-down", "no_change": "circle-open"}


def _group_labels(evidence: Evidence, by_vocab: str, groups: list[str]) -> dict[str, str]:
    return {g: esc(evidence.label(by_vocab, g)) for g in groups}


@per_evidence(maxsize=PER_SELECTION)
def benefit_share_figure(
    evidence: Evidence, shares: pd.DataFrame, groups: list[str], by_vocab: str, measure: str
) -> go.Figure:
    """Grouped horizontal bars: share of studies (or patients) in each group that reported each benefit."""
    labels = _group_labels(evidence, by_vocab, groups)
    colours = condition_colours(groups)
    benefits = present(evidence.vocab["benefits"].index, shares["benefit"])
    benefit_labels = [esc(evidence.label("benefits", b)) for b in benefits]
    traces = []
    column = "share_studies" if measure == "studies" else "share_patients"
    for group in groups:
        part = shares[shares["group"] == group].set_index("benefit").reindex(benefits)
        text = [
            f"{int(n_benefit)}/{int(n_measured)}" if pd.notna(n_measured) else "not measured"
            for n_benefit, n_measured in zip(
                part["studies_benefit"].tolist(), part["studies_measured"].tolist(), strict=True
            )
        ]
        traces.append(
            {
                "type": "bar",
                "y": benefit_labels,
                "x": (part[column].fillna(0) * 100).tolist(),
                "orientation": "h",
                "name": labels[group],
                "marker": {"color": colours[group]},
                "text": text,
                "textposition": "outside",
                "cliponaxis": False,
                "hovertemplate": "%{y}<br>"
                + labels[group]
                + ": %{x:.0f}% (%{text} studies measuring it)<extra></extra>",
            }
        )
    title = (
        "Share of studies that reported each benefit"
        if measure == "studies"
        else "Share of patients in studies that reported each benefit"
    )
    height = max(300, 120 + 28 * len(benefits) * max(1, len(groups)) // 1.6)
    layout = base_layout(title=title, height=height) | {
        "barmode": "group",
        "legend": LEGEND_ABOVE,
        "xaxis": {
            "title": {"text": "% of the group's studies" if measure == "studies" else "% of the group's patients"},
            "range": [0, 115],
        },
        "yaxis": {"autorange": "reversed"},
    }
    return make_figure(traces, layout)


@per_evidence(maxsize=PER_SELECTION)
def target_moves_figure(evidence: Evidence, moves: pd.DataFrame, groups: list[str], by_vocab: str) -> go.Figure:
    """Diverging bars: studies reporting each target raised (right) or lowered (left), per group."""
    labels = _group_labels(evidence, by_vocab, groups)
    colours = condition_colours(groups)
    moved = moves[moves["direction"] != "no_change"]
    targets = present(evidence.vocab["targets"].index, moved["target"])
    moves_of = split_rows(moved, ["group", "direction"])
    target_labels = [esc(evidence.label("targets", t)) for t in targets]
    traces = []
    for group in groups:
        for direction, sign, pattern in (("up", 1, ""), ("down", -1, "/")):
            rows = moves_of((group, direction)).set_index("target").reindex(targets)
            moved_word = "raised" if direction == "up" else "lowered"
            traces.append(
                {
                    "type": "bar",
                    "y": target_labels,
                    "x": (rows["studies"].fillna(0) * sign).tolist(),
                    "orientation": "h",
                    "name": f"{labels[group]} · {moved_word}",
                    "marker": {"color": colours[group], "pattern": {"shape": pattern}},
                    "legendgroup": group,
                    "customdata": rows["studies"].fillna(0).tolist(),
                    "hovertemplate": f"%{{y}}: {moved_word} in %{{customdata}} studies · {labels[group]}<extra></extra>",
                }
            )
    layout = base_layout(
        title="Immune and tissue targets that moved (studies)", height=max(280, 110 + 26 * len(targets))
    )
    layout |= {
        "barmode": "relative",
        "legend": LEGEND_ABOVE,
        "xaxis": {"title": {"text": "← lowered · studies · raised →"}, "zeroline": True, "zerolinecolor": "#555555"},
        "yaxis": {"autorange": "reversed"},
    }
    return make_figure(traces, layout)


@per_evidence(maxsize=PER_SELECTION)
def mix_figure(
    evidence: Evidence, mix: pd.DataFrame, groups: list[str], by_vocab: str, facet_vocab: str | None, title: str
) -> go.Figure:
    """100% stacked bars: how each group's studies split by a facet (design, source, donor, route)."""
    labels = _group_labels(evidence, by_vocab, groups)
    group_labels = [labels[g] for g in groups]
    values = list(dict.fromkeys(mix["value"]))
    palette = {v: OKABE_ITO[i % len(OKABE_ITO)] for i, v in enumerate(values)}
    traces = []
    shares_of = split_rows(mix, "value")
    for value in values:
        part = shares_of(value).set_index("group").reindex(groups)
        name = esc(evidence.label(facet_vocab, value) if facet_vocab and value != "not reported" else value)
        traces.append(
            {
                "type": "bar",
                "y": group_labels,
                "x": (part["share"].fillna(0) * 100).tolist(),
                "orientation": "h",
                "name": name,
                "marker": {"color": palette[value], "line": {"color": "white", "width": 1}},
                "text": [f"{int(s)}" if pd.notna(s) and s else "" for s in part["studies"]],
                "textposition": "inside",
                "insidetextanchor": "middle",
                "customdata": part[["studies", "patients"]].fillna(0).to_numpy(),
                "hovertemplate": "%{y} · "
                + name
                + ": %{customdata[0]} studies, %{customdata[1]} patients<extra></extra>",
            }
        )
    layout = base_layout(title=title, height=150 + 45 * len(groups)) | {
        "barmode": "stack",
        "legend": LEGEND_ABOVE,
        "xaxis": {"title": {"text": "% of the group's studies (number of studies in the bar)"}, "range": [0, 100]},
        "yaxis": {"autorange": "reversed"},
    }
    return make_figure(traces, layout)


@per_evidence(maxsize=PER_SELECTION)
def dose_figure(evidence: Evidence, doses: pd.DataFrame, groups: list[str], by_vocab: str) -> go.Figure:
    """Strip plot of per-kg doses on a log axis, one row per group, marker size = patients."""
    labels = _group_labels(evidence, by_vocab, groups)
    colours = condition_colours(groups)
    traces = []
    for group in groups:
        part = doses[doses["group"] == group]
        traces.append(
            {
                "type": "scatter",
                "x": part["dose_per_kg"],
                "y": [labels[group]] * len(part),
                "mode": "markers",
                "name": labels[group],
                "marker": {
                    "color": colours[group],
                    "size": marker_sizes(part["n_msc"].fillna(0).astype(float), 100).clip(upper=28).tolist(),
                    "line": {"color": "#333333", "width": 1},
                    "opacity": 0.85,
                },
                "customdata": [[esc(b)] for b in part["badge"]] if "badge" in part else part[["study_id"]].to_numpy(),
                "hovertemplate": "%{customdata[0]}<br>%{x:.1e} cells/kg per infusion<extra></extra>",
            }
        )
    layout = base_layout(title="Dose per kg body weight (one mark per study)", height=150 + 50 * len(groups)) | {
        "xaxis": {"type": "log", "title": {"text": "cells per kg per infusion (log scale)"}, "exponentformat": "power"},
        "yaxis": {"autorange": "reversed"},
        "showlegend": False,
    }
    return make_figure(traces, layout)


@per_evidence(maxsize=PER_SELECTION)
def adverse_event_figure(evidence: Evidence, rates: pd.DataFrame, groups: list[str], by_vocab: str) -> go.Figure:
    """Patients with adverse events per 100 treated, serious and non-serious, with 95% CIs."""
    labels = _group_labels(evidence, by_vocab, groups)
    group_labels = [labels[g] for g in groups]
    traces = []
    for kind, colour, pattern in (("serious", "#D55E00", ""), ("non-serious", "#56B4E9", "/")):
        part = rates[rates["kind"] == kind].set_index("group").reindex(groups)
        rate = part["rate"] * 100
        traces.append(
            {
                "type": "bar",
                "y": group_labels,
                "x": rate.fillna(0).tolist(),
                "orientation": "h",
                "name": f"{kind.capitalize()} events",
                "marker": {"color": colour, "pattern": {"shape": pattern}},
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": ((part["ci_high"] * 100) - rate).fillna(0).tolist(),
                    "arrayminus": (rate - (part["ci_low"] * 100)).fillna(0).tolist(),
                    "color": "#333333",
                },
                "customdata": part[["patients_affected", "patients_treated", "studies_reporting"]].fillna(0).to_numpy(),
                "hovertemplate": "%{y}: %{customdata[0]} of %{customdata[1]} patients (%{x:.1f} per 100), "
                "%{customdata[2]} studies reporting<extra>" + kind + "</extra>",
            }
        )
    layout = base_layout(title="Patients with adverse events per 100 treated (95% CI)", height=170 + 60 * len(groups))
    layout |= {
        "barmode": "group",
        "legend": LEGEND_ABOVE,
        "xaxis": {"title": {"text": "patients with an event per 100 treated, in studies that reported adverse events"}},
        "yaxis": {"autorange": "reversed"},
    }
    return make_figure(traces, layout)


@per_evidence(maxsize=PER_SELECTION)
def benefit_harm_figure(evidence: Evidence, frame: pd.DataFrame) -> go.Figure:
    """Per condition: patients in studies reporting a clinical benefit (right) beside patients with
    a serious adverse event (left)."""
    labels = [esc(evidence.label("conditions", c)) for c in frame["condition"]]
    traces = [
        {
            "type": "bar",
            "y": labels,
            "x": frame["patients_in_studies_with_benefit"],
            "orientation": "h",
            "name": "Patients in studies reporting a clinical benefit",
            "marker": {"color": "#009E73"},
            "text": frame["patients_in_studies_with_benefit"],
            "textposition": "outside",
        },
        {
            "type": "bar",
            "y": labels,
            "x": -frame["patients_with_serious_events"],
            "orientation": "h",
            "name": "Patients with a serious adverse event",
            "marker": {"color": "#D55E00", "pattern": {"shape": "x"}},
            "text": frame["patients_with_serious_events"],
            "textposition": "outside",
            "customdata": frame[["patients_with_related_serious_events", "deaths"]].to_numpy(),
            "hovertemplate": "%{y}: %{text} patients with serious events (%{customdata[0]} possibly related), "
            "%{customdata[1]} deaths<extra></extra>",
        },
    ]
    layout = base_layout(title="Benefit and harm side by side, by condition", height=170 + 40 * len(frame)) | {
        "barmode": "relative",
        "legend": LEGEND_ABOVE,
        "xaxis": {"title": {"text": "← patients with serious events · patients in studies reporting benefit →"}},
        "yaxis": {"autorange": "reversed"},
    }
    return make_figure(traces, layout)
