"""Claim check: each popular statement about MSC therapy next to the evidence for and against it,
with a verdict from explicit rules (components/analysis/claims.py)."""

import pandas as pd
import streamlit as st

from components.analysis import claims
from components.analysis.filters import apply_filter
from components.analysis.tables import study_table
from components.evidence.links import safe_https
from components.views import ui

# 1. Selections
evidence = ui.evidence()
selection = ui.study_filters(evidence, page="claims")
studies = apply_filter(evidence, selection)

# 2. The claims against the evidence
checked = claims.check_claims(evidence, studies)

# 3. Headline
st.title("Claim check")
ui.selection_line(evidence, studies, selection)
st.markdown(
    "Statements that popular summaries make about MSC therapy, each set against the studies in this selection. "
    "The verdict comes from fixed rules: randomised evidence (against a control without MSC) outranks everything else."
)
with st.expander("How the verdicts are decided"):
    st.text(claims.__doc__.split("The rules, in order (the first that applies gives the verdict):")[1].strip())

# 4. The table
table = pd.DataFrame(
    {
        "Claim": checked["claim"],
        "Condition": checked["condition"].map(lambda c: evidence.label("conditions", c) if c else "All"),
        "Verdict": checked["verdict"],
        "Studies for": checked["for"],
        "Measured, not found": checked["against"],
        "Not measured": checked["not_measured"],
        "Patients for": checked["patients_for"],
        "Best design for": checked["best_design_for"],
        "Randomised trial": checked["randomised"],
        "Claim made in": checked["source_url"].map(safe_https),
    }
)
event = ui.table(
    table,
    hide_index=True,
    column_config={"Claim made in": st.column_config.LinkColumn("Claim made in", display_text="source")},
    on_select="rerun",
    selection_mode="single-row",
    key="claims_table",
)

# 5. The studies behind the chosen claim
rows = event.selection.rows if event else []
if rows:
    row = checked.iloc[rows[0]]
    st.subheader(ui.md(row["claim"]))
    st.markdown(f"**Verdict:** {ui.md(row['verdict'])}")
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Studies for** ({len(row['for_ids'])})")
        ui.table(
            study_table(evidence, studies.loc[list(row["for_ids"])]),
            hide_index=True,
            column_config=ui.link_columns(),
            key="claim_check_table_1",
        )
    with right:
        st.markdown(f"**Measured, not found** ({len(row['against_ids'])})")
        ui.table(
            study_table(evidence, studies.loc[list(row["against_ids"])]),
            hide_index=True,
            column_config=ui.link_columns(),
            key="claim_check_table_2",
        )
else:
    st.caption("Select a claim to see the studies for and against it.")
