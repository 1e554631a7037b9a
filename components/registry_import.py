"""Import ClinicalTrials.gov records into registered_trials.csv.

    python -m components.registry_import SOURCE.json [--data-dir data] [--condition ID] [--dry-run]

SOURCE.json is what ClinicalTrials.gov's API v2 returns: one study (/api/v2/studies/NCT...) or a
page of them ({"studies": [...]} from /api/v2/studies). The file is read as given; nothing is
fetched.

Each study is mapped to a registered_trials row (`map_study`), then merged into the table
(`merge`): a new trial is added; a trial already in the table is updated only in the fields the
registry gives a value for, so a curated value is never replaced by an empty one, and the
curator's own columns (linked_study_id, checked) are never touched. The condition is set when a
trial is added and then left to the curator; a different reading is reported, not written. Cell
source, donor and route are filled only from explicit words in the registered interventions,
never guessed.

The merged table is validated together with the rest of the dataset (the same checks the app
runs) before anything is written; if any check fails, the problems are printed and nothing is
written.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import sys
import tempfile
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from components.files import decode_text, read_csv_text, read_yaml_text
from components.loader import DATA_DIR, EvidenceError, build_evidence, read_data_dir, read_dictionary

TABLE = "registered_trials"
STUDY_URL = "https://clinicaltrials.gov/study/{nct_id}"
# Columns the curator owns: the import never writes them on an existing trial.
CURATED_ONLY = ("linked_study_id", "checked")
# The condition is our reading of the registered condition words, not a registry value: on an
# existing trial the curator's choice stands (a trial registered as "SLE" may have been curated as
# lupus nephritis from its eligibility criteria), and a different reading is only reported.
KEPT_ON_UPDATE = ("condition",)

STATUSES = {
    "NOT_YET_RECRUITING": "not_yet_recruiting",
    "RECRUITING": "recruiting",
    "ENROLLING_BY_INVITATION": "enrolling_by_invitation",
    "ACTIVE_NOT_RECRUITING": "active_not_recruiting",
    "COMPLETED": "completed",
    "SUSPENDED": "suspended",
    "TERMINATED": "terminated",
    "WITHDRAWN": "withdrawn",
    "UNKNOWN": "unknown",
}
PHASES = {
    frozenset({"EARLY_PHASE1"}): "early_1",
    frozenset({"PHASE1"}): "1",
    frozenset({"PHASE1", "PHASE2"}): "1/2",
    frozenset({"PHASE2"}): "2",
    frozenset({"PHASE2", "PHASE3"}): "2/3",
    frozenset({"PHASE3"}): "3",
    frozenset({"PHASE4"}): "4",
    frozenset({"NA"}): "not_applicable",
}
# ESTIMATED is API v2's word; ANTICIPATED is what older records and the classic site said.
ENROLMENT_TYPES = {"ACTUAL": "actual", "ESTIMATED": "anticipated", "ANTICIPATED": "anticipated"}

# Registered condition text -> our condition id. Most specific first: a matched phrase is removed
# before the next pattern runs, so "lupus nephritis" is not also read as plain "lupus" and
# "juvenile rheumatoid arthritis" not as rheumatoid arthritis. Text is lower-cased, accents removed.
CONDITION_PATTERNS = (
    (r"lupus (glomerulo)?nephritis|nephritis,? lupus", "lupus_nephritis"),
    (r"\blupus\b", "sle"),
    (r"juvenile (idiopathic |rheumatoid |chronic )?arthritis", "juvenile_idiopathic_arthritis"),
    (r"psoriatic arthritis|arthritis,? psoriatic", "psoriatic_arthritis"),
    (r"rheumatoid", "rheumatoid_arthritis"),
    (r"scleroderma|systemic sclerosis|sclerosis,? systemic", "systemic_sclerosis"),
    (r"sjogren", "sjogren"),
    (r"osteoarthr", "osteoarthritis"),
    (r"ankylosing|axial spondyl", "axial_spondyloarthritis"),
    (r"myositis", "myositis"),
    (r"behcet", "behcet"),
    (r"vasculitis|takayasu|polyangiitis|\banca\b", "vasculitis"),
    (r"(mixed|undifferentiated) connective tissue", "mixed_connective_tissue_disease"),
)
# When a trial names a condition and its broader parent (lupus nephritis in SLE), it is about
# the narrower one.
BROADER = {"lupus_nephritis": "sle"}

# Intervention words -> vocabulary ids; same most-specific-first rule as the conditions.
CELL_SOURCE_PATTERNS = (
    (r"umbilical cord blood|cord blood", "umbilical_cord_blood"),
    (r"umbilical cord|wharton'?s jelly", "umbilical_cord"),
    (r"bone marrow (aspirate )?concentrate", "bone_marrow_concentrate"),
    (r"bone marrow mononuclear", "bone_marrow_mononuclear"),
    (r"bone marrow", "bone_marrow"),
    # "Adipose(-derived) stromal vascular fraction" is one product, not adipose MSC plus SVF.
    (r"(adipose[- ](tissue[- ])?(derived[- ])?)?(stromal vascular fraction|\bsvf\b)", "adipose_svf"),
    (r"micro-?fragmented adipose( tissue)?", "microfragmented_adipose"),
    (r"adipose", "adipose"),
)
DONOR_PATTERNS = (
    (r"\bautologous\b", "autologous"),
    (r"\ballogene(ic|ous)\b|\ballogenic\b", "allogeneic"),
)
ROUTE_PATTERNS = (
    (r"\bintravenous(ly)?\b", "intravenous"),
    (r"\bintra-?articular(ly)?\b", "intra_articular"),
)


# ---------------------------------------------------------------------------------------------
# Mapping one registry record


def _get(obj: object, *path: str) -> object:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _clean(value: object) -> str:
    """Registry text as one line (the CSV holds one line per field)."""
    return " ".join(str(value).split()) if isinstance(value, str | int | float) else ""


def _plain(text: str) -> str:
    """Lower case without accents (Sjögren -> sjogren) and with plain apostrophes: what the patterns match."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("\u2019", "'")


