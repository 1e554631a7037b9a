"""Mechanism to outcome: which immune and tissue targets moved in the studies that reported each
clinical benefit, and a target-centred view across conditions.

A link condition -> target -> benefit is counted once per study that reported both the target
change and the benefit. That is co-occurrence in the same patients, not proof that one caused the
other; the page says so.
"""

from __future__ import annotations

import pandas as pd

from components.analysis.aggregate import BENEFIT, study_benefit_states
from components.evidence.loader import Evidence

DIRECTION_WORDS = {"up": "raised", "down": "lowered", "no_change": "unchanged"}


def target_benefit_links(evidence: Evidence, studies: pd.DataFrame) -> pd.DataFrame:
    """One row per study x target change x benefit found: the evidence behind each Sankey link."""
    mech = evidence.mechanisms[evidence.mechanisms["study_id"].isin(studies.index)]
    mech = mech[mech["direction"] != "no_change"][["study_id", "target", "direction"]].drop_duplicates()
    states = study_benefit_states(evidence, studies)
    found = states[states["state"] == BENEFIT][["study_id", "benefit"]]
    links = mech.merge(found, on="study_id")
    links["condition"] = links["study_id"].map(studies["condition"])
    return links[["condition", "target", "direction", "benefit", "study_id"]].reset_index(drop=True)


def sankey_table(links: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Study counts for condition -> target change and target change -> benefit."""
    first = links.groupby(["condition", "target", "direction"]).study_id.nunique().reset_index(name="studies")
    second = links.groupby(["target", "direction", "benefit"]).study_id.nunique().reset_index(name="studies")
    return first, second


def target_pivot(evidence: Evidence, studies: pd.DataFrame, target: str) -> pd.DataFrame:
    """For one target, per condition and direction: studies reporting it, and how many of those
    also reported a clinical benefit (a laboratory-only benefit does not count)."""
    mech = evidence.mechanisms
    mech = mech[(mech["target"] == target) & mech["study_id"].isin(studies.index)]
    clinical = set(evidence.vocab["benefits"].query("kind == 'clinical'").index)
    states = study_benefit_states(evidence, studies)
    with_clinical = set(states[(states["state"] == BENEFIT) & states["benefit"].isin(clinical)]["study_id"])
    rows = []
    for (condition, direction), part in mech.groupby(["condition", "direction"]):
        ids = sorted(set(part["study_id"]))
        rows.append(
            {
                "condition": condition,
                "direction": direction,
                "studies": len(ids),
                "with_clinical_benefit": sum(1 for i in ids if i in with_clinical),
                "study_ids": tuple(ids),
            }
        )
    return pd.DataFrame(rows, columns=["condition", "direction", "studies", "with_clinical_benefit", "study_ids"])
