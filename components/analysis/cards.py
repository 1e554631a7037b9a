"""One study read like an abstract card: citation, design with what it really compared, patients,
the cell product, every outcome as a sentence, immune changes with what they compare, harms, risk of
bias; and, apart, the curation record (readings, row keys, where values were read).

Pure: the Study detail page only lays these strings out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from components.analysis import wording
from components.analysis.bias import DOMAIN_LABELS, JUDGEMENT_LABELS, JUDGEMENT_MARKS, overall_by_study
from components.analysis.tables import study_label
from components.analysis.trials import trials_with_publication
from components.evidence.loader import Evidence

READINGS = {
    "yes": "read twice independently; the readings agreed",
    "corrected": "read twice; the second reading corrected a value",
}
ALLOCATION = {"randomized": "randomised", "non_randomized": "non-randomised", "single_group": "one group"}
MASKING = {
    "none": "open label",
    "single": "single-blind",
    "double": "double-blind",
    "triple": "triple-blind",
    "quadruple": "quadruple-blind",
}
CATEGORY_WORDS = {"infusion_reaction": "infusion reaction", "injection_site": "injection site"}
RULED_OUT = {
    "any": "no adverse events",
    "serious": "no serious adverse events",
    "related": "no treatment-related adverse events",
    "serious_related": "no serious treatment-related adverse events",
    "unexpected": "no new or unexpected safety issues",
}


@dataclass
class Card:
    title: str
    citation: str
    design: str
    patients: str
    population: str
    product: str
    follow_up: str
    facts: dict[str, str]
    summary: str
    outcomes: list[tuple[str, str, str]] = field(default_factory=list)  # measure, sentence, definition/notes
    immune: list[str] = field(default_factory=list)
    harms: list[str] = field(default_factory=list)
    bias_overall: str = ""
    bias: list[dict[str, str]] = field(default_factory=list)
    registered: str = ""
    missing: list[str] = field(default_factory=list)
    curation: dict[str, str] = field(default_factory=dict)


def citation(study: pd.Series) -> str:
    """'Deng D, Zhang P, Guo Y et al. Ann Rheum Dis 2017;76(8):1436.' from what was printed."""
    authors = study["authors"] if isinstance(study["authors"], str) else ""
    names = [a.strip() for a in authors.replace(";", ",").split(",") if a.strip()]
    lead = ", ".join(names[:3]) + (" et al." if len(names) > 3 and "et al" not in names[2] else "")
    lead = lead.replace(" et al. et al.", " et al.")
    parts = [lead.rstrip(".") + "." if lead else ""]
    journal = study["journal"] if isinstance(study["journal"], str) else ""
    where = f"{journal} {int(study['year'])}" if journal else str(int(study["year"]))
    if study.get("volume"):
        where += f";{study['volume']}"
        if study.get("pages"):
            where += f":{study['pages']}"
    parts.append(where + ".")
    if not lead and not journal:
        ident = f"PMID {study['pmid']}" if study.get("pmid") else (f"DOI {study['doi']}" if study.get("doi") else "")
        parts.append(f"Authors and journal not available on the pages read{'; ' + ident if ident else ''}.")
    return " ".join(p for p in parts if p)


def study_card(evidence: Evidence, study_id: str) -> Card:
    study = evidence.studies.loc[study_id]
    lab = evidence.label
    design = wording.design_text(
        lab("designs", study["design"]),
        study["control_type"],
        study["control"],
        study["blinded"],
        bool(study["controlled"]),
    )
    if study["phase"]:
        design += f", phase {study['phase']}"
    product_bits = [lab("cell_sources", study["cell_source"]), lab("donors", study["donor"]).lower()]
    product = ", ".join(b for b in product_bits if b) or "cell source not reported"
    dose = wording.dose_text(study["dose_per_kg"], study["dose_total_cells"], study["dose_as_reported"])
    if dose:
        product += f"; {dose}"
    if pd.notna(study["infusions"]):
        count = int(study["infusions"])
        product += f"; {count} {'infusion or injection' if count == 1 else 'infusions or injections'}"
    if study["route"]:
        product += f"; {lab('routes', study['route']).lower()}"
    if study["product"] == "stromal_product":
        product += " (a minimally manipulated stromal product, not culture-expanded MSC)"
    facts = {
        "Condition": lab("conditions", study["condition"]),
        "Country": study["country"] or "not reported",
        "Trial registration": study["registry_id"] or "none given",
    }
    if study["parent_study_id"] and study["parent_study_id"] in evidence.studies.index:
        facts["Follow-up of"] = study_label(evidence.studies.loc[study["parent_study_id"]])
    card = Card(
        title=study["title"],
        citation=citation(study),
        design=design,
        patients=wording.patients_text(
            study["n_msc"], study["n_control"], study.get("n_total"), bool(study["controlled"])
        ),
        population=study["population"] or "",
        product=product,
        follow_up=wording.time_text(study["follow_up"], study["follow_up_unit"]) or "not reported",
        facts=facts,
        summary=study["summary"],
    )
    _outcomes(evidence, study_id, card)
    _immune(evidence, study_id, card)
    _harms(evidence, study_id, card)
    _bias(evidence, study, card)
    _registered(evidence, study, card)
    _curation(evidence, study, card)
    return card


def _outcomes(evidence: Evidence, study_id: str, card: Card) -> None:
    out = evidence.outcomes[evidence.outcomes["study_id"] == study_id]
    measures = evidence.vocab["measures"]
    # Clinical outcomes first, in the vocabulary's order of benefits; each over time.
    benefits = evidence.vocab["benefits"]
    clinical_first = {b: (benefits.at[b, "kind"] != "clinical", i) for i, b in enumerate(benefits.index)}
    out = out.assign(
        _benefit=out["benefit"].map(lambda b: clinical_first.get(b, (True, 99))),
        _order=out["timepoint_months"].fillna(1e9),
    ).sort_values(["_benefit", "measure", "arm", "_order"])
    untimed = 0
    for _, row in out.iterrows():
        unit = measures.at[row["measure"], "unit"] if row["measure"] in measures.index else ""
        name = evidence.label("measures", row["measure"]) + (f" ({row['arm']})" if row["arm"] else "")
        extra = [f"Response: {row['response_definition']}" if row["response_definition"] else "", row["notes"]]
        card.outcomes.append((name, wording.outcome_text(row, unit), " ".join(e for e in extra if e)))
        untimed += pd.isna(row["timepoint_months"])
    if out.empty:
        card.missing.append(
            "No clinical outcome could be read on the pages available for this study; it counts as 'not measured' for every benefit."
        )
    if untimed:
        card.missing.append(
            f"{untimed} result{'s' if untimed > 1 else ''} without a time point: counted on the evidence map and in the "
            "certainty ratings, never in pooled estimates or time charts."
        )
    numbers = out[["baseline", "followup", "change", "responders", "responders_pct"]].notna().any(axis=1)
    if len(out) and not numbers.any():
        card.missing.append("The pages read give directions only, no numbers: no effect size can be computed.")


def _immune(evidence: Evidence, study_id: str, card: Card) -> None:
    mech = evidence.mechanisms[evidence.mechanisms["study_id"] == study_id]
    moves = {"up": "rose", "down": "fell", "no_change": "did not change"}
    for _, row in mech.iterrows():
        when = wording.time_text(row["timepoint"], row["timepoint_unit"])
        where = ", ".join(x for x in (row["measured_in"], row["method"]) if x)
        sentence = f"{evidence.label('targets', row['target'])} {moves[row['direction']]}"
        sentence += f" — {wording.CONTRAST_WORDS.get(row['contrast'], '')}"
        sentence += f", at {when}" if when else ""
        sentence += f" ({where})" if where else ""
        if row["notes"]:
            sentence += f". {row['notes']}"
        card.immune.append(sentence)


def _harms(evidence: Evidence, study_id: str, card: Card) -> None:
    ae = evidence.adverse_events[evidence.adverse_events["study_id"] == study_id]
    for _, row in ae.iterrows():
        arm = "MSC" if row["arm"] == "msc" else "control"
        if row["category"] == "none_reported":
            card.harms.append(
                f"The study reports {RULED_OUT.get(row['ruled_out'], 'no adverse events')} in the {arm} group."
            )
            continue
        who = (
            f"{wording.number(row['patients_affected'])} patient(s) on {arm}"
            if pd.notna(row["patients_affected"])
            else f"{arm} group, number not given"
        )
        serious = {"yes": "serious", "no": "not serious", "unknown": "seriousness not stated"}[row["serious"]]
        related = {
            "yes": "judged related to the cells",
            "possibly": "judged possibly related",
            "no": "judged unrelated",
            "unknown": "relation not stated",
        }[row["related"]]
        card.harms.append(f"{row['event'][:1].upper() + row['event'][1:]}: {who}; {serious}, {related}.")


def _bias(evidence: Evidence, study: pd.Series, card: Card) -> None:
    if not study["controlled"]:
        return
    overall = overall_by_study(evidence, evidence.studies.loc[[study["study_id"]]]).iat[0]
    card.bias_overall = JUDGEMENT_LABELS.get(overall, overall)
    rob = evidence.risk_of_bias[evidence.risk_of_bias["study_id"] == study["study_id"]]
    for _, row in rob.iterrows():
        card.bias.append(
            {
                "Domain": DOMAIN_LABELS.get(row["domain"], row["domain"]),
                "Judgement": f"{JUDGEMENT_MARKS.get(row['judgement'], '')} {JUDGEMENT_LABELS.get(row['judgement'], row['judgement'])}",
                "Why": row["support"],
                "Source": row["source_url"],
            }
        )


def _registered(evidence: Evidence, study: pd.Series, card: Card) -> None:
    trials = trials_with_publication(evidence)
    trials = trials[(trials["published_as"] == study["study_id"]) | (trials["registry_id"] == study["registry_id"])]
    if trials.empty:
        return
    trial = trials.iloc[0]
    bits = [ALLOCATION.get(trial["allocation"], ""), MASKING.get(trial["masking"], "")]
    design = ", ".join(b for b in bits if b)
    comparator = f", comparator: {trial['comparator']}" if trial["comparator"] else ""
    card.registered = f"As registered ({trial['registry_id']}): {design or 'design not stated'}{comparator}."


def _curation(evidence: Evidence, study: pd.Series, card: Card) -> None:
    study_id = study["study_id"]
    log = evidence.curation_log
    log = log[(log["row_key"] == study_id) | log["row_key"].str.startswith(study_id + "|")]
    card.curation = {
        "Reading": READINGS.get(
            study["checked"],
            "read once so far (a second, independent reading is pending or found no copy of the source)",
        ),
        "Where the facts were read": study["source_url"],
        "Read from a systematic review's table": f"yes (review {study['via_review']})"
        if study.get("via_review")
        else "no",
        "Differences between readings": f"{len(log)} recorded" if len(log) else "none recorded",
        "Record id": study_id,
    }
