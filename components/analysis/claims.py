"""Claim check: a popular statement about MSC therapy set against the evidence in the selection, with
a verdict that names direction, certainty and time window, in GRADE's terms.

RULES (below) says in a reader's words how each kind of claim is judged; it is shown on the page and
on Data & methods, so the rules and their description cannot drift apart. Efficacy claims are judged
window by window on the bodies summary.py builds (the studies, split into randomised and other, and
published meta-analyses), rated by certainty.py; mechanism claims on the target and its sub-targets;
safety claims on the studies that reported harms.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from components.analysis import certainty as grade
from components.analysis import findings, judged
from components.analysis.bias import overall_by_study
from components.analysis.certainty import Body, Finding
from components.analysis.memo import PER_SELECTION, per_evidence
from components.analysis.tables import study_label
from components.evidence.loader import Evidence

# The rules above in a reader's words, for the page.
RULES = """
**Certainty, the GRADE way.** For each claim about a benefit, the evidence is judged time window by time window
(up to 3 months, 3 to 6, 6 to 12, over 12 months, and results whose time was not reported). Randomised trials
against a control without MSC start at high certainty; other studies start at low. Certainty is then rated down for
risk of bias, inconsistency between studies, indirectness (another population, a laboratory marker instead of how
patients feel, stromal products instead of cultured MSC, an active comparator), imprecision (too few patients, an
interval that includes no effect, a single small study) and suspected publication bias (registered trials that
finished without results). Every step is listed beside the rating.

**Published meta-analyses count too.** A pooled estimate from a published meta-analysis of the same outcome and time
window is rated as a body of its own. The more certain body leads; when two equally certain bodies point different
ways, the verdict says there is no consistent direction. A single small trial never decides a claim by itself.

**Mechanism claims** gather the target and everything under it (Th17 cells and Treg under T cells); a rise of a
regulatory target (Treg, IL-10) counts as consistent with a claim that MSC dampen the broader one. Comparisons of
responders with non-responders are listed apart: they show who responded, not what MSC did.

**Safety claims** count the studies that reported on harms and those that found serious harm judged possibly related
to the cells. A study's statement that no event occurred is never counted as harm.

**Outside this selection** means the sidebar's filters leave out the claim's condition; **No clinical data** means no
study in the selection measured what the claim asserts.
"""
OUTSIDE = "Outside this selection"
NO_DATA = "No clinical data"
OPEN_QUESTION = "Open question"
NO_HARM_REPORTS = "No study in scope reported on harms"


@dataclass
class Checked:
    claim_id: str
    claim: str
    kind: str
    condition: str
    verdict: str
    certainty: str = ""  # the leading body's certainty code (high ... very_low), '' without one
    windows: list[dict] = field(default_factory=list)
    for_ids: tuple[str, ...] = ()
    against_ids: tuple[str, ...] = ()
    other_ids: tuple[str, ...] = ()  # responders versus non-responders only
    patients_for: int = 0
    patients_against: int = 0
    source_url: str = ""


# ---------------------------------------------------------------------------------------------
# Words


def _certainty_phrase(level: int) -> str:
    return f"{grade.WORDS[level]}-certainty evidence"


def _window_words(keys: list[str]) -> str:
    labels = [findings.WINDOW_BY_KEY[k].label for k in keys]
    timed = [f"at {label}" for label in labels if label != findings.NOT_REPORTED.label]
    untimed = ["at an unstated time"] if findings.NOT_REPORTED.label in labels else []
    words = timed + untimed
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def efficacy_sentence(per_window: dict[str, tuple[int, str]], benefit_label: str, outcome_words: str) -> str:
    """'Low-certainty evidence of lower disease activity at 3 to 6 months; very low-certainty
    evidence of little or no difference at 6 to 12 months.' Windows with the same finding are joined."""
    phrases = {
        grade.BENEFIT: f"of {benefit_label}",
        grade.NO_DIFFERENCE: f"of little or no difference in {outcome_words}",
        grade.HARM: f"of worse {outcome_words}",
        "mixed": f"with no consistent direction for {outcome_words}",
        grade.UNCLEAR: f"without a reported direction for {outcome_words}",
    }
    groups: dict[tuple[int, str], list[str]] = {}
    for window, key in per_window.items():
        groups.setdefault(key, []).append(window)
    parts = [
        f"{_certainty_phrase(level).lower()} {phrases[direction]} {_window_words(windows)}"
        for (level, direction), windows in sorted(groups.items(), key=lambda item: -item[0][0])
    ]
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."  # later parts stay lower case: one sentence


