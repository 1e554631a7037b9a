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
from components.theme import DESIGN_SYMBOLS, OKABE_ITO, STATE_COLOURS, base_layout, condition_colours

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
    benefits = [b for b in evidence.vocab["benefits"].index if b in set(shares["benefit"])]
    fig = go.Figure()
    column = "share_studies" if measure == "studies" else "share_patients"
    for group in groups:
        part = shares[shares["group"] == group].set_index("benefit").reindex(benefits)
        text = [
            f"{int(r.studies_benefit)}/{int(r.studies_measured)}" if pd.notna(r.studies_measured) else "not measured"
            for r in part.itertuples()
        ]
        fig.add_trace(
            go.Bar(
                y=[esc(evidence.label("benefits", b)) for b in benefits],
                x=(part[column].fillna(0) * 100).tolist(),
                orientation="h",
                name=labels[group],
                marker={"color": colours[group]},
                text=text,
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{y}<br>" + labels[group] + ": %{x:.0f}% (%{text} studies measuring it)<extra></extra>",
            )
        )
    title = (
        "Share of studies that reported each benefit"
        if measure == "studies"
        else "Share of patients in studies that reported each benefit"
    )
    base_layout(fig, title=title, height=max(300, 120 + 28 * len(benefits) * max(1, len(groups)) // 1.6))
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0})
    fig.update_xaxes(
        title_text="% of the group's studies" if measure == "studies" else "% of the group's patients", range=[0, 115]
    )
    fig.update_yaxes(autorange="reversed")
    return fig


def target_moves_figure(evidence: Evidence, moves: pd.DataFrame, groups: list[str], by_vocab: str) -> go.Figure:
    """Diverging bars: studies reporting each target raised (right) or lowered (left), per group."""
    labels = _group_labels(evidence, by_vocab, groups)
    colours = condition_colours(groups)
    moved = moves[moves["direction"] != "no_change"]
    targets = [t for t in evidence.vocab["targets"].index if t in set(moved["target"])]
    fig = go.Figure()
    for group in groups:
        part = moved[moved["group"] == group]
        for direction, sign, pattern in (("up", 1, ""), ("down", -1, "/")):
            rows = part[part["direction"] == direction].set_index("target").reindex(targets)
            fig.add_trace(
                go.Bar(
                    y=[esc(evidence.label("targets", t)) for t in targets],
                    x=(rows["studies"].fillna(0) * sign).tolist(),
                    orientation="h",
                    name=f"{labels[group]} · {'raised' if direction == 'up' else 'lowered'}",
                    marker={"color": colours[group], "pattern": {"shape": pattern}},
                    legendgroup=group,
                    customdata=rows["studies"].fillna(0).tolist(),
                    hovertemplate="%{y}: "
                    + ("raised" if direction == "up" else "lowered")
                    + " in %{customdata} studies · "
                    + labels[group]
                    + "<extra></extra>",
                )
            )
    base_layout(fig, title="Immune and tissue targets that moved (studies)", height=max(280, 110 + 26 * len(targets)))
    fig.update_layout(barmode="relative", legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0})
    fig.update_xaxes(title_text="← lowered · studies · raised →", zeroline=True, zerolinecolor="#555555")
    fig.update_yaxes(autorange="reversed")
    return fig


def mix_figure(
    evidence: Evidence, mix: pd.DataFrame, groups: list[str], by_vocab: str, facet_vocab: str | None, title: str
) -> go.Figure:
    """100% stacked bars: how each group's studies split by a facet (design, source, donor, route)."""
    labels = _group_labels(evidence, by_vocab, groups)
    values = list(dict.fromkeys(mix["value"]))
    palette = {v: OKABE_ITO[i % len(OKABE_ITO)] for i, v in enumerate(values)}
    fig = go.Figure()
    for value in values:
        part = mix[mix["value"] == value].set_index("group").reindex(groups)
        name = esc(evidence.label(facet_vocab, value) if facet_vocab and value != "not reported" else value)
        fig.add_trace(
            go.Bar(
                y=[labels[g] for g in groups],
                x=(part["share"].fillna(0) * 100).tolist(),
                orientation="h",
                name=name,
                marker={"color": palette[value], "line": {"color": "white", "width": 1}},
                text=[f"{int(s)}" if pd.notna(s) and s else "" for s in part["studies"]],
                textposition="inside",
                insidetextanchor="middle",
                customdata=part[["studies", "patients"]].fillna(0).to_numpy(),
                hovertemplate="%{y} · " + name + ": %{customdata[0]} studies, %{customdata[1]} patients<extra></extra>",
            )
        )
    base_layout(fig, title=title, height=150 + 45 * len(groups))
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0})
    fig.update_xaxes(title_text="% of the group's studies (number of studies in the bar)", range=[0, 100])
    fig.update_yaxes(autorange="reversed")
    return fig


