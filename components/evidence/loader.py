"""The one loader of the evidence base: read, validate, type and index every file in data/.

`load_evidence()` reads the files named in `data/dictionary.yaml`, checks them against the
dictionary and the vocabularies, and returns an immutable `Evidence` bundle, or raises
`EvidenceError` carrying one `Problem` per thing wrong (file, row, column, value). The same path
serves an uploaded dataset: `build_evidence()` takes the files as bytes.

Derived columns (cohort, design rank, benefit of each outcome, search text, benefit states) are
computed once per load by derived.py, so pages never recompute them on a rerun.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from components.evidence.derived import assemble
from components.evidence.files import (
    Problem,
    capped,
    decode_text,
    other_separator,
    read_csv_arrow,
    read_csv_text,
    read_yaml_text,
    too_many_rows,
)
from components.evidence.model import Evidence, EvidenceError
from components.evidence.rules import domain_problems
from components.evidence.validation import convert_table

__all__ = [
    "DATA_DIR",
    "Evidence",
    "EvidenceError",
    "build_evidence",
    "load_evidence",
    "read_data_dir",
    "read_dictionary",
]

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
TEXT_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)
DICTIONARY_FILE = "dictionary.yaml"
TABLES = (
    "studies",
    "outcomes",
    "mechanisms",
    "adverse_events",
    "registered_trials",
    "claims",
    "meta_analyses",
    "risk_of_bias",
    "meta_analysis_trials",
    "screening_log",
    "curation_log",
)
VOCABULARIES = ("conditions", "targets", "benefits", "measures", "cell_sources", "donors", "routes", "designs")


# ---------------------------------------------------------------------------------------------
# Reading files


def read_dictionary(data_dir: Path = DATA_DIR) -> dict:
    """The data dictionary. It ships with the code, so a broken one is a programming error."""
    raw = (data_dir / DICTIONARY_FILE).read_bytes()
    text, problems = decode_text(raw, DICTIONARY_FILE)
    if problems:
        raise EvidenceError(problems)
    dictionary, problems = read_yaml_text(text or "", DICTIONARY_FILE)
    if problems:
        raise EvidenceError(problems)
    return dictionary  # type: ignore[return-value]


def dataset_files(dictionary: dict) -> list[str]:
    """Every file a dataset consists of, relative to its folder."""
    names = [dictionary["version_file"]]
    names += [spec["file"] for spec in dictionary["vocabularies"].values()]
    names += [spec["file"] for spec in dictionary["tables"].values()]
    return names


def read_data_dir(data_dir: Path, dictionary: dict) -> dict[str, bytes]:
    """Read the dataset's files as bytes; missing files are simply absent from the result."""
    files = {}
    for name in dataset_files(dictionary):
        path = data_dir / name
        if path.is_file():
            files[name] = path.read_bytes()
    return files


def load_evidence(data_dir: Path = DATA_DIR) -> Evidence:
    """Load and validate the dataset in `data_dir` (the shipped data by default)."""
    dictionary = read_dictionary(DATA_DIR)
    return build_evidence(read_data_dir(Path(data_dir), dictionary), dictionary)


# ---------------------------------------------------------------------------------------------
# Building and validating


def _vocabulary_frame(name: str, spec: dict, raw: bytes | None) -> tuple[pd.DataFrame, pd.Series, list[Problem]]:
    file = spec["file"]
    columns = list(spec["fields"])
    empty = pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    if raw is None:
        return empty, pd.Series(dtype="int64"), [Problem(file, None, "", "", "file is missing")]
    text, problems = decode_text(raw, file)
    if problems:
        return empty, pd.Series(dtype="int64"), problems
    data, problems = read_yaml_text(text or "", file)
    if problems:
        return empty, pd.Series(dtype="int64"), problems
    if not isinstance(data, list):
        return empty, pd.Series(dtype="int64"), [Problem(file, None, "", "", "must be a list of entries (- id: ...)")]
    rows, numbers = [], []
    for i, entry in enumerate(data, start=1):
        if not isinstance(entry, dict):
            problems.append(Problem(file, i, "", str(entry)[:80], "entry must be a mapping of field: value"))
            continue
        row = {}
        for key, value in entry.items():
            if key not in spec["fields"]:
                shown = value if isinstance(value, str) else str(value)[:80]
                problems.append(Problem(file, i, key, shown, "field is not in the data dictionary (check quoting)"))
                continue
            if not isinstance(value, str):
                problems.append(Problem(file, i, key, str(value)[:80], "must be a single text value"))
                value = ""
            row[key] = value.strip()
        rows.append(row)
        numbers.append(i)
    frame = pd.DataFrame(rows, dtype=TEXT_DTYPE).fillna("") if rows else empty
    for col, col_spec in spec["fields"].items():
        # Optional fields may be left out of a YAML entry altogether.
        if col not in frame.columns and not col_spec.get("required"):
            frame[col] = ""
    return frame, pd.Series(numbers, dtype="int64"), problems


