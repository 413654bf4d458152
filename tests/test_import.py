"""``mltrl import`` on the MLTRL repository's own example cards: no sentence lost, nothing invented, and
``mltrl check`` reporting only what the cards truly lack for their levels."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from gitrepo import GitRepo
from sitebuild import mltrl

from mltrl_docs.importer import parse_mltrl_card

MLTRL = Path(__file__).parent / "fixtures" / "mltrl"
LEVEL4 = MLTRL / "examples" / "mltrl_card_BO_level4.md"
LEVEL8 = MLTRL / "examples" / "mltrl_card_BO_level8.md"


def _norm(text: str) -> str:
    """Text as a reader sees it: no emphasis, list or table markers, comment signs, or line breaks."""
    text = re.sub(r"^\s*(?:#+|[-*+]|\d+[.)]|>)\s+", " ", text, flags=re.M)
    text = re.sub(r"[*`|#]", " ", text)
    return " ".join(text.split())


def sentences(source: str) -> list[str]:
    """Every sentence of ``source``'s prose, headings, list items and table cells, normalised."""
    out = []
    for line in source.split("\n"):
        if set(line.strip()) <= set("-|: "):
            continue  # blank lines, rules and table separators
        cells = [c for c in line.strip().strip("|").split("|")] if line.lstrip().startswith("|") else [line]
        for cell in cells:
            for piece in re.split(r"(?<=[.!?])\s+", cell):
                piece = _norm(piece)
                if piece:
                    out.append(piece)
    return out


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """An empty content repository whose organisation uses the MLTRL repository's ethics checklist."""
    repo = GitRepo(tmp_path / "repo")
    shutil.copy(MLTRL / "ethics_checklist.md", repo.path / "ethics-checklist.md")
    (repo.path / "mkdocs.yml").write_text("site_name: x\ntheme: {name: material}\nplugins:\n  - mltrl\n",
                                          encoding="utf-8")
    return repo


@pytest.mark.parametrize("source", [LEVEL4, LEVEL8], ids=["level4", "level8"])
def test_no_sentence_of_the_card_is_lost(repo: GitRepo, source: Path):
    result = mltrl("import", str(source), cwd=repo.path)
    assert result.returncode == 0, result.stderr
    written = [repo.path / line.split(" ", 1)[1] for line in result.stdout.splitlines() if line.startswith("created ")]
    assert [p.name for p in written] == ["card.md", "requirements.md", "ethics.md"]
    output = _norm("\n".join(p.read_text(encoding="utf-8") for p in written))
    missing = [s for s in sentences(source.read_text(encoding="utf-8")) if s not in output]
    assert missing == []


def test_the_table_values_go_in_their_fields(repo: GitRepo):
    card = parse_mltrl_card(LEVEL4.read_text(encoding="utf-8"))
    assert (card.project_id, card.title, card.level) == ("R02.1", "Mixed-variable BO", 4)
    assert (card.owners, card.reviewers, card.coupled) == (["Gunes Baydin"], ["Yarin Gal"], ["R04.1", "P13.2"])
    assert card.links == {}  # the template's "(*link to ...*)" reminders are no links
    assert [n for n, _ in card.requirements] == [1, 2, 3, 4, 5]
    assert card.requirements[3][1] == ("The algorithm shall have a total runtime at least 1-2 order of magnitude "
                                       "faster than the end-to-end system/function.")
    eight = parse_mltrl_card(LEVEL8.read_text(encoding="utf-8"))
    assert (eight.project_id, eight.level, eight.reviewers) == ("P13.2", 8, ["Eric Xing", "Dava Newman"])
    assert len(eight.requirements) == 6


def _findings(repo: GitRepo) -> dict[str, list[str]]:
    result = mltrl("check", "--format", "json", cwd=repo.path)
    found: dict[str, list[str]] = {}
    for d in json.loads(result.stdout)["diagnostics"]:
        found.setdefault(d["path"].split("/")[1], []).append(d["code"])
    return {slug: sorted(set(codes)) for slug, codes in found.items()}