def dose_figure(evidence: Evidence, doses: pd.DataFrame, groups: list[str], by_vocab: str) -> go.Figure:
    """Strip plot of per-kg doses on a log axis, one row per group, marker size = patients."""
    labels = _group_labels(evidence, by_vocab, groups)
    colours = condition_colours(groups)
    fig = go.Figure()
    for group in groups:
        part = doses[doses["group"] == group]
        fig.add_trace(
            go.Scatter(
                x=part["dose_per_kg"],
                y=[labels[group]] * len(part),
                mode="markers",
                name=labels[group],
                marker={
                    "color": colours[group],
                    "size": marker_sizes(part["n_msc"].fillna(0).astype(float), 100).clip(upper=28).tolist(),
                    "line": {"color": "#333333", "width": 1},
                    "opacity": 0.85,
                },
                customdata=part[["study_id", "n_msc"]].to_numpy(),
                hovertemplate="%{customdata[0]}: %{x:.1e} cells/kg, %{customdata[1]} patients<extra></extra>",
            )
        )
    base_layout(fig, title="Dose per kg body weight (one mark per study)", height=150 + 50 * len(groups))
    fig.update_xaxes(type="log", title_text="cells per kg per infusion (log scale)", exponentformat="power")
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(showlegend=False)
    return fig


def adverse_event_figure(evidence: Evidence, rates: pd.DataFrame, groups: list[str], by_vocab: str) -> go.Figure:
    """Patients with adverse events per 100 treated, serious and non-serious, with 95% CIs."""
    labels = _group_labels(evidence, by_vocab, groups)
    fig = go.Figure()
    for kind, colour, pattern in (("serious", "#D55E00", ""), ("non-serious", "#56B4E9", "/")):
        part = rates[rates["kind"] == kind].set_index("group").reindex(groups)
        rate = part["rate"] * 100
        fig.add_trace(
            go.Bar(
                y=[labels[g] for g in groups],
                x=rate.fillna(0).tolist(),
                orientation="h",
                name=f"{kind.capitalize()} events",
                marker={"color": colour, "pattern": {"shape": pattern}},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": ((part["ci_high"] * 100) - rate).fillna(0).tolist(),
                    "arrayminus": (rate - (part["ci_low"] * 100)).fillna(0).tolist(),
                    "color": "#333333",
                },
                customdata=part[["patients_affected", "patients_treated", "studies_reporting"]].fillna(0).to_numpy(),
                hovertemplate="%{y}: %{customdata[0]} of %{customdata[1]} patients (%{x:.1f} per 100), "
                "%{customdata[2]} studies reporting<extra>" + kind + "</extra>",
            )
        )
    base_layout(fig, title="Patients with adverse events per 100 treated (95% CI)", height=170 + 60 * len(groups))
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0})
    fig.update_xaxes(title_text="patients with an event per 100 treated, in studies that reported adverse events")
    fig.update_yaxes(autorange="reversed")
    return fig


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
    source = [index_c[r.condition] for r in first.itertuples()] + [
        index_t[(r.target, r.direction)] for r in second.itertuples()
    ]
    target = [index_t[(r.target, r.direction)] for r in first.itertuples()] + [
        index_b[r.benefit] for r in second.itertuples()
    ]
    value = list(first["studies"]) + list(second["studies"])
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={"label": labels, "color": node_colours, "pad": 14, "thickness": 14},
            link={
                "source": source,
                "target": target,
                "value": value,
                "color": "rgba(120,120,120,0.25)",
                "hovertemplate": "%{source.label} → %{target.label}: %{value} studies<extra></extra>",
            },
        )
    )
    base_layout(
        fig,
        title="Condition → immune/tissue change (↑ raised, ↓ lowered) → clinical benefit",
        height=max(420, 26 * len(labels)),
    )
    return fig