# ---------------------------------------------------------------------------------------------
# Scope


def in_selection(evidence: Evidence, studies: pd.DataFrame, condition: str) -> bool:
    """Whether the selection keeps any study of the claim's condition (or of its sub-conditions)."""
    if not condition:
        return True
    scope, _ = findings.question_scope(evidence, condition)
    return bool(studies["condition"].isin(scope).any())


def target_family(evidence: Evidence, target: str) -> dict[str, bool]:
    """The target and every target under it; True for those whose role is the opposite of the
    claimed target's (a Treg under T cells), whose move is read the other way round."""
    targets = evidence.vocab["targets"]
    family, frontier = {target}, {target}
    while frontier:
        frontier = set(targets.index[targets["parent"].isin(frontier)]) - family
        family |= frontier
    role = targets["role"] if "role" in targets.columns else pd.Series("", index=targets.index)
    return {t: role.get(t, "") != role.get(target, "") for t in family}


# ---------------------------------------------------------------------------------------------
# The three kinds of claim


def check_efficacy(evidence: Evidence, studies: pd.DataFrame, claim: pd.Series) -> Checked:
    benefits = evidence.vocab["benefits"]
    benefit = claim["benefit"]
    conditions, exact = findings.question_scope(evidence, claim["condition"])
    windows_judged = judged.judged_windows(evidence, studies, conditions, exact, benefit)
    checked = Checked(claim["claim_id"], claim["claim"], claim["kind"], claim["condition"], NO_DATA)
    if not windows_judged:
        return checked
    label = benefits.at[benefit, "label"].lower()
    outcome = findings.outcome_words(evidence, benefit)
    per_window, windows, found, not_found = {}, [], set(), set()
    for window, bodies in windows_judged.items():
        lead = bodies[0]
        per_window[window] = judged.window_finding(bodies)
        windows.append(
            {
                "window": findings.WINDOW_BY_KEY[window].label,
                "certainty": lead.certainty.code,
                "certainty_text": f"{lead.certainty.symbols} {lead.certainty.word}",
                "direction": lead.certainty.direction,
                "window_direction": per_window[window][1],
                "based_on": lead.source,
                "meta_id": lead.meta_id,
                "citation": lead.citation,
                "url": lead.url,
                "effect": lead.effect,
                "statement": grade.statement(replace(lead.certainty, direction=per_window[window][1]), label, outcome),
                "footnotes": lead.certainty.footnotes,
                "others": [
                    {
                        "source": j.source,
                        "meta_id": j.meta_id,
                        "citation": j.citation,
                        "url": j.url,
                        "certainty_text": f"{j.certainty.symbols} {j.certainty.word}",
                        "direction": j.certainty.direction,
                        "effect": j.effect,
                        "footnotes": j.certainty.footnotes,
                    }
                    for j in bodies[1:]
                ],
            }
        )
        for judged_body in bodies:
            if judged_body.source == "meta-analysis":
                continue
            for f in judged_body.body.findings:
                (
                    found
                    if f.direction == grade.BENEFIT
                    else not_found
                    if f.direction in (grade.NO_DIFFERENCE, grade.HARM)
                    else set()
                ).add(f.study_id)
    not_found -= found
    checked.verdict = efficacy_sentence(per_window, label, outcome)
    checked.certainty = grade.LEVELS[max(level for level, _ in per_window.values())]
    checked.windows = windows
    checked.for_ids, checked.against_ids = tuple(sorted(found)), tuple(sorted(not_found))
    checked.patients_for = _patients(evidence, found)
    checked.patients_against = _patients(evidence, not_found)
    return checked


