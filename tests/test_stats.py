"""Effect sizes and pooling (components/analysis/stats) against published and hand-computed numbers.

Why this file is long: it carries, in full, the published datasets it reproduces (Colditz 1994's BCG
trials, Kacker 2004, Niel-Weise 2007 with Stijnen 2010's results), so that every expected number
can be checked against its paper without leaving the file.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from components.analysis.stats import (
    MEAN_CHANGE,
    MEAN_DIFFERENCE,
    PROPORTION,
    RISK_DIFFERENCE,
    RISK_RATIO,
    Effect,
    critical_value,
    effect_from_row,
    pool,
    pool_proportions,
    sd_change,
    sd_from_ci,
    sd_from_se,
    se_of_mean_difference,
)

Z95 = 1.959963984540054
T24 = 2.0638985616280245  # t(0.975, df=24)

# BCG vaccine trials (Colditz et al. 1994, JAMA 271:698), metafor's dat.bcg:
# (TB cases vaccinated, no TB vaccinated, TB cases control, no TB control).
BCG_TRIALS = [
    (4, 119, 11, 128),
    (6, 300, 29, 274),
    (3, 228, 11, 209),
    (62, 13536, 248, 12619),
    (33, 5036, 47, 5761),
    (180, 1361, 372, 1079),
    (8, 2537, 10, 619),
    (505, 87886, 499, 87892),
    (29, 7470, 45, 7232),
    (17, 1699, 65, 1600),
    (186, 50448, 141, 27197),
    (5, 2493, 3, 2338),
    (27, 16886, 29, 17825),
]
# Published DerSimonian-Laird results for log risk ratios of dat.bcg, checked against Stata's metan in
# metafor's own test suite: wviechtb/metafor, tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r
# (rma(yi, vi, method="DL"): estimate -0.7141, CI -1.0644 to -0.3638, tau² 0.3088, I² 92.1173%;
# exp: 0.4896 [0.3449, 0.6950]; Q = 152.2330 from the equal-effects fit of the same file).
BCG_DL = {"estimate": -0.7141, "ci_low": -1.0644, "ci_high": -0.3638, "tau2": 0.3088, "i2": 92.1173, "q": 152.2330}
BCG_DL_RATIO = {"estimate": 0.4896, "ci_low": 0.3449, "ci_high": 0.6950}
# Prediction interval from those published numbers by Higgins 2009 / Riley 2011:
# -0.7141 ± t(0.975, 11) x sqrt(0.3088 + SE²), SE = (-0.3638 + 1.0644) / (2 x 1.96) = 0.17873.
BCG_PI = (-1.99889, 0.57069)


def bcg_rows() -> list[dict]:
    return [
        {"n": a + b, "responders": a, "control_n": c + d, "control_responders": c, "stat": ""}
        for a, b, c, d in BCG_TRIALS
    ]


def bcg_log_ratio_effects() -> list[Effect]:
    """Log risk ratios and their SEs (metafor escalc "RR"), as generic effects on their own scale."""
    effects = []
    for a, b, c, d in BCG_TRIALS:
        n1, n2 = a + b, c + d
        estimate = math.log((a / n1) / (c / n2))
        se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
        effects.append(Effect(estimate, se, estimate - Z95 * se, estimate + Z95 * se, n1 + n2, MEAN_DIFFERENCE))
    return effects


def md(estimate: float, se: float, n: int = 20) -> Effect:
    return Effect(estimate, se, estimate - Z95 * se, estimate + Z95 * se, n, MEAN_DIFFERENCE, lower_is_better=True)


# ---------------------------------------------------------------------------------------------
# Conversions


@pytest.mark.parametrize(
    ("low", "high", "n", "level", "expected"),
    [
        (1, 5, 100, 0.95, 10 * 4 / (2 * Z95)),  # large sample: z = 1.96 (3.92 in the Handbook)
        (1, 5, 60, 0.95, math.sqrt(60) * 4 / (2 * Z95)),  # 60 is the first n on the z side
        (1, 5, 59, 0.95, math.sqrt(59) * 4 / (2 * 2.0017174841452352)),  # t(0.975, 58)
        (1, 5, 25, 0.95, 5 * 4 / (2 * T24)),  # = 4.8452
        (1, 5, 100, 0.90, 10 * 4 / (2 * 1.6448536269514722)),  # z(0.95) for a 90% CI
        (-8, -4, 100, 0.95, 10 * 4 / (2 * Z95)),  # a CI of a fall: only its width matters
    ],
)
def test_sd_from_ci(low, high, n, level, expected):
    assert sd_from_ci(low, high, n, level) == pytest.approx(expected, rel=1e-9)


def test_sd_from_ci_small_sample_uses_t_not_z():
    # A reader converting a 25-patient CI with 1.96 would overstate the SD by 5%.
    assert sd_from_ci(1, 5, 25) == pytest.approx(4.8452, abs=1e-4)
    assert critical_value(25) == pytest.approx(T24)
    assert critical_value(500) == pytest.approx(Z95)


@pytest.mark.parametrize(
    ("args", "message"),
    [((5, 1, 30), "below"), ((1, 5, 1), "at least 2"), ((1, 5, 30, 1.5), "between 0 and 1")],
)
def test_sd_from_ci_rejects_impossible_input(args, message):
    with pytest.raises(ValueError, match=message):
        sd_from_ci(*args)


@pytest.mark.parametrize(("se", "n", "expected"), [(2, 25, 10), (0.5, 16, 2), (1.5, 1, 1.5)])
def test_sd_from_se(se, n, expected):
    assert sd_from_se(se, n) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("sd_base", "sd_follow", "corr", "expected"),
    [
        (3, 4, 0.5, math.sqrt(13)),  # 9 + 16 - 2 x 0.5 x 12
        (3, 4, 0.0, 5),  # independent: Pythagoras
        (3, 4, 1.0, 1),  # perfectly correlated: |3 - 4|
        (10, 10, 0.8, math.sqrt(40)),
        (3, 2, 0.5, math.sqrt(7)),
    ],
)
def test_sd_change(sd_base, sd_follow, corr, expected):
    assert sd_change(sd_base, sd_follow, corr) == pytest.approx(expected)


def test_sd_change_requires_a_correlation_and_a_valid_one():
    with pytest.raises(TypeError):
        sd_change(3, 4)  # type: ignore[call-arg]  # no silent default correlation
    with pytest.raises(ValueError, match="correlation"):
        sd_change(3, 4, 1.2)


@pytest.mark.parametrize(
    ("sd1", "n1", "sd2", "n2", "expected"),
    [(2, 4, 3, 9, math.sqrt(2)), (4, 20, 4, 20, math.sqrt(1.6)), (1.0, 20, 1.2, 10, math.sqrt(0.194))],
)
def test_se_of_mean_difference(sd1, n1, sd2, n2, expected):
    assert se_of_mean_difference(sd1, n1, sd2, n2) == pytest.approx(expected)


# ---------------------------------------------------------------------------------------------
# Effects from rows

SE_RD_9_12_VS_5_6 = math.sqrt(0.75 * 0.25 / 12 + (5 / 6) * (1 / 6) / 6)  # = 0.196909
SE_LOG_RR_9_12_VS_5_6 = math.sqrt((1 - 0.75) / 9 + (1 - 5 / 6) / 5)  # = 0.247207

CONTROLLED_CHANGE = {
    "n": 20,
    "change": -5.0,
    "change_sd": 4.0,
    "control_n": 20,
    "control_change": -1.0,
    "control_change_sd": 4.0,
    "followup": 1.0,
    "followup_sd": 9.0,
    "control_followup": 9.0,
    "control_followup_sd": 9.0,
}


@pytest.mark.parametrize(
    ("row", "kind", "estimate", "se", "ci", "n"),
    [
        # reported changes in both arms win over follow-up values: -5 - (-1), SE sqrt(16/20 + 16/20)
        (
            CONTROLLED_CHANGE,
            MEAN_DIFFERENCE,
            -4.0,
            math.sqrt(1.6),
            (-4 - Z95 * math.sqrt(1.6), -4 + Z95 * math.sqrt(1.6)),
            40,
        ),
        # follow-up values only: 4 - 6, SE sqrt(4/10 + 9/9)
        (
            {
                "n": 10,
                "followup": 4.0,
                "followup_sd": 2.0,
                "control_n": 9,
                "control_followup": 6.0,
                "control_followup_sd": 3.0,
            },
            MEAN_DIFFERENCE,
            -2.0,
            math.sqrt(1.4),
            (-2 - Z95 * math.sqrt(1.4), -2 + Z95 * math.sqrt(1.4)),
            19,
        ),
        # single arm, change with SD: SE 5/sqrt(25) = 1, CI by t(24)
        ({"n": 25, "change": -6.0, "change_sd": 5.0}, MEAN_CHANGE, -6.0, 1.0, (-6 - T24, -6 + T24), 25),
        # single arm, change with its CI only: SE = 4 / (2 x 1.96), CI kept as reported
        (
            {"n": 100, "change": -6.0, "change_ci_low": -8.0, "change_ci_high": -4.0},
            MEAN_CHANGE,
            -6.0,
            4 / (2 * Z95),
            (-8.0, -4.0),
            100,
        ),
        # single arm, no change column: follow-up minus baseline, because the change SD is reported
        ({"n": 9, "baseline": 12.0, "followup": 4.0, "change_sd": 3.0}, MEAN_CHANGE, -8.0, 1.0, None, 9),
        # medians in another row's columns are irrelevant: an empty stat is read as means
        ({"n": 25, "stat": "", "change": 2.0, "change_sd": 5.0}, MEAN_CHANGE, 2.0, 1.0, (2 - T24, 2 + T24), 25),
    ],
)
def test_continuous_effects(row, kind, estimate, se, ci, n):
    effect = effect_from_row(row, lower_is_better=True)
    assert effect is not None
    assert effect.kind == kind
    assert effect.estimate == pytest.approx(estimate)
    assert effect.se == pytest.approx(se)
    assert effect.n == n
    if ci is not None:
        assert (effect.ci_low, effect.ci_high) == pytest.approx(ci)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"n": 10, "baseline": 12.0, "baseline_sd": 3.0, "followup": 4.0, "followup_sd": 2.0}, "needs a correlation"),
        ({"n": 10, "stat": "median", "change": -3.0, "change_sd": 2.0}, "medians are not means"),
        ({"n": None, "change": -3.0, "change_sd": 2.0}, "no patient count"),
        ({"n": 10, "change": -3.0}, "no SD or CI of the change"),
        ({"n": 10, "change_ci_low": -5.0, "change_ci_high": -1.0}, "a CI without its change"),
        ({"n": 10, "change": -3.0, "change_sd": 0.0}, "zero SD cannot be weighted"),
        ({"n": 1, "change": -3.0, "change_sd": 2.0}, "one patient has no spread"),
        ({"n": 12, "direction": "improved"}, "nothing numeric"),
    ],
)
def test_effect_is_none_when_the_row_cannot_support_one(row, reason):
    assert effect_from_row(row, lower_is_better=True) is None, reason


def test_assumed_correlation_is_used_only_when_passed():
    row = {"n": 10, "baseline": 12.0, "baseline_sd": 3.0, "followup": 4.0, "followup_sd": 2.0}
    assert effect_from_row(row, lower_is_better=True) is None
    effect = effect_from_row(row, lower_is_better=True, assume_corr=0.5)
    assert effect is not None and effect.kind == MEAN_CHANGE
    assert effect.estimate == pytest.approx(-8.0)
    assert effect.se == pytest.approx(math.sqrt(7) / math.sqrt(10))  # sd_change(3, 2, 0.5) / sqrt(n)


def test_controlled_row_prefers_follow_up_values_to_an_assumed_correlation():
    row = {
        "n": 20,
        "baseline": 5.5,
        "baseline_sd": 1.0,
        "followup": 3.5,
        "followup_sd": 1.0,
        "control_n": 10,
        "control_baseline": 5.4,
        "control_baseline_sd": 1.1,
        "control_followup": 5.0,
        "control_followup_sd": 1.2,
    }
    effect = effect_from_row(row, lower_is_better=True, assume_corr=0.5)
    assert effect.kind == MEAN_DIFFERENCE
    assert effect.estimate == pytest.approx(-1.5)  # 3.5 - 5.0, not a difference in imputed changes
    assert effect.se == pytest.approx(math.sqrt(1 / 20 + 1.44 / 10))


def test_controlled_row_without_control_numbers_gives_the_msc_arm_and_says_so():
    effect = effect_from_row({"n": 25, "change": -6.0, "change_sd": 5.0, "control_n": 25}, lower_is_better=True)
    assert effect.kind == MEAN_CHANGE
    only_msc = effect_from_row(CONTROLLED_CHANGE, lower_is_better=True, vs_control=False)
    assert only_msc.kind == MEAN_CHANGE and only_msc.estimate == pytest.approx(-5.0) and only_msc.n == 20


RENAL_REMISSION = {"n": 12, "responders": 9, "control_n": 6, "control_responders": 5}


@pytest.mark.parametrize(
    ("row", "measure", "kind", "estimate", "se", "ci", "n"),
    [
        # 9/12 responders: logit SE sqrt(1/9 + 1/3); Wilson 95% CI
        (
            {"n": 12, "responders": 9},
            RISK_DIFFERENCE,
            PROPORTION,
            0.75,
            math.sqrt(1 / 9 + 1 / 3),
            (0.467695, 0.911058),
            12,
        ),
        # a percentage is used as given: 45% of 10
        ({"n": 10, "responders_pct": 45.0}, RISK_DIFFERENCE, PROPORTION, 0.45, None, (0.201423, 0.726330), 10),
        # 9/12 vs 5/6: RD -0.0833, SE sqrt(.75 x .25 / 12 + (5/6)(1/6) / 6)
        (
            RENAL_REMISSION,
            RISK_DIFFERENCE,
            RISK_DIFFERENCE,
            -1 / 12,
            SE_RD_9_12_VS_5_6,
            (-1 / 12 - Z95 * SE_RD_9_12_VS_5_6, -1 / 12 + Z95 * SE_RD_9_12_VS_5_6),
            18,
        ),
        # RR 0.9, SE of log RR sqrt((1 - .75) / 9 + (1 - 5/6) / 5)
        (
            RENAL_REMISSION,
            RISK_RATIO,
            RISK_RATIO,
            0.9,
            SE_LOG_RR_9_12_VS_5_6,
            (0.9 * math.exp(-Z95 * SE_LOG_RR_9_12_VS_5_6), 0.9 * math.exp(Z95 * SE_LOG_RR_9_12_VS_5_6)),
            18,
        ),
    ],
)
def test_responder_effects(row, measure, kind, estimate, se, ci, n):
    effect = effect_from_row(row, lower_is_better=False, responder_measure=measure)
    assert effect.kind == kind
    assert effect.estimate == pytest.approx(estimate)
    if se is not None:
        assert effect.se == pytest.approx(se, abs=1e-6)
    assert (effect.ci_low, effect.ci_high) == pytest.approx(ci, abs=1e-6)
    assert effect.n == n


def test_responder_edge_cases():
    no_events = {"n": 10, "responders": 0, "control_n": 10, "control_responders": 0}
    assert effect_from_row(no_events, lower_is_better=False, responder_measure=RISK_RATIO) is None
    difference = effect_from_row(no_events, lower_is_better=False)
    assert difference.kind == RISK_DIFFERENCE and difference.estimate == pytest.approx(0.0) and difference.se > 0
    none_responded = effect_from_row({"n": 10, "responders": 0}, lower_is_better=False)
    assert none_responded.estimate == 0.0 and none_responded.ci_low == 0.0 and none_responded.ci_high > 0.25
    assert effect_from_row({"n": 10, "responders": 11}, lower_is_better=False) is None  # more responders than patients
    with pytest.raises(ValueError, match="responder_measure"):
        effect_from_row(RENAL_REMISSION, lower_is_better=False, responder_measure="odds_ratio")


@pytest.mark.parametrize(
    ("estimate", "ci", "kind", "lower_is_better", "direction"),
    [
        (-4.0, (-6.5, -1.5), MEAN_DIFFERENCE, True, "better"),  # disease activity fell more with MSC
        (-4.0, (-6.5, -1.5), MEAN_DIFFERENCE, False, "worse"),
        (2.0, (0.5, 3.5), MEAN_CHANGE, True, "worse"),
        (-1.0, (-2.5, 0.5), MEAN_CHANGE, True, "unclear"),
        (1.8, (1.2, 2.7), RISK_RATIO, False, "better"),  # null of a ratio is 1, not 0
        (0.9, (0.5, 1.6), RISK_RATIO, False, "unclear"),
        (0.75, (0.47, 0.91), PROPORTION, False, None),
    ],
)
def test_direction_reads_the_ci_against_the_null(estimate, ci, kind, lower_is_better, direction):
    assert Effect(estimate, 1.0, *ci, 20, kind, lower_is_better).direction == direction


def test_effects_from_the_loaded_fixture(mini):
    """Rows as the loader types them (Int64 with pd.NA, float NaN) are read correctly."""
    outcomes = mini.outcomes.set_index(["study_id", "measure"])
    sledai = outcomes.loc[("sle-alpha-2010", "sledai")]
    assert effect_from_row(sledai, lower_is_better=True) is None  # baseline/follow-up SDs, no change SD
    assert effect_from_row(sledai, lower_is_better=True, assume_corr=0.5).estimate == pytest.approx(-8.0)
    das28 = effect_from_row(outcomes.loc[("ra-epsilon-2013", "das28")], lower_is_better=True)
    assert das28.kind == MEAN_DIFFERENCE and das28.estimate == pytest.approx(-1.5) and das28.n == 30
    assert das28.direction == "better"
    remission = effect_from_row(outcomes.loc[("ln-gamma-2017", "renal_remission")], lower_is_better=False)
    assert remission.kind == RISK_DIFFERENCE and remission.estimate == pytest.approx(-1 / 12)
    assert remission.direction == "unclear"
    assert effect_from_row(outcomes.loc[("sle-delta-2014", "sledai")], lower_is_better=True) is None  # no SDs at all


# ---------------------------------------------------------------------------------------------
# Pooling


def test_pool_reproduces_published_dersimonian_laird_on_bcg_trials():
    pooled = pool(bcg_log_ratio_effects())
    for field, expected in BCG_DL.items():
        assert getattr(pooled, field) == pytest.approx(expected, abs=6e-5 if field != "i2" else 6e-4), field
    assert (pooled.pi_low, pooled.pi_high) == pytest.approx(BCG_PI, abs=2e-3)
    assert pooled.k == 13
    assert pooled.n_patients == sum(sum(trial) for trial in BCG_TRIALS)


def test_pool_of_risk_ratios_from_rows_is_back_transformed():
    effects = [effect_from_row(row, lower_is_better=True, responder_measure=RISK_RATIO) for row in bcg_rows()]
    pooled = pool(effects)
    for field, expected in BCG_DL_RATIO.items():
        assert getattr(pooled, field) == pytest.approx(expected, abs=1e-4), field
    assert pooled.tau2 == pytest.approx(BCG_DL["tau2"], abs=6e-5)  # heterogeneity stays on the log scale
    assert pooled.pi_low == pytest.approx(math.exp(BCG_PI[0]), abs=2e-3)


def test_pool_proportions_logit_dersimonian_laird():
    # Data: the example of R meta's metaprop() help, 4/10, 3/20, 2/30, 1/40. Expected values computed
    # by hand from logit_i = log(x / (n - x)), v_i = 1/x + 1/(n - x), DerSimonian & Laird 1986
    # tau² = (Q - df) / (Σw - Σw²/Σw), random-effects mean back-transformed by 1 / (1 + exp(-mean)).
    pooled = pool_proportions([4, 3, 2, 1], [10, 20, 30, 40])
    assert pooled.estimate == pytest.approx(0.121443, abs=1e-6)
    assert (pooled.ci_low, pooled.ci_high) == pytest.approx((0.037251, 0.330583), abs=1e-6)
    assert pooled.tau2 == pytest.approx(1.128811, abs=1e-6)
    assert pooled.q == pytest.approx(9.376275, abs=1e-6)
    assert pooled.i2 == pytest.approx(68.004351, abs=1e-5)
    assert (pooled.pi_low, pooled.pi_high) == pytest.approx((0.000651, 0.967054), abs=1e-6)
    assert pooled.k == 4 and pooled.n_patients == 100


def test_pool_proportions_keeps_a_study_with_no_events():
    # 0/10 enters with 0.5 added to events and non-events (logit -3.04, not minus infinity).
    pooled = pool_proportions([0, 5, 10], [10, 20, 40])
    assert pooled.estimate == pytest.approx(0.235447, abs=1e-6)
    assert pooled.tau2 == 0.0 and pooled.i2 == 0.0
    assert 0 < pooled.ci_low < pooled.estimate < pooled.ci_high < 1


def test_pool_of_proportion_effects_matches_pool_proportions():
    rows = [{"n": n, "responders": x} for x, n in [(4, 10), (3, 20), (2, 30), (1, 40)]]
    from_effects = pool(effect_from_row(row, lower_is_better=False) for row in rows)
    assert from_effects == pool_proportions([4, 3, 2, 1], [10, 20, 30, 40])


@pytest.mark.parametrize(
    ("events", "totals", "expected"),
    [([], [], None), ([9], [12], (0.75, 0.467695, 0.911058))],
)
def test_pool_proportions_with_fewer_than_two_studies(events, totals, expected):
    pooled = pool_proportions(events, totals)
    if expected is None:
        assert pooled is None
        return
    assert (pooled.estimate, pooled.ci_low, pooled.ci_high) == pytest.approx(expected, abs=1e-6)
    assert pooled.k == 1 and pooled.n_patients == 12
    assert pooled.i2 is None and pooled.tau2 is None and pooled.q is None and pooled.pi_low is None


def test_pool_of_one_study_is_that_study():
    effect = md(-4.0, 1.2)
    pooled = pool([effect, None])
    assert (pooled.estimate, pooled.ci_low, pooled.ci_high) == (effect.estimate, effect.ci_low, effect.ci_high)
    assert pooled.k == 1 and pooled.n_patients == 20
    assert pooled.i2 is None and pooled.tau2 is None and pooled.q is None
    assert pooled.pi_low is None and pooled.pi_high is None


def test_pool_of_two_studies_has_heterogeneity_but_no_prediction_interval():
    # 1.0 and 2.0, SE 0.5 each: Q = 2, tau² = (2 - 1) / (8 - 32/8) = 0.25, I² = 50%, SE = sqrt(0.25)
    pooled = pool([md(1.0, 0.5), md(2.0, 0.5)])
    assert pooled.estimate == pytest.approx(1.5)
    assert pooled.q == pytest.approx(2.0)
    assert pooled.tau2 == pytest.approx(0.25)
    assert pooled.i2 == pytest.approx(50.0)
    assert (pooled.ci_low, pooled.ci_high) == pytest.approx((1.5 - Z95 * 0.5, 1.5 + Z95 * 0.5))
    assert pooled.pi_low is None and pooled.pi_high is None  # t with k - 2 = 0 df does not exist
    assert pooled.k == 2 and pooled.n_patients == 40


@pytest.mark.parametrize(
    ("estimates", "expected_q"),
    [
        ([1.0, 1.0, 1.0], 0.0),  # identical studies
        ([1.0, 1.1, 0.9], 0.02),  # Q below its df: DL's raw tau² is negative and must be truncated
    ],
)
def test_pool_without_heterogeneity(estimates, expected_q):
    pooled = pool([md(value, 1.0) for value in estimates])
    assert pooled.tau2 == 0.0
    assert pooled.i2 == 0.0
    assert pooled.q == pytest.approx(expected_q)
    assert pooled.estimate == pytest.approx(1.0)
    se = 1 / math.sqrt(3)
    assert (pooled.ci_low, pooled.ci_high) == pytest.approx((1 - Z95 * se, 1 + Z95 * se))
    # t(0.975, 1) = 12.7062 x sqrt(0 + 1/3)
    assert (pooled.pi_low, pooled.pi_high) == pytest.approx((1 - 7.335931, 1 + 7.335931), abs=1e-6)


def test_pool_refuses_what_cannot_be_pooled():
    assert pool([]) is None
    assert pool([None, None]) is None
    change = Effect(-3.0, 1.0, -5.0, -1.0, 10, MEAN_CHANGE, True)
    with pytest.raises(ValueError, match="different kinds"):
        pool([md(-4.0, 1.0), change])
    with pytest.raises(ValueError, match="method"):
        pool([md(-4.0, 1.0)], method="ML")
    with pytest.raises(ValueError, match="method"):
        pool_proportions([1, 2], [10, 10], method="PM")
    with pytest.raises(ValueError, match="between 0 and that many"):
        pool_proportions([5], [4])


def test_dersimonian_laird_reproduces_kacker_2004_interlaboratory_means():
    """A published DerSimonian-Laird example on means: Kacker (2004), Metrologia 41:132-136, Table 1
    (first row), the between-laboratory SD by DL is 0.5359. The same nine means and variances are
    used in statsmodels' test suite (statsmodels/stats/tests/test_meta.py, TestMetaK1)."""
    means = [61.00, 61.40, 62.21, 62.30, 62.34, 62.60, 62.70, 62.84, 65.90]
    variances = [0.2025, 1.2100, 0.0900, 0.2025, 0.3844, 0.5625, 0.0676, 0.0225, 1.8225]
    effects = [
        Effect(m, v**0.5, m - 1.96 * v**0.5, m + 1.96 * v**0.5, 10, MEAN_CHANGE)
        for m, v in zip(means, variances, strict=True)
    ]
    pooled = pool(effects)
    assert pooled.k == 9
    assert pooled.tau2**0.5 == pytest.approx(0.5359, abs=1e-3)
    # The DL estimate is the inverse-variance mean with weights 1 / (v + tau2).
    weights = [1 / (v + pooled.tau2) for v in variances]
    assert pooled.estimate == pytest.approx(sum(w * m for w, m in zip(weights, means, strict=True)) / sum(weights))


