"""Bring your own data: uploads are validated like the shipped data, used for the session only,
and never change the shipped files."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from streamlit.testing.v1 import AppTest

from components.evidence.loader import DATA_DIR, build_evidence, read_data_dir, read_dictionary
from components.evidence.upload import collect_upload, template_zip, with_shipped
from components.views import ui
from tests.conftest import MINI, ROOT

APP = str(ROOT / "app.py")


def zipped(files: dict[str, bytes], prefix: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, raw in files.items():
            archive.writestr(prefix + name, raw)
    return buffer.getvalue()


def mini_files() -> dict[str, bytes]:
    return read_data_dir(MINI, read_dictionary())


def data_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(DATA_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.mark.parametrize("prefix", ["", "my-dataset/"])
def test_a_zip_of_the_whole_dataset_is_accepted(prefix):
    files, problems = collect_upload([("lab.zip", zipped(mini_files(), prefix))], read_dictionary())
    assert not problems
    assert set(files) == set(mini_files())
    evidence = build_evidence(files, read_dictionary())
    assert len(evidence.studies) == 6


def test_single_files_are_completed_with_the_shipped_data():
    dictionary = read_dictionary()
    shipped = read_data_dir(DATA_DIR, dictionary)
    studies = shipped["studies.csv"]
    files, problems = collect_upload([("studies.csv", studies)], dictionary)
    assert not problems and set(files) == {"studies.csv"}
    merged = with_shipped(files, shipped)
    assert merged["outcomes.csv"] == shipped["outcomes.csv"]


@pytest.mark.parametrize(
    ("uploads", "words"),
    [
        ([("notes.txt", b"hello")], "not a file of this dataset"),
        ([("lab.zip", b"not a zip at all")], "cannot be opened"),
        ([("lab.zip", zipped({"../../etc/passwd": b"x"}))], "not a file of this dataset"),
        ([("lab.zip", zipped({f"f{i}.csv": b"a" for i in range(60)}))], "at most 50"),
    ],
)
def test_bad_uploads_are_reported(uploads, words):
    files, problems = collect_upload(uploads, read_dictionary())
    assert any(words in p.message for p in problems), [str(p) for p in problems]
    assert "../../etc/passwd" not in files


def test_template_zip_holds_headers_vocabularies_and_dictionary():
    dictionary = read_dictionary()
    raw = template_zip(dictionary, read_data_dir(DATA_DIR, dictionary), (DATA_DIR / "dictionary.yaml").read_bytes())
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        names = set(archive.namelist())
        assert {"studies.csv", "dictionary.yaml", "vocabularies/conditions.yaml", "README.txt"} <= names
        header = archive.read("studies.csv").decode().strip().split(",")
    assert header == list(dictionary["tables"]["studies"]["columns"])


@pytest.fixture
def app_on_shipped(monkeypatch):
    monkeypatch.delenv("MSC_EVIDENCE_DIR", raising=False)
    ui.load_shipped.clear()
    yield
    ui.load_shipped.clear()


def test_uploaded_data_is_explored_for_the_session_and_shipped_data_is_untouched(app_on_shipped):
    before = data_fingerprint()
    at = AppTest.from_file(APP, default_timeout=60).run()
    shipped_count = at.metric[0].value
    at.switch_page("pages/your_data.py").run()
    at.file_uploader(key="upload_files").set_value(("lab.zip", zipped(mini_files()), "application/zip")).run()
    assert not at.exception
    assert at.success[0].value == "Your data passed every check"
    assert "6 studies" in at.markdown[-1].value
    at.button(key="use_upload").click().run()
    assert not at.exception
    assert at.metric[0].value == "6" != shipped_count
    assert any("uploaded data" in w.value for w in at.sidebar.warning)
    # switch back
    at.sidebar.button(key="use_shipped").click().run()
    at.switch_page("pages/overview.py").run()
    assert at.metric[0].value == shipped_count
    assert data_fingerprint() == before


def test_an_invalid_upload_lists_its_problems_and_changes_nothing(app_on_shipped):
    before = data_fingerprint()
    files = mini_files()
    files["studies.csv"] = files["studies.csv"].replace(b",2010,", b",20x0,")
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/your_data.py").run()
    at.file_uploader(key="upload_files").set_value(("lab.zip", zipped(files), "application/zip")).run()
    assert not at.exception
    problems = at.dataframe[0].value
    assert {"studies.csv"} <= set(problems["File"])
    assert "20x0" in set(problems["Value"])
    assert not at.button or all(b.key != "use_upload" for b in at.button)
    assert data_fingerprint() == before
