"""Completeness is content: placeholders and empty sections fail their rules, the MLTRL template's headings
count, and a draft reports its findings without failing."""

from __future__ import annotations

import json
from pathlib import Path

from factories import (
    card_body,
    card_meta,
    front_matter,
    requirements_meta,
    write_technology,
)
from sitebuild import mltrl

from mltrl_docs.config import Settings
from mltrl_docs.diagnostics import Severity
from mltrl_docs.loader import load_portfolio
from mltrl_docs.rules import check_portfolio
from mltrl_docs.sections import emptiness, parse_sections, value_emptiness


def run(base: Path):
    return check_portfolio(load_portfolio(base, Settings()))


def line_of(file: Path, needle: str) -> int:
    return next(n for n, line in enumerate(file.read_text(encoding="utf-8").split("\n"), 1) if needle in line)


def found(diagnostics) -> list[tuple[str, int, str, str]]:
    return sorted((d.path, d.line, d.code, d.message) for d in diagnostics)


def test_emptiness_sees_through_markdown_decoration():
    assert emptiness("") == "empty"
    assert emptiness("<!-- to do -->\n\n") == "empty"
    assert emptiness("- \n- \n") == "empty"
    assert emptiness("TBD") == "TBD"
    assert emptiness("- TODO\n- WIP") == "TODO"
    assert emptiness("[[fill in: the pitch]]") == "[[fill in: the pitch]]"
    assert emptiness("(*link to e.g. team's internal wiki page*)") == "(*link to e.g. team's internal wiki page*)"
    assert emptiness("*link to the full doc*\n\n1. The model shall rank.") is None
    assert emptiness("We link to the dashboard.") is None
    assert emptiness("n/a") is None
    assert value_emptiness(["TBD", ""]) == "TBD"
    assert value_emptiness(["99% under 1 s"]) is None
    assert value_emptiness([]) == "empty"


def test_tbd_in_every_required_section_fails_each_rule(tmp_path):
    body = "\n# Tech\n" + "".join(f"\n## {title}\n\nTBD\n" for title in (
        "TL;DR", "Top-level requirements", "Model and algorithm", "Intended use", "Testing status",
        "Data considerations", "Ethics", "Caveats and edge cases", "Key assumptions", "Metrics and results"))
    folder = write_technology(tmp_path / "projects", "tech", "P1.0", 5, body=body)
    card = folder / "card.md"
    diagnostics = run(tmp_path)
    level_findings = [d for d in diagnostics if d.code.startswith("L")]
    expected = []
    for code, title in (("L001", "TL;DR"), ("L001", "Key assumptions"), ("L102", "Model and algorithm"),
                        ("L102", "Data considerations"), ("L203", "Top-level requirements"),
                        ("L203", "Metrics and results"), ("L303", "Testing status"), ("L404", "Intended use"),
                        ("L404", "Ethics"), ("L503", "Caveats and edge cases")):
        expected.append(("projects/tech/card.md", line_of(card, f"## {title}"), code,
                         f"level 5: section '{_spec_title(title)}' holds only placeholder text ('TBD')"))
    assert found(level_findings) == sorted(expected)
    assert all(d.severity is Severity.ERROR for d in level_findings)
    # The placeholders are also reported where they stand, as warnings.
    assert sorted(d.line for d in diagnostics if d.code == "PH001") == sorted(e[1] + 2 for e in expected)


def _spec_title(heading: str) -> str:
    return heading


def test_placeholder_fields_do_not_satisfy_their_rules(tmp_path):
    card = card_meta("P1.0", "Tech", 6, service_levels=["TBD"])
    card["owners"]["product"] = ["TODO"]
    reqs = requirements_meta(6)
    reqs["requirements"][1]["verification"] = "TBD"
    folder = write_technology(tmp_path / "projects", "tech", "P1.0", 6, card=card, requirements=reqs)
    diagnostics = [d for d in run(tmp_path) if d.code != "PH001"]
    assert found(diagnostics) == sorted([
        ("projects/tech/card.md", line_of(folder / "card.md", "product:"), "L403",
         "level 6: no product owner is named (only placeholder text: 'TODO')"),
        ("projects/tech/card.md", line_of(folder / "card.md", "service_levels:"), "L602",
         "level 6: no SLA or SLO is stated (only placeholder text: 'TBD')"),
        ("projects/tech/requirements.md", line_of(folder / "requirements.md", '"verification": "TBD"')
         if '"verification": "TBD"' in (folder / "requirements.md").read_text() else
         line_of(folder / "requirements.md", "verification: \"TBD\""), "L601",
         "level 6: product requirement 1.0.0 has no verification (only placeholder text: 'TBD')"),
    ])


def test_the_mltrl_template_headings_and_bold_tldr_are_sections(tmp_path):
    body = ("\n# Tech\n\n**TL;DR** — A Bayesian optimiser for mixed variables.\n\n"
            + card_body("Tech", skip=("tldr", "caveats"), requirements=requirements_meta(5)).split("\n", 3)[3]
            + "\n### Caveats, known edge cases, recommendations\n\n- Start from the defaults.\n")
    write_technology(tmp_path / "projects", "tech", "P1.0", 5, body=body)
    assert run(tmp_path) == []
    sections = {s.spec.key: s for s in parse_sections(body) if s.spec}
    assert sections["tldr"].content.strip() == "A Bayesian optimiser for mixed variables."


