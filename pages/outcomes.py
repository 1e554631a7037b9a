"""Outcomes: how large the reported benefits were, study by study, with pooled estimates and the
published meta-analyses beside them."""

import pandas as pd
import streamlit as st

from components.analysis import stats, wording
from components.analysis.filters import apply_filter, expand_conditions
from components.analysis.outcomes import (
    ANALYSES,
    LATEST,
    build_analyses,
    effect_ready_counts,
    published_estimates,
    scale_pooled,
)
from components.evidence import url_state
from components.views import outcome_figures, ui

# 1. Selections
evidence = ui.evidence()
selection = ui.study_filters(evidence, page="outcomes")
studies = apply_filter(evidence, selection)
available = evidence.outcomes[evidence.outcomes["study_id"].isin(studies.index)]
counts = available.groupby("measure").study_id.nunique().sort_values(ascending=False)
usable = effect_ready_counts(available)
reported = [m for m in counts.index if m in evidence.vocab["measures"].index]
# Only outcomes with at least one result an effect size can come from are offered; the rest are named.
measures = sorted((m for m in reported if usable.get(m, 0)), key=lambda m: (-usable.get(m, 0), -counts[m]))
st.title("Outcomes: how big were the effects?")
st.markdown(
    "**For one outcome: how large was the change with MSC, study by study, and pooled where it is fair to pool?**"
)
ui.selection_line(evidence, studies, selection)
if not measures:
    st.info("No outcome in this selection is reported with the numbers an effect size needs.")
    st.stop()
left, middle, right, far_right = st.columns([2, 1, 1, 1])
measure = ui.measure_picker(
    evidence,
    "outcomes",
    measures,
    # Open on the measure with the most results that can become effect sizes.
    default=max(measures, key=lambda m: (usable.get(m, 0), counts[m])),
    format_func=lambda m: (
        f"{evidence.label('measures', m)} ({usable.get(m, 0)} of {counts[m]} studies give effect sizes)"
    ),
    where=left,
)
without = [evidence.label("measures", m) for m in reported if not usable.get(m, 0)]
this_measure = available[available["measure"] == measure]
times = [f"{t:g}" for t in sorted(set(this_measure["timepoint_months"].dropna()))]
# Each time point in the unit the studies used (4 weeks, not 0.92 months).
time_words = {
    f"{month:g}": " / ".join(
        sorted({wording.time_text(t, u) for t, u in zip(part["timepoint"], part["timepoint_unit"], strict=True)})
    )
    for month, part in this_measure.dropna(subset=["timepoint_months"]).groupby("timepoint_months")
}
view_defaults = {"timepoint": LATEST, "impute": "no", "tau2": "DL"}
view = ui.page_params(
    "outcomes",
    {
        "timepoint": url_state.Choice((LATEST, *times)),
        "impute": url_state.Choice(("no", "yes")),
        "tau2": url_state.Choice(stats.POOLING_METHODS),
    },
    view_defaults,
)
if st.session_state.get(view["timepoint"], LATEST) not in (LATEST, *times):
    st.session_state[view["timepoint"]] = LATEST
chosen_time = middle.selectbox(
    "Time point",
    [LATEST, *times],
    format_func=lambda t: "Latest reported per study" if t == LATEST else time_words.get(t, f"{t} months"),
    key=view["timepoint"],
)
timepoint = chosen_time if chosen_time == LATEST else float(chosen_time)
impute_choice = right.segmented_control(
    "Impute change SD (r = 0.5)",
    ["no", "yes"],
    key=view["impute"],
    required=True,
    help="Sensitivity analysis: where a study gives baseline and follow-up SDs but no SD of the change, assume a "
    "correlation of 0.5 between them. Off by default: nothing is imputed unless you ask.",
)

method = far_right.selectbox(
    "Between-study variance (tau²)",
    stats.POOLING_METHODS,
    format_func=stats.POOLING_METHOD_LABELS.get,
    key=view["tau2"],
    help="How the random-effects model estimates the spread of true effects between studies. DerSimonian-Laird is "
    "the classic moment estimator; REML (the default of metafor and of Cochrane's RevMan since 2023) is less "
    "biased when studies are few and differ in size. Compare the two as a sensitivity analysis.",
)

# 2. Effects
spec = evidence.vocab["measures"].loc[measure]
lower_is_better = spec["lower_is_better"] == "true"
ui.remember({"timepoint": chosen_time, "impute": impute_choice, "tau2": method}, view_defaults)
assume_corr = 0.5 if impute_choice == "yes" else None
analyses, skipped = build_analyses(evidence, studies, measure, timepoint, assume_corr, method)
st.markdown(
    f"**{ui.md(spec['label'])}**: {ui.md(spec['description'])} Unit: {ui.md(spec['unit'])}; "
    f"{'lower' if lower_is_better else 'higher'} is better."
)

