"""Input built to hurt: huge or pathological files, crafted zips, hostile registry exports, text that
tries to become markup. Each case was once reproduced against the app; each must now end in a clear,
located problem, bounded work, or text shown as typed.
"""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile

import pytest
from streamlit.testing.v1 import AppTest

from components.evidence import upload
from components.evidence.derived import cohort_roots
from components.evidence.files import MAX_PROBLEMS_PER_KIND
from components.evidence.loader import EvidenceError, build_evidence, load_evidence, read_data_dir, read_dictionary
from components.evidence.upload import check_upload, collect_upload
from components.views import ui
from tests.conftest import MINI, ROOT, replace_in

APP = str(ROOT / "app.py")
ATTACKER = "attacker.invalid"
URL_PAYLOADS = (
    "![x](https://attacker.invalid/q.png)",
    "[Session expired - log in again](https://attacker.invalid/login)",
)


def mini_files() -> dict[str, bytes]:
    return read_data_dir(MINI, read_dictionary())


def problems_of(files: dict[str, bytes]) -> list:
    with pytest.raises(EvidenceError) as err:
        build_evidence(files, read_dictionary())
    return err.value.problems


# ---------------------------------------------------------------------------------------------
# Memory and time bounded by the input


def test_a_studies_file_of_one_column_and_many_rows_is_refused_at_its_header_without_building_rows():
    # 10 million lines of "1" under a header "x" once took the server from 0.6 to 5.3 GB: every
    # missing column was built as a list as long as the file. 300,000 lines show the same shape.
    files = {**mini_files(), "studies.csv": b"x\n" + b"1\n" * 300_000}
    tracemalloc.start()
    try:
        problems = problems_of(files)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    studies = [p for p in problems if p.file == "studies.csv"]
    assert all(p.row == 0 for p in studies), [str(p) for p in studies[:5]]
    assert any("missing from the header" in p.message for p in studies)
    assert len(problems) < 80
    assert peak < 40 * 1024 * 1024, f"{peak / 1e6:.0f} MB of Python objects for a 600 kB file"


def test_two_field_rows_under_a_right_header_give_a_capped_report():
    header = read_data_dir(MINI, read_dictionary())["studies.csv"].split(b"\n", 1)[0]
    files = {**mini_files(), "studies.csv": header + b"\n" + b"1,2\n" * 100_000}
    problems = [p for p in problems_of(files) if p.file == "studies.csv"]
    assert len(problems) <= MAX_PROBLEMS_PER_KIND + 5
    assert any(p.message.startswith("... and 99,975 more rows") for p in problems)


def test_a_table_with_more_lines_than_any_table_may_have_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr("components.evidence.files.MAX_ROWS", 1_000)
    header = mini_files()["outcomes.csv"].split(b"\n", 1)[0]
    files = {**mini_files(), "outcomes.csv": header + b"\n" + b"x\n" * 2_000}
    problems = problems_of(files)
    assert [str(p) for p in problems if p.file == "outcomes.csv"] == [
        "outcomes.csv: has 2,001 lines; a table may have at most 1,000 rows"
    ]


def test_duplicate_identifiers_on_every_row_are_capped_with_a_count():
    raw = mini_files()["studies.csv"].decode()
    header, first = raw.splitlines()[:2]
    rows = [first.replace("sle-alpha-2010", f"sle-copy-{i}", 1) for i in range(400)]
    files = {**mini_files(), "studies.csv": ("\n".join([header, *rows]) + "\n").encode()}
    pmid = [p for p in problems_of(files) if p.column == "pmid"]
    assert len(pmid) == MAX_PROBLEMS_PER_KIND + 1
    assert "374 more rows" in pmid[0].message or any("374 more rows" in p.message for p in pmid)


class CountingDict(dict):
    """A dict that counts how often a parent link is looked up."""

    lookups = 0

    def get(self, key, default=None):
        CountingDict.lookups += 1
        return super().get(key, default)


@pytest.mark.parametrize("n", [1_000, 16_000])
def test_follow_up_chains_are_resolved_in_one_pass(n):
    # 16,000 studies each the follow-up of the previous one took a minute to validate: every study
    # walked its whole chain. One pass looks each link up a bounded number of times.
    parents = CountingDict({f"s{i}": f"s{i - 1}" if i else "" for i in range(n)})
    CountingDict.lookups = 0
    roots = cohort_roots(parents)
    assert set(roots.values()) == {"s0"}
    assert CountingDict.lookups <= 2 * n


def test_loops_and_the_studies_leading_into_them_have_no_root():
    roots = cohort_roots({"a": "b", "b": "c", "c": "a", "d": "a", "e": "", "f": "e"})
    assert roots == {"a": None, "b": None, "c": None, "d": None, "e": "e", "f": "e"}


# ---------------------------------------------------------------------------------------------
# Files that are almost right


def test_a_semicolon_separated_file_gets_one_problem_that_names_the_separator():
    raw = mini_files()["studies.csv"].decode().replace(",", ";")
    problems = [p for p in problems_of({**mini_files(), "studies.csv": raw.encode()}) if p.file == "studies.csv"]
    assert len(problems) == 1
    assert "separated by semicolons" in problems[0].message and problems[0].row == 0


def test_one_broken_vocabulary_entry_gives_its_problem_and_one_line_per_column_that_uses_it(dataset_copy):
    replace_in(dataset_copy / "vocabularies" / "designs.yaml", "id: single_arm", "id: [single_arm]")
    with pytest.raises(EvidenceError) as err:
        load_evidence(dataset_copy)
    shown = [str(p) for p in err.value.problems]
    assert shown[0].startswith("vocabularies/designs.yaml")
    follow_on = [p for p in err.value.problems if "designs vocabulary" in p.message]
    assert len(follow_on) == 1, shown
    assert "fix the problems in vocabularies/designs.yaml above first" in follow_on[0].message


