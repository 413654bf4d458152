"""``mltrl review SLUG --to N``: the record of a gated review, started with its open decision."""

from __future__ import annotations

import json

import pytest
from factories import card_body, card_meta, front_matter, write_technology
from gitrepo import GitRepo
from sitebuild import mltrl

from mltrl_docs.errors import ScaffoldError
from mltrl_docs.gates import (
    DEBRIEF_QUESTIONS,
    REVIEW_PANELS,
    review_kind,
    set_level_line,
)
from mltrl_docs.models import Debrief

GRADUATION = """---
level: 1
date: 2025-02-03
reviewers:
  - "research-peers"
# The panel decides: graduate (to level 2); tasks (list them, remove to_level); pause; or stop.
decision: "[[fill in: graduate (to level 2), or tasks, pause or stop]]"
to_level: 2
tasks: []
debrief:
  accomplished: "[[fill in: What was accomplished, and by whom?]]"
  punted: "[[fill in: What was punted or de-scoped?]]"
  learned: "[[fill in: What was learned?]]"
  tech_debt: "[[fill in: What technical debt was gained or paid off?]]"
---

# Level 1 gate: graduation of Solar BO to level 2

From level 1 (Goal-oriented research) to level 2 (Proof of principle).

## The panel

The gate of level 1 is reviewed by peers from the research team.

## Readiness for level 2

What the rules up to level 2 still miss, as found on 2025-02-03:

- **L201** A research requirements document exists. Missing: no research requirement is written \
(`projects/solar-bo/card.md:4`)

## Stage debrief

Answer each question under `debrief` above, in a paragraph:

- What was accomplished, and by whom?
- What was punted or de-scoped?
- What was learned?
- What technical debt was gained or paid off?
"""
"""The record started for solar-bo (complete at level 1, with no requirements yet) going to level 2."""


@pytest.fixture
def early(tmp_path) -> GitRepo:
    """A repository with one complete level-1 technology, which has no requirements document yet."""
    repository = GitRepo(tmp_path / "early")
    write_technology(repository.path / "projects", "solar-bo", "P01.1", 1, title="Solar BO")
    repository.commit({}, "2024-01-10", "Base")
    return repository


@pytest.fixture
def repo(tmp_path) -> GitRepo:
    """A repository with one complete level-3 technology, committed."""
    repository = GitRepo(tmp_path / "repo")
    write_technology(repository.path / "projects", "solar-bo", "P01.1", 3, title="Solar BO")
    repository.commit({}, "2024-01-10", "Base")
    return repository


def test_a_graduation_record_lists_the_gaps_the_panel_and_the_open_decision(early):
    made = mltrl("review", "solar-bo", "--to", "2", "--date", "2025-02-03", cwd=early.path)
    assert made.returncode == 0, made.stderr
    assert made.stdout.splitlines() == [
        "created projects/solar-bo/reviews/2025-02-03-level-1.md",
        "next: the panel fills in the decision and the debrief, then run 'mltrl check projects/solar-bo'"]
    record = early.path / "projects/solar-bo/reviews/2025-02-03-level-1.md"
    assert record.read_text(encoding="utf-8") == GRADUATION
    assert "level: 1\n" in (early.path / "projects/solar-bo/card.md").read_text(encoding="utf-8")  # no --apply
    checked = mltrl("check", "--format", "json", "projects/solar-bo", cwd=early.path)
    assert checked.returncode == 1
    found = [(d["path"], d["line"], d["column"], d["severity"], d["code"], d["message"])
             for d in json.loads(checked.stdout)["diagnostics"]]
    path = "projects/solar-bo/reviews/2025-02-03-level-1.md"
    # The open decision blocks the merge until the panel writes it; the debrief answers are reminders.
    hint = " (hint: replace it with real content)"
    assert found == [
        (path, 7, 11, "warning", "PH001",
         "placeholder '[[fill in: graduate (to level 2), or tasks, pause or stop]]' left in 'decision'" + hint),
        (path, 7, 11, "error", "SCH003", ("'decision' must be one of 'graduate', 'tasks', 'switchback', 'pause' or "
         "'stop', not '[[fill in: graduate (to level 2), or tasks, pause or sto...")),
        (path, 11, 17, "warning", "PH001",
         "placeholder '[[fill in: What was accomplished, and by whom?]]' left in 'debrief.accomplished'" + hint),
        (path, 12, 11, "warning", "PH001",
         "placeholder '[[fill in: What was punted or de-scoped?]]' left in 'debrief.punted'" + hint),
        (path, 13, 12, "warning", "PH001",
         "placeholder '[[fill in: What was learned?]]' left in 'debrief.learned'" + hint),
        (path, 14, 14, "warning", "PH001",
         "placeholder '[[fill in: What technical debt was gained or paid off?]]' left in 'debrief.tech_debt'" + hint),
    ]


