"""The findings behind the Compare and Safety pages, number by number on the mini fixture.

Where a rule needs rows the shared fixture lacks, the test edits its own copy (tests/findings_support).
"""

from __future__ import annotations

import math

import pytest
from statsmodels.stats.proportion import proportion_confint

from components.analysis import compare, safety
from components.analysis.filters import StudyFilter, apply_filter
from components.evidence.loader import load_evidence
from tests.conftest import replace_in
from tests.findings_support import (
    ALPHA,
    DELTA,
    EPSILON,
    ETA,
    GAMMA,
    LN,
    RA,
    SLE,
    SSC,
    ZETA,
    add_row,
    report_no_events,
    studies_of,
)

# ---------------------------------------------------------------------------------------------
# Compare


@pytest.mark.parametrize(
    ("by", "group", "expected"),
    [
        ("condition", SLE, {ALPHA, GAMMA, DELTA}),  # SLE includes lupus nephritis
        ("condition", LN, {GAMMA}),
        ("condition", SSC, {ZETA, ETA}),
        ("cell_source", "umbilical_cord", {GAMMA, EPSILON}),
        ("route", "local_injection", {ZETA, ETA}),
    ],
)
def test_group_studies(mini, by, group, expected):
    groups = compare.group_studies(mini, mini.studies, by, [group])
    assert set(groups[group].index) == expected


def test_condition_groups_overlap_where_one_contains_the_other(mini):
    groups = compare.group_studies(mini, mini.studies, "condition", [SLE, LN])
    assert set(groups[SLE].index) & set(groups[LN].index) == {GAMMA}


def test_group_studies_follow_the_selection(mini):
    randomised = apply_filter(mini, StudyFilter(designs=("rct",)))
    groups = compare.group_studies(mini, randomised, "condition", [SLE, SSC])
    assert {g: set(s.index) for g, s in groups.items()} == {SLE: {GAMMA}, SSC: {ETA}}


@pytest.mark.parametrize(
    ("group", "studies", "patients", "randomised"),
    [
        (SLE, 3, 22, 1),  # alpha (10) and its follow-up delta (8) are one cohort: 10 + 12
        (SSC, 2, 32, 1),
        (RA, 1, 20, 0),
    ],
)
def test_group_sizes(mini, group, studies, patients, randomised):
    sizes = compare.group_sizes(compare.group_studies(mini, mini.studies, "condition", [SLE, SSC, RA]))
    row = sizes.set_index("group").loc[group]
    assert (row["studies"], row["patients"], row["randomised"]) == (studies, patients, randomised)


@pytest.mark.parametrize(
    ("group", "benefit", "measured", "found", "share_studies", "patients_found", "share_patients"),
    [
        (SLE, "reduced_disease_activity", 2, 2, 2 / 3, 10, 10 / 22),
        (SLE, "reduced_proteinuria", 1, 0, 0.0, 0, 0.0),  # the RCT: no better than placebo
        (SLE, "improved_renal_function", 1, 0, 0.0, 0, 0.0),
        (SSC, "pain_relief", 2, 1, 1 / 2, 12, 12 / 32),
        (SSC, "reduced_skin_fibrosis", 2, 1, 1 / 2, 12, 12 / 32),
        (RA, "reduced_disease_activity", 1, 1, 1.0, 20, 1.0),
    ],
)
def test_benefit_shares(mini, group, benefit, measured, found, share_studies, patients_found, share_patients):
    groups = compare.group_studies(mini, mini.studies, "condition", [SLE, SSC, RA])
    shares = compare.benefit_shares(mini, groups).set_index(["group", "benefit"])
    row = shares.loc[(group, benefit)]
    assert (row["studies_measured"], row["studies_benefit"], row["patients_benefit"]) == (
        measured,
        found,
        patients_found,
    )
    assert row["share_studies"] == pytest.approx(share_studies)
    assert row["share_patients"] == pytest.approx(share_patients)


def test_benefit_shares_have_no_row_for_a_benefit_nobody_measured(mini):
    groups = compare.group_studies(mini, mini.studies, "condition", [RA])
    shares = compare.benefit_shares(mini, groups)
    assert list(shares["benefit"]) == ["reduced_disease_activity"]


