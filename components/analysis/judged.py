"""Bodies of evidence rated and ready to show: for one benefit and time window, the studies of the
selection (randomised trials and other studies, each a body of its own) and any published
meta-analysis of the same outcome, each rated with GRADE (certainty.py); the more certain leads.
Shared by the summary-of-findings tables (summary.py) and the claim check (claims.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from components.analysis import certainty as grade
from components.analysis import findings, stats
from components.analysis.bias import overall_by_study
from components.analysis.certainty import Body, Certainty, Finding
from components.analysis.memo import per_evidence
from components.evidence.links import doi_url, pubmed_url
from components.evidence.loader import Evidence

EFFECT_KINDS = {
    "mean_difference": stats.MEAN_DIFFERENCE,
    "standardised_mean_difference": stats.MEAN_DIFFERENCE,
    "risk_ratio": stats.RISK_RATIO,
    "odds_ratio": stats.RISK_RATIO,
}
EFFECT_NAMES = {
    "mean_difference": "mean difference",
    "standardised_mean_difference": "standardised mean difference",
    "risk_ratio": "risk ratio",
    "odds_ratio": "odds ratio",
}


@dataclass(frozen=True)
class Judged:
    """A body of evidence with its certainty, ready to be shown."""

    benefit: str
    window: str
    body: Body
    certainty: Certainty
    source: str  # "randomised", "non_randomised" (studies in this base) or "meta-analysis"
    meta_id: str = ""
    effect: str = ""
    in_base: str = ""  # for a meta-analysis: how many of its trials are in this base
    citation: str = ""  # for a meta-analysis: 'Zhou et al. 2020'
    url: str = ""  # for a meta-analysis: its PubMed or DOI page

    @property
    def rank(self) -> tuple:
        """What leads when two bodies answer the same question: certainty, then randomised, then size."""
        trials = self.body.pooled.k if self.body.pooled is not None else self.certainty.studies
        return (self.certainty.level, self.certainty.starts_high, trials, self.certainty.patients)


def _num(value: float, sign: bool = False) -> str:
    """Two decimals, a true minus sign, a plus sign only where asked."""
    text = f"{value:+.2f}" if sign else f"{value:.2f}"
    return text.replace("-", "−")


def _effect_from_studies(body: Body, certainty: Certainty, unit: str) -> str:
    pooled = body.pooled
    if pooled is not None and body.pooled_kind:
        name = {stats.MEAN_DIFFERENCE: "Mean difference", stats.RISK_DIFFERENCE: "Risk difference"}.get(
            body.pooled_kind, "Pooled"
        )
        scale = 100 if body.pooled_kind == stats.RISK_DIFFERENCE else 1
        suffix = " percentage points" if scale == 100 else (f" {unit}" if unit else "")
        return (
            f"{name} {_num(pooled.estimate * scale, sign=True)}{suffix} (95% CI {_num(pooled.ci_low * scale)} to "
            f"{_num(pooled.ci_high * scale)}), {pooled.k} randomised {'trial' if pooled.k == 1 else 'trials'}"
        )
    parts = []
    for controlled, words in (
        (True, "better than control in {a} of {b} controlled {s}"),
        (False, "improved from baseline in {a} of {b} {s} without a control group"),
    ):
        group = [f for f in body.stream if f.controlled == controlled and f.direction != grade.UNCLEAR]
        if group:
            found = sum(1 for f in group if f.direction == grade.BENEFIT)
            parts.append(words.format(a=found, b=len(group), s="study" if len(group) == 1 else "studies"))
    unclear = sum(1 for f in body.stream if f.direction == grade.UNCLEAR)
    if unclear:
        parts.append(
            f"{unclear} {'study' if unclear == 1 else 'studies'} gave values without saying whether they changed"
        )
    text = "; ".join(parts)
    return text[0].upper() + text[1:]


def judge_studies(
    evidence: Evidence,
    studies: pd.DataFrame,
    conditions: set[str],
    exact: set[str],
    benefit: str,
    window: str,
) -> list[Judged]:
    """The studies of the selection that measured the benefit in the window, rated: the randomised
    trials (when there are any) and the other studies, each a body of its own."""
    measures = findings.measures_of(evidence, benefit)
    rows = findings.outcome_rows(evidence, findings.in_scope(evidence, studies, conditions), measures, window)
    # Pool the measure most randomised studies reported: unlike measures are never pooled together.
    facts = findings.study_facts(evidence)
    counts: dict[str, int] = {}
    for row in rows:
        if facts[row["study_id"]]["design"] == "rct" and row["vs_control"]:
            counts[row["measure"]] = counts.get(row["measure"], 0) + 1
    pool_measure = max(counts, key=lambda m: (counts[m], m)) if counts else None
    body, rows = findings.body_for(
        evidence,
        studies,
        conditions,
        measures,
        window,
        question_conditions=exact,
        surrogate=findings.is_surrogate(evidence, benefit),
        pool_measure=pool_measure,
    )
    if not body.findings:
        return []
    unit = evidence.vocab["measures"].at[pool_measure, "unit"] if pool_measure else ""
    parts = [body]
    others = tuple(f for f in body.findings if not f.randomised)
    if body.randomised and others:
        parts.append(replace(body, findings=others, pooled=None, pooled_kind="", pooled_direction=""))
    judged = []
    for part in parts:
        rated = grade.rate(part)
        source = "randomised" if part.starts_high else "non_randomised"
        judged.append(Judged(benefit, window, part, rated, source, effect=_effect_from_studies(part, rated, unit)))
    return judged


@per_evidence
def _meta_rows(evidence: Evidence) -> list[pd.Series]:
    """The published estimates against control, each with its time window (worked out once)."""
    meta = evidence.meta_analyses
    rows = []
    for _, row in meta[meta["effect"].isin(EFFECT_KINDS)].iterrows():
        row = row.copy()
        row["window"] = findings.window_of(row["timepoint_months"])
        rows.append(row)
    return rows


def judge_meta_analyses(
    evidence: Evidence, studies: pd.DataFrame, conditions: set[str], exact: set[str], benefit: str, window: str
) -> list[Judged]:
    """Published pooled estimates (MSC versus control) of the benefit's measures in the window."""
    measures = findings.measures_of(evidence, benefit)
    judged = []
    for row in _meta_rows(evidence):
        if row["condition"] not in conditions or row["measure"] not in measures or row["window"] != window:
            continue
        lower_is_better = evidence.vocab["measures"].at[row["measure"], "lower_is_better"] == "true"
        kind = EFFECT_KINDS[row["effect"]]
        pooled = stats.Pooled(
            float(row["estimate"]),
            float(row["ci_low"]) if pd.notna(row["ci_low"]) else float("nan"),
            float(row["ci_high"]) if pd.notna(row["ci_high"]) else float("nan"),
            int(row["k_studies"]) if pd.notna(row["k_studies"]) else 0,
            int(row["n_patients"]) if pd.notna(row["n_patients"]) else 0,
            float(row["i2"]) if pd.notna(row["i2"]) else None,
            None,
            None,
            None,
            None,
        )
        if pd.isna(pooled.ci_low) or pd.isna(pooled.ci_high):
            continue
        verdict = stats.Effect(
            pooled.estimate, 0.0, pooled.ci_low, pooled.ci_high, pooled.n_patients, kind, lower_is_better
        )
        says = {"better": grade.BENEFIT, "worse": grade.HARM}.get(verdict.direction or "", grade.NO_DIFFERENCE)
        trial_findings, in_base = _meta_trials(evidence, studies, row, exact, says)
        body = Body(
            findings=tuple(trial_findings),
            pooled=pooled,
            pooled_kind=kind,
            pooled_direction=says,
            surrogate=findings.is_surrogate(evidence, benefit),
            unpublished_trials=findings.unpublished_trials(evidence, exact)[0],
            unpublished_patients=findings.unpublished_trials(evidence, exact)[1],
            condition_words=evidence.label("conditions", row["condition"]) if row["condition"] not in exact else "",
        )
        rated = grade.rate(body)
        unit = evidence.vocab["measures"].at[row["measure"], "unit"]
        effect = (
            f"{EFFECT_NAMES[row['effect']].capitalize()} {_num(pooled.estimate, sign=True)}"
            f"{' ' + unit if row['effect'] == 'mean_difference' and unit else ''} "
            f"(95% CI {_num(pooled.ci_low)} to {_num(pooled.ci_high)}), "
            + (f"{pooled.k} randomised trials" if pooled.k else "randomised trials (number not reported)")
        )
        first = str(row["authors"]).split(",")[0].split(";")[0].strip().split(" ")[0]
        citation = f"{first} et al. {int(row['year'])}" if first else f"Meta-analysis {int(row['year'])}"
        url = pubmed_url(row["pmid"]) or doi_url(row["doi"]) or row["source_url"]
        judged.append(
            Judged(benefit, window, body, rated, "meta-analysis", row["meta_id"], effect, in_base, citation, url)
        )
    return judged


