"""The PRISMA 2020 flow of the evidence base (Page et al., BMJ 2021;372:n71), in its template for
updated reviews, counted from the screening log: studies included in earlier versions; for this
version, records identified per source, duplicates removed, records screened and excluded, reports
sought and not retrieved, reports assessed and excluded with reasons, new studies included; and the
total.

Every box is a count of rows of the screening log, so the diagram cannot say more than the log does.
Earlier versions logged only the studies they included, so they appear as one box.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from components.analysis.memo import per_evidence
from components.evidence.loader import Evidence

SOURCES = {
    "database": "Databases (PubMed, journal pages)",
    "register": "Trial registers",
    "review": "Systematic reviews' lists of studies",
    "citation": "Citations in papers read",
}


@dataclass(frozen=True)
class Flow:
    identified: dict[str, int]
    duplicates: int
    screened: int
    excluded_screening: int
    sought: int
    not_retrieved: int
    assessed: int
    excluded_reasons: dict[str, int] = field(default_factory=dict)
    included: int = 0  # new studies of this version
    previous: int = 0  # studies included in earlier versions
    studies_in_base: int = 0
    version: str = ""

    @property
    def identified_total(self) -> int:
        return sum(self.identified.values())

    @property
    def excluded_eligibility(self) -> int:
        return sum(self.excluded_reasons.values())


def _reason_group(reason: str) -> str:
    """Reasons as PRISMA lists them: a few groups, the words the curator wrote kept short."""
    text = (reason or "not given").strip()
    return text[:1].upper() + text[1:80] + ("…" if len(text) > 80 else "")


@per_evidence
def flow(evidence: Evidence, top_reasons: int = 6) -> Flow:
    log = evidence.screening_log
    version = str(evidence.version.get("version", ""))
    previous = int(((log["stage"] == "included") & (log["dataset_version"] != version)).sum())
    log = log[log["dataset_version"] == version]
    stage = log["stage"]
    identified = {source: int((log["found_via"] == source).sum()) for source in SOURCES}
    duplicates = int((stage == "duplicate").sum())
    excluded_screening = int((stage == "excluded_screening").sum())
    not_retrieved = int((stage == "not_retrieved").sum())
    excluded = log[stage == "excluded_eligibility"]
    reasons = excluded["reason"].map(_reason_group).value_counts()
    kept = dict(reasons.head(top_reasons))
    if len(reasons) > top_reasons:
        kept["Other reasons"] = int(reasons.iloc[top_reasons:].sum())
    screened = len(log) - duplicates
    sought = screened - excluded_screening
    return Flow(
        identified=identified,
        duplicates=duplicates,
        screened=screened,
        excluded_screening=excluded_screening,
        sought=sought,
        not_retrieved=not_retrieved,
        assessed=sought - not_retrieved,
        excluded_reasons={k: int(v) for k, v in kept.items()},
        included=int((stage == "included").sum()),
        previous=previous,
        studies_in_base=len(evidence.studies),
        version=version,
    )


@per_evidence
def completeness(evidence: Evidence) -> pd.DataFrame:
    """For each published meta-analysis: the trials it pooled, how many are in this base, and which
    are missing and why."""
    trials = evidence.meta_analysis_trials
    meta = evidence.meta_analyses
    rows = []
    for review_id, part in meta.groupby("review_id", sort=False):
        listed = trials[trials["review_id"] == review_id]
        in_base = listed[listed["study_id"] != ""]
        missing = listed[listed["study_id"] == ""]
        first = part.iloc[0]
        pooled = int(part["k_studies"].max()) if part["k_studies"].notna().any() else len(listed)
        rows.append(
            {
                "review_id": review_id,
                "review": f"{str(first['authors']).split(',')[0].split(' ')[0]} et al. {int(first['year'])}",
                "condition": first["condition"],
                "outcomes": sorted(set(part["measure"])),
                "trials_pooled": pooled,
                "trials_listed": len(listed),
                "in_base": len(in_base),
                "in_base_ids": list(in_base["study_id"]),
                "missing": [
                    f"{t} ({r})" if r else t for t, r in zip(missing["trial"], missing["reason_absent"], strict=True)
                ],
            }
        )
    return pd.DataFrame(rows)