def target_pivot_figure(evidence: Evidence, pivot: pd.DataFrame, target: str) -> go.Figure:
    """Per condition: studies reporting the target change, and how many also reported a clinical benefit."""
    fig = go.Figure()
    pivot = pivot.copy()
    pivot["label"] = [
        f"{esc(evidence.label('conditions', c))} · {'raised' if d == 'up' else 'lowered' if d == 'down' else 'unchanged'}"
        for c, d in zip(pivot["condition"], pivot["direction"], strict=False)
    ]
    fig.add_trace(
        go.Bar(
            y=pivot["label"],
            x=pivot["with_clinical_benefit"],
            orientation="h",
            name="…and a clinical benefit was reported",
            marker={"color": "#009E73"},
            text=pivot["with_clinical_benefit"],
            textposition="inside",
        )
    )
    fig.add_trace(
        go.Bar(
            y=pivot["label"],
            x=pivot["studies"] - pivot["with_clinical_benefit"],
            orientation="h",
            name="…no clinical benefit reported",
            marker={"color": "#BBBBBB", "pattern": {"shape": "/"}},
            text=pivot["studies"] - pivot["with_clinical_benefit"],
            textposition="inside",
        )
    )
    base_layout(
        fig,
        title=f"Studies that measured {esc(evidence.label('targets', target))}, by condition",
        height=160 + 40 * len(pivot),
    )
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0})
    fig.update_xaxes(title_text="studies", dtick=1)
    fig.update_yaxes(autorange="reversed")
    return fig


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
    conditions = [c for c in evidence.vocab["conditions"].index if c in set(trials["condition"])]
    fig = go.Figure()
    for status, label in status_labels.items():
        part = trials[trials["status"] == status]
        if part.empty:
            continue
        counts = part.groupby("condition").registry_id.count().reindex(conditions).fillna(0)
        phases = part.groupby("condition")["phase"].agg(lambda p: ", ".join(sorted(phase_labels.get(x, x) for x in p)))
        fig.add_trace(
            go.Bar(
                y=[esc(evidence.label("conditions", c)) for c in conditions],
                x=counts.tolist(),
                orientation="h",
                name=label,
                marker={
                    "color": STATUS_COLOURS.get(status, "#777777"),
                    "pattern": {"shape": STATUS_PATTERNS.get(status, "")},
                },
                customdata=[esc(phases.get(c, "")) for c in conditions],
                hovertemplate="%{y}: %{x} " + label.lower() + "<br>phases: %{customdata}<extra></extra>",
            )
        )
    base_layout(fig, title="Registered trials by condition and status", height=160 + 36 * len(conditions))
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0})
    fig.update_xaxes(title_text="registered trials")
    fig.update_yaxes(autorange="reversed")
    return fig


