"""One ClinicalTrials.gov record (API v2 JSON) read as a registered_trials row: status, phase,
enrolment, condition from the registered condition words, and cell source, donor and route only
from explicit words in the registered interventions, never guessed. Pure: no files, no writing.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping

TABLE = "registered_trials"
STUDY_URL = "https://clinicaltrials.gov/study/{nct_id}"
STATUSES = {
    "NOT_YET_RECRUITING": "not_yet_recruiting",
    "RECRUITING": "recruiting",
    "ENROLLING_BY_INVITATION": "enrolling_by_invitation",
    "ACTIVE_NOT_RECRUITING": "active_not_recruiting",
    "COMPLETED": "completed",
    "SUSPENDED": "suspended",
    "TERMINATED": "terminated",
    "WITHDRAWN": "withdrawn",
    "UNKNOWN": "unknown",
}
PHASES = {
    frozenset({"EARLY_PHASE1"}): "early_1",
    frozenset({"PHASE1"}): "1",
    frozenset({"PHASE1", "PHASE2"}): "1/2",
    frozenset({"PHASE2"}): "2",
    frozenset({"PHASE2", "PHASE3"}): "2/3",
    frozenset({"PHASE3"}): "3",
    frozenset({"PHASE4"}): "4",
    frozenset({"NA"}): "not_applicable",
}
# ESTIMATED is API v2's word; ANTICIPATED is what older records and the classic site said.
ENROLMENT_TYPES = {"ACTUAL": "actual", "ESTIMATED": "anticipated", "ANTICIPATED": "anticipated"}

# Registered condition text -> our condition id. Most specific first: a matched phrase is removed
# before the next pattern runs, so "lupus nephritis" is not also read as plain "lupus" and
# "juvenile rheumatoid arthritis" not as rheumatoid arthritis. Text is lower-cased, accents removed.
CONDITION_PATTERNS = (
    (r"lupus (glomerulo)?nephritis|nephritis,? lupus", "lupus_nephritis"),
    (r"\blupus\b", "sle"),
    (r"juvenile (idiopathic |rheumatoid |chronic )?arthritis", "juvenile_idiopathic_arthritis"),
    (r"psoriatic arthritis|arthritis,? psoriatic", "psoriatic_arthritis"),
    (r"rheumatoid", "rheumatoid_arthritis"),
    (r"scleroderma|systemic sclerosis|sclerosis,? systemic", "systemic_sclerosis"),
    (r"sjogren", "sjogren"),
    (r"osteoarthr", "osteoarthritis"),
    (r"ankylosing|axial spondyl", "axial_spondyloarthritis"),
    (r"myositis", "myositis"),
    (r"behcet", "behcet"),
    (r"vasculitis|takayasu|polyangiitis|\banca\b", "vasculitis"),
    (r"(mixed|undifferentiated) connective tissue", "mixed_connective_tissue_disease"),
)
# When a trial names a condition and its broader parent (lupus nephritis in SLE), it is about
# the narrower one.
BROADER = {"lupus_nephritis": "sle"}

# Intervention words -> vocabulary ids; same most-specific-first rule as the conditions.
CELL_SOURCE_PATTERNS = (
    (r"umbilical cord blood|cord blood", "umbilical_cord_blood"),
    (r"umbilical cord|wharton'?s jelly", "umbilical_cord"),
    (r"bone marrow (aspirate )?concentrate", "bone_marrow_concentrate"),
    (r"bone marrow mononuclear", "bone_marrow_mononuclear"),
    (r"bone marrow", "bone_marrow"),
    # "Adipose(-derived) stromal vascular fraction" is one product, not adipose MSC plus SVF.
    (r"(adipose[- ](tissue[- ])?(derived[- ])?)?(stromal vascular fraction|\bsvf\b)", "adipose_svf"),
    (r"micro-?fragmented adipose( tissue)?", "microfragmented_adipose"),
    (r"adipose", "adipose"),
)
DONOR_PATTERNS = (
    (r"\bautologous\b", "autologous"),
    (r"\ballogene(ic|ous)\b|\ballogenic\b", "allogeneic"),
)
ROUTE_PATTERNS = (
    (r"\bintravenous(ly)?\b", "intravenous"),
    (r"\bintra-?articular(ly)?\b", "intra_articular"),
)


# ---------------------------------------------------------------------------------------------
# Mapping one registry record


def field_at(obj: object, *path: str) -> object:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def clean(value: object) -> str:
    """Registry text as one line (the CSV holds one line per field). Anything but text or a finite
    number — a list, true/false, NaN — is no value at all, never the word "nan"."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    return " ".join(str(value).split())