def test_filling_in_the_decision_makes_a_valid_graduation(repo):
    assert mltrl("review", "solar-bo", "--to", "4", "--date", "2025-02-03", cwd=repo.path).returncode == 0
    record = repo.path / "projects/solar-bo/reviews/2025-02-03-level-3.md"
    text = record.read_text(encoding="utf-8").replace(
        '"[[fill in: graduate (to level 4), or tasks, pause or stop]]"', "graduate")
    for question in DEBRIEF_QUESTIONS.values():
        text = text.replace(f'"[[fill in: {question}]]"', '"Answered."')
    record.write_text(text, encoding="utf-8")
    checked = mltrl("check", "--format", "json", "projects/solar-bo", cwd=repo.path)
    # The record is complete; what is left is to carry the decision out, which the card has not (REV005).
    assert [(d["path"], d["line"], d["code"]) for d in json.loads(checked.stdout)["diagnostics"]] == [
        ("projects/solar-bo/reviews/2025-02-03-level-3.md", 7, "REV005")]


def test_a_switchback_record_and_apply_changes_only_the_level_line(repo):
    card = repo.path / "projects/solar-bo/card.md"
    # A card as people write them: a comment on the level line, odd spacing, Windows line endings.
    original = card.read_bytes().replace(b"level: 3\n", b"level:   3   # since the March review\n")
    original = original.replace(b"\n", b"\r\n")
    card.write_bytes(original)
    made = mltrl("review", "solar-bo", "--to", "2", "--date", "2025-03-01", "--apply", cwd=repo.path)
    assert made.returncode == 0, made.stderr
    assert made.stdout.splitlines()[:2] == ["created projects/solar-bo/reviews/2025-03-01-level-3.md",
                                            "set level: 2 in projects/solar-bo/card.md"]
    changed = card.read_bytes()
    assert changed == original.replace(b"level:   3   # since the March review\r\n",
                                       b"level:   2   # since the March review\r\n")
    assert changed != original
    record = (repo.path / "projects/solar-bo/reviews/2025-03-01-level-3.md").read_text(encoding="utf-8")
    assert record.splitlines()[5:8] == [
        "# The panel decides: switchback (to level 2); tasks (list them, remove to_level); pause; or stop.",
        'decision: "[[fill in: switchback (to level 2), or tasks, pause or stop]]"', "to_level: 2"]
    assert "# Level 3 gate: switchback of Solar BO to level 2\n" in record
    assert "## Readiness for level 2\n\nEvery rule up to level 2 was met on 2025-03-01.\n" in record


def test_refusals_write_nothing(repo):
    card = repo.path / "projects/solar-bo/card.md"
    before = card.read_bytes()
    cases = {
        ("solar-bo", "--to", "3"): "the technology is at level 3 already",
        ("solar-bo", "--to", "5"): "level 5 would skip a level: from level 3 a graduation goes to level 4",
        ("solar-bo", "--to", "10"): "invalid choice",
        ("solar-bo", "--to", "4", "--date", "2025-13-01"): "--date '2025-13-01' is not a date written YYYY-MM-DD",
        ("solar-b", "--to", "4"): "no technology 'solar-b'; did you mean 'solar-bo'?",
    }
    for args, message in cases.items():
        result = mltrl("review", *args, "--apply", cwd=repo.path)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)
    assert not (repo.path / "projects/solar-bo/reviews").exists() and card.read_bytes() == before
    assert mltrl("review", "solar-bo", "--to", "4", "--date", "2025-02-03", cwd=repo.path).returncode == 0
    again = mltrl("review", "solar-bo", "--to", "4", "--date", "2025-02-03", "--apply", cwd=repo.path)
    assert again.returncode == 2
    assert "refusing to overwrite projects/solar-bo/reviews/2025-02-03-level-3.md" in again.stderr
    assert card.read_bytes() == before  # nothing applied when the record cannot be written
    first = (repo.path / "projects/solar-bo/reviews/2025-02-03-level-3.md").read_text(encoding="utf-8")
    assert first.startswith("---\nlevel: 3\ndate: 2025-02-03\n")  # the first record, as it was written


