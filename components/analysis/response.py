"""Response as one number per outcome row, for the dose-response and durability views.

Responder outcomes give the share of patients responding (%); continuous outcomes give the change
from baseline as a percentage of baseline, signed so that positive is improvement. Rows without
the numbers for either are left out, never estimated.
"""

from __future__ import annotations

import pandas as pd

from components.analysis.tables import evidence_badge, study_label
from components.evidence.loader import Evidence


def response_points(evidence: Evidence, studies: pd.DataFrame, measure: str) -> tuple[pd.DataFrame, str]:
    """One row per outcome row of the measure that has a computable response, and the axis title."""
    spec = evidence.vocab["measures"].loc[measure]
    out = evidence.outcomes
    # Results without a time point have no place on a dose or durability chart.
    out = out[
        (out["measure"] == measure) & out["study_id"].isin(studies.index) & out["timepoint_months"].notna()
    ].copy()
    if spec["kind"] == "responder":
        share = 100 * out["responders"].astype("float64") / out["n"].astype("float64")
        out["response"] = share.fillna(out["responders_pct"])
        title = "patients responding (%)"
    else:
        change = out["change"].fillna(out["followup"] - out["baseline"])
        sign = -1 if spec["lower_is_better"] == "true" else 1
        out["response"] = sign * 100 * change / out["baseline"].where(out["baseline"] != 0)
        title = "improvement from baseline (% of baseline)"
    out = out[out["response"].notna()]
    rows = studies.loc[out["study_id"]]
    out["label"] = [
        study_label(r) + (f" · {a}" if a else "") for (_, r), a in zip(rows.iterrows(), out["arm"], strict=False)
    ]
    out["badge"] = [evidence_badge(evidence, r) for _, r in rows.iterrows()]
    out["dose_per_kg"] = rows["dose_per_kg"].to_numpy()
    out["cell_source"] = rows["cell_source"].to_numpy()
    out["evidence_rank"] = rows["evidence_rank"].to_numpy()
    out["repeated"] = (rows["infusions"].fillna(1) > 1).to_numpy()
    out["timepoint"] = out["timepoint_months"]
    return out.reset_index(drop=True), title


def response_ready_counts(evidence: Evidence, studies: pd.DataFrame) -> dict[str, int]:
    """Per measure: outcome rows of studies with a per-kg dose that can give a response number
    (a quick screen used to open the page on a measure worth plotting)."""
    out = evidence.outcomes
    dosed = set(studies.index[studies["dose_per_kg"].notna()])
    out = out[out["study_id"].isin(dosed)]
    responder = out["responders"].notna() & out["n"].notna() | out["responders_pct"].notna()
    continuous = out["baseline"].notna() & (out["change"].notna() | out["followup"].notna())
    # Distinct studies, not rows: a study reporting many time points is still one dose-response mark.
    return out[responder | continuous].groupby("measure")["study_id"].nunique().to_dict()