def test_a_near_miss_heading_gets_did_you_mean_at_its_own_line(tmp_path):
    body = card_body("Tech").replace("## Data considerations", "## Data considerashuns")
    folder = write_technology(tmp_path / "projects", "tech", "P1.0", 1, body=body)
    line = line_of(folder / "card.md", "## Data considerashuns")
    diagnostics = run(tmp_path)
    assert [(d.line, d.code, d.message, d.hint) for d in diagnostics] == [
        (line, "DOC001", "the card has no 'Data considerations' section",
         "did you mean 'Data considerations'? The heading 'Data considerashuns' names no card section"),
        (line, "L102", "level 1: section 'Data considerations' is missing",
         "did you mean 'Data considerations'? The heading 'Data considerashuns' names no card section"),
    ]


def test_a_fresh_scaffold_fails_its_rules_until_written(tmp_path):
    (tmp_path / "mkdocs.yml").write_text("site_name: x\nplugins:\n  - mltrl\n", encoding="utf-8")
    created = mltrl("new", "tech", "--id", "P1.0", "--title", "Tech", "--level", "1", "--owner", "lead", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    card = tmp_path / "projects" / "tech" / "card.md"
    text = card.read_text(encoding="utf-8")
    assert "draft: true" in text
    # As written, the card is a draft: its findings are reported as info and the check passes.
    result = mltrl("check", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    report = json.loads(result.stdout)
    level = {(d["code"], d["severity"]) for d in report["diagnostics"] if d["code"].startswith("L")}
    assert level == {("L001", "info"), ("L102", "info")}  # the scaffold lists a sample dataset (L101) to edit
    assert all(d["message"].startswith("draft: ") for d in report["diagnostics"] if d["code"].startswith("L"))
    # Once it says it is no longer a draft, every placeholder fails its rule.
    card.write_text("".join(line for line in text.splitlines(keepends=True) if "draft" not in line), encoding="utf-8")
    result = mltrl("check", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1
    errors = sorted((d["code"], d["line"], d["message"].split(" (hint: ")[0]) for d in json.loads(result.stdout)["diagnostics"]
                    if d["severity"] == "error")
    text = card.read_text(encoding="utf-8")
    assert errors == sorted([
        ("L001", line_of(card, "## TL;DR"), "level 1: section 'TL;DR' holds only placeholder text ('[[fill in: "
         "what the technology is, what it is for, and where it stands, in two or three sentences]]')"),
        ("L001", line_of(card, "## Key assumptions"),
         "level 1: section 'Key assumptions' holds only placeholder text ('[[fill in: what the work takes for "
         "granted]]')"),
        ("L102", line_of(card, "## Model and algorithm"),
         "level 1: section 'Model and algorithm' holds only placeholder text ('[[fill in: an elevator pitch of "
         "the method for a reviewer who does not work in ML]]')"),
        ("L102", line_of(card, "## Data considerations"),
         "level 1: section 'Data considerations' holds only placeholder text ('[[fill in: datasets and "
         "versions, known biases and gaps, acquisition assumptions, privacy]]')"),
    ])
    assert "draft:" not in text


def test_a_draft_is_never_published_and_the_pr_report_says_so(tmp_path):
    from gitrepo import GitRepo

    repo = GitRepo(tmp_path / "repo")
    (repo.path / "mkdocs.yml").write_text("site_name: x\nplugins:\n  - mltrl\n", encoding="utf-8")
    write_technology(repo.path / "cards", "done", "P1.0", 1, card=card_meta("P1.0", "Done", 1, visibility="public"))
    repo.commit({}, "2024-01-01", "Add a public card")
    write_technology(repo.path / "cards", "sketch", "P2.0", 1,
                     card=card_meta("P2.0", "Sketch", 1, visibility="public", draft=True),
                     body=card_body("Sketch", skip=("model",)))
    repo.commit({}, "2024-02-01", "Start a draft")
    result = mltrl("check", "--base", "HEAD~1", "--format", "text", cwd=repo.path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "cards/sketch (P2.0) [draft]" in result.stdout
    assert "info L102 draft: level 1: section 'Model and algorithm' is missing" in result.stdout
    exported = mltrl("export", "--public", "--out", str(tmp_path / "public.json"), cwd=repo.path)
    assert exported.returncode == 0, exported.stderr
    public = json.loads((tmp_path / "public.json").read_text(encoding="utf-8"))
    assert [t["slug"] for t in public["technologies"]] == ["done"]


def test_draft_keeps_schema_and_security_errors(tmp_path):
    meta = card_meta("P1.0", "Tech", 1, draft=True)
    meta["level"] = 11
    (tmp_path / "projects" / "tech").mkdir(parents=True)
    (tmp_path / "projects" / "tech" / "card.md").write_text(front_matter(meta, card_body("Tech")), encoding="utf-8")
    diagnostics = run(tmp_path)
    assert [(d.code, d.severity) for d in diagnostics] == [("SCH005", Severity.ERROR)]
