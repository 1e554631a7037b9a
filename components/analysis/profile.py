"""A condition's whole story, told from the numbers: studies, patients, best design, what improved,
what did not, what harm was seen, and which registered trials never published.

Every sentence is built from counts in the data; nothing here is hand-written per condition.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from components.analysis import bias, compare, summary
from components.analysis import trials as trial_data
from components.analysis.aggregate import evidence_map, headline_numbers
from components.analysis.memo import PER_SELECTION, per_evidence
from components.evidence.loader import Evidence


@dataclass(frozen=True)
class ConditionProfile:
    """Everything the condition profile shows, worked out once per condition and shared (read-only)."""

    scope: tuple[str, ...]  # the condition, and its sub-conditions when asked for
    studies: pd.DataFrame
    trials: pd.DataFrame
    sof: pd.DataFrame  # summary of findings, one row per outcome x time window
    sentences: tuple[str, ...]
    lights: pd.DataFrame  # risk of bias of the controlled studies
    key_studies: pd.DataFrame
    harm_rates: pd.DataFrame


@per_evidence(maxsize=PER_SELECTION)
def condition_profile(evidence: Evidence, condition: str, children: tuple[str, ...] = ()) -> ConditionProfile:
    """The profile of `condition`, with the sub-conditions in `children` included."""
    scope = tuple(sorted({condition, *children}))
    studies = evidence.studies[evidence.studies["condition"].isin(scope)]
    trials = trial_data.filter_trials(evidence, trial_data.trials_with_publication(evidence), scope, ())
    trials = trials[trials["condition"].isin(scope)]
    sof = pd.concat([summary.summary_of_findings(evidence, studies, c) for c in scope], ignore_index=True)
    return ConditionProfile(
        scope=scope,
        studies=studies,
        trials=trials,
        sof=sof,
        sentences=tuple(condition_story(evidence, condition, studies, trials, sof)),
        lights=bias.traffic_light(evidence, studies),
        key_studies=key_studies(studies),
        harm_rates=compare.adverse_event_rates(evidence, {condition: studies[compare.PANEL_COLUMNS]}),
    )


def _names(evidence: Evidence, vocabulary: str, ids: list[str]) -> str:
    labels = [
        evidence.label(vocabulary, i).lower() if vocabulary == "benefits" else evidence.label(vocabulary, i)
        for i in ids
    ]
    if not labels:
        return ""
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def condition_story(
    evidence: Evidence,
    condition: str,
    studies: pd.DataFrame,
    trials: pd.DataFrame,
    sof: pd.DataFrame | None = None,
) -> list[str]:
    """Short plain-words sentences summarising the evidence for one condition; with its summary of
    findings, the certainty in GRADE's words."""
    name = evidence.label("conditions", condition)
    if studies.empty:
        return [f"No published clinical study of MSC in {name} is in the current selection."]
    numbers = headline_numbers(studies)
    ranks = studies["evidence_rank"].dropna()
    best = evidence.vocab["designs"].set_index(evidence.vocab["designs"]["rank"].astype(int))["label"]
    best_design = best.get(int(ranks.min()), "") if len(ranks) else ""
    sentences = [
        f"{_plural(numbers.studies, 'published study', 'published studies')} of MSC in {name} "
        f"treated {numbers.patients} patients (each cohort counted once); "
        f"{_plural(numbers.randomised, 'was randomised', 'were randomised') if numbers.randomised else 'none was randomised'}. "
        f"The strongest design is: {best_design.lower() or 'not recorded'}."
    ]
    cells = evidence_map(evidence, studies)
    cells = cells[cells["condition"].isin(studies["condition"].unique())]
    by_benefit = cells.groupby("benefit").agg(n_benefit=("n_benefit", "sum"), n_no=("n_no_benefit", "sum"))
    found = by_benefit[by_benefit["n_benefit"] > 0].sort_values("n_benefit", ascending=False)
    not_found = by_benefit[(by_benefit["n_no"] > 0)].sort_values("n_no", ascending=False)
    if len(found):
        sentences.append(f"Reported benefits: {_names(evidence, 'benefits', list(found.index[:6]))}.")
    if len(not_found):
        sentences.append(
            f"Measured without benefit in at least one study: {_names(evidence, 'benefits', list(not_found.index[:6]))}."
        )
    if sof is not None and len(sof):
        counts = sof["certainty"].value_counts()
        best = next((level for level in ("high", "moderate", "low", "very_low") if counts.get(level)), "very_low")
        words = {"high": "high", "moderate": "moderate", "low": "low", "very_low": "very low"}
        strongest = sof[sof["certainty"] == best]
        outcomes = _names(evidence, "benefits", list(dict.fromkeys(strongest["benefit"]))[:4])
        sentences.append(
            f"Certainty of the evidence (GRADE): at best {words[best]}, for {outcomes}; "
            f"{int(counts.get('very_low', 0))} of {len(sof)} outcome and time-window pairs are of very low certainty."
        )
    ae = evidence.adverse_events
    ae = ae[ae["study_id"].isin(studies.index) & (ae["arm"] == "msc")]
    serious = ae[ae["serious"] == "yes"]
    deaths = ae[ae["category"] == "death"]
    reporting = ae["study_id"].nunique()
    harm = f"{_plural(reporting, 'study', 'studies')} reported on adverse events"
    if len(serious):
        harm += f"; {_plural(int(serious['patients_affected'].fillna(0).sum()), 'patient')} had a serious event"
        related = serious[serious["related"].isin(["yes", "possibly"])]
        harm += (
            f" ({int(related['patients_affected'].fillna(0).sum())} judged related or possibly related to the cells)"
        )
    if len(deaths):
        harm += f"; {_plural(int(deaths['patients_affected'].fillna(0).sum()), 'death')} recorded"
    sentences.append(harm + ".")
    if len(trials):
        waiting = int(trials["finished_unpublished"].sum())
        sentences.append(
            f"{_plural(len(trials), 'registered trial')} found; {waiting} of them have finished or stopped "
            "recruiting with no published results linked."
        )
    return sentences


def key_studies(studies: pd.DataFrame, limit: int = 6) -> pd.DataFrame:
    """The strongest and largest studies first."""
    return studies.sort_values(["evidence_rank", "n_msc", "year"], ascending=[True, False, False]).head(limit)
