"""Citation downloads: every study comes back from the RIS and BibTeX files, and no title breaks them."""

from __future__ import annotations

import bibtexparser
import pandas as pd
import pytest
import rispy
from pylatexenc.latex2text import LatexNodes2Text

from components.evidence.citations import bibtex_key, latex_escape, split_authors, to_bibtex, to_ris

VIEW_URL = "https://msc.example.org/studies?condition=sle&design=rct&q=TGF_b%20#top"
LATEX_TO_TEXT = LatexNodes2Text()

INJECTED_TITLES = [
    "=cmd|' /C calc'!A0",
    r"\input{/etc/passwd}",
    "Unbalanced } brace } here",
    "Opening { brace only",
    "First line\nER  - \nTY  - JOUR\nTI  - forged record",
    "Line\r\nbreak @article{forged, title={x}}",
    "TGF-β & IL-10 {test} 100% $5 #1 a_b ~x \\ end",
]


def _decoded(value: str) -> str:
    return LATEX_TO_TEXT.latex_to_text(value)


def _with_title(mini, study_id: str, title: str) -> pd.DataFrame:
    studies = mini.studies.copy()
    studies.loc[study_id, "title"] = title
    return studies


def _ris(text: str) -> list[dict]:
    return rispy.loads(text)


def _bib(text: str):
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    return library


# ---------------------------------------------------------------------------------------------
# Round trips on the fixture


def test_ris_gives_back_every_study(mini):
    records = _ris(to_ris(mini.studies, VIEW_URL))
    assert [r["id"] for r in records] == list(mini.studies["study_id"])
    for record, (_, study) in zip(records, mini.studies.iterrows(), strict=True):
        assert record["type_of_reference"] == "JOUR"
        assert record["title"] == study["title"]
        assert record["year"] == str(study["year"])
        assert record["journal_name"] == study["journal"]
        assert record.get("doi", "") == study["doi"]
        assert record.get("accession_number", "") == study["pmid"]
        assert record["authors"] == split_authors(study["authors"])[0]
        assert record["notes"] == [f"MSC Rheumatology Evidence Explorer view: {VIEW_URL}"]


def test_bibtex_gives_back_every_study(mini):
    library = _bib(to_bibtex(mini.studies, VIEW_URL))
    assert [e.key for e in library.entries] == list(mini.studies["study_id"])
    for entry, (_, study) in zip(library.entries, mini.studies.iterrows(), strict=True):
        fields = entry.fields_dict
        assert entry.entry_type == "article"
        assert _decoded(fields["title"].value) == study["title"]
        assert fields["year"].value == str(study["year"])
        assert _decoded(fields["journal"].value) == study["journal"]
        assert (fields["doi"].value if "doi" in fields else "") == study["doi"]
        assert (fields["pmid"].value if "pmid" in fields else "") == study["pmid"]
        assert fields["author"].value.split(" and ") == split_authors(study["authors"])[0]
        assert _decoded(fields["note"].value).endswith(VIEW_URL)


@pytest.mark.parametrize(
    ("study_id", "expected_url"),
    [
        ("sle-alpha-2010", "https://pubmed.ncbi.nlm.nih.gov/1000001/"),  # PMID only
        ("ln-gamma-2017", "https://pubmed.ncbi.nlm.nih.gov/1000002/"),  # PMID wins over DOI
        ("ra-epsilon-2013", "https://doi.org/10.1000/fx.4"),  # DOI only
    ],
)
def test_source_link_prefers_pubmed_then_doi(mini, study_id, expected_url):
    one = mini.studies.loc[[study_id]]
    assert _ris(to_ris(one, VIEW_URL))[0]["urls"] == [expected_url]
    assert _bib(to_bibtex(one, VIEW_URL)).entries[0].fields_dict["url"].value == expected_url


