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
from components.analysis.memo import per_evidence
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


def _direction(rows: list[dict], against_control: bool) -> str:
    """One study's finding across its rows of the outcome in the window (any row that found the
    benefit counts it, as the evidence map does)."""
    if against_control:
        found = {r["vs_control"] for r in rows}
        if "better" in found:
            return BENEFIT
        if "worse" in found:
            return HARM
        if "no_difference" in found:
            return NO_DIFFERENCE
        return UNCLEAR
    found = {r["direction"] for r in rows}
    if "improved" in found:
        return BENEFIT
    if "worsened" in found:
        return HARM
    if "no_change" in found:
        return NO_DIFFERENCE
    return UNCLEAR


# The outcome columns a body of evidence reads (its findings, and effect sizes for pooling).
BODY_COLUMNS = [
    "study_id",
    "measure",
    "benefit",
    "arm",
    "timepoint_months",
    "stat",
    "n",
    "baseline",
    "baseline_sd",
    "followup",
    "followup_sd",
    "change",
    "change_sd",
    "change_ci_low",
    "change_ci_high",
    "responders",
    "responders_pct",
    "control_n",
    "control_baseline",
    "control_baseline_sd",
    "control_followup",
    "control_followup_sd",
    "control_change",
    "control_change_sd",
    "control_responders",
    "control_responders_pct",
    "direction",
    "vs_control",
    "measure_kind",
]


@per_evidence
def windowed_rows(evidence: Evidence) -> dict[tuple[str, str], list[dict]]:
    """The outcome rows grouped by (measure, window), as plain dictionaries with missing values as
    None: a summary of findings asks for rows hundreds of times, and a pandas selection per request
    cost most of a page's time."""
    out = evidence.outcomes[BODY_COLUMNS]
    clean = out.astype(object).where(out.notna(), None)
    grouped: dict[tuple[str, str], list[dict]] = {}
    for values in clean.to_numpy():
        row = dict(zip(BODY_COLUMNS, values, strict=True))
        for column in ("arm", "stat", "vs_control", "direction"):
            row[column] = row[column] or ""
        row["window"] = window_of(row["timepoint_months"])
        grouped.setdefault((row["measure"], row["window"]), []).append(row)
    return grouped


FACT_COLUMNS = [
    "condition",
    "design",
    "controlled",
    "msc_free_control",
    "n_msc",
    "n_control",
    "cohort_id",
    "product",
    "control_type",
    "authors",
    "year",
    "title",
]


@per_evidence
def study_facts(evidence: Evidence) -> dict[str, dict]:
    """What a body needs of each study, as plain dictionaries (a row of the Arrow-backed studies table
    costs a conversion every time it is read)."""
    facts = evidence.studies[FACT_COLUMNS].astype(object).where(evidence.studies[FACT_COLUMNS].notna(), None)
    out = {
        sid: dict(zip(FACT_COLUMNS, values, strict=True))
        for sid, values in zip(facts.index, facts.to_numpy(), strict=True)
    }
    for sid, fact in out.items():
        fact["label"] = study_label(pd.Series(fact))
        fact["study_id"] = sid
    return out


def in_scope(evidence: Evidence, studies: pd.DataFrame, conditions: set[str]) -> set[str]:
    """The selected studies of these conditions."""
    facts = study_facts(evidence)
    return {sid for sid in studies.index if facts[sid]["condition"] in conditions}


def outcome_rows(evidence: Evidence, study_ids, measures: set[str], window: str) -> list[dict]:
    """The outcome rows of these measures in the window, among these studies: each study's latest
    within it. `study_ids` may be any collection of ids (or a frame of studies, by its index)."""
    ids = set(study_ids.index) if isinstance(study_ids, pd.DataFrame) else set(study_ids)
    grouped = windowed_rows(evidence)
    rows = [r for m in measures for r in grouped.get((m, window), ()) if r["study_id"] in ids]
    if window == NOT_REPORTED.key:
        return rows
    latest: dict[tuple[str, str], float] = {}
    for r in rows:
        key = (r["study_id"], r["measure"])
        latest[key] = max(latest.get(key, r["timepoint_months"]), r["timepoint_months"])
    return [r for r in rows if r["timepoint_months"] == latest[(r["study_id"], r["measure"])]]


