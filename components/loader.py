"""The one loader of the evidence base: read, validate, type and index every file in data/.

`load_evidence()` reads the files named in `data/dictionary.yaml`, checks them against the
dictionary and the vocabularies, and returns an immutable `Evidence` bundle, or raises
`EvidenceError` carrying one `Problem` per thing wrong (file, row, column, value). The same path
serves an uploaded dataset: `build_evidence()` takes the files as bytes.

Derived columns (cohort, design rank, benefit of each outcome, search text) are computed here once
per load, so pages never recompute them on a rerun.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from components.files import Problem, decode_text, read_csv_arrow, read_csv_text, read_yaml_text
from components.validation import convert_table

# Imported late by name to avoid a cycle: aggregate imports Evidence from this module.

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
TEXT_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)
DICTIONARY_FILE = "dictionary.yaml"
TABLES = (
    "studies",
    "outcomes",
    "mechanisms",
    "adverse_events",
    "registered_trials",
    "claims",
    "meta_analyses",
    "curation_log",
)
VOCABULARIES = ("conditions", "targets", "benefits", "measures", "cell_sources", "donors", "routes", "designs")
SEARCHABLE = (
    "study_id",
    "title",
    "authors",
    "journal",
    "summary",
    "population",
    "pmid",
    "doi",
    "registry_id",
    "country",
)


class EvidenceError(Exception):
    """The data failed validation; `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the data:\n" + "\n".join(str(p) for p in problems[:20]))


@dataclass(frozen=True)
class Evidence:
    """The validated evidence base. Treat every frame as read-only: it is shared by all sessions."""

    studies: pd.DataFrame
    outcomes: pd.DataFrame
    mechanisms: pd.DataFrame
    adverse_events: pd.DataFrame
    registered_trials: pd.DataFrame
    claims: pd.DataFrame
    meta_analyses: pd.DataFrame
    curation_log: pd.DataFrame
    benefit_states: pd.DataFrame
    vocab: dict[str, pd.DataFrame]
    dictionary: dict
    version: dict
    labels: dict[str, dict[str, str]] = field(default_factory=dict)

    def label(self, vocabulary: str, item_id: str) -> str:
        """The human label of a vocabulary id ('' stays '', unknown ids show as themselves)."""
        if not item_id:
            return ""
        return self.labels.get(vocabulary, {}).get(item_id, item_id)

    def table(self, name: str) -> pd.DataFrame:
        return getattr(self, name)


# ---------------------------------------------------------------------------------------------
# Reading files


def read_dictionary(data_dir: Path = DATA_DIR) -> dict:
    """The data dictionary. It ships with the code, so a broken one is a programming error."""
    raw = (data_dir / DICTIONARY_FILE).read_bytes()
    text, problems = decode_text(raw, DICTIONARY_FILE)
    if problems:
        raise EvidenceError(problems)
    dictionary, problems = read_yaml_text(text or "", DICTIONARY_FILE)
    if problems:
        raise EvidenceError(problems)
    return dictionary  # type: ignore[return-value]


def dataset_files(dictionary: dict) -> list[str]:
    """Every file a dataset consists of, relative to its folder."""
    names = [dictionary["version_file"]]
    names += [spec["file"] for spec in dictionary["vocabularies"].values()]
    names += [spec["file"] for spec in dictionary["tables"].values()]
    return names


def read_data_dir(data_dir: Path, dictionary: dict) -> dict[str, bytes]:
    """Read the dataset's files as bytes; missing files are simply absent from the result."""
    files = {}
    for name in dataset_files(dictionary):
        path = data_dir / name
        if path.is_file():
            files[name] = path.read_bytes()
    return files


def load_evidence(data_dir: Path = DATA_DIR) -> Evidence:
    """Load and validate the dataset in `data_dir` (the shipped data by default)."""
    dictionary = read_dictionary(DATA_DIR)
    return build_evidence(read_data_dir(Path(data_dir), dictionary), dictionary)


# ---------------------------------------------------------------------------------------------
# Building and validating


def _vocabulary_frame(name: str, spec: dict, raw: bytes | None) -> tuple[pd.DataFrame, pd.Series, list[Problem]]:
    file = spec["file"]
    columns = list(spec["fields"])
    empty = pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    if raw is None:
        return empty, pd.Series(dtype="int64"), [Problem(file, None, "", "", "file is missing")]
    text, problems = decode_text(raw, file)
    if problems:
        return empty, pd.Series(dtype="int64"), problems
    data, problems = read_yaml_text(text or "", file)
    if problems:
        return empty, pd.Series(dtype="int64"), problems
    if not isinstance(data, list):
        return empty, pd.Series(dtype="int64"), [Problem(file, None, "", "", "must be a list of entries (- id: ...)")]
    rows, numbers = [], []
    for i, entry in enumerate(data, start=1):
        if not isinstance(entry, dict):
            problems.append(Problem(file, i, "", str(entry)[:80], "entry must be a mapping of field: value"))
            continue
        row = {}
        for key, value in entry.items():
            if key not in spec["fields"]:
                shown = value if isinstance(value, str) else str(value)[:80]
                problems.append(Problem(file, i, key, shown, "field is not in the data dictionary (check quoting)"))
                continue
            if not isinstance(value, str):
                problems.append(Problem(file, i, key, str(value)[:80], "must be a single text value"))
                value = ""
            row[key] = value.strip()
        rows.append(row)
        numbers.append(i)
    frame = pd.DataFrame(rows, dtype=TEXT_DTYPE).fillna("") if rows else empty
    for col, col_spec in spec["fields"].items():
        # Optional fields may be left out of a YAML entry altogether.
        if col not in frame.columns and not col_spec.get("required"):
            frame[col] = ""
    return frame, pd.Series(numbers, dtype="int64"), problems


def _table_frame(spec: dict, raw: bytes | None) -> tuple[pd.DataFrame, pd.Series, list[Problem]]:
    file = spec["file"]
    columns = list(spec["columns"])
    empty = pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    if raw is None:
        return empty, pd.Series(dtype="int64"), [Problem(file, None, "", "", "file is missing")]
    text, problems = decode_text(raw, file)
    if problems:
        return empty, pd.Series(dtype="int64"), problems
    fast = read_csv_arrow(text or "", TEXT_DTYPE)
    if fast is not None:
        header, frame = fast
        numbers = pd.Series(range(1, len(frame) + 1), dtype="int64")
        frame = frame.apply(lambda col: col.str.strip()) if len(frame) else frame
        return frame.reset_index(drop=True), numbers, []
    header, rows, problems = read_csv_text(text or "", file)
    if not header:
        return empty, pd.Series(dtype="int64"), problems
    if any(p.row == 0 and "twice" in p.message for p in problems):
        return empty, pd.Series(dtype="int64"), problems
    numbers = pd.Series([n for n, _ in rows], dtype="int64")
    # Arrow-backed text columns: stripping and pattern checks then run in C++, which keeps a
    # 100k-study dataset loading in seconds.
    frame = pd.DataFrame([f for _, f in rows], columns=header, dtype=TEXT_DTYPE)
    frame = frame.apply(lambda col: col.str.strip()) if len(frame) else frame
    return frame.reset_index(drop=True), numbers, problems


def _duplicate_keys(frame: pd.DataFrame, key: list[str], numbers: pd.Series, file: str) -> list[Problem]:
    present = [k for k in key if k in frame.columns]
    if len(present) != len(key) or frame.empty:
        return []
    dup = frame[key].duplicated(keep="first").to_numpy()  # missing values compare equal here
    problems = []
    for i in dup.nonzero()[0][:25]:
        value = " / ".join("" if pd.isna(v) else str(v) for v in frame[key].iloc[i])
        label = "+".join(key)
        problems.append(Problem(file, int(numbers.iat[i]), label, value, "duplicate key: an earlier row has the same"))
    return problems


def _reference_problems(
    frame: pd.DataFrame, column: str, valid: set[str], numbers: pd.Series, file: str, target: str
) -> list[Problem]:
    values = frame[column]
    # Plain set lookups: converting a 100k-id set to Arrow for every isin() is far slower.
    known = np.fromiter((v in valid for v in values.to_numpy(dtype=object)), dtype=bool, count=len(values))
    bad = (values != "").to_numpy() & ~known
    return [
        Problem(file, int(numbers.iat[i]), column, str(values.iat[i]), f"does not match any {target}")
        for i in bad.nonzero()[0][:25]
    ]


def build_evidence(files: Mapping[str, bytes], dictionary: dict) -> Evidence:
    """Validate a dataset given as {relative file name: bytes}; raise EvidenceError on any problem."""
    problems: list[Problem] = []

    # 1. Vocabularies: ids first (they are needed to check everything else), then their fields.
    vocab_frames, vocab_numbers = {}, {}
    for name, spec in dictionary["vocabularies"].items():
        frame, numbers, vocab_problems = _vocabulary_frame(name, spec, files.get(spec["file"]))
        problems += vocab_problems
        vocab_frames[name], vocab_numbers[name] = frame, numbers
    vocab_ids = {name: set(frame["id"]) if "id" in frame else set() for name, frame in vocab_frames.items()}
    for name, spec in dictionary["vocabularies"].items():
        frame = vocab_frames[name]
        converted, col_problems = convert_table(
            frame,
            spec["fields"],
            file=spec["file"],
            row_numbers=vocab_numbers[name],
            vocabularies=vocab_ids,
        )
        problems += col_problems
        problems += _duplicate_keys(converted, ["id"], vocab_numbers[name], spec["file"])
        for col, col_spec in spec["fields"].items():
            if col_spec.get("type") == "ref" and not converted.empty:
                ref_vocab = col_spec["references"].split(".")[0]
                problems += _reference_problems(
                    converted, col, vocab_ids[ref_vocab], vocab_numbers[name], spec["file"], f"id in {ref_vocab}"
                )
        vocab_frames[name] = converted

    # 2. Version file.
    version_file = dictionary["version_file"]
    version: dict = {}
    if version_file not in files:
        problems.append(Problem(version_file, None, "", "", "file is missing"))
    else:
        text, file_problems = decode_text(files[version_file], version_file)
        data, yaml_problems = (None, []) if file_problems else read_yaml_text(text or "", version_file)
        problems += file_problems + yaml_problems
        if isinstance(data, dict) and isinstance(data.get("version"), str):
            version = data
        elif not (file_problems or yaml_problems):
            problems.append(Problem(version_file, None, "version", "", "must be a mapping with a 'version' value"))

    # 3. Tables.
    tables, numbers_of = {}, {}
    unreadable: set[str] = set()
    for name, spec in dictionary["tables"].items():
        frame, numbers, table_problems = _table_frame(spec, files.get(spec["file"]))
        problems += table_problems
        if any(p.row is None or p.row == 0 or "cannot be read" in p.message for p in table_problems):
            # A file that could not be read as a whole: don't also blame every row that refers to it.
            unreadable.add(name)
        converted, col_problems = convert_table(
            frame, spec["columns"], file=spec["file"], row_numbers=numbers, vocabularies=vocab_ids
        )
        problems += col_problems
        problems += _duplicate_keys(converted, spec["key"], numbers, spec["file"])
        tables[name], numbers_of[name] = converted, numbers

    # 4. References between tables.
    for name, spec in dictionary["tables"].items():
        for col, col_spec in spec["columns"].items():
            if col_spec.get("type") != "ref":
                continue
            ref_table, ref_col = col_spec["references"].split(".")
            if ref_table in unreadable:
                continue
            valid = set(tables[ref_table][ref_col])
            problems += _reference_problems(
                tables[name], col, valid, numbers_of[name], spec["file"], f"{ref_col} in {ref_table}"
            )

    # 5. Domain rules that span columns.
    problems += _domain_problems(tables, numbers_of, vocab_frames, dictionary)

    if problems:
        raise EvidenceError(problems)
    return _assemble(tables, vocab_frames, dictionary, version)


def _domain_problems(tables, numbers_of, vocab_frames, dictionary) -> list[Problem]:
    problems: list[Problem] = []
    studies, s_num = tables["studies"], numbers_of["studies"]
    s_file = dictionary["tables"]["studies"]["file"]
    no_id = ((studies["pmid"] == "") & (studies["doi"] == "")).to_numpy()
    for i in no_id.nonzero()[0][:25]:
        problems.append(Problem(s_file, int(s_num.iat[i]), "pmid", "", "a study needs a PMID or a DOI"))
    own_parent = ((studies["parent_study_id"] == studies["study_id"]) & (studies["study_id"] != "")).to_numpy()
    for i in own_parent.nonzero()[0][:25]:
        problems.append(
            Problem(
                s_file,
                int(s_num.iat[i]),
                "parent_study_id",
                studies["parent_study_id"].iat[i],
                "a study cannot be its own parent",
            )
        )

    # Parent chains must end (no cycles).
    parents = dict(zip(studies["study_id"], studies["parent_study_id"], strict=False))
    for i, sid in enumerate(studies["study_id"]):
        seen, cur = {sid}, parents.get(sid, "")
        while cur:
            if cur in seen:
                problems.append(
                    Problem(s_file, int(s_num.iat[i]), "parent_study_id", parents[sid], "parent links form a loop")
                )
                break
            seen.add(cur)
            cur = parents.get(cur, "")

    for col in ("pmid", "doi"):
        values = studies[col].str.lower()
        dup = (values != "") & values.duplicated(keep="first")
        for i in dup.to_numpy().nonzero()[0]:
            problems.append(
                Problem(
                    s_file,
                    int(s_num.iat[i]),
                    col,
                    studies[col].iat[i],
                    "another study has the same; is it entered twice?",
                )
            )

    outcomes, o_num = tables["outcomes"], numbers_of["outcomes"]
    o_file = dictionary["tables"]["outcomes"]["file"]
    checks = [
        ("responders", "n", "is more than n"),
        ("control_responders", "control_n", "is more than control_n"),
        ("change_ci_low", "change_ci_high", "is above change_ci_high"),
    ]
    for low, high, message in checks:
        bad = (outcomes[low].astype("float64") > outcomes[high].astype("float64")).fillna(False).to_numpy()
        for i in bad.nonzero()[0][:25]:
            problems.append(Problem(o_file, int(o_num.iat[i]), low, str(outcomes[low].iat[i]), message))
    return problems


def _cohort_ids(studies: pd.DataFrame) -> pd.Series:
    parents = dict(zip(studies["study_id"], studies["parent_study_id"], strict=False))

    def root(sid: str) -> str:
        while parents.get(sid):
            sid = parents[sid]
        return sid

    return studies["study_id"].map(root)


def _assemble(tables: dict, vocab_frames: dict, dictionary: dict, version: dict) -> Evidence:
    from components.aggregate import benefit_states

    vocab = {name: frame.set_index("id", drop=False) for name, frame in vocab_frames.items()}
    labels = {name: dict(zip(frame["id"], frame["label"], strict=False)) for name, frame in vocab_frames.items()}

    conditions = vocab["conditions"]
    designs = vocab["designs"]
    measures = vocab["measures"]
    sources = vocab["cell_sources"]

    studies = tables["studies"].copy()
    roots = {c: (conditions.at[c, "parent"] or c) for c in conditions.index}
    studies["condition_group"] = studies["condition"].replace(roots)
    studies["design_rank"] = studies["design"].map(designs["rank"].astype("int64")).astype("Int64")
    studies["controlled"] = studies["design"].map(designs["controlled"] == "true").fillna(False).astype(bool)
    # A comparison with another MSC regimen says nothing about MSC versus no MSC: such a study
    # ranks as single-arm evidence for benefit, and its between-arm results are not used as such.
    studies["msc_free_control"] = studies["controlled"] & (studies["control_type"] != "msc_regimen")
    single_arm_rank = int(designs.loc[designs["controlled"] == "false", "rank"].astype(int).min())
    studies["evidence_rank"] = studies["design_rank"].where(
        studies["msc_free_control"] | ~studies["controlled"], single_arm_rank
    )
    studies["product"] = studies["cell_source"].map(sources["product"]).fillna("")
    studies["cohort_id"] = _cohort_ids(studies)
    if len(studies):
        first, *rest = [studies[c].astype(str) for c in SEARCHABLE]
        studies["search_text"] = first.str.cat(rest, sep=" ").str.lower()
    else:
        studies["search_text"] = pd.Series(dtype="object")
    studies = studies.set_index("study_id", drop=False)
    studies.index.name = None

    condition_of = studies["condition"]
    outcomes = tables["outcomes"].copy()
    outcomes["benefit"] = outcomes["measure"].map(measures["benefit"]).fillna("")
    outcomes["lower_is_better"] = outcomes["measure"].map(measures["lower_is_better"] == "true").fillna(False)
    outcomes["measure_kind"] = outcomes["measure"].map(measures["kind"]).fillna("")
    outcomes["condition"] = outcomes["study_id"].map(condition_of).fillna("")

    extra = {}
    for name in ("mechanisms", "adverse_events"):
        frame = tables[name].copy()
        frame["condition"] = frame["study_id"].map(condition_of).fillna("")
        extra[name] = frame

    return Evidence(
        studies=studies,
        outcomes=outcomes,
        mechanisms=extra["mechanisms"],
        adverse_events=extra["adverse_events"],
        registered_trials=tables["registered_trials"],
        claims=tables["claims"],
        meta_analyses=tables["meta_analyses"],
        curation_log=tables["curation_log"],
        benefit_states=benefit_states(studies, outcomes),
        vocab=vocab,
        dictionary=dictionary,
        version=version,
        labels=labels,
    )
