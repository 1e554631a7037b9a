"""Condition profile: one condition's whole story, told from the data, with its key studies,
benefits, immune targets, safety and registered trials."""

import streamlit as st

from components.analysis import compare, profile
from components.analysis import trials as trial_data
from components.analysis.filters import StudyFilter, apply_filter
from components.analysis.tables import study_table
from components.evidence import url_state
from components.views import compare_figures, ui

# 1. Selection: the condition, kept in the URL
evidence = ui.evidence()
present = [c for c in evidence.vocab["conditions"].index if c in set(evidence.studies["condition"].unique())]
defaults = {"profile": present[0] if present else ""}
keys = ui.page_params("profile", {"profile": url_state.Choice(tuple(present))}, defaults)
st.title("Condition profile")
if not present:
    st.info("This dataset has no studies yet.")
    st.stop()
condition = st.selectbox(
    "Condition", present, format_func=lambda c: evidence.label("conditions", c), key=keys["profile"]
)
ui.remember({"profile": condition}, defaults)

# 2. Data for the condition (sub-conditions included: SLE includes lupus nephritis)
studies = apply_filter(evidence, StudyFilter(conditions=(condition,)))
trials = trial_data.filter_trials(evidence, trial_data.trials_with_publication(evidence), (condition,), ())
groups = {condition: studies[compare.PANEL_COLUMNS]}

# 3. The story
st.subheader(ui.md(evidence.label("conditions", condition)))
st.caption(ui.md(evidence.vocab["conditions"].at[condition, "description"]))
for sentence in profile.condition_story(evidence, condition, studies, trials):
    st.markdown(f"- {ui.md(sentence)}")

st.subheader("Key studies")
st.caption("Strongest design first, then the largest.")
ui.table(
    study_table(evidence, profile.key_studies(studies)),
    hide_index=True,
    column_config=ui.link_columns(),
    key="profile_key_studies",
)

# 4. Panels
left, right = st.columns(2)
with left:
    shares = compare.benefit_shares(evidence, groups)
    if shares.empty:
        st.caption("No outcomes recorded.")
    else:
        ui.chart(
            compare_figures.benefit_share_figure(evidence, shares, [condition], "conditions", "studies"),
            key="profile_benefits",
            caption="Share of the condition's studies that reported each benefit (label: reporting / measuring).",
        )
with right:
    moves = compare.target_moves(evidence, groups)
    if moves.empty or (moves["direction"] == "no_change").all():
        st.caption("No immune or tissue target changes recorded.")
    else:
        ui.chart(
            compare_figures.target_moves_figure(evidence, moves, [condition], "conditions"),
            key="profile_targets",
            caption="Studies reporting each target raised (right) or lowered (left).",
        )
left, right = st.columns(2)
with left:
    rates = compare.adverse_event_rates(evidence, groups)
    ui.chart(
        compare_figures.adverse_event_figure(evidence, rates, [condition], "conditions"),
        key="profile_safety",
        caption="Patients with adverse events per 100 treated, in studies that reported adverse events.",
        data=rates,
    )
with right:
    st.markdown("**Registered trials**")
    if trials.empty:
        st.caption("No registered trials recorded for this condition.")
    else:
        ui.table(
            trials.assign(
                status=trials["status"].map(trial_data.STATUS_LABELS),
                phase=trials["phase"].map(trial_data.PHASE_LABELS),
                results=trials["unpublished"].map({True: "no results published", False: "published"}),
            )[["registry_id", "phase", "status", "results", "enrolment", "start_year"]],
            hide_index=True,
            key="profile_trials",
        )
