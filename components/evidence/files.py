"""Strict readers for the evidence base's CSV and YAML files.

They never guess: a file that is not clean UTF-8 text, a row with the wrong number of fields,
an unbalanced quote, a YAML alias or a duplicate key is reported as a `Problem` naming the file,
row and column, instead of being silently repaired (pandas, for one, shifts columns when the first
data row has an extra field). Everything is read as text; the loader converts types afterwards
against the data dictionary.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml
from pyarrow import csv as pa_csv

# Large enough for any real abstract-length field, small enough that a runaway field
# (an unbalanced quote swallowing the rest of the file) is caught quickly.
MAX_FIELD_CHARS = 20_000
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_YAML_DEPTH = 20
MAX_YAML_NODES = 50_000
# Rows per table. Far above any real evidence base (the benchmarks load 400k outcome rows); a file
# with more is refused before a frame is built for it, so an upload cannot exhaust the server.
MAX_ROWS = 1_000_000
# Problems of one kind listed per file before the rest are counted in one line.
MAX_PROBLEMS_PER_KIND = 25


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data, located as precisely as the file allows."""

    file: str
    row: int | None  # 1-based data row (the header is row 0); None for whole-file problems
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        shown = self.value if len(self.value) <= 80 else self.value[:77] + "..."
        value = f", value '{shown}'" if self.value != "" else ""
        return f"{where}{value}: {self.message}"


