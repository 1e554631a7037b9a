"""Tables as users see them: labels instead of ids, links to sources, readable column names.

The same frame is shown on screen and offered for download, so a download holds exactly the
rows and columns shown.
"""

from __future__ import annotations

import pandas as pd

from components.analysis import wording
from components.evidence.links import doi_url, pubmed_url, registry_url, safe_https
from components.evidence.loader import Evidence


def study_label(row: pd.Series) -> str:
    """'Liang J et al. 2010' from the authors and year.

    A study whose authors no page showed is named by the start of its title, which a clinician can
    recognise (never by an internal id or a bare journal name)."""
    year = "" if pd.isna(row["year"]) else f" {int(row['year'])}"
    authors = "" if pd.isna(row["authors"]) else str(row["authors"]).strip()
    if not authors:
        title = str(row.get("title") or "").strip()
        words = title.split()
        short = " ".join(words[:6]) + ("…" if len(words) > 6 else "")
        return f"“{short}”{year}" if short else f"Unnamed study{year}"
    first = authors.split(";")[0].split(",")[0].strip()
    several = ";" in authors or "," in authors or "et al" in authors
    first = first.replace(" et al.", "").replace(" et al", "")
    return f"{first}{' et al.' if several else ''}{year}"


def _patients(row: pd.Series) -> str:
    if row["control_type"] == "msc_regimen":
        return wording.patients_text(row["n_msc"], None, row.get("n_total"), False) + " (every arm on MSC)"
    return wording.patients_text(row["n_msc"], row["n_control"], row.get("n_total"), bool(row["controlled"]))


STUDY_COLUMNS = ["Study", "Condition", "Design", "Patients", "Cells", "Dose", "Follow-up", "PubMed", "DOI"]
MORE_STUDY_COLUMNS = [
    "Route",
    "Infusions",
    "Country",
    "Phase",
    "Title",
    "Journal",
    "Registry",
    "Registry page",
    "Source read",
]


def study_table(evidence: Evidence, studies: pd.DataFrame) -> pd.DataFrame:
    """One row per study in a clinician's reading order: who, design with its comparator, patients,
    cells and dose, follow-up in the source's unit, sources. `Study id` is kept for opening the study
    and is never shown (see STUDY_COLUMNS and MORE_STUDY_COLUMNS for what is)."""
    lab = evidence.label
    empty = pd.Series(dtype="object")

    def each(function):
        return [function(row) for _, row in studies.iterrows()] if len(studies) else empty

    frame = pd.DataFrame(
        {
            "Study": each(study_label),
            "Condition": studies["condition"].map(lambda v: lab("conditions", v)),
            "Design": each(lambda r: wording.short_design(r["design"], r["control_type"], bool(r["controlled"]))),
            "Patients": each(
                lambda r: wording.patients_text(r["n_msc"], r["n_control"], r.get("n_total"), bool(r["controlled"]))
            ),
            "Cells": each(
                lambda r: ", ".join(
                    x for x in (lab("cell_sources", r["cell_source"]), lab("donors", r["donor"]).lower()) if x
                )
            ),
            "Dose": each(lambda r: wording.dose_text(r["dose_per_kg"], r["dose_total_cells"], "")),
            "Follow-up": each(lambda r: wording.time_text(r["follow_up"], r["follow_up_unit"])),
            "PubMed": studies["pmid"].map(pubmed_url),
            "DOI": studies["doi"].map(doi_url),
            "Route": studies["route"].map(lambda v: lab("routes", v)),
            "Infusions": studies["infusions"].map(wording.number),
            "Country": studies["country"],
            "Phase": studies["phase"],
            "Title": studies["title"],
            "Journal": studies["journal"],
            "Registry": studies["registry_id"],
            "Registry page": studies["registry_id"].map(registry_url),
            "Source read": studies["source_url"].map(safe_https),
            "Year": studies["year"],
            "Study id": studies["study_id"],
        }
    )
    return frame.reset_index(drop=True)


def evidence_badge(evidence: Evidence, row: pd.Series) -> str:
    """Design, patients, control or not, follow-up: the badge on every mark and tooltip."""
    design = evidence.label("designs", row["design"])
    patients = wording.patients_text(row["n_msc"], row["n_control"], row.get("n_total"), bool(row["controlled"]))
    if row.get("control_type") == "msc_regimen":
        patients += " (control arm also on MSC)"
    elif not row["controlled"]:
        patients += ", no control group"
    follow = wording.time_text(row["follow_up"], row["follow_up_unit"]) if "follow_up" in row else ""
    return f"{study_label(row)} · {design} · {patients} · {follow or 'follow-up not reported'}"
