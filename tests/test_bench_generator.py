"""The benchmark's synthetic datasets are valid evidence bases, so scale figures time real work."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.generate import ADVERSE_EVENTS_PER_STUDY, MECHANISMS_PER_STUDY, OUTCOMES_PER_STUDY, generate_dataset
from components.evidence.loader import Evidence, load_evidence

STUDIES = 1_000


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Evidence:
    folder = generate_dataset(tmp_path_factory.mktemp("synthetic") / "data", STUDIES)
    # load_evidence raises EvidenceError listing every problem: passing it means zero problems.
    return load_evidence(folder)


@pytest.mark.parametrize(
    ("table", "rows"),
    [
        ("studies", STUDIES),
        ("outcomes", STUDIES * OUTCOMES_PER_STUDY),
        ("mechanisms", STUDIES * MECHANISMS_PER_STUDY),
        ("adverse_events", STUDIES * ADVERSE_EVENTS_PER_STUDY),
    ],
)
def test_generated_tables_validate_with_the_requested_size(generated, table, rows):
    assert len(generated.table(table)) == rows


def test_follow_up_reports_share_their_cohort_so_patients_are_not_counted_twice(generated):
    studies = generated.studies
    follow_ups = studies[studies["parent_study_id"] != ""]
    assert 0 < len(follow_ups) < len(studies)
    assert studies["cohort_id"].nunique() < len(studies)


def test_every_study_maps_to_benefits_like_real_data(generated):
    # The evidence map needs outcomes whose measures map to benefits and studies in several conditions.
    assert (generated.outcomes["benefit"] != "").all()
    assert generated.studies["condition"].nunique() > 5


def test_shipped_side_files_are_copied(generated):
    assert len(generated.claims) > 0
    assert len(generated.registered_trials) > 0
    assert (generated.registered_trials["linked_study_id"] == "").all()


def test_same_seed_gives_the_same_dataset(tmp_path: Path):
    first = generate_dataset(tmp_path / "a", 50, seed=3)
    second = generate_dataset(tmp_path / "b", 50, seed=3)
    for name in ("studies.csv", "outcomes.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
