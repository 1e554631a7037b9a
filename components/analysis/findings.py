"""From the evidence base to bodies of evidence: what each study found for an outcome in a time
window, gathered for GRADE (certainty.py), the summary-of-findings tables and the claim check.

Time windows follow the questions clinicians ask of these studies: up to 3 months, 3 to 6, 6 to 12
and over 12 months after treatment, plus results whose time point the source did not give. A study
contributes its latest result within a window.

A study's finding is against its control when it has a control that received no MSC and reported the
comparison; otherwise it is against the patients' own baseline. Each cohort counts once (a
follow-up report of the same patients is not a second study).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from components.analysis import stats
from components.analysis.bias import overall_by_study
from components.analysis.certainty import BENEFIT, HARM, NO_DIFFERENCE, UNCLEAR, Body, Finding
from components.analysis.filters import expand_conditions
from components.analysis.tables import study_label
from components.analysis.trials import trials_with_publication
from components.evidence.loader import Evidence


@dataclass(frozen=True)
class Window:
    key: str
    label: str
    low: float  # months, exclusive (except the first)
    high: float  # months, inclusive


WINDOWS = (
    Window("0-3", "up to 3 months", -1.0, 3.0),
    Window("3-6", "3 to 6 months", 3.0, 6.0),
    Window("6-12", "6 to 12 months", 6.0, 12.0),
    Window("12+", "over 12 months", 12.0, math.inf),
)
NOT_REPORTED = Window("nr", "time not reported", math.nan, math.nan)
ALL_WINDOWS = (*WINDOWS, NOT_REPORTED)
WINDOW_BY_KEY = {w.key: w for w in ALL_WINDOWS}


def window_of(months: float) -> str:
    if months is None or pd.isna(months):
        return NOT_REPORTED.key
    for window in WINDOWS:
        if window.low < months <= window.high:
            return window.key
    return WINDOWS[0].key


def _direction(rows: pd.DataFrame, against_control: bool) -> str:
    """One study's finding across its rows of the outcome in the window (any row that found the
    benefit counts it, as the evidence map does)."""
    if against_control:
        found = set(rows["vs_control"])
        if "better" in found:
            return BENEFIT
        if "worse" in found:
            return HARM
        if "no_difference" in found:
            return NO_DIFFERENCE
        return UNCLEAR
    found = set(rows["direction"])
    if "improved" in found:
        return BENEFIT
    if "worsened" in found:
        return HARM
    if "no_change" in found:
        return NO_DIFFERENCE
    return UNCLEAR


def outcome_rows(evidence: Evidence, studies: pd.DataFrame, measures: set[str], window: str) -> pd.DataFrame:
    """The outcome rows of these measures in the window: each study's latest within it."""
    out = evidence.outcomes
    out = out[out["measure"].isin(measures) & out["study_id"].isin(studies.index)].copy()
    if out.empty:
        return out
    out["window"] = out["timepoint_months"].map(window_of)
    out = out[out["window"] == window]
    if window == NOT_REPORTED.key:
        return out
    latest = out.groupby(["study_id", "measure"])["timepoint_months"].transform("max")
    return out[out["timepoint_months"] == latest]


def study_findings(
    evidence: Evidence,
    studies: pd.DataFrame,
    rows: pd.DataFrame,
    question_conditions: set[str] | None = None,
) -> list[Finding]:
    """One finding per cohort (its largest report) from the outcome rows of one body."""
    if rows.empty:
        return []
    bias = overall_by_study(evidence, studies.loc[sorted(set(rows["study_id"]))])
    findings: dict[str, tuple[int, Finding]] = {}
    for study_id, part in rows.groupby("study_id", sort=False):
        study = studies.loc[study_id]
        reports_comparison = bool(study["msc_free_control"]) and part["vs_control"].ne("").any()
        n_msc = _count(part["n"].max(), study["n_msc"])
        n_control = _count(part["control_n"].max(), study["n_control"]) if reports_comparison else 0
        finding = Finding(
            study_id=study_id,
            label=study_label(study),
            patients=n_msc + n_control,
            randomised=reports_comparison and study["design"] == "rct",
            controlled=reports_comparison,
            bias=bias.get(study_id, ""),
            direction=_direction(part, reports_comparison),
            population_match=question_conditions is None or study["condition"] in question_conditions,
            stromal_product=study["product"] == "stromal_product",
            active_comparator=study["control_type"] == "active_comparator",
        )
        cohort = study["cohort_id"]
        if cohort not in findings or finding.patients > findings[cohort][0]:
            findings[cohort] = (finding.patients, finding)
    return [finding for _, finding in findings.values()]


def _count(value, fallback) -> int:
    for candidate in (value, fallback):
        if candidate is not None and not pd.isna(candidate):
            return int(candidate)
    return 0


