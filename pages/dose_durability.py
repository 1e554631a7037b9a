"""Dose and durability: does more cells per kg give more response, and does the response last?"""

import streamlit as st

from components.analysis.filters import apply_filter
from components.analysis.response import response_points, response_ready_counts
from components.views import outcome_figures, ui

# 1. Selections
evidence = ui.evidence()
selection = ui.study_filters(evidence, page="dose")
studies = apply_filter(evidence, selection)
available = evidence.outcomes[evidence.outcomes["study_id"].isin(studies.index)]
counts = available.groupby("measure").study_id.nunique().sort_values(ascending=False)
measures = list(counts.index)
st.title("Dose and durability")
ui.selection_line(evidence, studies, selection)
if not measures:
    st.info("No outcomes recorded for the studies in this selection.")
    st.stop()
ready = response_ready_counts(evidence, studies)
measure = ui.measure_picker(
    evidence,
    "dose",
    measures,
    # Open on the measure with the most dose-and-response points.
    default=max(measures, key=lambda m: (ready.get(m, 0), counts[m])),
    format_func=lambda m: f"{evidence.label('measures', m)} ({counts[m]} studies)",
)

# 2. Data
points, y_title = response_points(evidence, studies, measure)
dosed = points[points["dose_per_kg"].notna()]
latest = dosed.sort_values("timepoint").groupby(["study_id", "arm"], sort=False).tail(1)

# 3. Dose-response
st.subheader("Dose per kg against response")
if latest.empty:
    st.info("No study of this outcome reported both a per-kg dose and a response that can be expressed as a number.")
else:
    ui.chart(
        outcome_figures.dose_response_figure(evidence, latest, y_title),
        key="dose_response",
        caption="One mark per study arm at its last reported time point: colour is the cell source, size the patients, "
        "shape the design. Studies differ in disease, background treatment and time point, so a slope across studies is "
        "not a dose-response curve; only multi-arm studies compare doses directly.",
        data=latest[["label", "dose_per_kg", "response", "timepoint", "n", "cell_source", "badge"]],
    )

# 4. Durability
st.subheader("Does the response last?")
if points.empty:
    st.info("No numeric responses recorded for this outcome.")
else:
    ui.chart(
        outcome_figures.durability_figure(evidence, points, y_title),
        key="durability",
        caption="Each line is one study arm over time (solid: a single infusion; dashed: repeated infusions). Later points "
        "often include fewer patients, as people leave a study or relapse.",
        data=points[["label", "timepoint", "response", "n", "repeated", "badge"]],
    )