def check_mechanism(evidence: Evidence, studies: pd.DataFrame, claim: pd.Series) -> Checked:
    checked = Checked(claim["claim_id"], claim["claim"], claim["kind"], claim["condition"], NO_DATA)
    conditions, exact = findings.question_scope(evidence, claim["condition"])
    family = target_family(evidence, claim["target"])
    scope = studies[studies["condition"].isin(conditions)]
    mech = evidence.mechanisms
    mech = mech[mech["target"].isin(family) & mech["study_id"].isin(scope.index)]
    if mech.empty:
        return checked
    wanted = claim["target_direction"]
    responders = mech[mech["contrast"] == "responders_vs_nonresponders"]
    usable = mech[mech["contrast"].isin(("msc_vs_control", "after_vs_before"))]
    bias = overall_by_study(evidence, scope.loc[sorted(set(usable["study_id"]))]) if len(usable) else {}
    found, not_found, by_cohort = set(), set(), {}
    for study_id, rows in usable.groupby("study_id", sort=False):
        study = scope.loc[study_id]
        controlled = bool((rows["contrast"] == "msc_vs_control").any()) and bool(study["msc_free_control"])
        consistent = [_consistent(d, family[t], wanted) for t, d in zip(rows["target"], rows["direction"], strict=True)]
        direction = (
            grade.BENEFIT
            if any(c is True for c in consistent)
            else grade.HARM
            if any(c is False for c in consistent)
            else grade.NO_DIFFERENCE
        )
        (found if direction == grade.BENEFIT else not_found).add(study_id)
        patients = int(study["n_msc"] if pd.notna(study["n_msc"]) else 0) + (
            int(study["n_control"]) if controlled and pd.notna(study["n_control"]) else 0
        )
        finding = Finding(
            study_id,
            study_label(study),
            patients,
            randomised=controlled and study["design"] == "rct",
            controlled=controlled,
            bias=bias.get(study_id, ""),
            direction=direction,
            population_match=study["condition"] in exact or not claim["condition"],
            stromal_product=study["product"] == "stromal_product",
        )
        cohort = study["cohort_id"]
        if cohort not in by_cohort or patients > by_cohort[cohort].patients:
            by_cohort[cohort] = finding
    checked.other_ids = tuple(sorted(set(responders["study_id"]) - found - not_found))
    if not by_cohort:
        checked.verdict = (
            f"Only comparisons of responders with non-responders ({len(checked.other_ids)} "
            f"{'study' if len(checked.other_ids) == 1 else 'studies'}): they show who responded, not what MSC did"
        )
        return checked
    unpublished = findings.unpublished_trials(evidence, exact if claim["condition"] else conditions)
    body = Body(
        tuple(by_cohort.values()),
        unpublished_trials=unpublished[0],
        unpublished_patients=unpublished[1],
        condition_words=", ".join(
            sorted({evidence.label("conditions", c) for c in scope.loc[list(found | not_found), "condition"]} - exact)
        ),
    )
    rated = grade.rate(body)
    label = evidence.label("targets", claim["target"])
    moved = {"up": "rose", "down": "fell"}.get(wanted, "changed")
    what = {
        grade.BENEFIT: f"that {label} {moved} after MSC",
        grade.NO_DIFFERENCE: f"that {label} did not change after MSC",
        grade.HARM: f"that {label} moved the other way after MSC",
        "mixed": f"with no consistent direction for {label}",
    }.get(rated.direction, f"without a reported direction for {label}")
    subsets = sorted(set(usable["target"]) - {claim["target"]})
    sub = f" (including {', '.join(evidence.label('targets', t) for t in subsets)})" if subsets else ""
    other = f"; {len(checked.other_ids)} more compared responders with non-responders only" if checked.other_ids else ""
    checked.verdict = f"{_certainty_phrase(rated.level)} {what}{sub}{other}."
    checked.certainty = rated.code
    checked.windows = [
        {
            "window": "any time",
            "certainty": rated.code,
            "certainty_text": f"{rated.symbols} {rated.word}",
            "direction": rated.direction,
            "window_direction": rated.direction,
            "based_on": "randomised" if rated.starts_high else "non_randomised",
            "meta_id": "",
            "citation": "",
            "url": "",
            "effect": f"Moved as claimed in {len(found)} of {len(found | not_found)} studies",
            "statement": "",
            "footnotes": rated.footnotes,
            "others": [],
        }
    ]
    checked.for_ids, checked.against_ids = tuple(sorted(found)), tuple(sorted(not_found))
    checked.patients_for, checked.patients_against = (
        _patients(evidence, found),
        _patients(evidence, not_found),
    )
    return checked


