"""Summary-of-findings tables: one row per outcome and time window in Cochrane's layout, footnotes
lettered once, a published meta-analysis beside the studies, and a printable one-page brief."""

from __future__ import annotations

import pandas as pd

from components.analysis import summary
from components.views.brief import condition_brief
from tests.findings_support import SLE, SSC


def test_rows_are_outcomes_by_window_with_the_leading_body(mini):
    sof = summary.summary_of_findings(mini, mini.studies, SSC)
    assert list(zip(sof["outcome"], sof["time"], sof["based_on"], strict=True)) == [
        ("Less skin fibrosis", "up to 3 months", "randomised"),
        ("Less skin fibrosis", "3 to 6 months", "non_randomised"),
        ("Less pain", "up to 3 months", "randomised"),
        ("Less pain", "3 to 6 months", "non_randomised"),
    ]
    pain = sof.iloc[2]
    assert pain["participants"] == "40 (1 trial)"
    assert pain["effect"] == "Better than control in 0 of 1 controlled study"
    assert pain["statement"] == "The evidence is very uncertain about the effect of MSC on pain."


def test_a_published_meta_analysis_leads_its_row_and_names_its_trials_in_the_base(mini):
    sof = summary.summary_of_findings(mini, mini.studies, SLE)
    untimed = sof[sof["time"] == "time not reported"].iloc[0]
    assert untimed["evidence"] == "Omega et al. 2020"
    assert untimed["participants"] == "200 (5 randomised trials)"
    assert untimed["also"] == []  # no study in the base gives a result without its time


def test_footnotes_are_lettered_once_for_the_whole_table(mini):
    table, footnotes = summary.sof_display(summary.summary_of_findings(mini, mini.studies, SSC))
    assert list(table.columns) == summary.SOF_COLUMNS
    letters = [note.split(".")[0] for note in footnotes]
    assert letters == list("abcdefghijklmnopqrstuvwxyz"[: len(footnotes)])
    assert len(set(footnotes)) == len(footnotes)
    for certainty in table["Certainty"]:
        marks = certainty.split("(")[-1].rstrip(")").split(", ") if "(" in certainty else []
        assert all(m in letters for m in marks)


def test_the_brief_is_one_escaped_html_page_with_version_and_link():
    table = pd.DataFrame({"Outcome": ["<script>alert(1)</script>"], "Certainty": ["⊕◯◯◯ Very low (a)"]})
    page = condition_brief(
        condition="Lupus <b>nephritis</b>",
        sentences=["1 study & 2 patients"],
        table=table,
        footnotes=["a. A single small study (18 patients)."],
        version="0.3.0",
        link="http://127.0.0.1:8501/profile?profile=lupus_nephritis",
    )
    assert page.startswith("<!DOCTYPE html>") and "size: A4" in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "Lupus &lt;b&gt;nephritis" in page
    assert "1 study &amp; 2 patients" in page
    assert "dataset version 0.3.0" in page and "profile=lupus_nephritis" in page
    assert "http" not in page.replace("http://127.0.0.1:8501/profile", "").replace("http://www.w3", "")
