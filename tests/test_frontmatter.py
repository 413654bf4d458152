"""Every class of bad input gets an exact, positioned finding; nothing raises."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mltrl_docs.diagnostics import Severity
from mltrl_docs.frontmatter import (
    MAX_BYTES,
    MAX_DEPTH,
    parse_document,
    resolve_plain_scalar,
)
from mltrl_docs.loader import DOCUMENT_MODELS, parse_and_validate


def findings(doc):
    return [(d.line, d.column, d.code) for d in doc.diagnostics]


def card(text: str):
    return parse_and_validate("card", text, "projects/x/card.md")


VALID = """---
id: P1.0
title: Churn
level: 3
owners:
  research: [research-lead]
---
# Churn
"""


def test_valid_card_reads_with_positions():
    doc = card(VALID)
    assert doc.diagnostics == []
    assert doc.model.level == 3
    assert doc.parsed.position(("level",)).line == 4
    assert doc.parsed.key_position(("owners",)).line == 5
    assert doc.parsed.body_line == 8


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# Just a heading\n", [(1, 1, "FM001")]),
        ("---\nid: P1\ntitle: x\n", [(1, 1, "FM002")]),
        ("---\n- a\n- b\n---\n", [(2, 1, "FM003")]),
        ("---\n---\nbody\n", [(1, 1, "FM003")]),
        ("---\njust text\n---\n", [(2, 1, "FM003")]),
        ("---\nid: P1\ntitle: [unclosed\n---\n", [(4, 1, "FM004")]),
        ("---\nid: P1\ntitle: a: b\n---\n", [(3, 9, "FM004")]),
        ("---\nid: P1\n\ttitle: x\n---\n", [(3, 1, "FM004")]),
        ("---\nid: P1\nlevel: 2\nlevel: 3\n---\n", [(4, 1, "FM005")]),
        ("---\nowners:\n  research: [a]\n  research: [b]\n---\n", [(4, 3, "FM005")]),
        ("---\nid: &anchor P1\n---\n", [(2, 5, "FM006")]),
        ("---\nid: P1\ntitle: *anchor\n---\n", [(3, 8, "FM006")]),
        ("---\nid: !!str P1\n---\n", [(2, 5, "FM007")]),
        ("---\nid: !custom P1\n---\n", [(2, 5, "FM007")]),
        ("---\n? [a, b]\n: c\n---\n", [(2, 3, "FM013")]),
        ("---\nbase: {a: 1}\n<<: {b: 2}\n---\n", [(3, 1, "FM013")]),
        ("", [(1, 1, "FM011")]),
        ("  \n\n", [(1, 1, "FM011")]),
    ],
)
def test_malformed_front_matter(text, expected):
    doc = card(text)
    assert findings(doc) == expected
    assert doc.model is None
    assert all(d.severity == Severity.ERROR for d in doc.diagnostics)
    assert all(d.hint for d in doc.diagnostics), "every finding says how to fix it"


def test_duplicate_key_names_the_first_line():
    doc = card("---\nid: P1\ntitle: a\nid: P2\n---\n")
    (diag,) = doc.diagnostics
    assert diag.message == "duplicate key 'id' (first defined on line 2)"


def test_deep_nesting_is_bounded_before_building():
    just_over = "---\nx: " + "[" * (MAX_DEPTH + 8) + "]" * (MAX_DEPTH + 8) + "\n---\n"
    # The root mapping counts as the first level, so the 32nd bracket is one too many.
    assert findings(card(just_over)) == [(2, 3 + MAX_DEPTH, "FM008")]
    far_over = "---\nx: " + "[" * 5000 + "]" * 5000 + "\n---\n"
    assert [(line, code) for line, _, code in findings(card(far_over))] == [(2, "FM008")]
    block = "---\n" + "".join("  " * i + f"k{i}:\n" for i in range(200)) + "---\n"
    assert [d.code for d in card(block).diagnostics] == ["FM008"]


def test_libyaml_limit_on_extreme_nesting_is_a_finding_not_a_crash():
    deep = "---\nx: " + "[" * 200_000 + "\n---\n"
    assert [d.code for d in card(deep).diagnostics] == ["FM008"]


def test_huge_file_is_refused_without_parsing():
    doc = card("---\nid: P1\n---\n" + "x" * (MAX_BYTES + 1))
    assert findings(doc) == [(1, 1, "FM009")]


def test_invalid_utf8_points_at_the_byte():
    doc = card(b"---\nid: P1\ntitle: caf\xe9\n---\n")
    assert findings(doc) == [(3, 11, "FM010")]


def test_bom_is_a_warning_and_the_card_still_reads():
    doc = card(b"\xef\xbb\xbf" + VALID.encode())
    assert findings(doc) == [(1, 1, "FM012")]
    assert doc.diagnostics[0].severity == Severity.WARNING
    assert doc.model is not None and doc.model.id == "P1.0"


def test_crlf_keeps_positions():
    text = VALID.replace("level: 3", "level: three").replace("\n", "\r\n")
    doc = card(text.encode())
    assert findings(doc) == [(4, 8, "SCH004")]


@pytest.mark.parametrize(
    ("source", "value"),
    [("no", "no"), ("yes", "yes"), ("on", "on"), ("1.10", 1.1), ("04", 4), ("010", 10), ("0o17", 15),
     ("0x1F", 31), ("2024-01-05", "2024-01-05"), ("1:20", "1:20"), ("~", None), ("True", True),
     (".inf", float("inf")), ("1e3", 1000.0), ("-7", -7), ("+3", 3)],
)
def test_scalars_are_read_the_yaml_1_2_way(source, value):
    assert resolve_plain_scalar(source) == value


def test_yaml11_boolean_word_gets_a_hint():
    doc = card(VALID.replace("level: 3", "level: 3\ntesting:\n  unit: yes"))
    (diag,) = doc.diagnostics
    assert (diag.line, diag.column, diag.code) == (6, 9, "SCH004")
    assert "write true or false" in diag.hint


def test_version_like_number_gets_a_quoting_hint():
    doc = card(VALID.replace("level: 3", "level: 3\nversions:\n  code: 1.10"))
    (diag,) = doc.diagnostics
    assert (diag.line, diag.column, diag.code) == (6, 9, "SCH004")
    assert diag.hint == 'quote it to keep it as text: "1.10"'


def test_leading_zero_id_gets_a_quoting_hint():
    doc = card(VALID.replace("id: P1.0", "id: 04"))
    (diag,) = doc.diagnostics
    assert (diag.line, diag.code) == (2, "SCH004")
    assert diag.hint == 'quote it to keep it as text: "04"'


def test_unquoted_date_stays_text_where_text_is_expected():
    text = VALID.replace("level: 3", "level: 3\ndatasets:\n  - {name: a, version: 2024-01-05, kind: real}")
    doc = card(text)
    assert doc.diagnostics == []
    assert doc.model.datasets[0].version == "2024-01-05"


def test_level_must_be_strictly_an_integer():
    for bad, hint in (("3.0", "write a whole number, e.g. 4"), ('"3"', "write the number without quotes")):
        doc = card(VALID.replace("level: 3", f"level: {bad}"))
        (diag,) = doc.diagnostics
        assert (diag.line, diag.column, diag.code, diag.hint) == (4, 8, "SCH004", hint)
    doc = card(VALID.replace("level: 3", "level: 10"))
    assert findings(doc) == [(4, 8, "SCH005")]


def test_unknown_key_suggests_the_closest_field():
    doc = card(VALID.replace("title:", "titel:"))
    codes = {(d.line, d.column, d.code): d for d in doc.diagnostics}
    assert codes[(3, 1, "SCH002")].hint == "did you mean 'title'?"
    missing = codes[(7, 1, "SCH001")]
    assert missing.message == "missing required field 'title'"


def test_unknown_nested_key_suggests_within_its_mapping():
    doc = card(VALID.replace("  research: [research-lead]", "  research: [research-lead]\n  prodcut: [pm]"))
    (diag,) = doc.diagnostics
    assert (diag.line, diag.column, diag.code, diag.hint) == (7, 3, "SCH002", "did you mean 'product'?")


def test_enum_value_suggests_the_closest_choice():
    doc = card(VALID.replace("level: 3", "level: 3\nstatus: pasued"))
    (diag,) = doc.diagnostics
    assert (diag.line, diag.code, diag.hint) == (5, "SCH003", "did you mean 'paused'?")


def test_script_url_in_links_is_refused():
    doc = card(VALID.replace("level: 3", "level: 3\nlinks:\n  code: javascript:alert(1)"))
    (diag,) = doc.diagnostics
    assert (diag.line, diag.column, diag.code) == (6, 9, "SCH006")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_yield_findings_never_exceptions(data):
    for kind in DOCUMENT_MODELS:
        doc = parse_and_validate(kind, data, f"x/{kind}.md")
        for diag in doc.diagnostics:
            assert diag.line >= 1 and diag.column >= 1 and diag.code


yaml_ish = st.lists(st.sampled_from(["---", "\n", ":", " ", "-", "[", "]", "{", "}", "&a", "*a", "!!", "'", '"',
                                     "id", "level", "3", "no", "\t", "#", "?", "|", ">", "\r\n", "é", "\x00"]),
                    max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(yaml_ish)
def test_yaml_shaped_noise_yields_findings_never_exceptions(text):
    doc = parse_and_validate("card", "---\n" + text + "\n---\n", "x/card.md")
    assert doc.model is not None or doc.diagnostics


def test_parse_document_accepts_str_and_bytes_equally():
    assert parse_document(VALID).meta == parse_document(VALID.encode()).meta


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("3", [(3, 12, "SCH004", "'pre_development.opt_out' should be a valid string, not 3")]),
        ("{reason: none}", [(3, 12, "SCH001", "missing required field 'pre_development.opt_out.not_applicable'"),
                            (3, 13, "SCH002", "unknown field 'pre_development.opt_out.reason'")]),
    ],
)
def test_ethics_answer_errors_are_reported_once(item, expected):
    doc = parse_and_validate("ethics", f"---\npre_development:\n  opt_out: {item}\n---\n", "e.md")
    assert [(d.line, d.column, d.code, d.message) for d in doc.diagnostics] == expected


def test_unknown_key_that_is_not_an_identifier():
    doc = parse_and_validate("card", VALID.replace("level: 3", "level: 3\nmy-field: 1"), "c.md")
    assert [(d.line, d.code, d.message) for d in doc.diagnostics] == [(5, "SCH002", "unknown field 'my-field'")]


@pytest.mark.parametrize(
    ("url", "ok"),
    [("https://example.org/x", True), ("mailto:team@example.org", True), ("../other/card.md", True),
     ("docs/index.md", True), ("javascript:alert(1)", False), (" javascript:alert(1)", False),
     ("java\tscript:alert(1)", False), ("JAVASCRIPT:alert(1)", False), ("data:text/html,<b>", False),
     ("vbscript:x", False), ("//evil.example/x", False), ("https:evil.example", False)],
)
def test_links_are_judged_the_way_a_browser_reads_them(url, ok):
    doc = card(VALID.replace("level: 3", f"level: 3\nlinks:\n  main: {json.dumps(url)}"))
    assert [d.code for d in doc.diagnostics] == ([] if ok else ["SCH006"])