def timeline_figure(evidence: Evidence, events: pd.DataFrame) -> go.Figure:
    """Published studies and registered trials on one axis of years, one row per condition."""
    styles = {
        "Published study": ("circle", "#0072B2"),
        "Registered trial, published": ("diamond", "#009E73"),
        "Registered trial, no results published": ("diamond-open", "#D55E00"),
    }
    conditions = [c for c in evidence.vocab["conditions"].index if c in set(events["condition"])]
    fig = go.Figure()
    for kind, (symbol, colour) in styles.items():
        part = events[events["kind"] == kind]
        if part.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=part["year"],
                y=[esc(evidence.label("conditions", c)) for c in part["condition"]],
                mode="markers",
                name=kind,
                marker={
                    "symbol": symbol,
                    "color": colour,
                    "size": 11,
                    "line": {"width": 1.5, "color": colour},
                    "opacity": 0.8,
                },
                customdata=part[["id", "n"]].to_numpy(),
                hovertemplate="%{customdata[0]} · %{x}<br>patients: %{customdata[1]}<extra>" + kind + "</extra>",
            )
        )
    base_layout(fig, title="Published studies and registered trials over time", height=170 + 40 * len(conditions))
    fig.update_layout(legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0})
    fig.update_xaxes(title_text="year (publication, or trial start)", dtick=2)
    fig.update_yaxes(
        categoryorder="array", categoryarray=[esc(evidence.label("conditions", c)) for c in reversed(conditions)]
    )
    return fig


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
    fig = go.Figure()
    symbols = [DESIGN_SYMBOLS.get(int(r), "circle") if pd.notna(r) else "circle" for r in effects["evidence_rank"]]
    fig.add_trace(
        go.Scatter(
            x=effects["estimate"],
            y=rows,
            mode="markers",
            name="Study (95% CI)",
            marker={"symbol": symbols, "size": 11, "color": "#0072B2", "line": {"color": "#333333", "width": 1}},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (effects["ci_high"] - effects["estimate"]).tolist(),
                "arrayminus": (effects["estimate"] - effects["ci_low"]).tolist(),
                "color": "#0072B2",
                "thickness": 1.5,
            },
            customdata=effects[["ci_low", "ci_high", "n", "timepoint"]].to_numpy(),
            text=[esc(label) for label in effects["label"]],
            hovertemplate="%{text}<br>%{x:.2f} (95% CI %{customdata[0]:.2f} to %{customdata[1]:.2f})"
            "<br>n = %{customdata[2]} · month %{customdata[3]}<extra></extra>",
        )
    )
    tick_text = [esc(label) for label in effects["label"]]
    if pooled is not None and pooled.k >= 2:
        y = len(effects) + 0.5
        tick_text.append(f"<b>Pooled, random effects (k = {pooled.k})</b>")
        rows.append(y)
        fig.add_trace(
            go.Scatter(
                x=[pooled.ci_low, pooled.estimate, pooled.ci_high, pooled.estimate, pooled.ci_low],
                y=[y, y - 0.35, y, y + 0.35, y],
                mode="lines",
                fill="toself",
                fillcolor="#D55E00",
                line={"color": "#D55E00", "width": 1},
                name="Pooled estimate",
                hovertemplate=f"pooled {pooled.estimate:.2f} (95% CI {pooled.ci_low:.2f} to {pooled.ci_high:.2f})<extra></extra>",
            )
        )
        if pooled.pi_low is not None:
            fig.add_trace(
                go.Scatter(
                    x=[pooled.pi_low, pooled.pi_high],
                    y=[y, y],
                    mode="lines",
                    line={"color": "#D55E00", "width": 1.5, "dash": "dot"},
                    name="95% prediction interval",
                    hovertemplate=f"prediction interval {pooled.pi_low:.2f} to {pooled.pi_high:.2f}<extra></extra>",
                )
            )
    if null_value is not None:
        fig.add_vline(x=null_value, line={"color": "#555555", "width": 1, "dash": "dash"})
        side = "← favours MSC · favours control →" if lower_is_better else "← favours control · favours MSC →"
        x_title = f"{x_title}<br><sup>{side}</sup>"
    base_layout(fig, title=title, height=170 + 34 * (len(rows) + 1))
    fig.update_xaxes(title_text=x_title, zeroline=False)
    fig.update_yaxes(
        tickmode="array", tickvals=rows, ticktext=tick_text, autorange="reversed", showgrid=True, gridcolor="#F0F0F0"
    )
    fig.update_layout(showlegend=False)
    return fig


# ---------------------------------------------------------------------------------------------
# Safety, dose-response and durability


