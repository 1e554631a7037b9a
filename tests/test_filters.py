"""Filters on the fixture: each filter keeps exactly the studies it should, and says so in words."""

from __future__ import annotations

import pytest

from components.analysis.filters import StudyFilter, apply_filter, describe_filter, headline


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (
            StudyFilter(),
            {"sle-alpha-2010", "ln-gamma-2017", "sle-delta-2014", "ra-epsilon-2013", "ssc-zeta-2016", "ssc-eta-2022"},
        ),
        # SLE includes its sub-condition lupus nephritis
        (StudyFilter(conditions=("sle",)), {"sle-alpha-2010", "ln-gamma-2017", "sle-delta-2014"}),
        (StudyFilter(conditions=("lupus_nephritis",)), {"ln-gamma-2017"}),
        (StudyFilter(designs=("rct",)), {"ln-gamma-2017", "ssc-eta-2022"}),
        (StudyFilter(cell_sources=("adipose_svf",)), {"ssc-zeta-2016", "ssc-eta-2022"}),
        (StudyFilter(donors=("autologous",)), {"ssc-zeta-2016", "ssc-eta-2022"}),
        (StudyFilter(routes=("local_injection",)), {"ssc-zeta-2016", "ssc-eta-2022"}),
        (StudyFilter(phases=("2",)), {"ln-gamma-2017", "ssc-eta-2022"}),
        (StudyFilter(year_min=2014), {"ln-gamma-2017", "sle-delta-2014", "ssc-zeta-2016", "ssc-eta-2022"}),
        (StudyFilter(year_max=2013), {"sle-alpha-2010", "ra-epsilon-2013"}),
        (StudyFilter(min_patients=15), {"ra-epsilon-2013", "ssc-eta-2022"}),
        (StudyFilter(targets=("treg",)), {"sle-alpha-2010"}),
        (StudyFilter(targets=("il6", "th17")), {"sle-alpha-2010", "ra-epsilon-2013"}),
        # benefit = an outcome of that benefit improved
        (StudyFilter(benefits=("reduced_skin_fibrosis",)), {"ssc-zeta-2016"}),
        (StudyFilter(text="FOLLOW-UP"), {"sle-delta-2014"}),
        (StudyFilter(text="1000005"), {"ssc-zeta-2016"}),
        # plain substring: regex characters mean themselves
        (StudyFilter(text="(.*)"), set()),
        (StudyFilter(conditions=("systemic_sclerosis",), designs=("rct",)), {"ssc-eta-2022"}),
        (StudyFilter(conditions=("rheumatoid_arthritis",), designs=("rct",)), set()),
    ],
)
def test_filter_keeps_the_right_studies(mini, selection, expected):
    assert set(apply_filter(mini, selection)["study_id"]) == expected


def test_filters_are_described_in_plain_words(mini):
    selection = StudyFilter(conditions=("sle", "systemic_sclerosis"), designs=("rct",), year_min=2012, min_patients=10)
    words = describe_filter(mini, selection)
    assert words == [
        "condition is Systemic lupus erythematosus or Systemic sclerosis",
        "design is Randomised controlled trial",
        "published in or after 2012",
        "at least 10 patients on MSC",
    ]


def test_headline_counts_n_of_m(mini):
    selection = StudyFilter(designs=("rct",))
    text = headline(mini, apply_filter(mini, selection), selection)
    assert text == "2 of 6 studies where design is Randomised controlled trial"
    assert headline(mini, mini.studies, StudyFilter()) == "6 of 6 studies (no filters)"
