"""Mechanisms: which immune and tissue targets moved in the studies that reported each benefit,
and one target compared across conditions."""

import streamlit as st

from components.analysis import mechanisms
from components.analysis.filters import apply_filter
from components.analysis.tables import study_table
from components.evidence import url_state
from components.views import mechanism_figures, ui

# 1. Selections
evidence = ui.evidence()
selection = ui.study_filters(evidence, page="mechanisms")
studies = apply_filter(evidence, selection)
measured_targets = [t for t in evidence.vocab["targets"].index if t in set(evidence.mechanisms["target"].unique())]
defaults = {"target_focus": "treg" if "treg" in measured_targets else (measured_targets[0] if measured_targets else "")}
keys = ui.page_params("mechanisms", {"target_focus": url_state.Choice(tuple(measured_targets))}, defaults)

# 2. Filtered data
links = mechanisms.target_benefit_links(evidence, studies)
first, second = mechanisms.sankey_table(links)

# 3. Headline
st.title("Mechanisms: immune changes and clinical benefit")
ui.selection_line(evidence, studies, selection)
st.markdown(
    "Which immune or tissue targets moved in the same studies that reported a clinical benefit. A link counts studies "
    "that reported **both**; it shows what was seen together in the same patients, not that one caused the other."
)

# 4. Condition -> target -> benefit
if links.empty:
    st.info("No study in this selection reported both a target change and a benefit.")
else:
    ui.chart(
        mechanism_figures.mechanism_sankey(evidence, first, second),
        key="mechanism_sankey",
        caption="Width of each band: studies. Targets are split by direction (↑ raised, ↓ lowered). Most of these studies "
        "are small and uncontrolled.",
        data=links.assign(
            condition=links["condition"].map(lambda c: evidence.label("conditions", c)),
            target=links["target"].map(lambda t: evidence.label("targets", t)),
            benefit=links["benefit"].map(lambda b: evidence.label("benefits", b)),
        ),
    )
    event = ui.chart(
        mechanism_figures.mechanism_matrix(evidence, second),
        key="mechanism_matrix",
        caption="The same links as a grid: each mark is a target change and a benefit reported in the same studies "
        "(number: studies). Click a mark to list them.",
        on_select="rerun",
        selection_mode="points",
    )
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    picked = [tuple(p["customdata"]) for p in points if p.get("customdata")]
    st.subheader("Studies behind a link")
    pairs = links[["target", "direction"]].drop_duplicates()
    pair_labels = {
        f"{t}|{d}": f"{evidence.label('targets', t)} {'raised' if d == 'up' else 'lowered'}"
        for t, d in pairs.itertuples(index=False)
    }
    if picked:
        target, direction, benefit = picked[0]
    else:
        left, right = st.columns(2)
        pick = ui.choose(
            "Target change", list(pair_labels), format_func=pair_labels.get, key="mechanisms.link_target", where=left
        )
        target, direction = pick.split("|")
        benefits_here = sorted(set(links[(links["target"] == target) & (links["direction"] == direction)]["benefit"]))
        benefit = ui.choose(
            "Benefit",
            benefits_here,
            format_func=lambda b: evidence.label("benefits", b),
            key="mechanisms.link_benefit",
            where=right,
        )
    st.caption(
        f"{ui.md(pair_labels.get(f'{target}|{direction}', target))} with {ui.md(evidence.label('benefits', benefit).lower())}"
    )
    ids = sorted(
        set(
            links[(links["target"] == target) & (links["direction"] == direction) & (links["benefit"] == benefit)][
                "study_id"
            ]
        )
    )
    ui.table(
        study_table(evidence, studies.loc[ids]),
        hide_index=True,
        column_config=ui.link_columns(),
        key="mechanism_studies",
    )

# 5. One target across conditions
st.subheader("One target across conditions")
if not measured_targets:
    st.info("No immune or tissue targets are recorded in this dataset.")
    st.stop()
focus = st.selectbox(
    "Target", measured_targets, format_func=lambda t: evidence.label("targets", t), key=keys["target_focus"]
)
ui.remember({"target_focus": focus}, defaults)
pivot = mechanisms.target_pivot(evidence, studies, focus)
if pivot.empty:
    st.info("No study in this selection measured this target.")
else:
    ui.chart(
        mechanism_figures.target_pivot_figure(evidence, pivot, focus),
        key="target_pivot",
        caption="For each condition and direction of change: studies that reported it, split by whether the same study "
        "reported a clinical (not laboratory) benefit.",
        data=pivot.assign(condition=pivot["condition"].map(lambda c: evidence.label("conditions", c))).drop(
            columns=["study_ids"]
        ),
    )