def test_target_moves(mini):
    groups = compare.group_studies(mini, mini.studies, "condition", [SLE, SSC, RA])
    moves = compare.target_moves(mini, groups)
    assert set(moves.itertuples(index=False, name=None)) == {
        (SLE, "th17", "down", 1),
        (SLE, "treg", "up", 1),
        (RA, "il6", "down", 1),
    }  # no systemic sclerosis study measured a target


def test_target_moves_count_studies_not_rows(dataset_copy):
    mechanisms_file = dataset_copy / "mechanisms.csv"
    # The same change at a second time point, and the same change in the follow-up report.
    add_row(
        mechanisms_file,
        study_id=ALPHA,
        target="treg",
        direction="up",
        contrast="after_vs_before",
        timepoint="6",
        timepoint_unit="months",
    )
    add_row(
        mechanisms_file,
        study_id=DELTA,
        target="treg",
        direction="up",
        contrast="after_vs_before",
        timepoint="48",
        timepoint_unit="months",
    )
    ev = load_evidence(dataset_copy)
    moves = compare.target_moves(ev, compare.group_studies(ev, ev.studies, "condition", [SLE]))
    assert moves.set_index(["target", "direction"]).at[("treg", "up"), "studies"] == 2


@pytest.mark.parametrize("column", ["design", "cell_source", "donor", "route", "phase"])
def test_mix_shares_sum_to_one_per_group(mini, column):
    groups = compare.group_studies(mini, mini.studies, "condition", [SLE, SSC, RA])
    mix = compare.mix(groups, column)
    assert mix.groupby("group")["share"].sum().to_dict() == pytest.approx({SLE: 1.0, SSC: 1.0, RA: 1.0})
    assert mix.groupby("group")["studies"].sum().to_dict() == {SLE: 3, SSC: 2, RA: 1}


@pytest.mark.parametrize(
    ("column", "value", "studies", "patients"),
    [
        ("design", "single_arm", 2, 10),  # alpha and its follow-up: one cohort of 10
        ("design", "rct", 1, 12),
        ("phase", "not reported", 2, 10),  # an empty value is named, not dropped
        ("phase", "2", 1, 12),
    ],
)
def test_mix_of_the_sle_group(mini, column, value, studies, patients):
    mix = compare.mix(compare.group_studies(mini, mini.studies, "condition", [SLE]), column).set_index("value")
    assert (mix.at[value, "studies"], mix.at[value, "patients"]) == (studies, patients)


def test_doses_list_each_study_with_a_per_kg_dose(mini):
    doses = compare.doses(mini, compare.group_studies(mini, mini.studies, "condition", [SLE, SSC, RA]))
    assert set(doses[["group", "study_id", "dose_per_kg"]].itertuples(index=False, name=None)) == {
        (SLE, ALPHA, 1e6),
        (RA, EPSILON, 4e7),
    }


@pytest.mark.parametrize(
    ("events", "total", "low", "high"),
    [
        (0, 10, 0.0, 0.2775),
        (5, 10, 0.2366, 0.7634),
        (10, 10, 0.7225, 1.0),
        (1, 12, 0.0149, 0.3539),
        (3, 200, 0.0051, 0.0432),
    ],
)
def test_wilson_interval_known_values(events, total, low, high):
    assert compare.wilson_interval(events, total) == pytest.approx((low, high), abs=5e-5)
    # The same interval as statsmodels' independent implementation.
    assert compare.wilson_interval(events, total) == pytest.approx(
        proportion_confint(events, total, alpha=0.05, method="wilson"), abs=1e-7
    )


def test_wilson_interval_of_nobody_treated_is_unknown():
    assert all(math.isnan(x) for x in compare.wilson_interval(0, 0))


@pytest.mark.parametrize(
    ("group", "kind", "affected", "treated", "reporting"),
    [
        (SLE, "serious", 1, 12, 1),  # the lupus nephritis RCT's death; the other SLE studies did not report
        (SLE, "non-serious", 0, 12, 1),
        (SSC, "serious", 0, 12, 1),  # ssc-zeta reported none; ssc-eta did not report at all
        (RA, "serious", 0, 0, 0),
    ],
)
def test_adverse_event_rates(mini, group, kind, affected, treated, reporting):
    groups = compare.group_studies(mini, mini.studies, "condition", [SLE, SSC, RA])
    rates = compare.adverse_event_rates(mini, groups).set_index(["group", "kind"])
    row = rates.loc[(group, kind)]
    assert (row["patients_affected"], row["patients_treated"], row["studies_reporting"]) == (
        affected,
        treated,
        reporting,
    )
    if treated:
        assert row["rate"] == pytest.approx(affected / treated)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(compare.wilson_interval(affected, treated))
    else:
        assert math.isnan(row["rate"]) and math.isnan(row["ci_low"])


