"""Harm: adverse events per patient treated, by condition, cell source or route, and every serious
event with its study; and benefit beside harm for each condition.

Rates are computed only over studies that reported on adverse events at all (a study with no
adverse-event rows tells us nothing either way), with 95% Wilson intervals.
"""

from __future__ import annotations

import pandas as pd

from components.analysis.aggregate import BENEFIT, patients_once, study_benefit_states
from components.analysis.compare import wilson_interval
from components.analysis.memo import PER_SELECTION, per_evidence
from components.evidence.loader import Evidence

BY = {"condition": "conditions", "cell_source": "cell_sources", "route": "routes"}
RATE_KINDS = ("serious", "related_serious", "non_serious", "deaths")
RATE_COLUMNS = ["group", "studies_reporting", "patients_treated"] + [
    f"{kind}{suffix}" for kind in RATE_KINDS for suffix in ("", "_per_100", "_ci")
]


@per_evidence(maxsize=PER_SELECTION)
def rates_by(evidence: Evidence, studies: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per group: patients treated in reporting studies; patients with any, serious and related events."""
    ae = evidence.adverse_events
    ae = ae[(ae["arm"] == "msc") & ae["study_id"].isin(studies.index)]
    reporting = studies[studies.index.isin(set(ae["study_id"]))]
    rows = []
    for group, part in reporting.groupby(reporting[by].replace("", "not reported")):
        events = ae[ae["study_id"].isin(part.index)]
        treated = patients_once(part)
        row = {"group": group, "studies_reporting": len(part), "patients_treated": treated}
        for label, mask in (
            ("serious", events["serious"] == "yes"),
            ("related_serious", (events["serious"] == "yes") & events["related"].isin(["yes", "possibly"])),
            ("non_serious", events["serious"] == "no"),
            ("deaths", events["category"] == "death"),
        ):
            # Patients with an event, summed over event kinds: a patient with two kinds counts twice,
            # so this is an upper bound, capped at the patients treated.
            affected = min(int(events.loc[mask, "patients_affected"].fillna(0).sum()), treated)
            low, high = wilson_interval(affected, treated)
            row[label] = affected
            row[f"{label}_per_100"] = 100 * affected / treated if treated else float("nan")
            row[f"{label}_ci"] = f"{100 * low:.1f}–{100 * high:.1f}" if treated else ""
        rows.append(row)
    # Fixed columns even with no rows: a selection without adverse-event reports is a normal case.
    return pd.DataFrame(rows, columns=RATE_COLUMNS)


@per_evidence(maxsize=PER_SELECTION)
def reporting_groups(evidence: Evidence, studies: pd.DataFrame, by: str) -> dict[str, pd.DataFrame]:
    """The studies of each group in `rates_by` (a group not reported left out), for per-group panels."""
    rates = rates_by(evidence, studies, by)
    return {g: studies[studies[by] == g] for g in rates["group"] if g != "not reported"}


@per_evidence(maxsize=PER_SELECTION)
def serious_events(evidence: Evidence, studies: pd.DataFrame) -> pd.DataFrame:
    """Every death and serious adverse event, with its study and arm."""
    ae = evidence.adverse_events
    ae = ae[ae["study_id"].isin(studies.index) & ((ae["serious"] == "yes") | (ae["category"] == "death"))]
    return ae.sort_values(["category", "study_id"]).reset_index(drop=True)


@per_evidence(maxsize=PER_SELECTION)
def benefit_and_harm(evidence: Evidence, studies: pd.DataFrame) -> pd.DataFrame:
    """Per condition: patients in studies reporting any clinical benefit, beside patients with serious events."""
    clinical = set(evidence.vocab["benefits"].query("kind == 'clinical'").index)
    states = study_benefit_states(evidence, studies)
    with_benefit = set(states[(states["state"] == BENEFIT) & states["benefit"].isin(clinical)]["study_id"])
    harm = rates_by(evidence, studies, "condition").set_index("group") if len(studies) else pd.DataFrame()
    rows = []
    for condition, part in studies.groupby("condition"):
        rows.append(
            {
                "condition": condition,
                "studies": len(part),
                "patients": patients_once(part),
                "studies_with_clinical_benefit": int(part.index.isin(with_benefit).sum()),
                "patients_in_studies_with_benefit": patients_once(part[part.index.isin(with_benefit)]),
                "patients_with_serious_events": int(harm["serious"].get(condition, 0)) if len(harm) else 0,
                "patients_with_related_serious_events": int(harm["related_serious"].get(condition, 0))
                if len(harm)
                else 0,
                "deaths": int(harm["deaths"].get(condition, 0)) if len(harm) else 0,
            }
        )
    return pd.DataFrame(rows)