def benefit_harm_figure(evidence: Evidence, frame: pd.DataFrame) -> go.Figure:
    """Per condition: patients in studies reporting a clinical benefit (right) beside patients with
    a serious adverse event (left)."""
    labels = [esc(evidence.label("conditions", c)) for c in frame["condition"]]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=labels,
            x=frame["patients_in_studies_with_benefit"],
            orientation="h",
            name="Patients in studies reporting a clinical benefit",
            marker={"color": "#009E73"},
            text=frame["patients_in_studies_with_benefit"],
            textposition="outside",
        )
    )
    fig.add_trace(
        go.Bar(
            y=labels,
            x=-frame["patients_with_serious_events"],
            orientation="h",
            name="Patients with a serious adverse event",
            marker={"color": "#D55E00", "pattern": {"shape": "x"}},
            text=frame["patients_with_serious_events"],
            textposition="outside",
            customdata=frame[["patients_with_related_serious_events", "deaths"]].to_numpy(),
            hovertemplate="%{y}: %{text} patients with serious events (%{customdata[0]} possibly related), "
            "%{customdata[1]} deaths<extra></extra>",
        )
    )
    base_layout(fig, title="Benefit and harm side by side, by condition", height=170 + 40 * len(frame))
    fig.update_layout(barmode="relative", legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0})
    fig.update_xaxes(title_text="← patients with serious events · patients in studies reporting benefit →")
    fig.update_yaxes(autorange="reversed")
    return fig


def dose_response_figure(evidence: Evidence, points: pd.DataFrame, y_title: str) -> go.Figure:
    """Dose per kg (log) against response: colour = cell source, size = patients, shape = design."""
    fig = go.Figure()
    sources = list(dict.fromkeys(points["cell_source"]))
    palette = {s: OKABE_ITO[i % len(OKABE_ITO)] for i, s in enumerate(sources)}
    for source in sources:
        part = points[points["cell_source"] == source]
        fig.add_trace(
            go.Scatter(
                x=part["dose_per_kg"],
                y=part["response"],
                mode="markers",
                name=esc(evidence.label("cell_sources", source) or "not reported"),
                marker={
                    "color": palette[source],
                    "symbol": [DESIGN_SYMBOLS.get(int(r), "circle") for r in part["evidence_rank"]],
                    "size": marker_sizes(part["n"].fillna(0).astype(float), max(1, int(points["n"].max() or 1)))
                    .clip(upper=30)
                    .tolist(),
                    "line": {"color": "#333333", "width": 1},
                },
                customdata=list(zip(part["badge"].map(esc), part["timepoint"], strict=False)),
                hovertemplate="%{customdata[0]}<br>dose %{x:.1e} cells/kg · response %{y:.1f} at month %{customdata[1]}<extra></extra>",
            )
        )
    base_layout(fig, title="Dose per kg against response", height=460)
    fig.update_xaxes(type="log", title_text="cells per kg per infusion (log scale)", exponentformat="power")
    fig.update_yaxes(title_text=y_title)
    fig.update_layout(legend={"title": {"text": "Cell source"}})
    return fig


def durability_figure(evidence: Evidence, points: pd.DataFrame, y_title: str) -> go.Figure:
    """Response against months since treatment, one line per study arm; solid = one infusion,
    dashed = repeated infusions."""
    fig = go.Figure()
    for _, part in points.groupby(["study_id", "arm"], sort=False):
        part = part.sort_values("timepoint")
        repeated = bool(part["repeated"].iloc[0])
        fig.add_trace(
            go.Scatter(
                x=part["timepoint"],
                y=part["response"],
                mode="lines+markers",
                name=esc(part["label"].iloc[0]),
                line={
                    "color": "#0072B2" if not repeated else "#E69F00",
                    "dash": "solid" if not repeated else "dash",
                    "width": 1.5,
                },
                marker={"symbol": DESIGN_SYMBOLS.get(int(part["evidence_rank"].iloc[0]), "circle"), "size": 8},
                customdata=[[esc(b)] for b in part["badge"]],
                hovertemplate="%{customdata[0]}<br>month %{x}: %{y:.1f}<extra></extra>",
                legendgroup="repeated" if repeated else "single",
            )
        )
    base_layout(fig, title="Response over months since treatment (solid: one infusion; dashed: repeated)", height=460)
    fig.update_xaxes(title_text="months since (first) treatment")
    fig.update_yaxes(title_text=y_title)
    fig.update_layout(showlegend=len(points.groupby(["study_id", "arm"])) <= 12)
    return fig
