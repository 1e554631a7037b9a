"""The layers of components/ are checked by a tool, and the check can fail.

`make test` runs import-linter with the contracts in pyproject.toml. These tests run the same
contracts on a copy of components/ with one deliberately wrong import, and expect the tool to
refuse it and to name both modules; and they keep the tree readable (no file over 400 lines
without a reason at its top).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
LAYERS = ("evidence", "analysis", "views")


def _lint(tree: Path) -> subprocess.CompletedProcess:
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "components", tmp_path / "components", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def _add_import(module: Path, line: str) -> None:
    text = module.read_text(encoding="utf-8")
    head, sep, rest = text.partition("from __future__ import annotations\n")
    module.write_text(head + sep + line + "\n" + rest, encoding="utf-8")


def test_the_shipped_tree_keeps_every_contract(tree):
    result = _lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "named"),
    [
        # analysis reaching up into the views
        ("analysis/filters.py", "from components.views import theme", "components.views.theme"),
        # evidence reaching up into analysis (the old loader -> aggregate cycle)
        ("evidence/loader.py", "from components.analysis import aggregate", "components.analysis.aggregate"),
        # a pure module drawing
        ("analysis/claims.py", "import streamlit", "streamlit"),
        ("evidence/exports.py", "import plotly.graph_objects", "plotly"),
    ],
)
def test_a_wrong_import_breaks_a_contract_and_names_both_modules(tree, module, line, named):
    _add_import(tree / "components" / module, line)
    result = _lint(tree)
    assert result.returncode != 0
    importer = "components." + module.removesuffix(".py").replace("/", ".")
    assert importer in result.stdout and named in result.stdout, result.stdout


def test_no_module_of_analysis_or_evidence_imports_streamlit_or_plotly():
    for layer in ("analysis", "evidence"):
        for path in (ROOT / "components" / layer).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "import streamlit" not in text and "import plotly" not in text, path


def test_every_layer_is_a_package_named_for_what_it_holds():
    present = sorted(p.name for p in (ROOT / "components").iterdir() if (p / "__init__.py").exists())
    assert present == sorted(LAYERS)
    loose = [p.name for p in (ROOT / "components").glob("*.py") if p.name != "__init__.py"]
    assert loose == [], f"modules outside the layers: {loose}"


def _project_files():
    for folder in ("components", "pages", "tests", "bench"):
        yield from (ROOT / folder).rglob("*.py")
    yield ROOT / "app.py"


def test_no_file_is_over_400_lines_without_a_reason_at_its_top():
    long = []
    for path in _project_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > 400 and "Why this file is long:" not in "\n".join(lines[:30]):
            long.append(f"{path.relative_to(ROOT)} ({len(lines)} lines)")
    assert not long, "over 400 lines with no 'Why this file is long:' note at the top: " + ", ".join(long)
