"""Shared test fixtures: the tiny fictional dataset in tests/fixtures/mini and ways to break it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from components.loader import Evidence, load_evidence, read_dictionary

ROOT = Path(__file__).resolve().parent.parent
MINI = Path(__file__).resolve().parent / "fixtures" / "mini"


@pytest.fixture(scope="session")
def mini() -> Evidence:
    return load_evidence(MINI)


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
