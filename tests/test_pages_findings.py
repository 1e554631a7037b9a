"""The findings pages in Streamlit's AppTest on the mini fixture: what a reader sees change when they
choose something, and what a link restores.

Why this file is long: one section per findings page, sharing the AppTest helpers and the
fixture links at the top; each section is short.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import plotly.io as pio
import pytest
from streamlit.testing.v1 import AppTest

from components.views import ui
from tests.conftest import MINI, ROOT, shown_study_ids
from tests.findings_support import add_row, copy_mini, edit_rows

APP = str(ROOT / "app.py")
TIMEOUT = 60

TITLES = {
    "pages/compare.py": "Compare side by side",
    "pages/mechanisms.py": "Mechanisms: immune changes and clinical benefit",
    "pages/condition_profile.py": "Condition profile",
    "pages/outcomes.py": "Outcomes: how big were the effects?",
    "pages/dose_durability.py": "Dose and durability",
    "pages/safety.py": "Safety",
    "pages/claim_check.py": "Claim check",
    "pages/registered_trials.py": "Registered trials",
}


def use_dataset(monkeypatch, folder: Path) -> None:
    monkeypatch.setenv("MSC_EVIDENCE_DIR", str(folder))
    ui.load_shipped.clear()


@pytest.fixture
def on_fixture(monkeypatch):
    """Run the app on the mini fixture instead of the shipped data."""
    use_dataset(monkeypatch, MINI)
    yield
    ui.load_shipped.clear()


@pytest.fixture
def on_copy(monkeypatch, tmp_path):
    """Run the app on a copy of the fixture that the test edits first (call the returned function)."""
    data = copy_mini(tmp_path / "data")

    def start() -> None:
        use_dataset(monkeypatch, data)

    yield data, start
    ui.load_shipped.clear()


def open_page(page: str, **query: str) -> AppTest:
    """Open a page as a link to it would: its URL parameters are there on the first run."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def unescape(text: str) -> str:
    """Markdown as the reader sees it (ui.md escapes data text with backslashes)."""
    return re.sub(r"\\(.)", r"\1", text)


def page_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.title]
    parts += [s.value for s in at.subheader] + [i.value for i in at.info] + [w.value for w in at.warning]
    parts += [f"{m.label}: {m.value}" for m in at.metric]
    return unescape("\n".join(parts)).replace("**", "")


def metrics(at: AppTest) -> list[tuple[str, str]]:
    return [(unescape(m.label), m.value) for m in at.metric]


def group_counts(at: AppTest) -> list[tuple[str, int]]:
    """Each compared group's label and its number of studies (the wording is tested on its own)."""
    counts = []
    for label, value in metrics(at):
        match = re.fullmatch(r"(\d+) stud(?:y|ies)", value)
        assert match, f"unexpected metric {value!r}"
        counts.append((label, int(match.group(1))))
    return counts


TRIAL_HEADLINE = re.compile(
    r"(\d+) registered trials? in this selection; (\d+) ha(?:s|ve) no published results linked, of which (\d+) "
    r"ha(?:s|ve) finished or stopped recruiting"
)


def trial_headline(at: AppTest) -> tuple[int, int, int]:
    """Trials shown, trials without published results, and of those the finished ones."""
    match = TRIAL_HEADLINE.search(page_text(at))
    assert match, page_text(at)
    return tuple(int(n) for n in match.groups())


def _decoded(value):
    """Plotly's JSON with its base64-packed arrays ({"dtype", "bdata", "shape"}) unpacked into lists."""
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
            if "shape" in value:
                array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
            return array.tolist()
        return {key: _decoded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decoded(item) for item in value]
    return value


def chart(at: AppTest, key: str):
    """The Plotly figure drawn under `key`, or None if the page drew none."""
    for element in at.get("plotly_chart"):
        if element.proto.id.endswith(f"-{key}"):
            return pio.from_json(json.dumps(_decoded(json.loads(element.proto.spec))))
    return None


def table_with(at: AppTest, column: str):
    """The first table on the page that has `column`."""
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def chart_keys(at: AppTest) -> set[str]:
    return {element.proto.id.rsplit("-", 1)[-1] for element in at.get("plotly_chart")}


# ---------------------------------------------------------------------------------------------
# Every page


@pytest.mark.parametrize(("page", "title"), TITLES.items())
def test_findings_page_runs_and_shows_its_title(on_fixture, page, title):
    at = open_page(page)
    assert at.title[0].value == title


