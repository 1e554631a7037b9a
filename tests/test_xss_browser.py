"""Data text is shown as text in a real browser: HTML, scripts and markdown links in the data never run.

The server runs on a copy of the mini fixture whose text fields (study title, summary, authors,
population, journal, outcome notes, a condition's label and description, a claim) carry XSS
payloads. Each page is opened in headless Chromium and checked: no payload ran (window.__xss is
never set), no image or javascript: link was made from the data, and the payload is on screen as the
characters the curator typed.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from components.evidence.loader import load_evidence
from tests.browser_support import READY, ROOT, start_server
from tests.conftest import MINI

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

playwright_api = pytest.importorskip("playwright.sync_api")

IMG = '<img src=x onerror="window.__xss=1">'
SCRIPT = "<script>window.__xss=2</script>"
MD_LINK = "[click](javascript:window.__xss=3)"
MD_IMAGE = "![x](https://example.invalid/x.png)"
JS_URL = "javascript:window.__xss=4"

POISONED_STUDY = "sle-alpha-2010"
POISONED_CONDITION = "sle"
POISONED_CLAIM = "sle-activity"
STUDY_FIELDS = {
    "title": f"Marrow cells in lupus {IMG} {JS_URL}",
    "summary": f"Activity fell. {SCRIPT} {MD_LINK}",
    "authors": f"Alpha A {IMG}",
    "population": f"{MD_IMAGE} refractory SLE",
    "journal": f"Fixture J {MD_LINK}",
}
OUTCOME_NOTES = f"{IMG} {SCRIPT}"
CONDITION_LABEL = f"Lupus {IMG} {MD_LINK}"
CONDITION_DESCRIPTION = f"Lupus. {SCRIPT} {MD_IMAGE} see https://attacker.invalid/autolink"
CLAIM_TEXT = f"MSC lower disease activity in SLE {SCRIPT} {IMG}"

# What the data must not have turned into, whatever the page.
PROBE = """() => ({
    xss: typeof window.__xss,
    images: [...document.querySelectorAll('img')]
        .map(i => i.getAttribute('src') || '')
        .filter(s => s === 'x' || s.includes('example.invalid')),
    jsLinks: [...document.querySelectorAll('a[href]')]
        .map(a => a.getAttribute('href'))
        .filter(h => /^\\s*javascript:/i.test(h)),
    scripts: [...document.querySelectorAll('script')].filter(s => s.textContent.includes('__xss')).length,
    handlers: [...document.querySelectorAll('*')]
        .filter(e => [...e.attributes].some(a => a.name.startsWith('on') && a.value.includes('__xss'))).length,
})"""
CLEAN = {"xss": "undefined", "images": [], "jsLinks": [], "scripts": 0, "handlers": 0}


# ---------------------------------------------------------------------------------------------
# The poisoned dataset


def _rewrite_csv(path: Path, change) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
        fieldnames = list(rows[0])
    for row in rows:
        change(row)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fieldnames, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _poison_study(row: dict) -> None:
    if row["study_id"] == POISONED_STUDY:
        row.update(STUDY_FIELDS)


def _poison_outcome(row: dict) -> None:
    if row["study_id"] == POISONED_STUDY:
        row["notes"] = OUTCOME_NOTES


def _poison_claim(row: dict) -> None:
    if row["claim_id"] == POISONED_CLAIM:
        row["claim"] = CLAIM_TEXT


def _poison_conditions(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    old = "{id: sle, label: Systemic lupus erythematosus, description: Lupus.}"
    assert old in text
    # A JSON string is a valid YAML double-quoted scalar: quotes and brackets survive as typed.
    new = f"{{id: sle, label: {json.dumps(CONDITION_LABEL)}, description: {json.dumps(CONDITION_DESCRIPTION)}}}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(scope="module")
def poisoned_data(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("xss") / "data"
    shutil.copytree(MINI, data_dir)
    _rewrite_csv(data_dir / "studies.csv", _poison_study)
    _rewrite_csv(data_dir / "outcomes.csv", _poison_outcome)
    _rewrite_csv(data_dir / "claims.csv", _poison_claim)
    _poison_conditions(data_dir / "vocabularies" / "conditions.yaml")
    # The payloads are valid text: if the copy failed validation, every page would show the error
    # page and the checks below would pass without testing anything.
    evidence = load_evidence(data_dir)
    assert evidence.studies.at[POISONED_STUDY, "title"] == STUDY_FIELDS["title"]
    assert evidence.label("conditions", POISONED_CONDITION) == CONDITION_LABEL
    return data_dir


# ---------------------------------------------------------------------------------------------
# One server and one browser page for the module


@pytest.fixture(scope="module")
def server(poisoned_data):
    process, url = start_server(ROOT / "app.py", env={"MSC_EVIDENCE_DIR": str(poisoned_data)})
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    # A cold server answers the first deep link with "Page not found" (see test_browser.py).
    page.goto(server)
    page.wait_for_selector(READY, timeout=30_000)
    yield page
    context.close()


def open_page(page, url: str, heading: str | re.Pattern) -> None:
    page.goto(url)
    page.get_by_role("heading", name=heading).first.wait_for(timeout=30_000)
    page.wait_for_selector(READY, timeout=30_000)
    # Let any image the page asked for fail to load, so an onerror handler would have fired.
    page.wait_for_load_state("networkidle", timeout=10_000)


def assert_nothing_ran(page) -> None:
    assert page.evaluate(PROBE) == CLEAN
    assert "could not be loaded" not in page.inner_text("body"), "the poisoned copy failed validation"


def shown_text(page) -> str:
    """The page's text as a reader sees it (without the invisible zero-width spaces that stop
    addresses from turning into links)."""
    return page.inner_text("body").replace("\u200b", "")


# ---------------------------------------------------------------------------------------------
# The pages


def test_overview_map_labels_the_condition_as_typed(page, server):
    open_page(page, server, re.compile("clinical evidence"))
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    assert_nothing_ran(page)
    # Plotly reads <b>, <a href> and the like in labels as markup; the label must be escaped for it.
    labels = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot text')].map(t => t.textContent)")
    assert CONDITION_LABEL in labels


def test_explore_table_holds_authors_and_condition_as_typed(page, server):
    open_page(page, f"{server}/explore", "Explore studies")
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=30_000)
    assert_nothing_ran(page)
    # The grid draws on a canvas; its accessible copy of the cells is in the DOM as text.
    cells = page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=stDataFrame] [role=gridcell]')].map(e => e.textContent)"
    )
    assert f"{STUDY_FIELDS['authors']} 2010" in cells and CONDITION_LABEL in cells


def test_study_detail_shows_the_payloads_as_text(page, server):
    # The heading is the study's label and condition ("Author 2010 · Lupus …").
    open_page(page, f"{server}/study?study={POISONED_STUDY}", re.compile(" · Lupus"))
    page.get_by_text(re.compile("Marrow cells in lupus")).first.wait_for(timeout=30_000)
    assert_nothing_ran(page)
    text = shown_text(page)
    for payload in (IMG, JS_URL, SCRIPT, MD_LINK, MD_IMAGE):
        assert payload in text, f"{payload!r} is not shown as typed"


def test_condition_profile_shows_the_label_as_text(page, server):
    open_page(page, f"{server}/profile", "Condition profile")
    page.get_by_text(IMG).first.wait_for(timeout=30_000)
    assert_nothing_ran(page)
    # The label is the page's question and the story's subject, as typed.
    assert f"What is the evidence for MSC therapy in {CONDITION_LABEL}, and how sure can we be?" in shown_text(page)


def test_claim_check_shows_the_chosen_claim_as_text(page, server):
    open_page(page, f"{server}/claims", "Claim check")
    assert_nothing_ran(page)
    # The poisoned claim is a card's heading; opening its evidence shows it again, still as text.
    page.get_by_text(CLAIM_TEXT).first.wait_for(timeout=30_000)
    page.locator(f".st-key-claims-open-{POISONED_CLAIM} button").click()
    page.locator(f".st-key-claims-open-{POISONED_CLAIM} button", has_text="Hide").wait_for(timeout=30_000)
    page.wait_for_selector(READY, timeout=30_000)
    assert_nothing_ran(page)
    assert CLAIM_TEXT in shown_text(page)


URL_PAYLOADS = (
    "![x](https://attacker.invalid/q.png)",
    "[Session expired - log in again](https://attacker.invalid/login)",
)
PAGES = (
    "",
    "explore",
    "profile",
    "compare",
    "outcomes",
    "mechanisms",
    "dose",
    "safety",
    "claims",
    "trials",
    "study",
    "methods",
)


def test_no_page_fetches_or_links_to_another_host_from_injected_text(browser, server):
    """Markdown in the link (?q=) and URLs in the data's labels: no request and no link may go to
    the attacker's host, and no request leaves the app's own host at all."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(server)
    page.wait_for_selector(READY, timeout=30_000)
    own = server.split("//", 1)[1]
    try:
        for path in PAGES:
            for payload in URL_PAYLOADS:
                page.goto(f"{server}/{path}?q={quote(payload)}")
                page.wait_for_selector(READY, timeout=30_000)
                page.wait_for_load_state("networkidle", timeout=10_000)
                hrefs = page.evaluate(
                    "() => [...document.querySelectorAll('a[href], img[src]')].map(e => e.href || e.src)"
                )
                assert not [h for h in hrefs if urlsplit(h).hostname == "attacker.invalid"], (path, payload)
                assert payload in shown_text(page) or path in ("profile", "study", "methods", "trials"), (
                    path,
                    "not shown",
                )
    finally:
        context.close()
    outside = sorted({u for u in requested if not u.startswith(("data:", "blob:")) and urlsplit(u).netloc != own})
    assert outside == [], outside


def test_the_grid_offers_no_download_of_its_own(page, server):
    # Its CSV export wrote formulas raw; the app's own download beneath each table neutralises them.
    open_page(page, f"{server}/explore", "Explore studies")
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.hover()
    page.wait_for_timeout(500)
    assert page.locator('[data-testid="stElementToolbar"] button[aria-label*="ownload"]').count() == 0


def test_the_probe_sees_a_payload_that_runs(page, server):
    # Guards the checks above against passing vacuously: a payload put into the page the way a
    # careless renderer would is caught by every part of the probe.
    open_page(page, f"{server}/explore", "Explore studies")
    page.evaluate("html => document.body.insertAdjacentHTML('beforeend', html)", IMG + f'<a href="{JS_URL}">x</a>')
    page.wait_for_function("() => window.__xss === 1", timeout=10_000)
    found = page.evaluate(PROBE)
    assert found["xss"] == "number" and found["images"] == ["x"] and found["jsLinks"] == [JS_URL]
    assert found["handlers"] == 1
