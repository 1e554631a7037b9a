"""Data & methods: how the evidence was gathered, the data dictionary, vocabularies and downloads."""

import pandas as pd
import streamlit as st

from components.evidence.exports import to_safe_csv
from components.evidence.loader import TABLES
from components.views import ui

evidence = ui.evidence()
dictionary = evidence.dictionary
version = evidence.version

st.title("Data & methods")
st.markdown(
    f"Dataset version **{ui.md(version.get('version', '?'))}** of {ui.md(version.get('date', ''))}. "
    f"{ui.md(version.get('licence', ''))}"
)

# 1. How the data was curated
st.subheader("How the evidence was gathered")
st.markdown(
    """
- **Sources.** Studies were found on PubMed, journal and trial-registry pages, using the included-study
  tables of systematic reviews as leads. Every row of every table names the page where its facts were read,
  and every study has a PMID or DOI. Values come from PubMed, PMC, the journal, the registry or an indexing
  copy of the abstract, never from a clinic's, manufacturer's or news summary. The authors or the journal are
  left empty when no page read printed them.
- **Extraction.** Numbers are copied as the source reports them: nothing is estimated or filled from memory,
  and a value the source does not give is left empty. The only conversions are of time points to months
  (weeks × 7 / 30.44, years × 12) and, where a paper reports the *improvement* of a score on which lower is
  better, its sign (a fall); both are said in the row's notes. Summaries are written in our own words.
- **What every study carries.** At least one clinical outcome with its time point. A few studies whose only
  readable results were immune markers or adverse events are kept for those (their page says so); studies
  with no readable result at all, and those found but missing a required field, are listed in
  `curation/LEADS.md` for the next round rather than entered half-done.
- **Second reading.** Each row has a `checked` column: *yes* when a second, independent reading of the source
  agreed, *corrected* when it found and fixed an error, empty while only one reading has been done.
- **Counting patients.** A follow-up report of an earlier cohort names its parent study; totals count each
  cohort once, using its largest report in the current selection.
- **What counts as a benefit.** An outcome counts as a benefit when the study reports an improvement. In a
  controlled study, an outcome the study reports as no better than control counts as *measured, no benefit*,
  even when the MSC group improved from baseline.
- **Validation.** The app checks every file against the data dictionary below when it starts; if anything is
  wrong it shows the list of problems instead of the evidence.
"""
)

# 2. Counts
st.subheader("What is in the data")
counts = pd.DataFrame(
    {
        "Table": list(TABLES),
        "Rows": [len(evidence.table(t)) for t in TABLES],
        "Checked by a second reading": [
            # The curation log records the second reading itself, so it has no column of its own for it.
            str(int((evidence.table(t)["checked"] != "").sum())) if "checked" in evidence.table(t) else "not applicable"
            for t in TABLES
        ],
        "What a row is": [dictionary["tables"][t]["description"] for t in TABLES],
    }
)
ui.table(counts, hide_index=True, width="stretch", key="data_methods_table_1")
by_condition = (
    evidence.studies.assign(
        Condition=evidence.studies["condition"].map(lambda c: evidence.label("conditions", c)),
        Design=evidence.studies["design"].map(lambda d: evidence.label("designs", d)),
    )
    .pivot_table(index="Condition", columns="Design", values="study_id", aggfunc="count", fill_value=0)
    .reset_index()
)
st.markdown("**Studies per condition and design**")
ui.table(by_condition, hide_index=True, width="stretch", key="data_methods_table_2")

st.markdown("**Second reading: what differed and what the data now holds**")
ui.table(
    evidence.curation_log.groupby(["table", "resolution"]).size().reset_index(name="values"),
    hide_index=True,
    width="stretch",
    key="data_methods_table_3",
)
st.caption(
    "took_second: the first reading had no value; kept_first: the second reading could not confirm it; "
    "emptied: the readings disagreed, so the value was removed rather than risk a wrong number; set_unclear: they "
    "disagreed on the direction; not_confirmed: the second reader found no copy of the source; resolved_by_editor: "
    "decided on a third look at the source. Each study's page lists its own entries."
)

# 3. Downloads
st.subheader("Download the tables")
cols = st.columns(4)
for i, name in enumerate(TABLES):
    frame = evidence.table(name)[list(dictionary["tables"][name]["columns"])]
    cols[i % 4].download_button(
        f"{name}.csv",
        # Built on click, not on every rerun (the default argument pins this table).
        data=lambda frame=frame: to_safe_csv(frame),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"download_{name}",
        on_click="ignore",
    )

# 4. Data dictionary
st.subheader("Data dictionary")
for name in TABLES:
    spec = dictionary["tables"][name]
    with st.expander(f"{name} — {spec['description']}"):
        rows = [
            {
                "Column": col,
                "Type": c.get("type", "text") + (f" ({c['vocabulary']})" if c.get("vocabulary") else ""),
                "Required": "yes" if c.get("required") else "",
                "Unit": c.get("unit", ""),
                "Allowed values": ", ".join(a for a in c.get("allowed", []) if a) or c.get("references", ""),
                "Meaning": c.get("description", ""),
            }
            for col, c in spec["columns"].items()
        ]
        ui.table(pd.DataFrame(rows), hide_index=True, width="stretch", key=f"dictionary_{name}")

# 5. Vocabularies
st.subheader("Vocabularies")
for name, spec in dictionary["vocabularies"].items():
    with st.expander(f"{name} — {spec['description']}"):
        ui.table(
            evidence.vocab[name].reset_index(drop=True), hide_index=True, width="stretch", key=f"vocabulary_{name}"
        )

# 6. Changelog
st.subheader("Changelog")
for entry in version.get("changelog", []) or []:
    if isinstance(entry, dict):
        version_text, date, changes = (ui.md(entry.get(k, "")) for k in ("version", "date", "changes"))
        st.markdown(f"- **{version_text}** ({date}): {changes}")