# ---------------------------------------------------------------------------------------------
# Compare


def test_compare_opens_on_sle_and_systemic_sclerosis(on_fixture):
    at = open_page("pages/compare.py")
    assert group_counts(at) == [("Systemic lupus erythematosus", 3), ("Systemic sclerosis", 2)]
    captions = page_text(at)
    assert "22 patients on MSC · 1 randomised" in captions  # alpha's cohort once, plus the RCT
    assert {"compare_benefits", "compare_targets", "compare_mix", "compare_dose", "compare_harm"} <= chart_keys(at)


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        (
            ["sle", "rheumatoid_arthritis", "systemic_sclerosis"],
            [
                ("Systemic lupus erythematosus", 3),
                ("Rheumatoid arthritis", 1),
                ("Systemic sclerosis", 2),
            ],
        ),
        (
            ["lupus_nephritis", "systemic_sclerosis"],
            [("Lupus nephritis", 1), ("Systemic sclerosis", 2)],
        ),
    ],
)
def test_choosing_the_compared_conditions_changes_the_metrics(on_fixture, groups, expected):
    at = open_page("pages/compare.py")
    at.multiselect(key="compare.groups").set_value(groups).run()
    assert not at.exception
    assert group_counts(at) == expected
    benefits = chart(at, "compare_benefits")
    assert [trace.name for trace in benefits.data] == [label for label, _ in expected]
    assert at.query_params["groups"] == ",".join(groups)


def test_one_group_is_not_a_comparison(on_fixture):
    at = open_page("pages/compare.py")
    at.multiselect(key="compare.groups").set_value(["sle"]).run()
    assert "Choose at least two to compare." in page_text(at)
    assert not at.metric and not chart_keys(at)


def test_compared_groups_follow_the_sidebar_filter(on_fixture):
    at = open_page("pages/compare.py")
    at.multiselect(key="compare.design").set_value(["rct"]).run()
    assert group_counts(at) == [("Systemic lupus erythematosus", 1), ("Systemic sclerosis", 1)]
    assert "2 of 6 studies where design is Randomised controlled trial" in page_text(at)


def test_compare_by_cell_source(on_fixture):
    at = open_page("pages/compare.py")
    at.button_group(key="compare.compare_by").set_value("cell_source").run()
    assert not at.exception
    chosen = at.multiselect(key="compare.groups").value
    assert len(chosen) == 2 and set(chosen) <= {"bone_marrow", "umbilical_cord", "adipose_svf"}
    labels = {"bone_marrow": "Bone marrow MSC", "umbilical_cord": "Umbilical cord MSC", "adipose_svf": "Adipose SVF"}
    assert group_counts(at) == [(labels[g], 2) for g in chosen]
    at.multiselect(key="compare.groups").set_value(["umbilical_cord", "adipose_svf"]).run()
    assert group_counts(at) == [("Umbilical cord MSC", 2), ("Adipose SVF", 2)]
    assert dict(at.query_params) == {"compare_by": "cell_source", "groups": "umbilical_cord,adipose_svf"}


def test_compare_link_restores_grouping_and_groups(on_fixture):
    at = open_page("pages/compare.py", compare_by="route", groups="local_injection,intravenous")
    assert at.button_group(key="compare.compare_by").value == "route"
    assert group_counts(at) == [("Intravenous", 4), ("Local injection", 2)]


@pytest.mark.parametrize(
    ("page", "query", "expected"),
    [
        ("pages/compare.py", {"groups": "sle,rheumatoid_arthritis"}, "Rheumatoid arthritis: 1 study"),
        ("pages/registered_trials.py", {"condition": "sle"}, "1 registered trial in this selection"),
    ],
    ids=["compare", "registered-trials"],
)
def test_a_count_of_one_is_singular(on_fixture, page, query, expected):
    at = open_page(page, **query)
    assert expected in page_text(at)


def test_switching_grouping_starts_from_two_reported_groups(on_copy):
    data, start = on_copy
    for study in ("sle-alpha-2010", "sle-delta-2014", "ra-epsilon-2013"):  # the commonest value is 'not reported'
        edit_rows(data / "studies.csv", {"study_id": study}, cell_source="")
    start()
    at = open_page("pages/compare.py")
    at.button_group(key="compare.compare_by").set_value("cell_source").run()
    assert "Choose at least two to compare." not in page_text(at)
    assert group_counts(at) == [("Umbilical cord MSC", 1), ("Adipose SVF", 2)]


