"""Condition profile: what the evidence says for one condition and how certain it is — the story in
numbers, the summary of findings (GRADE), risk of bias of its controlled studies, key studies, harms
and registered trials."""

import pandas as pd
import streamlit as st

from components.analysis import bias, profile, summary
from components.analysis import trials as trial_data
from components.analysis.tables import study_label
from components.evidence import url_state
from components.evidence.exports import to_safe_csv
from components.views import brief, compare_figures, ui
from components.views.theme import BIAS_COLOURS

# 1. Selection: the condition (and whether its sub-conditions come along), kept in the URL
evidence = ui.evidence()
conditions = evidence.vocab["conditions"]
present = [c for c in conditions.index if c in set(evidence.studies["condition"].unique())]
defaults = {"profile": present[0] if present else "", "with_sub": "no"}
keys = ui.page_params(
    "profile", {"profile": url_state.Choice(tuple(present)), "with_sub": url_state.Choice(("no", "yes"))}, defaults
)
st.title("Condition profile")
if not present:
    st.info("This dataset has no studies yet.")
    st.stop()
condition = st.selectbox(
    "Condition", present, format_func=lambda c: evidence.label("conditions", c), key=keys["profile"]
)
name = evidence.label("conditions", condition)
children = [c for c in conditions.index[conditions["parent"] == condition] if c in present]
with_sub = "no"
if children:
    child_names = ", ".join(evidence.label("conditions", c) for c in children)
    with_sub = st.segmented_control(
        "Studies of",
        ["no", "yes"],
        format_func={"no": f"{name} only", "yes": f"{name} and {child_names}"}.get,
        key=keys["with_sub"],
        required=True,
    )
ui.remember({"profile": condition, "with_sub": with_sub}, defaults)
st.markdown(f"**What is the evidence for MSC therapy in {ui.md(name)}, and how sure can we be?**")

# 2. Data for the condition (worked out once per condition, shared by every session)
found = profile.condition_profile(evidence, condition, tuple(children) if with_sub == "yes" else ())
studies, trials, sof = found.studies, found.trials, found.sof

# 3. The answer in sentences
sentences = list(found.sentences)
if children and with_sub == "no":
    sentences.append(f"{child_names} studies are not included here; choose them above or open their own profile.")
st.markdown("\n".join(f"- {ui.md(s)}" for s in sentences))

# 4. Summary of findings
st.subheader("Summary of findings")
if sof.empty:
    st.caption("No clinical outcome was measured in these studies.")
else:
    table, footnotes = summary.sof_display(sof)
    st.caption(
        "For each outcome and time after treatment: the evidence the rating rests on, its participants, the effect, "
        "the certainty (GRADE) and what it means. Randomised trials start at high certainty, other studies at low; "
        "the letters point to the reasons it was rated down."
    )
    st.table(table)
    st.markdown("\n".join(f"- {ui.md(note)}" for note in footnotes))
    left, right = st.columns(2)
    left.download_button(
        "Summary of findings (CSV)",
        data=lambda: to_safe_csv(pd.concat([table, pd.DataFrame({"Outcome": footnotes})], ignore_index=True)),
        file_name=f"msc-{condition}-summary-of-findings.csv",
        mime="text/csv",
        key="profile.sof_csv",
        on_click="ignore",
        icon=":material/download:",
    )
    right.download_button(
        "One-page brief (HTML, prints on A4)",
        data=lambda: brief.condition_brief(
            condition=name,
            sentences=sentences,
            table=table,
            footnotes=footnotes,
            version=str(evidence.version.get("version", "")),
            link=ui.view_link(),
        ).encode("utf-8"),
        file_name=f"msc-{condition}-brief.html",
        mime="text/html",
        key="profile.brief",
        on_click="ignore",
        icon=":material/description:",
    )
    rows = [f"{r.outcome} · {r.time}" for r in sof.itertuples()]
    picked = ui.choose(
        "Studies behind a row", rows, index=None, placeholder="Choose an outcome and time", key="profile.sof_row"
    )
    if picked:
        ids = sof.iloc[rows.index(picked)]["study_ids"]
        ui.study_list(evidence, studies.loc[[i for i in ids if i in studies.index]], key="profile.sof_studies")

# 5. Risk of bias of the controlled studies
lights = found.lights
st.subheader("Risk of bias of the controlled studies")
if lights.empty:
    st.caption("No controlled study: risk-of-bias tools judge comparisons with a control group.")
else:
    domains = [d for d in (*bias.ROB2_DOMAINS, *bias.ROBINS_DOMAINS) if d in lights.columns]
    domains = list(dict.fromkeys(domains))
    shown = pd.DataFrame(
        {
            "Study": [study_label(evidence.studies.loc[s]) for s in lights["study_id"]],
            "Tool": lights["tool"].map({"rob2": "RoB 2", "robins_i": "ROBINS-I"}),
            **{
                bias.DOMAIN_LABELS[d]: lights[d].map(
                    lambda j: "" if pd.isna(j) else f"{bias.JUDGEMENT_MARKS[j]} {bias.JUDGEMENT_LABELS[j]}"
                )
                for d in domains
            },
            "Overall": lights["overall"].map(lambda j: f"{bias.JUDGEMENT_MARKS[j]} {bias.JUDGEMENT_LABELS[j]}"),
        }
    )
    codes = pd.DataFrame({c: lights[d] for c, d in zip(shown.columns[2:], [*domains, "overall"], strict=True)})
    styled = shown.style.apply(
        lambda col: (
            [f"background-color: {BIAS_COLOURS.get(j, '')}" if isinstance(j, str) else "" for j in codes[col.name]]
            if col.name in codes
            else [""] * len(col)
        )
    )
    st.caption(
        "+ low · ! some concerns (or moderate) · − high (or serious) · × critical · ? no information · · not assessed"
    )
    st.table(styled)

# 6. Key studies, harms, registered trials
st.subheader("Key studies")
ui.study_list(
    evidence,
    found.key_studies,
    key="profile_key_studies",
    caption="Strongest design first, then the largest. Click a row to open the study.",
)
left, right = st.columns(2)
with left:
    rates = found.harm_rates
    if rates.empty or not rates["studies_reporting"].sum():
        st.markdown("**Harms**")
        st.caption("No study of this condition reported on adverse events.")
    else:
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
            pd.DataFrame(
                {
                    "Trial": trials["title"],
                    "Registry": trials["registry_id"],
                    "Phase": trials["phase"].map(trial_data.PHASE_LABELS),
                    "Status": trials["status"].map(trial_data.STATUS_LABELS),
                    "Results": trials["unpublished"].map({True: "none published", False: "published"}),
                }
            ),
            key="profile_trials",
            width="stretch",
        )