# Niel-Weise et al. (2007), Intensive Care Med 33:2058, as printed in metafor's documentation of
# dat.nielweise2007: catheter-related bloodstream infections / patients in 18 trials, first with an
# anti-infective catheter, then with a standard one.
NIELWEISE_2007 = [
    (0, 116, 3, 117), (1, 44, 3, 35), (2, 208, 9, 195), (0, 130, 7, 136), (5, 151, 6, 157),
    (1, 98, 4, 139), (1, 174, 3, 177), (1, 74, 2, 39), (1, 97, 19, 103), (1, 113, 2, 122),
    (0, 66, 7, 64), (0, 70, 1, 58), (3, 188, 5, 175), (6, 187, 11, 180), (0, 118, 0, 105),
    (0, 252, 1, 262), (1, 345, 3, 362), (4, 64, 1, 69),
]  # fmt: skip


@pytest.mark.parametrize(
    ("arm", "logit", "se", "tau2", "proportion", "ci"),
    [
        ("standard", -3.30, 0.24, 0.663, 0.035, (0.023, 0.056)),
        ("anti-infective", -4.26, 0.26, 0.393, 0.014, (0.008, 0.023)),
    ],
)
def test_reml_pooled_proportion_reproduces_stijnen_2010_table_2(arm, logit, se, tau2, proportion, ci):
    """A published meta-analysis of single proportions: Stijnen, Hamza & Ozdemir (2010), Stat Med
    29:3046-3067, Table II (p. 3050), approximate normal model on logits with tau² by REML; the same
    comparison is in metafor's tests (test_analysis_example_stijnen2010.r). The paper's shares are
    checked to within one unit of their last printed digit: metafor gets 0.036 and 0.055 where the
    paper prints 0.035 and 0.056 for the standard arm."""
    events = [t[0] if arm == "anti-infective" else t[2] for t in NIELWEISE_2007]
    totals = [t[1] if arm == "anti-infective" else t[3] for t in NIELWEISE_2007]
    pooled = pool_proportions(events, totals, method="REML")
    assert pooled.tau2 == pytest.approx(tau2, abs=5e-4)
    assert math.log(pooled.estimate / (1 - pooled.estimate)) == pytest.approx(logit, abs=5e-3)
    # SE on the logit scale, recovered from the CI's width.
    logit_ci = [math.log(p / (1 - p)) for p in (pooled.ci_low, pooled.ci_high)]
    assert (logit_ci[1] - logit_ci[0]) / (2 * Z95) == pytest.approx(se, abs=5e-3)
    assert pooled.estimate == pytest.approx(proportion, abs=1e-3)
    assert (pooled.ci_low, pooled.ci_high) == pytest.approx(ci, abs=1e-3)
    assert pooled.k == 18


