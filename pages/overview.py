"""Overview: what the app is for, headline numbers and the condition x benefit evidence map."""

import streamlit as st

from components.analysis.aggregate import (
    benefit_matrix_table,
    cell_studies,
    evidence_map,
    headline_numbers,
    overview_sentences,
)
from components.analysis.filters import apply_filter
from components.evidence import url_state
from components.views import ui
from components.views.map_figures import evidence_map_figure
from components.views.theme import PLOTLY_CONFIG

# 1. Selections
evidence = ui.evidence()
selection = ui.study_filters(evidence, page="overview")

# 2. Filtered data
studies = apply_filter(evidence, selection)
numbers = headline_numbers(studies)

# 3. Headline: the question, then the answer in words and numbers
st.title("MSC therapy in rheumatic diseases: the clinical evidence")
st.markdown(
    "**What has mesenchymal stem/stromal cell (MSC) therapy been tried for in rheumatic diseases, what did the studies "
    "find, and how sure can we be?**"
)
ui.selection_line(evidence, studies, selection)
cols = st.columns(4)
cols[0].metric("Studies", numbers.studies)
cols[1].metric(
    "Patients treated with MSC",
    f"{numbers.patients:,}",
    help="Each cohort counted once: follow-up reports are not added again.",
)
cols[2].metric("Conditions", numbers.conditions)
cols[3].metric("Randomised trials", numbers.randomised)
sentences = list(overview_sentences(evidence, studies))
unreported = int(studies["n_msc"].isna().sum())
if unreported:
    sentences.append(
        f"{unreported} of these studies {'does' if unreported == 1 else 'do'} not report how many patients were "
        "treated; they add none to the total."
    )
if sentences:
    sentences.append(
        "How certain any benefit is, outcome by outcome, is on each condition's profile and in the claim check (GRADE)."
    )
    st.markdown("\n".join(f"- {ui.md(s)}" for s in sentences))

# 4. Evidence map
if studies.empty:
    st.info("No studies match these filters. Remove a filter in the sidebar to see more.")
    st.stop()
# The map is computed after the headline is on screen, so the page shows its numbers first.
cells = evidence_map(evidence, studies)
st.subheader("Evidence map")
st.caption(
    "Each mark is a condition and a benefit. Its colour is what the strongest studies that measured it found: "
    "green (+) benefit reported, orange (–) measured but no benefit (including no better than control); "
    "± means other studies disagree; a small grey ring means not measured. Shape: that strongest design. "
    "Size: patients on MSC, on a logarithmic scale (each cohort counted once). Click a mark to list its studies. On a small screen, "
    "show benefits as rows, or read the same map as the table below the chart."
)
layout_keys = ui.page_params(
    "overview", {"map_rows": url_state.Choice(("conditions", "benefits"))}, {"map_rows": "conditions"}
)
map_rows = st.segmented_control(
    "Rows of the map",
    ["conditions", "benefits"],
    format_func={"conditions": "Conditions", "benefits": "Benefits (better on a narrow screen)"}.get,
    key=layout_keys["map_rows"],
    required=True,
)
ui.remember({"map_rows": map_rows}, {"map_rows": "conditions"})
event = st.plotly_chart(
    evidence_map_figure(evidence, cells, benefits_as_rows=map_rows == "benefits"),
    key="evidence_map",
    on_select="rerun",
    selection_mode="points",
    config=PLOTLY_CONFIG | ui.chart_download_options(),
)

# 5. Studies behind the selected mark, and the map as a table
points = (event or {}).get("selection", {}).get("points", []) if event else []
chosen = [tuple(p["customdata"]) for p in points if p.get("customdata")]
if chosen:
    condition, benefit = chosen[0]
    ids = cell_studies(evidence, studies, condition, benefit)
    st.markdown(
        f"**{ui.md(evidence.label('conditions', condition))} · {ui.md(evidence.label('benefits', benefit))}**: "
        f"{len(ids)} {'study' if len(ids) == 1 else 'studies'} measured it"
    )
    ui.study_list(evidence, studies.loc[ids], key="map_studies")
with st.expander("The evidence map as a table"):
    ui.table(benefit_matrix_table(evidence, cells), hide_index=True, width="stretch", key="overview_table_1")
