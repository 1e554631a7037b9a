"""Colours, marker shapes and chart defaults: set once here, used by every figure.

The palette is Okabe & Ito's, safe for the common forms of colour blindness. Wherever colour
carries meaning a second encoding (marker shape or text) carries it too.
"""

from __future__ import annotations

OKABE_ITO = [
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
]

STATE_COLOURS = {
    "benefit": "#009E73",
    "no_benefit": "#D55E00",
    "not_measured": "#C8C8C8",
}

# Risk-of-bias judgements, traffic-light style (with a mark in every cell: colour is never alone).
BIAS_COLOURS = {
    "low": "#B8E0D2",
    "some_concerns": "#F6DFA4",
    "moderate": "#F6DFA4",
    "high": "#F2B8A0",
    "serious": "#F2B8A0",
    "critical": "#E08E6D",
    "no_information": "#E6E6E6",
    "not_assessed": "#F5F5F5",
}

# Marker shape by evidence rank (1 = randomised ... 5 = case report).
DESIGN_SYMBOLS = {1: "diamond", 2: "square", 3: "circle", 4: "triangle-up", 5: "x"}

FONT_FAMILY = "Source Sans Pro, Arial, sans-serif"
CHART_HEIGHT_PER_ROW = 46

# Plotly's toolbar: downloads at print resolution, no logo.
PLOTLY_CONFIG = {
    "displaylogo": False,
    "toImageButtonOptions": {"format": "png", "scale": 3},
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}


def base_layout(*, title: str, height: int | None = None) -> dict:
    """The shared look as a layout dict (plain title, readable fonts, white background), for a
    builder to extend and pass to go.Figure once: every update_layout call on a figure costs a
    full round of Plotly's validation."""
    layout = {
        "title": {
            "text": title,
            "x": 0,
            "xanchor": "left",
            "y": 0.995,
            "yanchor": "top",
            "yref": "container",
            "font": {"size": 17},
        },
        "font": {"family": FONT_FAMILY, "size": 13, "color": "#222222"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": {"l": 10, "r": 10, "t": 110, "b": 10},
        "hoverlabel": {"font": {"family": FONT_FAMILY, "size": 13}},
    }
    if height:
        layout["height"] = height
    return layout


def condition_colours(conditions: list[str]) -> dict[str, str]:
    """One stable colour per condition id, in the order given."""
    return {c: OKABE_ITO[i % len(OKABE_ITO)] for i, c in enumerate(conditions)}
