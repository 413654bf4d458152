"""The ethics checklist as data: the default one, the MLTRL repository's own as an organisation's checklist,
and everything that follows it (schema, rules, scaffold, site)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from factories import ethics_meta, write_checklist, write_technology
from gitrepo import GitRepo
from sitebuild import build, mkdocs_yml, mltrl

from mltrl_docs.config import Settings
from mltrl_docs.ethics import default_checklist, ethics_models, parse_checklist
from mltrl_docs.loader import load_portfolio
from mltrl_docs.rules import check_portfolio

MLTRL = Path(__file__).parent / "fixtures" / "mltrl"
CHECKLIST = MLTRL / "ethics_checklist.md"


def run(base: Path, settings: Settings | None = None):
    return check_portfolio(load_portfolio(base, settings or Settings()))


def line_of(file: Path, needle: str) -> int:
    return next(n for n, line in enumerate(file.read_text(encoding="utf-8").split("\n"), 1) if needle in line)


def mltrl_checklist():
    checklist, found = parse_checklist(CHECKLIST.read_text(encoding="utf-8"), "ethics_checklist.md")
    assert found == []
    return checklist


def test_the_mltrl_checklist_reads_as_six_topics_fifteen_questions_and_six_guiding_ones():
    checklist = mltrl_checklist()
    pre, post, guiding = checklist.parts
    assert [p.key for p in checklist.parts] == ["pre_development", "post_development", "organisation"]
    assert [(topic, len(qs)) for topic, qs in pre.topics] == [
        ("Data ownership and rights", 3), ("Data collection and storage", 3), ("Legal", 2), ("Privacy etc.", 5),
        ("Second-order effects, and third-party users", 3), ("Miscellaneous", 3)]
    assert len(post.questions) == 15 and post.questions[4].text == \
        "Does our team reflect diversity of opinions, backgrounds, and kinds of thought?"
    assert [q.key for q in post.questions] == [f"q{n}" for n in range(1, 16)]
    assert pre.questions[0].key == "data_ownership_and_rights_1"
    assert len(guiding.questions) == 6
    # The organisation's answers are the lists under its guiding questions, kept as written.
    assert guiding.questions[5].answer == (
        "- Those that violate internationally recognized standards regarding human rights.\n"
        "- Those on the [UN Sanctions List](https://www.un.org/securitycouncil/content/un-sc-consolidated-list)")
    assert all(q.answer for q in guiding.questions)


def test_the_default_checklist_has_the_mltrl_structure_in_its_own_words():
    ours, theirs = default_checklist(), mltrl_checklist()
    for mine, source in zip(ours.parts, theirs.parts, strict=True):
        assert mine.key == source.key
        assert [len(qs) for _, qs in mine.topics] == [len(qs) for _, qs in source.topics]
        assert not {q.text for q in mine.questions} & {q.text for q in source.questions}
    keys = [q.key for q in ours.part("post_development").questions]
    assert len(keys) == len(set(keys)) == 15
    assert {"team_diversity", "group_fairness", "consent_needed", "consent_mechanism", "consent_explained"} <= set(keys)
    assert all(not q.answer for q in ours.part("organisation").questions)


def _mltrl_repo(tmp_path: Path) -> Path:
    base = tmp_path / "repo"
    base.mkdir()
    shutil.copy(CHECKLIST, base / "ethics_checklist.md")
    (base / "mkdocs.yml").write_text("site_name: x\ntheme: {name: material}\nplugins:\n  - mltrl:\n"
                                     "      ethics_checklist: ethics_checklist.md\n", encoding="utf-8")
    return base


def test_the_mltrl_checklist_works_as_the_organisations_checklist(tmp_path):
    base = _mltrl_repo(tmp_path)
    settings = Settings(ethics_checklist="ethics_checklist.md")
    checklist = mltrl_checklist()
    answers = {part.key: {q.key: f"Our answer to {q.key}." for q in part.questions}
               for part in checklist.parts if part.key != "organisation"}
    write_technology(base / "projects", "tech", "P1.0", 7, ethics={**answers, "revisits": ethics_meta(7)["revisits"]})
    # The organisation answered every guiding question in the checklist itself: level 4 is met there too.
    assert run(base, settings) == []
    # The default checklist's keys are not this organisation's questions.
    folder = write_technology(base / "projects", "other", "P2.0", 4)
    found = [(d.path, d.code, d.message) for d in run(base, settings)]
    assert ("projects/other/ethics.md", "SCH002", "unknown field 'pre_development.client_data_use'") in found
    # mltrl new and mltrl schema follow the organisation's checklist.
    made = mltrl("new", "fresh", "--id", "P3.0", "--title", "Fresh", "--owner", "lead", cwd=base)
    assert made.returncode == 0, made.stderr
    scaffold = (base / "projects" / "fresh" / "ethics.md").read_text(encoding="utf-8")
    assert '  data_ownership_and_rights_1: ""' in scaffold and '  q15: ""' in scaffold
    assert "# How do we use or reuse data that is given to us by clients?" in scaffold
    schema = json.loads(mltrl("schema", cwd=base).stdout)["ethics.schema.json"]
    pre = schema["$defs"]["PreDevelopment"]["properties"]
    assert pre["privacy_etc_1"]["description"] == "How do we seek informed, affirmative consent from individuals?"
    assert "in_progress" in pre and folder.is_dir()


def test_a_part_in_progress_is_not_complete(tmp_path):
    ethics = ethics_meta(4)
    ethics["pre_development"]["in_progress"] = "https://wiki.example.org/ethics/mvbo"
    folder = write_technology(tmp_path / "projects", "tech", "P1.0", 4, ethics=ethics)
    assert [(d.path, d.line, d.column, d.code, d.message) for d in run(tmp_path)] == [
        ("projects/tech/ethics.md", line_of(folder / "ethics.md", "in_progress:"), 3, "L402",
         "level 4: the pre-development ethics checklist is in progress (https://wiki.example.org/ethics/mvbo)")]


def test_placeholder_answers_are_open_questions(tmp_path):
    ethics = ethics_meta(4)
    ethics["pre_development"]["opt_out"] = "TBD"
    ethics["pre_development"]["legal_compliance"] = {"not_applicable": "[[fill in: why]]"}
    write_technology(tmp_path / "projects", "tech", "P1.0", 4, ethics=ethics)
    level = [d.message for d in run(tmp_path) if d.code == "L402"]
    assert level == ["level 4: 2 pre-development ethics question(s) unanswered: legal_compliance, opt_out"]


def test_the_guiding_questions_are_asked_once_of_the_organisation(tmp_path):
    folder = write_technology(tmp_path / "projects", "tech", "P1.0", 4)
    (tmp_path / "ethics-checklist.md").unlink()
    card = folder / "card.md"
    assert [(d.path, d.line, d.code, d.message) for d in run(tmp_path)] == [
        ("projects/tech/card.md", line_of(card, "level:"), "L405", "level 4: the organisation has not answered its guiding ethics questions")]
    write_checklist(tmp_path)
    text = (tmp_path / "ethics-checklist.md").read_text(encoding="utf-8").split("\n")
    at = next(n for n, line in enumerate(text) if "{#tracking_stance}" in line)
    del text[at + 1]
    (tmp_path / "ethics-checklist.md").write_text("\n".join(text), encoding="utf-8")
    assert [d.message for d in run(tmp_path)] == [
        "level 4: the organisation's guiding ethics question(s) tracking_stance are not answered in "
        "ethics-checklist.md"]


def test_a_broken_checklist_is_reported_where_it_is_wrong(tmp_path):
    (tmp_path / "ethics-checklist.md").write_text(
        "# Checklist\n\n## Pre-development\n\n### Data\n\n1. First? {#first}\n2. Again? {#first}\n"
        "3. Bad key? {#Bad Key}\n\n## Afterthoughts\n\n1. Ignored?\n\n## Post-development\n\nNo questions.\n",
        encoding="utf-8")
    write_technology(tmp_path / "projects", "tech", "P1.0", 1)
    found = [(d.path, d.line, d.column, d.code) for d in run(tmp_path) if d.code.startswith("ETH")]
    assert found == [("ethics-checklist.md", 8, 1, "ETH003"), ("ethics-checklist.md", 9, 13, "ETH004"),
                     ("ethics-checklist.md", 11, 1, "ETH002"), ("ethics-checklist.md", 15, 1, "ETH005")]


def test_a_checklist_outside_the_repository_is_not_read(tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text("# Secret\n\n## Pre-development\n\n1. Secret question? {#secret}\n", encoding="utf-8")
    base = tmp_path / "repo"
    base.mkdir()
    os.symlink(outside, base / "ethics-checklist.md")
    write_technology(base / "projects", "tech", "P1.0", 1)
    found = [(d.path, d.code, d.message) for d in run(base)]
    assert found == [("ethics-checklist.md", "ETH001",
                      "the ethics checklist lies outside the repository; it was not read")]
    missing = [(d.path, d.code) for d in run(base, Settings(ethics_checklist="nowhere.md"))]
    assert missing == [("nowhere.md", "ETH001")]


def test_the_page_shows_topics_and_the_organisations_answers_escaped(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    (repo.path / "mkdocs.yml").write_text(mkdocs_yml(), encoding="utf-8")
    (repo.path / "overrides").mkdir()
    (repo.path / "docs").mkdir()
    write_technology(repo.path / "projects", "tech", "P1.0", 4)
    checklist = repo.path / "ethics-checklist.md"
    text = checklist.read_text(encoding="utf-8")
    checklist.write_text(text.replace("{#pii_stance}", "{#pii_stance}\n    - <script>alert(1)</script> We keep "
                                      "[little](javascript:alert(2)) personal data.", 1), encoding="utf-8")
    repo.commit({}, "2024-01-01", "Add a technology and the organisation's checklist")
    result = build(repo.path)
    assert result.returncode == 0, result.stderr
    page = (repo.path / "site" / "technologies" / "tech" / "index.html").read_text(encoding="utf-8")
    assert "Data ownership and rights" in page and "Guiding questions for the organisation" in page
    assert "We keep" in page and "<script>alert(1)" not in page and "href=\"javascript:" not in page
    assert "[little](javascript:alert(2))" in page  # shown as the text it is, never a link
    assert "How may we use, or use again, the data a client hands us?" in page


@pytest.mark.parametrize("key", ["organisation"])
def test_the_old_organisation_part_of_a_project_is_an_unknown_field(tmp_path, key):
    ethics = {**ethics_meta(1), key: {"values_alignment": "Yes."}}
    folder = write_technology(tmp_path / "projects", "tech", "P1.0", 1, ethics=ethics)
    found = [(d.code, d.message, d.hint) for d in run(tmp_path)]
    assert found == [("SCH002", "unknown field 'organisation'",
                      "the organisation answers its guiding questions once, in its ethics checklist "
                      "(ethics-checklist.md, or the file the 'ethics_checklist' option names)")]
    assert folder.is_dir()


def test_ethics_models_follow_the_checklist():
    doc, parts = ethics_models(mltrl_checklist())
    assert list(parts) == ["pre_development", "post_development"]
    assert list(doc.model_fields) == ["pre_development", "post_development", "revisits"]
