"""Compare: two to four conditions (or cell sources, or routes) side by side, panel by panel."""

import streamlit as st

from components.analysis import compare
from components.analysis.filters import apply_filter
from components.evidence import url_state
from components.views import compare_figures, ui

# 1. Selections
evidence = ui.evidence()
selection = ui.study_filters(evidence, page="compare")
studies_all = apply_filter(evidence, selection)
options = {
    by: [i for i in evidence.vocab[vocab].index if i in set(evidence.studies[by].unique())]
    for by, vocab in compare.VOCABULARY_OF.items()
}
all_ids = tuple(dict.fromkeys(i for ids in options.values() for i in ids))
defaults = {
    "compare_by": "condition",
    "groups": [c for c in ("sle", "systemic_sclerosis") if c in options["condition"]],
    "share_of": "studies",
    "facet": "design",
}
keys = ui.page_params(
    "compare",
    {
        "compare_by": url_state.Choice(tuple(compare.GROUPINGS)),
        "groups": url_state.Choices(all_ids, max_items=compare.MAX_GROUPS),
        "share_of": url_state.Choice(("studies", "patients")),
        "facet": url_state.Choice(("design", "cell_source", "donor", "route")),
    },
    defaults,
)

st.title("Compare side by side")
by = st.segmented_control(
    "Compare", list(compare.GROUPINGS), format_func=compare.GROUPINGS.get, key=keys["compare_by"], required=True
)
vocab = compare.VOCABULARY_OF[by]
# (A browser that reconnected brings its own choice: nothing to correct, see ui.browser_reconnected.)
if any(g not in options[by] for g in st.session_state.get(keys["groups"], [])):
    # The grouping changed: keep only what fits it, and start from its two largest groups.
    kept = [g for g in st.session_state[keys["groups"]] if g in options[by]]
    largest = sorted([g for g in studies_all[by].value_counts().index if g in options[by]][:2], key=options[by].index)
    st.session_state[keys["groups"]] = kept or largest
# The multiselect refuses more than MAX_GROUPS; a longer list from anywhere is cut, never a crash.
if keys["groups"] in st.session_state:
    st.session_state[keys["groups"]] = list(st.session_state[keys["groups"]])[: compare.MAX_GROUPS]
chosen = st.multiselect(
    f"{compare.GROUPINGS[by]} to compare (2 to 4)",
    options[by],
    format_func=lambda v: evidence.label(vocab, v),
    key=keys["groups"],
    max_selections=compare.MAX_GROUPS,
)
ui.remember({"compare_by": by, "groups": chosen}, defaults)

# 2. Filtered data
groups = compare.group_studies(evidence, studies_all, by, chosen)
ui.selection_line(evidence, studies_all, selection)
if len(chosen) < 2:
    st.info("Choose at least two to compare.")
    st.stop()

# 3. Headline: the study base of each group
sizes = compare.group_sizes(groups)
cols = st.columns(len(chosen))
for col, row in zip(cols, sizes.itertuples(), strict=False):
    col.metric(ui.md(evidence.label(vocab, row.group)), f"{row.studies} {'study' if row.studies == 1 else 'studies'}")
    col.caption(f"{row.patients} patients on MSC · {row.randomised} randomised")


# 4. Panels
# Each panel with its own control redraws on its own when that control changes.
@st.fragment
def benefit_panel() -> None:
    share_of = st.radio(
        "Benefit shares out of",
        ["studies", "patients"],
        horizontal=True,
        key=keys["share_of"],
        help="Patients are counted once per cohort.",
    )
    shares = compare.benefit_shares(evidence, groups)
    ui.chart(
        compare_figures.benefit_share_figure(evidence, shares, chosen, vocab, share_of),
        key="compare_benefits",
        caption="Each bar is the share of a group's studies (or patients) in which the benefit was reported; the label is "
        "studies reporting it / studies measuring it. Most studies are single-arm, which cannot separate a treatment effect "
        "from the natural course or other treatment; a bar says 'reported', not 'proven'.",
        data=shares.assign(
            group=shares["group"].map(lambda g: evidence.label(vocab, g)),
            benefit=shares["benefit"].map(lambda b: evidence.label("benefits", b)),
        ),
    )
    ui.remember({"share_of": share_of}, defaults)


benefit_panel()
moves = compare.target_moves(evidence, groups)
if moves.empty:
    st.caption("No immune or tissue targets were recorded for these studies.")
else:
    ui.chart(
        compare_figures.target_moves_figure(evidence, moves, chosen, vocab),
        key="compare_targets",
        caption="Studies that reported each target raised (right) or lowered (left) after MSC. Few studies measured any "
        "target, in small groups and usually without a control, so these are signals, not mechanisms shown.",
        data=moves.assign(target=moves["target"].map(lambda t: evidence.label("targets", t))),
    )


@st.fragment
def mix_panel() -> None:
    facet = st.radio(
        "Cell product and study design",
        ["design", "cell_source", "donor", "route"],
        format_func={"design": "Design", "cell_source": "Cell source", "donor": "Donor", "route": "Route"}.get,
        horizontal=True,
        key=keys["facet"],
    )
    ui.remember({"facet": facet}, defaults)
    facet_vocab = {"design": "designs", "cell_source": "cell_sources", "donor": "donors", "route": "routes"}[facet]
    mix = compare.mix(groups, facet)
    ui.chart(
        compare_figures.mix_figure(evidence, mix, chosen, vocab, facet_vocab, f"Studies by {facet.replace('_', ' ')}"),
        key="compare_mix",
        caption="How each group's studies split; the number in a bar is its studies. Cell source, dose and route are not "
        "standardised across studies, so groups differ in what was given as well as in the disease.",
        data=mix,
    )


mix_panel()
doses = compare.doses(evidence, groups)
if doses.empty:
    st.caption("No study in these groups reported a dose per kg.")
else:
    ui.chart(
        compare_figures.dose_figure(evidence, doses, chosen, vocab),
        key="compare_dose",
        caption="Dose per kg per infusion, one mark per study that reported it (mark size: patients). Studies giving a "
        "fixed total dose are not shown.",
        data=doses,
    )
rates = compare.adverse_event_rates(evidence, groups)
ui.chart(
    compare_figures.adverse_event_figure(evidence, rates, chosen, vocab),
    key="compare_harm",
    caption="Patients with an adverse event per 100 treated, counted only in studies that reported on adverse events; "
    "small uncontrolled studies under-report harm, and a serious event need not be caused by the cells.",
    data=rates,
)