def test_an_invalid_card_is_refused(repo):
    card = repo.path / "projects/solar-bo/card.md"
    card.write_text(card.read_text(encoding="utf-8").replace("level: 3\n", "level: three\n"), encoding="utf-8")
    result = mltrl("review", "solar-bo", "--to", "4", cwd=repo.path)
    assert result.returncode == 2
    assert "the card of 'solar-bo' is not valid: run 'mltrl check projects/solar-bo'" in result.stderr


def test_a_reviews_link_out_of_the_folder_is_not_written_through(repo, tmp_path):
    """A pull request may commit 'reviews' as a link anywhere; the record is never written there."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo.path / "projects/solar-bo/reviews").symlink_to(outside, target_is_directory=True)
    result = mltrl("review", "solar-bo", "--to", "4", "--date", "2025-02-03", cwd=repo.path)
    assert result.returncode == 2
    assert "projects/solar-bo/reviews is not a folder of the technology: refusing to write there" in result.stderr
    assert list(outside.iterdir()) == []


def test_a_technology_folder_that_is_a_link_is_not_written_through(repo, tmp_path):
    """A technology folder linked out of the repository: its documents are not read, and nothing is written."""
    outside = tmp_path / "outside"
    write_technology(outside, "evil", "P09.1", 3)
    (repo.path / "projects/evil").symlink_to(outside / "evil", target_is_directory=True)
    before = sorted(p.name for p in (outside / "evil").iterdir())
    result = mltrl("review", "evil", "--to", "4", "--apply", cwd=repo.path)
    assert result.returncode == 2 and "mltrl: error: " in result.stderr
    assert sorted(p.name for p in (outside / "evil").iterdir()) == before == ["card.md", "ethics.md",
                                                                               "requirements.md"]


def test_card_text_cannot_break_out_of_the_record(repo):
    """The title is the card author's text: in the record it stays one escaped line below the front matter."""
    meta = card_meta("P01.1", "Solar\n---\nlevel: 9\n# <script>alert(1)</script>", 3)
    (repo.path / "projects/solar-bo/card.md").write_text(front_matter(meta, card_body("Solar")), encoding="utf-8")
    assert mltrl("review", "solar-bo", "--to", "4", "--date", "2025-02-03", cwd=repo.path).returncode == 0
    record = (repo.path / "projects/solar-bo/reviews/2025-02-03-level-3.md").read_text(encoding="utf-8")
    assert ("# Level 3 gate: graduation of Solar --- level: 9 # &lt;script&gt;alert(1)&lt;/script&gt; to level 4\n"
            in record)
    assert "<script" not in record and record.count("\n---\n") == 1 and record.startswith("---\nlevel: 3\n")


def test_review_kinds_and_the_panel_table():
    assert review_kind(3, 4) == "graduate" and review_kind(3, 0) == "switchback"
    with pytest.raises(ScaffoldError, match="already"):
        review_kind(2, 2)
    with pytest.raises(ScaffoldError, match="skip"):
        review_kind(2, 4)
    assert sorted(REVIEW_PANELS) == list(range(10)) and all(text.endswith(".") for text in REVIEW_PANELS.values())
    assert list(DEBRIEF_QUESTIONS) == list(Debrief.model_fields)


def test_set_level_line_refuses_a_line_it_cannot_edit_safely():
    data = b"---\nid: P1\nlevel: {value: 3}\n---\n"
    with pytest.raises(ScaffoldError, match="line 3 of the card is not a plain 'level: N' line"):
        set_level_line(data, 3, 4)
    assert set_level_line(b"---\nlevel: 3\n---\n", 2, 4) == b"---\nlevel: 4\n---\n"
    assert set_level_line(b"---\nlevel: 3", 2, 4) == b"---\nlevel: 4"


def test_a_decided_switchback_record_meets_the_review_rules(repo):
    """REV001 (to_level agrees with the decision) and REV002 (the file name) hold once the panel decides."""
    assert mltrl("review", "solar-bo", "--to", "2", "--date", "2025-03-01", cwd=repo.path).returncode == 0
    record = repo.path / "projects/solar-bo/reviews/2025-03-01-level-3.md"
    record.write_text(record.read_text(encoding="utf-8").replace(
        '"[[fill in: switchback (to level 2), or tasks, pause or stop]]"', "switchback"), encoding="utf-8")
    checked = mltrl("check", "--format", "json", "projects/solar-bo", cwd=repo.path)
    found = json.loads(checked.stdout)["diagnostics"]
    # No REV001 or REV002; the switchback itself is still to be carried out on the card (REV005).
    assert [(d["line"], d["code"]) for d in found] == [(7, "REV005"), (11, "PH001"), (12, "PH001"), (13, "PH001"),
                                                       (14, "PH001")]