def _consistent(direction: str, opposite_role: bool, wanted: str) -> bool | None:
    """Whether a target's move agrees with the claim (None: no change)."""
    if direction == "no_change":
        return None
    if not wanted:
        return True
    expected = wanted if not opposite_role else {"up": "down", "down": "up"}[wanted]
    return direction == expected


def check_safety(evidence: Evidence, studies: pd.DataFrame, claim: pd.Series) -> Checked:
    checked = Checked(claim["claim_id"], claim["claim"], claim["kind"], claim["condition"], NO_HARM_REPORTS)
    conditions, _ = findings.question_scope(evidence, claim["condition"])
    scope = studies[studies["condition"].isin(conditions)]
    ae = evidence.adverse_events
    ae = ae[(ae["arm"] == "msc") & ae["study_id"].isin(scope.index)]
    reporting = sorted(set(ae["study_id"]))
    if not reporting:
        return checked
    events = ae[ae["category"] != "none_reported"]  # a statement that nothing happened is not harm
    harmful = events[(events["serious"] == "yes") & events["related"].isin(["yes", "possibly"])]
    against = sorted(set(harmful["study_id"]))
    patients = _patients(evidence, set(reporting))
    if against:
        affected = int(harmful["patients_affected"].fillna(0).sum())
        checked.verdict = (
            f"Of {len(reporting)} studies that reported harms ({patients} patients), {len(against)} found serious harm "
            f"judged possibly related to the cells ({affected} {'patient' if affected == 1 else 'patients'})."
        )
    else:
        checked.verdict = (
            f"None of the {len(reporting)} studies that reported harms ({patients} patients) found serious harm related "
            "to the cells; most are small and open-label, which under-records harm."
        )
    checked.for_ids = tuple(sorted(set(reporting) - set(against)))
    checked.against_ids = tuple(against)
    checked.patients_for = _patients(evidence, set(checked.for_ids))
    checked.patients_against = _patients(evidence, set(against))
    return checked


def check_open_question(evidence: Evidence, studies: pd.DataFrame, claim: pd.Series) -> Checked:
    conditions, _ = findings.question_scope(evidence, claim["condition"])
    scope = studies[studies["condition"].isin(conditions)]
    sources = sorted(set(scope["cell_source"]) - {""})
    routes = sorted(set(scope["route"]) - {""})
    doses = scope["dose_per_kg"].dropna()
    spread = f"; doses from {doses.min():.0e} to {doses.max():.0e} cells per kg" if len(doses) else ""
    verdict = f"{OPEN_QUESTION}: {len(sources)} cell sources and {len(routes)} routes in these studies{spread}."
    return Checked(claim["claim_id"], claim["claim"], claim["kind"], claim["condition"], verdict.replace("e+0", "e"))


def _patients(evidence: Evidence, ids: set[str]) -> int:
    """Patients on MSC in these studies, each cohort once (its largest report)."""
    facts = findings.study_facts(evidence)
    largest: dict[str, int] = {}
    for sid in ids:
        fact = facts.get(sid)
        if fact is not None:
            largest[fact["cohort_id"]] = max(largest.get(fact["cohort_id"], 0), int(fact["n_msc"] or 0))
    return sum(largest.values())


CHECKERS = {
    "efficacy": check_efficacy,
    "mechanism": check_mechanism,
    "safety": check_safety,
    "open_question": check_open_question,
}


@per_evidence(maxsize=PER_SELECTION)
def check_claims(evidence: Evidence, studies: pd.DataFrame) -> tuple[Checked, ...]:
    """Every claim against the selected studies (shared by every session with the same selection)."""
    out = []
    for _, claim in evidence.claims.iterrows():
        if not in_selection(evidence, studies, claim["condition"]):
            condition = evidence.label("conditions", claim["condition"])
            out.append(
                Checked(
                    claim["claim_id"],
                    claim["claim"],
                    claim["kind"],
                    claim["condition"],
                    f"{OUTSIDE}: the filter leaves out {condition}.",
                    source_url=claim["source_url"],
                )
            )
            continue
        checked = CHECKERS[claim["kind"]](evidence, studies, claim)
        checked.source_url = claim["source_url"]
        out.append(checked)
    return tuple(out)