def _header_problems(text: str, columns: list[str], file: str) -> list[Problem]:
    """Columns missing from the header or not in the dictionary (an empty list when the header is
    right, or when it cannot be read as CSV: the strict reader then names that problem)."""
    if not text.strip():
        return []
    try:
        header = [h.strip() for h in next(csv.reader(io.StringIO(text, newline="")))]
    except (csv.Error, StopIteration):
        return []
    if (separator := other_separator(header, len(columns))) is not None:
        shown = header[0][:80]
        message = (
            f"the header is one column: the file seems to be separated by {separator}; save it as comma-separated CSV"
        )
        return [Problem(file, 0, "", shown, message)]
    seen: set[str] = set()
    problems = []
    for col in header:
        if col == "":
            problems.append(Problem(file, 0, "", "", "header has an empty column name"))
        elif col in seen:
            problems.append(Problem(file, 0, col, col, "column name appears twice in the header"))
        seen.add(col)
    problems += [Problem(file, 0, col, "", "column is missing from the header") for col in columns if col not in header]
    problems += [
        Problem(file, 0, col, col, "column is not in the data dictionary")
        for col in header
        if col and col not in columns
    ]
    return capped(problems)


def _table_frame(spec: dict, raw: bytes | None) -> tuple[pd.DataFrame, pd.Series, list[Problem]]:
    file = spec["file"]
    columns = list(spec["columns"])
    empty = pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    if raw is None:
        return empty, pd.Series(dtype="int64"), [Problem(file, None, "", "", "file is missing")]
    text, problems = decode_text(raw, file)
    if problems:
        return empty, pd.Series(dtype="int64"), problems
    # Whole-file problems first, before any frame is built: a file of a million rows with the wrong
    # header costs one problem and no memory, not a million.
    if (problem := too_many_rows(text or "", file)) is not None:
        return empty, pd.Series(dtype="int64"), [problem]
    header_problems = _header_problems(text or "", columns, file)
    if header_problems:
        return empty, pd.Series(dtype="int64"), header_problems
    # The fast path reads the bytes themselves (their UTF-8 was checked above): holding the decoded
    # text as well would double what a large upload costs.
    del text
    fast = read_csv_arrow(raw, TEXT_DTYPE)
    if fast is not None:
        header, frame = fast
        numbers = pd.Series(range(1, len(frame) + 1), dtype="int64")
        return frame.reset_index(drop=True), numbers, []
    text = raw.decode("utf-8-sig")
    header, rows, problems = read_csv_text(text, file)
    if not header:
        return empty, pd.Series(dtype="int64"), problems
    if any(p.row == 0 and "twice" in p.message for p in problems):
        return empty, pd.Series(dtype="int64"), problems
    numbers = pd.Series([n for n, _ in rows], dtype="int64")
    # Arrow-backed text columns: stripping and pattern checks then run in C++, which keeps a
    # 100k-study dataset loading in seconds.
    frame = pd.DataFrame([f for _, f in rows], columns=header, dtype=TEXT_DTYPE)
    frame = frame.apply(lambda col: col.str.strip()) if len(frame) else frame
    return frame.reset_index(drop=True), numbers, problems


def _duplicate_keys(frame: pd.DataFrame, key: list[str], numbers: pd.Series, file: str) -> list[Problem]:
    present = [k for k in key if k in frame.columns]
    if len(present) != len(key) or frame.empty:
        return []
    dup = frame[key].duplicated(keep="first").to_numpy()  # missing values compare equal here
    problems = []
    for i in dup.nonzero()[0][:25]:
        value = " / ".join("" if pd.isna(v) else str(v) for v in frame[key].iloc[i])
        label = "+".join(key)
        problems.append(Problem(file, int(numbers.iat[i]), label, value, "duplicate key: an earlier row has the same"))
    return problems


def _reference_problems(
    frame: pd.DataFrame, column: str, valid: set[str], numbers: pd.Series, file: str, target: str
) -> list[Problem]:
    values = frame[column]
    # Plain set lookups: converting a 100k-id set to Arrow for every isin() is far slower.
    known = np.fromiter((v in valid for v in values.to_numpy(dtype=object)), dtype=bool, count=len(values))
    bad = (values != "").to_numpy() & ~known
    return [
        Problem(file, int(numbers.iat[i]), column, str(values.iat[i]), f"does not match any {target}")
        for i in bad.nonzero()[0][:25]
    ]