def decode_text(raw: bytes, name: str) -> tuple[str | None, list[Problem]]:
    """Decode bytes as UTF-8 (an optional BOM is allowed); anything else is a problem."""
    if len(raw) > MAX_FILE_BYTES:
        size_mb = len(raw) / 1024 / 1024
        return None, [Problem(name, None, "", "", f"file is {size_mb:.0f} MB; the limit is 50 MB")]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        msg = "file is UTF-16; save it as UTF-8"
        return None, [Problem(name, None, "", "", msg)]
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        return None, [Problem(name, None, "", "", f"contains a NUL byte (line {line}); is it a binary file?")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        bad = raw[err.start : err.start + 1].hex()
        msg = f"is not UTF-8 text (byte 0x{bad} on line {line}); save it as UTF-8"
        return None, [Problem(name, None, "", "", msg)]
    return text, []


def too_many_rows(text: str, name: str) -> Problem | None:
    """A problem when the text holds more lines than any table may have (counted without parsing)."""
    lines = text.count("\n")
    if lines > MAX_ROWS:
        return Problem(name, None, "", "", f"has {lines:,} lines; a table may have at most {MAX_ROWS:,} rows")
    return None


def other_separator(header: list[str], expected: int) -> str | None:
    """The separator a one-column header seems to use instead of commas (';' or tab), if any."""
    if len(header) != 1 or expected < 2:
        return None
    for separator, name in ((";", "semicolons"), ("\t", "tabs")):
        if header[0].count(separator) >= 1:
            return name
    return None


def capped(problems: list[Problem]) -> list[Problem]:
    """At most MAX_PROBLEMS_PER_KIND problems per file, column and message, then one line counting
    the rest: a file broken on every row gives a readable report, not a million lines."""
    kept: list[Problem] = []
    extra: dict[tuple[str, str, str], int] = {}
    seen: dict[tuple[str, str, str], int] = {}
    for problem in problems:
        kind = (problem.file, problem.column, problem.message)
        seen[kind] = seen.get(kind, 0) + 1
        if seen[kind] <= MAX_PROBLEMS_PER_KIND or problem.message.startswith("... and "):
            kept.append(problem)
        else:
            extra[kind] = extra.get(kind, 0) + 1
    for (file, column, message), count in extra.items():
        kept.append(Problem(file, None, column, "", f"... and {count:,} more rows with the same problem ({message})"))
    return kept


def read_csv_text(text: str, name: str) -> tuple[list[str], list[tuple[int, list[str]]], list[Problem]]:
    """Parse CSV text into a header and (row number, fields) pairs, reporting malformed rows
    (MAX_PROBLEMS_PER_KIND of them, then a count of the rest)."""
    problems: list[Problem] = []
    if not text.strip():
        return [], [], [Problem(name, None, "", "", "file is empty; it needs at least a header row")]
    if (problem := too_many_rows(text, name)) is not None:
        return [], [], [problem]
    old_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        try:
            header = next(reader)
        except csv.Error as err:
            return [], [], [Problem(name, 0, "", "", f"header cannot be read: {err}")]
        header = [h.strip() for h in header]
        seen: set[str] = set()
        for col in header:
            if col == "":
                problems.append(Problem(name, 0, "", "", "header has an empty column name"))
            elif col in seen:
                problems.append(Problem(name, 0, col, col, "column name appears twice in the header"))
            seen.add(col)
        rows: list[tuple[int, list[str]]] = []
        row_no = bad_rows = 0
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as err:
                msg = f"row cannot be read (near line {reader.line_num}): {err}; check for an unbalanced quote"
                problems.append(Problem(name, row_no + 1, "", "", msg))
                break
            row_no += 1
            if not any(fields):
                continue  # blank lines carry no data
            if len(fields) != len(header):
                bad_rows += 1
                if bad_rows <= MAX_PROBLEMS_PER_KIND:
                    shown = ",".join(fields)[:200]
                    msg = f"has {len(fields)} fields but the header has {len(header)}"
                    problems.append(Problem(name, row_no, "", shown, msg))
                continue
            rows.append((row_no, fields))
        if bad_rows > MAX_PROBLEMS_PER_KIND:
            more = bad_rows - MAX_PROBLEMS_PER_KIND
            problems.append(Problem(name, None, "", "", f"... and {more:,} more rows with the wrong number of fields"))
        return header, rows, problems
    finally:
        csv.field_size_limit(old_limit)


def read_csv_arrow(data: bytes, dtype) -> tuple[list[str], pd.DataFrame] | None:
    """The fast path for a clean CSV: Arrow's C++ reader on the file's UTF-8 bytes, every column as
    text, surrounding white space trimmed in Arrow.

    Returns None whenever the file is anything but plain and well formed (a malformed row, a
    blank line that would shift row numbers, an oversized field, a repeated column name), so
    that the strict reader above can name the problem precisely. It gives up at the first malformed
    row: a file that is wrong on every row costs one Arrow pass, not a Python call per row.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\n\n" in data or b"\n\r\n" in data or not data.strip():
        return None

    def give_up(row: object) -> str:
        return "error"

    try:
        first_line = next(csv.reader(io.StringIO(data.split(b"\n", 1)[0].decode("utf-8"))))
        header = [h.strip() for h in first_line]
        if len(set(header)) != len(header) or "" in header:
            return None
        table = pa_csv.read_csv(
            pa.py_buffer(data),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True, invalid_row_handler=give_up),
            convert_options=pa_csv.ConvertOptions(
                column_types={h: pa.string() for h in first_line},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, csv.Error, StopIteration, UnicodeError):
        return None
    if table.num_columns != len(header):
        return None
    if table.num_rows:
        longest = max(pc.max(pc.utf8_length(column)).as_py() or 0 for column in table.columns)
        if longest > MAX_FIELD_CHARS:
            return None
        # Trimmed column by column, so only one column is ever held twice.
        for i in range(table.num_columns):
            table = table.set_column(i, table.field(i), pc.utf8_trim_whitespace(table.column(i)))
    frame = table.to_pandas(types_mapper=lambda t: dtype if t == pa.string() else None)
    del table
    frame.columns = header
    if len(frame) and (frame == "").all(axis=1).any():
        return None  # a row of empty fields: the strict reader skips it and keeps row numbers
    return header, frame


class _StrictYamlLoader(yaml.BaseLoader):
    """A safe YAML loader for plain data.

    Every scalar stays a string (no YAML 1.1 surprises such as NO -> False, 0012345 -> octal,
    1:20 -> 80); the dictionary converts types. Anchors, aliases and merge keys are refused
    (they are how "billion laughs" and merge-key bombs expand), as are duplicate keys and
    nesting deeper than MAX_YAML_DEPTH.
    """

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError("while reading", None, "aliases (*name) are not allowed", event.start_mark)
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise yaml.MarkedYAMLError("while reading", None, "anchors (&name) are not allowed", event.start_mark)
        self._depth = getattr(self, "_depth", 0) + 1
        self._nodes = getattr(self, "_nodes", 0) + 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise yaml.MarkedYAMLError(
                    "while reading", None, f"nested deeper than {MAX_YAML_DEPTH} levels", event.start_mark
                )
            if self._nodes > MAX_YAML_NODES:
                raise yaml.MarkedYAMLError(
                    "while reading", None, f"more than {MAX_YAML_NODES} values", event.start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        seen: set[str] = set()
        for key_node, _ in node.value:
            key = key_node.value
            if key_node.tag == "tag:yaml.org,2002:merge" or key == "<<":
                raise yaml.MarkedYAMLError(
                    "while reading", None, "merge keys (<<) are not allowed", key_node.start_mark
                )
            if not isinstance(key, str):
                raise yaml.MarkedYAMLError("while reading", None, "keys must be text", key_node.start_mark)
            if key in seen:
                raise yaml.MarkedYAMLError("while reading", None, f"key '{key}' appears twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml_text(text: str, name: str) -> tuple[object, list[Problem]]:
    """Parse one YAML document into plain lists, dicts and strings."""
    if not text.strip():
        return None, [Problem(name, None, "", "", "file is empty")]
    try:
        # PyYAML's reader rejects control characters as soon as the loader is made.
        loader = _StrictYamlLoader(text)
    except yaml.YAMLError as err:
        return None, [Problem(name, None, "", "", f"is not valid YAML: {err}")]
    try:
        if not loader.check_node():
            return None, [Problem(name, None, "", "", "file is empty")]
        node = loader.get_node()
        if loader.check_node():
            return None, [Problem(name, None, "", "", "holds more than one YAML document (---); use one")]
        return loader.construct_document(node), []
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = f"line {mark.line + 1}: " if mark else ""
        return None, [Problem(name, None, "", "", f"{line}{err.problem or err.context}")]
    except yaml.YAMLError as err:
        return None, [Problem(name, None, "", "", f"is not valid YAML: {err}")]
    except RecursionError:
        return None, [Problem(name, None, "", "", "is nested too deeply to read")]
    finally:
        loader.dispose()
