"""Text that tries to become markup, and registry exports that are not what they claim: each was once
reproduced against the app; each must now be refused with a sentence or shown as typed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.evidence.loader import EvidenceError, load_evidence, read_data_dir, read_dictionary
from components.evidence.registry_import import main as import_registry
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


# ---------------------------------------------------------------------------------------------
# Registry exports that are not what they claim


def _export(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "export.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_deeply_nested_export_is_refused_with_a_sentence_not_a_traceback(tmp_path, dataset_copy, capsys):
    path = _export(tmp_path, "[" * 200_000 + "]" * 200_000)
    assert import_registry([str(path), "--data-dir", str(dataset_copy)]) == 2
    err = capsys.readouterr().err
    assert "nested too deeply" in err and "Traceback" not in err


def test_nan_in_an_export_is_refused_not_stored_as_the_word_nan(tmp_path, dataset_copy, capsys):
    before = (dataset_copy / "registered_trials.csv").read_bytes()
    record = '{"protocolSection": {"identificationModule": {"nctId": "NCT09999999", "briefTitle": NaN}}}'
    path = _export(tmp_path, '{"studies": [' + record + "]}")
    assert import_registry([str(path), "--data-dir", str(dataset_copy)]) == 2
    assert "NaN is not a JSON value" in capsys.readouterr().err
    assert (dataset_copy / "registered_trials.csv").read_bytes() == before


def test_registry_text_that_is_not_text_is_no_value():
    from components.evidence.registry_records import clean

    assert [clean(v) for v in (float("nan"), float("inf"), True, None, [1], " a  b ", 7)] == [
        "",
        "",
        "",
        "",
        "",
        "a b",
        "7",
    ]


# ---------------------------------------------------------------------------------------------
# Text from the data or the URL never becomes a link, an image or HTML


def leaks(markdown: str) -> list[str]:
    """Markup in rendered markdown that would link or load something from the attacker's host."""
    found = []
    if re.search(r"(?<!\\)\]\s*\(\s*https?\\?:", markdown) and ATTACKER in markdown:
        found.append("link")
    if re.search(r"(?<!\\)!\s*(?<!\\)\[", markdown):
        found.append("image")
    if re.search(r"<\s*(img|a|script)\b", markdown, re.I):
        found.append("html")
    # Escaping the characters does not stop Streamlit's autolinks: only a break in "://" does.
    if re.search(rf"https?://{re.escape(ATTACKER)}", markdown.replace("\\", "")):
        found.append("autolink")
    return found


def rendered_markdown(at: AppTest) -> list[str]:
    """Every piece of text Streamlit renders as markdown: elements, metric and expander labels."""
    kinds = ("markdown", "caption", "title", "header", "subheader", "info", "warning", "success", "error")
    texts = [str(e.value) for kind in kinds for e in getattr(at, kind)]
    texts += [str(m.label) for m in at.metric] + [str(e.label) for e in at.expander]
    return texts


def test_the_leak_check_sees_what_it_must():
    assert leaks(URL_PAYLOADS[0]) and leaks(URL_PAYLOADS[1])
    assert leaks(f"see https://{ATTACKER}/x")
    assert not leaks(ui.md(URL_PAYLOADS[0])) and not leaks(ui.md(URL_PAYLOADS[1]))
    assert not leaks(ui.md(f"see https://{ATTACKER}/x"))


@pytest.mark.parametrize("payload", URL_PAYLOADS)
@pytest.mark.parametrize("page", sorted(ui.PAGES.values()))
def test_a_search_in_the_link_is_shown_as_typed_on_every_page(page, payload):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["q"] = payload
    at.run()
    if page != ui.PAGES["overview"]:
        at.switch_page(page).run()
    assert not at.exception
    for markdown in rendered_markdown(at):
        assert not leaks(markdown), markdown


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/y)![b](https://attacker.invalid/beacon.png)",
        "https://example.org/a b",
        "https://example.org/[x]",
    ],
)
def test_a_source_url_that_could_break_out_of_a_link_is_refused(dataset_copy, url):
    replace_in(dataset_copy / "studies.csv", "https://example.org/fixture", url)
    with pytest.raises(EvidenceError) as err:
        load_evidence(dataset_copy)
    assert any(p.column == "source_url" and "%28" in p.message for p in err.value.problems)


def test_the_grids_own_export_is_switched_off_for_the_formula_safe_download():
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert re.search(r"^disableDataExport = true$", config, re.M)


def test_pages_show_tables_only_through_the_helper_that_adds_the_safe_download():
    for path in sorted((ROOT / "pages").glob("*.py")):
        assert "st.dataframe(" not in path.read_text(), f"{path.name} draws a table without its safe download"


def test_a_table_download_neutralises_formulas(monkeypatch):
    import pandas as pd

    offered = {}
    monkeypatch.setattr(ui.st, "dataframe", lambda *args, **kwargs: None)
    monkeypatch.setattr(ui.st, "download_button", lambda label, **kwargs: offered.update(kwargs))
    cells = ['=HYPERLINK("https://attacker.invalid","x")', "+SUM(1,2)", "@SUM(A1)", "-2+3+cmd|x"]
    ui.table(pd.DataFrame({"Title": cells}), key="t")
    text = offered["data"]().decode("utf-8-sig")
    assert all(f"\"'{cell[:4]}" in text for cell in cells), text


def _poisoned_copy(target: Path) -> Path:
    """The mini dataset with link, image and bare-address payloads in every free-text column and in
    every vocabulary label."""
    import csv
    import shutil

    shutil.copytree(MINI, target)
    payload = " ".join((*URL_PAYLOADS, f"see https://{ATTACKER}/bare"))
    dictionary = read_dictionary()
    for spec in dictionary["tables"].values():
        path = target / spec["file"]
        text_columns = [c for c, col in spec["columns"].items() if col.get("type", "text") == "text"]
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            rows, fields = list(reader), reader.fieldnames
        for row in rows:
            for column in text_columns:
                row[column] = (row[column] + " " + payload).strip()
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
    for spec in dictionary["vocabularies"].values():
        path = target / spec["file"]
        text = path.read_text(encoding="utf-8")
        # Labels in the fixture's flow style: {id: x, label: Name, ...}
        text = re.sub(r"label: ([^,}\n]+)", lambda m: "label: " + json.dumps(m.group(1) + " " + payload), text)
        path.write_text(text, encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory):
    data = _poisoned_copy(tmp_path_factory.mktemp("poisoned") / "data")
    evidence = load_evidence(data)
    assert ATTACKER in evidence.studies["title"].iat[0] and ATTACKER in evidence.label("conditions", "sle")
    return data


@pytest.mark.parametrize("page", sorted(ui.PAGES.values()))
def test_text_from_the_data_never_becomes_a_link_or_image_on_any_page(page, poisoned, monkeypatch):
    monkeypatch.setenv("MSC_EVIDENCE_DIR", str(poisoned))
    ui.load_shipped.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=60)
        at.query_params["study"] = "sle-alpha-2010"
        at.run()
        if page != ui.PAGES["overview"]:
            at.switch_page(page).run()
        assert not at.exception, at.exception
        shown = rendered_markdown(at)
        if page in (ui.PAGES["study"], ui.PAGES["profile"], ui.PAGES["compare"]):
            # These show data text as markdown; if the payload were missing the check would be vacuous.
            assert any(ATTACKER in m.replace("\\", "") for m in shown), shown
        for markdown in shown:
            assert not leaks(markdown), markdown
    finally:
        ui.load_shipped.clear()
