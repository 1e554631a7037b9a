"""Summary of findings: for one condition (or a claim's scope), each outcome and time window with the
studies and patients behind it, the effect (pooled where the data allow, otherwise the range of study
results), the GRADE certainty with its footnotes, a plain-language statement, and a published
meta-analysis of the same outcome beside it — in the layout of Cochrane's summary-of-findings tables.

Two bodies can speak to the same outcome and window: the studies in this base, and a published
meta-analysis's pooled estimate (often of trials this base lacks). Each is rated on its own; the
one rated more certain leads, and the table says when they disagree and how many of the review's
trials are in the base.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from components.analysis import certainty as grade
from components.analysis import findings
from components.analysis.judged import Judged, judged_windows, window_finding
from components.analysis.memo import PER_SELECTION, per_frames
from components.evidence.loader import Evidence

SOURCE_WORDS = {
    "randomised": "randomised trials in this base",
    "non_randomised": "non-randomised studies in this base",
    "meta-analysis": "published meta-analysis",
}


def participants(judged: Judged) -> str:
    """'18 (1 trial)': participants and studies of the body behind a row, in Cochrane's order; a
    review's own counts when its trials are not in this base."""
    pooled = judged.body.pooled
    if judged.source == "meta-analysis" and pooled is not None:
        trials = f"{pooled.k} randomised trials" if pooled.k else "randomised trials"
        return f"{pooled.n_patients} ({trials})" if pooled.n_patients else f"not reported ({trials})"
    count = judged.certainty.studies
    if judged.source == "randomised":
        noun = "trial" if count == 1 else "trials"
    else:
        noun = "study" if count == 1 else "studies"
    return f"{judged.certainty.patients} ({count} {noun})"


def summary_of_findings(evidence: Evidence, studies: pd.DataFrame, condition: str) -> pd.DataFrame:
    """The summary-of-findings table of one condition (its own studies, not its sub-conditions'),
    clinical outcomes first, one row per outcome and time window: the leading body's participants,
    effect, certainty and statement, and every other body that speaks to the same row."""
    conditions = exact = {condition}
    benefits = evidence.vocab["benefits"]
    order = list(benefits.index[benefits["kind"] == "clinical"]) + list(benefits.index[benefits["kind"] != "clinical"])
    rows = []
    for benefit in order:
        for window, bodies in judged_windows(evidence, studies, conditions, exact, benefit).items():
            lead = bodies[0]
            _, direction = window_finding(bodies)
            shown = replace(lead.certainty, direction=direction)
            own = next((j for j in bodies if j.source != "meta-analysis"), None)
            meta = next((j for j in bodies if j.source == "meta-analysis"), None)
            rows.append(
                {
                    "benefit": benefit,
                    "window": window,
                    "outcome": benefits.at[benefit, "label"],
                    "time": findings.WINDOW_BY_KEY[window].label,
                    "participants": participants(lead),
                    "evidence": lead.citation or SOURCE_WORDS[lead.source],
                    "effect": lead.effect,
                    "certainty": lead.certainty.code,
                    "certainty_text": f"{lead.certainty.symbols} {lead.certainty.word}",
                    "statement": grade.statement(
                        shown, benefits.at[benefit, "label"].lower(), findings.outcome_words(evidence, benefit)
                    ),
                    "footnotes": lead.certainty.footnotes,
                    "based_on": lead.source,
                    "also": [
                        {
                            "evidence": (j.citation + ", published meta-analysis")
                            if j.citation
                            else SOURCE_WORDS[j.source],
                            "participants": participants(j),
                            "effect": j.effect,
                            "certainty_text": f"{j.certainty.symbols} {j.certainty.word}",
                            "in_base": j.in_base,
                            "url": j.url,
                        }
                        for j in bodies[1:]
                    ],
                    "meta_url": meta.url if meta else "",
                    "differs": _difference(own, meta),
                    "study_ids": sorted(
                        {f.study_id for j in bodies if j.source != "meta-analysis" for f in j.body.findings}
                    ),
                }
            )
    return pd.DataFrame(rows)


def _difference(own: Judged | None, meta: Judged | None) -> str:
    """Why the base's studies and a published meta-analysis of the same outcome read differently, in
    one short sentence."""
    if own is None or meta is None or own.certainty.direction == meta.certainty.direction:
        return ""
    reasons = []
    if meta.in_base:
        reasons.append(meta.in_base)
    if own.certainty.starts_high != meta.certainty.starts_high:
        reasons.append("the review pooled randomised trials; this base's studies here are not randomised")
    why = f" ({'; '.join(reasons)})" if reasons else ""
    return (
        f"They differ: this base points to {_direction_words(own.certainty.direction)}, "
        f"the review to {_direction_words(meta.certainty.direction)}{why}."
    )


def _direction_words(direction: str) -> str:
    return {
        grade.BENEFIT: "a benefit",
        grade.NO_DIFFERENCE: "little or no difference",
        grade.HARM: "harm",
        "mixed": "mixed results",
    }.get(direction, "no clear direction")


SOF_COLUMNS = [
    "Outcome",
    "Time",
    "Evidence",
    "Participants (studies)",
    "Effect",
    "Certainty",
    "What it means",
    "Other evidence",
]


@per_frames(maxsize=PER_SELECTION)
def sof_display(sof: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The summary-of-findings table as shown and printed: footnotes lettered once for the whole table
    (a, b, c …), each certainty cell naming its letters, as Cochrane's tables do."""
    letters: dict[str, str] = {}
    rows = []
    for _, row in sof.iterrows():
        marks = []
        for note in row["footnotes"]:
            if note not in letters:
                letters[note] = _letter(len(letters))
            marks.append(letters[note])
        others = [
            f"{a['evidence']}: {a['effect']} ({a['certainty_text']}{'; ' + a['in_base'] if a['in_base'] else ''})"
            for a in row["also"]
        ]
        if row["differs"]:
            others.append(row["differs"])
        rows.append(
            {
                "Outcome": row["outcome"],
                "Time": row["time"],
                "Evidence": row["evidence"],
                "Participants (studies)": row["participants"],
                "Effect": row["effect"],
                "Certainty": row["certainty_text"] + (f" ({', '.join(marks)})" if marks else ""),
                "What it means": row["statement"],
                "Other evidence": " · ".join(others),
            }
        )
    footnotes = [f"{letter}. {note}" for note, letter in letters.items()]
    return pd.DataFrame(rows, columns=SOF_COLUMNS), footnotes


def _letter(i: int) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    return alphabet[i] if i < len(alphabet) else alphabet[i // 26 - 1] + alphabet[i % 26]
