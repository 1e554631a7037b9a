"""Walk every widget of a page through every value it accepts, in Streamlit's AppTest.

What a widget accepts comes from the app itself (`ui.SETTINGS`, filled by every page's settings and
filters as they are drawn), so a new filter or setting is swept without a test being written for it.
A widget the sweep cannot drive is reported, so none can escape it silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from streamlit.testing.v1 import AppTest

from components.evidence import url_state
from components.views import ui
from tests.conftest import ROOT

APP = str(ROOT / "app.py")
TIMEOUT = 60
WIDGET_KINDS = ("multiselect", "selectbox", "radio", "segmented_control", "slider", "number_input", "text_input")
# Text a user or a link may type into a search box: markup, links, images, formulas, control-ish.
HOSTILE_TEXT = (
    "![x](https://attacker.invalid/q.png)",
    "[Session expired - log in again](https://attacker.invalid/login)",
    "<img src=https://attacker.invalid/i.png onerror=alert(1)>",
    '=HYPERLINK("https://attacker.invalid","x")',
    "(((((",
    "x" * 200,
)
# Widgets that are actions, not settings.
NOT_SETTINGS = ("download", "upload_files", "use_upload", "use_shipped")


@dataclass
class Sweep:
    runs: int = 0
    failures: list[str] = field(default_factory=list)
    unswept: list[str] = field(default_factory=list)


def open_page(page: str, user_evidence=None, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    if user_evidence is not None:
        at.session_state[ui.USER_EVIDENCE] = ("minimal upload", user_evidence)
    at.run()
    if page != ui.PAGES["overview"]:
        at.switch_page(page).run()
    return at


def crashed(at: AppTest) -> str:
    """The first exception the page showed, or ''."""
    if at.exception:
        return str(at.exception[0].value)[:300]
    return ""


def widgets(at: AppTest) -> dict[str, object]:
    found = {}
    for kind in WIDGET_KINDS:
        for widget in getattr(at, kind):
            if widget.key and not any(word in widget.key for word in NOT_SETTINGS):
                found[widget.key] = widget
    return found


def _offered(widget, values) -> list:
    """The values the widget offers now (a link may name any id; a widget lists what is present)."""
    shown = set(widget.options)
    offered = []
    for value in values:
        try:
            label = str(widget.format_func(value))
        except (KeyError, ValueError, IndexError):
            continue  # the page's labels know only what it offers
        if label in shown:
            offered.append(value)
    return offered


def candidates(widget, spec) -> list[object] | None:
    """Every value worth setting: each option alone, the bounds of a range, hostile text."""
    kind = type(widget).__name__
    if isinstance(spec, url_state.Choices):
        return [[], *([option] for option in _offered(widget, spec.options))]
    if isinstance(spec, url_state.Choice):
        return _offered(widget, spec.options) if hasattr(widget, "options") else list(spec.options)
    if isinstance(spec, url_state.Integer):
        return sorted({spec.low, spec.high, (spec.low + spec.high) // 2})
    if isinstance(spec, url_state.Text):
        return ["", *HOSTILE_TEXT]
    if kind == "Slider":
        low, high = widget.min, widget.max
        return [(low, low), (high, high), (low, high)]
    return None


def _set(widget, value) -> None:
    widget.set_value(value)


def sweep_page(page: str, user_evidence=None) -> Sweep:
    """Every widget of the page through every value it accepts, one at a time, back to its
    starting value after each; any exception shown on the page is a failure."""
    result = Sweep()
    at = open_page(page, user_evidence)
    if message := crashed(at):
        result.failures.append(f"{page} on opening: {message}")
        return result
    for key in list(widgets(at)):
        widget = widgets(at).get(key)
        if widget is None:
            continue  # drawn only for some selections
        values = candidates(widget, ui.SETTINGS.get(key))
        if values is None:
            result.unswept.append(f"{page}: {key} ({type(widget).__name__})")
            continue
        start = widget.value
        for value in values:
            widget = widgets(at).get(key)
            if widget is None:
                break
            try:
                _set(widget, value)
                at.run()
            except Exception as err:  # a value the widget itself refuses is a bug in what it offers
                result.failures.append(f"{page}: {key} = {value!r}: {type(err).__name__}: {err}"[:400])
                at = open_page(page, user_evidence)
                continue
            result.runs += 1
            if message := crashed(at):
                result.failures.append(f"{page}: {key} = {value!r}: {message}")
                at = open_page(page, user_evidence)
        widget = widgets(at).get(key)
        if widget is not None:
            try:
                widget.set_value(start)
                at.run()
            except Exception:
                at = open_page(page, user_evidence)
    return result
