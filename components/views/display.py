"""Putting data on screen safely: text escaped so it shows as typed (never a link, image or HTML),
tables with their formula-safe download, charts with their caption and data, source links as link
elements built from checked URLs.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from components.analysis.filters import StudyFilter, headline
from components.analysis.tables import MORE_STUDY_COLUMNS, STUDY_COLUMNS, study_table
from components.evidence.exports import to_safe_csv
from components.evidence.files import Problem
from components.evidence.links import safe_https
from components.evidence.loader import Evidence
from components.views.theme import PLOTLY_CONFIG

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$=])")


_AUTOLINK_STARTS = re.compile(r"(:(?=//)|(?i:www)(?=\\?\.)|@)")
ZERO_WIDTH_SPACE = "\u200b"


def md(text: object) -> str:
    """Escape data text for st.markdown, so it shows as typed: no links (written or automatic),
    images, HTML or icons."""
    escaped = _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))
    return _AUTOLINK_STARTS.sub(lambda m: m.group(0) + ZERO_WIDTH_SPACE, escaped)


def problems_table(problems: tuple[Problem, ...] | list[Problem], key: str) -> None:
    """Every problem, one per row: file, row, column, value and what is wrong."""
    frame = pd.DataFrame(
        [
            {
                "File": p.file,
                "Row": "" if p.row is None else str(p.row),
                "Column": p.column,
                "Value": p.value,
                "Problem": p.message,
            }
            for p in problems
        ],
        columns=["File", "Row", "Column", "Value", "Problem"],
    )
    table(frame, key=key, width="stretch", file_name="problems")
    st.caption("Rows are counted from 1 after the header row; row 0 is the header. An empty row means the whole file.")


def table(
    frame: pd.DataFrame,
    key: str,
    *,
    file_name: str | None = None,
    download: bool = True,
    hidden: tuple[str, ...] = (),
    **kwargs,
):
    """A table, and beneath it the download of exactly what it shows as formula-safe CSV.

    The grid's own export (and clipboard copy) is switched off in .streamlit/config.toml
    (client.disableDataExport): it wrote cells such as =HYPERLINK(…) raw. This download neutralises
    them, so it is the one way a table leaves the app.
    """
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("placeholder", "")  # a value the source does not give shows as blank, never "None"
    # Columns the page needs (e.g. the study a clicked row opens) but a reader does not stay on the
    # server: the grid gets only what it shows, and a click's row number finds the rest in `frame`.
    shown = frame.drop(columns=[c for c in hidden if c in frame.columns])
    event = st.dataframe(shown, key=key, **kwargs)
    if download and len(frame):
        st.download_button(
            "Download this table (CSV)",
            data=lambda: to_safe_csv(shown),
            file_name=f"{file_name or key}.csv",
            mime="text/csv",
            key=f"{key}.download",
            on_click="ignore",
            icon=":material/download:",
            type="tertiary",
        )
    return event


def study_list(
    ev: Evidence, studies: pd.DataFrame, key: str, *, more: bool = False, caption: str = "", **kwargs
) -> None:
    """Studies as a table a reader can click: choosing a row opens the study (and the browser's Back
    button returns here, since every view lives in its URL). `more` adds the less-used columns."""
    frame = study_table(ev, studies)
    columns = STUDY_COLUMNS + (MORE_STUDY_COLUMNS if more else [])
    st.caption(md(caption) if caption else "Click a row to open the study.")
    event = table(
        frame,
        key=key,
        hidden=tuple(c for c in frame.columns if c not in columns),
        column_config=link_columns()
        | {
            "Study": st.column_config.TextColumn("Study", pinned=True, width="medium"),
            "Design": st.column_config.TextColumn("Design", width="medium"),
            "Cells": st.column_config.TextColumn("Cells", width="medium"),
        },
        on_select="rerun",
        selection_mode="single-row",
        width="stretch",
        **kwargs,
    )
    rows = event.selection.rows if event else []
    if rows:
        st.switch_page(STUDY_PAGE, query_params={"study": frame["Study id"].iat[rows[0]]})


def source_links(links: list[tuple[str, str]]) -> None:
    """External sources as link buttons. A URL is only ever a link element's target, checked by
    safe_https, never spliced into markdown, so no text in the data can turn into a link or image."""
    links = [(label, safe_https(url)) for label, url in links]
    links = [(label, url) for label, url in links if url]
    if not links:
        return
    for column, (label, url) in zip(st.columns(len(links)), links, strict=True):
        column.link_button(label, url, icon=":material/open_in_new:", width="stretch")


def selection_line(ev: Evidence, shown: pd.DataFrame, selection: StudyFilter) -> None:
    """'N of M studies where …' above a result; the filter words come from the URL, so they are escaped."""
    st.caption(md(headline(ev, shown, selection)))


def chart(fig, key: str, caption: str, data: pd.DataFrame | None = None, **kwargs):
    """A chart, its plain-words caption, and the data behind it one click away."""
    event = st.plotly_chart(fig, key=key, config=PLOTLY_CONFIG | chart_download_options(), **kwargs)
    st.caption(caption)
    if data is not None:
        with st.expander("Data behind this chart"):
            table(data, key=f"{key}.data", width="stretch")
    return event


def chart_download_options() -> dict:
    """The toolbar's download format (PNG or SVG), chosen once in the sidebar."""
    fmt = st.session_state.get("chart_format", "png")
    return {
        "toImageButtonOptions": {"format": fmt, "scale": 3 if fmt == "png" else 1, "filename": "msc-evidence-chart"}
    }


STUDY_PAGE = "pages/study_detail.py"


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