def test_adverse_event_rates_count_a_cohort_once(dataset_copy):
    for study in (ALPHA, DELTA):  # the original report and its follow-up both say: nothing happened
        report_no_events(dataset_copy, study)
    ev = load_evidence(dataset_copy)
    rates = compare.adverse_event_rates(ev, compare.group_studies(ev, ev.studies, "condition", [SLE]))
    assert set(rates["patients_treated"]) == {10 + 12}  # alpha's cohort once, plus the RCT


# ---------------------------------------------------------------------------------------------
# Safety


@pytest.mark.parametrize(
    ("by", "group", "expected"),
    [
        (
            "condition",
            LN,
            {"studies_reporting": 1, "patients_treated": 12, "serious": 1, "related_serious": 0, "deaths": 1},
        ),
        (
            "condition",
            SSC,
            {"studies_reporting": 1, "patients_treated": 12, "serious": 0, "non_serious": 0, "deaths": 0},
        ),
        ("cell_source", "umbilical_cord", {"patients_treated": 12, "serious": 1, "serious_ci": "1.5–35.4"}),
        ("cell_source", "adipose_svf", {"patients_treated": 12, "serious": 0, "serious_ci": "0.0–24.2"}),
        ("route", "intravenous", {"studies_reporting": 1, "deaths": 1, "deaths_per_100": 100 / 12}),
    ],
)
def test_rates_by(mini, by, group, expected):
    rates = safety.rates_by(mini, mini.studies, by).set_index("group")
    row = rates.loc[group]
    assert {key: row[key] for key in expected} == pytest.approx(expected)


@pytest.mark.parametrize(
    ("by", "groups"),
    [
        ("condition", {LN, SSC}),  # only studies that reported on adverse events form a group
        ("cell_source", {"umbilical_cord", "adipose_svf"}),
        ("route", {"intravenous", "local_injection"}),
    ],
)
def test_rates_by_groups(mini, by, groups):
    assert set(safety.rates_by(mini, mini.studies, by)["group"]) == groups


def test_rates_count_related_serious_events(dataset_copy):
    replace_in(dataset_copy / "adverse_events.csv", "death,msc,1,yes,no", "death,msc,1,yes,possibly")
    ev = load_evidence(dataset_copy)
    row = safety.rates_by(ev, ev.studies, "condition").set_index("group").loc[LN]
    assert (row["related_serious"], row["related_serious_ci"]) == (1, "1.5–35.4")


def test_rates_by_count_a_cohort_once(dataset_copy):
    for study in (ALPHA, DELTA):
        report_no_events(dataset_copy, study)
    ev = load_evidence(dataset_copy)
    assert safety.rates_by(ev, ev.studies, "condition").set_index("group").at[SLE, "patients_treated"] == 10


def test_serious_events(mini):
    events = safety.serious_events(mini, mini.studies)
    assert list(zip(events["study_id"], events["event"], strict=True)) == [(GAMMA, "death from pneumonia")]
    assert safety.serious_events(mini, studies_of(mini, SSC)).empty  # "none reported" is not an event


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (LN, (1, 12, 0, 0, 1, 0, 1)),
        (SLE, (2, 10, 2, 10, 0, 0, 0)),  # alpha and its follow-up: one cohort
        (RA, (1, 20, 1, 20, 0, 0, 0)),
        (SSC, (2, 32, 1, 12, 0, 0, 0)),
    ],
)
def test_benefit_and_harm(mini, condition, expected):
    row = safety.benefit_and_harm(mini, mini.studies).set_index("condition").loc[condition]
    columns = [
        "studies",
        "patients",
        "studies_with_clinical_benefit",
        "patients_in_studies_with_benefit",
        "patients_with_serious_events",
        "patients_with_related_serious_events",
        "deaths",
    ]
    assert tuple(row[columns]) == expected


def test_benefit_and_harm_of_an_empty_selection(mini):
    assert safety.benefit_and_harm(mini, mini.studies.iloc[0:0]).empty
