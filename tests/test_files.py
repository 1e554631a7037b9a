"""Strict readers: malformed CSV and YAML give a located problem, never a silent repair or a crash."""

from __future__ import annotations

import pytest

from components.evidence.files import decode_text, read_csv_text, read_yaml_text


def csv_problems(raw: bytes) -> list:
    text, problems = decode_text(raw, "t.csv")
    if problems:
        return problems
    _, _, problems = read_csv_text(text, "t.csv")
    return problems


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"", "empty"),
        (b"a,b\n1,2,3\n", "3 fields but the header has 2"),  # extra field in the first data row
        (b"a,b\n1\n", "1 fields but the header has 2"),  # ragged row
        (b'a,b\n"1,2\n3,4\n', "unbalanced quote"),
        (b"a,a\n1,2\n", "appears twice"),
        ("a,b\ncaf\u00e9,2\n".encode("cp1252"), "not UTF-8"),
        ("a,b\n1,2\n".encode("utf-16"), "UTF-16"),
        (b"a,b\n1,\x002\n", "NUL byte"),
        (b"a,b\n" + b'"' + b"x" * 30_000 + b'",2\n', "cannot be read"),
    ],
)
def test_malformed_csv_is_reported(raw, words):
    problems = csv_problems(raw)
    assert problems, "expected a problem"
    assert any(words in p.message for p in problems), [str(p) for p in problems]


def test_bom_is_accepted_and_stripped():
    text, problems = decode_text("\ufeffa,b\n1,2\n".encode(), "t.csv")
    assert not problems
    header, rows, problems = read_csv_text(text, "t.csv")
    assert header == ["a", "b"] and rows == [(1, ["1", "2"])] and not problems


def test_values_stay_text():
    _header, rows, _ = read_csv_text("id,pmid,flag\n007,0012345,NA\n008,1,None\n", "t.csv")
    assert rows[0][1] == ["007", "0012345", "NA"]
    assert rows[1][1] == ["008", "1", "None"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a: &x [1, 2]\nb: *x\n", "anchors"),
        ("base: {k: v}\nother:\n  <<: {k: v}\n", "merge keys"),
        ("a: 1\na: 2\n", "appears twice"),
        ("a:\n" + "".join("  " * i + "- \n" for i in range(1, 40)), "nested deeper"),
        ("[" * 5000 + "]" * 5000, "nested"),
        ("a: 1\n---\nb: 2\n", "more than one YAML document"),
        ("", "empty"),
        ("a: [1, 2\n", "line"),
    ],
)
def test_unsafe_or_malformed_yaml_is_reported(text, words):
    data, problems = read_yaml_text(text, "v.yaml")
    assert data is None
    assert problems and words in problems[0].message, [str(p) for p in problems]


def test_billion_laughs_is_refused_quickly():
    lol = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9)
    )
    data, problems = read_yaml_text(lol, "v.yaml")
    assert data is None and "anchors" in problems[0].message


def test_yaml_1_1_coercions_do_not_happen():
    data, problems = read_yaml_text("country: NO\npmid: 0012345\ntime: 1:20\nflag: yes\n", "v.yaml")
    assert not problems
    assert data == {"country": "NO", "pmid": "0012345", "time": "1:20", "flag": "yes"}
