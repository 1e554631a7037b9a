"""Import ClinicalTrials.gov records into registered_trials.csv.

    python -m components.evidence.registry_import SOURCE.json [--data-dir data] [--condition ID] [--dry-run]

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
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from components.evidence.files import Problem, decode_text, read_csv_text, read_yaml_text
from components.evidence.loader import DATA_DIR, EvidenceError, build_evidence, read_data_dir, read_dictionary
from components.evidence.registry_records import (  # noqa: F401 (re-exported for the command line and tests)
    STUDY_URL,
    clean,
    condition_of,
    field_at,
    map_study,
    studies_in,
)

TABLE = "registered_trials"
# Columns the curator owns: the import never writes them on an existing trial.
CURATED_ONLY = ("linked_study_id", "checked")
# The condition is our reading of the registered condition words, not a registry value: on an
# existing trial the curator's choice stands (a trial registered as "SLE" may have been curated as
# lupus nephritis from its eligibility criteria), and a different reading is only reported.
KEPT_ON_UPDATE = ("condition",)

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
        prog="python -m components.evidence.registry_import",
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
        document = json.loads(args.source.read_text(encoding="utf-8"), parse_constant=_refuse_constant)
        studies = studies_in(document)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError) as err:
        print(f"Cannot read {args.source}: {err}", file=sys.stderr)
        return 2
    except RecursionError:
        print(f"Cannot read {args.source}: it is nested too deeply to be a registry export", file=sys.stderr)
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

    new_rows, skipped, number_of = [], [], {}
    for number, study in enumerate(studies, start=1):
        row, reason = map_study(study, condition=args.condition, known_conditions=vocabulary)
        if row is None:
            trial = clean(field_at(study, "protocolSection", "identificationModule", "nctId")) or f"study #{number}"
            skipped.append((trial, reason))
        else:
            new_rows.append(row)
            number_of.setdefault(row["registry_id"], number)
    rows, report = merge(existing, new_rows)
    report.skipped = skipped + report.skipped
    print("\n".join(report.lines()))

    data = table_csv(rows, list(spec["columns"]))
    files[spec["file"]] = data
    try:
        build_evidence(files, dictionary)
    except EvidenceError as err:
        located = [_in_source(p, rows, number_of, args.source.name, spec["file"]) for p in err.problems]
        _print_problems(EvidenceError(located), "The result does not validate, so nothing was written")
        return 1

    if args.dry_run:
        print("Dry run: nothing written.")
    elif report.added or report.updated:
        _write_atomically(table_path, data)
        print(f"Wrote {table_path}.")
    else:
        print("Nothing to change.")
    return 0


def _refuse_constant(name: str) -> object:
    """JSON has no NaN or Infinity; Python's reader accepts them unless told not to."""
    raise ValueError(f"{name} is not a JSON value")


def _in_source(
    problem: Problem, rows: list[dict[str, str]], number_of: dict[str, int], source: str, table: str
) -> Problem:
    """A problem with a row that came from the import, located in the source file (study #k, its
    registry id) rather than in the merged table, which the user has not seen."""
    if problem.file != table or not problem.row or problem.row > len(rows):
        return problem
    trial = rows[problem.row - 1].get("registry_id", "")
    if trial not in number_of:
        return problem
    where = f"{source}, study #{number_of[trial]} ({trial})"
    return Problem(where, None, problem.column, problem.value, problem.message)


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
