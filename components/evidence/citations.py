"""Citation downloads of the studies in view: RIS (reference managers) and BibTeX (LaTeX).

Each study becomes one journal-article record carrying its authors, title, journal, year, DOI,
PMID and a link to the source (PubMed, else doi.org). A note on every record holds the link that
reproduces the app view the list was exported from, so a reader can find the evidence again.

Titles and author lists are curated text from many sources, so both writers treat them as
untrusted: line breaks and control characters are flattened (RIS is line-based, and a line that
starts with a tag would start a new field or record), and in BibTeX every LaTeX special character
is escaped, so a title can neither unbalance the entry's braces nor run a command such as \\input.
"""

from __future__ import annotations

import re
import unicodedata

import bibtexparser
import pandas as pd
import rispy
from bibtexparser.model import Entry, Field

from components.evidence.links import doi_url, pubmed_url, safe_https

VIEW_NOTE = "MSC Rheumatology Evidence Explorer view: {view_url}"
ET_AL = re.compile(r"^(et\.? al\.?|and others|others)$", re.IGNORECASE)
# PubMed-style "Surname AB": the trailing block of capitals is the initials.
SURNAME_INITIALS = re.compile(r"^(?P<surname>.*\S)\s+(?P<initials>[A-Z]{1,3})$")
INITIALS_ONLY = re.compile(r"^(?:[A-Z]\.?\s?-?){1,4}$")

# One pass over the text, so the backslashes this inserts are never escaped a second time.
LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_LATEX_SPECIAL = re.compile("|".join(re.escape(c) for c in LATEX_SPECIALS))
# Characters a BibTeX citation key cannot hold (LaTeX reads the key in \cite{...}).
_NOT_KEY = re.compile(r"[^A-Za-z0-9_.:-]+")
# In verbatim fields (url, doi) LaTeX specials are fine, but braces and backslashes would still
# end or escape the BibTeX value; percent-encoding keeps the address valid.
_URL_BREAKERS = {"{": "%7B", "}": "%7D", "\\": "%5C", " ": "%20"}


# ---------------------------------------------------------------------------------------------
# Field values shared by both formats


def _text(value: object) -> str:
    """A cell as one line of text: '' for missing, control characters and line breaks as spaces."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in str(value))
    return " ".join(text.split())


def _alternates_surname_initials(parts: list[str]) -> bool:
    """Whether comma-split parts read "Surname, Initials, Surname, Initials"."""
    if len(parts) < 2 or len(parts) % 2:
        return False
    return all(INITIALS_ONLY.match(p) for p in parts[1::2]) and not any(INITIALS_ONLY.match(p) for p in parts[::2])


def split_authors(authors: str) -> tuple[list[str], bool]:
    """The author list as separate names, and whether the source cut it short ('et al.').

    Names are split on ';' when the list uses it, else on ','. A comma-separated list that
    alternates surname and initials ("Smith, J., Jones, K.") is read as pairs. PubMed-style
    "Surname AB" becomes "Surname, AB" so reference managers file it under the surname.
    """
    text = _text(authors)
    if not text:
        return [], False
    parts = [p.strip() for p in text.split(";" if ";" in text else ",")]
    parts = [p for p in parts if p]
    if ";" not in text and _alternates_surname_initials(parts):
        parts = [f"{last}, {first}" for last, first in zip(parts[::2], parts[1::2], strict=True)]
    names, truncated = [], False
    for part in parts:
        # "Farge D et al." as one part: keep the name, remember the list was cut short.
        stripped = re.sub(r"\s*\bet\.? al\.?$", "", part, flags=re.IGNORECASE).strip()
        if stripped != part or ET_AL.match(part):
            truncated = True
        if not stripped or ET_AL.match(stripped):
            continue
        match = SURNAME_INITIALS.match(stripped)
        if match and "," not in stripped:
            stripped = f"{match['surname']}, {match['initials']}"
        names.append(stripped)
    return names, truncated


def source_link(study: dict) -> str:
    """PubMed page if the study has a PMID, else its DOI page, else its curated source (https only)."""
    return (
        pubmed_url(_text(study.get("pmid")))
        or doi_url(_text(study.get("doi")))
        or safe_https(_text(study.get("source_url")))
    )


def _records(studies: pd.DataFrame) -> list[dict]:
    # The frame may be the loader's (indexed by study_id, typed years) or a plain text frame.
    return studies.reset_index(drop=True).to_dict("records")


# ---------------------------------------------------------------------------------------------
# RIS


def to_ris(studies: pd.DataFrame, view_url: str) -> str:
    """The studies as RIS text, one JOUR record each, in the frame's order ('' when empty)."""
    note = VIEW_NOTE.format(view_url=_text(view_url))
    references = []
    for study in _records(studies):
        authors, _ = split_authors(study.get("authors", ""))
        reference = {
            "type_of_reference": "JOUR",
            "id": _text(study.get("study_id")),
            "authors": authors,
            "title": _text(study.get("title")),
            "journal_name": _text(study.get("journal")),
            "year": _text(study.get("year")),
            "doi": _text(study.get("doi")),
            "accession_number": _text(study.get("pmid")),
            "urls": [source_link(study)],
            "notes": [note],
        }
        # An empty tag is noise to a reference manager; leave it out.
        references.append({k: v for k, v in reference.items() if v and v != [""]})
    return rispy.dumps(references) if references else ""


