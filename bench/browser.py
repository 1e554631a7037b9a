"""What a user waits for in a real browser: first text, all charts, and a rerun after a filter change.

For each page (ours and the bare floors) and each run, a fresh browser context opens the page and
we time, from the start of navigation:
  - first meaningful text: the page title and its headline numbers (Overview: the "Studies" metric;
    Explore: the "N of M studies" line; floors: their line, or their title);
  - all charts: every expected Plotly chart drawn (`.js-plotly-plot` with its `.main-svg` and points);
then one widget change (our pages: the sidebar Condition filter; the chart floor: its selectbox)
and the time until the new content is drawn and the script state is notRunning again.
Medians of N runs; one Chromium for everything (Debian's, with the test suite's arguments).

    python -m bench.browser [--runs 5]
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from bench.server import APP, ONE_CHART, ONE_LINE, Server, running
from tests.browser_support import CHROMIUM_ARGS, READY, chromium_path

RUNS = 5
VIEWPORT = {"width": 1400, "height": 1000}
WAIT_MS = 30_000

# Page-side predicates, polled by Playwright on every animation frame.
JS_HAS_TEXT = """([selector, pattern]) => [...document.querySelectorAll(selector)]
  .some(e => new RegExp(pattern).test(e.innerText) && e.offsetParent !== null)"""
JS_METRIC = """(label) => [...document.querySelectorAll('[data-testid="stMetric"]')].some(m =>
  m.querySelector('[data-testid="stMetricLabel"]')?.innerText.trim() === label &&
  m.querySelector('[data-testid="stMetricValue"]')?.innerText.trim() !== '' && m.offsetParent !== null)"""
# A chart counts as drawn when Plotly has built its SVG and put the data in it.
JS_CHARTS_DRAWN = """(expected) => [...document.querySelectorAll('.js-plotly-plot')].filter(p =>
  p.querySelector('.main-svg') && p.querySelector('.scatterlayer .point')).length >= expected"""
# What the charts show, in brief: point count, first point's position, axis labels and title.
JS_CHART_PRINT = """() => [...document.querySelectorAll('.js-plotly-plot')].map(p => {
  const points = p.querySelectorAll('.scatterlayer .point');
  const labels = [...p.querySelectorAll('.ytick text, .gtitle')].map(t => t.textContent).join('|');
  return points.length + ':' + (points[0]?.getAttribute('transform') ?? '') + ':' + labels;
}).join(';')"""
JS_CHART_CHANGED = f"(old) => {{ const now = ({JS_CHART_PRINT})(); return now !== '' && now !== old; }}"
JS_COUNT_TEXT = """() => [...document.querySelectorAll('p, strong')].map(e => e.innerText)
  .find(t => /^\\d+ of \\d+ stud/.test(t)) ?? ''"""
JS_COUNT_CHANGED = f"(old) => {{ const now = ({JS_COUNT_TEXT})(); return now !== '' && now !== old; }}"
COUNT_PATTERN = r"^\d+ of \d+ stud"
CONDITION_INPUT = '[data-testid="stMultiSelect"] input[aria-label="Condition"]'
CONDITION_CHOICE = re.compile("Sjögren")


@dataclass(frozen=True)
class PageTarget:
    """A page to open, what counts as its first meaningful text, and how to change a filter."""

    name: str
    server: str  # key into the servers started for the run
    path: str
    charts: int
    rerun: str | None  # "condition", "seed" or None


TARGETS = (
    PageTarget("floor: one line", "one_line", "/", charts=0, rerun=None),
    PageTarget("floor: one chart", "one_chart", "/", charts=1, rerun="seed"),
    PageTarget("Overview", "app", "/", charts=1, rerun="condition"),
    PageTarget("Explore", "app", "/explore", charts=0, rerun="condition"),
)
SERVER_APPS = {"one_line": ONE_LINE, "one_chart": ONE_CHART, "app": APP}


@dataclass
class PageTimes:
    name: str
    first_text_s: list[float] = field(default_factory=list)
    charts_s: list[float] = field(default_factory=list)
    rerun_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @staticmethod
    def _median(values: list[float]) -> float | None:
        return statistics.median(values) if values else None

    @property
    def first_text(self) -> float | None:
        return self._median(self.first_text_s)

    @property
    def charts(self) -> float | None:
        return self._median(self.charts_s)

    @property
    def rerun(self) -> float | None:
        return self._median(self.rerun_s)


@contextmanager
def chromium() -> Iterator:
    """One headless Debian Chromium driven by Playwright's sync API."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        raise RuntimeError("no Chromium found: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_first_text(page, target: PageTarget) -> None:
    if target.server == "one_line":
        page.wait_for_function(JS_HAS_TEXT, arg=["p", "one line of text"], timeout=WAIT_MS)
    elif target.server == "one_chart":
        page.wait_for_function(JS_HAS_TEXT, arg=["h1", "Floor: one chart"], timeout=WAIT_MS)
    elif target.path == "/":
        page.wait_for_function(JS_HAS_TEXT, arg=["h1", "MSC therapy"], timeout=WAIT_MS)
        page.wait_for_function(JS_METRIC, arg="Studies", timeout=WAIT_MS)
    else:
        page.wait_for_function(JS_HAS_TEXT, arg=["h1", "Explore studies"], timeout=WAIT_MS)
        page.wait_for_function(JS_HAS_TEXT, arg=["p, strong", COUNT_PATTERN], timeout=WAIT_MS)


