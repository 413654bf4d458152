"""``mltrl demo``: a deterministic repository whose cards are valid, with every switchback kind."""

from __future__ import annotations

import json

from gitrepo import git
from sitebuild import mltrl


def test_demo_is_valid_deterministic_and_has_a_history(tmp_path):
    first = mltrl("demo", str(tmp_path / "one"), "--projects", "16", "--years", "3", "--seed", "2", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    second = mltrl("demo", str(tmp_path / "two"), "--projects", "16", "--years", "3", "--seed", "2", cwd=tmp_path)
    assert second.returncode == 0
    repo = tmp_path / "one"
    head = git(repo, "rev-parse", "HEAD").strip()
    assert head == git(tmp_path / "two", "rev-parse", "HEAD").strip()
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "config", "user.name").strip() == "demo maintainers"
    assert "- mltrl" in (repo / "mkdocs.yml").read_text(encoding="utf-8")
    commits = int(git(repo, "rev-list", "--count", "HEAD").strip())
    merges = int(git(repo, "rev-list", "--count", "--merges", "HEAD").strip())
    assert commits > 150 and merges > 0

    # Valid for their levels: the only errors are the deliberate skips the README lists.
    check = mltrl("check", "--format", "json", cwd=repo)
    findings = json.loads(check.stdout)["diagnostics"]
    errors = [f for f in findings if f["severity"] == "error"]
    readme = (repo / "README.md").read_text(encoding="utf-8")
    listed = [line.split("`")[1] for line in readme.splitlines() if line.startswith("- `") and ": level" in line]
    assert listed and sorted(f["path"] for f in errors) == sorted(f"projects/{slug}/card.md" for slug in listed)
    assert {f["code"] for f in errors} == {"HIS001"}
    assert check.returncode == 1
    assert not [f for f in findings if f["severity"] == "warning" and f["code"] not in ("HIS004",)]

    export = json.loads(mltrl("export", cwd=repo).stdout)
    analytics = export["analytics"]
    assert all(analytics["switchbacks"][kind] > 0 for kind in ("embedded", "review", "discovery"))
    assert analytics["skips"] == len(listed)
    kinds = {e["kind"] for t in export["technologies"] for e in t["history"]["events"]}
    assert {"created", "graduation", "switchback", "skip", "status", "review", "owners"} <= kinds
    assert "## Renamed folders" in readme


def test_demo_refuses_a_folder_in_use(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "file.txt").write_text("mine", encoding="utf-8")
    result = mltrl("demo", str(tmp_path / "taken"), cwd=tmp_path)
    assert result.returncode == 2 and "not empty" in result.stderr
    assert (tmp_path / "taken" / "file.txt").read_text(encoding="utf-8") == "mine"
