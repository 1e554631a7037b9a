"""Study detail: one study read like an abstract card, with every outcome as a sentence, its immune
findings, harms, risk of bias and sources; the curation record collapsed at the end (?study=<id>)."""

import pandas as pd
import streamlit as st

from components.analysis.cards import study_card
from components.analysis.tables import study_label
from components.evidence.links import doi_url, pubmed_url, registry_url
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
    where=st.sidebar,
    help="Or open a study from any list of studies in the app.",
)
st.query_params["study"] = study_id
study = studies.loc[study_id]
card = study_card(evidence, study_id)

# 2. The card: citation, sources, design, patients, product
st.title(ui.md(f"{study_label(study)} · {evidence.label('conditions', study['condition'])}"))
st.markdown(f"*{ui.md(card.title)}*  \n{ui.md(card.citation)}")
ui.source_links(
    [
        ("PubMed", pubmed_url(study["pmid"])),
        ("DOI", doi_url(study["doi"])),
        ("Registry", registry_url(study["registry_id"])),
        ("Where the facts were read", study["source_url"]),
    ]
)
st.markdown(f"**Design:** {ui.md(card.design)}  \n**Patients:** {ui.md(card.patients)}")
if card.population:
    st.markdown(f"**Who:** {ui.md(card.population)}")
st.markdown(f"**Cells:** {ui.md(card.product)}  \n**Longest follow-up:** {ui.md(card.follow_up)}")
st.caption(" · ".join(f"{ui.md(k)}: {ui.md(v)}" for k, v in card.facts.items()))
if card.registered:
    st.markdown(ui.md(card.registered))

left, right = st.columns([3, 2])
with left:
    st.subheader("What it found")
    st.markdown(ui.md(card.summary))
with right:
    st.subheader("Outcomes")
    if card.outcomes:
        st.markdown(
            "\n".join(
                f"- **{ui.md(name)}:** {ui.md(sentence)}" + (f"  \n  {ui.md(extra)}" if extra else "")
                for name, sentence, extra in card.outcomes
            )
        )
    for note in card.missing:
        st.caption(ui.md(note))

# 3. Immune findings, harms, risk of bias
st.subheader("Immune and tissue changes")
if card.immune:
    st.markdown("\n".join(f"- {ui.md(s)}" for s in card.immune))
else:
    st.caption("None recorded for this study.")
st.subheader("Harms")
if card.harms:
    st.markdown("\n".join(f"- {ui.md(s)}" for s in card.harms))
else:
    st.caption("The pages read say nothing about adverse events.")
if study["controlled"]:
    st.subheader("Risk of bias")
    if card.bias:
        st.markdown(f"**Overall:** {ui.md(card.bias_overall)} (computed from the domains below)")
        ui.table(
            pd.DataFrame(card.bias),
            key="study_bias",
            width="stretch",
            column_config={"Source": st.column_config.LinkColumn("Source", display_text="open")},
            row_height=70,
        )
    else:
        st.caption("Not assessed yet: this study counts as having some concerns in every certainty rating.")

# 4. Curation details, out of the way
with st.expander("Curation record", icon=":material/fact_check:"):
    st.markdown("\n".join(f"- **{ui.md(k)}:** {ui.md(v)}" for k, v in card.curation.items()))
    log = evidence.curation_log
    log = log[(log["row_key"] == study_id) | log["row_key"].str.startswith(study_id + "|")]
    if len(log):
        ui.table(
            log[["table", "row_key", "column", "first_reading", "second_reading", "resolution", "note"]].rename(
                columns=str.capitalize
            ),
            key="study_curation",
            width="stretch",
        )
