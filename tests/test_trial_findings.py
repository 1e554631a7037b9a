"""Registered trials and the Condition profile's story, on the mini fixture.

Where a rule needs rows the shared fixture lacks, the test edits its own copy (tests/findings_support).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from components.analysis import profile, summary, trials
from components.evidence.loader import Evidence, load_evidence
from tests.findings_support import (
    ALPHA,
    DELTA,
    EPSILON,
    ETA,
    GAMMA,
    LN,
    RA,
    SLE,
    SSC,
    add_row,
    edit_rows,
    studies_of,
)

# ---------------------------------------------------------------------------------------------
# Registered trials


def _unlink(data: Path) -> None:
    edit_rows(data / "registered_trials.csv", {"registry_id": "NCT00000002"}, linked_study_id="")


def _name_in_study(data: Path) -> None:
    edit_rows(data / "studies.csv", {"study_id": EPSILON}, registry_id="NCT00000009")


def _unlink_and_unname(data: Path) -> None:
    _unlink(data)
    edit_rows(data / "studies.csv", {"study_id": GAMMA}, registry_id="")


def _recruiting(data: Path) -> None:
    edit_rows(data / "registered_trials.csv", {"registry_id": "NCT00000009"}, status="recruiting")


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        # registry id -> (published as, unpublished, finished and unpublished)
        (None, {"NCT00000002": (GAMMA, False, False), "NCT00000009": ("", True, True)}),
        # the curated link is gone, but the study names the trial's registry id
        (_unlink, {"NCT00000002": (GAMMA, False, False), "NCT00000009": ("", True, True)}),
        (_name_in_study, {"NCT00000002": (GAMMA, False, False), "NCT00000009": (EPSILON, False, False)}),
        (_unlink_and_unname, {"NCT00000002": ("", True, True), "NCT00000009": ("", True, True)}),
        # still recruiting: no results yet is not a gap
        (_recruiting, {"NCT00000002": (GAMMA, False, False), "NCT00000009": ("", True, False)}),
    ],
    ids=["as-shipped", "by-registry-id", "named-by-study", "neither", "recruiting"],
)
def test_trials_with_publication(dataset_copy, edit, expected):
    if edit:
        edit(dataset_copy)
    table = trials.trials_with_publication(load_evidence(dataset_copy)).set_index("registry_id")
    got = {
        rid: (row.published_as, bool(row.unpublished), bool(row.finished_unpublished)) for rid, row in table.iterrows()
    }
    assert got == expected


@pytest.mark.parametrize(
    ("conditions", "cell_sources", "expected"),
    [
        ((), (), {"NCT00000002", "NCT00000009"}),
        ((SLE,), (), {"NCT00000002"}),  # SLE includes lupus nephritis
        ((SSC,), (), set()),
        ((), ("bone_marrow",), {"NCT00000009"}),
        ((RA,), ("umbilical_cord",), set()),
    ],
)
def test_filter_trials(mini, conditions, cell_sources, expected):
    table = trials.filter_trials(mini, trials.trials_with_publication(mini), conditions, cell_sources)
    assert set(table["registry_id"]) == expected


def test_pipeline_counts(mini):
    counts = trials.pipeline(trials.trials_with_publication(mini))
    assert set(counts.itertuples(index=False, name=None)) == {
        (LN, "2", "terminated", 1),
        (RA, "1/2", "unknown", 1),
    }


def test_pipeline_counts_every_trial_once(dataset_copy):
    add_row(
        dataset_copy / "registered_trials.csv",
        registry_id="NCT00000010",
        title="Another lupus nephritis trial",
        condition=LN,
        phase="2",
        status="terminated",
        start_year="2019",
    )
    table = trials.trials_with_publication(load_evidence(dataset_copy))
    counts = trials.pipeline(table).set_index(["condition", "phase", "status"])["trials"]
    assert counts[(LN, "2", "terminated")] == 2
    assert counts.sum() == len(table) == 3


def test_timeline(mini):
    events = trials.timeline(mini, mini.studies, trials.trials_with_publication(mini))
    assert events["kind"].value_counts().to_dict() == {
        "Published study": 6,
        "Registered trial, published": 1,
        "Registered trial, no results published": 1,
    }
    by_id = events.set_index("id")
    assert (by_id.at["NCT00000009", "year"], by_id.at["NCT00000009", "n"]) == (2015, 40)
    assert (by_id.at[ETA, "year"], by_id.at[ETA, "n"]) == (2022, 20)


def test_timeline_leaves_out_trials_without_a_start_year(dataset_copy):
    edit_rows(dataset_copy / "registered_trials.csv", {"registry_id": "NCT00000009"}, start_year="")
    ev = load_evidence(dataset_copy)
    events = trials.timeline(ev, ev.studies, trials.trials_with_publication(ev))
    assert "NCT00000009" not in set(events["id"])
    assert events["year"].notna().all()


# ---------------------------------------------------------------------------------------------
# Condition profile


def story(evidence: Evidence, condition: str) -> list[str]:
    studies = studies_of(evidence, condition)
    found = trials.filter_trials(evidence, trials.trials_with_publication(evidence), (condition,), ())
    sof = summary.summary_of_findings(evidence, studies, condition)
    return profile.condition_story(evidence, condition, studies, found, sof)


@pytest.mark.parametrize(
    ("condition", "opening", "present", "absent"),
    [
        (
            SLE,
            "3 published studies of MSC in Systemic lupus erythematosus treated 22 patients (each cohort counted "
            "once); 1 was randomised. The strongest design is: randomised controlled trial.",
            [
                "Certainty of the evidence (GRADE): at best very low, for lower disease activity; 3 of 3 outcome",
                "Reported benefits: lower disease activity.",
                "1 patient had a serious event (0 judged related or possibly related to the cells); 1 death recorded",
                "1 registered trial found; 0 of them",
            ],
            [],
        ),
        (
            SSC,
            "2 published studies of MSC in Systemic sclerosis treated 32 patients (each cohort counted once); "
            "1 was randomised.",
            ["Measured without benefit in at least one study: less pain and less skin fibrosis", "at best very low"],
            ["registered trial", "Where the strongest"],
        ),
        (
            RA,
            "1 published study of MSC in Rheumatoid arthritis treated 20 patients (each cohort counted once); "
            "none was randomised. The strongest design is: non-randomised controlled study.",
            ["0 studies reported on adverse events.", "1 registered trial found; 1 of them"],
            ["randomised trial found"],
        ),
    ],
)
def test_condition_story(mini, condition, opening, present, absent):
    sentences = story(mini, condition)
    assert sentences[0].startswith(opening)
    text = " ".join(sentences)
    for fragment in present:
        assert fragment in text
    for fragment in absent:
        assert fragment not in text


def test_condition_story_of_an_empty_selection(mini):
    sentences = profile.condition_story(mini, RA, mini.studies.iloc[0:0], mini.registered_trials.iloc[0:0])
    assert sentences == ["No published clinical study of MSC in Rheumatoid arthritis is in the current selection."]


def test_condition_story_speaks_in_certainty_and_names_the_best_supported_outcomes(dataset_copy):
    for measure in ("vas_pain", "mrss"):
        edit_rows(
            dataset_copy / "outcomes.csv",
            {"study_id": ETA, "measure": measure},
            direction="improved",
            vs_control="better",
        )
    text = " ".join(story(load_evidence(dataset_copy), SSC))
    # A 40-patient trial, not assessed for bias, cannot lift certainty above very low.
    assert "Certainty of the evidence (GRADE): at best very low, for less skin fibrosis and less pain" in text


def test_key_studies_put_the_strongest_design_first(mini):
    assert list(profile.key_studies(studies_of(mini, SLE)).index) == [GAMMA, ALPHA, DELTA]