def open_option(page, opener: str, name: str | re.Pattern):
    """Open a dropdown and return the wanted option. A rerun that lands while the dropdown opens
    (the page settling after its first draw) closes it again, so try a few times."""
    for attempt in range(3):
        page.wait_for_selector(READY, timeout=WAIT_MS)
        page.locator(opener).first.click()
        option = page.get_by_role("option", name=name, exact=isinstance(name, str))
        try:
            option.wait_for(timeout=5_000 * (attempt + 1))
            return option
        except Exception:
            page.keyboard.press("Escape")
    raise TimeoutError(f"the option {name!r} did not show after opening {opener}")


def change_filter(page, target: PageTarget) -> float:
    """Change the target's widget; return seconds from the choice to the redrawn, idle page."""
    if target.rerun == "seed":
        before = page.evaluate(JS_CHART_PRINT)
        option = open_option(page, '[data-testid="stSelectbox"]', "3")
        start = time.perf_counter()
        option.click()
        page.wait_for_function(JS_CHART_CHANGED, arg=before, timeout=WAIT_MS)
    else:
        chart = target.charts > 0
        before = page.evaluate(JS_CHART_PRINT if chart else JS_COUNT_TEXT)
        option = open_option(page, CONDITION_INPUT, CONDITION_CHOICE)
        start = time.perf_counter()
        option.click()
        page.keyboard.press("Escape")
        page.wait_for_function(JS_CHART_CHANGED if chart else JS_COUNT_CHANGED, arg=before, timeout=WAIT_MS)
    page.wait_for_selector(READY, timeout=WAIT_MS)
    return time.perf_counter() - start


def measure_once(browser, server: Server, target: PageTarget, times: PageTimes) -> None:
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        start = time.perf_counter()
        page.goto(server.url + target.path, wait_until="commit")
        wait_first_text(page, target)
        times.first_text_s.append(time.perf_counter() - start)
        if target.charts:
            page.wait_for_function(JS_CHARTS_DRAWN, arg=target.charts, timeout=WAIT_MS)
            times.charts_s.append(time.perf_counter() - start)
        if target.rerun:
            times.rerun_s.append(change_filter(page, target))
    except Exception as err:  # a timeout in one run is reported, and the other runs go on
        times.errors.append(f"{type(err).__name__}: {str(err).splitlines()[0][:160]}")
    finally:
        context.close()


def warm_up(browser, server: Server) -> None:
    """Open the root page once: the first run of a cold server loads data and modules, and
    Streamlit 1.67 answers the first deep link into a cold server with a spurious 'Page not found'."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(server.url, wait_until="commit")
        page.wait_for_selector(READY, timeout=60_000)
        page.wait_for_function(JS_HAS_TEXT, arg=["h1, p", "."], timeout=60_000)
    finally:
        context.close()


def measure_pages(runs: int = RUNS, targets: tuple[PageTarget, ...] = TARGETS) -> list[PageTimes]:
    """Every target `runs` times, interleaved so that drift on the machine hits all of them alike."""
    results = {t.name: PageTimes(t.name) for t in targets}
    with ExitStack() as stack:
        servers = {key: stack.enter_context(running(SERVER_APPS[key])) for key in sorted({t.server for t in targets})}
        browser = stack.enter_context(chromium())
        for server in servers.values():
            warm_up(browser, server)
        for _ in range(runs):
            for target in targets:
                measure_once(browser, servers[target.server], target, results[target.name])
    return list(results.values())


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def format_results(results: list[PageTimes]) -> str:
    lines = [f"{'page':<18} {'first text s':>12} {'all charts s':>12} {'rerun s':>8} {'runs':>5} errors"]
    for r in results:
        lines.append(
            f"{r.name:<18} {_fmt(r.first_text):>12} {_fmt(r.charts):>12} {_fmt(r.rerun):>8} "
            f"{len(r.first_text_s):>5} {len(r.errors)}"
        )
        lines += [f"    error: {e}" for e in sorted(set(r.errors))[:3]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS, help="runs per page (median reported)")
    args = parser.parse_args()
    print(format_results(measure_pages(args.runs)))


if __name__ == "__main__":
    main()
