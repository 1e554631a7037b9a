"""Side-by-side comparison of groups of studies: by condition, cell source or route.

Each function takes the groups (group id -> studies) and returns one tidy frame per panel of the
Compare page. Patients are counted once per cohort, as everywhere else.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from components.analysis.aggregate import BENEFIT, patients_once, patients_per_cell, study_benefit_states
from components.analysis.filters import expand_conditions
from components.analysis.memo import PER_SELECTION, per_evidence, per_frames
from components.analysis.tables import evidence_badge
from components.evidence.loader import Evidence

GROUPINGS = {
    "condition": "Conditions",
    "cell_source": "Cell sources",
    "route": "Routes",
}
VOCABULARY_OF = {"condition": "conditions", "cell_source": "cell_sources", "route": "routes"}
MAX_GROUPS = 4


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
    "follow_up",
    "follow_up_unit",
    "controlled",
    "n_total",
    "authors",
    "title",
    "year",
]


@per_evidence(maxsize=PER_SELECTION)
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


@per_frames(maxsize=PER_SELECTION)
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


@per_evidence(maxsize=PER_SELECTION)
def benefit_shares(evidence: Evidence, groups: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per group and benefit: studies that found it, studies that measured it, and their patients
    (each cohort counted once, by its largest report).

    On integer codes with numpy (as the evidence map): a pandas merge and group-bys per group cost
    several milliseconds on every rerun, and a Python loop would not scale to 100k studies."""
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
        benefit, benefits = pd.factorize(states["benefit"])  # in order of first appearance
        position = studies.index.get_indexer(states["study_id"])
        cohort = pd.factorize(studies["cohort_id"], use_na_sentinel=False)[0][position]
        n = studies["n_msc"].astype("float64").fillna(0).to_numpy()[position]
        found = states["state"].to_numpy() == BENEFIT
        measured = np.bincount(benefit, minlength=len(benefits))
        hits = np.bincount(benefit[found], minlength=len(benefits))
        patients = patients_per_cell(benefit[found], cohort[found], n[found], len(benefits))
        frames.append(
            pd.DataFrame(
                {
                    "group": group,
                    "benefit": np.asarray(benefits, dtype=object),
                    "studies_measured": measured,
                    "studies_benefit": hits,
                    "share_studies": hits / total_studies if total_studies else 0.0,
                    "patients_benefit": patients,
                    "share_patients": patients / total_patients if total_patients else 0.0,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


@per_evidence(maxsize=PER_SELECTION)
def target_moves(evidence: Evidence, groups: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per group, target and direction: how many studies reported that change (sorted by target,
    then direction)."""
    mech = evidence.mechanisms
    frames = []
    for group, studies in groups.items():
        part = mech[mech["study_id"].isin(studies.index).to_numpy()]
        if part.empty:
            continue
        # One row per study, target and direction, then counted: numpy on codes, no group-by.
        target, targets = pd.factorize(part["target"], sort=True)
        direction, directions = pd.factorize(part["direction"], sort=True)
        study = pd.factorize(part["study_id"])[0]
        pair = target.astype("int64") * len(directions) + direction
        unique_pairs, counts = np.unique(
            np.unique(pair * (study.max() + 1) + study) // (study.max() + 1), return_counts=True
        )
        frames.append(
            pd.DataFrame(
                {
                    "group": group,
                    "target": np.asarray(targets, dtype=object)[unique_pairs // len(directions)],
                    "direction": np.asarray(directions, dtype=object)[unique_pairs % len(directions)],
                    "studies": counts,
                }
            )
        )
    columns = ["group", "target", "direction", "studies"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


@per_frames(maxsize=PER_SELECTION)
def mix(groups: dict[str, pd.DataFrame], column: str) -> pd.DataFrame:
    """Per group: studies and patients by the values of `column` (design, cell source, donor, route)."""
    frames = []
    for group, studies in groups.items():
        if studies.empty:
            continue
        value, values = pd.factorize(studies[column].fillna("").replace("", "not reported"))
        cohort = pd.factorize(studies["cohort_id"], use_na_sentinel=False)[0]
        n = studies["n_msc"].astype("float64").fillna(0).to_numpy()
        counts = np.bincount(value, minlength=len(values))
        frames.append(
            pd.DataFrame(
                {
                    "group": group,
                    "value": np.asarray(values, dtype=object),
                    "studies": counts,
                    "share": counts / len(studies),
                    "patients": patients_per_cell(value, cohort, n, len(values)),
                }
            )
        )
    columns = ["group", "value", "studies", "share", "patients"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


@per_evidence(maxsize=PER_SELECTION)
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


@per_evidence(maxsize=PER_SELECTION)
def adverse_event_rates(evidence: Evidence, groups: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per group: patients with a serious adverse event per patient treated, among studies that
    reported on adverse events in the MSC arm (a study without adverse-event rows tells nothing)."""
    ae = evidence.adverse_events
    ae = ae[ae["arm"] == "msc"]
    with_events = pd.Index(ae["study_id"].unique())
    rows = []
    for group, studies in groups.items():
        reporting = studies[studies.index.isin(with_events)]
        treated = patients_once(reporting)
        part = ae[ae["study_id"].isin(reporting.index).to_numpy()]
        affected_by = part.groupby("serious", sort=False)["patients_affected"].sum()
        for seriousness, label in (("yes", "serious"), ("no", "non-serious")):
            affected = int(affected_by.get(seriousness, 0))
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