def _matches(text: str, patterns: Iterable[tuple[str, str]]) -> list[str]:
    """Ids whose pattern occurs in the text, each phrase counted once (most specific wins)."""
    found: list[str] = []
    for pattern, item_id in patterns:
        text, hits = re.subn(pattern, " ", text)
        if hits and item_id not in found:
            found.append(item_id)
    return found


def _only(ids: list[str]) -> str:
    # Two different sources, donors or routes may be two arms or a comparison; the import can't
    # tell which patients got what, so it leaves the value for the curator.
    return ids[0] if len(ids) == 1 else ""


def condition_of(conditions: Iterable[str]) -> tuple[str, str]:
    """Our condition id for the registered condition texts, or ('', reason)."""
    texts = [_clean(c) for c in conditions if _clean(c)]
    ids: list[str] = []
    for text in texts:
        for item_id in _matches(_plain(text), CONDITION_PATTERNS):
            if item_id not in ids:
                ids.append(item_id)
    ids = [i for i in ids if i not in {BROADER.get(j) for j in ids}]
    if len(ids) == 1:
        return ids[0], ""
    shown = "; ".join(texts) or "none registered"
    if not ids:
        return "", f"condition not recognised ({shown})"
    return "", f"conditions match several of ours ({', '.join(ids)}); choose one with --condition"


def _phase(phases: object) -> str:
    if not isinstance(phases, list) or not phases:
        return ""
    return PHASES.get(frozenset(str(p) for p in phases), "")


