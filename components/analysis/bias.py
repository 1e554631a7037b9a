"""Risk of bias of each controlled study: the overall judgement from its domains, by the tools' own
algorithms, and the traffic-light table of a set of studies.

RoB 2 (Sterne et al., BMJ 2019;366:l4898), for randomised trials: an overall judgement of
  low           when every domain is at low risk;
  high          when any domain is at high risk;
  some concerns otherwise. "No information" in a domain counts as some concerns, as RoB 2 does.
RoB 2 also lets a reviewer judge a study high when several domains have some concerns; that is a
judgement about the study, not a rule, so it is not applied here.

ROBINS-I (Sterne et al., BMJ 2016;355:i4919), for non-randomised controlled studies: the overall
judgement is the most severe domain judgement (low < moderate < serious < critical); "no
information" overall when no domain is serious or critical but one or more lacks information.

A controlled study with no recorded judgement is "not assessed", and counts as some concerns (RoB 2)
or serious (ROBINS-I) wherever a judgement is needed, never as low.
"""

from __future__ import annotations

import pandas as pd

from components.evidence.loader import Evidence

RULES = """
- **Randomised trials: RoB 2.** Five domains — randomisation, deviations from the intended treatment, missing outcome
  data, measurement of the outcome, selection of the reported result — each judged low, some concerns or high from the
  sentence it rests on (article or trial registry), or "no information" where the sources are silent, which counts as
  some concerns. Overall: low when every domain is low, high when any domain is high, some concerns otherwise.
- **Non-randomised controlled studies: ROBINS-I.** Seven domains judged low, moderate, serious or critical; overall,
  the most severe. Confounding is serious unless the study adjusted for the main confounders.
- Studies without a control group are not judged with these tools; their lack of a control is counted in the
  certainty ratings instead. A controlled study not yet judged counts as having some concerns.
"""
ROB2_DOMAINS = ("randomisation", "deviations", "missing_data", "measurement", "reporting")
ROBINS_DOMAINS = (
    "confounding",
    "selection",
    "classification",
    "deviations",
    "missing_data",
    "measurement",
    "reporting",
)
DOMAIN_LABELS = {
    "randomisation": "Randomisation",
    "deviations": "Deviations from intended treatment",
    "missing_data": "Missing outcome data",
    "measurement": "Measurement of the outcome",
    "reporting": "Selection of the reported result",
    "confounding": "Confounding",
    "selection": "Selection of participants",
    "classification": "Classification of interventions",
}
JUDGEMENT_LABELS = {
    "low": "Low",
    "some_concerns": "Some concerns",
    "high": "High",
    "moderate": "Moderate",
    "serious": "Serious",
    "critical": "Critical",
    "no_information": "No information",
    "not_assessed": "Not assessed",
}
# A mark beside every colour (colour is never the only signal).
JUDGEMENT_MARKS = {
    "low": "+",
    "some_concerns": "!",
    "moderate": "!",
    "high": "−",
    "serious": "−",
    "critical": "×",
    "no_information": "?",
    "not_assessed": "·",
}
ROBINS_ORDER = ("low", "moderate", "serious", "critical")
NOT_ASSESSED = "not_assessed"


def rob2_overall(judgements: dict[str, str]) -> str:
    """RoB 2's overall judgement from the five domains (a missing domain counts as no information)."""
    values = [judgements.get(domain, "no_information") for domain in ROB2_DOMAINS]
    if "high" in values:
        return "high"
    if all(value == "low" for value in values):
        return "low"
    return "some_concerns"


def robins_overall(judgements: dict[str, str]) -> str:
    """ROBINS-I's overall judgement: the most severe domain; 'no information' when information is
    missing and nothing is serious or critical."""
    values = [judgements.get(domain, "no_information") for domain in ROBINS_DOMAINS]
    known = [v for v in values if v in ROBINS_ORDER]
    worst = max(known, key=ROBINS_ORDER.index) if known else "no_information"
    if worst in ("serious", "critical"):
        return worst
    if "no_information" in values:
        return "no_information"
    return worst


def overall_by_study(evidence: Evidence, studies: pd.DataFrame) -> pd.Series:
    """The overall risk-of-bias judgement of each controlled study ('not_assessed' without one);
    '' for studies without a control group, which these tools do not judge."""
    rob = evidence.risk_of_bias
    rob = rob[rob["study_id"].isin(studies.index)]
    judged = {
        study: (tool_rows["tool"].iat[0], dict(zip(tool_rows["domain"], tool_rows["judgement"], strict=True)))
        for study, tool_rows in rob.groupby("study_id", sort=False)
    }
    overall = {}
    for study, controlled in studies["controlled"].items():
        if not controlled:
            overall[study] = ""
        elif study not in judged:
            overall[study] = NOT_ASSESSED
        else:
            tool, domains = judged[study]
            overall[study] = rob2_overall(domains) if tool == "rob2" else robins_overall(domains)
    return pd.Series(overall, dtype="object").reindex(studies.index).fillna("")


def serious_risk(overall: str) -> bool:
    """Whether an overall judgement is a limitation GRADE would count (anything but low)."""
    return overall not in ("low", "")


def very_serious_risk(overall: str) -> bool:
    """Whether an overall judgement is a crucial limitation (high, critical)."""
    return overall in ("high", "critical")


def traffic_light(evidence: Evidence, studies: pd.DataFrame) -> pd.DataFrame:
    """One row per controlled study: its tool, each domain's judgement and the overall one, with the
    supporting sentence of each domain (for hover text and the study page)."""
    controlled = studies[studies["controlled"]]
    overall = overall_by_study(evidence, controlled)
    rob = evidence.risk_of_bias
    rows = []
    for study_id, study in controlled.iterrows():
        own = rob[rob["study_id"] == study_id]
        tool = own["tool"].iat[0] if len(own) else ("rob2" if study["design"] == "rct" else "robins_i")
        row = {"study_id": study_id, "tool": tool, "overall": overall[study_id]}
        for domain in ROB2_DOMAINS if tool == "rob2" else ROBINS_DOMAINS:
            hit = own[own["domain"] == domain]
            row[domain] = hit["judgement"].iat[0] if len(hit) else (NOT_ASSESSED if own.empty else "no_information")
            row[f"{domain}_support"] = hit["support"].iat[0] if len(hit) else ""
            row[f"{domain}_url"] = hit["source_url"].iat[0] if len(hit) else ""
        rows.append(row)
    return pd.DataFrame(rows)
