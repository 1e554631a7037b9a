"""The findings behind the Compare, Mechanisms, Claim check, Registered trials, Condition profile,
Safety, Dose and Outcomes pages, checked number by number on the mini fixture.

Where a rule needs rows the shared fixture lacks, the test edits its own copy (tests/findings_support).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from components import claims, compare, mechanisms, profile, response, safety, stats, trials
from components.claims import Tally
from components.filters import StudyFilter, apply_filter
from components.loader import Evidence, load_evidence
from components.outcomes import build_analyses
from tests.conftest import replace_in
from tests.findings_support import add_row, add_sledai_effects, copy_mini, edit_rows

ALPHA, GAMMA, DELTA = "sle-alpha-2010", "ln-gamma-2017", "sle-delta-2014"
EPSILON, ZETA, ETA = "ra-epsilon-2013", "ssc-zeta-2016", "ssc-eta-2022"
SLE, LN, RA, SSC = "sle", "lupus_nephritis", "rheumatoid_arthritis", "systemic_sclerosis"


def studies_of(evidence: Evidence, *conditions: str) -> pd.DataFrame:
    return apply_filter(evidence, StudyFilter(conditions=conditions))


def report_no_events(data: Path, study: str) -> None:
    """The study reported on adverse events in its MSC arm and found none."""
    add_row(
        data / "adverse_events.csv",
        study_id=study,
        event="none reported",
        category="none_reported",
        arm="msc",
        patients_affected="0",
        serious="unknown",
        related="unknown",
    )


@pytest.fixture(scope="module")
def sledai_effects(tmp_path_factory) -> Evidence:
    """The fixture with a SLEDAI effect size for every study (see findings_support)."""
    return load_evidence(add_sledai_effects(copy_mini(tmp_path_factory.mktemp("sledai") / "data")))


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
    add_row(mechanisms_file, study_id=ALPHA, target="treg", direction="up", timepoint_months="6")
    add_row(mechanisms_file, study_id=DELTA, target="treg", direction="up", timepoint_months="48")
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
# Claims

VERDICT_RULES = [
    # (rule in the module docstring, tally, verdict)
    ("1 nothing measured", Tally(), claims.NO_DATA),
    ("2 every RCT against", Tally(against_ranks=(1,)), claims.CONTRADICTED),
    ("2 RCTs against outrank open-label support", Tally((3, 3), (1, 1), (40, 40)), claims.CONTRADICTED),
    ("3 every RCT for", Tally(for_ranks=(1,), for_patients=(10,)), claims.SUPPORTED_RCT),
    ("3 RCT for outranks uncontrolled against", Tally((1, 3), (3, 2), (30, 10)), claims.SUPPORTED_RCT),
    ("4 RCTs on both sides", Tally((1,), (1,), (50,)), claims.MIXED_RCT),
    ("5 non-randomised controlled support", Tally((2,), (), (8,)), claims.SUPPORTED_CONTROLLED),
    ("5 even beside uncontrolled studies against", Tally((2, 3), (3,), (30, 10)), claims.SUPPORTED_CONTROLLED),
    ("6 one uncontrolled study of 12", Tally((3,), (), (12,)), claims.ONE_SMALL),
    ("6 one case series of 19", Tally((4,), (3,), (19,)), claims.ONE_SMALL),
    ("7 one uncontrolled study of 20 is not small", Tally((3,), (), (20,)), claims.OPEN_LABEL_ONLY),
    ("7 two uncontrolled studies", Tally((3, 3), (), (10, 8)), claims.OPEN_LABEL_ONLY),
    ("7 patients unknown", Tally(for_ranks=(3,)), claims.OPEN_LABEL_ONLY),
    ("8 measured, found by none", Tally(against_ranks=(2, 3)), claims.NOT_FOUND),
]


@pytest.mark.parametrize(("tally", "verdict"), [r[1:] for r in VERDICT_RULES], ids=[r[0] for r in VERDICT_RULES])
def test_efficacy_verdict(tally, verdict):
    assert claims.efficacy_verdict(tally) == verdict


def test_every_efficacy_rule_in_the_docstring_is_tested():
    efficacy_rules = claims.__doc__.split("Safety claims:")[0]
    documented = set(re.findall(r'->\s*"([^"]+)"', efficacy_rules))
    assert len(documented) == 8
    assert documented == {verdict for _, _, verdict in VERDICT_RULES}


@pytest.mark.parametrize(
    ("reporting", "serious_related", "verdict"),
    [
        (0, 0, claims.NO_DATA),
        (3, 1, claims.SERIOUS_HARM),
        (3, 0, claims.NO_SERIOUS_HARM),
        (1, 1, claims.SERIOUS_HARM),
    ],
)
def test_safety_verdict(reporting, serious_related, verdict):
    assert claims.safety_verdict(reporting, serious_related) == verdict


def test_every_safety_rule_in_the_docstring_is_named():
    safety_rules = claims.__doc__.split("Safety claims:")[1].split("Open questions")[0]
    assert set(re.findall(r'->\s*"([^"]+)"', safety_rules)) == {
        claims.NO_DATA,
        claims.SERIOUS_HARM,
        claims.NO_SERIOUS_HARM,
    }


@pytest.mark.parametrize(
    ("claim_id", "expected"),
    [
        (
            "sle-activity",
            {
                "studies_in_scope": 3,
                "for": 2,
                "against": 0,
                "not_measured": 1,  # the lupus nephritis RCT did not measure disease activity
                "patients_for": 10,  # one cohort, reported twice
                "best_design_for": "Single-arm trial",
                "randomised": "none",
                "verdict": claims.OPEN_LABEL_ONLY,
                "for_ids": (ALPHA, DELTA),
                "against_ids": (),
            },
        ),
        (
            "ssc-pain",
            {
                "studies_in_scope": 2,
                "for": 1,
                "against": 1,
                "not_measured": 0,
                "patients_for": 12,
                "patients_against": 20,
                "randomised": "contradicts",
                "verdict": claims.CONTRADICTED,
                "for_ids": (ZETA,),
                "against_ids": (ETA,),
            },
        ),
    ],
)
def test_check_claims_on_the_fixture(mini, claim_id, expected):
    checked = claims.check_claims(mini, mini.studies)
    assert list(checked["claim_id"]) == ["sle-activity", "ssc-pain"]
    row = checked.set_index("claim_id").loc[claim_id]
    assert {key: row[key] for key in expected} == expected


def test_check_claims_follow_the_selection(mini):
    checked = claims.check_claims(mini, studies_of(mini, SLE)).set_index("claim_id")
    assert checked.at["ssc-pain", "studies_in_scope"] == 0
    assert checked.at["ssc-pain", "verdict"] == claims.NO_DATA
    assert checked.at["sle-activity", "verdict"] == claims.OPEN_LABEL_ONLY


@pytest.fixture(scope="module")
def more_claims(tmp_path_factory) -> Evidence:
    """The fixture with one claim of each kind and outcome beyond the two shipped with it."""
    data = copy_mini(tmp_path_factory.mktemp("claims") / "data")
    new = [
        ("treg-up", "mechanism", SLE, "", "treg", "up"),
        ("treg-down", "mechanism", SLE, "", "treg", "down"),
        ("th17-moves", "mechanism", "", "", "th17", ""),
        ("ra-activity", "efficacy", RA, "reduced_disease_activity", "", ""),
        ("ln-proteinuria", "efficacy", LN, "reduced_proteinuria", "", ""),
        ("ra-pain", "efficacy", RA, "pain_relief", "", ""),
        ("safe-everywhere", "safety", "", "", "", ""),
        ("safe-in-ra", "safety", RA, "", "", ""),
        ("not-standard", "open_question", "", "", "", ""),
    ]
    for claim_id, kind, condition, benefit, target, direction in new:
        add_row(
            data / "claims.csv",
            claim_id=claim_id,
            claim=f"Claim {claim_id}",
            kind=kind,
            condition=condition,
            benefit=benefit,
            target=target,
            target_direction=direction,
        )
    return load_evidence(data)


@pytest.mark.parametrize(
    ("claim_id", "verdict", "for_ids", "against_ids"),
    [
        ("treg-up", claims.ONE_SMALL, (ALPHA,), ()),  # one single-arm study of 10 patients
        ("treg-down", claims.NOT_FOUND, (), (ALPHA,)),  # measured, but it went up
        ("th17-moves", claims.ONE_SMALL, (ALPHA,), ()),  # no direction claimed: any change counts
        ("ra-activity", claims.SUPPORTED_CONTROLLED, (EPSILON,), ()),
        ("ln-proteinuria", claims.CONTRADICTED, (), (GAMMA,)),
        ("ra-pain", claims.NO_DATA, (), ()),
        ("safe-everywhere", claims.NO_SERIOUS_HARM, (GAMMA, ZETA), ()),  # the death was judged unrelated
        ("safe-in-ra", claims.NO_DATA, (), ()),
    ],
)
def test_check_claims_of_every_kind(more_claims, claim_id, verdict, for_ids, against_ids):
    row = claims.check_claims(more_claims, more_claims.studies).set_index("claim_id").loc[claim_id]
    assert (row["verdict"], row["for_ids"], row["against_ids"]) == (verdict, for_ids, against_ids)


def test_open_question_is_answered_with_the_variety_in_the_data(more_claims):
    row = claims.check_claims(more_claims, more_claims.studies).set_index("claim_id").loc["not-standard"]
    assert row["verdict"] == (
        "Open question: 3 cell sources and 2 routes in these studies; doses from 1e+06 to 4e+07 cells/kg"
    )


def test_a_possibly_related_serious_event_is_serious_harm(dataset_copy):
    replace_in(dataset_copy / "adverse_events.csv", "death,msc,1,yes,no", "death,msc,1,yes,possibly")
    add_row(dataset_copy / "claims.csv", claim_id="safe", claim="MSC are safe", kind="safety")
    ev = load_evidence(dataset_copy)
    row = claims.check_claims(ev, ev.studies).set_index("claim_id").loc["safe"]
    assert (row["verdict"], row["for_ids"], row["against_ids"]) == (claims.SERIOUS_HARM, (ZETA,), (GAMMA,))
    assert (row["patients_for"], row["patients_against"], row["not_measured"]) == (12, 12, 4)


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
    add_row(mech, study_id=ZETA, target="il6", direction="no_change")  # zeta found clinical benefits
    add_row(mech, study_id=ETA, target="treg", direction="up")  # eta found no clinical benefit...
    add_row(mech, study_id=DELTA, target="treg", direction="up")
    with (data / "vocabularies" / "benefits.yaml").open("a", encoding="utf-8") as handle:
        handle.write("- {id: fewer_autoantibodies, label: Fewer autoantibodies, kind: laboratory, description: Lab.}\n")
    with (data / "vocabularies" / "measures.yaml").open("a", encoding="utf-8") as handle:
        handle.write(
            "- {id: anti_dsdna, label: Anti-dsDNA, benefit: fewer_autoantibodies, unit: IU/mL, "
            "lower_is_better: true, kind: continuous, description: Autoantibody.}\n"
        )
    add_row(data / "outcomes.csv", study_id=ETA, measure="anti_dsdna", timepoint_months="3", direction="improved")
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


# ---------------------------------------------------------------------------------------------
# Registered trials


def _unlink(data: Path) -> None:
    edit_rows(data / "registered_trials.csv", {"registry_id": "NCT00000002"}, linked_study_id="")


def _name_in_study(data: Path) -> None:
    edit_rows(data / "studies.csv", {"study_id": EPSILON}, registry_id="NCT00000009")


def _unlink_and_unname(data: Path) -> None:
    _unlink(data)
    edit_rows(data / "studies.csv", {"study_id": GAMMA}, registry_id="")


def _recruiting(data: Path) -> None:
    edit_rows(data / "registered_trials.csv", {"registry_id": "NCT00000009"}, status="recruiting")


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        # registry id -> (published as, unpublished, finished and unpublished)
        (None, {"NCT00000002": (GAMMA, False, False), "NCT00000009": ("", True, True)}),
        # the curated link is gone, but the study names the trial's registry id
        (_unlink, {"NCT00000002": (GAMMA, False, False), "NCT00000009": ("", True, True)}),
        (_name_in_study, {"NCT00000002": (GAMMA, False, False), "NCT00000009": (EPSILON, False, False)}),
        (_unlink_and_unname, {"NCT00000002": ("", True, True), "NCT00000009": ("", True, True)}),
        # still recruiting: no results yet is not a gap
        (_recruiting, {"NCT00000002": (GAMMA, False, False), "NCT00000009": ("", True, False)}),
    ],
    ids=["as-shipped", "by-registry-id", "named-by-study", "neither", "recruiting"],
)
def test_trials_with_publication(dataset_copy, edit, expected):
    if edit:
        edit(dataset_copy)
    table = trials.trials_with_publication(load_evidence(dataset_copy)).set_index("registry_id")
    got = {
        rid: (row.published_as, bool(row.unpublished), bool(row.finished_unpublished)) for rid, row in table.iterrows()
    }
    assert got == expected


@pytest.mark.parametrize(
    ("conditions", "cell_sources", "expected"),
    [
        ((), (), {"NCT00000002", "NCT00000009"}),
        ((SLE,), (), {"NCT00000002"}),  # SLE includes lupus nephritis
        ((SSC,), (), set()),
        ((), ("bone_marrow",), {"NCT00000009"}),
        ((RA,), ("umbilical_cord",), set()),
    ],
)
def test_filter_trials(mini, conditions, cell_sources, expected):
    table = trials.filter_trials(mini, trials.trials_with_publication(mini), conditions, cell_sources)
    assert set(table["registry_id"]) == expected


def test_pipeline_counts(mini):
    counts = trials.pipeline(trials.trials_with_publication(mini))
    assert set(counts.itertuples(index=False, name=None)) == {
        (LN, "2", "terminated", 1),
        (RA, "1/2", "unknown", 1),
    }


def test_pipeline_counts_every_trial_once(dataset_copy):
    add_row(
        dataset_copy / "registered_trials.csv",
        registry_id="NCT00000010",
        title="Another lupus nephritis trial",
        condition=LN,
        phase="2",
        status="terminated",
        start_year="2019",
    )
    table = trials.trials_with_publication(load_evidence(dataset_copy))
    counts = trials.pipeline(table).set_index(["condition", "phase", "status"])["trials"]
    assert counts[(LN, "2", "terminated")] == 2
    assert counts.sum() == len(table) == 3


def test_timeline(mini):
    events = trials.timeline(mini, mini.studies, trials.trials_with_publication(mini))
    assert events["kind"].value_counts().to_dict() == {
        "Published study": 6,
        "Registered trial, published": 1,
        "Registered trial, no results published": 1,
    }
    by_id = events.set_index("id")
    assert (by_id.at["NCT00000009", "year"], by_id.at["NCT00000009", "n"]) == (2015, 40)
    assert (by_id.at[ETA, "year"], by_id.at[ETA, "n"]) == (2022, 20)


def test_timeline_leaves_out_trials_without_a_start_year(dataset_copy):
    edit_rows(dataset_copy / "registered_trials.csv", {"registry_id": "NCT00000009"}, start_year="")
    ev = load_evidence(dataset_copy)
    events = trials.timeline(ev, ev.studies, trials.trials_with_publication(ev))
    assert "NCT00000009" not in set(events["id"])
    assert events["year"].notna().all()


# ---------------------------------------------------------------------------------------------
# Condition profile


def story(evidence: Evidence, condition: str) -> list[str]:
    studies = studies_of(evidence, condition)
    found = trials.filter_trials(evidence, trials.trials_with_publication(evidence), (condition,), ())
    return profile.condition_story(evidence, condition, studies, found)


NEGATIVE_RCT = "At least one randomised trial found no benefit over its control."


@pytest.mark.parametrize(
    ("condition", "opening", "present", "absent"),
    [
        (
            SLE,
            "3 published studies of MSC in Systemic lupus erythematosus treated 22 patients (each cohort counted "
            "once); 1 was randomised. The strongest design is: randomised controlled trial.",
            [
                NEGATIVE_RCT,
                "Reported benefits: lower disease activity.",
                "1 patient had a serious event (0 judged related or possibly related to the cells); 1 death recorded",
                "1 registered trial found; 0 of them",
            ],
            [],
        ),
        (
            SSC,
            "2 published studies of MSC in Systemic sclerosis treated 32 patients (each cohort counted once); "
            "1 was randomised.",
            [NEGATIVE_RCT, "Where the strongest studies found no benefit: less pain and less skin fibrosis"],
            ["registered trial"],
        ),
        (
            RA,
            "1 published study of MSC in Rheumatoid arthritis treated 20 patients (each cohort counted once); "
            "none was randomised. The strongest design is: non-randomised controlled study.",
            ["0 studies reported on adverse events.", "1 registered trial found; 1 of them"],
            [NEGATIVE_RCT, "Randomised evidence supports"],
        ),
    ],
)
def test_condition_story(mini, condition, opening, present, absent):
    sentences = story(mini, condition)
    assert sentences[0].startswith(opening)
    text = " ".join(sentences)
    for fragment in present:
        assert fragment in text
    for fragment in absent:
        assert fragment not in text


def test_condition_story_of_an_empty_selection(mini):
    sentences = profile.condition_story(mini, RA, mini.studies.iloc[0:0], mini.registered_trials.iloc[0:0])
    assert sentences == ["No published clinical study of MSC in Rheumatoid arthritis is in the current selection."]


def test_condition_story_when_randomised_evidence_supports(dataset_copy):
    for measure in ("vas_pain", "mrss"):
        edit_rows(
            dataset_copy / "outcomes.csv",
            {"study_id": ETA, "measure": measure},
            direction="improved",
            vs_control="better",
        )
    text = " ".join(story(load_evidence(dataset_copy), SSC))
    assert "Randomised evidence supports at least one benefit." in text
    assert NEGATIVE_RCT not in text


def test_key_studies_put_the_strongest_design_first(mini):
    assert list(profile.key_studies(studies_of(mini, SLE)).index) == [GAMMA, ALPHA, DELTA]


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


# ---------------------------------------------------------------------------------------------
# Response (dose and durability)


@pytest.mark.parametrize(
    ("lower_is_better", "expected"),
    [
        ("true", {ALPHA: 100 * 8 / 12, DELTA: 100 * 9 / 12}),  # SLEDAI fell: improvement is positive
        ("false", {ALPHA: -100 * 8 / 12, DELTA: -100 * 9 / 12}),  # had higher been better, the same fall is worse
    ],
)
def test_response_sign_follows_the_measure(dataset_copy, lower_is_better, expected):
    replace_in(
        dataset_copy / "vocabularies" / "measures.yaml",
        "lower_is_better: true, kind: continuous, description: Lupus activity.",
        f"lower_is_better: {lower_is_better}, kind: continuous, description: Lupus activity.",
    )
    ev = load_evidence(dataset_copy)
    points, title = response.response_points(ev, ev.studies, "sledai")
    assert dict(zip(points["study_id"], points["response"], strict=True)) == pytest.approx(expected)
    assert title == "improvement from baseline (% of baseline)"


def test_response_prefers_the_reported_change(dataset_copy):
    edit_rows(dataset_copy / "outcomes.csv", {"study_id": ALPHA, "measure": "sledai"}, change="-6")
    ev = load_evidence(dataset_copy)
    points, _ = response.response_points(ev, ev.studies, "sledai")
    assert points.set_index("study_id").at[ALPHA, "response"] == pytest.approx(50.0)


@pytest.mark.parametrize(
    ("measure", "expected", "title"),
    [
        ("renal_remission", {GAMMA: 75.0}, "patients responding (%)"),  # 9 of 12
        ("das28", {EPSILON: 100 * 2 / 5.5}, "improvement from baseline (% of baseline)"),
        ("mrss", {ZETA: 25.0}, "improvement from baseline (% of baseline)"),  # eta gives no values: left out
        ("proteinuria_24h", {}, "improvement from baseline (% of baseline)"),
    ],
)
def test_response_points(mini, measure, expected, title):
    points, got_title = response.response_points(mini, mini.studies, measure)
    assert dict(zip(points["study_id"], points["response"], strict=True)) == pytest.approx(expected)
    assert got_title == title


def test_response_points_carry_the_study_context(mini):
    points, _ = response.response_points(mini, mini.studies, "sledai")
    alpha = points.set_index("study_id").loc[ALPHA]
    assert (alpha["dose_per_kg"], alpha["cell_source"], alpha["evidence_rank"], alpha["timepoint"]) == (
        1e6,
        "bone_marrow",
        3,
        12,
    )
    assert alpha["badge"].startswith("Alpha A et al. 2010 · Single-arm trial · 10 on MSC · no control group")
    assert not alpha["repeated"]


# ---------------------------------------------------------------------------------------------
# Outcomes


def test_build_analyses_never_mix_kinds(sledai_effects):
    analyses, skipped = build_analyses(sledai_effects, sledai_effects.studies, "sledai")
    assert skipped.empty
    assert [a.kind for a in analyses] == [stats.MEAN_DIFFERENCE, stats.MEAN_CHANGE]
    for analysis in analyses:
        assert set(analysis.effects["kind"]) == {analysis.kind}
        assert {e.kind for e in analysis.effects["effect"]} == {analysis.kind}
    by_kind = {a.kind: set(a.effects["study_id"]) for a in analyses}
    assert by_kind == {stats.MEAN_DIFFERENCE: {GAMMA, EPSILON, ETA}, stats.MEAN_CHANGE: {ALPHA, DELTA, ZETA}}


@pytest.mark.parametrize(
    ("control_type", "kind"),
    [
        ("placebo", stats.MEAN_DIFFERENCE),
        # two MSC regimens compared: no MSC-free control, so analysed as a change from baseline
        ("msc_regimen", stats.MEAN_CHANGE),
    ],
)
def test_comparison_of_two_msc_regimens_is_analysed_as_single_arm(tmp_path, control_type, kind):
    data = add_sledai_effects(copy_mini(tmp_path / "data"))
    edit_rows(data / "studies.csv", {"study_id": GAMMA}, control_type=control_type)
    ev = load_evidence(data)
    analyses, _ = build_analyses(ev, ev.studies, "sledai")
    kinds_of_gamma = [a.kind for a in analyses if GAMMA in set(a.effects["study_id"])]
    assert kinds_of_gamma == [kind]


def test_build_analyses_skips_rows_without_a_spread_and_says_why(mini):
    analyses, skipped = build_analyses(mini, mini.studies, "sledai")
    assert analyses == []
    assert set(skipped["study_id"]) == {ALPHA, DELTA}
    assert set(skipped["Why not in the plot"]) == {"no SD, SE or CI of the change reported"}


def test_assumed_correlation_is_used_only_when_asked(mini):
    analyses, _ = build_analyses(mini, mini.studies, "sledai", assume_corr=0.5)
    assert [(a.kind, list(a.effects["study_id"])) for a in analyses] == [(stats.MEAN_CHANGE, [ALPHA])]


ONLY_ONE = "Only 1 study: a pooled estimate is unreliable."
ONLY_TWO = "Only 2 studies: a pooled estimate is unreliable."
MIXED_DESIGNS = "Designs are mixed (non-randomised controlled study, randomised controlled trial)."
SAME_COHORT = "Some studies report several arms or follow-ups of the same patients"
NO_CONTROL = "Without a control group"


@pytest.mark.parametrize(
    ("study_ids", "kind", "k", "present", "absent"),
    [
        ((EPSILON,), stats.MEAN_DIFFERENCE, 1, [ONLY_ONE], [MIXED_DESIGNS, NO_CONTROL]),
        ((EPSILON, ETA), stats.MEAN_DIFFERENCE, 2, [ONLY_TWO, MIXED_DESIGNS], [NO_CONTROL]),
        ((GAMMA, ETA), stats.MEAN_DIFFERENCE, 2, [ONLY_TWO], [MIXED_DESIGNS, "Designs are mixed"]),
        ((GAMMA, EPSILON, ETA), stats.MEAN_DIFFERENCE, 3, [MIXED_DESIGNS], ["Only"]),
        ((ALPHA, DELTA, ZETA), stats.MEAN_CHANGE, 2, [ONLY_TWO, SAME_COHORT, NO_CONTROL], ["Designs are mixed"]),
        ((ALPHA, ZETA), stats.MEAN_CHANGE, 2, [ONLY_TWO, NO_CONTROL], [SAME_COHORT]),
    ],
)
def test_analysis_warnings(sledai_effects, study_ids, kind, k, present, absent):
    studies = sledai_effects.studies.loc[list(study_ids)]
    analyses, _ = build_analyses(sledai_effects, studies, "sledai")
    (analysis,) = analyses
    assert analysis.kind == kind
    assert analysis.pooled.k == k
    text = "\n".join(analysis.warnings)
    for fragment in present:
        assert fragment in text
    for fragment in absent:
        assert fragment not in text


def test_mixing_an_msc_regimen_comparison_with_single_arm_studies_warns(tmp_path):
    data = add_sledai_effects(copy_mini(tmp_path / "data"))
    edit_rows(data / "studies.csv", {"study_id": GAMMA}, control_type="msc_regimen")
    ev = load_evidence(data)
    analyses, _ = build_analyses(ev, ev.studies.loc[[ALPHA, GAMMA]], "sledai")
    (analysis,) = analyses
    assert analysis.kind == stats.MEAN_CHANGE
    assert "Designs are mixed (randomised controlled trial, single-arm trial)." in analysis.warnings


def test_pooled_estimate_uses_one_report_per_cohort(sledai_effects):
    analyses, _ = build_analyses(sledai_effects, sledai_effects.studies, "sledai")
    change = next(a for a in analyses if a.kind == stats.MEAN_CHANGE)
    assert len(change.effects) == 3  # every report is plotted...
    assert change.pooled.k == 2  # ...but alpha's cohort is pooled once
    assert change.pooled.n_patients == 10 + 12


def test_study_table_says_whether_controls_are_absent_or_unreported(dataset_copy):
    from components.loader import load_evidence
    from components.tables import study_table
    from tests.findings_support import edit_rows

    edit_rows(dataset_copy / "studies.csv", {"study_id": "ln-gamma-2017"}, n_control="")
    evidence = load_evidence(dataset_copy)
    table = study_table(evidence, evidence.studies).set_index("Study id")
    assert table.at["ln-gamma-2017", "Controls"] == "not reported"  # an RCT whose control size no page gave
    assert table.at["sle-alpha-2010", "Controls"] == "none"  # no control group
    assert table.at["ra-epsilon-2013", "Controls"] == "10"
