"""Reading old card versions fast must give what a full parse gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mltrl_docs.history.summary import Summariser, _read_simple, card_summary, needed_front_matter

SCALARS = st.sampled_from(["3", "04", "0x3", "3.0", "true", "null", "~", "paused", "active", "stopped",
                           "'4'", '"active"', '"R01.4"', '"3"', '"a\\"b"', '"x" # c', "9", "10", "-1", "P01.1",
                           "1.10", "[1]", "{a: 1}", "3 # note", ""])
NAMES = st.lists(st.sampled_from(['"research lead"', "peer", "'product owner'", "a, b", '"x\\"y"']), max_size=3)


@st.composite
def front_matters(draw) -> str:
    lines = ["---"]
    keys = draw(st.permutations(["id", "level", "status", "owners", "reviewers", "title", "datasets", "tags"]))
    for key in keys[:draw(st.integers(2, 8))]:
        if key in ("owners", "reviewers"):
            style = draw(st.integers(0, 2))
            if style == 0:
                lines += [f"{key}:", f"  research: [{', '.join(draw(NAMES))}]", f"  product: [{', '.join(draw(NAMES))}]"]
            elif style == 1:
                lines += [f"{key}: {{research: [{', '.join(draw(NAMES))}]}}"]
            else:
                lines += [f"{key}:", "  research:"] + [f"    - {n}" for n in draw(NAMES)]
                if draw(st.booleans()):
                    lines += ["  product:"] + [f"{draw(st.sampled_from(['    - ', '  - ', '    -  ']))}{n}"
                                               for n in draw(NAMES)]
        elif key == "datasets":
            lines += ["datasets:", "  - name: sample", "    version: \"1.0\"", "# a comment at column 0",
                      "    kind: sample"]
        else:
            lines.append(f"{key}: {draw(SCALARS)}")
    lines += draw(st.lists(st.sampled_from(["level: 5", "  indented: 1", "\"level\": 2", "? complex", "- item",
                                            "title: |", "  block", "#comment", "", "\tlevel: 1"]), max_size=2))
    closing = draw(st.sampled_from(["---", "...", "--- ", "----"]))
    return "\n".join(lines + [closing, "", "# Body", "text"]) + "\n"


@settings(max_examples=300, deadline=None)
@given(st.lists(front_matters(), min_size=1, max_size=4))
def test_fast_summaries_equal_full_parses(versions):
    summariser = Summariser()
    for text in versions:
        data = text.encode("utf-8")
        full = card_summary(data, "projects/a/card.md")
        fast = summariser.card(data, "projects/a/card.md")
        if "error" not in full:
            assert fast == full


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["0", "1", "2", "3", "7", "9", "11", "x", "0x2"]),
                          st.sampled_from(["active", "paused", "stopped", "other", "null"])), min_size=1, max_size=6))
def test_level_and_status_changes_read_by_difference(changes):
    summariser = Summariser()
    for level, status in changes:
        data = (f"---\nid: P01.1\nlevel: {level}\nstatus: {status}\nowners:\n  research: [lead]\n---\nbody\n"
                ).encode()
        assert summariser.card(data, "projects/a/card.md") == card_summary(data, "x")


def test_unusual_layouts_fall_back_to_a_full_parse():
    assert needed_front_matter("---\n{level: 3}\n---\n") is None
    assert needed_front_matter("---\n  level: 3\n  id: x\n---\n") is None
    assert needed_front_matter("---\n\"level\": 3\n---\n") is None
    assert needed_front_matter("---\ntitle: x\n---\n") is None  # no level
    assert needed_front_matter("---\nlevel: 3\n") is None  # never closed
    cut = needed_front_matter("---\ntitle: x\nlevel: 3\ndatasets:\n  - a\nowners:\n  research: [b]\n---\nbody\n")
    assert cut == "---\nlevel: 3\nowners:\n  research: [b]\n---\n"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["owners", "reviewers"]), st.sampled_from(["research", "product"]),
                          st.sampled_from(['"lead"', '"a (b)", "c"', "", 'plain', '"x\\"y"', '"q", plain',
                                           "'single'", '"#1"'])), min_size=1, max_size=5))
def test_role_line_changes_read_by_difference(changes):
    summariser = Summariser()
    roles = {("owners", "research"): '"lead"', ("owners", "product"): "", ("reviewers", "research"): "",
             ("reviewers", "product"): ""}
    for block, role, names in changes:
        roles[(block, role)] = names
        lines = ["---", "id: P01.1", "level: 2"]
        for part in ("owners", "reviewers"):
            lines += [f"{part}:"] + [f"  {r}: [{roles[(part, r)]}]" for r in ("research", "product")]
        data = ("\n".join(lines) + "\n---\nbody\n").encode()
        assert summariser.card(data, "projects/a/card.md") == card_summary(data, "x")


def test_simple_first_versions_are_read_without_the_parser():
    lines = ["---", "id: R01.4", "level: 2", "status: active", "owners:", '  research: ["lead (vision)"]',
             "  product: []", "# a note", "", "reviewers:", '  research: ["peers"]', "---", ""]
    text = "\n".join(lines) + "body\n"
    fast = _read_simple(needed_front_matter(text).split("\n"))
    assert fast == card_summary(text.encode(), "x")
    assert fast["owners"] == {"research": ["lead (vision)"], "product": []}
    # A key given twice, a role outside a block and an invalid level are left to the parser, which reports them.
    for odd in ("level: 3", '  product: ["x"]', "level: 12"):
        text = "\n".join(["---", "id: R01.4", odd, "level: 2", "---", ""]) if odd != "level: 12" \
            else "---\nlevel: 12\n---\n"
        assert _read_simple(needed_front_matter(text).split("\n")) is None


def test_block_lists_and_quoted_scalars_are_read_without_the_parser():
    lines = ["---", 'id: "R01.4"', "level: 6", 'status: "paused"', "owners:", "  research:",
             '    - "research lead (vision-team)"', '    - "second lead"', "  product: []", "reviewers:",
             "  research:", "  product:", '    - "product review board"', "---", ""]
    text = "\n".join(lines) + "body\n"
    fast = _read_simple(needed_front_matter(text).split("\n"))
    assert fast == card_summary(text.encode(), "x")
    assert fast["owners"]["research"] == ["research lead (vision-team)", "second lead"]
    assert fast["reviewers"] == {"research": [], "product": ["product review board"]}
    # Items under no role, or with escapes, and a quoted level are left to the parser.
    for odd in ('  - "x"', '    - "a\\"b"', 'level: "3"'):
        text = "\n".join(["---", "level: 2", "owners:", "  research:", odd, "---", ""]) if odd != 'level: "3"' \
            else '---\nlevel: "3"\n---\n'
        assert _read_simple(needed_front_matter(text).split("\n")) is None
