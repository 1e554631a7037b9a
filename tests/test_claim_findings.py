"""The Claim check's verdicts and tallies on the mini fixture.

Where a rule needs rows the shared fixture lacks, the test edits its own copy (tests/findings_support).
"""

from __future__ import annotations

import re

import pytest

from components.analysis import claims
from components.analysis.claims import Tally
from components.evidence.loader import Evidence, load_evidence
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
    ZETA,
    add_row,
    copy_mini,
    studies_of,
)

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
