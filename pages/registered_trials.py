"""Registered trials: the pipeline by phase and status, and which trials never published results."""

import pandas as pd
import streamlit as st

from components.analysis import trials as trial_data
from components.analysis.filters import apply_filter
from components.evidence import url_state
from components.evidence.exports import to_safe_csv
from components.evidence.links import registry_url, safe_https
from components.views import trial_figures, ui

# 1. Selections (the sidebar's condition and cell-source filters apply to trials too)
evidence = ui.evidence()
selection = ui.study_filters(evidence, page="trials")
st.title("Registered trials")
view = ui.page_params("trials", {"unpublished": url_state.Choice(("no", "yes"))}, {"unpublished": "no"})
shown = st.segmented_control(
    "Show",
    ["no", "yes"],
    format_func={"no": "All registered trials", "yes": "Only trials with no published results"}.get,
    key=view["unpublished"],
    required=True,
)
ui.remember({"unpublished": shown}, {"unpublished": "no"})
only_unpublished = shown == "yes"

# 2. Filtered data
trials = trial_data.trials_with_publication(evidence)
trials = trial_data.filter_trials(evidence, trials, selection.conditions, selection.cell_sources)
if only_unpublished:
    trials = trials[trials["unpublished"]]
studies = apply_filter(evidence, selection)

# 3. Headline
st.markdown(
    f"**{len(trials)} registered {'trial' if len(trials) == 1 else 'trials'}** in this selection; **{int(trials['unpublished'].sum())}** have no published "
    f"results linked, of which **{int(trials['finished_unpublished'].sum())}** have finished or stopped recruiting."
)
st.caption(
    "A trial counts as published when a study in this dataset names it. Registry records are read as they were on the "
    "day of curation; a status may have changed since."
)
if trials.empty:
    st.info("No registered trials match these filters.")
    st.stop()

# 4. Charts
ui.chart(
    trial_figures.pipeline_figure(evidence, trials, trial_data.PHASE_LABELS, trial_data.STATUS_LABELS),
    key="trial_pipeline",
    caption="Trials per condition by recruitment status (hover for phases). Terminated, withdrawn and unknown-status "
    "trials are patterned: their results may never appear.",
    data=trial_data.pipeline(trials),
)
ui.chart(
    trial_figures.timeline_figure(evidence, trial_data.timeline(evidence, studies, trials)),
    key="trial_timeline",
    caption="Each mark is a published study (year of publication) or a registered trial (year it started). Open orange "
    "diamonds are trials with no published results linked.",
)

# 5. Table
table = pd.DataFrame(
    {
        "Registry id": trials["registry_id"],
        "Registry page": trials["registry_id"].map(registry_url),
        "Condition": trials["condition"].map(lambda c: evidence.label("conditions", c)),
        "Phase": trials["phase"].map(trial_data.PHASE_LABELS),
        "Status": trials["status"].map(trial_data.STATUS_LABELS),
        "Results published": trials["unpublished"].map({True: "no results published", False: "published"}),
        "Published as": trials["published_as"],
        "Enrolment": trials["enrolment"],
        "Enrolment is": trials["enrolment_type"],
        "Cell source": trials["cell_source"].map(lambda v: evidence.label("cell_sources", v)),
        "Route": trials["route"].map(lambda v: evidence.label("routes", v)),
        "Sponsor": trials["sponsor"],
        "Country": trials["country"],
        "Start year": trials["start_year"],
        "Primary outcome": trials["primary_outcome"],
        "Title": trials["title"],
        "Source read": trials["source_url"].map(safe_https),
    }
).reset_index(drop=True)
ui.table(
    table,
    download=False,  # the page offers its own downloads of exactly this table
    hide_index=True,
    column_config={
        "Registry page": st.column_config.LinkColumn("Registry page", display_text=r"https://[^/]+/(?:study/)?(.+)"),
        "Source read": st.column_config.LinkColumn("Source read", display_text="open"),
        "Start year": st.column_config.NumberColumn("Start year", format="%d"),
    },
    key="trials_table",
)
st.download_button(
    "Download these trials as CSV",
    data=lambda: to_safe_csv(table),
    file_name="msc_registered_trials.csv",
    mime="text/csv",
    key="download_trials",
    on_click="ignore",
)
