"""Headline numbers and the evidence map on the fixture."""

from __future__ import annotations

import pytest

from components.analysis.aggregate import (
    BENEFIT,
    NO_BENEFIT,
    NOT_MEASURED,
    evidence_map,
    headline_numbers,
    patients_once,
)
from components.analysis.filters import StudyFilter, apply_filter


def test_patients_count_each_cohort_once(mini):
    # alpha (10) and its follow-up delta (8) are one cohort: 10, not 18.
    sle = apply_filter(mini, StudyFilter(conditions=("sle",)))
    assert patients_once(sle) == 10 + 12
    # Only the follow-up selected: its own count stands for the cohort.
    assert patients_once(mini.studies.loc[["sle-delta-2014"]]) == 8


def test_headline_numbers(mini):
    numbers = headline_numbers(mini.studies)
    assert (numbers.studies, numbers.cohorts, numbers.conditions, numbers.randomised) == (6, 5, 4, 2)
    assert numbers.patients == 10 + 12 + 20 + 12 + 20


@pytest.mark.parametrize(
    ("condition", "benefit", "state", "n_benefit", "n_no", "patients", "mixed"),
    [
        # single-arm study and its follow-up: benefit, cohort counted once
        ("sle", "reduced_disease_activity", BENEFIT, 2, 0, 10, False),
        # RCT: MSC group improved but no better than placebo -> measured, no benefit
        ("lupus_nephritis", "reduced_proteinuria", NO_BENEFIT, 0, 1, 12, False),
        # controlled and better than control
        ("rheumatoid_arthritis", "reduced_disease_activity", BENEFIT, 1, 0, 20, False),
        # single arm says yes, RCT says no: the RCT governs, and the mark says studies disagree
        ("systemic_sclerosis", "pain_relief", NO_BENEFIT, 1, 1, 32, True),
        ("systemic_sclerosis", "reduced_skin_fibrosis", NO_BENEFIT, 1, 1, 32, True),
        ("rheumatoid_arthritis", "reduced_skin_fibrosis", NOT_MEASURED, 0, 0, 0, False),
    ],
)
def test_evidence_map_cells(mini, condition, benefit, state, n_benefit, n_no, patients, mixed):
    cells = evidence_map(mini, mini.studies)
    cell = cells[(cells["condition"] == condition) & (cells["benefit"] == benefit)].iloc[0]
    assert (cell["state"], cell["n_benefit"], cell["n_no_benefit"], cell["patients"], bool(cell["mixed"])) == (
        state,
        n_benefit,
        n_no,
        patients,
        mixed,
    )


def test_evidence_map_has_every_condition_benefit_pair(mini):
    cells = evidence_map(mini, mini.studies)
    assert len(cells) == 4 * 5
    assert not cells.duplicated(["condition", "benefit"]).any()


def test_best_design_is_named(mini):
    cells = evidence_map(mini, mini.studies)
    cell = cells[(cells["condition"] == "systemic_sclerosis") & (cells["benefit"] == "pain_relief")].iloc[0]
    assert cell["best_design"] == "Randomised controlled trial"


def test_comparison_of_two_msc_regimens_is_not_evidence_against_msc(dataset_copy):
    """A randomised dose comparison (both arms on MSC) finding 'no difference' is not 'no benefit'."""
    from components.evidence.loader import load_evidence
    from tests.conftest import replace_in

    replace_in(dataset_copy / "studies.csv", "placebo,placebo,2", "two infusions versus one,msc_regimen,2")
    ev = load_evidence(dataset_copy)
    assert ev.studies.loc["ln-gamma-2017", "evidence_rank"] == 3  # ranks as single-arm evidence
    cells = evidence_map(ev, ev.studies)
    cell = cells[(cells["condition"] == "lupus_nephritis") & (cells["benefit"] == "reduced_proteinuria")].iloc[0]
    assert cell["state"] == BENEFIT
    assert cell["best_design"] == "Single-arm trial"