def test_plain_text_frame_without_index_works_too(mini):
    # Pages may hand over a filtered, reset or text-only frame rather than the loader's own.
    plain = mini.studies.reset_index(drop=True).astype({"year": "object"})
    plain["year"] = plain["year"].astype(str)
    assert to_ris(plain, VIEW_URL) == to_ris(mini.studies, VIEW_URL)
    assert to_bibtex(plain, VIEW_URL) == to_bibtex(mini.studies, VIEW_URL)


def test_empty_selection_gives_empty_valid_files(mini):
    none = mini.studies.iloc[0:0]
    assert to_ris(none, VIEW_URL) == ""
    assert _ris(to_ris(none, VIEW_URL)) == []
    assert to_bibtex(none, VIEW_URL) == ""
    assert _bib(to_bibtex(none, VIEW_URL)).entries == []


# ---------------------------------------------------------------------------------------------
# Hostile titles


@pytest.mark.parametrize("title", INJECTED_TITLES)
def test_hostile_title_keeps_ris_structure(mini, title):
    studies = _with_title(mini, "sle-delta-2014", title)
    records = _ris(to_ris(studies, VIEW_URL))
    assert len(records) == len(studies)
    hit = records[list(studies["study_id"]).index("sle-delta-2014")]
    assert hit["title"] == " ".join(title.split())  # line breaks flattened, nothing lost
    assert hit["year"] == "2014"
    assert hit["accession_number"] == "1000003"
    assert hit["notes"] == [f"MSC Rheumatology Evidence Explorer view: {VIEW_URL}"]
    assert [r["id"] for r in records] == list(studies["study_id"])


@pytest.mark.parametrize("title", INJECTED_TITLES)
def test_hostile_title_keeps_bibtex_structure(mini, title):
    studies = _with_title(mini, "sle-delta-2014", title)
    text = to_bibtex(studies, VIEW_URL)
    library = _bib(text)
    assert [e.key for e in library.entries] == list(studies["study_id"])
    fields = library.entries[list(studies["study_id"]).index("sle-delta-2014")].fields_dict
    assert _decoded(fields["title"].value) == " ".join(title.split())
    assert fields["year"].value == "2014"
    assert fields["pmid"].value == "1000003"
    assert _decoded(fields["note"].value).endswith(VIEW_URL)
    # LaTeX would run \input; escaped, it prints a backslash and the word instead.
    assert "\\input" not in text


def test_ampersand_greek_and_braces_survive_bibtex_round_trip(mini):
    title = "TGF-β & IL-10 {test}"
    entry = _bib(to_bibtex(_with_title(mini, "sle-alpha-2010", title), VIEW_URL)).entries[0]
    assert entry.fields_dict["title"].value == r"{TGF-β \& IL-10 \{test\}}"
    assert _decoded(entry.fields_dict["title"].value) == title


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("A & B", r"A \& B"),
        ("50% of 10$", r"50\% of 10\$"),
        ("#1 a_b", r"\#1 a\_b"),
        ("{x}", r"\{x\}"),
        ("~^", r"\textasciitilde{}\textasciicircum{}"),
        (r"\input{/etc/passwd}", r"\textbackslash{}input\{/etc/passwd\}"),
        ("two\nlines\tand  spaces", "two lines and spaces"),
        ("TGF-β", "TGF-β"),
    ],
)
def test_latex_escape(text, escaped):
    assert latex_escape(text) == escaped


# ---------------------------------------------------------------------------------------------
# Authors and keys


@pytest.mark.parametrize(
    ("authors", "names", "truncated"),
    [
        ("Alpha A; Beta B", ["Alpha, A", "Beta, B"], False),
        ("Danqi Deng, Peilian Zhang, Teck Onn Lim", ["Danqi Deng", "Peilian Zhang", "Teck Onn Lim"], False),
        ("X Li, D Wang, J Liang", ["X Li", "D Wang", "J Liang"], False),
        ("Smith, J., Jones, K.", ["Smith, J.", "Jones, K."], False),
        ("Dominique Farge, Lucie Biard, et al.", ["Dominique Farge", "Lucie Biard"], True),
        ("Barbado et al.", ["Barbado"], True),
        ("Liang J; Zhang H; Hua B", ["Liang, J", "Zhang, H", "Hua, B"], False),
        ("", [], False),
    ],
)
def test_split_authors(authors, names, truncated):
    assert split_authors(authors) == (names, truncated)