# ---------------------------------------------------------------------------------------------
# Mechanisms


def pivot_bars(at: AppTest) -> dict[str, int]:
    with_benefit = chart(at, "target_pivot").data[0]
    return dict(zip(with_benefit.y, (int(x) for x in with_benefit.x), strict=True))


def test_mechanisms_target_pivot_follows_the_chosen_target(on_fixture):
    at = open_page("pages/mechanisms.py")
    assert at.selectbox(key="mechanisms.target_focus").value == "treg"
    assert pivot_bars(at) == {"Systemic lupus erythematosus · raised": 1}
    at.selectbox(key="mechanisms.target_focus").set_value("il6").run()
    assert not at.exception
    assert pivot_bars(at) == {"Rheumatoid arthritis · lowered": 1}
    assert chart(at, "target_pivot").layout.title.text == "Studies that measured IL-6, by condition"
    assert at.query_params["target_focus"] == "il6"


def test_mechanisms_sankey_and_the_studies_behind_a_link(on_fixture):
    at = open_page("pages/mechanisms.py")
    sankey = chart(at, "mechanism_sankey").data[0]
    assert "Treg ↑" in sankey.node.label and sum(sankey.link.value) == 6
    at.selectbox(key="mechanisms.link_target").set_value("il6|down").run()
    behind = table_with(at, "Study")
    assert shown_study_ids(behind) == ["ra-epsilon-2013"]


def test_mechanisms_with_no_link_in_the_selection(on_fixture):
    at = open_page("pages/mechanisms.py")
    at.multiselect(key="mechanisms.condition").set_value(["systemic_sclerosis"]).run()
    text = page_text(at)
    assert "No study in this selection reported both a target change and a benefit." in text
    assert "No study in this selection measured this target." in text


# ---------------------------------------------------------------------------------------------
# Outcomes, dose and durability


@pytest.mark.parametrize("how", ["widget", "link"])
def test_outcomes_for_das28_show_a_forest_plot(on_fixture, how):
    if how == "link":
        at = open_page("pages/outcomes.py", measure="das28")
    else:
        at = open_page("pages/outcomes.py")
        assert "forest_mean_difference_vs_control" not in chart_keys(at)
        at.selectbox(key="outcomes.measure").set_value("das28").run()
    assert at.selectbox(key="outcomes.measure").value == "das28"
    forest = chart(at, "forest_mean_difference_vs_control")
    assert forest is not None
    assert list(forest.data[0].x) == pytest.approx([-1.5])  # 3.5 - 5.0 points, MSC minus control
    text = page_text(at)
    assert "Difference versus control" in text
    assert "Only 1 study: a pooled estimate is unreliable." in text


def test_outcomes_list_what_could_not_be_plotted(on_fixture):
    at = open_page("pages/outcomes.py", measure="sledai")
    assert "No study reports this outcome with the numbers needed for an effect size" in page_text(at)
    skipped = table_with(at, "Why not in the plot")
    assert list(skipped["Why not in the plot"]) == ["no SD, SE or CI of the change reported"] * 2
    at.button_group(key="outcomes.impute").set_value("yes").run()
    assert "forest_mean_change_from_baseline" in chart_keys(at)


def test_dose_page_follows_the_measure(on_fixture):
    at = open_page("pages/dose_durability.py", measure="das28")
    assert at.selectbox(key="dose.measure").value == "das28"
    dose = chart(at, "dose_response")
    assert dose.layout.xaxis.type == "log"
    assert list(dose.data[0].x) == [4e7]
    at.selectbox(key="dose.measure").set_value("mrss").run()
    assert "dose_response" not in chart_keys(at)  # no dose per kg reported for the mRSS study
    assert "durability" in chart_keys(at)


@pytest.mark.parametrize(
    ("page", "param", "widget"),
    [
        ("pages/outcomes.py", "measure", "outcomes.measure"),
        ("pages/dose_durability.py", "measure", "dose.measure"),
        ("pages/condition_profile.py", "profile", "profile.profile"),
    ],
)
def test_a_bad_link_value_falls_back_to_the_default(on_fixture, page, param, widget):
    default = open_page(page).selectbox(key=widget).value
    at = open_page(page, **{param: "<script>alert(1)</script>"})
    assert at.selectbox(key=widget).value == default
    assert param not in at.query_params
    assert "<script>" not in page_text(at)


