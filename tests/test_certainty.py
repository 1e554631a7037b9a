"""GRADE certainty, rule by rule: each domain triggers on a body built to trigger it alone, and on no
other; a body worked out by hand; and the overall judgements of RoB 2 and ROBINS-I."""

from __future__ import annotations

import pytest

from components.analysis import certainty as grade
from components.analysis import stats
from components.analysis.bias import rob2_overall, robins_overall
from components.analysis.certainty import BENEFIT, HARM, NO_DIFFERENCE, Body, Finding


def trial(study="t1", patients=500, bias="low", direction=BENEFIT, **kwargs) -> Finding:
    """A randomised trial against a control without MSC (large, low risk of bias, found a benefit)."""
    return Finding(study, study, patients, randomised=True, controlled=True, bias=bias, direction=direction, **kwargs)


def uncontrolled(study="u1", patients=500, direction=BENEFIT, **kwargs) -> Finding:
    return Finding(study, study, patients, randomised=False, controlled=False, bias="", direction=direction, **kwargs)


def pooled(estimate=-2.0, low=-3.0, high=-1.0, i2=0.0, k=2, n=1000) -> stats.Pooled:
    return stats.Pooled(estimate, low, high, k, n, i2, 0.0, 1.0, None, None)


# A body with nothing to rate down: two large, low-risk trials that agree, a precise pooled estimate.
CLEAN = Body(
    findings=(trial("t1"), trial("t2")),
    pooled=pooled(),
    pooled_kind=stats.MEAN_DIFFERENCE,
    pooled_direction=BENEFIT,
)
DOMAINS = {rule.__name__: rule for rule in grade.DOMAINS}


def fired(body: Body) -> set[str]:
    return {name for name, rule in DOMAINS.items() if rule(body) is not None}


def test_the_clean_body_is_high_certainty_with_no_step():
    rated = grade.rate(CLEAN)
    assert fired(CLEAN) == set()
    assert (rated.code, rated.symbols, rated.direction) == ("high", "⊕⊕⊕⊕", BENEFIT)


@pytest.mark.parametrize(
    ("domain", "body", "levels"),
    [
        (
            "risk_of_bias",
            Body(
                **{**CLEAN.__dict__, "findings": (trial("t1", bias="some_concerns"), trial("t2", bias="some_concerns"))}
            ),
            1,
        ),
        (
            "risk_of_bias",
            Body(**{**CLEAN.__dict__, "findings": (trial("t1", bias="high"), trial("t2", bias="high"))}),
            2,
        ),
        (
            "risk_of_bias",
            Body(
                **{**CLEAN.__dict__, "findings": (trial("t1", bias="not_assessed"), trial("t2", bias="not_assessed"))}
            ),
            1,
        ),
        ("inconsistency", Body(**{**CLEAN.__dict__, "pooled": pooled(i2=75.0)}), 1),
        (
            "inconsistency",
            Body(**{**CLEAN.__dict__, "findings": (trial("t1"), trial("t2", direction=NO_DIFFERENCE)), "pooled": None}),
            1,
        ),
        ("indirectness", Body(**{**CLEAN.__dict__, "surrogate": True}), 1),
        (
            "indirectness",
            Body(
                **{
                    **CLEAN.__dict__,
                    "findings": (trial("t1", population_match=False), trial("t2", population_match=False)),
                }
            ),
            1,
        ),
        (
            "indirectness",
            Body(
                **{**CLEAN.__dict__, "findings": (trial("t1", stromal_product=True), trial("t2", stromal_product=True))}
            ),
            1,
        ),
        (
            "indirectness",
            Body(
                **{
                    **CLEAN.__dict__,
                    "findings": (trial("t1", active_comparator=True), trial("t2", active_comparator=True)),
                }
            ),
            1,
        ),
        (
            "indirectness",
            Body(
                **{
                    **CLEAN.__dict__,
                    "surrogate": True,
                    "findings": (trial("t1", stromal_product=True), trial("t2", stromal_product=True)),
                }
            ),
            2,
        ),
        ("imprecision", Body(**{**CLEAN.__dict__, "pooled": pooled(low=-3.0, high=0.5)}), 1),
        (
            "imprecision",
            Body(**{**CLEAN.__dict__, "findings": (trial("t1", patients=150), trial("t2", patients=150))}),
            1,
        ),
        ("imprecision", Body(**{**CLEAN.__dict__, "findings": (trial("t1", patients=18),), "pooled": None}), 2),
        ("publication_bias", Body(**{**CLEAN.__dict__, "unpublished_trials": 3, "unpublished_patients": 240}), 1),
    ],
    ids=[
        "some concerns",
        "high risk",
        "not assessed counts as some concerns",
        "I2 of 75%",
        "directions disagree",
        "surrogate outcome",
        "another population",
        "stromal products, not cultured MSC",
        "active comparator",
        "two reasons of indirectness",
        "interval includes no effect",
        "too few patients",
        "one small study",
        "unpublished registered trials",
    ],
)
def test_each_domain_triggers_alone(domain, body, levels):
    assert fired(body) == {domain}
    step = DOMAINS[domain](body)
    assert step.levels == levels and step.reason.endswith(".")
    rated = grade.rate(body)
    assert rated.level == 4 - levels
    assert [s.domain for s in rated.steps] == [domain]


def test_a_minority_below_a_fifth_of_patients_is_not_inconsistency():
    body = Body(
        **{
            **CLEAN.__dict__,
            "findings": (trial("t1", patients=900), trial("t2", patients=100, direction=NO_DIFFERENCE)),
        }
    )
    assert grade.inconsistency(body) is None
    assert grade.direction_of(Body(**{**body.__dict__, "pooled": None})) == BENEFIT


