"""Level schemas, cross-document rules, configuration and readiness, through the real loader."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pytest
from factories import (
    card_body,
    card_meta,
    ethics_meta,
    front_matter,
    requirements_meta,
    section_text,
    write_technology,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mltrl_docs.config import Settings, settings_from_options
from mltrl_docs.diagnostics import Severity
from mltrl_docs.loader import load_portfolio
from mltrl_docs.rules import LEVEL_RULES, check_portfolio, level_rules, readiness


def run(base: Path, settings: Settings | None = None):
    portfolio = load_portfolio(base, settings or Settings())
    return portfolio, check_portfolio(portfolio)


def line_of(file: Path, needle: str, start: int = 1) -> int:
    """1-based number of the first line at or after ``start`` that contains ``needle``."""
    lines = file.read_text(encoding="utf-8").split("\n")
    return next(n for n, line in enumerate(lines, 1) if n >= start and needle in line)


def codes(diagnostics):
    return sorted((d.path, d.line, d.code) for d in diagnostics)


@pytest.mark.parametrize("level", range(10))
def test_complete_technology_passes_at_every_level(tmp_path, level):
    write_technology(tmp_path / "projects", "tech", "P1.0", level)
    portfolio, diagnostics = run(tmp_path)
    assert diagnostics == []
    ready = readiness(portfolio.technologies["tech"], portfolio.settings)
    assert ready.met == ready.total == len([r for r in LEVEL_RULES if r.level <= level])


def test_each_level_adds_rules_cumulatively():
    levels = {r.level for r in LEVEL_RULES}
    assert levels == set(range(10))
    assert len({r.code for r in LEVEL_RULES}) == len(LEVEL_RULES)
    assert all(r.code.startswith(f"L{r.level}") for r in LEVEL_RULES)


@pytest.mark.parametrize(
    ("level", "change", "expected"),
    [
        (0, {"owners": {"research": [], "product": []}}, ("card.md", "owners:", "L002")),
        (1, {"datasets": []}, ("card.md", "datasets:", "L101")),
        (3, {"versions": {"code": "1.0.0"}}, ("card.md", "versions:", "L301")),
        (3, {"testing": {"unit": True}}, ("card.md", "testing:", "L302")),
        (4, {"datasets": [{"name": "s", "version": "1", "kind": "sample"}]}, ("card.md", "datasets:", "L401")),
        (4, {"owners": {"research": ["r"], "product": []}}, ("card.md", "owners:", "L403")),
        (6, {"service_levels": []}, ("card.md", "service_levels:", "L602")),
        (9, {"review_cadence_days": None}, ("card.md", "level:", "L902")),
    ],
)
def test_missing_card_evidence_is_reported_at_the_field(tmp_path, level, change, expected):
    meta = card_meta("P1.0", "Tech", level)
    for key, value in change.items():
        if value is None:
            meta.pop(key)
        else:
            meta[key] = value
    folder = write_technology(tmp_path / "projects", "tech", "P1.0", level, card=meta)
    _, diagnostics = run(tmp_path)
    found = [(d.path.rsplit("/", 1)[-1], d.line, d.code) for d in diagnostics]
    name, needle, code = expected
    assert found == [(name, line_of(folder / name, needle), code)]
    assert diagnostics[0].severity == Severity.ERROR
    assert diagnostics[0].message.startswith(f"level {level}: ")


def test_missing_section_content_is_reported_at_the_heading(tmp_path):
    body = card_body("Tech").replace(section_text("testing"), "")
    write_technology(tmp_path / "projects", "tech", "P1.0", 3, body=body)
    _, diagnostics = run(tmp_path)
    (diag,) = diagnostics
    assert diag.code == "L303" and diag.message == "level 3: section 'Testing status' is empty"
    assert diag.line == body.split("\n").index("## Testing status") + 1 + card_meta_lines(tmp_path)


def card_meta_lines(tmp_path: Path) -> int:
    text = (tmp_path / "projects/tech/card.md").read_text()
    return text.split("\n")[1:].index("---") + 2


def test_missing_section_is_a_structure_warning_and_a_level_error(tmp_path):
    write_technology(tmp_path / "projects", "tech", "P1.0", 5, body=card_body("Tech", skip=("caveats",),
                                                                                  requirements=requirements_meta(5)))
    _, diagnostics = run(tmp_path)
    assert sorted((d.code, d.severity) for d in diagnostics) == [("DOC001", Severity.WARNING),
                                                                 ("L503", Severity.ERROR)]


def test_research_vv_and_validation(tmp_path):
    reqs = requirements_meta(5)
    reqs["requirements"][0]["validation"] = ""
    reqs["requirements"][0]["status"] = "verified"
    folder = write_technology(tmp_path / "projects", "tech", "P1.0", 5, requirements=reqs)
    _, diagnostics = run(tmp_path)
    file = folder / "requirements.md"
    assert [(d.line, d.code) for d in diagnostics] == [(line_of(file, "validation:"), "L202"),
                                                       (line_of(file, "status:"), "L501")]
    assert diagnostics[0].message == "level 5: research requirement 1.0.0 has no validation"


def test_requirements_document_missing_points_at_the_card(tmp_path):
    folder = write_technology(tmp_path / "projects", "tech", "P1.0", 2)
    (folder / "requirements.md").unlink()
    _, diagnostics = run(tmp_path)
    (diag,) = [d for d in diagnostics if d.code == "L201"]
    assert diag.path == "projects/tech/card.md" and diag.hint.startswith("create requirements.md")


def test_ethics_parts_are_required_by_level(tmp_path):
    ethics = ethics_meta(7)
    ethics["pre_development"]["informed_consent"] = ""
    ethics["post_development"]["consent_needed"] = {"not_applicable": "No personal data is used."}
    ethics["post_development"]["redress"] = "TBD"
    folder = write_technology(tmp_path / "projects", "tech", "P1.0", 7, ethics=ethics)
    _, diagnostics = run(tmp_path)
    assert [(d.code, d.line, d.message) for d in diagnostics if d.code != "PH001"] == [
        ("L402", line_of(folder / "ethics.md", "informed_consent:"),
         "level 7: 1 pre-development ethics question(s) unanswered: informed_consent"),
        ("L704", line_of(folder / "ethics.md", "redress:"),
         "level 7: 1 post-development ethics question(s) unanswered: redress"),
    ]


def test_high_risk_requirement_needs_scenario_tests(tmp_path):
    reqs = requirements_meta(7)
    reqs["requirements"][1].update(p_failure=0.1, value=8, tests=[])  # risk 0.8: below the threshold
    reqs["requirements"][0].update(p_failure=0.2, value=5, tests=[])  # risk 1.0
    folder = write_technology(tmp_path / "projects", "tech", "P1.0", 7, requirements=reqs)
    assert run(tmp_path)[1] == []
    _, diagnostics = run(tmp_path, Settings(risk_threshold=1.0))
    assert [(d.code, d.line) for d in diagnostics] == [("L702", line_of(folder / "requirements.md", "tests:"))]


def test_risk_arithmetic(tmp_path):
    reqs = requirements_meta(2)
    reqs["requirements"][0]["risk"] = 1.5
    folder = write_technology(tmp_path / "projects", "tech", "P1.0", 2, requirements=reqs)
    _, diagnostics = run(tmp_path)
    (diag,) = diagnostics
    assert (diag.code, diag.line) == ("REQ002", line_of(folder / "requirements.md", "risk: 1.5"))
    assert diag.message == "research requirement 1.0.0: risk 1.5 is not p_failure x value = 0.5 x 8 = 4"
    reqs["requirements"][0]["risk"] = 4.0
    write_technology(tmp_path / "projects", "tech", "P1.0", 2, requirements=reqs)
    assert run(tmp_path)[1] == []


def full(diagnostics) -> list[tuple]:
    return [(d.path, d.line, d.column, d.severity.value, d.code, d.message, d.hint) for d in diagnostics]


def test_requirement_ids_are_unique_within_their_kind(tmp_path):
    reqs = requirements_meta(5)
    # Research 1.0.0 and product 1.0.0: each kind is numbered from 1, as MLTRL's examples do, and the card
    # lists each kind under its own sub-heading.
    assert [(r["kind"], r["id"]) for r in reqs["requirements"]] == [("research", "1.0.0"), ("product", "1.0.0")]
    folder = write_technology(tmp_path / "projects", "tech", "P1.0", 5, requirements=reqs)
    assert "### Research requirements\n\n1. " in (folder / "card.md").read_text()
    assert run(tmp_path)[1] == []
    reqs["requirements"].append({**reqs["requirements"][1], "statement": "Another one."})
    write_technology(tmp_path / "projects", "tech", "P1.0", 5, requirements=reqs,
                     body=(folder / "card.md").read_text().split("---\n", 2)[2])
    file = folder / "requirements.md"
    assert full(run(tmp_path)[1]) == [
        ("projects/tech/requirements.md", line_of(file, "id:", line_of(file, "Another one.") - 2), 9, "error",
         "REQ001", "product requirement ID 1.0.0 is used twice",
         "number each product requirement uniquely (research and product requirements are numbered apart)")]


def top_list_findings(tmp_path, reqs: dict, section: str) -> list[tuple]:
    """Findings of a level-5 technology whose top-level requirements section holds ``section``."""
    body = card_body("Tech", requirements={"requirements": []}).replace(section_text("requirements"), section)
    write_technology(tmp_path / "projects", "tech", "P1.0", 5, requirements=reqs, body=body)
    return full(d for d in run(tmp_path)[1] if d.code.startswith("REQ"))


def test_the_cards_top_level_list_and_the_requirements_agree_both_ways(tmp_path):
    reqs = requirements_meta(5)
    reqs["requirements"][1]["id"] = "2.0.0"  # research 1.0.0, product 2.0.0: numbered in one sequence
    card = tmp_path / "projects" / "tech" / "card.md"
    file = tmp_path / "projects" / "tech" / "requirements.md"
    # One list for both kinds, numbered in one sequence: nothing to report.
    assert top_list_findings(tmp_path, reqs, "See requirements.md.\n\n1. Ranking.\n2. Latency.\n") == []
    # Lazy numbering shows 1, 2, 3: the third has no requirement; product requirement 2 is still shown.
    found = top_list_findings(tmp_path, reqs, "1. Ranking.\n1. Latency.\n1. Cost.\n")
    assert found == [("projects/tech/card.md", line_of(card, "1. Cost."), 1, "error", "REQ003",
                      "the card's top-level list shows number 3, but requirements.md has no requirement 3.x.y",
                      "number the list after requirements.md, or add requirement 3.0.0 there")]
    # Requirement 2 missing from the list, and a list nested in a quote is not the card's list.
    found = top_list_findings(tmp_path, reqs, "1. Ranking.\n\n> 2. Latency.\n")
    assert found == [("projects/tech/requirements.md", line_of(file, "id: \"2.0.0\""), 9, "warning", "REQ004",
                      "top-level product requirement 2 is not on the card's top-level list",
                      "add '2. ...' to the 'Top-level requirements' section of projects/tech/card.md")]


def test_labelled_lists_tell_research_from_product(tmp_path):
    reqs = requirements_meta(5)  # research 1.0.0 and product 1.0.0
    card = tmp_path / "projects" / "tech" / "card.md"
    file = tmp_path / "projects" / "tech" / "requirements.md"
    labelled = "### Research requirements\n\n1. Ranking.\n\n### Product requirements\n\n1. Latency.\n2. Cost.\n"
    assert top_list_findings(tmp_path, reqs, labelled) == [
        ("projects/tech/card.md", line_of(card, "2. Cost."), 1, "error", "REQ003",
         "the card's product list shows number 2, but requirements.md has no product requirement 2.x.y",
         "number the list after requirements.md, or add product requirement 2.0.0 there")]
    only_research = "### Research\n\n1. Ranking.\n"
    assert top_list_findings(tmp_path, reqs, only_research) == [
        ("projects/tech/requirements.md", line_of(file, "id: \"1.0.0\"", line_of(file, "kind: \"product\"") - 1), 9,
         "warning", "REQ004", "top-level product requirement 1 is not on the card's top-level list",
         ("add '1. ...' to the 'Top-level requirements' section of projects/tech/card.md under its 'Product' "
         "sub-heading"))]
    # One unlabelled list cannot say which requirement 1 it means.
    assert top_list_findings(tmp_path, reqs, "1. Ranking and latency.\n") == [
        ("projects/tech/card.md", line_of(card, "1. Ranking and latency."), 1, "warning", "REQ005",
         "number 1 on the card's top-level list may be research requirement 1 or product requirement 1",
         ("put the lists under sub-headings of the section, '### Research' and '### Product', so each number names "
         "one requirement"))]


def test_cross_document_rules(tmp_path):
    root = tmp_path / "projects"
    write_technology(root, "base", "P1.0", 3)
    write_technology(root, "copy", "P1.0", 3)
    system = write_technology(root, "system", "S1.0", 4, card=card_meta("S1.0", "System", 4, components=["P1.0"],
                                                                             coupled=["P9.9"]))
    _, diagnostics = run(tmp_path)
    assert codes(diagnostics) == [
        ("projects/copy/card.md", 2, "XR001"),
        ("projects/system/card.md", 4, "XR003"),
        ("projects/system/card.md", line_of(system / "card.md", '"P9.9"'), "XR002"),
    ]
    by_code = {d.code: d for d in diagnostics}
    assert by_code["XR003"].message == "level 4 is above component P1.0 at level 3"


def test_component_cycle(tmp_path):
    root = tmp_path / "projects"
    write_technology(root, "a", "A1", 3, card=card_meta("A1", "A", 3, components=["B1"]))
    write_technology(root, "b", "B1", 3, card=card_meta("B1", "B", 3, components=["A1"]))
    assert sorted(d.code for d in run(tmp_path)[1]) == ["XR007", "XR007"]


def test_public_card_may_not_refer_to_internal_ones(tmp_path):
    write_technology(tmp_path / "projects", "secret", "P1.0", 3)
    body = card_body("Open") + "\nSee [the other one](../../projects/secret/card.md).\n"
    write_technology(tmp_path / "cards", "open", "O1.0", 3,
                     card=card_meta("O1.0", "Open", 3, visibility="public", coupled=["P1.0"]), body=body)
    diagnostics = run(tmp_path)[1]
    assert [(d.path, d.code) for d in diagnostics] == [("cards/open/card.md", "XR008")] * 2


def test_review_records(tmp_path):
    reviews = {
        "2024-01-10-level-2.md": {"level": 2, "date": "2024-01-10", "reviewers": ["peers"], "decision": "graduate",
                                  "to_level": 4, "debrief": {"accomplished": "a", "punted": "p", "learned": "l",
                                                             "tech_debt": "t"}},
        "2024-02-01-level-3.md": {"level": 3, "date": "2024-02-02", "reviewers": ["peers"], "decision": "switchback"},
        "2024-03-01-level-3.md": {"level": 3, "date": "2024-03-01", "reviewers": ["peers"], "decision": "graduate"},
        "2024-04-01-level-3.md": {"level": 3, "date": "2024-04-01", "reviewers": ["peers"], "decision": "tasks"},
    }
    write_technology(tmp_path / "projects", "tech", "P1.0", 3, reviews=reviews)
    found = sorted((d.path.rsplit("/", 1)[-1], d.code) for d in run(tmp_path)[1])
    assert found == [
        ("2024-01-10-level-2.md", "REV001"),
        ("2024-02-01-level-3.md", "REV001"),
        ("2024-02-01-level-3.md", "REV002"),
        ("2024-03-01-level-3.md", "REV003"),
        ("2024-04-01-level-3.md", "REV004"),
    ]


def test_placeholders_anywhere_are_findings(tmp_path):
    meta = card_meta("P1.0", "Tech", 1, tags=["TBD"])
    body = card_body("Tech") + "\nTODO: rerun the sweep.\n\n```\n# TODO inside code is fine\n```\n"
    write_technology(tmp_path / "projects", "tech", "P1.0", 1, card=meta, body=body)
    diagnostics = run(tmp_path)[1]
    assert [(d.code, d.severity) for d in diagnostics] == [("PH001", Severity.WARNING)] * 2
    assert {d.message for d in diagnostics} == {"placeholder 'TBD' left in 'tags.0'",
                                                "placeholder 'TODO' left in the text"}


def test_folder_without_card_and_bad_slug(tmp_path):
    (tmp_path / "projects" / "orphan").mkdir(parents=True)
    (tmp_path / "projects" / "orphan" / "requirements.md").write_text("---\nrequirements: []\n---\n")
    write_technology(tmp_path / "projects", "Bad_Name", "P1.0", 0)
    assert codes(run(tmp_path)[1]) == [("projects/Bad_Name/card.md", 1, "XR006"),
                                       ("projects/orphan/card.md", 1, "XR005")]


def test_symlink_outside_the_repository_is_not_read(tmp_path):
    secret = tmp_path / "outside.md"
    secret.write_text("---\nid: SECRET-TOKEN\n---\n")
    repo = tmp_path / "repo"
    write_technology(repo / "projects", "tech", "P1.0", 0)
    (repo / "projects/tech/card.md").unlink()
    (repo / "projects/tech/card.md").symlink_to(secret)
    diagnostics = run(repo)[1]
    assert codes(diagnostics) == [("projects/tech/card.md", 1, "SEC001")]
    assert "SECRET" not in repr(diagnostics)



@pytest.mark.parametrize("relative", [False, True])
def test_linked_folders_leading_outside_or_into_another_technology_are_not_read(tmp_path, monkeypatch, relative):
    outside = tmp_path / "outside"
    write_technology(outside, "tech", "SECRET-TOKEN", 0)
    repo = tmp_path / "repo"
    write_technology(repo / "projects", "inside", "P2.0", 0)
    (repo / "projects" / "tech").symlink_to(outside / "tech", target_is_directory=True)
    (repo / "projects" / "alias").symlink_to(repo / "projects" / "inside", target_is_directory=True)
    # A link that stays in the technology's own folder is read like the file itself.
    (repo / "projects" / "inside" / "drafts").mkdir()
    (repo / "projects" / "inside" / "ethics.md").rename(repo / "projects" / "inside" / "drafts" / "ethics.md")
    (repo / "projects" / "inside" / "ethics.md").symlink_to(Path("drafts") / "ethics.md")
    if relative:  # the base folder as a user may give it: relative to where the command runs
        monkeypatch.chdir(tmp_path)
        repo = Path("repo")
    diagnostics = run(repo)[1]
    refused = sorted((d.code, *d.path.rsplit("/", 3)[-3:]) for d in diagnostics if d.code.startswith("SEC"))
    assert refused == [("SEC001", "projects", "tech", "card.md"), ("SEC001", "projects", "tech", "ethics.md"),
                       ("SEC002", "projects", "alias", "card.md"), ("SEC002", "projects", "alias", "ethics.md")]
    assert "SECRET" not in repr(diagnostics)
    assert not [d for d in diagnostics if d.path.startswith("projects/inside/")]


def test_rule_overrides_and_extra_rules(tmp_path):
    write_technology(tmp_path / "projects", "tech", "P1.0", 3)
    settings = settings_from_options({
        "rules": {"L401": {"level": 3}, "L302": {"severity": "off"}},
        "extra_rules": [
            {"code": "ORG001", "level": 2, "field": "links.docs", "description": "Docs are linked."},
            {"code": "ORG002", "level": 3, "section": "Security review", "severity": "warning"},
        ],
    })
    meta = card_meta("P1.0", "Tech", 3)
    meta["testing"] = {}
    write_technology(tmp_path / "projects", "tech", "P1.0", 3, card=meta)
    diagnostics = run(tmp_path, settings)[1]
    assert sorted((d.code, d.severity.value) for d in diagnostics) == [
        ("L401", "error"), ("ORG001", "error"), ("ORG002", "warning")]
    assert [r.code for r in level_rules(settings) if r.level == 3][:2] == ["L301", "L303"]


def test_readiness_lists_what_the_next_level_needs(tmp_path):
    write_technology(tmp_path / "projects", "tech", "P1.0", 3)
    portfolio, _ = run(tmp_path)
    ready = readiness(portfolio.technologies["tech"], portfolio.settings)
    assert ready.met == ready.total
    missing = {r.rule.code for r in ready.next if not r.met}
    assert missing == {"L401", "L402", "L403", "L405"}
    assert not ready.ready_to_graduate
    data = ready.to_dict()
    assert data["level"] == 3 and data["ready_to_graduate"] is False
    assert {row["code"] for row in data["next"]} == {r.code for r in LEVEL_RULES if r.level == 4}


def test_check_never_modifies_files(tmp_path):
    write_technology(tmp_path / "projects", "tech", "P1.0", 5, body="TODO\n")
    (tmp_path / "projects/tech/extra.md").write_bytes(b"\xef\xbb\xbf---\r\nid: 1\r\n")
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in tmp_path.rglob("*") if p.is_file()}
    run(tmp_path)
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in tmp_path.rglob("*") if p.is_file()}
    assert before == after


def test_documents_are_independent_of_each_other(tmp_path):
    """One broken document does not hide the findings of the others."""
    good = write_technology(tmp_path / "projects", "good", "P2.0", 1, card=card_meta("P2.0", "Good", 1, datasets=[]))
    folder = write_technology(tmp_path / "projects", "broken", "P1.0", 1)
    (folder / "card.md").write_text("---\nid: [\n---\n")
    (folder / "ethics.md").write_text(front_matter({"pre_development": {"privcy": "x"}}))
    assert codes(run(tmp_path)[1]) == [("projects/broken/card.md", 3, "FM004"),
                                       ("projects/broken/ethics.md", 3, "SCH002"),
                                       ("projects/good/card.md", line_of(good / "card.md", "datasets:"), "L101")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(card=st.binary(max_size=1500), requirements=st.binary(max_size=800), review=st.binary(max_size=800))
def test_check_on_arbitrary_bytes_yields_findings_never_exceptions(card, requirements, review):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "projects" / "tech"
        (folder / "reviews").mkdir(parents=True)
        (folder / "card.md").write_bytes(card)
        (folder / "requirements.md").write_bytes(requirements)
        (folder / "reviews" / "2024-01-01-level-1.md").write_bytes(review)
        diagnostics = run(Path(tmp))[1]
        assert all(d.line >= 1 and d.column >= 1 and d.code and d.message for d in diagnostics)
        assert diagnostics, "random bytes are never a valid card"


def test_internal_error_exits_2_and_never_looks_like_a_result(tmp_path, monkeypatch, capsys):
    import mltrl_docs.build
    from mltrl_docs.cli import main

    def broken(*args):
        raise RuntimeError("boom")

    write_technology(tmp_path / "projects", "tech", "P1.0", 0)
    monkeypatch.setattr(mltrl_docs.build, "document_findings", broken)  # the stage every command goes through
    assert main(["check", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "internal error; nothing was checked" in err and "RuntimeError: boom" in err