def unpublished_trials(evidence: Evidence, conditions: set[str]) -> tuple[int, int]:
    """Registered trials of these conditions that finished or stopped with no published results
    linked, and their enrolment."""
    trials = trials_with_publication(evidence)
    trials = trials[trials["condition"].isin(conditions) & trials["finished_unpublished"]]
    return len(trials), int(trials["enrolment"].fillna(0).sum())


def pooled_against_control(
    evidence: Evidence, studies: pd.DataFrame, rows: pd.DataFrame, measure: str
) -> tuple[stats.Pooled | None, str, str]:
    """The random-effects pooled difference versus control of one measure's randomised rows, its
    kind, and what it says (BENEFIT, HARM or NO_DIFFERENCE); (None, '', '') when fewer than one
    effect can be computed."""
    lower_is_better = bool(evidence.vocab["measures"].at[measure, "lower_is_better"] == "true")
    effects, cohorts = [], set()
    part = rows[rows["measure"] == measure].sort_values("n", ascending=False)
    for _, row in part.iterrows():
        study = studies.loc[row["study_id"]]
        if study["design"] != "rct" or not study["msc_free_control"] or study["cohort_id"] in cohorts:
            continue
        effect = stats.effect_from_row(row, lower_is_better, vs_control=True)
        if effect is None or effect.kind not in (stats.MEAN_DIFFERENCE, stats.RISK_DIFFERENCE):
            continue
        effects.append(effect)
        cohorts.add(study["cohort_id"])
    kinds = {e.kind for e in effects}
    if len(kinds) != 1:
        return None, "", ""
    pooled = stats.pool(effects)
    if pooled is None:
        return None, "", ""
    kind = kinds.pop()
    verdict = stats.Effect(
        pooled.estimate, 0.0, pooled.ci_low, pooled.ci_high, pooled.n_patients, kind, lower_is_better
    )
    return pooled, kind, {"better": BENEFIT, "worse": HARM}.get(verdict.direction or "", NO_DIFFERENCE)


def body_for(
    evidence: Evidence,
    studies: pd.DataFrame,
    conditions: set[str],
    measures: set[str],
    window: str,
    *,
    question_conditions: set[str] | None = None,
    surrogate: bool = False,
    pool_measure: str | None = None,
) -> tuple[Body, pd.DataFrame]:
    """The body of evidence on these measures in the window, among the selected studies of these
    conditions; and the outcome rows behind it."""
    scope = studies[studies["condition"].isin(conditions)]
    rows = outcome_rows(evidence, scope, measures, window)
    findings = study_findings(evidence, scope, rows, question_conditions)
    pooled, kind, says = (None, "", "")
    if pool_measure is not None and window != NOT_REPORTED.key:
        pooled, kind, says = pooled_against_control(evidence, scope, rows, pool_measure)
    unpublished, enrolled = unpublished_trials(evidence, question_conditions or conditions)
    words = ", ".join(
        sorted(
            {
                evidence.label("conditions", studies.at[f.study_id, "condition"])
                for f in findings
                if not f.population_match
            }
        )
    )
    body = Body(
        findings=tuple(findings),
        pooled=pooled,
        pooled_kind=kind,
        pooled_direction=says,
        surrogate=surrogate,
        unpublished_trials=unpublished,
        unpublished_patients=enrolled,
        condition_words=words,
    )
    return body, rows


def measures_of(evidence: Evidence, benefit: str) -> set[str]:
    measures = evidence.vocab["measures"]
    return set(measures.index[measures["benefit"] == benefit])


def outcome_words(evidence: Evidence, benefit: str) -> str:
    """What the benefit measures, for 'little or no difference in …' (the vocabulary's `outcome`, or
    its label without the word that says which way is better)."""
    benefits = evidence.vocab["benefits"]
    words = benefits.at[benefit, "outcome"] if "outcome" in benefits.columns else ""
    if words:
        return words
    label = benefits.at[benefit, "label"].lower()
    for lead in ("less ", "lower ", "better ", "fewer ", "more ", "longer ", "slower ", "improved "):
        if label.startswith(lead):
            return label[len(lead) :]
    return label


def is_surrogate(evidence: Evidence, benefit: str) -> bool:
    return (
        evidence.vocab["benefits"].at[benefit, "kind"] == "laboratory"
        if benefit in evidence.vocab["benefits"].index
        else False
    )


def question_scope(evidence: Evidence, condition: str) -> tuple[set[str], set[str]]:
    """(conditions whose studies count, conditions that match the question exactly): a claim about
    SLE gathers lupus nephritis studies too, as indirect evidence."""
    if not condition:
        every = set(evidence.vocab["conditions"].index)
        return every, every
    return expand_conditions(evidence, (condition,)), {condition}
