"""The Mechanisms page's links between immune targets and benefits, on the mini fixture.

Where a rule needs rows the shared fixture lacks, the test edits its own copy (tests/findings_support).
"""

from __future__ import annotations

import pytest

from components.analysis import mechanisms
from components.evidence.loader import Evidence, load_evidence
from tests.findings_support import (
    ALPHA,
    DELTA,
    EPSILON,
    ETA,
    RA,
    SLE,
    SSC,
    ZETA,
    add_row,
    copy_mini,
    studies_of,
)

# ---------------------------------------------------------------------------------------------
# Mechanisms


def test_target_benefit_links(mini):
    links = mechanisms.target_benefit_links(mini, mini.studies)
    assert list(links.columns) == ["condition", "target", "direction", "benefit", "study_id"]
    assert set(links.itertuples(index=False, name=None)) == {
        (SLE, "treg", "up", "reduced_disease_activity", ALPHA),
        (SLE, "th17", "down", "reduced_disease_activity", ALPHA),
        (RA, "il6", "down", "reduced_disease_activity", EPSILON),
    }


def test_target_benefit_links_follow_the_selection(mini):
    links = mechanisms.target_benefit_links(mini, studies_of(mini, RA))
    assert set(links["study_id"]) == {EPSILON}


@pytest.fixture(scope="module")
def more_mechanisms(tmp_path_factory) -> Evidence:
    """Targets in studies without a clinical benefit, an unchanged target, and a laboratory benefit."""
    data = copy_mini(tmp_path_factory.mktemp("mechanisms") / "data")
    mech = data / "mechanisms.csv"
    add_row(
        mech, study_id=ZETA, target="il6", direction="no_change", contrast="after_vs_before"
    )  # zeta found clinical benefits
    add_row(
        mech, study_id=ETA, target="treg", direction="up", contrast="after_vs_before"
    )  # eta found no clinical benefit...
    add_row(mech, study_id=DELTA, target="treg", direction="up", contrast="after_vs_before")
    with (data / "vocabularies" / "benefits.yaml").open("a", encoding="utf-8") as handle:
        handle.write("- {id: fewer_autoantibodies, label: Fewer autoantibodies, kind: laboratory, description: Lab.}\n")
    with (data / "vocabularies" / "measures.yaml").open("a", encoding="utf-8") as handle:
        handle.write(
            "- {id: anti_dsdna, label: Anti-dsDNA, benefit: fewer_autoantibodies, unit: IU/mL, "
            "lower_is_better: true, kind: continuous, description: Autoantibody.}\n"
        )
    add_row(
        data / "outcomes.csv",
        study_id=ETA,
        measure="anti_dsdna",
        timepoint="3",
        timepoint_unit="months",
        direction="improved",
    )
    return load_evidence(data)  # ...but a laboratory one


def test_links_leave_out_unchanged_targets_and_count_laboratory_benefits(more_mechanisms):
    links = mechanisms.target_benefit_links(more_mechanisms, more_mechanisms.studies)
    assert (ZETA, "il6") not in set(zip(links["study_id"], links["target"], strict=True))
    assert (ETA, "treg", "fewer_autoantibodies") in set(
        zip(links["study_id"], links["target"], links["benefit"], strict=True)
    )


def test_sankey_table_counts_studies(more_mechanisms):
    first, second = mechanisms.sankey_table(mechanisms.target_benefit_links(more_mechanisms, more_mechanisms.studies))
    first = first.set_index(["condition", "target", "direction"])["studies"].to_dict()
    second = second.set_index(["target", "direction", "benefit"])["studies"].to_dict()
    assert first[(SLE, "treg", "up")] == 2  # alpha and its follow-up delta
    assert first[(SSC, "treg", "up")] == 1
    assert second[("treg", "up", "reduced_disease_activity")] == 2
    assert second[("treg", "up", "fewer_autoantibodies")] == 1


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("treg", [(SLE, "up", 1, 1, (ALPHA,))]),
        ("th17", [(SLE, "down", 1, 1, (ALPHA,))]),
        ("il6", [(RA, "down", 1, 1, (EPSILON,))]),
    ],
)
def test_target_pivot_on_the_fixture(mini, target, expected):
    pivot = mechanisms.target_pivot(mini, mini.studies, target)
    assert list(pivot.itertuples(index=False, name=None)) == expected


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        # eta's only benefit is a laboratory one: it does not count as a clinical benefit
        ("treg", [(SLE, "up", 2, 2, (ALPHA, DELTA)), (SSC, "up", 1, 0, (ETA,))]),
        ("il6", [(RA, "down", 1, 1, (EPSILON,)), (SSC, "no_change", 1, 1, (ZETA,))]),
    ],
)
def test_target_pivot_counts_only_clinical_benefits(more_mechanisms, target, expected):
    pivot = mechanisms.target_pivot(more_mechanisms, more_mechanisms.studies, target)
    assert sorted(pivot.itertuples(index=False, name=None)) == expected


def test_target_pivot_of_an_unmeasured_target_is_empty(mini):
    assert mechanisms.target_pivot(mini, studies_of(mini, SSC), "treg").empty
