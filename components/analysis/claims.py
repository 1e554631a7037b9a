"""Claim check: a popular statement about MSC therapy set against the evidence, with a verdict in
plain words from explicit rules.

The rules, in order (the first that applies gives the verdict):

Efficacy and mechanism claims (a benefit found, or a target moved in the claimed direction):
  1. No study in scope measured it                                   -> "No clinical data"
  2. Randomised trials measured it: all against it                    -> "Contradicted by randomised evidence"
  3. Randomised trials measured it: all for it                        -> "Supported by randomised evidence"
  4. Randomised trials measured it: some for, some against            -> "Randomised evidence is mixed"
  5. No randomised trial; a non-randomised controlled study supports  -> "Supported by non-randomised controlled studies only"
  6. Only uncontrolled studies support it, one study under 20 patients -> "Rests on one small uncontrolled study"
  7. Only uncontrolled studies support it                             -> "Open-label (uncontrolled) studies only"
  8. Studies measured it and none supports it                         -> "Measured, but no study found it"
  "Randomised" means randomised against a control that did not receive MSC (a dose comparison ranks
  as uncontrolled; see loader.evidence_rank).

Safety claims:
  1. No study in scope reported on adverse events                     -> "No clinical data"
  2. A death or serious event judged related or possibly related      -> "Serious harm possibly related to the cells was reported"
  3. Otherwise                                                        -> "No serious related harm reported (mostly small open-label studies)"

Open questions (e.g. "cell source, dose and delivery are not standardised") are answered with the
variety the data show, not with a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from components.analysis.aggregate import BENEFIT, patients_per_cell, study_benefit_states
from components.analysis.filters import expand_conditions
from components.evidence.loader import Evidence

RANDOMISED = 1
CONTROLLED = 2
SMALL_STUDY = 20

NO_DATA = "No clinical data"
CONTRADICTED = "Contradicted by randomised evidence"
SUPPORTED_RCT = "Supported by randomised evidence"
MIXED_RCT = "Randomised evidence is mixed"
SUPPORTED_CONTROLLED = "Supported by non-randomised controlled studies only"
ONE_SMALL = "Rests on one small uncontrolled study"
OPEN_LABEL_ONLY = "Open-label (uncontrolled) studies only"
NOT_FOUND = "Measured, but no study found it"
SERIOUS_HARM = "Serious harm possibly related to the cells was reported"
NO_SERIOUS_HARM = "No serious related harm reported (mostly small open-label studies)"
OPEN_QUESTION = "Open question"


@dataclass(frozen=True)
class Tally:
    """Studies for and against a claim, by evidence rank."""

    for_ranks: tuple[int, ...] = ()
    against_ranks: tuple[int, ...] = ()
    for_patients: tuple[int, ...] = ()


def efficacy_verdict(tally: Tally) -> str:
    """The verdict for an efficacy or mechanism claim from its tally (rules 1-8 above)."""
    if not tally.for_ranks and not tally.against_ranks:
        return NO_DATA
    rct_for = sum(1 for r in tally.for_ranks if r == RANDOMISED)
    rct_against = sum(1 for r in tally.against_ranks if r == RANDOMISED)
    if rct_against and not rct_for:
        return CONTRADICTED
    if rct_for and not rct_against:
        return SUPPORTED_RCT
    if rct_for and rct_against:
        return MIXED_RCT
    if any(r == CONTROLLED for r in tally.for_ranks):
        return SUPPORTED_CONTROLLED
    if tally.for_ranks:
        if len(tally.for_ranks) == 1 and tally.for_patients and tally.for_patients[0] < SMALL_STUDY:
            return ONE_SMALL
        return OPEN_LABEL_ONLY
    return NOT_FOUND


def safety_verdict(studies_reporting: int, serious_related: int) -> str:
    if studies_reporting == 0:
        return NO_DATA
    if serious_related:
        return SERIOUS_HARM
    return NO_SERIOUS_HARM


def scope(evidence: Evidence, studies: pd.DataFrame, condition: str) -> pd.DataFrame:
    """The studies a claim is about: its condition (with sub-conditions), or all."""
    if not condition:
        return studies
    return studies[studies["condition"].isin(expand_conditions(evidence, (condition,)))]


def tally_claim(
    evidence: Evidence,
    claim: pd.Series,
    studies: pd.DataFrame,
    states: pd.DataFrame | None = None,
    ids_in_scope: set[str] | None = None,
) -> tuple[Tally, list[str], list[str]]:
    """Studies for and against a claim (ids), and its tally by evidence rank.

    `states` are the benefit states of `studies` and `ids_in_scope` the ids of `scope()`, when the
    caller already has them (check_claims computes them once for all claims)."""
    if ids_in_scope is None:
        ids_in_scope = set(scope(evidence, studies, claim["condition"]).index)
    for_ids: set[str] = set()
    against_ids: set[str] = set()
    if claim["benefit"]:
        states = study_benefit_states(evidence, studies) if states is None else states
        for sid, benefit, state in zip(states["study_id"], states["benefit"], states["state"], strict=True):
            if benefit == claim["benefit"] and sid in ids_in_scope:
                (for_ids if state == BENEFIT else against_ids).add(sid)
    if claim["target"]:
        wanted = claim["target_direction"]
        mech = evidence.mechanisms
        for sid, target, direction in zip(mech["study_id"], mech["target"], mech["direction"], strict=True):
            if target != claim["target"] or sid not in ids_in_scope:
                continue
            moved = direction == wanted if wanted else direction != "no_change"
            (for_ids if moved else against_ids).add(sid)
    # A study that found it at any time point (or in any row) counts for the claim, not against it.
    against_ids -= for_ids
    rank = studies["evidence_rank"]
    tally = Tally(
        for_ranks=tuple(int(rank[i]) for i in sorted(for_ids)),
        against_ranks=tuple(int(rank[i]) for i in sorted(against_ids)),
        for_patients=tuple(
            int(studies.at[i, "n_msc"]) if pd.notna(studies.at[i, "n_msc"]) else 0 for i in sorted(for_ids)
        ),
    )
    return tally, sorted(for_ids), sorted(against_ids)


CHECK_COLUMNS = [
    "claim_id",
    "claim",
    "kind",
    "condition",
    "studies_in_scope",
    "for",
    "against",
    "not_measured",
    "patients_for",
    "patients_against",
    "best_design_for",
    "randomised",
    "verdict",
    "for_ids",
    "against_ids",
    "source_url",
]


def check_claims(evidence: Evidence, studies: pd.DataFrame) -> pd.DataFrame:
    """Every claim with its evidence for and against, patients, best design and verdict."""
    rows = []
    ae = evidence.adverse_events[evidence.adverse_events["arm"] == "msc"]
    states = study_benefit_states(evidence, studies)
    # Only the columns the rules read: selecting rows of the full studies table costs far more.
    studies = studies[["condition", "cohort_id", "n_msc", "evidence_rank", "cell_source", "route", "dose_per_kg"]]
    # Positions and sets: a few dozen claims each selecting rows of pandas frames took most of the page's time.
    position_of = {sid: i for i, sid in enumerate(studies.index)}
    cohorts = pd.factorize(studies["cohort_id"], use_na_sentinel=False)[0]
    n_msc = studies["n_msc"].astype("float64").fillna(0).to_numpy()
    designs = evidence.vocab["designs"].set_index(evidence.vocab["designs"]["rank"].astype(int))["label"]

    def patients(ids) -> int:  # patients_once() of these studies, without selecting their rows
        chosen = np.fromiter((position_of[sid] for sid in ids), dtype="int64")
        return int(patients_per_cell(np.zeros(len(chosen), dtype="int64"), cohorts[chosen], n_msc[chosen], 1)[0])

    scopes: dict[str, pd.DataFrame] = {}
    for _, claim in evidence.claims.iterrows():
        if claim["condition"] not in scopes:
            scopes[claim["condition"]] = scope(evidence, studies, claim["condition"])
        in_scope = scopes[claim["condition"]]
        row = {
            "claim_id": claim["claim_id"],
            "claim": claim["claim"],
            "kind": claim["kind"],
            "condition": claim["condition"],
            "studies_in_scope": len(in_scope),
            "for": 0,
            "against": 0,
            "not_measured": 0,
            "patients_for": 0,
            "patients_against": 0,
            "best_design_for": "",
            "randomised": "",
            "verdict": "",
            "for_ids": (),
            "against_ids": (),
            "source_url": claim["source_url"],
        }
        if claim["kind"] == "safety":
            part = ae[ae["study_id"].isin(in_scope.index)]
            reporting = sorted(set(part["study_id"]))
            serious_related = part[(part["serious"] == "yes") & part["related"].isin(["yes", "possibly"])]
            against = sorted(set(serious_related["study_id"]))
            row.update(
                {
                    "for": len(reporting) - len(against),
                    "against": len(against),
                    "not_measured": len(in_scope) - len(reporting),
                    "patients_for": patients(i for i in reporting if i not in against),
                    "patients_against": patients(against),
                    "verdict": safety_verdict(len(reporting), len(against)),
                    "for_ids": tuple(i for i in reporting if i not in against),
                    "against_ids": tuple(against),
                }
            )
        elif claim["kind"] == "open_question":
            sources = sorted(set(in_scope["cell_source"]) - {""})
            routes = sorted(set(in_scope["route"]) - {""})
            doses = in_scope["dose_per_kg"].dropna()
            spread = f"; doses from {doses.min():.0e} to {doses.max():.0e} cells/kg" if len(doses) else ""
            row.update(
                {
                    "verdict": f"{OPEN_QUESTION}: {len(sources)} cell sources and {len(routes)} routes in these studies{spread}",
                    "not_measured": 0,
                }
            )
        else:
            tally, for_ids, against_ids = tally_claim(evidence, claim, studies, states, set(in_scope.index))
            best = min(tally.for_ranks) if tally.for_ranks else None
            rct = ""
            if RANDOMISED in tally.for_ranks:
                rct = "supports"
            if RANDOMISED in tally.against_ranks:
                rct = "contradicts" if not rct else "mixed"
            row.update(
                {
                    "for": len(for_ids),
                    "against": len(against_ids),
                    "not_measured": len(in_scope) - len(set(for_ids) | set(against_ids)),
                    "patients_for": patients(for_ids),
                    "patients_against": patients(against_ids),
                    "best_design_for": designs.get(best, "") if best else "",
                    "randomised": rct or "none",
                    "verdict": efficacy_verdict(tally),
                    "for_ids": tuple(for_ids),
                    "against_ids": tuple(against_ids),
                }
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)
