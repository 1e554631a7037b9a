"""Plotly figure builders. They take tidy frames and return figures; they know nothing of Streamlit.

Text that comes from the data is escaped before it goes into a figure, because Plotly renders a
subset of HTML in titles, labels and hover text.

Each builder assembles plain trace dicts (with their "type") and one layout dict, then makes the
figure once: Plotly validates again on every add_trace and update_* call, which made a figure cost
10-20 ms; made in one go it costs 1-3 ms.
"""

from __future__ import annotations

import html
from collections import namedtuple
from collections.abc import Callable

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from components.aggregate import BENEFIT, NO_BENEFIT, NOT_MEASURED, STATE_LABELS
from components.loader import Evidence
from components.theme import DESIGN_SYMBOLS, OKABE_ITO, STATE_COLOURS, base_layout, condition_colours

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
MAX_MARKER_PX = 34
MIN_MARKER_PX = 15
# Legend in one row above the plot, left-aligned with the title.
LEGEND_ABOVE = {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0}


def esc(text: object) -> str:
    """Make data text safe for Plotly's HTML-like labels."""
    return html.escape(str(text), quote=False)


def _figure(traces: list[dict], layout: dict) -> go.Figure:
    """The one place a figure is made: all traces and the whole layout in a single validation."""
    return go.Figure(data=traces, layout=layout)


def _records(frame: pd.DataFrame, columns: list[str]) -> list:
    """The frame's rows as named tuples of plain Python values, for per-point text and lookups.

    Several times faster than DataFrame.itertuples, which reads the frame cell by cell through
    pandas indexing; the values are the same.
    """
    row = namedtuple("Row", columns)
    return list(map(row._make, zip(*(frame[c].tolist() for c in columns), strict=True)))


def _split(frame: pd.DataFrame, by: str | list[str]) -> Callable[[object], pd.DataFrame]:
    """The frame's rows for each value of `by`, in one pass (a boolean filter per value costs a pass
    each). A value with no rows, or a missing one (which `==` never matches), gets the frame's empty
    slice, columns and dtypes intact."""
    parts = dict(iter(frame.groupby(by, sort=False)))
    empty = frame.iloc[:0]
    return lambda key: parts.get(key, empty)


def _present(vocab_ids: pd.Index, values: pd.Series) -> list[str]:
    """The vocabulary's ids that occur in `values`, in vocabulary order."""
    present = set(values)
    return [i for i in vocab_ids if i in present]


def marker_sizes(patients: pd.Series, largest: int) -> pd.Series:
    """Marker diameter growing with the logarithm of patients, from MIN_MARKER_PX (none) to
    MAX_MARKER_PX (`largest` or more).

    Cohorts range from a handful of patients to registries of thousands; with area proportional to
    patients, one registry shrank every trial of 10 to 100 patients to the same dot.
    """
    if largest <= 0:
        return pd.Series(float(MIN_MARKER_PX), index=patients.index)
    share = (np.log1p(patients.clip(lower=0)) / np.log1p(largest)).clip(upper=1.0)
    return MIN_MARKER_PX + (MAX_MARKER_PX - MIN_MARKER_PX) * share


def evidence_map_figure(evidence: Evidence, cells: pd.DataFrame, benefits_as_rows: bool = False) -> go.Figure:
    """Conditions x benefits grid: colour and sign = finding, size = patients, shape = best design.

    Built from scatter traces (not a heatmap) so that clicking a cell reaches the app.
    `benefits_as_rows` turns the grid so that the few conditions are the columns, which suits a
    narrow screen.
    """
    traces = []
    condition_order = _present(evidence.vocab["conditions"].index, cells["condition"])
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
    for row in _records(sized, EVIDENCE_MAP_COLUMNS):
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
    return _figure(traces, layout)


# ---------------------------------------------------------------------------------------------
# Compare page

DIRECTION_SYMBOLS = {"up": "triangle-up", "down": "triangle-down", "no_change": "circle-open"}


def _group_labels(evidence: Evidence, by_vocab: str, groups: list[str]) -> dict[str, str]:
    return {g: esc(evidence.label(by_vocab, g)) for g in groups}


def benefit_share_figure(
    evidence: Evidence, shares: pd.DataFrame, groups: list[str], by_vocab: str, measure: str
) -> go.Figure:
    """Grouped horizontal bars: share of studies (or patients) in each group that reported each benefit."""
    labels = _group_labels(evidence, by_vocab, groups)
    colours = condition_colours(groups)
    benefits = _present(evidence.vocab["benefits"].index, shares["benefit"])
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
    return _figure(traces, layout)


def target_moves_figure(evidence: Evidence, moves: pd.DataFrame, groups: list[str], by_vocab: str) -> go.Figure:
    """Diverging bars: studies reporting each target raised (right) or lowered (left), per group."""
    labels = _group_labels(evidence, by_vocab, groups)
    colours = condition_colours(groups)
    moved = moves[moves["direction"] != "no_change"]
    targets = _present(evidence.vocab["targets"].index, moved["target"])
    moves_of = _split(moved, ["group", "direction"])
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
    return _figure(traces, layout)


def mix_figure(
    evidence: Evidence, mix: pd.DataFrame, groups: list[str], by_vocab: str, facet_vocab: str | None, title: str
) -> go.Figure:
    """100% stacked bars: how each group's studies split by a facet (design, source, donor, route)."""
    labels = _group_labels(evidence, by_vocab, groups)
    group_labels = [labels[g] for g in groups]
    values = list(dict.fromkeys(mix["value"]))
    palette = {v: OKABE_ITO[i % len(OKABE_ITO)] for i, v in enumerate(values)}
    traces = []
    shares_of = _split(mix, "value")
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
    return _figure(traces, layout)


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
    return _figure(traces, layout)


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
    return _figure(traces, layout)


# ---------------------------------------------------------------------------------------------
# Mechanisms page


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
    first_rows = _records(first, ["condition", "target", "direction"])
    second_rows = _records(second, ["target", "direction", "benefit"])
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
    return _figure([sankey], layout)


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
    return _figure(traces, layout)


# ---------------------------------------------------------------------------------------------
# Registered trials page

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
    conditions = _present(evidence.vocab["conditions"].index, trials["condition"])
    condition_labels = [esc(evidence.label("conditions", c)) for c in conditions]
    # One pass over the trials, not a filter and two group-bys per status: per (status, condition),
    # the trials with a registry id, and every trial's phase.
    counts: dict[tuple, int] = {}
    phases: dict[tuple, list] = {}
    for trial in _records(trials, ["status", "condition", "phase", "registry_id"]):
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
    return _figure(traces, layout)


def timeline_figure(evidence: Evidence, events: pd.DataFrame) -> go.Figure:
    """Published studies and registered trials on one axis of years, one row per condition."""
    styles = {
        "Published study": ("circle", "#0072B2"),
        "Registered trial, published": ("diamond", "#009E73"),
        "Registered trial, no results published": ("diamond-open", "#D55E00"),
    }
    conditions = _present(evidence.vocab["conditions"].index, events["condition"])
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
    return _figure(traces, layout)


# ---------------------------------------------------------------------------------------------
# Outcomes page


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
    return _figure(traces, layout)


# ---------------------------------------------------------------------------------------------
# Safety, dose-response and durability


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
    return _figure(traces, layout)


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
    return _figure(traces, layout)


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
    return _figure(traces, layout)


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
    return _figure(traces, layout)