def test_check_reports_only_what_the_cards_truly_lack(repo: GitRepo):
    for source in (LEVEL4, LEVEL8):
        assert mltrl("import", str(source), cwd=repo.path).returncode == 0
    repo.commit({}, "2022-07-07", "Import the MLTRL example cards")
    found = _findings(repo)
    # Level 4: V&V and risk of the requirements (not in the template), versions, datasets and test flags
    # as fields, a product owner, the ethics checklist still in progress, the sections the template has no
    # heading for, the coupled R04.1 that is not in this portfolio, and the template's link reminders.
    assert found["mixed-variable-bo"] == ["L001", "L101", "L202", "L203", "L204", "L301", "L302", "L401",
                                          "L402", "L403", "L404", "PH001", "XR002"]
    # Level 8: the same kinds of gap for its level, with the research requirements and the earlier review
    # records that live with the research technology, the completed checklist's answers (the card only links
    # to them), and P12.2 outside the portfolio.
    assert found["dynamic-solar-array-optmization"] == [
        "L001", "L101", "L201", "L203", "L204", "L301", "L302", "L401", "L402", "L404", "L601", "L602", "L603",
        "L604", "L605", "L701", "L703", "L704", "L801", "L802", "L803", "PH001", "XR002"]
    # What the cards do say is not asked for again: the TL;DR, the template's own headings, the owners,
    # the organisation's guiding answers (in its checklist), the coupled IDs that are here.
    for codes in found.values():
        assert not {"DOC001", "L002", "L102", "L303", "L405", "L503"} & set(codes)


def test_import_never_overwrites_and_refuses_what_is_no_card(repo: GitRepo, tmp_path: Path):
    assert mltrl("import", str(LEVEL4), cwd=repo.path).returncode == 0
    card = repo.path / "projects" / "mixed-variable-bo" / "card.md"
    card.write_text(card.read_text(encoding="utf-8") + "\nMy own notes.\n", encoding="utf-8")
    again = mltrl("import", str(LEVEL4), cwd=repo.path)
    assert again.returncode == 2 and "refusing to overwrite" in again.stderr
    assert card.read_text(encoding="utf-8").endswith("My own notes.\n")
    other = mltrl("import", str(LEVEL4), "--slug", "mvbo-copy", cwd=repo.path)
    assert other.returncode == 0 and (repo.path / "projects" / "mvbo-copy" / "card.md").is_file()
    plain = tmp_path / "notes.md"
    plain.write_text("# Just notes\n\nNo table here.\n", encoding="utf-8")
    refused = mltrl("import", str(plain), cwd=repo.path)
    assert refused.returncode == 2 and "no summary table found" in refused.stderr
    template = mltrl("import", str(MLTRL / "mltrl_card.md"), cwd=repo.path)
    assert template.returncode == 2 and "mltrl: error:" in template.stderr
    bad_slug = mltrl("import", str(LEVEL8), "--slug", "Bad Slug", cwd=repo.path)
    assert bad_slug.returncode == 2 and "not a valid folder name" in bad_slug.stderr


@pytest.mark.parametrize("source", [LEVEL4, LEVEL8], ids=["level4", "level8"])
def test_the_debrief_becomes_the_review_record_of_the_gate_when_dated(repo: GitRepo, source: Path):
    result = mltrl("import", str(source), "--review-date", "2022-07-07", cwd=repo.path)
    assert result.returncode == 0, result.stderr
    written = [repo.path / line.split(" ", 1)[1] for line in result.stdout.splitlines() if line.startswith("created ")]
    level = parse_mltrl_card(source.read_text(encoding="utf-8")).level
    assert written[-1].relative_to(written[0].parent).as_posix() == f"reviews/2022-07-07-level-{level - 1}.md"
    output = _norm("\n".join(p.read_text(encoding="utf-8") for p in written))
    assert [s for s in sentences(source.read_text(encoding="utf-8")) if s not in output] == []
    assert "stage debrief" not in written[0].read_text(encoding="utf-8").lower()  # it moved, it is not doubled
    repo.commit({}, "2022-07-07", "Import an MLTRL card with its last gate")
    report = json.loads(mltrl("check", "--format", "json", cwd=repo.path).stdout)
    on_review = {d["code"] for d in report["diagnostics"] if "/reviews/" in d["path"]}
    assert on_review <= {"PH001"}  # a valid graduation record: at most the template's link reminders remain
    review = yaml.safe_load(written[-1].read_text(encoding="utf-8").split("---")[1])
    assert (review["decision"], review["to_level"], review["debrief"]["punted"]) == ("graduate", level, "n/a")


def test_a_review_date_needs_a_debrief_and_reviewers(repo: GitRepo, tmp_path: Path):
    bare = tmp_path / "bare.md"
    bare.write_text(LEVEL4.read_text(encoding="utf-8").split("### MLTRL stage debrief")[0], encoding="utf-8")
    refused = mltrl("import", str(bare), "--review-date", "2022-07-07", cwd=repo.path)
    assert refused.returncode == 2 and "needs a card above level 0 with a stage debrief" in refused.stderr
    assert not (repo.path / "projects").exists()
    bad = mltrl("import", str(LEVEL4), "--review-date", "July", cwd=repo.path)
    assert bad.returncode == 2 and "'July' is not a date" in bad.stderr