def _start_year(date: object) -> str:
    match = re.match(r"^(\d{4})(-\d{2}){0,2}$", _clean(date))
    return match.group(1) if match else ""


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def map_study(
    study: Mapping,
    *,
    condition: str | None = None,
    known_conditions: Collection[str] | None = None,
) -> tuple[dict[str, str] | None, str]:
    """One API v2 study as a registered_trials row, or (None, why it was skipped).

    `condition` forces the condition id (the --condition option); `known_conditions`, when
    given, skips a trial whose condition the dataset's vocabulary does not have.
    """
    protocol = _get(study, "protocolSection")
    if not isinstance(protocol, Mapping):
        return None, "not a ClinicalTrials.gov API v2 study (no protocolSection)"
    nct_id = _clean(_get(protocol, "identificationModule", "nctId"))
    if not nct_id:
        return None, "no nctId"
    title = _clean(_get(protocol, "identificationModule", "briefTitle")) or _clean(
        _get(protocol, "identificationModule", "officialTitle")
    )
    if not title:
        return None, "no title"
    raw_status = _clean(_get(protocol, "statusModule", "overallStatus"))
    status = STATUSES.get(raw_status)
    if status is None:
        return None, f"status {raw_status or 'missing'} is not a trial recruitment status"

    if condition:
        reason = ""
    else:
        conditions = _get(protocol, "conditionsModule", "conditions")
        condition, reason = condition_of(conditions if isinstance(conditions, list) else [])
        if reason:
            return None, reason
    if known_conditions is not None and condition not in known_conditions:
        return None, f"condition {condition} is not in this dataset's conditions vocabulary"

    enrolment = _get(protocol, "designModule", "enrollmentInfo", "count")
    enrolment = str(enrolment) if isinstance(enrolment, int) and not isinstance(enrolment, bool) else ""
    enrolment_type = ENROLMENT_TYPES.get(_clean(_get(protocol, "designModule", "enrollmentInfo", "type")), "")

    interventions = _get(protocol, "armsInterventionsModule", "interventions")
    words = _plain(
        " ".join(
            f"{_clean(_get(i, 'name'))} {_clean(_get(i, 'description'))}"
            for i in (interventions if isinstance(interventions, list) else [])
        )
    )
    locations = _get(protocol, "contactsLocationsModule", "locations")
    countries = _unique(_clean(_get(loc, "country")) for loc in (locations if isinstance(locations, list) else []))
    outcomes = _get(protocol, "outcomesModule", "primaryOutcomes")
    measures = _unique(_clean(_get(o, "measure")) for o in (outcomes if isinstance(outcomes, list) else []))

    row = {
        "registry_id": nct_id,
        "title": title,
        "condition": condition,
        "phase": _phase(_get(protocol, "designModule", "phases")),
        "status": status,
        "enrolment": enrolment,
        "enrolment_type": enrolment_type if enrolment else "",
        "cell_source": _only(_matches(words, CELL_SOURCE_PATTERNS)),
        "donor": _only(_matches(words, DONOR_PATTERNS)),
        "route": _only(_matches(words, ROUTE_PATTERNS)),
        "sponsor": _clean(_get(protocol, "sponsorCollaboratorsModule", "leadSponsor", "name")),
        "country": "; ".join(countries),
        "start_year": _start_year(_get(protocol, "statusModule", "startDateStruct", "date")),
        "primary_outcome": "; ".join(measures),
        "linked_study_id": "",
        # The id is checked by validation later; only a plain NCT id makes a link here.
        "source_url": STUDY_URL.format(nct_id=nct_id) if re.fullmatch(r"NCT\d{8}", nct_id) else "",
        "checked": "",
    }
    return row, ""


# ---------------------------------------------------------------------------------------------
# Merging into the table


