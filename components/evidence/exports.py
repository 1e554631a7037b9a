"""Downloads that a spreadsheet can open safely.

CSV: UTF-8 with a byte-order mark (so Excel detects the encoding), every field quoted, and any
cell or header that a spreadsheet would run as a formula (starting with =, +, -, @, tab or
carriage return) prefixed with an apostrophe, as OWASP's CSV-injection guidance advises.
Plain numbers such as -4.5 are left as numbers: a spreadsheet does not run them.
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralise(value: object) -> str:
    """A cell value as text that no spreadsheet will evaluate."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def to_safe_csv(frame: pd.DataFrame) -> bytes:
    """The frame as spreadsheet-safe CSV bytes (UTF-8 with BOM, all fields quoted)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([neutralise(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