# 3. One forest plot per kind of comparison, never pooled together
if not analyses:
    # The latest result of each study may lack the spread an earlier one gave: point to those months.
    months = []
    if timepoint == LATEST:
        months = [t for t in times if build_analyses(evidence, studies, measure, float(t), assume_corr, method)[0]]
    if months:
        st.info(
            "At each study's latest time point no result has the numbers needed for an effect size; "
            f"at {', '.join(time_words.get(m, m + ' months') for m in months)} some do: choose it under Time point."
        )
    else:
        st.info("No study reports this outcome with the numbers needed for an effect size (see the list below).")
for analysis in analyses:
    st.subheader(ANALYSES[analysis.kind])
    pooled = analysis.pooled
    is_share = analysis.kind in (stats.PROPORTION, stats.RISK_DIFFERENCE)
    scale = 100 if is_share else 1
    effects = analysis.effects.copy()
    for col in ("estimate", "ci_low", "ci_high"):
        effects[col] = effects[col] * scale
    shown = scale_pooled(pooled, scale)
    unit = "% of patients" if analysis.kind == stats.PROPORTION else ("percentage points" if is_share else spec["unit"])
    # A share of responders without a control has no line of no effect.
    null_value = None if analysis.kind == stats.PROPORTION else 0.0
    plot, numbers = st.columns([3, 1])
    with plot:
        ui.chart(
            outcome_figures.forest_figure(
                evidence, effects, shown, ANALYSES[analysis.kind], unit, lower_is_better and not is_share, null_value
            ),
            key=f"forest_{analysis.kind}",
            caption="Each row is a study (shape: design, as on the evidence map) with its 95% confidence interval. "
            + ("The dashed line is no difference." if analysis.kind != stats.PROPORTION else ""),
            data=effects.drop(columns=["effect"]),
        )
    with numbers:
        if shown is not None and shown.k >= 2:
            suffix = "%" if analysis.kind == stats.PROPORTION else (" points" if is_share else "")
            st.metric(
                "Pooled estimate (random effects)",
                f"{shown.estimate:.1f}{suffix}",
                help=f"tau² by {stats.POOLING_METHOD_LABELS[method]}"
                + (" (restricted maximum likelihood)" if method == "REML" else ""),
            )
            st.markdown(
                f"95% CI {shown.ci_low:.2f} to {shown.ci_high:.2f}  \n"
                f"k = {shown.k} studies, {shown.n_patients} patients  \n"
                f"I² = {shown.i2:.0f}%, tau² = {pooled.tau2:.3g} ({method})  \n"
                + (
                    f"Prediction interval {shown.pi_low:.2f} to {shown.pi_high:.2f}"
                    if shown.pi_low is not None
                    else "Prediction interval needs 3 or more studies."
                )
            )
        elif len(analysis.effects) > 1:
            st.caption("Not pooled: see the note below.")
        else:
            st.caption("One study only: nothing to pool.")
        for warning in analysis.warnings:
            st.warning(warning, icon=":material/warning:")

# 4. What could not be plotted, and the published meta-analyses
if not skipped.empty:
    with st.expander(f"{len(skipped)} reported results could not be turned into an effect size"):
        ui.table(skipped.drop(columns=["study_id"]), hide_index=True, width="stretch", key="outcomes_table_1")
conditions = expand_conditions(evidence, selection.conditions) if selection.conditions else None
meta = published_estimates(evidence, measure, conditions)
st.subheader("Published meta-analyses of this outcome")
if meta.empty:
    st.caption("None recorded for this outcome.")
else:
    lines = []
    for _, row in meta.iterrows():
        first = str(row["authors"]).split(",")[0].split(" ")[0]
        when = wording.time_text(row["timepoint"], row["timepoint_unit"])
        counts_text = ", ".join(
            x
            for x in (
                f"{int(row['k_studies'])} studies" if pd.notna(row["k_studies"]) else "",
                f"{int(row['n_patients'])} patients" if pd.notna(row["n_patients"]) else "",
                f"I² {row['i2']:g}%" if pd.notna(row["i2"]) else "",
            )
            if x
        )
        lines.append(
            f"- **{ui.md(first)} et al. {int(row['year'])}** ({ui.md(evidence.label('conditions', row['condition']))}"
            f"{', at ' + ui.md(when) if when else ''}): {ui.md(row['effect'].replace('_', ' '))} "
            f"**{wording.signed(row['estimate'])}** (95% CI {ui.md(wording.number(row['ci_low']))} to "
            f"{ui.md(wording.number(row['ci_high']))}){'; ' + ui.md(counts_text) if counts_text else ''}.  \n"
            f"  {ui.md(row['comparison'])}"
        )
    st.markdown("\n".join(lines))
    ui.source_links(
        [
            (f"{str(r['authors']).split(',')[0].split(' ')[0]} {int(r['year'])}", r["source_url"])
            for _, r in meta.drop_duplicates("review_id").iterrows()
        ]
    )
if without:
    st.caption(
        f"Reported without the numbers an effect size needs, so not offered above: {ui.md(', '.join(without))}. "
        "Their direction still counts on the evidence map and in the certainty ratings."
    )
