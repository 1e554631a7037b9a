"""Side-by-side comparison of groups of studies: by condition, cell source or route.

Each function takes the groups (group id -> studies) and returns one tidy frame per panel of the
Compare page. Patients are counted once per cohort, as everywhere else.
"""

from __future__ import annotations

import math

import pandas as pd

from components.aggregate import BENEFIT, patients_once, study_benefit_states
from components.filters import expand_conditions
from components.loader import Evidence
from components.tables import evidence_badge

GROUPINGS = {
    "condition": "Conditions",
    "cell_source": "Cell sources",
    "route": "Routes",
}
VOCABULARY_OF = {"condition": "conditions", "cell_source": "cell_sources", "route": "routes"}


# The columns the comparison panels read. Selecting rows of these alone is several times faster
# than selecting rows of the whole (wide, Arrow-backed) studies table, once per group and panel.
PANEL_COLUMNS = [
    "study_id",
    "condition",
    "design",
    "phase",
    "cell_source",
    "donor",
    "route",
    "cohort_id",
    "n_msc",
    "n_control",
    "control_type",
    "dose_per_kg",
    "evidence_rank",
    "follow_up_months",
    "authors",
    "year",
]


def group_studies(evidence: Evidence, studies: pd.DataFrame, by: str, chosen: list[str]) -> dict[str, pd.DataFrame]:
    """The studies of each chosen group. A condition includes its sub-conditions (SLE includes
    lupus nephritis), so condition groups may overlap."""
    studies = studies[PANEL_COLUMNS]
    groups = {}
    for group in chosen:
        if by == "condition":
            members = studies[studies["condition"].isin(expand_conditions(evidence, (group,)))]
        else:
            members = studies[studies[by] == group]
        groups[group] = members
    return groups


def group_sizes(groups: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "group": g,
                "studies": len(s),
                "patients": patients_once(s),
                "randomised": int((s["design"] == "rct").sum()),
            }
            for g, s in groups.items()
        ]
    )


def benefit_shares(evidence: Evidence, groups: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per group and benefit: studies that found it, studies that measured it, and their patients
    (each cohort counted once). Vectorised per group: one merge and two group-bys, no loop over
    benefits."""
    columns = [
        "group",
        "benefit",
        "studies_measured",
        "studies_benefit",
        "share_studies",
        "patients_benefit",
        "share_patients",
    ]
    frames = []
    for group, studies in groups.items():
        states = study_benefit_states(evidence, studies)
        if states.empty:
            continue
        total_studies, total_patients = len(studies), patients_once(studies)
        detail = states[["study_id", "benefit", "state"]].assign(
            cohort=studies["cohort_id"].reindex(states["study_id"]).to_numpy(),
            n=studies["n_msc"].reindex(states["study_id"]).astype("float64").fillna(0).to_numpy(),
            found=(states["state"] == BENEFIT).to_numpy(),
        )
        measured = detail.groupby("benefit", sort=False).size()
        hits = detail[detail["found"]]
        found = hits.groupby("benefit", sort=False).size().reindex(measured.index, fill_value=0)
        patients = (
            hits.groupby(["benefit", "cohort"], sort=False)["n"].max().groupby(level=0, sort=False).sum()
        ).reindex(measured.index, fill_value=0)
        frames.append(
            pd.DataFrame(
                {
                    "group": group,
                    "benefit": measured.index,
                    "studies_measured": measured.to_numpy(),
                    "studies_benefit": found.to_numpy(),
                    "share_studies": found.to_numpy() / total_studies if total_studies else 0.0,
                    "patients_benefit": patients.astype("int64").to_numpy(),
                    "share_patients": patients.to_numpy() / total_patients if total_patients else 0.0,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def target_moves(evidence: Evidence, groups: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per group, target and direction: how many studies reported that change."""
    rows = []
    mech = evidence.mechanisms
    for group, studies in groups.items():
        part = mech[mech["study_id"].isin(studies.index)]
        counts = part.groupby(["target", "direction"]).study_id.nunique().reset_index(name="studies")
        counts.insert(0, "group", group)
        rows.append(counts)
    if not rows:
        return pd.DataFrame(columns=["group", "target", "direction", "studies"])
    return pd.concat(rows, ignore_index=True)


def mix(groups: dict[str, pd.DataFrame], column: str) -> pd.DataFrame:
    """Per group: studies and patients by the values of `column` (design, cell source, donor, route)."""
    rows = []
    for group, studies in groups.items():
        for value, part in studies.groupby(studies[column].replace("", "not reported"), sort=False):
            rows.append(
                {
                    "group": group,
                    "value": value,
                    "studies": len(part),
                    "share": len(part) / len(studies) if len(studies) else 0.0,
                    "patients": patients_once(part),
                }
            )
    return pd.DataFrame(rows, columns=["group", "value", "studies", "share", "patients"])


def doses(evidence: Evidence, groups: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per study with a per-kg dose, for a strip plot on a log axis."""
    rows = []
    for group, studies in groups.items():
        part = studies[studies["dose_per_kg"].notna()]
        for sid, row in part.iterrows():
            rows.append(
                {
                    "group": group,
                    "study_id": sid,
                    "dose_per_kg": row["dose_per_kg"],
                    "n_msc": row["n_msc"],
                    "badge": evidence_badge(evidence, row),
                }
            )
    return pd.DataFrame(rows, columns=["group", "study_id", "dose_per_kg", "n_msc", "badge"])


def wilson_interval(events: int, total: int, z: float = 1.959964) -> tuple[float, float]:
    """95% Wilson score interval for a proportion (well behaved for 0 and small samples)."""
    if total <= 0:
        return (math.nan, math.nan)
    p = events / total
    denominator = 1 + z**2 / total
    centre = (p + z**2 / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z**2 / (4 * total**2)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def adverse_event_rates(evidence: Evidence, groups: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per group: patients with a serious adverse event per patient treated, among studies that
    reported on adverse events in the MSC arm (a study without adverse-event rows tells nothing)."""
    ae = evidence.adverse_events
    ae = ae[ae["arm"] == "msc"]
    rows = []
    for group, studies in groups.items():
        reporting = studies[studies.index.isin(set(ae["study_id"]))]
        treated = patients_once(reporting)
        part = ae[ae["study_id"].isin(reporting.index)]
        for seriousness, label in (("yes", "serious"), ("no", "non-serious")):
            affected = int(part.loc[part["serious"] == seriousness, "patients_affected"].fillna(0).sum())
            affected = min(affected, treated)
            low, high = wilson_interval(affected, treated)
            rows.append(
                {
                    "group": group,
                    "kind": label,
                    "patients_affected": affected,
                    "patients_treated": treated,
                    "studies_reporting": len(reporting),
                    "rate": affected / treated if treated else math.nan,
                    "ci_low": low,
                    "ci_high": high,
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "group",
            "kind",
            "patients_affected",
            "patients_treated",
            "studies_reporting",
            "rate",
            "ci_low",
            "ci_high",
        ],
    )
