"""Every page in Streamlit's AppTest, on the shipped data and on the fixture."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from components.views import ui
from tests.conftest import MINI, ROOT, shown_study_ids

APP = str(ROOT / "app.py")
TIMEOUT = 60


@pytest.fixture
def on_fixture(monkeypatch):
    """Run the app on the mini fixture instead of the shipped data."""
    monkeypatch.setenv("MSC_EVIDENCE_DIR", str(MINI))
    ui.load_shipped.clear()
    yield
    ui.load_shipped.clear()


@pytest.fixture
def on_shipped(monkeypatch):
    monkeypatch.delenv("MSC_EVIDENCE_DIR", raising=False)
    ui.load_shipped.clear()
    yield
    ui.load_shipped.clear()


def run_page(page: str, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page != "pages/overview.py":
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def all_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.title]
    parts += [str(m.value) for m in at.metric] + [s.value for s in at.subheader]
    return "\n".join(parts)


@pytest.mark.parametrize("page", sorted(ui.PAGES.values()))
def test_every_page_runs_on_shipped_data(on_shipped, page):
    at = run_page(page)
    assert at.title, f"{page} shows no title"
    assert "could not be loaded" not in at.title[0].value, "the shipped data failed validation"


@pytest.mark.parametrize("page", sorted(ui.PAGES.values()))
def test_every_page_runs_on_fixture(on_fixture, page):
    at = run_page(page)
    assert at.title


def test_overview_headline_numbers(on_fixture):
    at = run_page("pages/overview.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Studies": "6", "Patients treated with MSC": "74", "Conditions": "4", "Randomised trials": "2"}
    assert "6 of 6 studies" in all_text(at)


def test_overview_follows_the_condition_filter(on_fixture):
    at = run_page("pages/overview.py")
    at.multiselect(key="overview.condition").set_value(["systemic_sclerosis"]).run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Studies"] == "2"
    assert metrics["Patients treated with MSC"] == "32"


def table_ids(at: AppTest) -> set[str]:
    return set(shown_study_ids(at.dataframe[0].value))


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("condition", ["sle"], {"sle-alpha-2010", "ln-gamma-2017", "sle-delta-2014"}),
        ("design", ["rct"], {"ln-gamma-2017", "ssc-eta-2022"}),
        ("cell_source", ["umbilical_cord"], {"ln-gamma-2017", "ra-epsilon-2013"}),
        ("donor", ["autologous"], {"ssc-zeta-2016", "ssc-eta-2022"}),
        ("route", ["local_injection"], {"ssc-zeta-2016", "ssc-eta-2022"}),
        ("phase", ["1"], {"ssc-zeta-2016"}),
        ("years", (2016, 2022), {"ln-gamma-2017", "ssc-zeta-2016", "ssc-eta-2022"}),
        ("min_patients", 15, {"ra-epsilon-2013", "ssc-eta-2022"}),
        ("target", ["il6"], {"ra-epsilon-2013"}),
        ("benefit", ["reduced_skin_fibrosis"], {"ssc-zeta-2016"}),
        ("q", "fingers", {"ssc-zeta-2016", "ssc-eta-2022"}),
    ],
)
def test_each_explore_filter_changes_the_table(on_fixture, key, value, expected):
    at = run_page("pages/explore_studies.py")
    assert len(table_ids(at)) == 6
    widget = {
        "years": lambda: at.slider(key="explore.years"),
        "min_patients": lambda: at.number_input(key="explore.min_patients"),
        "q": lambda: at.text_input(key="explore.q"),
    }.get(key, lambda: at.multiselect(key=f"explore.{key}"))()
    widget.set_value(value).run()
    assert not at.exception
    assert table_ids(at) == expected
    assert f"{len(expected)} of 6 studies where" in all_text(at)


def test_filters_combine(on_fixture):
    at = run_page("pages/explore_studies.py")
    at.multiselect(key="explore.condition").set_value(["systemic_sclerosis"]).run()
    at.multiselect(key="explore.design").set_value(["rct"]).run()
    assert table_ids(at) == {"ssc-eta-2022"}


def test_csv_download_holds_exactly_the_rows_shown(on_fixture):
    at = run_page("pages/explore_studies.py")
    at.multiselect(key="explore.condition").set_value(["sle"]).run()
    shown = at.dataframe[0].value
    data = at.get("download_button")[0].proto.url  # the download's media URL
    assert data
    from components.analysis.filters import StudyFilter, apply_filter
    from components.analysis.tables import study_table
    from components.evidence.exports import to_safe_csv
    from components.evidence.loader import load_evidence

    ev = load_evidence(MINI)
    expected = study_table(ev, apply_filter(ev, StudyFilter(conditions=("sle",))))
    assert list(expected["Study id"]) == shown_study_ids(shown)
    text = to_safe_csv(expected).decode("utf-8-sig")
    assert text.count("\r\n") == len(shown) + 1


def test_study_detail_from_url(on_fixture):
    at = run_page("pages/study_detail.py", study="ln-gamma-2017")
    assert at.title[0].value == "Gamma G 2017 · Lupus nephritis"
    assert "Cord cells versus placebo in lupus nephritis" in at.markdown[0].value
    text = all_text(at)
    # Source links are link elements built from checked URLs, never markdown spliced with a URL.
    links = {e.proto.label: e.proto.url for e in at.get("link_button")}
    assert links["PubMed"] == "https://pubmed.ncbi.nlm.nih.gov/1000002/"
    assert "Outcomes" in text and "Harms" in text
    # The key numbers are on screen as sentences, not in a scrolled-off column.
    shown = text.replace("\\", "")  # markdown escapes, which the reader never sees
    assert "MSC 9/12 responded (75%) vs control 5/6 responded (83%), no different from control at 6 months" in shown


def test_study_detail_with_unknown_id_warns(on_fixture):
    at = run_page("pages/study_detail.py", study="<script>alert(1)</script>")
    assert at.warning and "not in this dataset" in at.warning[0].value
    assert "<script>" not in all_text(at)


def test_invalid_data_shows_the_error_page(monkeypatch, dataset_copy):
    from tests.conftest import replace_in

    replace_in(dataset_copy / "studies.csv", ",2010,", ",20x0,")
    monkeypatch.setenv("MSC_EVIDENCE_DIR", str(dataset_copy))
    ui.load_shipped.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
        assert not at.exception
        assert "could not be loaded" in at.title[0].value
        problems = at.dataframe[0].value
        row = problems.iloc[0]
        assert (row["File"], row["Row"], row["Column"], row["Value"]) == ("studies.csv", "1", "year", "20x0")
    finally:
        ui.load_shipped.clear()


def test_link_restores_the_filtered_view(on_fixture):
    at = run_page("pages/overview.py")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["condition"] = "systemic_sclerosis"
    at.query_params["design"] = "rct"
    at.run()
    at.switch_page("pages/explore_studies.py").run()
    assert table_ids(at) == {"ssc-eta-2022"}
    assert at.multiselect(key="explore.condition").value == ["systemic_sclerosis"]
    assert not at.info


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"condition": "<script>alert(1)</script>"}, ["condition"]),
        ({"year_min": "abc"}, ["year_min"]),
        ({"min_patients": "9" * 40}, ["min_patients"]),
        ({"q": "x" * 600}, ["q"]),
        ({"design": ["rct", "single_arm"]}, ["design"]),
    ],
)
def test_bad_link_values_are_dropped_with_a_notice(on_fixture, params, names):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    notice = at.info[0].value
    for name in names:
        assert name in notice
    assert "<script>" not in notice and "abc" not in notice
    assert at.metric[0].value == "6"  # defaults: nothing filtered
    for key in params:
        assert key not in at.query_params  # the bad value is gone from the URL


@pytest.mark.parametrize(
    ("page", "key"), [("pages/outcomes.py", "outcomes.measure"), ("pages/dose_durability.py", "dose.measure")]
)
def test_every_measure_draws_without_error_on_shipped_data(on_shipped, page, key):
    """Every outcome measure in the shipped data, chosen in turn, gives a page without an error."""
    from components.analysis.outcomes import effect_ready_counts
    from components.evidence.loader import load_evidence

    outcomes = load_evidence().outcomes
    measures = sorted(set(outcomes["measure"].unique()))
    if page == "pages/outcomes.py":
        # The Outcomes page offers only what can be plotted, and names the rest.
        measures = sorted(effect_ready_counts(outcomes))
    at = run_page(page)
    assert len(at.selectbox(key=key).options) == len(measures)
    for measure in measures:
        at.selectbox(key=key).set_value(measure).run()
        assert not at.exception, (measure, at.exception)
        assert at.selectbox(key=key).value == measure


@pytest.mark.parametrize(
    ("page", "params", "key", "value"),
    [
        ("pages/outcomes.py", {"measure": "das28", "impute": "yes"}, "outcomes.impute", "yes"),
        ("pages/compare.py", {"share_of": "patients", "facet": "route"}, "compare.facet", "route"),
        ("pages/safety.py", {"by": "route"}, "safety.by", "route"),
        ("pages/registered_trials.py", {"unpublished": "yes"}, "trials.unpublished", "yes"),
    ],
)
def test_page_settings_are_restored_from_the_link(on_fixture, page, params, key, value):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for name, raw in params.items():
        at.query_params[name] = raw
    at.switch_page(page).run()
    assert not at.exception
    widget = at.button_group(key=key) if page != "pages/compare.py" else at.radio(key=key)
    assert widget.value == value


def test_a_study_whose_authors_and_journal_were_not_read_says_so(monkeypatch, tmp_path):
    # The journal may be empty (no page showed it; the DOI still identifies the paper): the byline
    # must not show an empty italic pair or the word 'nan'.
    from tests.findings_support import copy_mini, edit_rows

    data = copy_mini(tmp_path / "data")
    edit_rows(data / "studies.csv", {"study_id": "ln-gamma-2017"}, journal="", authors="")
    monkeypatch.setenv("MSC_EVIDENCE_DIR", str(data))
    ui.load_shipped.clear()
    try:
        at = run_page("pages/study_detail.py", study="ln-gamma-2017")
        byline = at.markdown[0].value.split("\n")[-1]
        assert byline.replace("\\", "") == "2017. Authors and journal not available on the pages read; PMID 1000002."
        assert "nan" not in byline and "**" not in byline
    finally:
        ui.load_shipped.clear()


def test_a_study_with_immune_findings_but_no_clinical_outcome_says_so(on_shipped):
    # Ghoryani 2019: only its Th17/Treg results could be read; the page must not look empty or broken.
    at = run_page("pages/study_detail.py", study="ra-ghoryani-2019")
    text = all_text(at)
    assert "No clinical outcome could be read" in text
    assert "not measured" in text
    assert "Th17 cells fell" in text  # the immune findings are there


def test_methods_counts_say_what_the_second_reading_covered(on_shipped):
    at = run_page("pages/data_methods.py")
    counts = next(d.value for d in at.dataframe if "Read twice" in d.value.columns)
    checked = dict(zip(counts["Table"], counts["Read twice"], strict=True))
    assert checked["curation log"] == "not applicable"  # not 'None'
    assert 0 < int(checked["studies"]) <= int(counts.loc[counts["Table"] == "studies", "Rows"].iloc[0])


def test_study_defined_responses_are_shown_but_not_pooled(on_shipped):
    at = run_page("pages/outcomes.py", measure="disease_specific_response")
    text = all_text(at) + "\n".join(w.value for w in at.warning)
    assert "Each study defines its own response here" in text
    assert "Not pooled" in text
    assert not any("Pooled estimate" in str(m.label) for m in at.metric)
    assert len(at.get("plotly_chart")) >= 1  # the studies are still drawn side by side


@pytest.mark.parametrize(
    "query",
    [
        {"condition": "myositis"},
        {"design": "non_randomised_controlled"},
        {"q": "jia-wang-2016"},
    ],
)
def test_safety_page_with_no_adverse_event_rows_says_so(on_shipped, query):
    """A selection whose studies report no adverse events used to crash the Safety page."""
    at = run_page("pages/safety.py", **query)
    assert "reported on adverse events" in all_text(at)


def test_compare_with_more_groups_than_allowed_in_the_link_does_not_crash(on_shipped):
    at = run_page(
        "pages/compare.py",
        compare_by="condition",
        groups="sle,lupus_nephritis,rheumatoid_arthritis,systemic_sclerosis,sjogren,osteoarthritis",
    )
    assert len(at.multiselect(key="compare.groups").value) <= 4
    assert "not recognised" in "\n".join(i.value for i in at.info)
