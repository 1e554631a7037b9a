"""Study detail: one study with its outcomes, mechanisms, adverse events and sources (?study=<id>)."""

import pandas as pd
import streamlit as st

from components.analysis.tables import study_label
from components.evidence.links import doi_url, pubmed_url, registry_url, safe_https
from components.views import ui

# 1. Selection: the study named in the URL, or one chosen here
evidence = ui.evidence()
studies = evidence.studies
ids = list(studies.sort_values(["condition_group", "year"]).index)
if not ids:
    st.title("Study detail")
    st.info("This dataset has no studies yet.")
    st.stop()
wanted = st.query_params.get("study", "")
if wanted and wanted not in studies.index:
    st.warning("The link names a study that is not in this dataset; choose one below.")
    wanted = ""
study_id = ui.choose(
    "Study",
    ids,
    index=ids.index(wanted) if wanted else 0,
    format_func=lambda i: f"{study_label(studies.loc[i])} · {evidence.label('conditions', studies.at[i, 'condition'])}",
    key="study_pick",
)
st.query_params["study"] = study_id
study = studies.loc[study_id]

# 2. The study
lab = evidence.label
st.title(ui.md(study["title"]))
journal = f"*{ui.md(study['journal'])}* " if pd.notna(study["journal"]) and study["journal"] else ""
authors = (
    ui.md(study["authors"])
    if pd.notna(study["authors"]) and study["authors"]
    else "Authors not shown on the pages read"
)
st.markdown(f"{authors} · {journal}{int(study['year'])}")
links = [
    ("PubMed", pubmed_url(study["pmid"])),
    ("DOI", doi_url(study["doi"])),
    ("Registry", registry_url(study["registry_id"])),
    ("Where the facts were read", safe_https(study["source_url"])),
]
ui.source_links(links)
reading = {
    "yes": "read twice independently; the readings agreed",
    "corrected": "read twice; the second reading corrected it",
}
st.caption(
    "Source check: "
    + reading.get(
        study["checked"], "read once so far (a second, independent reading is pending or found no copy of the source)"
    )
    + "."
)
if study["parent_study_id"]:
    parent = studies.loc[study["parent_study_id"]]
    st.info(
        f"Follow-up of an earlier cohort: {ui.md(study_label(parent))}. Its patients are counted once, with that study."
    )

facts = {
    "Condition": lab("conditions", study["condition"]),
    "Patients": study["population"] or "—",
    "Design": lab("designs", study["design"]) + (f", phase {study['phase']}" if study["phase"] else ""),
    "Blinded": study["blinded"] or "—",
    "Patients on MSC": study["n_msc"],
    "Control": f"{study['n_control']}, {study['control']}" if pd.notna(study["n_control"]) else "none",
    "Cells": ", ".join(x for x in (lab("cell_sources", study["cell_source"]), lab("donors", study["donor"])) if x)
    or "—",
    "Dose": study["dose_as_reported"]
    or (f"{study['dose_per_kg']:.1e} cells/kg" if pd.notna(study["dose_per_kg"]) else "—"),
    "Infusions": study["infusions"] if pd.notna(study["infusions"]) else "—",
    "Route": lab("routes", study["route"]) or "—",
    "Follow-up": f"{study['follow_up_months']:g} months" if pd.notna(study["follow_up_months"]) else "—",
    "Country": study["country"] or "—",
    "Registry id": study["registry_id"] or "—",
}
left, right = st.columns([3, 2])
with left:
    st.subheader("What it found")
    st.markdown(ui.md(study["summary"]))
with right:
    st.subheader("Study at a glance")
    st.markdown("\n".join(f"- **{k}:** {ui.md(v)}" for k, v in facts.items()))

# 3. Outcomes, mechanisms, adverse events


def _show(frame: pd.DataFrame, columns: dict[str, str], empty: str, key: str) -> None:
    if frame.empty:
        st.caption(empty)
        return
    shown = frame[list(columns)].rename(columns=columns)
    # Blank, not "None", where the source gives no value.
    shown = shown.map(lambda v: "" if pd.isna(v) else (f"{v:g}" if isinstance(v, float) else str(v)))
    ui.table(shown, hide_index=True, width="stretch", key=key)


outcomes = evidence.outcomes[evidence.outcomes["study_id"] == study_id].copy()
outcomes["measure"] = outcomes["measure"].map(lambda m: lab("measures", m))
st.subheader("Outcomes")
_show(
    outcomes,
    {
        "measure": "Measure",
        "arm": "Arm",
        "timepoint_months": "Month",
        "n": "n",
        "baseline": "Baseline",
        "followup": "Follow-up",
        "change": "Change",
        "responders": "Responders",
        "control_n": "Control n",
        "control_baseline": "Control baseline",
        "control_followup": "Control follow-up",
        "control_responders": "Control responders",
        "p_value": "p",
        "direction": "Direction",
        "vs_control": "Versus control",
        "notes": "Notes",
    },
    "No clinical outcome with its time point could be read on the pages available for this study; its "
    "immune findings or adverse events are below. It counts as 'not measured' for every benefit.",
    "study_outcomes",
)
mechanisms = evidence.mechanisms[evidence.mechanisms["study_id"] == study_id].copy()
mechanisms["target"] = mechanisms["target"].map(lambda t: lab("targets", t))
st.subheader("Immune and tissue targets")
_show(
    mechanisms,
    {
        "target": "Target",
        "direction": "Change",
        "timepoint_months": "Month",
        "measured_in": "Measured in",
        "method": "Method",
        "notes": "Notes",
    },
    "No immune or tissue targets recorded for this study.",
    "study_mechanisms",
)
events = evidence.adverse_events[evidence.adverse_events["study_id"] == study_id].copy()
# For a "none reported" statement, serious/related say what kind of event the study ruled out.
none = events["category"] == "none_reported"
events.loc[none, "event"] = events.loc[none, "event"] + " (statement by the study)"
events.loc[none, ["serious", "related"]] = ""
st.subheader("Adverse events")
_show(
    events,
    {
        "event": "Event",
        "arm": "Arm",
        "patients_affected": "Patients",
        "serious": "Serious",
        "related": "Related to cells",
        "notes": "Notes",
    },
    "No adverse events recorded for this study.",
    "study_adverse_events",
)

log = evidence.curation_log
log = log[(log["row_key"] == study_id) | log["row_key"].str.startswith(study_id + "|")]
st.subheader("What the second reading found")
_show(
    log,
    {
        "table": "Table",
        "row_key": "Row",
        "column": "Column",
        "first_reading": "First reading",
        "second_reading": "Second reading",
        "resolution": "Now holds",
        "note": "Note",
    },
    "No differences between the two readings were recorded for this study.",
    "study_curation",
)