def test_truncated_author_list_ends_with_others_in_bibtex(mini):
    studies = mini.studies.loc[["sle-alpha-2010"]].copy()
    studies["authors"] = "Farge D, Biard L, et al."
    author = _bib(to_bibtex(studies, VIEW_URL)).entries[0].fields_dict["author"].value
    assert author == "Farge, D and Biard, L and others"
    assert _ris(to_ris(studies, VIEW_URL))[0]["authors"] == ["Farge, D", "Biard, L"]


def test_group_author_containing_and_stays_one_name(mini):
    studies = mini.studies.loc[["sle-alpha-2010"]].copy()
    studies["authors"] = "Alpha A; Lupus Research and Care Group"
    author = _bib(to_bibtex(studies, VIEW_URL)).entries[0].fields_dict["author"].value
    assert author == "Alpha, A and {Lupus Research and Care Group}"


@pytest.mark.parametrize(
    ("study_id", "key"),
    [
        ("sle-liang-2010", "sle-liang-2010"),
        ("ra.smith_2019", "ra.smith_2019"),
        ("bad key,{x}", "bad_key_x_"),
        ("sjögren-ölund-2020", "sjogren-olund-2020"),
        ("", "study"),
    ],
)
def test_bibtex_key(study_id, key):
    assert bibtex_key(study_id) == key


def test_keys_that_collide_after_cleaning_stay_distinct(mini):
    studies = mini.studies.loc[["sle-alpha-2010", "sle-delta-2014"]].copy()
    studies["study_id"] = ["a b", "a,b"]
    library = _bib(to_bibtex(studies, VIEW_URL))
    assert [e.key for e in library.entries] == ["a_b", "a_b-2"]


def test_a_study_without_authors_or_journal_still_exports(mini):
    # Authors and journal may be empty when no page read printed them; the PMID identifies the paper.
    studies = mini.studies.reset_index()
    studies.loc[studies["study_id"] == "sle-delta-2014", ["authors", "journal"]] = ""
    records = _ris(to_ris(studies, VIEW_URL))
    hit = records[list(studies["study_id"]).index("sle-delta-2014")]
    assert "authors" not in hit and "journal_name" not in hit  # no empty tags
    assert hit["accession_number"] == "1000003" and hit["year"] == "2014"
    entry = next(e for e in bibtexparser.parse_string(to_bibtex(studies, VIEW_URL)).entries if "delta" in e.key)
    assert "author" not in entry.fields_dict and entry.fields_dict["pmid"].value == "1000003"


@pytest.mark.parametrize(
    ("values", "label"),
    [
        ({"authors": "Liang J, Zhang H, Sun L", "journal": "Ann Rheum Dis", "pmid": "1"}, "Liang J et al. 2010"),
        ({"authors": "Lee et al."}, "Lee et al. 2010"),
        (
            {
                "authors": "",
                "journal": "Clin Rheumatol",
                "title": "Umbilical cord MSC for diffuse alveolar haemorrhage in lupus",
            },
            "“Umbilical cord MSC for diffuse alveolar…” 2010",
        ),
        ({"authors": "", "title": "Cells in lupus"}, "“Cells in lupus” 2010"),
    ],
)
def test_study_label_names_a_study_without_authors_by_the_start_of_its_title(values, label):
    # Never by a bare journal ('Lupus 2009') or an identifier a clinician cannot place.
    from components.analysis.tables import study_label

    row = pd.Series({"year": 2010, "authors": "", "journal": "", "pmid": "", "doi": "", "title": ""} | values)
    assert study_label(row) == label