@dataclass
class ImportReport:
    """What an import did (or would do), trial by trial."""

    added: list[str] = field(default_factory=list)
    updated: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)  # id -> field -> (old, new)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (id or position, reason)
    # Updated trials whose row was marked checked: the new values have had no second reading.
    recheck: list[str] = field(default_factory=list)
    kept: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)  # id -> field -> (kept, import's)

    def summary(self) -> str:
        fields = sorted({f for changes in self.updated.values() for f in changes})
        updated = f"updated {len(self.updated)}" + (f" (fields: {', '.join(fields)})" if fields else "")
        reasons = sorted({reason for _, reason in self.skipped})
        skipped = f"skipped {len(self.skipped)}" + (f" ({'; '.join(reasons)})" if reasons else "")
        return f"added {len(self.added)}, {updated}, unchanged {len(self.unchanged)}, {skipped}"

    def lines(self) -> list[str]:
        """The summary, then one line per trial touched or skipped."""
        out = [self.summary()]
        out += [f"  added {trial}" for trial in self.added]
        for trial, changes in self.updated.items():
            shown = "; ".join(f"{col}: {_short(old)!r} -> {_short(new)!r}" for col, (old, new) in changes.items())
            out.append(f"  updated {trial}: {shown}")
        out += [f"  skipped {trial}: {reason}" for trial, reason in self.skipped]
        for trial, kept in self.kept.items():
            shown = "; ".join(f"{col} {old!r} (the import reads {new!r})" for col, (old, new) in kept.items())
            out.append(f"  kept {trial}: {shown}")
        out += [
            f"  note {trial}: marked checked, but the updated fields have not had a second reading"
            for trial in self.recheck
        ]
        return out


