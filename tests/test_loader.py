"""The loader: reads the fixture, and names file, row, column and value for each kind of problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.evidence.loader import EvidenceError, load_evidence
from tests.conftest import replace_in


def problems_of(data_dir: Path) -> list:
    with pytest.raises(EvidenceError) as info:
        load_evidence(data_dir)
    return info.value.problems


def test_fixture_loads_with_types(mini):
    studies = mini.studies
    assert len(studies) == 6
    assert str(studies["n_msc"].dtype) == "Int64"
    assert studies.loc["sle-alpha-2010", "dose_per_kg"] == 1e6
    # ids stay strings: a PMID is never turned into a number
    assert studies.loc["sle-alpha-2010", "pmid"] == "1000001"


def test_follow_up_joins_parent_cohort(mini):
    assert mini.studies.loc["sle-delta-2014", "cohort_id"] == "sle-alpha-2010"
    assert mini.studies.loc["ra-epsilon-2013", "cohort_id"] == "ra-epsilon-2013"


def test_outcomes_know_their_benefit(mini):
    row = mini.outcomes[mini.outcomes["measure"] == "das28"].iloc[0]
    assert row["benefit"] == "reduced_disease_activity"
    assert bool(row["lower_is_better"]) is True


def test_sub_condition_rolls_up(mini):
    assert mini.studies.loc["ln-gamma-2017", "condition_group"] == "sle"


@pytest.mark.parametrize(
    ("file", "old", "new", "expect"),
    [
        # missing column
        (
            "studies.csv",
            "study_id,condition,",
            "study_id,",
            ("studies.csv", 0, "condition", "", "missing"),
        ),
        # unknown vocabulary id
        (
            "studies.csv",
            "sle-alpha-2010,sle,",
            "sle-alpha-2010,lupus_of_mars,",
            ("studies.csv", 1, "condition", "lupus_of_mars", "conditions vocabulary"),
        ),
        # duplicate id
        (
            "studies.csv",
            "ssc-eta-2022,",
            "ssc-zeta-2016,",
            ("studies.csv", 6, "study_id", "ssc-zeta-2016", "duplicate key"),
        ),
        # broken reference between tables
        (
            "outcomes.csv",
            "ra-epsilon-2013,das28",
            "ra-nobody-2013,das28",
            ("outcomes.csv", 5, "study_id", "ra-nobody-2013", "does not match"),
        ),
        # bad number
        (
            "studies.csv",
            ",1e6,",
            ",one million,",
            ("studies.csv", 1, "dose_per_kg", "one million", "not a number"),
        ),
        # wrong type: a year that is not a year
        (
            "studies.csv",
            ",2010,",
            ",20x0,",
            ("studies.csv", 1, "year", "20x0", "not a year"),
        ),
        # out of range
        (
            "studies.csv",
            ",2022,",
            ",1890,",
            ("studies.csv", 6, "year", "1890", "below the minimum"),
        ),
        # required value empty
        (
            "studies.csv",
            "Activity fell.",
            "",
            ("studies.csv", 1, "summary", "", "required"),
        ),
        # non-https source
        (
            "studies.csv",
            "https://example.org/fixture",
            "javascript:alert(1)",
            ("studies.csv", 1, "source_url", "javascript:alert(1)", "https"),
        ),
        # malformed DOI
        (
            "studies.csv",
            "10.1000/fx.2",
            "doi:10.1000/fx.2",
            ("studies.csv", 2, "doi", "doi:10.1000/fx.2", "DOI"),
        ),
        # responders above n
        (
            "outcomes.csv",
            ",9,",
            ",19,",
            ("outcomes.csv", 2, "responders", "19", "more than n"),
        ),
        # enum value not allowed
        (
            "outcomes.csv",
            "improved,better",
            "improved,much_better",
            ("outcomes.csv", 5, "vs_control", "much_better", "allowed values"),
        ),
        # unknown column
        (
            "claims.csv",
            "claim_id,claim,",
            "claim_id,claim,colour,",
            ("claims.csv", 0, "colour", "colour", "not in the data dictionary"),
        ),
        # broken vocabulary reference
        (
            "vocabularies/measures.yaml",
            "benefit: reduced_skin_fibrosis",
            "benefit: softer_skin",
            ("vocabularies/measures.yaml", 5, "benefit", "softer_skin", "id in benefits"),
        ),
    ],
)
def test_each_problem_names_file_row_column_value(dataset_copy, file, old, new, expect):
    replace_in(dataset_copy / file, old, new)
    problems = problems_of(dataset_copy)
    want_file, want_row, want_col, want_value, want_words = expect
    matching = [
        p
        for p in problems
        if p.file == want_file and p.row == want_row and p.column == want_col and p.value == want_value
    ]
    assert matching, "\n".join(str(p) for p in problems)
    assert want_words in matching[0].message
    # The one-line form names everything a curator needs.
    line = str(matching[0])
    assert want_file in line and f"row {want_row}" in line and want_col in line


def test_missing_file_is_reported(dataset_copy):
    (dataset_copy / "mechanisms.csv").unlink()
    problems = problems_of(dataset_copy)
    assert any(p.file == "mechanisms.csv" and "missing" in p.message for p in problems)


def test_follow_up_loop_is_reported(dataset_copy):
    # alpha -> delta -> alpha
    replace_in(
        dataset_copy / "studies.csv",
        "sle-alpha-2010,sle,refractory SLE,,",
        "sle-alpha-2010,sle,refractory SLE,sle-delta-2014,",
    )
    problems = problems_of(dataset_copy)
    assert any(p.column == "parent_study_id" and "loop" in p.message for p in problems)


def test_study_without_pmid_or_doi_is_reported(dataset_copy):
    replace_in(dataset_copy / "studies.csv", ",1000001,", ",,")
    problems = problems_of(dataset_copy)
    assert any(p.row == 1 and p.column == "pmid" and "PMID, a DOI, or its full citation" in p.message for p in problems)


def test_study_identified_by_its_full_citation_alone_is_admitted(dataset_copy):
    # Journal, volume and first page with the year identify a paper no readable page gives a PMID for.
    replace_in(
        dataset_copy / "studies.csv",
        ",2010,Fixture J,,,Marrow cells in lupus,1000001,",
        ",2010,Fixture J,69(8),1423-9,Marrow cells in lupus,,",
    )
    evidence = load_evidence(dataset_copy)
    assert evidence.studies.at["sle-alpha-2010", "pmid"] == ""


def test_a_citation_without_its_volume_does_not_identify_a_study(dataset_copy):
    replace_in(
        dataset_copy / "studies.csv",
        ",2010,Fixture J,,,Marrow cells in lupus,1000001,",
        ",2010,Fixture J,,1423-9,Marrow cells in lupus,,",
    )
    assert any(p.column == "pmid" for p in problems_of(dataset_copy))


def test_same_pmid_twice_is_reported(dataset_copy):
    replace_in(dataset_copy / "studies.csv", ",1000003,", ",1000001,")
    problems = problems_of(dataset_copy)
    assert any(p.column == "pmid" and p.value == "1000001" and "twice" in p.message for p in problems)


def test_many_problems_are_summarised_not_flooded(dataset_copy):
    path = dataset_copy / "mechanisms.csv"
    header, first = path.read_text().splitlines()[:2]
    rows = [first.replace("treg,up", "treg,sideways").replace(",3,", f",{i},") for i in range(200)]
    path.write_text("\n".join([header, *rows]) + "\n")
    problems = problems_of(dataset_copy)
    about_direction = [p for p in problems if p.column == "direction"]
    assert len(about_direction) <= 26
    assert any("more rows" in p.message for p in about_direction)