# ---------------------------------------------------------------------------------------------
# BibTeX


def latex_escape(text: str) -> str:
    """Plain text as LaTeX that typesets the same characters and runs no command."""
    return _LATEX_SPECIAL.sub(lambda m: LATEX_SPECIALS[m.group()], _text(text))


def _verbatim(value: str) -> str:
    return "".join(_URL_BREAKERS.get(ch, ch) for ch in _text(value))


def bibtex_key(study_id: str) -> str:
    """A citation key from a study id: characters a key cannot hold become '_'."""
    # Accents are dropped rather than replaced (sjögren -> sjogren): classic BibTeX reads keys as ASCII.
    ascii_id = unicodedata.normalize("NFKD", _text(study_id)).encode("ascii", "ignore").decode()
    return _NOT_KEY.sub("_", ascii_id) or "study"


def _bibtex_author(names: list[str], truncated: bool) -> str:
    # A name that itself contains "and" (a study group) is braced so BibTeX keeps it whole.
    escaped = [f"{{{latex_escape(n)}}}" if re.search(r"\band\b", n, re.IGNORECASE) else latex_escape(n) for n in names]
    if truncated:
        escaped.append("others")
    return " and ".join(escaped)


def to_bibtex(studies: pd.DataFrame, view_url: str) -> str:
    """The studies as BibTeX text, one @article each keyed by study id ('' when empty)."""
    library = bibtexparser.Library()
    note = latex_escape(VIEW_NOTE.format(view_url=_text(view_url)))
    used_keys: set[str] = set()
    for study in _records(studies):
        key = bibtex_key(study.get("study_id", ""))
        # Two ids that differ only in replaced characters must still give two entries.
        base, n = key, 2
        while key in used_keys:
            key, n = f"{base}-{n}", n + 1
        used_keys.add(key)
        names, truncated = split_authors(study.get("authors", ""))
        title = latex_escape(study.get("title"))
        values = [
            ("author", _bibtex_author(names, truncated)),
            # The extra braces keep the title's capitals (TGF-β, MSC) as written in any style.
            ("title", f"{{{title}}}" if title else ""),
            ("journal", latex_escape(study.get("journal"))),
            ("year", latex_escape(study.get("year"))),
            ("doi", _verbatim(study.get("doi"))),
            ("pmid", latex_escape(study.get("pmid"))),
            ("url", _verbatim(source_link(study))),
            ("note", note),
        ]
        fields = [Field(name, value) for name, value in values if value]
        library.add(Entry("article", key, fields))
    return bibtexparser.write_string(library) if library.entries else ""