def test_non_randomised_evidence_starts_low_and_uncontrolled_studies_are_rated_down_for_bias():
    body = Body(findings=(uncontrolled("u1"), uncontrolled("u2")))
    rated = grade.rate(body)
    assert not rated.starts_high
    assert [s.domain for s in rated.steps] == ["risk_of_bias"]
    assert rated.code == "very_low"


def test_randomised_trials_carry_the_certainty_when_there_are_any():
    body = Body(
        findings=(trial("t1"), trial("t2"), uncontrolled("u1", patients=5000, direction=HARM)),
        pooled=pooled(),
        pooled_kind=stats.MEAN_DIFFERENCE,
        pooled_direction=BENEFIT,
    )
    assert [f.study_id for f in body.stream] == ["t1", "t2"]
    assert grade.rate(body).code == "high"


def test_a_large_effect_raises_non_randomised_controlled_evidence_only():
    controlled = Finding("c1", "c1", 500, randomised=False, controlled=True, bias="moderate", direction=BENEFIT)
    body = Body(
        findings=(controlled, controlled),
        pooled=pooled(estimate=3.0, low=2.2, high=4.0),
        pooled_kind=stats.RISK_RATIO,
        pooled_direction=BENEFIT,
    )
    assert grade.large_effect(body).levels == -1
    assert grade.rate(body).code == "moderate"
    assert grade.large_effect(Body(**{**body.__dict__, "findings": (trial("t1"), trial("t2"))})) is None


def test_a_body_worked_out_by_hand():
    """One randomised trial of 18 patients in another population, some concerns of bias, an interval
    across no effect, with two unpublished trials of the condition:
    start high (4); risk of bias -1 (some concerns); indirectness -1 (population);
    imprecision -2 (a single study under 100 patients); publication bias -1 -> 4 - 5 -> very low (1)."""
    body = Body(
        findings=(trial("deng", patients=18, bias="some_concerns", direction=NO_DIFFERENCE, population_match=False),),
        pooled=pooled(estimate=-3.0, low=-9.8, high=3.8, k=1, n=18),
        pooled_kind=stats.MEAN_DIFFERENCE,
        pooled_direction=NO_DIFFERENCE,
        unpublished_trials=2,
        unpublished_patients=87,
        condition_words="Lupus nephritis",
    )
    rated = grade.rate(body)
    assert [(s.domain, s.levels) for s in rated.steps] == [
        ("risk_of_bias", 1),
        ("indirectness", 1),
        ("imprecision", 2),
        ("publication_bias", 1),
    ]
    assert rated.code == "very_low" and rated.symbols == "⊕◯◯◯"
    assert "Lupus nephritis" in rated.footnotes[1]
    assert grade.statement(rated, "lower disease activity", "disease activity") == (
        "The evidence is very uncertain about the effect of MSC on disease activity."
    )


@pytest.mark.parametrize(
    ("level", "direction", "expected"),
    [
        (4, BENEFIT, "MSC result in less pain."),
        (3, BENEFIT, "MSC probably result in less pain."),
        (2, BENEFIT, "MSC may result in less pain."),
        (2, NO_DIFFERENCE, "MSC may make little or no difference to pain."),
        (1, BENEFIT, "The evidence is very uncertain about the effect of MSC on pain."),
        (3, "mixed", "The evidence is very uncertain about the effect of MSC on pain."),
    ],
)
def test_plain_language_statements_follow_grade(level, direction, expected):
    assert grade.statement(grade.Certainty(level, direction=direction), "less pain", "pain") == expected


# ---------------------------------------------------------------------------------------------
# Risk of bias: the tools' own algorithms


@pytest.mark.parametrize(
    ("domains", "overall"),
    [
        (dict.fromkeys(("randomisation", "deviations", "missing_data", "measurement", "reporting"), "low"), "low"),
        (
            {
                "randomisation": "some_concerns",
                "deviations": "low",
                "missing_data": "low",
                "measurement": "low",
                "reporting": "low",
            },
            "some_concerns",
        ),
        (
            {
                "randomisation": "no_information",
                "deviations": "low",
                "missing_data": "low",
                "measurement": "low",
                "reporting": "low",
            },
            "some_concerns",
        ),
        (
            {
                "randomisation": "low",
                "deviations": "low",
                "missing_data": "high",
                "measurement": "low",
                "reporting": "some_concerns",
            },
            "high",
        ),
        ({"randomisation": "low"}, "some_concerns"),  # missing domains are no information
    ],
)
def test_rob2_overall(domains, overall):
    assert rob2_overall(domains) == overall


@pytest.mark.parametrize(
    ("domains", "overall"),
    [
        (
            dict.fromkeys(
                (
                    "confounding",
                    "selection",
                    "classification",
                    "deviations",
                    "missing_data",
                    "measurement",
                    "reporting",
                ),
                "low",
            ),
            "low",
        ),
        ({"confounding": "serious", "selection": "low", "measurement": "no_information"}, "serious"),
        (
            {
                "confounding": "moderate",
                "selection": "low",
                "classification": "low",
                "deviations": "low",
                "missing_data": "no_information",
                "measurement": "low",
                "reporting": "low",
            },
            "no_information",
        ),
        ({"confounding": "critical", "selection": "serious"}, "critical"),
    ],
)
def test_robins_overall(domains, overall):
    assert robins_overall(domains) == overall
