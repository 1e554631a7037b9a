"""Data & methods: how the evidence was found, chosen, read and rated — the PRISMA flow, the rules of
risk of bias and GRADE certainty, how complete the base is against published meta-analyses — and the
data itself: counts, downloads, dictionary, vocabularies, changelog."""

import pandas as pd
import streamlit as st

from components.analysis import bias, certainty, claims, prisma
from components.evidence.exports import to_safe_csv
from components.evidence.loader import TABLES
from components.views import prisma_figure, ui

RESOLUTIONS = {
    "took_second": "the first reading had no value; the second's was taken",
    "kept_first": "the second reading could not confirm the value; it was kept",
    "emptied": "the readings disagreed and the value was removed (earlier rounds)",
    "set_unclear": "the readings disagreed on the direction; it was set to unclear",
    "not_confirmed": "the second reader found no copy of the source",
    "resolved_by_editor": "decided by an editor on a further look at the source",
    "third_reading": "the readings disagreed; a third reading settled the value",
    "source_unclear": "the source itself is unclear; the value is left empty",
}

evidence = ui.evidence()
dictionary = evidence.dictionary
version = evidence.version

st.title("Data & methods")
st.markdown("**How was the evidence found, read and rated, and how complete is it?**")
st.markdown(
    f"Dataset version **{ui.md(version.get('version', '?'))}** of {ui.md(version.get('date', ''))}: "
    f"{len(evidence.studies)} studies, {len(evidence.registered_trials)} registered trials. "
    f"{ui.md(version.get('licence', ''))}"
)

# 1. How the studies were found and chosen
st.subheader("How the studies were found and chosen")
ui.chart(
    prisma_figure.evidence_flow_figure(evidence),
    key="prisma",
    caption="PRISMA 2020 flow for an updated review, counted from the screening log. Earlier versions of the base "
    "logged only the studies they included, so they join at the total. Reports not retrieved are leads: eligible "
    "studies with no readable page giving results or an identifier.",
)

# 2. How each value was read
st.subheader("How each value was read")
st.markdown(
    """
- **Sources.** PubMed, PMC, journal and trial-registry pages, indexing copies of abstracts, and systematic reviews'
  tables of included studies — never a clinic's, a manufacturer's or a news summary. Every row names the page its facts
  were read on. A value read from a review's table rather than the primary paper is marked as such, with the review.
- **Identification.** A study is identified by its PMID, its DOI or, when no readable page prints either, its full
  citation (journal, year, volume and first page). Authors or journal may be empty when no page printed them.
- **Extraction.** Numbers are copied as the source reports them; nothing is estimated or filled from memory, and a
  value the source does not give is left empty. Time is kept in the unit the source used (weeks stay weeks) and turned
  into months only to place results on a common axis. An outcome the source gives only as a direction, or without its
  time point, is kept: it counts on the evidence map and in certainty ratings, never in pooled estimates or time
  charts. When a paper gives only the total enrolled, the arms are left empty.
- **Two readings.** Every value is read twice, independently. When the readings disagree, a third reading settles
  it; a value is left empty only when the source itself is unclear.
- **Counting patients.** A follow-up report names its parent study, and totals count each cohort once.
"""
)
st.markdown("**What the second reading found**")
log = evidence.curation_log
summary_log = log.groupby("resolution").size().reset_index(name="Values")
summary_log["What the data now holds"] = summary_log["resolution"].map(RESOLUTIONS)
ui.table(summary_log[["What the data now holds", "Values"]], key="methods.readings", width="stretch")

# 3. How the evidence is rated
st.subheader("How the evidence is rated")
with st.expander("Risk of bias (RoB 2 and ROBINS-I)", expanded=False):
    st.markdown(bias.RULES)
with st.expander("Certainty of the evidence (GRADE)", expanded=False):
    st.markdown(certainty.RULES)
with st.expander("Claim check", expanded=False):
    st.markdown(claims.RULES)

# 4. How complete the base is
st.subheader("How complete the base is")
st.caption("For each published meta-analysis in the base: the trials it pooled, and which of them are here.")
complete = prisma.completeness(evidence)
if complete.empty:
    st.caption("No meta-analysis is recorded.")
else:
    ui.table(
        pd.DataFrame(
            {
                "Meta-analysis": complete["review"],
                "Condition": complete["condition"].map(lambda c: evidence.label("conditions", c)),
                "Outcomes": complete["outcomes"].map(lambda ms: ", ".join(evidence.label("measures", m) for m in ms)),
                "Trials pooled": complete["trials_pooled"],
                "In this base": complete["in_base"],
                "Missing (why)": complete["missing"].map(lambda xs: "; ".join(xs) or "none"),
            }
        ),
        key="methods.completeness",
        width="stretch",
    )

# 5. What is in the data, and downloads
st.subheader("What is in the data")
counts = pd.DataFrame(
    {
        "Table": [name.replace("_", " ") for name in TABLES],
        "Rows": [len(evidence.table(t)) for t in TABLES],
        "Read twice": [
            str(int((evidence.table(t)["checked"] != "").sum())) if "checked" in evidence.table(t) else "not applicable"
            for t in TABLES
        ],
        "What a row is": [dictionary["tables"][t]["description"] for t in TABLES],
    }
)
ui.table(counts, key="methods.counts", width="stretch")
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

# 6. For curators: the dictionary, the vocabularies and the changelog
st.subheader("For curators")
# One table at a time: a grid for every table and vocabulary would be sent on every rerun.
with st.expander("Data dictionary: every column of a table"):
    name = ui.choose("Table", TABLES, format_func=lambda t: dictionary["tables"][t]["file"], key="methods.dictionary")
    spec = dictionary["tables"][name]
    st.markdown(f"**{ui.md(spec['file'])}** — {ui.md(spec['description'])}")
    rows = [
        {
            "Column": col,
            "Type": c.get("type", "text") + (f" ({c['vocabulary']})" if c.get("vocabulary") else ""),
            "Required": "yes" if c.get("required") else "",
            "Allowed values": ", ".join(a for a in c.get("allowed", []) if a) or c.get("references", ""),
            "Meaning": c.get("description", ""),
        }
        for col, c in spec["columns"].items()
    ]
    ui.table(pd.DataFrame(rows), width="stretch", key=f"dictionary_{name}")
with st.expander("Vocabularies: the allowed values of coded columns"):
    vocabularies = dictionary["vocabularies"]
    name = ui.choose(
        "Vocabulary", list(vocabularies), format_func=lambda v: vocabularies[v]["file"], key="methods.vocabulary"
    )
    st.markdown(f"**{ui.md(vocabularies[name]['file'])}** — {ui.md(vocabularies[name]['description'])}")
    ui.table(evidence.vocab[name].reset_index(drop=True), width="stretch", key=f"vocabulary_{name}")
with st.expander("Changelog"):
    for entry in version.get("changelog", []) or []:
        if isinstance(entry, dict):
            version_text, date, changes = (ui.md(entry.get(k, "")) for k in ("version", "date", "changes"))
            st.markdown(f"- **{version_text}** ({date}): {changes}")