@pytest.mark.parametrize(
    ("page", "param"),
    [
        ("pages/outcomes.py", "measure"),
        ("pages/dose_durability.py", "measure"),
        ("pages/condition_profile.py", "profile"),
        ("pages/compare.py", "groups"),
    ],
)
def test_a_bad_link_value_is_named_in_a_notice(on_fixture, page, param):
    at = open_page(page, **{param: "<script>"})
    notices = [i.value for i in at.info if "not recognised" in i.value]
    assert notices and f"({param})" in notices[0]


# ---------------------------------------------------------------------------------------------
# Condition profile, safety, claims, trials


def test_condition_profile_from_a_link(on_fixture):
    at = open_page("pages/condition_profile.py", profile="systemic_sclerosis")
    assert at.selectbox(key="profile.profile").value == "systemic_sclerosis"
    assert at.subheader[0].value == "Summary of findings"
    text = page_text(at)
    assert "2 published studies of MSC in Systemic sclerosis treated 32 patients (each cohort counted once)" in text
    assert "Certainty of the evidence (GRADE): at best very low" in text
    assert "No registered trials recorded for this condition." in text
    # The summary of findings: one row per outcome and time window, certainty with its footnote letters.
    sof = at.table[0].value
    assert list(sof.columns[:3]) == ["Outcome", "Time", "Evidence"]
    pain = sof[(sof["Outcome"] == "Less pain") & (sof["Time"] == "up to 3 months")].iloc[0]
    assert pain["Participants (studies)"] == "40 (1 trial)" and pain["Certainty"].startswith("⊕◯◯◯ Very low (")
    key_studies = table_with(at, "Study")
    assert shown_study_ids(key_studies) == ["ssc-eta-2022", "ssc-zeta-2016"]  # the RCT first


def test_a_lupus_profile_says_whether_lupus_nephritis_is_included(on_fixture):
    at = open_page("pages/condition_profile.py", profile="sle")
    assert "Lupus nephritis studies are not included here" in page_text(at).replace("\\", "")
    at.button_group(key="profile.with_sub").set_value("yes").run()
    assert "3 published studies of MSC in Systemic lupus erythematosus" in page_text(at)
    assert at.query_params["with_sub"] == "yes"


def test_condition_profile_switches_condition(on_fixture):
    at = open_page("pages/condition_profile.py")
    at.selectbox(key="profile.profile").set_value("rheumatoid_arthritis").run()
    text = page_text(at)
    assert "1 published study of MSC in Rheumatoid arthritis treated 20 patients" in text
    assert at.query_params["profile"] == "rheumatoid_arthritis"


def test_safety_page(on_fixture):
    at = open_page("pages/safety.py")
    assert "2 of 6 studies reported on adverse events." in page_text(at)
    serious = table_with(at, "Event")
    assert list(serious["Event"]) == ["death from pneumonia"]
    at.button_group(key="safety.by").set_value("route").run()
    assert chart(at, "safety_rates").data[0].y == ("Intravenous", "Local injection")


def test_safety_chart_matches_the_data_behind_it(on_copy):
    data, start = on_copy
    add_row(
        data / "adverse_events.csv",
        study_id="sle-alpha-2010",
        event="none reported",
        category="none_reported",
        arm="msc",
        patients_affected="0",
        ruled_out="any",
    )
    start()
    at = open_page("pages/safety.py")
    serious = next(trace for trace in chart(at, "safety_rates").data if trace.name == "Serious events")
    per_100 = dict(zip(serious.y, serious.x, strict=True))
    assert per_100["Lupus nephritis"] == pytest.approx(100 / 12)
    assert per_100["Systemic lupus erythematosus"] == 0  # sle-alpha's 10 patients had no event


def claim_cards(at) -> list[tuple[str, str]]:
    """(claim, verdict) as each card shows them, in order."""
    shown = [m.value for m in at.markdown]
    cards = []
    for i, text in enumerate(shown):
        if text.startswith("**") and "  \n" in text and i + 1 < len(shown):
            cards.append((text.split("**")[1].replace("\\", ""), shown[i + 1].replace("\\", "")))
    return cards


