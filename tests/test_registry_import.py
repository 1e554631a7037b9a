"""Registry import: ClinicalTrials.gov API v2 records become registered_trials rows without losing curation.

Why this file is long: the registry records it maps are spelled out field by field, as the
registry prints them, so that each mapping rule is checked against a real record's shape.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from components.evidence.loader import load_evidence
from components.evidence.registry_import import condition_of, main, map_study, merge, studies_in

CTGOV = Path(__file__).resolve().parent / "fixtures" / "ctgov"
COMPLETED_LUPUS = CTGOV / "lupus_ucmsc_completed.json"
PAGE = CTGOV / "page_of_studies.json"
BAD_ID = CTGOV / "bad_nct_id.json"


def _load(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))


def _page_study(nct_id: str) -> dict:
    return next(s for s in studies_in(_load(PAGE)) if s["protocolSection"]["identificationModule"]["nctId"] == nct_id)


def _study(**modules) -> dict:
    """A minimal valid API v2 study; keyword arguments replace whole modules."""
    protocol = {
        "identificationModule": {"nctId": "NCT90000099", "briefTitle": "MSC in lupus"},
        "statusModule": {"overallStatus": "RECRUITING"},
        "conditionsModule": {"conditions": ["Systemic Lupus Erythematosus"]},
    }
    protocol.update(modules)
    return {"protocolSection": protocol}


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _trial(data_dir: Path, registry_id: str) -> dict:
    trials = load_evidence(data_dir).registered_trials
    row = trials[trials["registry_id"] == registry_id]
    assert len(row) == 1, f"{registry_id} not in the table exactly once"
    return row.iloc[0].to_dict()


# ---------------------------------------------------------------------------------------------
# Mapping


def test_completed_phase_1_2_cord_msc_lupus_trial_maps_every_field():
    row, reason = map_study(_load(COMPLETED_LUPUS))
    assert reason == ""
    assert row == {
        "registry_id": "NCT90000001",
        "title": "Umbilical Cord Mesenchymal Stem Cells for Refractory Systemic Lupus Erythematosus",
        "condition": "sle",
        "phase": "1/2",
        "status": "completed",
        "enrolment": "40",
        "enrolment_type": "actual",
        "cell_source": "umbilical_cord",
        "donor": "allogeneic",
        "route": "intravenous",
        "sponsor": "Fixture University Hospital",
        "country": "China; Singapore",
        "start_year": "2019",
        "primary_outcome": "SLE Responder Index (SRI-4) response; Adverse events",
        "linked_study_id": "",
        "source_url": "https://clinicaltrials.gov/study/NCT90000001",
        "checked": "",
    }


def test_early_phase_1_trial_with_estimated_enrolment_maps_every_field():
    row, reason = map_study(_page_study("NCT90000002"))
    assert reason == ""
    assert row == {
        "registry_id": "NCT90000002",
        "title": "Autologous Stromal Vascular Fraction Injection for Hand Involvement in Scleroderma",
        "condition": "systemic_sclerosis",
        "phase": "early_1",
        "status": "not_yet_recruiting",
        "enrolment": "12",
        "enrolment_type": "anticipated",
        "cell_source": "adipose_svf",
        "donor": "autologous",
        "route": "",  # "subcutaneously into each finger" is not one of the explicit route words
        "sponsor": "Fixture Hand Institute",
        "country": "France",
        "start_year": "2025",
        "primary_outcome": "Cochin Hand Function Scale",
        "linked_study_id": "",
        "source_url": "https://clinicaltrials.gov/study/NCT90000002",
        "checked": "",
    }


def test_unmappable_condition_is_skipped_with_the_registered_words():
    row, reason = map_study(_page_study("NCT90000003"))
    assert row is None
    assert reason == "condition not recognised (Crohn Disease; Perianal Fistula)"


def test_condition_option_overrides_the_registered_condition():
    row, _ = map_study(_page_study("NCT90000003"), condition="rheumatoid_arthritis")
    assert row["condition"] == "rheumatoid_arthritis"


def test_condition_outside_the_dataset_vocabulary_is_skipped():
    study = _study(conditionsModule={"conditions": ["Primary Sjögren's Syndrome"]})
    row, reason = map_study(study, known_conditions={"sle", "lupus_nephritis"})
    assert row is None
    assert "sjogren" in reason and "vocabulary" in reason


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        (["Lupus Nephritis"], "lupus_nephritis"),
        (["Lupus Nephritis", "Systemic Lupus Erythematosus"], "lupus_nephritis"),  # the narrower one
        (["Lupus Erythematosus, Systemic"], "sle"),
        (["Arthritis, Rheumatoid"], "rheumatoid_arthritis"),
        (["Juvenile Rheumatoid Arthritis"], "juvenile_idiopathic_arthritis"),
        (["Systemic Sclerosis"], "systemic_sclerosis"),
        (["Diffuse Cutaneous Scleroderma"], "systemic_sclerosis"),
        (["Sjögren's Syndrome"], "sjogren"),
        (["Sjogren Syndrome"], "sjogren"),
        (["Knee Osteoarthritis"], "osteoarthritis"),
        (["Ankylosing Spondylitis"], "axial_spondyloarthritis"),
        (["Axial Spondyloarthritis"], "axial_spondyloarthritis"),
        (["Dermatomyositis", "Polymyositis"], "myositis"),
        (["Behçet Disease"], "behcet"),
        (["Psoriatic Arthritis"], "psoriatic_arthritis"),
    ],
)
def test_condition_keywords(conditions, expected):
    assert condition_of(conditions) == (expected, "")


@pytest.mark.parametrize(
    ("conditions", "reason_part"),
    [
        (["Crohn Disease"], "not recognised"),
        ([], "none registered"),
        (["Rheumatoid Arthritis", "Osteoarthritis"], "--condition"),
    ],
)
def test_condition_not_decided(conditions, reason_part):
    condition, reason = condition_of(conditions)
    assert condition == ""
    assert reason_part in reason


@pytest.mark.parametrize(
    ("phases", "expected"),
    [
        (["PHASE1", "PHASE2"], "1/2"),
        (["PHASE2", "PHASE1"], "1/2"),
        (["EARLY_PHASE1"], "early_1"),
        (["PHASE1"], "1"),
        (["PHASE2"], "2"),
        (["PHASE2", "PHASE3"], "2/3"),
        (["PHASE3"], "3"),
        (["PHASE4"], "4"),
        (["NA"], "not_applicable"),
        ([], ""),
        (["PHASE1", "PHASE3"], ""),  # not a registrable combination: left for the curator
    ],
)
def test_phase(phases, expected):
    row, _ = map_study(_study(designModule={"phases": phases}))
    assert row["phase"] == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("RECRUITING", "recruiting"),
        ("COMPLETED", "completed"),
        ("UNKNOWN", "unknown"),
        ("ACTIVE_NOT_RECRUITING", "active_not_recruiting"),
        ("NOT_YET_RECRUITING", "not_yet_recruiting"),
        ("TERMINATED", "terminated"),
        ("WITHDRAWN", "withdrawn"),
        ("SUSPENDED", "suspended"),
        ("ENROLLING_BY_INVITATION", "enrolling_by_invitation"),
    ],
)
def test_status(status, expected):
    row, _ = map_study(_study(statusModule={"overallStatus": status}))
    assert row["status"] == expected


def test_expanded_access_status_is_skipped():
    row, reason = map_study(_study(statusModule={"overallStatus": "AVAILABLE"}))
    assert row is None
    assert "AVAILABLE" in reason


@pytest.mark.parametrize(("date", "year"), [("2019-05", "2019"), ("2019-05-01", "2019"), ("2019", "2019"), ("", "")])
def test_start_year(date, year):
    row, _ = map_study(_study(statusModule={"overallStatus": "RECRUITING", "startDateStruct": {"date": date}}))
    assert row["start_year"] == year


@pytest.mark.parametrize(
    ("name", "description", "cell_source", "donor", "route"),
    [
        ("Umbilical cord MSC", "Allogeneic cells given intravenously", "umbilical_cord", "allogeneic", "intravenous"),
        ("Wharton's jelly MSC", "", "umbilical_cord", "", ""),
        ("Cord blood MSC", "", "umbilical_cord_blood", "", ""),
        ("Autologous bone marrow MSC", "Intra-articular injection", "bone_marrow", "autologous", "intra_articular"),
        ("Bone marrow aspirate concentrate", "", "bone_marrow_concentrate", "", ""),
        ("Adipose-derived MSC", "intraarticular", "adipose", "", "intra_articular"),
        ("Mesenchymal stem cells", "infusion of donor cells", "", "", ""),  # no explicit words: nothing guessed
        ("Bone marrow MSC vs umbilical cord MSC", "", "", "", ""),  # two sources: not decided
        ("Autologous or allogeneic MSC", "intravenous or intra-articular", "", "", ""),
    ],
)
def test_cell_source_donor_route_only_from_explicit_words(name, description, cell_source, donor, route):
    study = _study(armsInterventionsModule={"interventions": [{"name": name, "description": description}]})
    row, _ = map_study(study)
    assert (row["cell_source"], row["donor"], row["route"]) == (cell_source, donor, route)


def test_enrolment_type_needs_an_enrolment():
    row, _ = map_study(_study(designModule={"enrollmentInfo": {"type": "ESTIMATED"}}))
    assert (row["enrolment"], row["enrolment_type"]) == ("", "")


@pytest.mark.parametrize(
    ("study", "reason_part"),
    [
        ({"foo": 1}, "protocolSection"),
        (_study(identificationModule={"briefTitle": "x"}), "nctId"),
        (_study(identificationModule={"nctId": "NCT90000099"}), "title"),
    ],
)
def test_unusable_records_are_skipped(study, reason_part):
    row, reason = map_study(study)
    assert row is None
    assert reason_part in reason


@pytest.mark.parametrize(
    ("document", "count"),
    [
        ({"studies": [_study(), _study()], "nextPageToken": "x"}, 2),
        (_study(), 1),
        ({"studies": []}, 0),
    ],
)
def test_studies_in_single_study_or_page(document, count):
    assert len(studies_in(document)) == count


def test_studies_in_rejects_other_json():
    with pytest.raises(ValueError, match="API v2"):
        studies_in({"results": []})


# ---------------------------------------------------------------------------------------------
# Merging

CURATED = {
    "registry_id": "NCT00000002",
    "title": "Cord cells in lupus nephritis",
    "condition": "lupus_nephritis",
    "phase": "2",
    "status": "recruiting",
    "enrolment": "18",
    "enrolment_type": "actual",
    "cell_source": "umbilical_cord",
    "donor": "allogeneic",
    "route": "intravenous",
    "sponsor": "",
    "country": "",
    "start_year": "2012",
    "primary_outcome": "",
    "linked_study_id": "ln-gamma-2017",
    "source_url": "https://example.org/fixture",
    "checked": "yes",
}


def test_merge_updates_only_where_the_registry_gives_a_value():
    registry = dict.fromkeys(CURATED, "") | {
        "registry_id": "NCT00000002",
        "status": "terminated",
        "sponsor": "Fixture Kidney Centre",
        "start_year": "2012",
        "linked_study_id": "other-study",  # never taken over
        "checked": "",  # never clears the curator's check
    }
    before = copy.deepcopy([CURATED])
    rows, report = merge([CURATED], [registry])
    assert before == [CURATED]  # input left alone
    assert rows == [CURATED | {"status": "terminated", "sponsor": "Fixture Kidney Centre"}]
    assert report.updated == {
        "NCT00000002": {"status": ("recruiting", "terminated"), "sponsor": ("", "Fixture Kidney Centre")}
    }
    assert report.recheck == ["NCT00000002"]  # was checked; the new values were not


def test_merge_keeps_the_curated_condition_of_an_existing_trial():
    registry = dict(CURATED, condition="sle", status="completed")
    rows, report = merge([CURATED], [registry])
    assert rows[0]["condition"] == "lupus_nephritis"
    assert rows[0]["status"] == "completed"
    assert report.kept == {"NCT00000002": {"condition": ("lupus_nephritis", "sle")}}
    assert "condition" not in report.updated["NCT00000002"]


def test_merge_adds_new_trials_after_existing_ones_and_counts():
    new = dict(CURATED, registry_id="NCT90000010", linked_study_id="", checked="")
    same = dict(CURATED)
    rows, report = merge([CURATED], [same, new, new])
    assert [r["registry_id"] for r in rows] == ["NCT00000002", "NCT90000010"]
    assert (report.added, report.updated, report.unchanged) == (["NCT90000010"], {}, ["NCT00000002"])
    assert report.skipped == [("NCT90000010", "appears more than once in the source; the first was used")]
    assert report.summary().startswith("added 1, updated 0, unchanged 1, skipped 1")


# ---------------------------------------------------------------------------------------------
# The command, on a copy of the mini dataset


def test_import_page_keeps_curation_and_reports(dataset_copy, capsys):
    before = _trial(dataset_copy, "NCT00000002")
    assert main([str(PAGE), "--data-dir", str(dataset_copy)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        "added 1, updated 1 (fields: country, primary_outcome, source_url, sponsor, title), unchanged 0, "
        "skipped 1 (condition not recognised (Crohn Disease; Perianal Fistula))"
    )
    assert "skipped NCT90000003" in out

    existing = _trial(dataset_copy, "NCT00000002")
    # The registry names no cell source, donor or route: the curated ones stay.
    for column in ("cell_source", "donor", "route", "linked_study_id", "checked", "enrolment", "phase"):
        assert existing[column] == before[column], column
    assert existing["linked_study_id"] == "ln-gamma-2017"
    assert existing["sponsor"] == "Fixture Kidney Centre"
    assert existing["source_url"] == "https://clinicaltrials.gov/study/NCT00000002"

    added = _trial(dataset_copy, "NCT90000002")
    assert (added["condition"], added["phase"], added["enrolment_type"]) == (
        "systemic_sclerosis",
        "early_1",
        "anticipated",
    )
    trials = load_evidence(dataset_copy).registered_trials
    assert list(trials["registry_id"]) == ["NCT00000002", "NCT00000009", "NCT90000002"]


def test_written_table_keeps_dictionary_column_order_and_crlf(dataset_copy, dictionary):
    assert main([str(COMPLETED_LUPUS), "--data-dir", str(dataset_copy)]) == 0
    raw = (dataset_copy / "registered_trials.csv").read_bytes()
    header = raw.split(b"\r\n", 1)[0].decode()
    assert header.split(",") == list(dictionary["tables"]["registered_trials"]["columns"])
    assert raw.count(b"\r\n") == 4 and b"\n" not in raw.replace(b"\r\n", b"")
    assert _trial(dataset_copy, "NCT90000001")["country"] == "China; Singapore"


def test_written_table_keeps_its_file_permissions(dataset_copy):
    table = dataset_copy / "registered_trials.csv"
    table.chmod(0o644)
    assert main([str(COMPLETED_LUPUS), "--data-dir", str(dataset_copy)]) == 0
    assert table.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in dataset_copy.iterdir() if p.name.endswith(".tmp")] == []


def test_second_import_of_the_same_file_changes_nothing(dataset_copy, capsys):
    assert main([str(PAGE), "--data-dir", str(dataset_copy)]) == 0
    after_first = _snapshot(dataset_copy)
    capsys.readouterr()
    assert main([str(PAGE), "--data-dir", str(dataset_copy)]) == 0
    assert capsys.readouterr().out.startswith("added 0, updated 0, unchanged 2, skipped 1")
    assert _snapshot(dataset_copy) == after_first


def test_dry_run_reports_but_writes_nothing(dataset_copy, capsys):
    before = _snapshot(dataset_copy)
    assert main([str(PAGE), "--data-dir", str(dataset_copy), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("added 1, updated 1")
    assert "Dry run: nothing written." in out
    assert _snapshot(dataset_copy) == before


def test_condition_option_imports_an_otherwise_skipped_trial(dataset_copy, capsys):
    # The Crohn trial's cells are adipose MSC, which the shipped vocabulary has and mini lacks.
    with (dataset_copy / "vocabularies" / "cell_sources.yaml").open("a", encoding="utf-8") as vocabulary:
        vocabulary.write("- {id: adipose, label: Adipose-derived MSC, product: cultured_msc, description: Fat.}\n")
    assert main([str(PAGE), "--data-dir", str(dataset_copy), "--condition", "rheumatoid_arthritis"]) == 0
    trials = load_evidence(dataset_copy).registered_trials.set_index("registry_id")
    assert trials.loc["NCT90000003", ["condition", "cell_source"]].tolist() == ["rheumatoid_arthritis", "adipose"]
    assert trials.loc["NCT90000002", "condition"] == "rheumatoid_arthritis"  # every new trial
    # An existing trial keeps its curated condition; the different reading is only reported.
    assert trials.loc["NCT00000002", "condition"] == "lupus_nephritis"
    assert "kept NCT00000002: condition 'lupus_nephritis' (the import reads 'rheumatoid_arthritis')" in (
        capsys.readouterr().out
    )


def test_unknown_condition_option_is_refused(dataset_copy, capsys):
    before = _snapshot(dataset_copy)
    assert main([str(PAGE), "--data-dir", str(dataset_copy), "--condition", "gout"]) == 2
    assert "'gout' is not a condition id" in capsys.readouterr().err
    assert _snapshot(dataset_copy) == before


def test_invalid_result_writes_nothing_and_names_the_problem(dataset_copy, capsys):
    before = _snapshot(dataset_copy)
    assert main([str(BAD_ID), "--data-dir", str(dataset_copy)]) == 1
    err = capsys.readouterr().err
    assert "nothing was written" in err
    # Located in the file the user imported (its first study), not in the merged table they never saw.
    assert "bad_nct_id.json, study #1 (NCT123), column 'registry_id', value 'NCT123'" in err
    assert "registered_trials.csv, row" not in err
    assert _snapshot(dataset_copy) == before


def test_vocabulary_value_missing_from_the_dataset_fails_validation(dataset_copy, tmp_path, capsys):
    # The mini vocabulary has no intra-articular route: validation must catch it, not the file.
    study = _study(armsInterventionsModule={"interventions": [{"name": "MSC", "description": "intra-articular"}]})
    source = tmp_path / "one.json"
    source.write_text(json.dumps(study), encoding="utf-8")
    before = _snapshot(dataset_copy)
    assert main([str(source), "--data-dir", str(dataset_copy)]) == 1
    assert "'intra_articular': is not an id in the routes vocabulary" in capsys.readouterr().err
    assert _snapshot(dataset_copy) == before


@pytest.mark.parametrize("content", ["not json", '{"results": []}', ""])
def test_unreadable_source_is_refused(dataset_copy, tmp_path, capsys, content):
    source = tmp_path / "source.json"
    source.write_text(content, encoding="utf-8")
    before = _snapshot(dataset_copy)
    assert main([str(source), "--data-dir", str(dataset_copy)]) == 2
    assert "Cannot read" in capsys.readouterr().err
    assert _snapshot(dataset_copy) == before


def test_help_works(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    assert "--dry-run" in capsys.readouterr().out
