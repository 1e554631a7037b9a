"""The Outcomes page's core: per-study effects for one measure, grouped so that unlike things are
never pooled together, with the pooled estimate and the warnings a reader needs.

Controlled comparisons (difference versus control), single-arm changes from baseline and responder
proportions are separate analyses. A comparison of two MSC regimens is not a comparison with
control, so its rows are analysed as single-arm changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from components.analysis import stats
from components.analysis.tables import evidence_badge, study_label
from components.evidence.loader import Evidence

ANALYSES = {
    stats.MEAN_DIFFERENCE: "Difference versus control",
    stats.RISK_DIFFERENCE: "Difference in responders versus control",
    stats.MEAN_CHANGE: "Change from baseline (no control group)",
    stats.PROPORTION: "Share of patients responding (no control group)",
}
LATEST = "latest"
# Responses that each study defines its own way (the definition is in each row): showing them side
# by side is useful, pooling them would average unlike things.
UNPOOLED_MEASURES = {
    "disease_specific_response": "Each study defines its own response here, so the studies are shown side by side but not pooled."
}


@dataclass
class Analysis:
    kind: str
    effects: pd.DataFrame  # one row per study arm with estimate, CI, se, n, label, design, timepoint
    pooled: stats.Pooled | None
    warnings: list[str] = field(default_factory=list)


def rows_for_measure(evidence: Evidence, studies: pd.DataFrame, measure: str, timepoint: str | float) -> pd.DataFrame:
    """Outcome rows of the measure in the chosen studies, at the chosen time point.

    With LATEST, each study (and arm) contributes its last reported time point.
    """
    out = evidence.outcomes
    # A result without a time point counts on the evidence map and in certainty, never in pooling.
    out = out[(out["measure"] == measure) & out["study_id"].isin(studies.index) & out["timepoint_months"].notna()]
    if out.empty:
        return out
    if timepoint == LATEST:
        out = out.sort_values("timepoint_months").groupby(["study_id", "arm"], sort=False).tail(1)
    else:
        out = out[out["timepoint_months"] == float(timepoint)]
    return out


def build_analyses(
    evidence: Evidence,
    studies: pd.DataFrame,
    measure: str,
    timepoint: str | float = LATEST,
    assume_corr: float | None = None,
    method: str = "DL",
) -> tuple[list[Analysis], pd.DataFrame]:
    """The analyses for one measure, and the rows that could not give an effect (with why).

    `method` is the between-study variance estimator of the pooled estimates ("DL" or "REML").
    """
    rows = rows_for_measure(evidence, studies, measure, timepoint)
    lower_is_better = bool(evidence.vocab["measures"].at[measure, "lower_is_better"] == "true")
    effects, skipped = [], []
    for _, row in rows.iterrows():
        study = studies.loc[row["study_id"]]
        vs_control = bool(study["msc_free_control"])
        effect = stats.effect_from_row(row, lower_is_better, assume_corr, vs_control=vs_control)
        if effect is None:
            skipped.append(
                {
                    "Study": study_label(study),
                    "Arm": row["arm"],
                    "Month": row["timepoint_months"],
                    "Why not in the plot": _why_not(row),
                    "study_id": row["study_id"],
                }
            )
            continue
        effects.append(
            {
                "study_id": row["study_id"],
                "label": study_label(study) + (f" · {row['arm']}" if row["arm"] else ""),
                "badge": evidence_badge(evidence, study),
                "arm": row["arm"],
                "kind": effect.kind,
                "estimate": effect.estimate,
                "ci_low": effect.ci_low,
                "ci_high": effect.ci_high,
                "se": effect.se,
                "n": effect.n,
                "effect": effect,
                "timepoint": row["timepoint_months"],
                "design": study["design"],
                "evidence_rank": study["evidence_rank"],
                "cohort_id": study["cohort_id"],
            }
        )
    frame = pd.DataFrame(effects)
    analyses = []
    for kind in ANALYSES:
        part = frame[frame["kind"] == kind] if len(frame) else frame
        if part.empty:
            continue
        analyses.append(_analyse(kind, part.reset_index(drop=True), evidence, method, measure))
    return analyses, pd.DataFrame(skipped)


def _why_not(row: pd.Series) -> str:
    if row["stat"] == "median":
        return "reported as a median (cannot be pooled with means)"
    if pd.isna(row["n"]):
        return "number of patients analysed not reported"
    if row["measure_kind"] == "responder":
        return "responders not reported as a count"
    return "no SD, SE or CI of the change reported"


def _analyse(kind: str, part: pd.DataFrame, evidence: Evidence, method: str, measure: str) -> Analysis:
    # One effect per cohort in the pooled estimate: follow-up reports and extra arms of the same
    # patients would otherwise count them twice. Keep the largest.
    poolable = part.sort_values("n", ascending=False).drop_duplicates("cohort_id")
    warnings = []
    if measure in UNPOOLED_MEASURES and len(poolable) > 1:
        pooled = None
        warnings.append(UNPOOLED_MEASURES[measure])
    elif kind == stats.PROPORTION:
        pooled = _pool_proportion(poolable, method)
    else:
        pooled = stats.pool(list(poolable["effect"]), method)
    k = len(poolable)
    if k < 3:
        warnings.append(f"Only {k} {'study' if k == 1 else 'studies'}: a pooled estimate is unreliable.")
    if len(poolable) < len(part):
        warnings.append(
            "Some studies report several arms or follow-ups of the same patients; the pooled estimate uses one (the largest) per cohort."
        )
    designs = sorted(set(poolable["design"]))
    if len(designs) > 1:
        names = ", ".join(evidence.label("designs", d).lower() for d in designs)
        warnings.append(f"Designs are mixed ({names}).")
    timepoints = sorted(set(poolable["timepoint"]))
    if len(timepoints) > 1:
        warnings.append(f"Time points differ ({', '.join(f'{t:g}' for t in timepoints)} months).")
    if kind in (stats.MEAN_CHANGE, stats.PROPORTION):
        warnings.append(
            "Without a control group, a change from baseline includes the natural course, regression to the mean and other treatment."
        )
    return Analysis(kind, part, pooled, warnings)


def _pool_proportion(part: pd.DataFrame, method: str) -> stats.Pooled | None:
    events = [e.estimate * e.n for e in part["effect"]]
    totals = [e.n for e in part["effect"]]
    return stats.pool_proportions(events, totals, method)


def published_estimates(evidence: Evidence, measure: str, conditions: set[str] | None) -> pd.DataFrame:
    """The curated pooled estimates of published meta-analyses for this measure."""
    meta = evidence.meta_analyses
    meta = meta[meta["measure"] == measure]
    if conditions:
        meta = meta[meta["condition"].isin(conditions)]
    return meta


def scale_pooled(pooled: stats.Pooled | None, factor: float) -> stats.Pooled | None:
    """The pooled estimate in display units (e.g. a share 0-1 shown as percent)."""
    if pooled is None or factor == 1:
        return pooled
    scaled = {
        name: getattr(pooled, name) * factor
        for name in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high")
        if getattr(pooled, name) is not None
    }
    return replace(pooled, **scaled)


def effect_ready_counts(outcomes: pd.DataFrame) -> dict[str, int]:
    """Per measure: studies with at least one result that has the numbers an effect size needs (a
    quick screen, not the full check)."""
    has_n = outcomes["n"].notna() & (outcomes["stat"] != "median")
    spread = (
        outcomes[["change_sd", "change_ci_low", "followup_sd", "control_followup_sd", "control_change_sd"]]
        .notna()
        .any(axis=1)
    )
    responders = outcomes["responders"].notna() | outcomes["responders_pct"].notna()
    ready = has_n & (spread | responders)
    return outcomes[ready].groupby("measure")["study_id"].nunique().to_dict()