def test_claim_check_shows_each_claim_with_its_verdict_and_certainty(on_fixture):
    at = open_page("pages/claim_check.py")
    assert claim_cards(at) == [
        (
            "MSC lower disease activity in SLE",
            "⊕◯◯◯ Very low-certainty evidence of lower disease activity at 6 to 12 months, at over 12 months and at an unstated time.",
        ),
        (
            "Fat cells ease pain in scleroderma hands",
            "⊕◯◯◯ Very low-certainty evidence of little or no difference in pain at up to 3 months; "
            "very low-certainty evidence of less pain at 3 to 6 months.",
        ),
    ]
    assert "Which popular claims about MSC therapy hold up" in page_text(at)


def test_claim_check_follows_the_sidebar_filter(on_fixture):
    at = open_page("pages/claim_check.py", condition="sle")
    verdicts = [verdict for _, verdict in claim_cards(at)]
    assert verdicts[1] == "Outside this selection: the filter leaves out Systemic sclerosis."


def test_claim_check_opens_the_evidence_by_window_and_lists_the_studies(on_fixture):
    at = open_page("pages/claim_check.py")
    at.button(key="claims.open.ssc-pain").click().run()
    text = page_text(at).replace("\\", "")
    assert "Up to 3 months: little or no difference" in text and "3 to 6 months: benefit" in text
    assert "Why not more certain:" in text and "single small study" in text
    assert at.query_params["claim"] == "ssc-pain"
    found = next(d.value for d in at.dataframe if "Study" in d.value.columns and "Zeta Z 2016" in set(d.value["Study"]))
    assert list(found["Study"]) == ["Zeta Z 2016"]


def test_registered_trials_show_the_unpublished_count(on_fixture):
    at = open_page("pages/registered_trials.py")
    assert trial_headline(at) == (2, 1, 1)
    assert len(table_with(at, "Registry id")) == 2
    at.button_group(key="trials.unpublished").set_value("yes").run()
    table = table_with(at, "Registry id")
    assert list(table["Registry id"]) == ["NCT00000009"]
    assert list(table["Results published"]) == ["no results published"]
    assert {"trial_pipeline", "trial_timeline"} <= chart_keys(at)


def test_registered_trials_follow_the_condition_filter(on_fixture):
    at = open_page("pages/registered_trials.py", condition="sle")
    assert list(table_with(at, "Registry id")["Registry id"]) == ["NCT00000002"]  # the lupus nephritis trial
    assert trial_headline(at) == (1, 0, 0)


def test_outcomes_pool_with_the_chosen_between_study_variance_estimator(on_copy):
    data, start = on_copy
    # Three single-arm studies with very different response shares: heterogeneous, unequal sizes.
    for study, n, responders in [
        ("sle-alpha-2010", "10", "2"),
        ("ssc-zeta-2016", "8", "7"),
        ("ra-epsilon-2013", "30", "12"),
    ]:
        add_row(data / "outcomes.csv", study_id=study, measure="renal_remission", timepoint="6", timepoint_unit="months", n=n,
                responders=responders, direction="improved")  # fmt: skip
    start()
    at = open_page("pages/outcomes.py", measure="renal_remission")
    assert at.selectbox(key="outcomes.tau2").value == "DL"
    dl_text = page_text(at)
    assert "(DL)" in dl_text and "k = 3 studies" in dl_text
    dl_estimate = at.metric[0].value
    at.selectbox(key="outcomes.tau2").set_value("REML").run()
    assert not at.exception
    assert "(REML)" in page_text(at)
    assert at.metric[0].value != dl_estimate  # the pooled share moves with the estimator
    # A link restores the estimator.
    linked = open_page("pages/outcomes.py", measure="renal_remission", tau2="REML")
    assert linked.selectbox(key="outcomes.tau2").value == "REML"
    assert linked.metric[0].value == at.metric[0].value


def test_outcomes_point_to_the_months_that_have_effect_sizes(on_copy):
    data, start = on_copy
    # An earlier result with the spread an effect size needs; the latest result (month 12) has none.
    add_row(data / "outcomes.csv", study_id="sle-alpha-2010", measure="sledai", timepoint="6", timepoint_unit="months", n="10",
            change="-5", change_sd="2", direction="improved")  # fmt: skip
    start()
    at = open_page("pages/outcomes.py", measure="sledai")
    assert "at 6 months some do: choose it under Time point" in page_text(at)
    assert "forest_mean_change_from_baseline" not in chart_keys(at)
    at.selectbox(key="outcomes.timepoint").set_value("6").run()
    assert "forest_mean_change_from_baseline" in chart_keys(at)
