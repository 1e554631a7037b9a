"""Links to the sources of a study: PubMed, DOI and trial registries (https only)."""

from __future__ import annotations

import re
from urllib.parse import quote

from components.evidence.validation import PATTERNS

# The same rule the loader applies to every URL in the data.
SAFE_URL = PATTERNS["url"]

_NCT = re.compile(r"^NCT\d{8}$")
_ISRCTN = re.compile(r"^ISRCTN\d{8}$")


def pubmed_url(pmid: str) -> str:
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid and pmid.isdigit() else ""


def doi_url(doi: str) -> str:
    # quote() keeps '/' and escapes anything that could break out of the link.
    return f"https://doi.org/{quote(doi, safe='/:;._-')}" if doi.startswith("10.") else ""


def registry_url(registry_id: str) -> str:
    """A registry page for ids whose registries have stable public URLs; '' otherwise."""
    if _NCT.match(registry_id):
        return f"https://clinicaltrials.gov/study/{registry_id}"
    if _ISRCTN.match(registry_id):
        return f"https://www.isrctn.com/{registry_id}"
    return ""


def safe_https(url: str) -> str:
    """The URL if it is a plain https address, else '' (so javascript: and data: never link)."""
    return url if SAFE_URL.match(url or "") else ""
