"""What every figure builder shares: one way to make a figure, escape data text, and split rows.

Figure builders (the *_figures modules beside this one) take tidy frames and return Plotly
figures; they know nothing of Streamlit. Text that comes from the data is escaped before it goes
into a figure, because Plotly renders a subset of HTML in titles, labels and hover text.

Each builder assembles plain trace dicts (with their "type") and one layout dict, then makes the
figure once: Plotly validates again on every add_trace and update_* call, which made a figure cost
10-20 ms; made in one go it costs 1-3 ms.
"""

from __future__ import annotations

import html
from collections import namedtuple
from collections.abc import Callable

import numpy as np
import pandas as pd
import plotly.graph_objects as go

MAX_MARKER_PX = 34
MIN_MARKER_PX = 15
# Legend in one row above the plot, left-aligned with the title.
LEGEND_ABOVE = {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0}


def esc(text: object) -> str:
    """Make data text safe for Plotly's HTML-like labels."""
    return html.escape(str(text), quote=False)


def make_figure(traces: list[dict], layout: dict) -> go.Figure:
    """The one place a figure is made: all traces and the whole layout in a single validation."""
    return go.Figure(data=traces, layout=layout)


def records(frame: pd.DataFrame, columns: list[str]) -> list:
    """The frame's rows as named tuples of plain Python values, for per-point text and lookups.

    Several times faster than DataFrame.itertuples, which reads the frame cell by cell through
    pandas indexing; the values are the same.
    """
    row = namedtuple("Row", columns)
    return list(map(row._make, zip(*(frame[c].tolist() for c in columns), strict=True)))


def split_rows(frame: pd.DataFrame, by: str | list[str]) -> Callable[[object], pd.DataFrame]:
    """The frame's rows for each value of `by`, in one pass (a boolean filter per value costs a pass
    each). A value with no rows, or a missing one (which `==` never matches), gets the frame's empty
    slice, columns and dtypes intact."""
    parts = dict(iter(frame.groupby(by, sort=False)))
    empty = frame.iloc[:0]
    return lambda key: parts.get(key, empty)


def present(vocab_ids: pd.Index, values: pd.Series) -> list[str]:
    """The vocabulary's ids that occur in `values`, in vocabulary order."""
    present = set(values)
    return [i for i in vocab_ids if i in present]


def marker_sizes(patients: pd.Series, largest: int) -> pd.Series:
    """Marker diameter growing with the logarithm of patients, from MIN_MARKER_PX (none) to
    MAX_MARKER_PX (`largest` or more).

    Cohorts range from a handful of patients to registries of thousands; with area proportional to
    patients, one registry shrank every trial of 10 to 100 patients to the same dot.
    """
    if largest <= 0:
        return pd.Series(float(MIN_MARKER_PX), index=patients.index)
    share = (np.log1p(patients.clip(lower=0)) / np.log1p(largest)).clip(upper=1.0)
    return MIN_MARKER_PX + (MAX_MARKER_PX - MIN_MARKER_PX) * share
