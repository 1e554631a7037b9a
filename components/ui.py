"""The few helpers that call Streamlit: the cached load, the error page, the sidebar and filters,
and safe rendering of text that comes from the data.

Everything else in components/ is pure and testable without Streamlit.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from components.files import Problem
from components.filters import StudyFilter
from components.loader import DATA_DIR, Evidence, EvidenceError, load_evidence

PAGES = {
    "overview": "pages/overview.py",
    "explore": "pages/explore_studies.py",
    "study": "pages/study_detail.py",
    "methods": "pages/data_methods.py",
}

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$=])")


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


def evidence() -> Evidence:
    """The evidence for this session. app.py stops before any page runs if it failed to load."""
    result = load_shipped()
    if result.evidence is None:
        show_problems(result.problems)
        st.stop()
    return result.evidence


def md(text: object) -> str:
    """Escape data text for st.markdown, so it shows as typed (no links, images, HTML or icons)."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))


def show_problems(problems: tuple[Problem, ...] | list[Problem]) -> None:
    """The error page for data that failed validation: every problem, one per row."""
    st.title("The evidence data could not be loaded")
    st.error(
        f"{len(problems)} problem(s) were found in the data files. The app shows no evidence until "
        "they are fixed, so that nothing wrong is shown as fact. Each line names the file, row, "
        "column and value."
    )
    table = pd.DataFrame(
        [{"File": p.file, "Row": p.row, "Column": p.column, "Value": p.value, "Problem": p.message} for p in problems]
    )
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption("Rows are counted from 1 after the header row; row 0 is the header.")


def sidebar_about(ev: Evidence) -> None:
    version = ev.version
    with st.sidebar:
        st.caption(
            f"Dataset version {md(version.get('version', '?'))} · {md(version.get('date', ''))} · "
            f"{len(ev.studies)} studies"
        )
        st.page_link(PAGES["methods"], label="Sources, data and methods", icon=":material/menu_book:")


def _options(ev: Evidence, vocabulary: str, column: str, table: pd.DataFrame | None = None) -> list[str]:
    """Vocabulary ids that occur in the data, in vocabulary order."""
    present = set((table if table is not None else ev.studies)[column])
    return [i for i in ev.vocab[vocabulary].index if i in present]


def study_filters(ev: Evidence) -> StudyFilter:
    """The shared study filters in the sidebar. Keys are stable and shared by every page,
    so a selection survives moving between pages."""
    studies = ev.studies
    years = studies["year"].dropna()
    lo, hi = (int(years.min()), int(years.max())) if len(years) else (1995, 2026)
    label = ev.label
    with st.sidebar:
        st.header("Filter studies")
        conditions = st.multiselect(
            "Condition",
            _options(ev, "conditions", "condition"),
            format_func=lambda v: label("conditions", v),
            key="condition",
            placeholder="All conditions",
            help="Choosing SLE includes lupus nephritis.",
        )
        designs = st.multiselect(
            "Study design",
            _options(ev, "designs", "design"),
            format_func=lambda v: label("designs", v),
            key="design",
            placeholder="All designs",
        )
        cell_sources = st.multiselect(
            "Cell source",
            _options(ev, "cell_sources", "cell_source"),
            format_func=lambda v: label("cell_sources", v),
            key="cell_source",
            placeholder="All sources",
        )
        text = st.text_input(
            "Search title, authors, summary, PMID…", key="q", max_chars=200, placeholder="e.g. Treg or 28478399"
        )
        with st.expander("More filters"):
            donors = st.multiselect(
                "Donor",
                _options(ev, "donors", "donor"),
                format_func=lambda v: label("donors", v),
                key="donor",
                placeholder="Any donor",
            )
            routes = st.multiselect(
                "Route",
                _options(ev, "routes", "route"),
                format_func=lambda v: label("routes", v),
                key="route",
                placeholder="Any route",
            )
            phases = st.multiselect(
                "Trial phase",
                sorted(p for p in set(studies["phase"]) if p),
                key="phase",
                placeholder="Any phase",
            )
            year_range = st.slider("Publication year", lo, max(hi, lo + 1), (lo, max(hi, lo + 1)), key="years")
            min_patients = st.number_input(
                "At least this many patients on MSC", min_value=0, max_value=10_000, step=5, key="min_patients"
            )
            targets = st.multiselect(
                "Immune or tissue target measured",
                _options(ev, "targets", "target", ev.mechanisms),
                format_func=lambda v: label("targets", v),
                key="target",
                placeholder="Any target",
            )
            benefits = st.multiselect(
                "Benefit reported",
                _options(ev, "benefits", "benefit", ev.outcomes),
                format_func=lambda v: label("benefits", v),
                key="benefit",
                placeholder="Any benefit",
            )
    year_min = year_range[0] if year_range[0] > lo else None
    year_max = year_range[1] if year_range[1] < max(hi, lo + 1) else None
    return StudyFilter(
        conditions=tuple(conditions),
        cell_sources=tuple(cell_sources),
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


def link_columns() -> dict:
    """Column settings that turn the source columns of a study table into links."""
    return {
        "PubMed": st.column_config.LinkColumn("PubMed", display_text=r"https://pubmed\.ncbi\.nlm\.nih\.gov/(\d+)/"),
        "DOI": st.column_config.LinkColumn("DOI", display_text=r"https://doi\.org/(.+)"),
        "Registry page": st.column_config.LinkColumn("Registry page", display_text=r"https://[^/]+/(?:study/)?(.+)"),
        "Source read": st.column_config.LinkColumn("Source read", display_text="open"),
        "Dose (cells/kg)": st.column_config.NumberColumn("Dose (cells/kg)", format="%.1e"),
        "Year": st.column_config.NumberColumn("Year", format="%d"),
    }
