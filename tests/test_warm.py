"""Warm commands give exactly the cold output: ``mltrl check`` and ``mltrl export`` after each kind of edit.

A warm run takes what it can from the caches (parsed documents, each technology's rule findings and
readiness, the history); a cold run starts from an empty cache folder. After every edit below, made
and committed as a team would, the warm output must be the cold one byte for byte, and the warm
cache must have been used (and kept up to date).
"""

from __future__ import annotations

import json

import pytest
from factories import card_meta, front_matter, card_body, write_checklist, write_technology
from sitebuild import TODAY, mkdocs_yml, mltrl

from mltrl_docs.cachedir import repository_folder
from mltrl_docs.checkcache import FILE_NAME


def outputs(repo, home) -> tuple[str, str, int]:
    """What ``mltrl check --format json`` and ``mltrl export`` print with the user cache folder ``home``."""
    env = {"XDG_CACHE_HOME": str(home), "SOURCE_DATE_EPOCH": str(TODAY)}
    check = mltrl("check", "--format", "json", cwd=repo.path, env=env)
    export = mltrl("export", cwd=repo.path, env=env)
    assert check.returncode in (0, 1), check.stderr
    assert export.returncode == 0, export.stderr
    return check.stdout, export.stdout, check.returncode


@pytest.fixture
def portfolio(git_repo):
    """Three technologies, one a system of another and one coupled to it, with a site configuration."""
    root = git_repo.path / "projects"
    (git_repo.path / "mkdocs.yml").write_text(mkdocs_yml(options={"rules": {"HIS001": {"severity": "warning"}}}),
                                              encoding="utf-8")
    write_technology(root, "detector", "P01.1", 3)
    write_technology(root, "ranker", "P02.1", 2, card=card_meta("P02.1", "Ranker", 2, coupled=["P01.1"]))
    write_technology(root, "system", "P03.1", 1, card=card_meta("P03.1", "System", 1, components=["P01.1"]))
    git_repo.commit({}, "2024-01-01", "Add three technologies")
    return git_repo


def codes(check_json: str) -> set[str]:
    return {d["code"] for d in json.loads(check_json)["diagnostics"]}


def test_warm_commands_after_each_kind_of_edit_print_the_cold_output(portfolio, tmp_path):
    repo, warm_home = portfolio, tmp_path / "warm-home"
    cache = repository_folder(repo.path, home=warm_home)
    rounds = 0

    def same_as_cold() -> tuple[str, str]:
        nonlocal rounds
        rounds += 1
        warm = outputs(repo, warm_home)
        cold = outputs(repo, tmp_path / f"cold-home-{rounds}")  # an empty cache folder of its own
        assert warm == cold
        assert (cache / FILE_NAME).is_file()
        return warm[0], warm[1]

    check, _ = same_as_cold()
    kept = (cache / FILE_NAME).stat().st_ino
    assert outputs(repo, warm_home)[:2] == (check, _)
    assert (cache / FILE_NAME).stat().st_ino == kept  # with nothing changed, every check came from the cache
    assert not {"XR002", "XR009"} & codes(check)

    # The content of one card: its level goes up without the evidence the new level asks for.
    card = repo.path / "projects/system/card.md"
    repo.commit({"projects/system/card.md": card.read_text(encoding="utf-8").replace("level: 1", "level: 3")},
                "2024-02-01", "System to level 3")
    check, export = same_as_cold()
    assert any(code.startswith("L2") for code in codes(check))

    # A cross-reference: the ID another card's 'coupled' and 'components' name is renamed.
    detector = repo.path / "projects/detector/card.md"
    repo.commit({"projects/detector/card.md": detector.read_text(encoding="utf-8").replace("P01.1", "P01.9")},
                "2024-03-01", "Renumber the detector")
    check, export = same_as_cold()
    assert "XR009" in codes(check)  # the history shows the former ID: the cards still name it
    assert json.loads(export)["technologies"][0]["id"] == "P01.9"

    # A card deleted: its folder is left with documents but no card.
    repo.git("rm", "-q", "projects/ranker/card.md")
    repo.commit({}, "2024-04-01", "Remove the ranker's card")
    check, _ = same_as_cold()
    assert "XR005" in codes(check)

    # A setting: a rule's severity changed in mkdocs.yml.
    rule = next(d for d in json.loads(check)["diagnostics"] if d["code"].startswith("L2"))
    options = {"rules": {"HIS001": {"severity": "warning"}, rule["code"]: {"severity": "info"}}}
    repo.commit({"mkdocs.yml": mkdocs_yml(options=options)}, "2024-05-01", "Relax a rule")
    check, _ = same_as_cold()
    assert {d["severity"] for d in json.loads(check)["diagnostics"] if d["code"] == rule["code"]} == {"info"}

    # The organisation's ethics checklist, which every technology's ethics.md answers.
    write_checklist(repo.path, answer="Settled by the board in 2024.")
    repo.commit({}, "2024-06-01", "The organisation's own checklist")
    same_as_cold()

    # An edit not yet committed reads as warm as committed ones.
    (repo.path / "projects/detector/card.md").write_text(
        front_matter(card_meta("P01.9", "Detector", 3, tags=["vision"]), card_body("Detector")), encoding="utf-8")
    same_as_cold()
