"""Property tests: whatever bytes a data file holds and whatever a link says, the app answers with a
located problem or a checked value, never a traceback.

Hypothesis generates the inputs. Example counts are kept small (each load of the mini dataset costs
about 0.2 s) so the file runs in well under half a minute; the strategies start from the fixture's
own bytes and values so most examples get past the first check and exercise the later ones.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.evidence.files import Problem
from components.evidence.loader import (
    Evidence,
    EvidenceError,
    build_evidence,
    dataset_files,
    read_data_dir,
    read_dictionary,
)
from components.evidence.url_state import Choice, Choices, Integer, Text, encode_query, parse_query
from tests.conftest import MINI

DICTIONARY = read_dictionary()
MINI_FILES = read_data_dir(MINI, DICTIONARY)
DATASET_FILES = set(dataset_files(DICTIONARY))
TABLE_FILES = {spec["file"]: name for name, spec in DICTIONARY["tables"].items()}
LOAD_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _rows_of(file: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(MINI_FILES[file].decode("utf-8"), newline="")))


def _outcome(files: dict[str, bytes]) -> Evidence | list[Problem]:
    """The loaded evidence, or the problems; any other exception fails the test."""
    try:
        return build_evidence(files, DICTIONARY)
    except EvidenceError as err:
        return err.problems


def assert_well_formed(problems: list[Problem]) -> None:
    """Each problem can be shown on the error page: a known file, a row number or none, a message."""
    assert problems, "EvidenceError with no problems"
    for problem in problems:
        assert problem.file in DATASET_FILES, problem
        assert problem.row is None or (isinstance(problem.row, int) and problem.row >= 0), problem
        assert isinstance(problem.column, str) and isinstance(problem.value, str), problem
        assert problem.message and str(problem)


def assert_consistent(evidence: Evidence) -> None:
    """What pages rely on once the data has loaded: unique study ids and no dangling references."""
    studies = evidence.studies
    assert studies.index.is_unique
    assert set(studies["condition"]) <= set(evidence.vocab["conditions"].index)
    for table in (evidence.outcomes, evidence.mechanisms, evidence.adverse_events):
        assert set(table["study_id"]) <= set(studies.index)
    assert set(evidence.outcomes["measure"]) <= set(evidence.vocab["measures"].index)


# ---------------------------------------------------------------------------------------------
# (a) Arbitrary bytes in place of one file


@st.composite
def one_file_changed(draw) -> tuple[str, bytes]:
    """One file of the mini dataset replaced by random bytes, or by its own bytes with one random edit."""
    name = draw(st.sampled_from(sorted(MINI_FILES)))
    original = MINI_FILES[name]
    if draw(st.booleans()):
        return name, draw(st.binary(max_size=2_000))
    start = draw(st.integers(0, len(original)))
    cut = draw(st.integers(0, 40))
    inserted = draw(
        st.one_of(
            st.binary(max_size=20),
            st.text(max_size=20).map(lambda t: t.encode("utf-8")),
            st.sampled_from([b",", b'"', b"\n", b"\r\n", b"\x00", b"&a ", b"*a", b"<<: ", b"- ", b"\xef\xbb\xbf"]),
        )
    )
    return name, original[:start] + inserted + original[start + cut :]


@LOAD_SETTINGS
@given(one_file_changed())
def test_any_bytes_in_one_file_load_or_give_located_problems(change):
    name, raw = change
    result = _outcome({**MINI_FILES, name: raw})
    if isinstance(result, Evidence):
        assert_consistent(result)
    else:
        assert_well_formed(result)


# ---------------------------------------------------------------------------------------------
# (b) Arbitrary rows appended to a table


def _field(values: list[str]) -> st.SearchStrategy[str]:
    # Mostly values the column already holds (so rows often pass and reach the later checks),
    # sometimes nothing, sometimes anything at all.
    return st.one_of(
        st.sampled_from(values),
        st.just(""),
        st.text(max_size=30),
        st.integers(-1_000, 10**12).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
    )


@st.composite
def rows_appended(draw) -> tuple[str, list[list[str]]]:
    file = draw(st.sampled_from(sorted(TABLE_FILES)))
    rows = _rows_of(file)
    header, body = rows[0], rows[1:]
    columns = [[row[i] for row in body] or [""] for i in range(len(header))]
    width = draw(st.sampled_from([len(header)] * 4 + [len(header) - 1, len(header) + 1, 1]))
    row = st.tuples(*(_field(columns[i % len(columns)]) for i in range(width))).map(list)
    new_rows = draw(st.lists(row, min_size=1, max_size=3))
    return file, new_rows


def _with_rows(file: str, rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return MINI_FILES[file] + buffer.getvalue().encode("utf-8")


def assert_only_new_rows_blamed(problems: list[Problem], file: str, first_new_row: int) -> None:
    """Rows that were valid before are never blamed for rows added after them."""
    assert_well_formed(problems)
    for problem in problems:
        assert problem.file == file, problem
        assert problem.row is None or problem.row >= first_new_row, problem


@LOAD_SETTINGS
@given(rows_appended())
def test_appended_rows_are_loaded_or_named(change):
    file, rows = change
    existing = len(_rows_of(file)) - 1
    result = _outcome({**MINI_FILES, file: _with_rows(file, rows)})
    if isinstance(result, Evidence):
        assert_consistent(result)
        table = TABLE_FILES[file]
        if table != "curation_log":  # checked on load, not part of the bundle
            # Every row with a value is kept; blank rows carry no data.
            added = sum(1 for row in rows if any(field != "" for field in row))
            assert len(result.table(table)) == existing + added
    else:
        assert_only_new_rows_blamed(result, file, existing + 1)


@LOAD_SETTINGS
@given(file=st.sampled_from(sorted(TABLE_FILES)), text=st.text(min_size=1, max_size=300))
def test_appended_raw_text_is_loaded_or_named(file, text):
    existing = len(_rows_of(file)) - 1
    result = _outcome({**MINI_FILES, file: MINI_FILES[file] + text.encode("utf-8")})
    if isinstance(result, Evidence):
        assert_consistent(result)
    else:
        assert_only_new_rows_blamed(result, file, existing + 1)


# ---------------------------------------------------------------------------------------------
# (c) Whatever a link holds, the page gets only values it offers

SPECS = {
    "condition": Choices(("sle", "lupus_nephritis", "systemic_sclerosis")),
    "design": Choice(("rct", "single_arm")),
    "year_min": Integer(1995, 2026),
    "q": Text(),
    "short": Text(max_chars=5),
}
PLAUSIBLE = [
    "sle",
    "sle,systemic_sclerosis",
    " sle , lupus_nephritis ,sle",
    ",",
    "rct",
    "2012",
    "1890",
    "٢٠١٢",
    "0002012",
    "Treg (CD25+)",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "a\x00b",
    "x" * 600,
]
NOTICE = re.compile(
    r"Some settings in the link were not recognised and were ignored \((?P<names>[a-z_, ]+)\); "
    r"defaults are shown instead\."
)


def satisfies(value: object, spec: object) -> bool:
    if isinstance(spec, Choices):
        return (
            isinstance(value, list)
            and len(value) > 0
            and value == [option for option in spec.options if option in value]  # page order, no repeats
        )
    if isinstance(spec, Choice):
        return value in spec.options
    if isinstance(spec, Integer):
        return type(value) is int and spec.low <= value <= spec.high
    if isinstance(spec, Text):
        return isinstance(value, str) and len(value) <= spec.max_chars and not re.search(r"[\x00-\x1f\x7f]", value)
    return False


link_values = st.one_of(st.sampled_from(PLAUSIBLE), st.text(max_size=40), st.text(min_size=190, max_size=600))
link_params = st.dictionaries(
    keys=st.one_of(st.sampled_from(sorted(SPECS)), st.text(max_size=10)),
    values=st.lists(link_values, max_size=3),
    max_size=7,
)


@settings(max_examples=150, deadline=None)
@given(link_params)
def test_any_link_gives_only_values_the_page_offers(params):
    parsed = parse_query(params, SPECS)

    assert set(parsed.values) <= set(SPECS) and set(parsed.rejected) <= set(SPECS)
    assert not set(parsed.values) & set(parsed.rejected)
    for key, value in parsed.values.items():
        assert satisfies(value, SPECS[key]), (key, value)
    # Every known key that was given is either used or named as ignored.
    given_keys = {key for key in SPECS if params.get(key)}
    assert set(parsed.values) | set(parsed.rejected) == given_keys

    notice = parsed.notice()
    if not parsed.rejected:
        assert notice == ""
    else:
        # The notice is a fixed sentence plus parameter names: nothing else from the link.
        match = NOTICE.fullmatch(notice)
        assert match, notice
        assert set(match["names"].split(", ")) == set(parsed.rejected)


@settings(max_examples=100, deadline=None)
@given(link_params)
def test_a_link_written_by_the_page_restores_the_same_view(params):
    values = parse_query(params, SPECS).values
    link = encode_query(values, {})
    restored = parse_query({key: [value] for key, value in link.items()}, SPECS)
    assert not restored.rejected
    assert restored.values == {key: value for key, value in values.items() if value not in ("", [])}


@pytest.mark.parametrize("bad", ["<img src=x onerror=alert(1)>", "javascript:alert(1)", "'\"><svg onload=alert(1)>"])
def test_notice_never_echoes_a_rejected_value(bad):
    notice = parse_query({key: [bad] for key in SPECS}, SPECS).notice()
    assert notice and bad not in notice and "<" not in notice and "javascript" not in notice
