"""The ``mltrl`` command as a user runs it: a real process in a real folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from factories import card_meta, write_technology
from sitebuild import mltrl


def test_new_then_check(tmp_path):
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "config", "user.name", "research-lead"], cwd=tmp_path, check=True)
    made = mltrl("new", "solar-bo", "--id", "P01.1", "--title", "Solar: BO \"arrays\"", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert made.stdout.splitlines()[:3] == ["created projects/solar-bo/card.md",
                                            "created projects/solar-bo/requirements.md",
                                            "created projects/solar-bo/ethics.md"]
    card = (tmp_path / "projects/solar-bo/card.md").read_text()
    assert 'title: "Solar: BO \\"arrays\\""' in card and 'research: ["research-lead"]' in card
    checked = mltrl("check", "--format", "json", cwd=tmp_path)
    report = json.loads(checked.stdout)
    # A fresh scaffold is a draft: its placeholders, and the level-0 sections they leave unwritten, are
    # reported as info until the draft line goes.
    assert checked.returncode == 0
    assert {d["code"] for d in report["diagnostics"]} == {"PH001", "L001"}
    assert report["summary"]["error"] == report["summary"]["warning"] == 0
    assert report["summary"]["info"] == len(report["diagnostics"]) > 10
    again = mltrl("new", "solar-bo", "--id", "P01.1", "--title", "Again", cwd=tmp_path)
    assert again.returncode == 2 and "refusing to overwrite" in again.stderr
    assert "Again" not in (tmp_path / "projects/solar-bo/card.md").read_text()


def test_new_rejects_bad_arguments(tmp_path):
    assert mltrl("new", "Bad Slug", "--id", "P1", "--title", "x", cwd=tmp_path).returncode == 2
    assert mltrl("new", "ok", "--id", "1 bad", "--title", "x", cwd=tmp_path).returncode == 2
    assert mltrl("new", "ok", "--id", "P1", "--title", "x", "--level", "12", cwd=tmp_path).returncode == 2
    assert not (tmp_path / "projects").exists()


def test_check_text_and_json_agree(tmp_path):
    meta = card_meta("P1.0", "Tech", 4, owners={"research": ["r"], "product": []})
    write_technology(tmp_path / "projects", "tech", "P1.0", 4, card=meta)
    write_technology(tmp_path / "cards", "open", "O1.0", 1, card=card_meta("O1.0", "Open", 1, visibility="public"))
    text = mltrl("check", cwd=tmp_path)
    as_json = mltrl("check", "--format", "json", cwd=tmp_path)
    assert text.returncode == as_json.returncode == 1
    report = json.loads(as_json.stdout)
    assert report["version"] == 1
    (diag,) = report["diagnostics"]
    assert diag["path"] == "projects/tech/card.md" and diag["code"] == "L403" and diag["severity"] == "error"
    assert diag["line"] >= 1 and diag["column"] >= 1
    assert text.stdout.splitlines()[0] == (f"{diag['path']}:{diag['line']}:{diag['column']}: error L403 "
                                           f"{diag['message']}")
    assert report["summary"] == {"error": 1, "warning": 0, "info": 0, "files": 1}


def test_check_paths_narrow_the_report(tmp_path):
    write_technology(tmp_path / "projects", "a", "A1", 1, card=card_meta("A1", "A", 1, datasets=[]))
    write_technology(tmp_path / "projects", "b", "B1", 1, card=card_meta("B1", "B", 1, datasets=[]))
    narrowed = mltrl("check", "projects/b", cwd=tmp_path)
    assert narrowed.returncode == 1
    assert [line.split(":")[0] for line in narrowed.stdout.splitlines()[:-1]] == ["projects/b/card.md"]


def test_check_a_folder_elsewhere(tmp_path):
    repo = tmp_path / "repo"
    write_technology(repo / "cards", "a", "A1", 2)
    result = mltrl("check", str(repo), cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == "All checks passed.\n"


def test_github_format_is_default_on_actions(tmp_path):
    meta = card_meta("P1.0", "100% 'done', really: yes", 1, datasets=[])
    write_technology(tmp_path / "projects", "tech", "P1.0", 1, card=meta)
    result = mltrl("check", cwd=tmp_path, env={"GITHUB_ACTIONS": "true"})
    first = result.stdout.splitlines()[0]
    assert first.startswith("::error file=projects/tech/card.md,line=")
    assert ",title=L101 (error)::level 1: no dataset is listed" in first


def test_exit_2_when_the_tool_cannot_run(tmp_path):
    missing = mltrl("check", "no/such/place", cwd=tmp_path)
    assert missing.returncode == 2 and "no such file or folder" in missing.stderr and not missing.stdout
    (tmp_path / "mkdocs.yml").write_text("site_name: x\nplugins:\n  - mltrl:\n      roots: projects\n      rulez: {}\n")
    bad_config = mltrl("check", cwd=tmp_path)
    assert bad_config.returncode == 2
    assert "mltrl.roots" in bad_config.stderr and "mltrl.rulez" in bad_config.stderr
    (tmp_path / "mkdocs.yml").write_text("site_name: [\n")
    broken_yaml = mltrl("check", cwd=tmp_path)
    assert broken_yaml.returncode == 2 and "cannot read" in broken_yaml.stderr
    usage = mltrl("check", "--format", "xml", cwd=tmp_path)
    assert usage.returncode == 2


def test_config_roots_and_inherit(tmp_path):
    write_technology(tmp_path / "tech-cards", "a", "A1", 1, card=card_meta("A1", "A", 1, datasets=[]))
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: x\ntheme:\n  name: material\nmarkdown_extensions:\n  - pymdownx.emoji:\n"
        "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
        "plugins:\n  - search\n  - mltrl:\n      roots: [tech-cards]\n      rules: {L101: {severity: warning}}\n")
    (tmp_path / "mkdocs.public.yml").write_text("INHERIT: mkdocs.yml\nsite_name: public\n")
    for config in ("mkdocs.yml", "mkdocs.public.yml"):
        result = mltrl("check", "--config", config, "--format", "json", cwd=tmp_path)
        report = json.loads(result.stdout)
        assert result.returncode == 0
        assert [(d["code"], d["severity"]) for d in report["diagnostics"]] == [("L101", "warning")]


def test_schema_is_generated_from_the_models(tmp_path):
    result = mltrl("schema", "--out", "schemas", cwd=tmp_path)
    assert result.returncode == 0
    names = sorted(p.name for p in (tmp_path / "schemas").iterdir())
    assert names == ["card.schema.json", "ethics.schema.json", "requirements.schema.json", "review.schema.json"]
    card = json.loads((tmp_path / "schemas/card.schema.json").read_text())
    assert card["properties"]["level"] == {"description": "Current MLTRL level, an integer from 0 to 9.",
                                           "maximum": 9, "minimum": 0, "title": "Level", "type": "integer"}
    assert card["additionalProperties"] is False
    assert "level" in card["required"]


def test_rules_lists_every_code(tmp_path):
    result = mltrl("rules", "--format", "json", cwd=tmp_path)
    rules = json.loads(result.stdout)["rules"]
    codes = [r["code"] for r in rules]
    assert len(codes) == len(set(codes))
    assert {"FM005", "SCH002", "L402", "XR003", "PH001"} <= set(codes)
    assert all(r["title"] for r in rules)


def test_scaffold_ethics_asks_the_checklist_questions_in_order():
    from mltrl_docs.ethics import default_checklist, ethics_models, scaffold_text
    from mltrl_docs.frontmatter import parse_document

    checklist = default_checklist()
    ethics = parse_document(scaffold_text(checklist, "A title")).meta
    _, parts = ethics_models(checklist)
    for key, model in parts.items():
        assert list(ethics[key]) == [q.key for q in checklist.part(key).questions]
        assert list(ethics[key]) == [name for name in model.model_fields if name != "in_progress"]


def test_bare_off_in_mkdocs_yml_disables_a_rule(tmp_path):
    write_technology(tmp_path / "projects", "a", "A1", 1, card=card_meta("A1", "A", 1, datasets=[]))
    (tmp_path / "mkdocs.yml").write_text("site_name: x\nplugins:\n  - mltrl:\n      rules:\n        L101: {severity: off}\n")
    result = mltrl("check", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "All checks passed.\n")


def test_every_format_closes_with_the_same_summary(tmp_path):
    meta = card_meta("P1.0", "Tech", 1, datasets=[])  # L101: an error
    write_technology(tmp_path / "projects", "tech", "P1.0", 1, card=meta)
    text = mltrl("check", "--format", "text", cwd=tmp_path).stdout.splitlines()[-1]
    github = mltrl("check", "--format", "github", cwd=tmp_path).stdout.splitlines()[-1]
    summary = json.loads(mltrl("check", "--format", "json", cwd=tmp_path).stdout)["summary"]
    assert text == github == (f"Found {summary['error']} error(s), {summary['warning']} warning(s), "
                              f"{summary['info']} info in {summary['files']} file(s).")
    assert summary["error"] >= 1


def test_flags_that_mean_nothing_without_base_are_usage_errors(tmp_path):
    write_technology(tmp_path / "projects", "tech", "P1.0", 0)
    for flags in (["--strict"], ["--summary", str(tmp_path / "report.md")]):
        result = mltrl("check", *flags, cwd=tmp_path)
        assert result.returncode == 2, result.stdout
        assert "only applies with --base REF" in result.stderr
    assert not (tmp_path / "report.md").exists()


def test_a_mistyped_option_gets_did_you_mean_in_the_command_and_the_build(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: x\nplugins:\n  - mltrl:\n      public_comit_subjects: true\n"
                                         "      rules: {L101: {severity: warning, levle: 2}}\n", encoding="utf-8")
    checked = mltrl("check", cwd=tmp_path)
    assert checked.returncode == 2
    assert "mltrl.public_comit_subjects: unknown option; did you mean 'public_commit_subjects'?" in checked.stderr
    assert "mltrl.rules.L101.levle: unknown option; did you mean 'level'?" in checked.stderr
    built = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=tmp_path, capture_output=True,
                           text=True, check=False, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, timeout=120)
    assert built.returncode == 1 and "did you mean 'public_commit_subjects'?" in built.stderr