def test_reml_and_dl_agree_without_heterogeneity_and_differ_with_it():
    # Identical studies: both estimators give tau² = 0 and the fixed-effect mean.
    same = [md(1.0, 1.0)] * 3
    assert pool(same, method="REML") == pool(same, method="DL")
    # Heterogeneous studies of unequal precision (with equal variances REML and DL coincide):
    # REML's tau² maximises the restricted likelihood, so moving tau² either way from it lowers that
    # likelihood, and it is not DL's moment estimate.
    ses = (0.5, 1.0, 0.7, 1.4)
    effects = [md(value, se) for value, se in zip((-2.0, 0.0, 1.0, 4.0), ses, strict=True)]
    reml, dl = pool(effects, method="REML"), pool(effects, method="DL")
    assert reml.tau2 > 0 and reml.tau2 != pytest.approx(dl.tau2)
    assert reml.q == dl.q and reml.i2 == dl.i2  # Q and I² do not depend on the estimator
    y, v = np.array([-2.0, 0.0, 1.0, 4.0]), np.array(ses) ** 2

    def restricted_log_likelihood(tau2):
        w = 1 / (v + tau2)
        mean = np.sum(w * y) / np.sum(w)
        return -0.5 * (np.sum(np.log(v + tau2)) + np.log(np.sum(w)) + np.sum(w * (y - mean) ** 2))

    best = restricted_log_likelihood(reml.tau2)
    assert best > restricted_log_likelihood(reml.tau2 * 1.01)
    assert best > restricted_log_likelihood(reml.tau2 * 0.99)
