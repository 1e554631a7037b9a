"""Column checks and type conversion against the data dictionary.

Each column spec in `data/dictionary.yaml` names a type (id, text, vocab, enum, integer, number,
year, pmid, doi, registry, url, ref). `convert_column` checks every value of a column at once
(vectorised, so 100k-row tables stay fast) and returns the typed column with one `Problem` per
bad value. Domain rules that span columns or tables live in `loader.py`.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from components.evidence.files import Problem

# Problems listed per column before the rest are summarised in one line, so a badly broken
# 100k-row file gives a readable report instead of 100k lines.
MAX_PROBLEMS_PER_COLUMN = 25
MAX_TEXT_CHARS = 5_000
FIRST_YEAR = 1995

PATTERNS = {
    # Digits are spelled [0-9]: \\d also matches full-width or Arabic-Indic digits, which would pass
    # the check and then be lost when converted to numbers.
    "id": re.compile(r"^[a-z0-9][a-z0-9_.\-]*$", re.ASCII),
    "integer": re.compile(r"^[+-]?[0-9]+$", re.ASCII),
    "number": re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$", re.ASCII),
    "year": re.compile(r"^[0-9]{4}$", re.ASCII),
    "pmid": re.compile(r"^[1-9][0-9]{0,8}$", re.ASCII),
    "doi": re.compile(r"^10\.[0-9]{4,9}/[^\s\"<>]+$", re.ASCII),
    "article": re.compile(r"^([1-9][0-9]{0,8}|10\.[0-9]{4,9}/[^\s\"<>]+)$", re.ASCII),
    # No spaces, quotes, angle brackets, backticks, parentheses or square brackets: a URL is never
    # spliced into markdown, and these are what would let one break out of a link if it were.
    # Real addresses that contain them are written percent-encoded (%28, %29, %5B, %5D).
    "url": re.compile(r"^https://[A-Za-z0-9.\-]+(:[0-9]+)?(/[^\s\"'<>`()\[\]\\]*)?$", re.ASCII),
    "registry": re.compile(
        r"^(NCT[0-9]{8}"
        r"|ChiCTR[-A-Za-z]*[0-9]{6,}"
        r"|ISRCTN[0-9]{8}"
        r"|EudraCT ?[0-9]{4}-[0-9]{6}-[0-9]{2}"
        r"|[0-9]{4}-[0-9]{6}-[0-9]{2}"
        r"|IRCT[0-9]{6,}N[0-9]+"
        r"|CTRI/[0-9]{4}/[0-9]{2,3}/[0-9]{6}"
        r"|KCT[0-9]{7}"
        r"|JPRN-[A-Za-z]+[0-9]+"
        r"|jRCT[a-z]?[0-9]+"
        r"|ACTRN[0-9]{14}"
        r"|UMIN[0-9]{9}"
        r"|DRKS[0-9]{8}"
        r"|NTR[0-9]{3,5}"
        r"|RBR-[0-9a-z]+"
        r"|CTR[0-9]{8}"
        r"|TCTR[0-9]{11}"
        r"|NL-OMON[0-9]+"
        r"|NL[0-9]{4,5})$",
        re.ASCII,
    ),
}

TYPE_HINTS = {
    "id": "an id of lower-case letters, digits, '-', '_' or '.'",
    "integer": "a whole number",
    "number": "a number (e.g. 12.5 or 1e6)",
    "year": f"a year from {FIRST_YEAR} to this year",
    "pmid": "a PubMed id (digits only)",
    "doi": "a DOI starting with '10.'",
    "article": "a PubMed id (digits) or a DOI starting with '10.'",
    "url": "an https:// address without spaces, quotes, brackets or parentheses (write ( ) [ ] as %28 %29 %5B %5D)",
    "registry": "a trial registry id (e.g. NCT01234567)",
}


def _problems_for(
    bad: pd.Series, values: pd.Series, row_numbers: pd.Series, file: str, column: str, message: str
) -> list[Problem]:
    idx = np.flatnonzero(bad.to_numpy())
    out = [
        Problem(file, int(row_numbers.iat[i]), column, str(values.iat[i]), message)
        for i in idx[:MAX_PROBLEMS_PER_COLUMN]
    ]
    if len(idx) > MAX_PROBLEMS_PER_COLUMN:
        more = len(idx) - MAX_PROBLEMS_PER_COLUMN
        out.append(Problem(file, None, column, "", f"... and {more} more rows with the same problem"))
    return out


def convert_column(
    values: pd.Series,
    spec: dict,
    *,
    file: str,
    column: str,
    row_numbers: pd.Series,
    vocabularies: dict[str, set[str]],
) -> tuple[pd.Series, list[Problem]]:
    """Check one text column against its spec; return the typed column and the problems.

    `ref` columns are only checked for being text here; the loader resolves them once every
    table is read.
    """
    kind = spec.get("type", "text")
    filled = values != ""
    problems: list[Problem] = []

    if spec.get("required"):
        problems += _problems_for(~filled, values, row_numbers, file, column, "is required but empty")

    if kind in ("text", "ref"):
        too_long = values.str.len() > MAX_TEXT_CHARS
        problems += _problems_for(
            too_long, values, row_numbers, file, column, f"is longer than {MAX_TEXT_CHARS} characters"
        )
        return values, problems

    if kind in ("vocab", "enum"):
        if kind == "vocab":
            name = spec["vocabulary"]
            allowed = vocabularies.get(name, set())
            hint = f"is not an id in the {name} vocabulary"
        else:
            allowed = {str(a) for a in spec["allowed"]}
            shown = ", ".join(repr(a) for a in sorted(allowed) if a != "")
            hint = f"is not one of the allowed values ({shown})"
        bad = filled & ~values.isin(allowed)
        problems += _problems_for(bad, values, row_numbers, file, column, hint)
        return values, problems

    pattern = PATTERNS.get(kind)
    if pattern is None:
        raise ValueError(f"dictionary: column {column} has unknown type {kind!r}")
    # The pattern's text runs in Arrow's RE2 engine on Arrow strings (\d is 0-9 there too);
    # other columns fall back to Python's re with the compiled, ASCII-only pattern.
    is_arrow = isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"
    matches = values.str.match(pattern.pattern) if is_arrow else values.str.match(pattern)
    bad_form = filled & ~matches.fillna(False).astype(bool)
    problems += _problems_for(bad_form, values, row_numbers, file, column, f"is not {TYPE_HINTS[kind]}")

    if kind in ("integer", "number", "year"):
        clean = values.where(filled & ~bad_form, None)
        numbers = pd.to_numeric(clean, errors="coerce").astype("float64")
        low = spec.get("min", FIRST_YEAR if kind == "year" else None)
        high = spec.get("max", dt.date.today().year if kind == "year" else None)
        if low is not None:
            below = numbers < float(low)
            problems += _problems_for(below, values, row_numbers, file, column, f"is below the minimum {low}")
        if high is not None:
            above = numbers > float(high)
            problems += _problems_for(above, values, row_numbers, file, column, f"is above the maximum {high}")
        if kind == "number":
            return numbers, problems
        # A whole number beyond what float64 holds exactly is already reported above; drop it
        # here so the cast cannot fail.
        numbers = numbers.where(numbers.abs() < 2**53)
        return numbers.astype("Int64"), problems

    return values, problems


def convert_table(
    frame: pd.DataFrame,
    columns: dict[str, dict],
    *,
    file: str,
    row_numbers: pd.Series,
    vocabularies: dict[str, set[str]],
) -> tuple[pd.DataFrame, list[Problem]]:
    """Convert every documented column of a text frame; report missing and unknown columns."""
    problems: list[Problem] = []
    missing = [c for c in columns if c not in frame.columns]
    for col in missing:
        problems.append(Problem(file, 0, col, "", "column is missing from the header"))
    for col in frame.columns:
        if col not in columns:
            problems.append(Problem(file, 0, col, col, "column is not in the data dictionary"))
    out = {}
    for col, spec in columns.items():
        if col in missing:
            # A scalar broadcast, never a per-row list: a missing column costs no memory per row.
            numeric = spec.get("type") in ("integer", "number", "year")
            out[col] = pd.Series(np.nan if numeric else "", index=frame.index, dtype="float64" if numeric else "object")
            continue
        converted, col_problems = convert_column(
            frame[col],
            spec,
            file=file,
            column=col,
            row_numbers=row_numbers,
            vocabularies=vocabularies,
        )
        out[col] = converted
        problems += col_problems
    return pd.DataFrame(out, index=frame.index), problems
