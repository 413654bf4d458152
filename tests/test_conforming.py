"""Every level rule knows the least content that meets it: a technology built from the rules alone meets its
level, and leaving one rule's content out fails exactly that rule's check."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mltrl_docs.config import Settings
from mltrl_docs.ethics import parse_checklist
from mltrl_docs.loader import load_portfolio
from mltrl_docs.rules import LEVEL_RULES, check_portfolio, conforming, readiness
from mltrl_docs.samples import Sample

MLTRL_CHECKLIST = Path(__file__).parent / "fixtures" / "mltrl" / "ethics_checklist.md"


def write(base: Path, sample: Sample, *, organisation: bool = True) -> None:
    folder = base / "projects" / "tech"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in sample.files().items():
        (folder / name).write_text(text, encoding="utf-8")
    if organisation:
        for name, text in sample.organisation_files().items():
            (base / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize("level", range(10))
def test_a_technology_made_from_the_rules_meets_its_level(tmp_path, level):
    write(tmp_path, conforming("P1.0", "Made from the rules", level))
    portfolio = load_portfolio(tmp_path, Settings())
    assert check_portfolio(portfolio) == []
    ready = readiness(portfolio.technologies["tech"], portfolio.settings)
    assert ready.met == ready.total == len([r for r in LEVEL_RULES if r.level <= level])


@pytest.mark.parametrize("rule", LEVEL_RULES, ids=[r.code for r in LEVEL_RULES])
def test_without_one_rules_content_that_rule_fails(tmp_path, rule):
    others = tuple(r for r in LEVEL_RULES if r is not rule)
    write(tmp_path, conforming("P1.0", "One rule short", rule.level, rules=others))
    found = {d.code for d in check_portfolio(load_portfolio(tmp_path, Settings())) if d.code.startswith("L")}
    assert found == {rule.code}


def test_the_samples_follow_the_organisations_checklist(tmp_path):
    shutil.copy(MLTRL_CHECKLIST, tmp_path / "ethics-checklist.md")
    checklist, _ = parse_checklist(MLTRL_CHECKLIST.read_text(encoding="utf-8"), "ethics-checklist.md")
    sample = conforming("P1.0", "Under the MLTRL checklist", 7, checklist=checklist)
    assert "data_ownership_and_rights_1" in sample.ethics["pre_development"]
    write(tmp_path, sample, organisation=False)  # the MLTRL checklist carries the organisation's answers
    assert check_portfolio(load_portfolio(tmp_path, Settings())) == []