def _plain(text: str) -> str:
    """Lower case without accents (Sjögren -> sjogren) and with plain apostrophes: what the patterns match."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("\u2019", "'")


def _matches(text: str, patterns: Iterable[tuple[str, str]]) -> list[str]:
    """Ids whose pattern occurs in the text, each phrase counted once (most specific wins)."""
    found: list[str] = []
    for pattern, item_id in patterns:
        text, hits = re.subn(pattern, " ", text)
        if hits and item_id not in found:
            found.append(item_id)
    return found


def _only(ids: list[str]) -> str:
    # Two different sources, donors or routes may be two arms or a comparison; the import can't
    # tell which patients got what, so it leaves the value for the curator.
    return ids[0] if len(ids) == 1 else ""


def condition_of(conditions: Iterable[str]) -> tuple[str, str]:
    """Our condition id for the registered condition texts, or ('', reason)."""
    texts = [clean(c) for c in conditions if clean(c)]
    ids: list[str] = []
    for text in texts:
        for item_id in _matches(_plain(text), CONDITION_PATTERNS):
            if item_id not in ids:
                ids.append(item_id)
    ids = [i for i in ids if i not in {BROADER.get(j) for j in ids}]
    if len(ids) == 1:
        return ids[0], ""
    shown = "; ".join(texts) or "none registered"
    if not ids:
        return "", f"condition not recognised ({shown})"
    return "", f"conditions match several of ours ({', '.join(ids)}); choose one with --condition"


def _phase(phases: object) -> str:
    if not isinstance(phases, list) or not phases:
        return ""
    return PHASES.get(frozenset(str(p) for p in phases), "")


def _start_year(date: object) -> str:
    match = re.match(r"^(\d{4})(-\d{2}){0,2}$", clean(date))
    return match.group(1) if match else ""


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def map_study(
    study: Mapping,
    *,
    condition: str | None = None,
    known_conditions: Collection[str] | None = None,
) -> tuple[dict[str, str] | None, str]:
    """One API v2 study as a registered_trials row, or (None, why it was skipped).

    `condition` forces the condition id (the --condition option); `known_conditions`, when
    given, skips a trial whose condition the dataset's vocabulary does not have.
    """
    protocol = field_at(study, "protocolSection")
    if not isinstance(protocol, Mapping):
        return None, "not a ClinicalTrials.gov API v2 study (no protocolSection)"
    nct_id = clean(field_at(protocol, "identificationModule", "nctId"))
    if not nct_id:
        return None, "no nctId"
    title = clean(field_at(protocol, "identificationModule", "briefTitle")) or clean(
        field_at(protocol, "identificationModule", "officialTitle")
    )
    if not title:
        return None, "no title"
    raw_status = clean(field_at(protocol, "statusModule", "overallStatus"))
    status = STATUSES.get(raw_status)
    if status is None:
        return None, f"status {raw_status or 'missing'} is not a trial recruitment status"

    if condition:
        reason = ""
    else:
        conditions = field_at(protocol, "conditionsModule", "conditions")
        condition, reason = condition_of(conditions if isinstance(conditions, list) else [])
        if reason:
            return None, reason
    if known_conditions is not None and condition not in known_conditions:
        return None, f"condition {condition} is not in this dataset's conditions vocabulary"

    enrolment = field_at(protocol, "designModule", "enrollmentInfo", "count")
    enrolment = str(enrolment) if isinstance(enrolment, int) and not isinstance(enrolment, bool) else ""
    enrolment_type = ENROLMENT_TYPES.get(clean(field_at(protocol, "designModule", "enrollmentInfo", "type")), "")

    interventions = field_at(protocol, "armsInterventionsModule", "interventions")
    words = _plain(
        " ".join(
            f"{clean(field_at(i, 'name'))} {clean(field_at(i, 'description'))}"
            for i in (interventions if isinstance(interventions, list) else [])
        )
    )
    locations = field_at(protocol, "contactsLocationsModule", "locations")
    countries = _unique(clean(field_at(loc, "country")) for loc in (locations if isinstance(locations, list) else []))
    outcomes = field_at(protocol, "outcomesModule", "primaryOutcomes")
    measures = _unique(clean(field_at(o, "measure")) for o in (outcomes if isinstance(outcomes, list) else []))

    row = {
        "registry_id": nct_id,
        "title": title,
        "condition": condition,
        "phase": _phase(field_at(protocol, "designModule", "phases")),
        "status": status,
        "enrolment": enrolment,
        "enrolment_type": enrolment_type if enrolment else "",
        "cell_source": _only(_matches(words, CELL_SOURCE_PATTERNS)),
        "donor": _only(_matches(words, DONOR_PATTERNS)),
        "route": _only(_matches(words, ROUTE_PATTERNS)),
        "sponsor": clean(field_at(protocol, "sponsorCollaboratorsModule", "leadSponsor", "name")),
        "country": "; ".join(countries),
        "start_year": _start_year(field_at(protocol, "statusModule", "startDateStruct", "date")),
        "primary_outcome": "; ".join(measures),
        "linked_study_id": "",
        # The id is checked by validation later; only a plain NCT id makes a link here.
        "source_url": STUDY_URL.format(nct_id=nct_id) if re.fullmatch(r"NCT\d{8}", nct_id) else "",
        "checked": "",
    }
    return row, ""


def studies_in(document: object) -> list[object]:
    """The study objects of an API v2 response: one study, or the `studies` of a page."""
    if isinstance(document, Mapping) and isinstance(document.get("studies"), list):
        return list(document["studies"])
    if isinstance(document, Mapping) and "protocolSection" in document:
        return [document]
    if isinstance(document, list):
        return document
    raise ValueError('expected a study object or {"studies": [...]} from the ClinicalTrials.gov API v2')