def study_findings(
    evidence: Evidence,
    studies: pd.DataFrame,
    rows: list[dict],
    question_conditions: set[str] | None = None,
) -> list[Finding]:
    """One finding per cohort (its largest report) from the outcome rows of one body."""
    if not rows:
        return []
    bias = bias_by_study(evidence)
    facts = study_facts(evidence)
    by_study: dict[str, list[dict]] = {}
    for row in rows:
        by_study.setdefault(row["study_id"], []).append(row)
    findings: dict[str, tuple[int, Finding]] = {}
    for study_id, part in by_study.items():
        study = facts[study_id]
        reports_comparison = bool(study["msc_free_control"]) and any(r["vs_control"] for r in part)
        n_msc = _count(_largest(part, "n"), study["n_msc"])
        n_control = _count(_largest(part, "control_n"), study["n_control"]) if reports_comparison else 0
        finding = Finding(
            study_id=study_id,
            label=study["label"],
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


def _largest(rows: list[dict], column: str):
    values = [r[column] for r in rows if r[column] is not None]
    return max(values) if values else None


def _count(value, fallback) -> int:
    for candidate in (value, fallback):
        if candidate is not None and not pd.isna(candidate):
            return int(candidate)
    return 0


@per_evidence
def bias_by_study(evidence: Evidence) -> dict[str, str]:
    """Each study's overall risk of bias ('' without a control group), worked out once per dataset."""
    return overall_by_study(evidence, evidence.studies).to_dict()


@per_evidence
def _unpublished(evidence: Evidence, conditions: frozenset[str]) -> tuple[int, int]:
    trials = trials_with_publication(evidence)
    trials = trials[trials["condition"].isin(conditions) & trials["finished_unpublished"]]
    return len(trials), int(trials["enrolment"].fillna(0).sum())


def unpublished_trials(evidence: Evidence, conditions: set[str]) -> tuple[int, int]:
    """Registered trials of these conditions that finished or stopped with no published results
    linked, and their enrolment."""
    return _unpublished(evidence, frozenset(conditions))


def pooled_against_control(
    evidence: Evidence, rows: pd.DataFrame, measure: str
) -> tuple[stats.Pooled | None, str, str]:
    """The random-effects pooled difference versus control of one measure's randomised rows, its
    kind, and what it says (BENEFIT, HARM or NO_DIFFERENCE); (None, '', '') when fewer than one
    effect can be computed."""
    lower_is_better = bool(evidence.vocab["measures"].at[measure, "lower_is_better"] == "true")
    effects, cohorts = [], set()
    part = sorted((r for r in rows if r["measure"] == measure), key=lambda r: -(r["n"] or 0))
    for row in part:
        study = study_facts(evidence)[row["study_id"]]
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
    rows = outcome_rows(evidence, in_scope(evidence, studies, conditions), measures, window)
    findings = study_findings(evidence, studies, rows, question_conditions)
    pooled, kind, says = (None, "", "")
    if pool_measure is not None and window != NOT_REPORTED.key:
        pooled, kind, says = pooled_against_control(evidence, rows, pool_measure)
    unpublished, enrolled = unpublished_trials(evidence, question_conditions or conditions)
    facts = study_facts(evidence)
    words = ", ".join(
        sorted(
            {evidence.label("conditions", facts[f.study_id]["condition"]) for f in findings if not f.population_match}
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


@per_evidence
def measures_of(evidence: Evidence, benefit: str) -> frozenset[str]:
    measures = evidence.vocab["measures"]
    return frozenset(measures.index[measures["benefit"] == benefit])


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
