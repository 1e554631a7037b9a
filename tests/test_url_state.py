"""URL state: a good link restores the view, a bad one is dropped by name, never echoed."""

from __future__ import annotations

import pytest

from components.evidence.url_state import Choice, Choices, Integer, Text, encode_query, parse_query

SPECS = {
    "condition": Choices(("sle", "lupus_nephritis", "systemic_sclerosis")),
    "design": Choices(("rct", "single_arm")),
    "year_min": Integer(1995, 2026),
    "min_patients": Integer(0, 10_000),
    "q": Text(),
    "study": Choice(("sle-a-2010", "ssc-b-2016")),
}


@pytest.mark.parametrize(
    ("params", "values", "rejected"),
    [
        ({}, {}, ()),
        ({"condition": ["sle"]}, {"condition": ["sle"]}, ()),
        # order follows the page's options, repeats collapse
        ({"condition": ["systemic_sclerosis,sle,sle"]}, {"condition": ["sle", "systemic_sclerosis"]}, ()),
        ({"condition": ["<script>alert(1)</script>"]}, {}, ("condition",)),
        ({"condition": ["sle,<img src=x onerror=alert(1)>"]}, {}, ("condition",)),
        ({"year_min": ["abc"]}, {}, ("year_min",)),
        ({"year_min": ["1890"]}, {}, ("year_min",)),
        ({"year_min": ["2012"]}, {"year_min": 2012}, ()),
        ({"year_min": ["-5"]}, {}, ("year_min",)),
        ({"min_patients": ["99999999999999999999"]}, {}, ("min_patients",)),
        # a key given twice is ambiguous
        ({"design": ["rct", "single_arm"]}, {}, ("design",)),
        ({"q": ["x" * 600]}, {}, ("q",)),
        ({"q": ["Treg (CD25+)"]}, {"q": ["Treg (CD25+)"][0]}, ()),
        ({"q": ["bad\x00byte"]}, {}, ("q",)),
        ({"study": ["ssc-b-2016"]}, {"study": "ssc-b-2016"}, ()),
        ({"study": ["javascript:alert(1)"]}, {}, ("study",)),
        # keys the page does not know are left for other pages
        ({"measure": ["sledai"], "condition": ["sle"]}, {"condition": ["sle"]}, ()),
    ],
)
def test_parse_query(params, values, rejected):
    parsed = parse_query(params, SPECS)
    assert parsed.values == values
    assert parsed.rejected == rejected


def test_notice_names_parameters_never_values():
    parsed = parse_query({"condition": ["<script>x</script>"], "year_min": ["abc"]}, SPECS)
    notice = parsed.notice()
    assert "condition" in notice and "year_min" in notice
    assert "<script>" not in notice and "abc" not in notice
    assert parse_query({}, SPECS).notice() == ""


def test_encode_leaves_out_defaults_and_round_trips():
    values = {"condition": ["sle", "systemic_sclerosis"], "design": [], "year_min": 2012, "min_patients": 0, "q": ""}
    defaults = {"condition": [], "design": [], "year_min": 1995, "min_patients": 0, "q": ""}
    params = encode_query(values, defaults)
    assert params == {"condition": "sle,systemic_sclerosis", "year_min": "2012"}
    back = parse_query({k: [v] for k, v in params.items()}, SPECS)
    assert back.values == {"condition": ["sle", "systemic_sclerosis"], "year_min": 2012}
