"""A card in the MLTRL template comes from anywhere: importing it must never let its text become fields
(a public card, another ID) or live script on the site."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitrepo import GitRepo
from sitebuild import mltrl

from mltrl_docs.config import Settings
from mltrl_docs.loader import load_portfolio

BREAKS = ["\u2028", "\u2029", "\x85", "\x0b"]


def hostile_card(brk: str) -> str:
    return (
        "# Evil card\n\n"
        "| Summary info | Content, links |\n| --- | --- |\n"
        f"| Tech name (project ID) | Evil{brk}visibility: public (E01.1) |\n"
        "| Current Level | 3 |\n"
        f"| Owner(s) | Mallory{brk}id: X99, Eve |\n"
        f"| Reviewer(s) | \"quoted\"{brk}draft: true |\n"
        f"| Main project page | javascript:alert(1) https://example.org/ok{brk}visibility: public |\n"
        f"| Coupled components | R04.1{brk}visibility: public |\n\n"
        "**TL;DR** — <script>alert('tldr')</script> A method.\n\n"
        "### Top-level requirements\n\n"
        f"1. The method shall work.{brk}visibility: public\n\n"
        "### MLTRL stage debrief\n\n1. What was accomplished, and by who?\n\n    <img src=x onerror=alert(1)>\n"
    )


def test_a_carriage_return_that_cuts_a_table_row_is_refused(tmp_path: Path):
    """Read as text, a lone CR ends a line: the name row loses its ID and the card is refused, not misread."""
    repo = GitRepo(tmp_path / "repo")
    (repo.path / "mkdocs.yml").write_text("site_name: x\nplugins:\n  - mltrl\n", encoding="utf-8")
    source = tmp_path / "evil.md"
    source.write_text(hostile_card("\r"), encoding="utf-8", newline="")
    result = mltrl("import", str(source), "--slug", "evil", cwd=repo.path)
    assert result.returncode == 2 and "names no project ID" in result.stderr
    assert not (repo.path / "projects").exists()


@pytest.mark.parametrize("brk", BREAKS, ids=["ls", "ps", "nel", "vt"])
def test_line_breaks_in_a_card_never_become_fields(tmp_path: Path, brk: str):
    repo = GitRepo(tmp_path / "repo")
    (repo.path / "mkdocs.yml").write_text("site_name: x\nplugins:\n  - mltrl\n", encoding="utf-8")
    source = tmp_path / "evil.md"
    source.write_text(hostile_card(brk), encoding="utf-8", newline="")
    result = mltrl("import", str(source), "--slug", "evil", "--review-date", "2024-01-01", cwd=repo.path)
    assert result.returncode == 0, result.stderr
    portfolio = load_portfolio(repo.path, Settings())
    tech = portfolio.technologies["evil"]
    card = tech.model
    assert card is not None, tech.card.diagnostics
    assert (card.id, card.visibility, card.draft, card.level) == ("E01.1", "internal", False, 3)
    assert card.links.main == "https://example.org/ok"
    assert all("visibility" not in name for name in card.owners.research + card.reviewers.research)
    assert tech.requirement_list and tech.requirement_list[0].kind == "research"
    review = tech.reviews[0].model
    assert review is not None and review.decision == "graduate" and review.to_level == 3
