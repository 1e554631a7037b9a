"""A page's settings: the shared study filters in the sidebar and each page's own choices, restored
from and written to the URL (so a link reproduces a view), kept for the session, and recorded in
SETTINGS with what each accepts.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd
import streamlit as st
from streamlit.runtime.state import get_session_state

from components.analysis.filters import PRODUCT_LABELS, StudyFilter
from components.evidence import url_state
from components.evidence.loader import Evidence


def _options(ev: Evidence, vocabulary: str, column: str, table: pd.DataFrame | None = None) -> list[str]:
    """Vocabulary ids that occur in the data, in vocabulary order."""
    present = set((table if table is not None else ev.studies)[column].unique())
    return [i for i in ev.vocab[vocabulary].index if i in present]


MULTI_FILTERS = {
    # URL/widget key: (vocabulary, column, table attribute)
    "condition": ("conditions", "condition", "studies"),
    "design": ("designs", "design", "studies"),
    "cell_source": ("cell_sources", "cell_source", "studies"),
    "donor": ("donors", "donor", "studies"),
    "route": ("routes", "route", "studies"),
    "target": ("targets", "target", "mechanisms"),
    "benefit": ("benefits", "benefit", "outcomes"),
}


def _year_bounds(ev: Evidence) -> tuple[int, int]:
    years = ev.studies["year"].dropna()
    lo, hi = (int(years.min()), int(years.max())) if len(years) else (1995, 2026)
    return lo, max(hi, lo + 1)


def filter_specs(ev: Evidence) -> dict[str, url_state.Spec]:
    """What each study-filter parameter in the URL may hold, for this dataset."""
    lo, hi = _year_bounds(ev)
    specs: dict[str, url_state.Spec] = {
        key: url_state.Choices(tuple(_options(ev, vocab, column, getattr(ev, table))))
        for key, (vocab, column, table) in MULTI_FILTERS.items()
    }
    specs["product"] = url_state.Choices(tuple(p for p in PRODUCT_LABELS if p in set(ev.studies["product"])))
    specs["phase"] = url_state.Choices(tuple(sorted(p for p in set(ev.studies["phase"].unique()) if p)))
    specs["year_min"] = url_state.Integer(lo, hi)
    specs["year_max"] = url_state.Integer(lo, hi)
    specs["min_patients"] = url_state.Integer(0, 10_000)
    specs["q"] = url_state.Text()
    return specs


def seed_from_url(specs: dict[str, url_state.Spec], store: dict[str, object]) -> None:
    """Fill `store` from the URL for keys not yet seen in this session.

    A link into any page restores its view; once the user has chosen a value in this session it
    wins over a stale URL. Rejected parameters are removed from the URL and named in a notice.
    """
    seen = st.session_state.setdefault("_url_seen", set())
    fresh = {k: spec for k, spec in specs.items() if k not in seen}
    if not fresh:
        return
    params = {k: st.query_params.get_all(k) for k in fresh if k in st.query_params}
    parsed = url_state.parse_query(params, fresh)
    store.update(parsed.values)
    seen.update(fresh)
    for key in parsed.rejected:
        del st.query_params[key]
    if parsed.rejected:
        st.session_state["_url_notice"] = parsed.notice()


def browser_reconnected() -> bool:
    """True in the first run of a session whose browser already shows the app: it sent values of
    widgets this session has never drawn, because the server restarted or the balancer moved the
    browser to another worker.

    Then the browser's own widgets are the view (it was drawn from the URL and changed since), and
    seeding them from the store would overwrite what the user just typed or clicked: a value set
    in st.session_state before a widget is drawn wins over the browser's. Streamlit has no public
    call for this; without its internals this says False and the app behaves as before.
    """
    try:
        widgets = get_session_state()._state._new_widget_state
        return any(widget_id not in widgets.widget_metadata for widget_id in widgets.states)
    except (AttributeError, RuntimeError):
        return False


def page_widget_key(page: str, key: str, store: dict[str, object], default: object) -> str:
    """The widget key for `key` on `page`, seeded from the session's store.

    Streamlit forgets a widget's value when the page changes, so each page has its own widget
    keys, seeded from one store per session whenever the page's widget is new (unless the browser
    reconnected with its own values: see browser_reconnected).
    """
    widget_key = f"{page}.{key}"
    if widget_key not in st.session_state and not browser_reconnected():
        st.session_state[widget_key] = store.get(key, default)
    return widget_key


def write_to_url(values: dict[str, object], defaults: dict[str, object]) -> None:
    """Put the current view into the URL (values equal to their default are left out)."""
    params = url_state.encode_query(values, defaults)
    for key in values:
        if key in params:
            if st.query_params.get(key) != params[key]:
                st.query_params[key] = params[key]
        elif key in st.query_params:
            del st.query_params[key]


def url_notice() -> None:
    """The one-off notice about ignored link parameters, if any."""
    notice = st.session_state.pop("_url_notice", "")
    if notice:
        st.info(notice, icon=":material/link_off:")


def view_link() -> str:
    """The URL that reproduces the current view (page and every setting in it)."""
    base = st.context.url or "http://127.0.0.1:8501/"
    query = urlencode(st.query_params.to_dict(), safe=",")
    return f"{base}?{query}" if query else base


def share_link() -> None:
    """A copyable link that reproduces the current view."""
    # A text box, not st.code: the code block pulls a large syntax-highlighting bundle into every
    # page load, which delayed the first numbers on screen.
    with st.sidebar.expander("Link to this view", icon=":material/link:"):
        # No key on purpose: a new link makes a new box, so it always shows the current view.
        st.text_area("Copy this link", view_link(), height=90)
        st.caption("Select the text and copy it; opening it shows this same view.")


# Every setting a page has offered in this process, by widget key, with what it accepts: the one
# list of what the app's URLs and widgets may hold (the sweep tests walk it value by value).
SETTINGS: dict[str, url_state.Spec] = {}


def choose(label: str, options: list, key: str, *, format_func=str, where=None, **kwargs):
    """A selectbox whose choices are recorded in SETTINGS, like every other setting."""
    SETTINGS[key] = url_state.Choice(tuple(options))
    return (where or st).selectbox(label, options, format_func=format_func, key=key, **kwargs)


def page_params(page: str, specs: dict[str, url_state.Spec], defaults: dict[str, object]) -> dict[str, str]:
    """Widget keys for a page's own settings (e.g. the compared conditions), restored from the URL."""
    SETTINGS.update({f"{page}.{name}": spec for name, spec in specs.items()})
    store = st.session_state.setdefault("_filters", {})
    seed_from_url(specs, store)
    url_notice()
    return {name: page_widget_key(page, name, store, defaults[name]) for name in specs}


