"""Shared test fixtures: the tiny fictional dataset in tests/fixtures/mini and ways to break it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from components.evidence.loader import Evidence, load_evidence, read_dictionary

ROOT = Path(__file__).resolve().parent.parent
MINI = Path(__file__).resolve().parent / "fixtures" / "mini"


@pytest.fixture(scope="session")
def mini() -> Evidence:
    return load_evidence(MINI)


def shown_study_ids(frame, evidence: Evidence | None = None) -> list[str]:
    """The studies a study table shows, in order, found from the labels a reader sees ("Zeta Z
    2016"): the grid is sent without the id column, which only the server needs."""
    from components.analysis.tables import study_label

    ev = evidence if evidence is not None else load_evidence(MINI)
    by_label = {study_label(row): sid for sid, row in ev.studies.iterrows()}
    return [by_label[label] for label in frame["Study"]]


@pytest.fixture(scope="session")
def dictionary() -> dict:
    return read_dictionary()


@pytest.fixture
def dataset_copy(tmp_path: Path) -> Path:
    """A writable copy of the mini dataset."""
    target = tmp_path / "data"
    shutil.copytree(MINI, target)
    return target


def replace_in(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole test session (Debian's chromium, not Playwright's download).

    Skips with the reason when no Chromium is installed, unless REQUIRE_BROWSER=1 (as in CI)."""
    from tests.browser_support import CHROMIUM_ARGS, chromium_path

    playwright_api = pytest.importorskip("playwright.sync_api")
    path = chromium_path()
    if path is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but no Chromium found (apt-get install chromium)")
        pytest.skip("no Chromium found: install Debian's chromium package to run the browser tests")
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
