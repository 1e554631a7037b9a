"""Response, dose and durability points and the Outcomes analyses, on the mini fixture.

Where a rule needs rows the shared fixture lacks, the test edits its own copy (tests/findings_support).
"""

from __future__ import annotations

import pytest

from components.analysis import response, stats
from components.analysis.outcomes import build_analyses
from components.evidence.loader import Evidence, load_evidence
from tests.conftest import replace_in
from tests.findings_support import (
    ALPHA,
    DELTA,
    EPSILON,
    ETA,
    GAMMA,
    ZETA,
    add_sledai_effects,
    copy_mini,
    edit_rows,
)


@pytest.fixture(scope="module")
def sledai_effects(tmp_path_factory) -> Evidence:
    """The fixture with a SLEDAI effect size for every study (see findings_support)."""
    return load_evidence(add_sledai_effects(copy_mini(tmp_path_factory.mktemp("sledai") / "data")))


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
    assert alpha["badge"] == "Alpha A et al. 2010 · Single-arm trial · 10 on MSC, no control group · 12 months"
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
    from components.analysis.tables import study_table
    from components.evidence.loader import load_evidence
    from tests.findings_support import edit_rows

    edit_rows(dataset_copy / "studies.csv", {"study_id": "ln-gamma-2017"}, n_control="")
    evidence = load_evidence(dataset_copy)
    table = study_table(evidence, evidence.studies).set_index("Study id")
    assert (
        table.at["ln-gamma-2017", "Patients"] == "12 on MSC, controls not reported"
    )  # an RCT whose control size no page gave
    assert table.at["sle-alpha-2010", "Patients"] == "10 on MSC"  # no control group
    assert table.at["ra-epsilon-2013", "Patients"] == "20 on MSC, 10 controls"
