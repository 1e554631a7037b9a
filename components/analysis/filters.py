"""Study filters: what a user selected, applied to the evidence, and said back in plain words.

`StudyFilter` is a plain value (no Streamlit); `apply_filter` returns the matching studies and
`describe_filter` the sentence shown above every result ("12 of 40 studies where ...").
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd

from components.analysis.memo import per_evidence
from components.evidence.loader import Evidence

# Distinct selections whose filtered studies are kept (each is a view of at most a few hundred rows).
SELECTIONS_KEPT = 256


@dataclass(frozen=True)
class StudyFilter:
    """A selection of studies. Empty tuples and None mean 'no restriction'."""

    conditions: tuple[str, ...] = ()
    cell_sources: tuple[str, ...] = ()
    products: tuple[str, ...] = ()  # cultured_msc, stromal_product
    donors: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    designs: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    year_min: int | None = None
    year_max: int | None = None
    min_patients: int = 0
    targets: tuple[str, ...] = ()
    benefits: tuple[str, ...] = ()
    text: str = ""

    def is_empty(self) -> bool:
        return self == StudyFilter()


def expand_conditions(evidence: Evidence, conditions: tuple[str, ...]) -> set[str]:
    """A condition and its sub-conditions (choosing SLE includes lupus nephritis)."""
    parents = evidence.vocab["conditions"]["parent"]
    chosen = set(conditions)
    return chosen | {c for c, parent in parents.items() if parent in chosen}


def studies_reporting_benefit(evidence: Evidence, benefits: tuple[str, ...]) -> set[str]:
    """Studies in which at least one outcome of these benefits improved."""
    out = evidence.outcomes
    hit = out["benefit"].isin(benefits) & (out["direction"] == "improved")
    return set(out.loc[hit, "study_id"])


@per_evidence(maxsize=SELECTIONS_KEPT)
def apply_filter(evidence: Evidence, selection: StudyFilter) -> pd.DataFrame:
    """The studies matching every part of the selection (a view of evidence.studies), shared by
    every session that makes the same selection: read-only."""
    studies = evidence.studies
    mask = pd.Series(True, index=studies.index)
    if selection.conditions:
        mask &= studies["condition"].isin(expand_conditions(evidence, selection.conditions))
    for column, chosen in (
        ("cell_source", selection.cell_sources),
        ("product", selection.products),
        ("donor", selection.donors),
        ("route", selection.routes),
        ("design", selection.designs),
        ("phase", selection.phases),
    ):
        if chosen:
            mask &= studies[column].isin(chosen)
    if selection.year_min is not None:
        mask &= (studies["year"] >= selection.year_min).fillna(False)
    if selection.year_max is not None:
        mask &= (studies["year"] <= selection.year_max).fillna(False)
    if selection.min_patients:
        mask &= (studies["n_msc"] >= selection.min_patients).fillna(False)
    if selection.targets:
        mech = evidence.mechanisms
        mask &= studies["study_id"].isin(set(mech.loc[mech["target"].isin(selection.targets), "study_id"]))
    if selection.benefits:
        mask &= studies["study_id"].isin(studies_reporting_benefit(evidence, selection.benefits))
    text = selection.text.strip().lower()
    if text:
        # Plain substring match: no regex, so '(' or '.' in a query means itself.
        mask &= studies["search_text"].str.contains(text, regex=False)
    return studies[mask.to_numpy()]


PRODUCT_LABELS = {
    "cultured_msc": "culture-expanded MSC",
    "stromal_product": "minimally manipulated stromal products (fat graft, SVF, marrow concentrate)",
}


def _list(evidence: Evidence, vocabulary: str, ids: tuple[str, ...]) -> str:
    names = [evidence.label(vocabulary, i) if vocabulary else PRODUCT_LABELS.get(i, i) for i in ids]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]


def describe_filter(evidence: Evidence, selection: StudyFilter) -> list[str]:
    """The active filters as short plain-words phrases, in a fixed order."""
    parts = []
    labelled = {
        "conditions": ("conditions", "condition is"),
        "cell_sources": ("cell_sources", "cell source is"),
        "products": ("", "cell product is"),
        "donors": ("donors", "donor is"),
        "routes": ("routes", "route is"),
        "designs": ("designs", "design is"),
        "phases": ("", "phase is"),
        "targets": ("targets", "measured target is"),
        "benefits": ("benefits", "reported benefit is"),
    }
    for f in fields(selection):
        value = getattr(selection, f.name)
        if f.name in labelled and value:
            vocabulary, words = labelled[f.name]
            parts.append(f"{words} {_list(evidence, vocabulary, value)}")
    if selection.year_min is not None and selection.year_max is not None:
        parts.append(f"published {selection.year_min}–{selection.year_max}")
    elif selection.year_min is not None:
        parts.append(f"published in or after {selection.year_min}")
    elif selection.year_max is not None:
        parts.append(f"published in or before {selection.year_max}")
    if selection.min_patients:
        parts.append(f"at least {selection.min_patients} patients on MSC")
    if selection.text.strip():
        parts.append(f'text contains "{selection.text.strip()}"')
    return parts


def headline(evidence: Evidence, shown: pd.DataFrame, selection: StudyFilter) -> str:
    """'N of M studies where ...' for the top of a result."""
    total = len(evidence.studies)
    noun = "study" if total == 1 else "studies"
    parts = describe_filter(evidence, selection)
    text = f"{len(shown)} of {total} {noun}"
    return text + (" where " + "; ".join(parts) if parts else " (no filters)")
