"""The Streamlit helpers every page shares: the cached load, the error page, the sidebar and its
filters, the view in the URL, and safe rendering of text that comes from the data.

Only components/views/ calls Streamlit or Plotly; components/analysis/ and components/evidence/ are
pure and testable without either (import-linter checks it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from components.evidence import url_state
from components.evidence.files import Problem
from components.evidence.loader import DATA_DIR, Evidence, EvidenceError, load_evidence, read_data_dir, read_dictionary
from components.views.display import (  # noqa: F401 (the page-facing helpers, in one place)
    ZERO_WIDTH_SPACE,
    chart,
    chart_download_options,
    link_columns,
    md,
    problems_table,
    selection_line,
    source_links,
    study_list,
    table,
)
from components.views.settings import (  # noqa: F401
    MULTI_FILTERS,
    SETTINGS,
    browser_reconnected,
    choose,
    filter_specs,
    measure_picker,
    page_params,
    page_widget_key,
    remember,
    seed_from_url,
    share_link,
    study_filters,
    url_notice,
    view_link,
    write_to_url,
)

PAGES = {
    "overview": "pages/overview.py",
    "explore": "pages/explore_studies.py",
    "profile": "pages/condition_profile.py",
    "compare": "pages/compare.py",
    "mechanisms": "pages/mechanisms.py",
    "outcomes": "pages/outcomes.py",
    "dose": "pages/dose_durability.py",
    "safety": "pages/safety.py",
    "trials": "pages/registered_trials.py",
    "claims": "pages/claim_check.py",
    "study": "pages/study_detail.py",
    "methods": "pages/data_methods.py",
    "your_data": "pages/your_data.py",
}


@dataclass(frozen=True)
class LoadResult:
    evidence: Evidence | None
    problems: tuple[Problem, ...] = ()


@st.cache_resource(show_spinner="Loading the evidence base…")
def load_shipped() -> LoadResult:
    """The shipped evidence, loaded and validated once per process and shared by every session."""
    # MSC_EVIDENCE_DIR points the app at another dataset folder in the same schema (tests, labs).
    data_dir = Path(os.environ.get("MSC_EVIDENCE_DIR") or DATA_DIR)
    try:
        return LoadResult(load_evidence(data_dir))
    except EvidenceError as err:
        return LoadResult(None, tuple(err.problems))


@st.cache_resource(show_spinner=False)
def shipped_files() -> dict[str, bytes]:
    """The shipped dataset's files as bytes, read once per process (uploads are completed with them)."""
    return read_data_dir(DATA_DIR, read_dictionary())


USER_EVIDENCE = "_user_evidence"


def evidence() -> Evidence:
    """The evidence for this session: the user's uploaded dataset if they chose one, else the
    shipped data. app.py stops before any page runs if the shipped data failed to load."""
    uploaded = st.session_state.get(USER_EVIDENCE)
    if uploaded is not None:
        return uploaded[1]
    result = load_shipped()
    if result.evidence is None:
        show_problems(result.problems)
        st.stop()
    return result.evidence


# Streamlit's markdown turns bare addresses into links even when their characters are escaped
# (GitHub-style autolinks: https://…, www.…, name@host). A zero-width space after "://", "www" and
# "@" keeps the text looking the same and stops the autolink.
def show_problems(problems: tuple[Problem, ...] | list[Problem]) -> None:
    """The error page for data that failed validation: every problem, one per row."""
    st.title("The evidence data could not be loaded")
    st.error(
        f"{len(problems)} problem(s) were found in the data files. The app shows no evidence until "
        "they are fixed, so that nothing wrong is shown as fact. Each line names the file, row, "
        "column and value."
    )
    problems_table(problems, key="load_problems")


def sidebar_about(ev: Evidence) -> None:
    uploaded = st.session_state.get(USER_EVIDENCE)
    if uploaded is not None:
        ev = uploaded[1]
    version = ev.version
    with st.sidebar:
        if uploaded is not None:
            st.warning(
                f"Exploring your uploaded data ({md(uploaded[0])}), for this session only.",
                icon=":material/upload_file:",
            )
            if st.button("Switch back to the shipped data", key="use_shipped", icon=":material/undo:"):
                del st.session_state[USER_EVIDENCE]
                st.rerun()
        st.caption(
            f"Dataset version {md(version.get('version', '?'))} · {md(version.get('date', ''))} · "
            f"{len(ev.studies)} studies"
        )
        st.page_link(PAGES["methods"], label="Sources, data and methods", icon=":material/menu_book:")


def sidebar_footer() -> None:
    """Settings that belong to the whole app, below each page's filters."""
    SETTINGS["chart_format"] = url_state.Choice(("png", "svg"))
    with st.sidebar:
        st.divider()
        st.radio(
            "Chart downloads (camera icon on each chart)",
            ["png", "svg"],
            format_func=lambda f: {"png": "PNG, print resolution", "svg": "SVG, for slides"}[f],
            key="chart_format",
            horizontal=True,
        )
