"""End-to-end journeys in a real headless Chromium against a real Streamlit server."""

from __future__ import annotations

import re

import pytest

from tests.browser_support import READY, ROOT, start_server

pytestmark = pytest.mark.browser

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server():
    process, url = start_server(ROOT / "app.py")
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(server)
    wait_ready(page)
    yield page
    context.close()


def wait_ready(page) -> None:
    page.wait_for_selector(READY, timeout=30_000)


def shown_count(page) -> tuple[int, int]:
    text = page.get_by_text(re.compile(r"^\d+ of \d+ stud")).first.inner_text()
    shown, total = re.match(r"(\d+) of (\d+)", text).groups()
    return int(shown), int(total)


def test_choose_a_condition_shrinks_the_table_and_links_to_sources(page, server):
    page.goto(f"{server}/explore")
    wait_ready(page)
    page.get_by_text(re.compile(r"^\d+ of \d+ stud")).first.wait_for(timeout=30_000)
    shown, total = shown_count(page)
    assert shown == total > 0

    # Choose Sjögren's syndrome in the sidebar's condition filter.
    page.locator('[data-testid="stMultiSelect"] input[aria-label="Condition"]').click()
    page.get_by_role("option", name=re.compile("Sjögren")).click()
    page.keyboard.press("Escape")
    page.wait_for_function(
        "([t]) => [...document.querySelectorAll('p, strong')].some(e => /^\\d+ of \\d+ stud/.test(e.innerText)"
        " && !e.innerText.startsWith(t + ' of'))",
        arg=[str(shown)],
        timeout=30_000,
    )
    wait_ready(page)
    after, total_after = shown_count(page)
    assert total_after == total
    assert 0 < after < total

    # Select the first study in the table: its detail page opens with links to its sources.
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for(timeout=30_000)
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 15, box["y"] + 53)  # the row-selection cell of the first row
    page.wait_for_url(re.compile(r"/study\?study="), timeout=30_000)
    wait_ready(page)
    links = page.locator('a[href^="https://pubmed.ncbi.nlm.nih.gov/"], a[href^="https://doi.org/"]')
    links.first.wait_for(timeout=30_000)
    assert links.count() >= 1
    assert page.get_by_text(re.compile("Sjögren")).count() >= 1


def test_clicking_an_evidence_map_mark_lists_its_studies(page, server):
    page.goto(server)
    wait_ready(page)
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    chart.wait_for(timeout=30_000)
    # The first trace holds the "benefit reported" marks; click one of its points.
    point = chart.locator(".scatterlayer .trace").first.locator(".points path").first
    point.wait_for(timeout=30_000)
    point.scroll_into_view_if_needed()
    box = point.bounding_box()
    # Plotly reacts to real pointer events at the mark, not to a synthetic click on its path.
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.get_by_text(re.compile(r"^.+ · .+: \d+ stud(y|ies) measured it$")).first.wait_for(timeout=30_000)
    wait_ready(page)
    # The studies behind the mark appear as a table with their source links.
    tables = page.locator('[data-testid="stDataFrame"]')
    assert tables.count() >= 1
    assert page.get_by_text(re.compile(r"^.+ · .+: \d+ stud(y|ies) measured it$")).count() >= 1


def test_sle_sledai_forest_plot_and_pooled_responses(page, server):
    page.goto(f"{server}/outcomes?condition=sle&measure=sledai")
    wait_ready(page)
    page.get_by_text("Outcomes: how big were the effects?").wait_for(timeout=30_000)
    page.get_by_text(re.compile("Systemic Lupus Erythematosus Disease|SLE disease activity index")).first.wait_for(
        timeout=30_000
    )
    # A forest plot is drawn for SLEDAI (the randomised trial's difference versus placebo).
    page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=30_000)
    assert page.get_by_text("Difference versus control").count() >= 1
    # Clinical response pools several studies: the pooled estimate is shown with k and I².
    page.goto(f"{server}/outcomes?condition=sle&measure=sle_clinical_response")
    wait_ready(page)
    page.get_by_text("Pooled estimate (random effects)").wait_for(timeout=30_000)
    assert page.get_by_text(re.compile(r"k = \d+ studies")).count() >= 1
    assert page.get_by_text(re.compile("I² = ")).count() >= 1


def test_a_filtered_views_link_opened_fresh_shows_the_same_rows(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    first = context.new_page()
    first.goto(server)
    wait_ready(first)
    first.goto(f"{server}/explore")
    wait_ready(first)
    first.locator('[data-testid="stMultiSelect"] input[aria-label="Condition"]').click()
    first.get_by_role("option", name=re.compile("Systemic lupus")).click()
    first.keyboard.press("Escape")
    first.wait_for_function("() => location.search.includes('condition=sle')", timeout=30_000)
    wait_ready(first)
    text_before = first.get_by_text(re.compile(r"^\d+ of \d+ stud")).first.inner_text()
    link = first.url
    context.close()

    fresh = browser.new_context(viewport={"width": 1400, "height": 1000})
    second = fresh.new_page()
    second.goto(link)
    wait_ready(second)
    second.get_by_text(re.compile(r"^\d+ of \d+ stud")).first.wait_for(timeout=30_000)
    assert second.get_by_text(re.compile(r"^\d+ of \d+ stud")).first.inner_text() == text_before
    assert "Systemic lupus erythematosus" in text_before
    fresh.close()


def test_clicking_a_mechanism_mark_lists_its_studies(page, server):
    page.goto(f"{server}/mechanisms")
    wait_ready(page)
    matrix = page.locator('[data-testid="stPlotlyChart"]').nth(1)
    point = matrix.locator(".scatterlayer .trace").first.locator(".points path").first
    point.wait_for(timeout=30_000)
    point.scroll_into_view_if_needed()
    box = point.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    wait_ready(page)
    # With a mark chosen, the target and benefit pickers give way to the clicked link's studies.
    page.wait_for_function(
        '() => !document.querySelector(\'[data-testid="stSelectbox"] input[aria-label="Target change"]\')',
        timeout=30_000,
    )
    assert page.locator('[data-testid="stDataFrame"]').count() >= 1


NOT_FOUND_WATCH = """(() => {
    window.__notFound = false;
    new MutationObserver(() => {
        if (document.body && /Page not found/.test(document.body.innerText)) window.__notFound = true;
    }).observe(document, {subtree: true, childList: true, characterData: true});
})();"""


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("explore", "Explore studies"),
        ("your-data", "Use your own data"),
        ("methods", "Data & methods"),
        ("compare", "Compare side by side"),
    ],
)
def test_a_deep_link_into_a_freshly_started_server_opens_its_page(browser, path, heading):
    """The first visit after a start once ran in Streamlit's legacy pages/ mode: "Page not found"
    and the folder's file names as navigation (components/views/launch.py fixes it)."""
    process, url = start_server(ROOT / "app.py")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.add_init_script(NOT_FOUND_WATCH)
        page.goto(f"{url}/{path}")
        wait_ready(page)
        page.wait_for_timeout(1000)
        assert page.evaluate("window.__notFound") is False
        text = page.inner_text("body")
        assert "explore studies" not in text and "data methods" not in text, "file names shown as navigation"
        assert page.get_by_role("heading", name=heading).count() >= 1
        assert "Evidence" in text and "About" in text, "the app's own navigation is missing"
    finally:
        context.close()
        process.terminate()
        process.wait(timeout=10)
