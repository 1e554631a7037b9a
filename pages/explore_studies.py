"""Explore studies: filter the studies, read them in a table with their sources, download them."""

import streamlit as st

from components.analysis.aggregate import headline_numbers
from components.analysis.filters import apply_filter, headline
from components.analysis.tables import study_table
from components.evidence.citations import to_bibtex, to_ris
from components.evidence.exports import to_safe_csv
from components.views import ui

# 1. Selections
evidence = ui.evidence()
selection = ui.study_filters(evidence, page="explore")

# 2. Filtered data
studies = apply_filter(evidence, selection)
table = study_table(evidence, studies)

# 3. Headline
st.title("Explore studies")
st.markdown("**Which studies are there, what did they give, to whom, and where were their facts read?**")
st.markdown(f"**{ui.md(headline(evidence, studies, selection))}**")
numbers = headline_numbers(studies)
st.caption(
    f"{numbers.patients:,} patients treated with MSC (each cohort counted once) · {numbers.randomised} randomised trials."
)

# 4. Table and download
if studies.empty:
    st.info("No studies match these filters. Remove a filter in the sidebar to see more.")
else:
    more = st.toggle("More columns (route, infusions, country, phase, title, journal, registry)", key="explore.more")
    ui.study_list(
        evidence,
        studies,
        key="study_table",
        more=more,
        download=False,  # the page offers its own downloads of exactly this table
        height=min(38 + 35 * len(studies), 640),
    )
link = ui.view_link()
cols = st.columns(3)
cols[0].download_button(
    "Studies as CSV",
    data=to_safe_csv(table),
    file_name="msc_studies.csv",
    mime="text/csv",
    key="download_csv",
    on_click="ignore",
    disabled=studies.empty,
    icon=":material/table_view:",
)
cols[1].download_button(
    "Citations as RIS",
    # Citation files are built only when their button is clicked, not on every rerun.
    data=lambda: to_ris(studies, link).encode("utf-8"),
    file_name="msc_studies.ris",
    mime="application/x-research-info-systems",
    key="download_ris",
    on_click="ignore",
    disabled=studies.empty,
    icon=":material/format_quote:",
    help="For Zotero, EndNote or Mendeley; each record carries the link to this view.",
)
cols[2].download_button(
    "Citations as BibTeX",
    data=lambda: to_bibtex(studies, link).encode("utf-8"),
    file_name="msc_studies.bib",
    mime="application/x-bibtex",
    key="download_bibtex",
    on_click="ignore",
    disabled=studies.empty,
    icon=":material/format_quote:",
)
st.caption("Downloads hold exactly the studies in the table above; spreadsheet formulas in any cell are neutralised.")