def build_evidence(files: Mapping[str, bytes], dictionary: dict) -> Evidence:
    """Validate a dataset given as {relative file name: bytes}; raise EvidenceError on any problem."""
    problems: list[Problem] = []

    # 1. Vocabularies: ids first (they are needed to check everything else), then their fields.
    vocab_frames, vocab_numbers = {}, {}
    for name, spec in dictionary["vocabularies"].items():
        frame, numbers, vocab_problems = _vocabulary_frame(name, spec, files.get(spec["file"]))
        problems += vocab_problems
        vocab_frames[name], vocab_numbers[name] = frame, numbers
    vocab_ids = {name: set(frame["id"]) if "id" in frame else set() for name, frame in vocab_frames.items()}
    for name, spec in dictionary["vocabularies"].items():
        frame = vocab_frames[name]
        converted, col_problems = convert_table(
            frame,
            spec["fields"],
            file=spec["file"],
            row_numbers=vocab_numbers[name],
            vocabularies=vocab_ids,
        )
        problems += col_problems
        problems += _duplicate_keys(converted, ["id"], vocab_numbers[name], spec["file"])
        for col, col_spec in spec["fields"].items():
            if col_spec.get("type") == "ref" and not converted.empty:
                ref_vocab = col_spec["references"].split(".")[0]
                problems += _reference_problems(
                    converted, col, vocab_ids[ref_vocab], vocab_numbers[name], spec["file"], f"id in {ref_vocab}"
                )
        vocab_frames[name] = converted

    # 2. Version file.
    version_file = dictionary["version_file"]
    version: dict = {}
    if version_file not in files:
        problems.append(Problem(version_file, None, "", "", "file is missing"))
    else:
        text, file_problems = decode_text(files[version_file], version_file)
        data, yaml_problems = (None, []) if file_problems else read_yaml_text(text or "", version_file)
        problems += file_problems + yaml_problems
        if isinstance(data, dict) and isinstance(data.get("version"), str):
            version = data
        elif not (file_problems or yaml_problems):
            problems.append(Problem(version_file, None, "version", "", "must be a mapping with a 'version' value"))

    # 3. Tables.
    tables, numbers_of = {}, {}
    unreadable: set[str] = set()
    for name, spec in dictionary["tables"].items():
        frame, numbers, table_problems = _table_frame(spec, files.get(spec["file"]))
        problems += table_problems
        if any(p.row is None or p.row == 0 or "cannot be read" in p.message for p in table_problems):
            # A file that could not be read as a whole: don't also blame every row that refers to it.
            unreadable.add(name)
        converted, col_problems = convert_table(
            frame, spec["columns"], file=spec["file"], row_numbers=numbers, vocabularies=vocab_ids
        )
        problems += col_problems
        problems += _duplicate_keys(converted, spec["key"], numbers, spec["file"])
        tables[name], numbers_of[name] = converted, numbers

    # 4. References between tables.
    for name, spec in dictionary["tables"].items():
        for col, col_spec in spec["columns"].items():
            if col_spec.get("type") != "ref":
                continue
            ref_table, ref_col = col_spec["references"].split(".")
            if ref_table in unreadable:
                continue
            valid = set(tables[ref_table][ref_col].tolist())
            problems += _reference_problems(
                tables[name], col, valid, numbers_of[name], spec["file"], f"{ref_col} in {ref_table}"
            )

    # 5. Domain rules that span columns.
    problems += domain_problems(tables, numbers_of, vocab_frames, dictionary)

    if problems:
        raise EvidenceError(capped(_follow_on_collapsed(problems, dictionary)))
    return assemble(tables, vocab_frames, dictionary, version)


def _follow_on_collapsed(problems: list[Problem], dictionary: dict) -> list[Problem]:
    """When a vocabulary file itself has problems, the rows that use its ids are very likely only
    their consequence: one line per column says so, instead of one line per row."""
    broken = {
        name: spec["file"]
        for name, spec in dictionary["vocabularies"].items()
        if any(p.file == spec["file"] for p in problems)
    }
    if not broken:
        return problems
    messages = {f"is not an id in the {name} vocabulary": name for name in broken}
    kept, follow_on = [], {}
    for problem in problems:
        name = messages.get(problem.message)
        if name is None:
            kept.append(problem)
        else:
            follow_on.setdefault((problem.file, problem.column, name), []).append(problem)
    for (file, column, name), rows in follow_on.items():
        first = rows[0]
        message = (
            f"{len(rows)} row(s) use ids that are not in the {name} vocabulary (first: row {first.row}); "
            f"fix the problems in {broken[name]} above first"
        )
        kept.append(Problem(file, None, column, first.value, message))
    return kept