def _short(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."


def merge(
    existing_rows: list[dict[str, str]], new_rows: list[dict[str, str]]
) -> tuple[list[dict[str, str]], ImportReport]:
    """The table with the registry's rows merged in (inputs are not changed), and the report.

    Existing trials keep their order and new ones follow in source order. An existing trial takes
    each registry value that is not empty and differs; its condition, linked_study_id and checked
    stay as curated (a different condition reading is listed in `report.kept`).
    """
    rows = [dict(row) for row in existing_rows]
    position = {row.get("registry_id", ""): i for i, row in enumerate(rows)}
    report = ImportReport()
    seen: set[str] = set()
    for new in new_rows:
        trial = new["registry_id"]
        if trial in seen:
            report.skipped.append((trial, "appears more than once in the source; the first was used"))
            continue
        seen.add(trial)
        if trial not in position:
            position[trial] = len(rows)
            rows.append(dict(new))
            report.added.append(trial)
            continue
        current = rows[position[trial]]
        changes = {}
        for col, value in new.items():
            if col in CURATED_ONLY or col == "registry_id" or value == "" or current.get(col, "") == value:
                continue
            if col in KEPT_ON_UPDATE and current.get(col, ""):
                report.kept.setdefault(trial, {})[col] = (current[col], value)
                continue
            changes[col] = (current.get(col, ""), value)
            current[col] = value
        if changes:
            report.updated[trial] = changes
            if current.get("checked", ""):
                report.recheck.append(trial)
        else:
            report.unchanged.append(trial)
    return rows, report


# ---------------------------------------------------------------------------------------------
# Files


def studies_in(document: object) -> list[object]:
    """The study objects of an API v2 response: one study, or the `studies` of a page."""
    if isinstance(document, Mapping) and isinstance(document.get("studies"), list):
        return list(document["studies"])
    if isinstance(document, Mapping) and "protocolSection" in document:
        return [document]
    if isinstance(document, list):
        return document
    raise ValueError('expected a study object or {"studies": [...]} from the ClinicalTrials.gov API v2')


def read_table(raw: bytes, file: str) -> list[dict[str, str]]:
    """The existing table as row dicts (strictly read; a malformed file is an error)."""
    text, problems = decode_text(raw, file)
    if not problems:
        header, rows, problems = read_csv_text(text or "", file)
    if problems:
        raise EvidenceError(problems)
    return [dict(zip(header, fields, strict=True)) for _, fields in rows]


def table_csv(rows: list[dict[str, str]], columns: list[str]) -> bytes:
    """Rows as CSV in the dictionary's column order, with the data files' CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({col: row.get(col, "") for col in columns} for row in rows)
    return buffer.getvalue().encode("utf-8")


def _write_atomically(path: Path, data: bytes) -> None:
    # A crash mid-write must not leave a half-written table behind.
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        # mkstemp makes the file private (0600); the table keeps the permissions it had.
        if path.exists():
            os.chmod(temp, path.stat().st_mode & 0o777)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m components.registry_import",
        description="Add or update registered trials from a ClinicalTrials.gov API v2 JSON file "
        "(one study, or a page of studies from /api/v2/studies). Nothing is fetched; nothing is "
        "written unless the whole dataset still validates.",
    )
    parser.add_argument("source", type=Path, metavar="SOURCE.json", help="API v2 JSON saved from ClinicalTrials.gov")
    parser.add_argument(
        "--data-dir", type=Path, default=DATA_DIR, metavar="DIR", help="dataset folder (default: the shipped data/)"
    )
    parser.add_argument(
        "--condition",
        metavar="ID",
        help="condition id for every new trial in the file, instead of reading it from the registry",
    )
    parser.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the import; 0 = done (or nothing to do), 1 = the result would not validate, 2 = bad input."""
    args = _parser().parse_args(argv)
    dictionary = read_dictionary()
    spec = dictionary["tables"][TABLE]
    table_path = args.data_dir / spec["file"]

    try:
        document = json.loads(args.source.read_text(encoding="utf-8"))
        studies = studies_in(document)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError) as err:
        print(f"Cannot read {args.source}: {err}", file=sys.stderr)
        return 2

    files = read_data_dir(args.data_dir, dictionary)
    try:
        vocabulary = _vocabulary_ids(files, dictionary, "conditions")
        existing = read_table(files[spec["file"]], spec["file"]) if spec["file"] in files else []
    except EvidenceError as err:
        _print_problems(err, f"{args.data_dir} cannot be read")
        return 1
    if args.condition is not None and args.condition not in vocabulary:
        print(f"--condition {args.condition!r} is not a condition id in {args.data_dir}", file=sys.stderr)
        return 2

    new_rows, skipped = [], []
    for number, study in enumerate(studies, start=1):
        row, reason = map_study(study, condition=args.condition, known_conditions=vocabulary)
        if row is None:
            trial = _clean(_get(study, "protocolSection", "identificationModule", "nctId")) or f"study #{number}"
            skipped.append((trial, reason))
        else:
            new_rows.append(row)
    rows, report = merge(existing, new_rows)
    report.skipped = skipped + report.skipped
    print("\n".join(report.lines()))

    data = table_csv(rows, list(spec["columns"]))
    files[spec["file"]] = data
    try:
        build_evidence(files, dictionary)
    except EvidenceError as err:
        _print_problems(err, "The result does not validate, so nothing was written")
        return 1

    if args.dry_run:
        print("Dry run: nothing written.")
    elif report.added or report.updated:
        _write_atomically(table_path, data)
        print(f"Wrote {table_path}.")
    else:
        print("Nothing to change.")
    return 0


def _vocabulary_ids(files: Mapping[str, bytes], dictionary: dict, name: str) -> set[str]:
    """Ids of one vocabulary of the dataset (empty if the file is missing: validation reports that)."""
    file = dictionary["vocabularies"][name]["file"]
    if file not in files:
        return set()
    text, problems = decode_text(files[file], file)
    data, problems = (None, problems) if problems else read_yaml_text(text or "", file)
    if problems:
        raise EvidenceError(problems)
    entries = data if isinstance(data, list) else []
    return {e["id"] for e in entries if isinstance(e, Mapping) and isinstance(e.get("id"), str)}


def _print_problems(err: EvidenceError, heading: str) -> None:
    print(f"{heading}: {len(err.problems)} problem(s).", file=sys.stderr)
    for problem in err.problems:
        print(f"  {problem}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