def _meta_trials(evidence: Evidence, studies: pd.DataFrame, meta: pd.Series, exact: set[str], says: str):
    """The review's trials as findings: those in the base as themselves (their risk of bias, product,
    population); the rest as one finding 'not assessed', carrying the patients the review pooled."""
    listed = evidence.meta_analysis_trials
    listed = listed[listed["review_id"] == meta["review_id"]]
    in_base = [sid for sid in listed["study_id"] if sid and sid in evidence.studies.index]
    total_k = int(meta["k_studies"]) if pd.notna(meta["k_studies"]) else len(listed)
    base = evidence.studies.loc[in_base] if in_base else evidence.studies.iloc[:0]
    bias = overall_by_study(evidence, base) if len(base) else {}
    out = []
    for sid, study in base.iterrows():
        out.append(
            Finding(
                study_id=sid,
                label=sid,
                patients=int(
                    (study["n_msc"] if pd.notna(study["n_msc"]) else 0)
                    + (study["n_control"] if pd.notna(study["n_control"]) else 0)
                ),
                randomised=True,
                controlled=True,
                bias=bias.get(sid, "not_assessed"),
                direction=says,
                population_match=study["condition"] in exact,
                stromal_product=study["product"] == "stromal_product",
                active_comparator=study["control_type"] == "active_comparator",
            )
        )
    known = sum(f.patients for f in out)
    missing = max(0, total_k - len(out))
    if missing or not out:
        patients = int(meta["n_patients"]) - known if pd.notna(meta["n_patients"]) else 0
        out.append(
            Finding(
                study_id=f"meta:{meta['meta_id']}",
                label=f"{missing} trials not in this base",
                patients=max(patients, 0),
                randomised=True,
                controlled=True,
                bias="not_assessed",
                direction=says,
                population_match=meta["condition"] in exact,
            )
        )
    words = (
        (
            f"{len(in_base)} of its {total_k} trials are in this base"
            if in_base
            else f"none of its {total_k} trials is in this base"
        )
        if total_k
        else ""
    )
    return out, words


def window_finding(bodies: list[Judged]) -> tuple[int, str]:
    """(certainty level, direction) of a window: the leading body's, unless an equally certain body
    points another way — then the window has no consistent direction, whichever body is randomised."""
    lead = bodies[0]
    level, direction = lead.certainty.level, lead.certainty.direction
    known = (grade.BENEFIT, grade.NO_DIFFERENCE, grade.HARM)
    for other in bodies[1:]:
        # An equally certain body that points elsewhere (or nowhere consistent) leaves the window open.
        differs = other.certainty.direction not in (direction, grade.UNCLEAR)
        if other.certainty.level == level and direction in known and differs:
            return level, "mixed"
    return level, direction


def judged_windows(
    evidence: Evidence, studies: pd.DataFrame, conditions: set[str], exact: set[str], benefit: str
) -> dict[str, list[Judged]]:
    """Per time window, every body that speaks to the benefit, the leading one first."""
    out = {}
    for window in findings.ALL_WINDOWS:
        bodies = judge_meta_analyses(evidence, studies, conditions, exact, benefit, window.key)
        bodies += judge_studies(evidence, studies, conditions, exact, benefit, window.key)
        if bodies:
            out[window.key] = sorted(bodies, key=lambda j: j.rank, reverse=True)
    return out
