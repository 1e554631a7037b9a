"""Synthetic evidence bases in our schema, of any size, for timing the loader and the pages at scale.

`generate_dataset(folder, n_studies)` writes studies, outcomes (4 per study), mechanisms (2) and
adverse events (2) that pass validation, with every column valued according to its type in
`data/dictionary.yaml` (so a column added to the dictionary is generated too), and copies the
shipped vocabularies, dataset.yaml, claims, meta-analyses, registered trials and curation log.

Rows are deliberately compact (short text, most optional outcome values empty) so that 100k studies
stay within the loader's 50 MB limit per file; the shipped data is about 2-3 times denser per row.

    python -m bench.generate 10000 synthetic-10k
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from components.evidence.loader import DATA_DIR, read_dictionary

OUTCOMES_PER_STUDY = 4
MECHANISMS_PER_STUDY = 2
ADVERSE_EVENTS_PER_STUDY = 2
FOLLOW_UP_SHARE = 0.1  # studies that report on an earlier study's cohort (parent_study_id)
# Chance that an optional value is filled: the real outcomes table leaves most values empty.
FILL = {"studies": 0.6, "outcomes": 0.15, "mechanisms": 0.5, "adverse_events": 0.5}
COPIED = ("dataset.yaml", "claims.csv", "meta_analyses.csv", "curation_log.csv")
# Tables that name shipped studies: a synthetic set has their header only.
HEADER_ONLY = ("risk_of_bias", "meta_analysis_trials", "screening_log")
TIMEPOINTS = ("1", "3", "6", "12", "24")
DOSES = ("5e5", "1e6", "2e6", "1e8")
EVENTS = ("fever", "headache", "infusion reaction", "infection", "rash", "nausea", "joint pain", "fatigue")
# Short phrases with words a user might search for (Treg, cord, refractory).
WORDS = (
    "refractory disease",
    "umbilical cord MSC",
    "bone marrow MSC",
    "Treg increase",
    "single infusion",
    "open label",
    "long-term follow-up",
    "safety and efficacy",
    "adipose-derived cells",
    "disease activity fell",
)


def _vocabulary_ids(source: Path, dictionary: dict) -> dict[str, list[str]]:
    ids = {}
    for name, spec in dictionary["vocabularies"].items():
        entries = yaml.safe_load((source / spec["file"]).read_text(encoding="utf-8"))
        ids[name] = [str(entry["id"]) for entry in entries]
    return ids


def _distinct_choices(rng: np.random.Generator, n: int, options: list[str], per_row: int) -> np.ndarray:
    """`per_row` different options for each of `n` rows, shape (n, per_row)."""
    if len(options) < per_row:
        raise ValueError(f"need {per_row} distinct values, the vocabulary has {len(options)}")
    order = np.argsort(rng.random((n, len(options))), axis=1)[:, :per_row]
    return np.asarray(options, dtype=object)[order]


def _column(
    rng: np.random.Generator, spec: dict, n: int, fill: float, vocab: dict[str, list[str]], tag: str
) -> np.ndarray:
    """Valid values of one column for `n` rows, following its type; optional ones sometimes empty."""
    kind = spec.get("type", "text")
    index = np.arange(n)
    if kind == "vocab":
        values = rng.choice(np.asarray(vocab[spec["vocabulary"]], dtype=object), n)
    elif kind == "enum":
        allowed = [str(a) for a in spec["allowed"] if str(a) != ""]
        values = rng.choice(np.asarray(allowed, dtype=object), n)
    elif kind == "integer":
        low = max(int(spec.get("min", 0)), 1)
        high = max(low, min(int(spec.get("max", 200)), 200))
        values = rng.integers(low, high + 1, n).astype(str).astype(object)
    elif kind == "number":
        low = float(spec.get("min", 0))
        high = min(float(spec.get("max", low + 100)), low + 100)
        values = np.char.mod("%.1f", np.maximum(rng.uniform(low, high, n), max(low, 0.1))).astype(object)
    elif kind == "year":
        values = rng.integers(2000, 2025, n).astype(str).astype(object)
    elif kind in ("pmid", "article"):
        values = (10_000_000 + index).astype(str).astype(object)
    elif kind == "doi":
        values = np.char.add(f"10.5555/{tag}.", index.astype(str)).astype(object)
    elif kind == "registry":
        values = np.char.mod("NCT%08d", 10_000_000 + index).astype(object)
    elif kind == "url":
        values = np.char.add(f"https://example.org/{tag}", index.astype(str)).astype(object)
    elif kind == "id":
        values = np.char.add(f"{tag}-", index.astype(str)).astype(object)
    elif kind == "ref":
        return np.full(n, "", dtype=object)
    else:  # text
        values = rng.choice(np.asarray(WORDS, dtype=object), n)
    if not spec.get("required"):
        values = np.where(rng.random(n) < fill, values, "")
    return values


def _table(
    rng: np.random.Generator, spec: dict, n: int, fill: float, vocab: dict[str, list[str]], tag: str, fixed: dict
) -> pd.DataFrame:
    """Every column of a table in dictionary order; `fixed` columns replace the generated ones."""
    columns = {}
    for name, col_spec in spec["columns"].items():
        columns[name] = fixed[name] if name in fixed else _column(rng, col_spec, n, fill, vocab, f"{tag}-{name}")
    return pd.DataFrame(columns)


def _studies(rng, spec, n, vocab) -> pd.DataFrame:
    ids = np.char.mod("syn-%06d", np.arange(n)).astype(object)
    # A follow-up names an earlier study as its parent, so parent chains always end.
    parent_of = (rng.random(n) * np.arange(n)).astype(int)
    is_follow_up = (rng.random(n) < FOLLOW_UP_SHARE) & (np.arange(n) > 0)
    parents = np.where(is_follow_up, ids[parent_of], "")
    fixed = {
        "study_id": ids,
        "parent_study_id": parents,
        "pmid": (20_000_000 + np.arange(n)).astype(str).astype(object),  # every study has a PMID
        "dose_per_kg": np.where(rng.random(n) < 0.5, rng.choice(np.asarray(DOSES, dtype=object), n), ""),
        "source_url": np.char.add("https://example.org/s", np.arange(n).astype(str)).astype(object),
    }
    follow_up = np.where(rng.random(n) < FILL["studies"], rng.choice(np.asarray(TIMEPOINTS, dtype=object), n), "")
    fixed["follow_up"] = follow_up
    fixed["follow_up_unit"] = np.where(follow_up != "", "months", "")
    fixed["n_total"] = np.full(n, "", dtype=object)
    return _table(rng, spec, n, FILL["studies"], vocab, "s", fixed)


def _outcomes(rng, spec, study_ids, vocab) -> pd.DataFrame:
    n = len(study_ids) * OUTCOMES_PER_STUDY
    rows = np.repeat(study_ids, OUTCOMES_PER_STUDY)
    fill = FILL["outcomes"]
    patients = rng.integers(5, 120, n)
    control = rng.integers(5, 120, n)
    change = np.round(rng.normal(-2, 3, n), 1)
    spread = np.round(rng.uniform(0.1, 2, n), 1)
    has_ci = rng.random(n) < fill

    def some(values: np.ndarray) -> np.ndarray:
        return np.where(rng.random(n) < fill, values.astype(str).astype(object), "")

    fixed = {
        "study_id": rows,
        "measure": _distinct_choices(rng, len(study_ids), vocab["measures"], OUTCOMES_PER_STUDY).ravel(),
        "timepoint": rng.choice(np.asarray(TIMEPOINTS, dtype=object), n),
        "timepoint_unit": np.full(n, "months", dtype=object),
        "arm": np.full(n, "", dtype=object),
        # Counts that must stay consistent with their denominators.
        "n": patients.astype(str).astype(object),
        "responders": some((patients * rng.random(n)).astype(int)),
        "control_n": control.astype(str).astype(object),
        "control_responders": some((control * rng.random(n)).astype(int)),
        "change": change.astype(str).astype(object),
        "change_ci_low": np.where(has_ci, (change - spread).round(1).astype(str).astype(object), ""),
        "change_ci_high": np.where(has_ci, (change + spread).round(1).astype(str).astype(object), ""),
        "source_url": np.char.add(
            "https://example.org/s", np.repeat(np.arange(len(study_ids)), OUTCOMES_PER_STUDY).astype(str)
        ),
    }
    return _table(rng, spec, n, fill, vocab, "o", fixed)


def _per_study(rng, spec, study_ids, vocab, per_study: int, table: str, distinct: dict) -> pd.DataFrame:
    n = len(study_ids) * per_study
    fixed = {"study_id": np.repeat(study_ids, per_study)}
    for column, options in distinct.items():
        fixed[column] = _distinct_choices(rng, len(study_ids), options, per_study).ravel()
    if table == "mechanisms":
        # Before-and-after in the treated patients, the commonest contrast; a time point with its unit.
        fixed["contrast"] = np.full(n, "after_vs_before", dtype=object)
        timepoint = np.where(rng.random(n) < FILL[table], rng.choice(np.asarray(TIMEPOINTS, dtype=object), n), "")
        fixed["timepoint"], fixed["timepoint_unit"] = timepoint, np.where(timepoint != "", "months", "")
    if table == "adverse_events":
        # Events, not statements that none occurred: those follow rules of their own (ruled_out).
        categories = [c for c in spec["columns"]["category"]["allowed"] if c != "none_reported"]
        fixed["category"] = rng.choice(np.asarray(categories, dtype=object), n)
        fixed["serious"] = rng.choice(np.asarray(["yes", "no", "unknown"], dtype=object), n)
        fixed["related"] = rng.choice(np.asarray(["yes", "possibly", "no", "unknown"], dtype=object), n)
        fixed["ruled_out"] = np.full(n, "", dtype=object)
    return _table(rng, spec, n, FILL[table], vocab, table[0], fixed)


def _copy_registered_trials(source: Path, target: Path, spec: dict) -> None:
    """The shipped trials, without links to shipped studies (they are not in a synthetic set)."""
    reader = csv.DictReader(io.StringIO((source / spec["file"]).read_text(encoding="utf-8-sig"), newline=""))
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [], lineterminator="\n")
    writer.writeheader()
    for row in reader:
        writer.writerow({**row, "linked_study_id": ""})
    (target / spec["file"]).write_text(out.getvalue(), encoding="utf-8")


def generate_dataset(target: Path, n_studies: int, seed: int = 0, source: Path = DATA_DIR) -> Path:
    """Write a valid synthetic dataset of `n_studies` studies into `target`; return `target`."""
    dictionary = read_dictionary()
    tables = dictionary["tables"]
    vocab = _vocabulary_ids(source, dictionary)
    rng = np.random.default_rng(seed)
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source / "vocabularies", target / "vocabularies", dirs_exist_ok=True)
    for name in COPIED:
        shutil.copy2(source / name, target / name)
    _copy_registered_trials(source, target, tables["registered_trials"])
    for name in HEADER_ONLY:
        (target / tables[name]["file"]).write_text(",".join(tables[name]["columns"]) + "\n", encoding="utf-8")

    studies = _studies(rng, tables["studies"], n_studies, vocab)
    ids = studies["study_id"].to_numpy()
    frames = {
        "studies": studies,
        "outcomes": _outcomes(rng, tables["outcomes"], ids, vocab),
        "mechanisms": _per_study(
            rng, tables["mechanisms"], ids, vocab, MECHANISMS_PER_STUDY, "mechanisms", {"target": vocab["targets"]}
        ),
        "adverse_events": _per_study(
            rng, tables["adverse_events"], ids, vocab, ADVERSE_EVENTS_PER_STUDY, "adverse_events", {"event": EVENTS}
        ),
    }
    for name, frame in frames.items():
        frame.to_csv(target / tables[name]["file"], index=False, lineterminator="\n")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("studies", type=int)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    folder = generate_dataset(args.folder, args.studies, args.seed)
    for path in sorted(folder.glob("*.csv")):
        print(f"{path.name:<24} {path.stat().st_size / 1e6:8.2f} MB")


if __name__ == "__main__":
    main()
