"""Counting the evidence: headline numbers and the condition x benefit evidence map.

Patients are counted once per cohort: a follow-up report (with a `parent_study_id`) belongs to
its parent's cohort, and a cohort contributes the largest patient count among its reports in
the current selection, never the sum.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from components.loader import Evidence

BENEFIT = "benefit"
NO_BENEFIT = "no_benefit"
NOT_MEASURED = "not_measured"
STATE_LABELS = {
    BENEFIT: "Benefit reported",
    NO_BENEFIT: "Measured, no benefit",
    NOT_MEASURED: "Not measured",
}


def patients_once(studies: pd.DataFrame) -> int:
    """Patients treated with MSC, counting each cohort once."""
    if studies.empty:
        return 0
    per_cohort = studies.groupby("cohort_id", sort=False)["n_msc"].max()
    return int(per_cohort.fillna(0).sum())


@dataclass(frozen=True)
class Headline:
    studies: int
    cohorts: int
    patients: int
    conditions: int
    randomised: int


def headline_numbers(studies: pd.DataFrame) -> Headline:
    return Headline(
        studies=len(studies),
        cohorts=studies["cohort_id"].nunique(),
        patients=patients_once(studies),
        conditions=studies["condition"].nunique(),
        randomised=int((studies["design"] == "rct").sum()),
    )


def study_benefit_states(evidence: Evidence, studies: pd.DataFrame) -> pd.DataFrame:
    """One row per study x benefit measured: did the study find that benefit?

    A controlled comparison outranks a change from baseline: an outcome reported as no better
    than control makes the benefit 'measured, no benefit' even if the MSC group improved.
    """
    out = evidence.outcomes
    # 'unclear' rows give values without a reported direction: they count neither way.
    out = out[out["study_id"].isin(studies.index) & (out["benefit"] != "") & (out["direction"] != "unclear")]
    if out.empty:
        return pd.DataFrame(columns=["study_id", "benefit", "state"])
    # Between-arm results count only against an MSC-free control (not dose or schedule comparisons).
    vs_control = out["vs_control"].where(
        out["study_id"].map(studies["msc_free_control"]).fillna(False).astype(bool), ""
    )
    flags = pd.DataFrame(
        {
            "study_id": out["study_id"],
            "benefit": out["benefit"],
            "better_than_control": vs_control == "better",
            "not_better_than_control": vs_control.isin(["no_difference", "worse"]),
            "improved": out["direction"] == "improved",
        }
    )
    grouped = flags.groupby(["study_id", "benefit"], sort=False).any().reset_index()
    state = pd.Series(NO_BENEFIT, index=grouped.index)
    state[grouped["improved"] & ~grouped["not_better_than_control"]] = BENEFIT
    state[grouped["better_than_control"]] = BENEFIT
    grouped["state"] = state
    return grouped[["study_id", "benefit", "state"]]


def _cell_state(cell: pd.Series) -> str:
    """The finding of a cell follows its best design: what the strongest studies that measured
    the benefit found. Where those strongest studies disagree, the side with more patients wins,
    and a tie counts as no benefit (the cautious reading)."""
    if cell["n_benefit"] + cell["n_no_benefit"] == 0:
        return NOT_MEASURED
    if cell["top_n_benefit"] == 0:
        return NO_BENEFIT
    if cell["top_patients_benefit"] > cell["top_patients_no_benefit"]:
        return BENEFIT
    return NO_BENEFIT if cell["top_patients_no_benefit"] > 0 else BENEFIT


def evidence_map(evidence: Evidence, studies: pd.DataFrame) -> pd.DataFrame:
    """Condition x benefit cells with their state, study counts, patients and best design.

    Every pair of a condition present in `studies` and a benefit in the vocabulary is a row, so
    'not measured' gaps are explicit.
    """
    states = study_benefit_states(evidence, studies)
    conditions = [c for c in evidence.vocab["conditions"].index if c in set(studies["condition"])]
    benefits = list(evidence.vocab["benefits"].index)
    cells = pd.MultiIndex.from_product([conditions, benefits], names=["condition", "benefit"]).to_frame(index=False)
    if states.empty:
        detail = pd.DataFrame(columns=["condition", "benefit", "state", "study_id"])
    else:
        detail = states.merge(
            studies[["condition", "cohort_id", "n_msc", "evidence_rank"]].rename(
                columns={"evidence_rank": "design_rank"}
            ),
            left_on="study_id",
            right_index=True,
        )

    rows = []
    for (condition, benefit), group in detail.groupby(["condition", "benefit"], sort=False):
        with_benefit = group[group["state"] == BENEFIT]
        best = int(group["design_rank"].min()) if group["design_rank"].notna().any() else None
        best_no = group.loc[group["state"] == NO_BENEFIT, "design_rank"]
        best_yes = with_benefit["design_rank"]
        top = group[group["design_rank"] == best] if best is not None else group
        top_yes = top[top["state"] == BENEFIT]["study_id"]
        top_no = top[top["state"] == NO_BENEFIT]["study_id"]
        rows.append(
            {
                "condition": condition,
                "benefit": benefit,
                "n_benefit": len(with_benefit),
                "n_no_benefit": int((group["state"] == NO_BENEFIT).sum()),
                "patients": patients_once(studies.loc[group["study_id"]]),
                "patients_benefit": patients_once(studies.loc[with_benefit["study_id"]]),
                "best_rank": best,
                "best_rank_benefit": int(best_yes.min()) if best_yes.notna().any() else None,
                "best_rank_no_benefit": int(best_no.min()) if best_no.notna().any() else None,
                "study_ids": tuple(group["study_id"]),
                "top_patients_benefit": patients_once(studies.loc[top_yes]),
                "top_patients_no_benefit": patients_once(studies.loc[top_no]),
                "top_n_benefit": len(top_yes),
            }
        )
    counts = pd.DataFrame(
        rows,
        columns=[
            "condition",
            "benefit",
            "n_benefit",
            "n_no_benefit",
            "patients",
            "patients_benefit",
            "best_rank",
            "best_rank_benefit",
            "best_rank_no_benefit",
            "study_ids",
            "top_patients_benefit",
            "top_patients_no_benefit",
            "top_n_benefit",
        ],
    )
    cells = cells.merge(counts, on=["condition", "benefit"], how="left")
    for col in (
        "n_benefit",
        "n_no_benefit",
        "patients",
        "patients_benefit",
        "top_patients_benefit",
        "top_patients_no_benefit",
        "top_n_benefit",
    ):
        cells[col] = cells[col].fillna(0).astype("int64")
    cells["study_ids"] = cells["study_ids"].apply(lambda v: v if isinstance(v, tuple) else ())
    cells["state"] = cells.apply(_cell_state, axis=1)
    # Mixed: some studies found the benefit and others measured it without finding it.
    cells["mixed"] = (cells["n_benefit"] > 0) & (cells["n_no_benefit"] > 0)
    design_label = evidence.vocab["designs"].set_index(evidence.vocab["designs"]["rank"].astype(int))["label"]
    cells["best_design"] = cells["best_rank"].map(lambda r: design_label.get(int(r), "") if pd.notna(r) else "")
    return cells


def benefit_matrix_table(evidence: Evidence, cells: pd.DataFrame) -> pd.DataFrame:
    """The evidence map as a readable table (one row per measured cell)."""
    measured = cells[cells["state"] != NOT_MEASURED]
    return pd.DataFrame(
        {
            "Condition": measured["condition"].map(lambda c: evidence.label("conditions", c)),
            "Benefit": measured["benefit"].map(lambda b: evidence.label("benefits", b)),
            "Finding": measured["state"].map(STATE_LABELS),
            "Studies with benefit": measured["n_benefit"],
            "Studies without benefit": measured["n_no_benefit"],
            "Patients (each cohort once)": measured["patients"],
            "Best design": measured["best_design"],
        }
    ).reset_index(drop=True)
