"""Tables as users see them: labels instead of ids, links to sources, readable column names.

The same frame is shown on screen and offered for download, so a download holds exactly the
rows and columns shown.
"""

from __future__ import annotations

import pandas as pd

from components.evidence.links import doi_url, pubmed_url, registry_url, safe_https
from components.evidence.loader import Evidence


def study_label(row: pd.Series) -> str:
    """'Liang J et al. 2010' from the authors and year.

    A study whose authors no page showed is named by its journal (or PMID, or DOI) instead."""
    year = "" if pd.isna(row["year"]) else f" {int(row['year'])}"
    authors = "" if pd.isna(row["authors"]) else str(row["authors"]).strip()
    if not authors:
        for column, prefix in (("journal", ""), ("pmid", "PMID "), ("doi", "doi ")):
            value = row.get(column)
            if isinstance(value, str) and value.strip():
                return f"{prefix}{value.strip()}{year}"
        return f"Unnamed study{year}"
    first = authors.split(";")[0].split(",")[0].strip()
    several = ";" in authors or "," in authors or "et al" in authors
    return f"{first}{' et al.' if several and 'et al' not in first else ''}{year}"


CONTROLLED_DESIGNS = ("rct", "non_randomised_controlled")


def _controls(studies: pd.DataFrame) -> pd.Series:
    """Control patients as text: 'none' without a control group, 'not reported' when a controlled
    study's page did not give the number (an empty cell would read as 'no controls')."""
    controlled = studies["design"].isin(CONTROLLED_DESIGNS)
    counts = studies["n_control"].map(lambda n: "" if pd.isna(n) else str(int(n)))
    text = counts.where(~controlled | (counts != ""), "not reported")
    return text.where(controlled | (counts != ""), "none").astype("string")


def study_table(evidence: Evidence, studies: pd.DataFrame) -> pd.DataFrame:
    """One row per study with labels and https source links, in a reading order."""
    lab = evidence.label
    frame = pd.DataFrame(
        {
            "Study": studies.apply(study_label, axis=1) if len(studies) else pd.Series(dtype="object"),
            "Condition": studies["condition"].map(lambda v: lab("conditions", v)),
            "Design": studies["design"].map(lambda v: lab("designs", v)),
            "Patients on MSC": studies["n_msc"],
            "Controls": _controls(studies),
            "PubMed": studies["pmid"].map(pubmed_url),
            "DOI": studies["doi"].map(doi_url),
            "Cell source": studies["cell_source"].map(lambda v: lab("cell_sources", v)),
            "Donor": studies["donor"].map(lambda v: lab("donors", v)),
            "Route": studies["route"].map(lambda v: lab("routes", v)),
            "Dose (cells/kg)": studies["dose_per_kg"],
            "Dose as reported": studies["dose_as_reported"],
            "Infusions": studies["infusions"],
            "Follow-up (months)": studies["follow_up_months"],
            "Phase": studies["phase"],
            "Year": studies["year"],
            "Country": studies["country"],
            "Title": studies["title"],
            "Journal": studies["journal"],
            "Follow-up of": studies["parent_study_id"],
            "Registry": studies["registry_id"],
            "Registry page": studies["registry_id"].map(registry_url),
            "Source read": studies["source_url"].map(safe_https),
            "Study id": studies["study_id"],
        }
    )
    return frame.reset_index(drop=True)


def evidence_badge(evidence: Evidence, row: pd.Series) -> str:
    """Design, patients on MSC, control or not, follow-up: the badge on every mark and tooltip."""
    design = evidence.label("designs", row["design"])
    n = f"{int(row['n_msc'])} on MSC" if pd.notna(row["n_msc"]) else "patients on MSC not reported"
    if row["design"] in ("rct", "non_randomised_controlled"):
        control = f"control {int(row['n_control'])}" if pd.notna(row["n_control"]) else "controlled"
        if row.get("control_type") == "msc_regimen":
            control = "control arm also on MSC"
    else:
        control = "no control group"
    follow = f"{row['follow_up_months']:g} months" if pd.notna(row["follow_up_months"]) else "follow-up not reported"
    return f"{study_label(row)} · {design} · {n} · {control} · {follow}"