# ---------------------------------------------------------------------------------------------
# Crafted zips


def _zip(entries: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, raw in entries.items():
            archive.writestr(name, raw)
    return buffer.getvalue()


def _patch_local_header(raw: bytes, name: bytes, offset: int, value: bytes) -> bytes:
    """Overwrite a field of an entry's local and central headers (size, flags, method)."""
    out = bytearray(raw)
    for signature, base in ((b"PK\x03\x04", 0), (b"PK\x01\x02", 2)):
        start = out.find(signature)
        while start != -1:
            out[start + base + offset : start + base + offset + len(value)] = value
            start = out.find(signature, start + 1)
    return bytes(out)


def _collect(raw: bytes, name: str = "lab.zip"):
    return collect_upload([(name, raw)], read_dictionary())


def test_a_zip_whose_size_header_lies_is_refused_not_expanded():
    studies = mini_files()["studies.csv"]
    raw = _zip({"studies.csv": studies * 50})
    # Uncompressed size (local header offset 22, central 24): claim 100 bytes.
    lying = _patch_local_header(raw, b"studies.csv", 22, struct.pack("<I", 100))
    files, problems = _collect(lying)
    assert files == {}
    assert any("size in the zip says" in p.message or "damaged" in p.message for p in problems), problems


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda raw: raw[: len(raw) // 2], "cannot be opened"),
        (lambda raw: raw.replace(b"Marrow", b"M\x00\xffow", 1), "damaged"),
        (lambda raw: _patch_local_header(raw, b"", 6, struct.pack("<H", 1)), "encrypted"),
        (lambda raw: _patch_local_header(raw, b"", 8, struct.pack("<H", 99)), "method"),
    ],
    ids=["truncated", "corrupt stream", "encrypted flag", "unknown method"],
)
def test_a_damaged_or_crafted_zip_gets_a_clear_problem(damage, words):
    raw = _zip({"studies.csv": mini_files()["studies.csv"]}, zipfile.ZIP_STORED)
    files, problems = _collect(damage(raw))
    assert "studies.csv" not in files
    assert any(words in p.message for p in problems), [str(p) for p in problems]


def test_a_corrupt_deflate_stream_gets_a_clear_problem():
    raw = bytearray(_zip({"studies.csv": mini_files()["studies.csv"] * 20}))
    start = raw.find(b"studies.csv") + len(b"studies.csv") + 20
    raw[start : start + 40] = b"\xff" * 40
    files, problems = _collect(bytes(raw))
    assert "studies.csv" not in files
    assert any("damaged" in p.message or "cannot be opened" in p.message for p in problems)


@pytest.mark.parametrize(
    "name",
    ["C:/Windows/studies.csv", "a/b/studies.csv", "../studies.csv", "/etc/studies.csv", "a\\studies.csv"],
)
def test_entries_outside_the_dataset_layout_are_ignored_and_named(name):
    files, problems = _collect(_zip({name: mini_files()["studies.csv"]}))
    assert files == {}
    assert any(name in p.file and "not a file of this dataset" in p.message for p in problems)


@pytest.mark.parametrize("name", ["studies.csv", "my-data/studies.csv", "my-data/vocabularies/designs.yaml"])
def test_the_dataset_layout_itself_is_accepted(name):
    files, problems = _collect(_zip({name: b"x"}))
    assert not problems and len(files) == 1


def test_two_entries_for_the_same_dataset_file_are_both_refused():
    raw = _zip({"studies.csv": b"a", "my-data/studies.csv": b"b"})
    files, problems = _collect(raw)
    assert "studies.csv" not in files
    assert any("same dataset file" in p.message for p in problems)


# ---------------------------------------------------------------------------------------------
# What the upload page says


def test_an_upload_that_supplied_nothing_usable_is_an_error_not_a_pass():
    check = check_upload([("x.zip", b"not a zip")], read_dictionary(), mini_files())
    state, sentence = check.verdict
    assert state == "error" and "passed" not in sentence


def test_an_upload_with_ignored_files_says_so_beside_the_pass():
    raw = _zip({"studies.csv": mini_files()["studies.csv"], "notes.txt": b"hello"})
    check = check_upload([("lab.zip", raw)], read_dictionary(), mini_files())
    state, sentence = check.verdict
    assert check.evidence is not None and state == "warning" and "not used" in sentence


def test_a_clean_upload_passes():
    check = check_upload([("studies.csv", mini_files()["studies.csv"])], read_dictionary(), mini_files())
    assert check.verdict == ("complete", "Your data passed every check")


def _upload_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(ui.PAGES["your_data"]).run()
    return at


@pytest.mark.parametrize(
    "raw",
    [b"PK\x03\x04 truncated", _zip({f"f{i}.csv": b"x" for i in range(upload.MAX_ZIP_ENTRIES + 1)})],
    ids=["truncated zip", "too many files"],
)
def test_a_refused_upload_is_not_labelled_passed_on_the_page(raw):
    at = _upload_page()
    at.file_uploader(key="upload_files").upload("lab.zip", raw, "application/zip").run()
    assert not at.exception
    assert [e.value for e in at.error], "the refusal is shown as an error"
    assert not any("passed every check" in s.value for s in at.success)
    assert "use_upload" not in [b.key for b in at.button], "nothing to explore is offered"


def test_the_upload_page_validates_an_upload_once_not_on_every_rerun(monkeypatch):
    calls = []
    real = upload.check_upload

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(upload, "check_upload", counting)
    at = _upload_page()
    at.file_uploader(key="upload_files").upload("studies.csv", mini_files()["studies.csv"], "text/csv").run()
    at.run()
    at.run()
    assert len(calls) == 1
