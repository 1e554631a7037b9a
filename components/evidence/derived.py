"""What the loader derives once per dataset, so that no page recomputes it on a rerun: each study's
cohort, design rank and evidence rank, the benefit each outcome counts towards, the search text,
and the benefit states (did a study find a benefit it measured?).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from components.evidence.model import Evidence

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

BENEFIT = "benefit"
NO_BENEFIT = "no_benefit"
NOT_MEASURED = "not_measured"
STATE_LABELS = {
    BENEFIT: "Benefit reported",
    NO_BENEFIT: "Measured, no benefit",
    NOT_MEASURED: "Not measured",
}


def benefit_states(studies: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """One row per study x benefit measured: did the study find that benefit?

    A controlled comparison outranks a change from baseline: an outcome reported as no better
    than control makes the benefit 'measured, no benefit' even if the MSC group improved.
    Computed once per dataset, when it is loaded (Evidence.benefit_states).
    """
    # 'unclear' rows give values without a reported direction: they count neither way.
    out = outcomes[(outcomes["benefit"] != "") & (outcomes["direction"] != "unclear")]
    if out.empty:
        return pd.DataFrame(
            {
                "study_id": pd.Series(dtype="object"),
                "benefit": pd.Series(dtype="object"),
                "state": pd.Series(dtype="object"),
            }
        )
    # Between-arm results count only against an MSC-free control (not dose or schedule comparisons).
    vs_control = out["vs_control"].where(
        out["study_id"].map(studies["msc_free_control"]).fillna(False).astype(bool), ""
    )
    flags = pd.DataFrame(
        {
            "study_id": out["study_id"],
            "benefit": out["benefit"],
            "better_than_control": vs_control == "better",
            "not_better_than_control": vs_control.isin(["no_difference", "worse"]),
            "improved": out["direction"] == "improved",
        }
    )
    grouped = flags.groupby(["study_id", "benefit"], sort=False).any().reset_index()
    state = pd.Series(NO_BENEFIT, index=grouped.index, dtype="object")
    state[grouped["improved"] & ~grouped["not_better_than_control"]] = BENEFIT
    state[grouped["better_than_control"]] = BENEFIT
    grouped["state"] = state
    # Where each study sits in the studies table (-1 for an unknown id), for fast selection.
    grouped["study_pos"] = studies.index.get_indexer(grouped["study_id"])
    return grouped[["study_id", "benefit", "state", "study_pos"]]


# What one unit of time is in months: time points are stored as the source gave them and converted
# only to place results on a common axis (a week is 12/52 of a month, a day 12/365.25).
MONTHS_PER_UNIT = {"days": 12 / 365.25, "weeks": 12 / 52, "months": 1.0, "years": 12.0}


def in_months(value: pd.Series, unit: pd.Series) -> pd.Series:
    """Time points in months (NaN where the source gave none)."""
    factor = unit.map(MONTHS_PER_UNIT).astype("float64")
    return (value.astype("float64") * factor).round(4)


def cohort_roots(parents: Mapping[str, str]) -> dict[str, str | None]:
    """The first report of each study's cohort: follow `parent_study_id` links to the study that has
    none. None for a study whose links run into a loop (the rules report it).

    One pass, each study visited once: following every chain from every study was quadratic, and
    16,000 studies each the follow-up of the previous one took a minute to validate.
    """
    roots: dict[str, str | None] = {}
    for start in parents:
        path: list[str] = []
        on_path: set[str] = set()
        current = start
        while True:
            if current in roots:
                root = roots[current]
                break
            if current in on_path:
                root = None
                break
            following = parents.get(current, "")
            if not following:
                root = current
                break
            path.append(current)
            on_path.add(current)
            current = following
        for member in path:
            roots[member] = root
        roots.setdefault(start, root)
    return roots


def cohort_ids(studies: pd.DataFrame) -> pd.Series:
    # .tolist() converts in C; iterating an Arrow-backed column is a Python call per value.
    parents = dict(zip(studies["study_id"].tolist(), studies["parent_study_id"].tolist(), strict=True))
    roots = cohort_roots(parents)
    ids = studies["study_id"].tolist()
    return pd.Series([roots.get(sid) or sid for sid in ids], index=studies.index, dtype=studies["study_id"].dtype)


def assemble(tables: dict, vocab_frames: dict, dictionary: dict, version: dict) -> Evidence:
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
    studies["follow_up_months"] = in_months(studies["follow_up"], studies["follow_up_unit"])
    studies["cohort_id"] = cohort_ids(studies)
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
    outcomes["timepoint_months"] = in_months(outcomes["timepoint"], outcomes["timepoint_unit"])

    extra = {}
    for name in ("mechanisms", "adverse_events", "risk_of_bias"):
        frame = tables[name].copy()
        frame["condition"] = frame["study_id"].map(condition_of).fillna("")
        extra[name] = frame
    extra["mechanisms"]["timepoint_months"] = in_months(
        extra["mechanisms"]["timepoint"], extra["mechanisms"]["timepoint_unit"]
    )
    meta = tables["meta_analyses"].copy()
    meta["timepoint_months"] = in_months(meta["timepoint"], meta["timepoint_unit"])

    return Evidence(
        studies=studies,
        outcomes=outcomes,
        mechanisms=extra["mechanisms"],
        adverse_events=extra["adverse_events"],
        registered_trials=tables["registered_trials"],
        claims=tables["claims"],
        meta_analyses=meta,
        curation_log=tables["curation_log"],
        risk_of_bias=extra["risk_of_bias"],
        meta_analysis_trials=tables["meta_analysis_trials"],
        screening_log=tables["screening_log"],
        benefit_states=benefit_states(studies, outcomes),
        vocab=vocab,
        dictionary=dictionary,
        version=version,
        labels=labels,
    )
