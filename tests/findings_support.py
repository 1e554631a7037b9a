"""Helpers for the findings tests: edit a copy of the mini fixture row by row, and a richer copy
whose SLEDAI rows carry the spreads an effect size needs.

The shared fixture in tests/fixtures/mini stays as it is; each test that needs more rows edits its
own copy, so no other test's expectations move.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pandas as pd

from components.analysis.filters import StudyFilter, apply_filter
from components.evidence.loader import Evidence
from tests.conftest import MINI

FIXTURE_URL = "https://example.org/fixture"


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def add_row(path: Path, **values: str) -> None:
    """Append a row; columns not given are left empty, and the source defaults to the fixture's."""
    header, rows = _read(path)
    unknown = set(values) - set(header)
    assert not unknown, f"{path.name} has no column {sorted(unknown)}"
    row = dict.fromkeys(header, "")
    if "source_url" in header:
        row["source_url"] = FIXTURE_URL
    row.update(values)
    _write(path, header, [*rows, row])


def edit_rows(path: Path, where: dict[str, str], **values: str) -> None:
    """Set `values` in every row matching all of `where`; at least one row must match."""
    header, rows = _read(path)
    hits = 0
    for row in rows:
        if all(row[key] == value for key, value in where.items()):
            row.update(values)
            hits += 1
    assert hits, f"no row of {path.name} matches {where}"
    _write(path, header, rows)


def copy_mini(target: Path) -> Path:
    """A writable copy of the mini fixture at `target`."""
    shutil.copytree(MINI, target)
    return target


def add_sledai_effects(data: Path) -> Path:
    """Give every study a SLEDAI result that can become an effect size (fictional numbers).

    Controlled comparisons: ln-gamma (randomised, placebo), ssc-eta (randomised, placebo) and
    ra-epsilon (non-randomised). Changes from baseline without control: sle-alpha, its follow-up
    sle-delta (the same cohort), and ssc-zeta.
    """
    outcomes = data / "outcomes.csv"
    edit_rows(outcomes, {"study_id": "sle-alpha-2010", "measure": "sledai"}, change="-8", change_sd="3")
    edit_rows(outcomes, {"study_id": "sle-delta-2014", "measure": "sledai"}, change="-9", change_sd="4")
    single_arm = {"ssc-zeta-2016": ("6", "12", "-3", "2")}
    for study, (month, n, change, sd) in single_arm.items():
        add_row(
            outcomes,
            study_id=study,
            measure="sledai",
            timepoint=month,
            timepoint_unit="months",
            n=n,
            change=change,
            change_sd=sd,
            direction="improved",
        )
    controlled = {
        "ln-gamma-2017": ("6", "12", "-5", "3", "6", "-4", "3"),
        "ra-epsilon-2013": ("8", "20", "-6", "2", "10", "-1", "2"),
        "ssc-eta-2022": ("3", "20", "-2", "2", "20", "-1", "2"),
    }
    for study, (month, n, change, sd, control_n, control_change, control_sd) in controlled.items():
        add_row(
            outcomes,
            study_id=study,
            measure="sledai",
            timepoint=month,
            timepoint_unit="months",
            n=n,
            change=change,
            change_sd=sd,
            control_n=control_n,
            control_change=control_change,
            control_change_sd=control_sd,
            direction="improved",
            vs_control="better",
        )
    return data


ALPHA, GAMMA, DELTA = "sle-alpha-2010", "ln-gamma-2017", "sle-delta-2014"
EPSILON, ZETA, ETA = "ra-epsilon-2013", "ssc-zeta-2016", "ssc-eta-2022"
SLE, LN, RA, SSC = "sle", "lupus_nephritis", "rheumatoid_arthritis", "systemic_sclerosis"


def studies_of(evidence: Evidence, *conditions: str) -> pd.DataFrame:
    return apply_filter(evidence, StudyFilter(conditions=conditions))


def report_no_events(data: Path, study: str) -> None:
    """The study reported on adverse events in its MSC arm and found none."""
    add_row(
        data / "adverse_events.csv",
        study_id=study,
        event="none reported",
        category="none_reported",
        arm="msc",
        patients_affected="0",
        ruled_out="any",
    )
