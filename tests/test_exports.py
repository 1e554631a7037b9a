"""Downloads: CSV that a spreadsheet opens safely, holding exactly the rows given."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from components.evidence.exports import neutralise, to_safe_csv


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # OWASP CSV-injection examples
        ("=1+2", "'=1+2"),
        ('=HYPERLINK("https://evil.example","x")', '\'=HYPERLINK("https://evil.example","x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        # harmless values are untouched
        ("Liang J", "Liang J"),
        ("-4.5", "-4.5"),
        ("1e6", "1e6"),
        (None, ""),
        (float("nan"), ""),
        (12, "12"),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_csv_has_bom_quotes_everything_and_round_trips():
    frame = pd.DataFrame({"Study": ["A et al. 2010", "=evil()"], "=Header": [1, None]})
    raw = to_safe_csv(frame)
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == '"Study","\'=Header"'
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["A et al. 2010", "1.0"] or rows[1] == ["A et al. 2010", "1"]
    assert rows[2] == ["'=evil()", ""]
    assert len(rows) == 3
