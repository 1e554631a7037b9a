"""Registered trials beside the published evidence: the pipeline, and which trials never published.

A trial counts as published when a study names it: either the curated `linked_study_id`, or a
study whose own `registry_id` is the trial's id.
"""

from __future__ import annotations

import pandas as pd

from components.analysis.filters import expand_conditions
from components.analysis.tables import evidence_badge
from components.evidence.loader import Evidence

PHASE_ORDER = ["early_1", "1", "1/2", "2", "2/3", "3", "4", "not_applicable", ""]
PHASE_LABELS = {
    "early_1": "Early phase 1",
    "1": "Phase 1",
    "1/2": "Phase 1/2",
    "2": "Phase 2",
    "2/3": "Phase 2/3",
    "3": "Phase 3",
    "4": "Phase 4",
    "not_applicable": "Not applicable",
    "": "Not stated",
}
STATUS_LABELS = {
    "not_yet_recruiting": "Not yet recruiting",
    "recruiting": "Recruiting",
    "enrolling_by_invitation": "Enrolling by invitation",
    "active_not_recruiting": "Active, not recruiting",
    "completed": "Completed",
    "suspended": "Suspended",
    "terminated": "Terminated",
    "withdrawn": "Withdrawn",
    "unknown": "Unknown",
}
# Trials that have stopped recruiting for good: for these, missing results are a real gap.
FINISHED = {"completed", "terminated", "active_not_recruiting", "unknown", "suspended"}


def trials_with_publication(evidence: Evidence) -> pd.DataFrame:
    """The registered trials with `published_as` (a study id or '') and `unpublished` flags."""
    trials = evidence.registered_trials.copy()
    by_registry = {
        rid: sid for sid, rid in zip(evidence.studies["study_id"], evidence.studies["registry_id"], strict=False) if rid
    }
    trials["published_as"] = [
        linked or by_registry.get(rid, "")
        for linked, rid in zip(trials["linked_study_id"], trials["registry_id"], strict=False)
    ]
    trials["unpublished"] = trials["published_as"] == ""
    trials["finished_unpublished"] = trials["unpublished"] & trials["status"].isin(FINISHED)
    return trials


def filter_trials(evidence: Evidence, trials: pd.DataFrame, conditions: tuple[str, ...], cell_sources: tuple[str, ...]):
    """Apply the sidebar's condition and cell-source choices to the trials."""
    out = trials
    if conditions:
        out = out[out["condition"].isin(expand_conditions(evidence, conditions))]
    if cell_sources:
        out = out[out["cell_source"].isin(cell_sources)]
    return out


def pipeline(trials: pd.DataFrame) -> pd.DataFrame:
    """Trials per condition, phase and status."""
    counts = trials.groupby(["condition", "phase", "status"]).registry_id.count().reset_index(name="trials")
    return counts


def timeline(evidence: Evidence, studies: pd.DataFrame, trials: pd.DataFrame) -> pd.DataFrame:
    """Published studies (by publication year) and registered trials (by start year) on one axis."""
    published = pd.DataFrame(
        {
            "year": studies["year"].astype("float64"),
            "condition": studies["condition"],
            "kind": "Published study",
            "id": studies["study_id"],
            "n": studies["n_msc"].astype("float64"),
            "badge": [evidence_badge(evidence, row) for _, row in studies.iterrows()],
        }
    )
    registered = pd.DataFrame(
        {
            "year": trials["start_year"].astype("float64"),
            "condition": trials["condition"],
            "kind": [
                "Registered trial, no results published" if u else "Registered trial, published"
                for u in trials["unpublished"]
            ],
            "id": trials["registry_id"],
            "n": trials["enrolment"].astype("float64"),
            "badge": [
                f"{rid} · {PHASE_LABELS.get(phase, phase)} · {STATUS_LABELS.get(status, status)} · "
                + (f"{int(n)} {etype or 'planned or actual'}" if pd.notna(n) else "enrolment not stated")
                for rid, phase, status, n, etype in zip(
                    trials["registry_id"],
                    trials["phase"],
                    trials["status"],
                    trials["enrolment"],
                    trials["enrolment_type"],
                    strict=False,
                )
            ],
        }
    )
    both = pd.concat([published, registered], ignore_index=True)
    return both[both["year"].notna()].reset_index(drop=True)
