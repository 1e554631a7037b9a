"""Counting the evidence: headline numbers and the condition x benefit evidence map.

Patients are counted once per cohort: a follow-up report (with a `parent_study_id`) belongs to
its parent's cohort, and a cohort contributes the largest patient count among its reports in
the current selection, never the sum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from components.analysis.memo import PER_SELECTION, per_evidence
from components.analysis.tables import study_label
from components.evidence.derived import BENEFIT, NO_BENEFIT, NOT_MEASURED, STATE_LABELS
from components.evidence.loader import Evidence

__all__ = ["BENEFIT", "NOT_MEASURED", "NO_BENEFIT", "STATE_LABELS"]  # re-exported for the views


def patients_once(studies: pd.DataFrame) -> int:
    """Patients treated with MSC, counting each cohort once."""
    if studies.empty:
        return 0
    cohorts = pd.factorize(studies["cohort_id"], use_na_sentinel=False)[0]
    n = studies["n_msc"].astype("float64").fillna(0).to_numpy()
    return int(patients_per_cell(np.zeros(len(cohorts), dtype="int64"), cohorts, n, 1)[0])


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
    """The benefit states of the chosen studies (see evidence.derived.benefit_states)."""
    states = evidence.benefit_states
    if len(studies) == len(evidence.studies):
        return states
    # Positions, not string matching: a boolean lookup stays fast at 100k studies.
    chosen = np.zeros(len(evidence.studies) + 1, dtype=bool)
    chosen[evidence.studies.index.get_indexer(studies.index)] = True
    return states[chosen[states["study_pos"].to_numpy()]]


def patients_per_cell(cell: np.ndarray, cohort: np.ndarray, n: np.ndarray, n_cells: int) -> np.ndarray:
    """Patients per cell, each cohort counted once (its largest report in the cell).

    Plain numpy (one sort) rather than a pandas group-by: it is called several times per map."""
    if len(cell) == 0:
        return np.zeros(n_cells, dtype="int64")
    stride = int(cohort.max()) + 1
    pairs, which = np.unique(cell.astype("int64") * stride + cohort, return_inverse=True)
    largest = np.zeros(len(pairs))
    np.maximum.at(largest, which, n)  # patient counts are never negative
    return np.bincount(pairs // stride, weights=largest, minlength=n_cells).astype("int64")


def _per_cell_min(cell: np.ndarray, values: np.ndarray, n_cells: int) -> np.ndarray:
    best = np.full(n_cells, np.inf)
    np.minimum.at(best, cell, values)
    return np.where(np.isinf(best), np.nan, best)


@per_evidence(maxsize=PER_SELECTION)
def evidence_map(evidence: Evidence, studies: pd.DataFrame) -> pd.DataFrame:
    """Condition x benefit cells with their state, study counts, patients and best design.

    Every pair of a condition present in `studies` and a benefit in the vocabulary is a row, so
    'not measured' gaps are explicit. Computed on integer cell codes with numpy, so the cost grows
    with the outcome rows and stays small at 100k studies.
    """
    states = study_benefit_states(evidence, studies)
    conditions = [c for c in evidence.vocab["conditions"].index if c in set(studies["condition"].unique())]
    benefits = list(evidence.vocab["benefits"].index)
    n_cells = len(conditions) * len(benefits)
    cells = pd.MultiIndex.from_product([conditions, benefits], names=["condition", "benefit"]).to_frame(index=False)

    condition_of = studies["condition"].reindex(states["study_id"]).to_numpy()
    c_code = pd.Categorical(condition_of, categories=conditions).codes
    b_code = pd.Categorical(states["benefit"], categories=benefits).codes
    keep = (c_code >= 0) & (b_code >= 0)
    cell = (c_code.astype("int64") * len(benefits) + b_code)[keep]
    ids = states["study_id"].to_numpy()[keep]
    found = (states["state"].to_numpy() == BENEFIT)[keep]
    rank = studies["evidence_rank"].reindex(ids).astype("float64").fillna(np.inf).to_numpy()
    n = studies["n_msc"].reindex(ids).astype("float64").fillna(0).to_numpy()
    cohort = pd.factorize(studies["cohort_id"].reindex(ids).to_numpy())[0]

    cells["n_benefit"] = np.bincount(cell[found], minlength=n_cells)
    cells["n_no_benefit"] = np.bincount(cell[~found], minlength=n_cells)
    cells["patients"] = patients_per_cell(cell, cohort, n, n_cells)
    cells["patients_benefit"] = patients_per_cell(cell[found], cohort[found], n[found], n_cells)
    best = _per_cell_min(cell, rank, n_cells)
    cells["best_rank"] = best
    cells["best_rank_benefit"] = _per_cell_min(cell[found], rank[found], n_cells)
    cells["best_rank_no_benefit"] = _per_cell_min(cell[~found], rank[~found], n_cells)
    # The strongest studies behind each cell, and what they found (patients, each cohort once).
    top = rank == best[cell]
    yes, no = top & found, top & ~found
    cells["top_n_benefit"] = np.bincount(cell[yes], minlength=n_cells)
    cells["top_patients_benefit"] = patients_per_cell(cell[yes], cohort[yes], n[yes], n_cells)
    cells["top_patients_no_benefit"] = patients_per_cell(cell[no], cohort[no], n[no], n_cells)
    cells["state"] = [
        _state(*values)
        for values in zip(
            cells["n_benefit"],
            cells["n_no_benefit"],
            cells["top_n_benefit"],
            cells["top_patients_benefit"],
            cells["top_patients_no_benefit"],
            strict=False,
        )
    ]
    # Mixed: some studies found the benefit and others measured it without finding it.
    cells["mixed"] = (cells["n_benefit"] > 0) & (cells["n_no_benefit"] > 0)
    design_label = evidence.vocab["designs"].set_index(evidence.vocab["designs"]["rank"].astype(int))["label"]
    cells["best_design"] = cells["best_rank"].map(lambda r: design_label.get(int(r), "") if pd.notna(r) else "")
    return cells


def cell_studies(evidence: Evidence, studies: pd.DataFrame, condition: str, benefit: str) -> list[str]:
    """The studies behind one evidence-map cell (those that measured the benefit in that condition)."""
    states = study_benefit_states(evidence, studies[studies["condition"] == condition])
    return list(dict.fromkeys(states.loc[states["benefit"] == benefit, "study_id"]))


def _state(n_benefit: int, n_no: int, top_n_benefit: int, top_patients_benefit: int, top_patients_no: int) -> str:
    """The finding of a cell follows its best design: what the strongest studies that measured
    the benefit found. Where those strongest studies disagree, the side with more patients wins,
    and a tie counts as no benefit (the cautious reading)."""
    if n_benefit + n_no == 0:
        return NOT_MEASURED
    if top_n_benefit == 0:
        return NO_BENEFIT
    if top_patients_benefit > top_patients_no:
        return BENEFIT
    return NO_BENEFIT if top_patients_no > 0 else BENEFIT


@per_evidence(maxsize=PER_SELECTION)
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


LARGEST_SHARE = 0.25  # a single cohort above this share of the patients is named in the headline


@per_evidence(maxsize=PER_SELECTION)
def overview_sentences(evidence: Evidence, studies: pd.DataFrame) -> tuple[str, ...]:
    """The answer above the evidence map, in words and numbers: how much evidence, of which kind,
    which cell products, and whether one study dominates the patient count."""
    if studies.empty:
        return ()
    numbers = headline_numbers(studies)
    uncontrolled = studies[~studies["controlled"]]
    sentences = [
        f"{numbers.studies} {'study' if numbers.studies == 1 else 'studies'} in {numbers.conditions} "
        f"{'condition' if numbers.conditions == 1 else 'conditions'} treated {numbers.patients:,} patients with MSC "
        f"(each cohort counted once); {numbers.randomised} {'was a randomised trial' if numbers.randomised == 1 else 'were randomised trials'}.",
        f"{len(uncontrolled)} of them ({patients_once(uncontrolled):,} patients) had no control group, so their "
        "results cannot be told apart from the natural course of the disease.",
    ]
    cultured = studies[studies["product"] == "cultured_msc"]
    stromal = studies[studies["product"] == "stromal_product"]
    other = len(studies) - len(cultured) - len(stromal)
    product = (
        f"{len(cultured)} used culture-expanded MSC ({patients_once(cultured):,} patients) and {len(stromal)} "
        f"minimally manipulated stromal products such as fat grafts, SVF or marrow concentrate ({patients_once(stromal):,} patients)"
    )
    sentences.append(product + (f"; {other} did not say which." if other else "."))
    if numbers.patients:
        cohorts = studies.groupby("cohort_id")["n_msc"].max().sort_values(ascending=False)
        top, size = cohorts.index[0], cohorts.iloc[0]
        if pd.notna(size) and size / numbers.patients > LARGEST_SHARE:
            lead = studies[studies["cohort_id"] == top].sort_values("n_msc", ascending=False).iloc[0]
            sentences.append(
                f"One study, {study_label(lead)} ({evidence.label('designs', lead['design']).lower()}), contributes "
                f"{int(size):,} of these {numbers.patients:,} patients ({size / numbers.patients:.0%})."
            )
    return tuple(sentences)
