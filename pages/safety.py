"""Safety: adverse events per patient treated, every serious event with its study, and benefit
beside harm for each condition."""

import pandas as pd
import streamlit as st

from components.analysis import compare, safety
from components.analysis.filters import apply_filter
from components.analysis.tables import study_label
from components.evidence import url_state
from components.views import compare_figures, ui

# 1. Selections
evidence = ui.evidence()
selection = ui.study_filters(evidence, page="safety")
st.title("Safety")
view = ui.page_params("safety", {"by": url_state.Choice(tuple(safety.BY))}, {"by": "condition"})
by = st.segmented_control(
    "Group adverse events by",
    list(safety.BY),
    format_func={"condition": "Condition", "cell_source": "Cell source", "route": "Route"}.get,
    key=view["by"],
    required=True,
)
ui.remember({"by": by}, {"by": "condition"})

# 2. Filtered data
studies = apply_filter(evidence, selection)
rates = safety.rates_by(evidence, studies, by)
serious = safety.serious_events(evidence, studies)
side_by_side = safety.benefit_and_harm(evidence, studies)

# 3. Headline
ui.selection_line(evidence, studies, selection)
reporting = int(rates["studies_reporting"].sum()) if len(rates) else 0
st.markdown(
    f"**{reporting} of {len(studies)} studies** reported on adverse events. Rates below use only those studies, with "
    "95% Wilson intervals. Most are small open-label studies, which tend to under-record harm."
)

# 4. Charts
if len(side_by_side):
    ui.chart(
        compare_figures.benefit_harm_figure(evidence, side_by_side),
        key="benefit_harm",
        caption="Right: patients in studies that reported at least one clinical benefit. Left: patients with a serious "
        "adverse event (hover for those judged possibly related, and deaths). A serious event is not necessarily caused by the cells.",
        data=side_by_side,
    )
# The same groups as the table below: each condition on its own (lupus nephritis apart from SLE).
groups = safety.reporting_groups(evidence, studies, by)
if groups:
    vocab = safety.BY[by]
    ae_rates = compare.adverse_event_rates(evidence, groups)
    ui.chart(
        compare_figures.adverse_event_figure(evidence, ae_rates, list(groups), vocab),
        key="safety_rates",
        caption="Patients with adverse events per 100 treated, serious and non-serious, with 95% confidence intervals.",
        data=rates,
    )

# 5. Every death and serious event
st.subheader("Every death and serious adverse event")
if serious.empty:
    st.caption("None recorded in this selection.")
else:
    ui.table(
        pd.DataFrame(
            {
                "Study": [study_label(evidence.studies.loc[s]) for s in serious["study_id"]],
                "Condition": serious["condition"].map(lambda c: evidence.label("conditions", c)),
                "Event": serious["event"],
                "Arm": serious["arm"].map({"msc": "MSC", "control": "Control"}),
                "Patients": serious["patients_affected"],
                "Related to the cells": serious["related"],
                "Notes": serious["notes"],
                "Study id": serious["study_id"],
            }
        ),
        hide_index=True,
        key="serious_events",
    )