def remember(values: dict[str, object], defaults: dict[str, object]) -> None:
    """Keep a page's own settings for the session and in the URL."""
    st.session_state.setdefault("_filters", {}).update(values)
    write_to_url(values, defaults)


def measure_picker(ev: Evidence, page: str, measures: list[str], default: str, format_func, where=None) -> str:
    """The page's outcome measure: restored from the URL, reset to `default` when the current choice
    is not among this selection's `measures`, and written back to the URL."""
    defaults = {"measure": default}
    keys = page_params(page, {"measure": url_state.Choice(tuple(ev.vocab["measures"].index))}, defaults)
    if st.session_state.get(keys["measure"], default) not in measures:
        st.session_state[keys["measure"]] = default
    measure = (where or st).selectbox("Outcome measure", measures, format_func=format_func, key=keys["measure"])
    remember({"measure": measure}, defaults)
    return measure


def study_filters(ev: Evidence, page: str) -> StudyFilter:
    """The shared study filters in the sidebar, restored from and written to the URL.

    One store per session holds the selection, so it survives moving between pages; the URL
    holds it too, so a link reproduces the view.
    """
    specs = filter_specs(ev)
    SETTINGS.update({f"{page}.{name}": spec for name, spec in specs.items()})
    lo, hi = _year_bounds(ev)
    store = st.session_state.setdefault("_filters", {})
    seed_from_url(specs, store)
    label = ev.label

    def key(name: str, default: object) -> str:
        return page_widget_key(page, name, store, default)

    def multi(name: str, title: str, placeholder: str, **kwargs) -> list[str]:
        vocab = MULTI_FILTERS[name][0] if name in MULTI_FILTERS else None
        chosen = st.multiselect(
            title,
            list(specs[name].options),  # type: ignore[union-attr]
            format_func=(lambda v: label(vocab, v)) if vocab else str,
            key=key(name, []),
            placeholder=placeholder,
            **kwargs,
        )
        store[name] = list(chosen)
        return list(chosen)

    years_key = f"{page}.years"
    if years_key not in st.session_state and not browser_reconnected():
        st.session_state[years_key] = (store.get("year_min") or lo, store.get("year_max") or hi)

    with st.sidebar:
        st.header("Filter studies")
        conditions = multi("condition", "Condition", "All conditions", help="Choosing SLE includes lupus nephritis.")
        designs = multi("design", "Study design", "All designs")
        cell_sources = multi("cell_source", "Cell source", "All sources")
        chosen_products = st.multiselect(
            "Cell product",
            list(specs["product"].options),  # type: ignore[union-attr]
            format_func=lambda p: PRODUCT_LABELS[p][:1].upper() + PRODUCT_LABELS[p][1:],
            key=key("product", []),
            placeholder="Cultured MSC and stromal products",
            help="Culture-expanded MSC, or minimally manipulated stromal products (fat graft, stromal vascular "
            "fraction, bone-marrow concentrate, microfragmented fat), which many summaries also call MSC.",
        )
        store["product"] = list(chosen_products)
        text = st.text_input(
            "Search title, authors, summary, PMID…",
            key=key("q", ""),
            max_chars=url_state.MAX_TEXT_CHARS,
            placeholder="e.g. Treg or 28478399",
        )
        store["q"] = text
        with st.expander("More filters"):
            donors = multi("donor", "Donor", "Any donor")
            routes = multi("route", "Route", "Any route")
            phases = multi("phase", "Trial phase", "Any phase")
            # Unseeded only for a reconnected browser: then its own range wins over this default.
            unseeded = {} if years_key in st.session_state else {"value": (lo, hi)}
            year_range = st.slider("Publication year", lo, hi, key=years_key, **unseeded)
            min_patients = st.number_input(
                "At least this many patients on MSC", min_value=0, max_value=10_000, step=5, key=key("min_patients", 0)
            )
            targets = multi("target", "Immune or tissue target measured", "Any target")
            benefits = multi("benefit", "Benefit reported", "Any benefit")

    year_min = year_range[0] if year_range[0] > lo else None
    year_max = year_range[1] if year_range[1] < hi else None
    store.update(year_min=year_min, year_max=year_max, min_patients=int(min_patients or 0))
    selection = StudyFilter(
        conditions=tuple(conditions),
        cell_sources=tuple(cell_sources),
        products=tuple(chosen_products),
        donors=tuple(donors),
        routes=tuple(routes),
        designs=tuple(designs),
        phases=tuple(phases),
        year_min=year_min,
        year_max=year_max,
        min_patients=int(min_patients or 0),
        targets=tuple(targets),
        benefits=tuple(benefits),
        text=text or "",
    )
    write_to_url({k: store.get(k) for k in specs}, {"min_patients": 0})
    url_notice()
    share_link()
    return selection
