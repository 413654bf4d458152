"""``mltrl history`` and ``mltrl export`` as a user runs them, against their JSON contracts."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from factories import card_body, card_meta, front_matter, write_technology
from sitebuild import mltrl

EVENT_KEYS = {"date", "commit", "author", "message", "kind", "from_level", "to_level", "switchback_kind", "source"}


def test_history_json_contract(git_repo):
    git_repo.commit({"projects/alpha/card.md": front_matter(card_meta("P01.1", "Alpha", 1), card_body("Alpha"))},
                    "2024-01-01", "Create alpha")
    git_repo.commit({"projects/alpha/card.md": front_matter(card_meta("P01.1", "Alpha", 3), card_body("Alpha"))},
                    "2024-03-01", "Move alpha to 3")
    result = mltrl("history", "alpha", "--format", "json", cwd=git_repo.path)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["version"] == 1 and document["project"] == "alpha"
    assert [e["kind"] for e in document["events"]] == ["created", "skip"]
    for event in document["events"]:
        assert EVENT_KEYS <= set(event)
        assert event["source"] == "git" and len(event["commit"]) == 40
    assert document["events"][1]["date"] == "2024-03-01T12:00:00+00:00"
    assert (document["events"][1]["from_level"], document["events"][1]["to_level"]) == (1, 3)
    assert set(document["time_in_level"]) == {"1", "3"}
    assert document["time_in_level"]["1"] == 60.0
    assert [f["code"] for f in document["findings"]] == ["HIS001"]
    text = mltrl("history", "alpha", cwd=git_repo.path)
    assert text.returncode == 0 and "skip" in text.stdout and "Move alpha to 3" in text.stdout
    unknown = mltrl("history", "alpah", cwd=git_repo.path)
    assert unknown.returncode == 2 and "did you mean 'alpha'" in unknown.stderr


def test_history_outside_git_says_so_once(tmp_path):
    write_technology(tmp_path / "projects", "alpha", "P01.1", 0)
    result = mltrl("history", "alpha", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("not a git repository") == 1
    check = mltrl("check", cwd=tmp_path)
    assert check.returncode == 0 and "HIS" not in check.stdout


def test_export_contract(git_repo, tmp_path):
    root = git_repo.path / "projects"
    write_technology(root, "alpha", "P01.1", 3)
    write_technology(root, "beta", "P02.1", 1, card=card_meta("P02.1", "Beta", 1, visibility="public"))
    git_repo.commit({}, "2024-01-01", "Add two technologies")
    out = tmp_path / "export" / "portfolio.json"
    result = mltrl("export", "--out", str(out), cwd=git_repo.path)
    assert result.returncode == 0, result.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["version"] == 1 and document["public_only"] is False
    assert document["history"] == {"available": True, "reason": None}
    assert {"generated", "technologies", "analytics"} <= set(document)
    alpha = next(t for t in document["technologies"] if t["slug"] == "alpha")
    assert (alpha["id"], alpha["level"], alpha["level_name"], alpha["status"]) == \
        ("P01.1", 3, "System development", "active")
    assert alpha["readiness"]["level"] == 3 and alpha["readiness"]["met"] == alpha["readiness"]["total"]
    assert {r["code"] for r in alpha["readiness"]["next"]} >= {"L401", "L402", "L403"}
    assert alpha["findings"] == []
    assert [e["kind"] for e in alpha["history"]["events"]] == ["created"]
    assert document["analytics"]["technologies"] == 2
    assert document["analytics"]["current_levels"]["3"] == 1
    public = json.loads(mltrl("export", "--public", cwd=git_repo.path).stdout)
    assert [t["slug"] for t in public["technologies"]] == ["beta"]
    assert public["public_only"] is True and public["analytics"]["technologies"] == 1


def test_export_outside_git(tmp_path):
    write_technology(tmp_path / "projects", "alpha", "P01.1", 2)
    result = mltrl("export", cwd=tmp_path)
    assert result.returncode == 0
    document = json.loads(result.stdout)
    assert document["history"]["available"] is False
    assert document["technologies"][0]["history"] is None
    assert document["technologies"][0]["readiness"]["level"] == 2
    assert "not a git repository" in result.stderr


def test_concurrent_runs_share_the_cache_safely(git_repo):
    for level in range(4):
        git_repo.commit({"projects/alpha/card.md": front_matter(card_meta("P01.1", "Alpha", level),
                                                                card_body("Alpha"))},
                        f"2024-0{level + 1}-01", f"Alpha at {level}")
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    runs = [subprocess.Popen([sys.executable, "-m", "mltrl_docs", "history", "alpha", "--format", "json"],
                             cwd=git_repo.path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
            for _ in range(4)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert all(run.returncode == 0 for run in runs), [err for _, err in outputs]
    events = [json.loads(out)["events"] for out, _ in outputs]
    assert all(e == events[0] for e in events)
    assert [e["kind"] for e in events[0]] == ["created", "graduation", "graduation", "graduation"]
    after = mltrl("history", "alpha", "--format", "json", cwd=git_repo.path)
    assert json.loads(after.stdout)["events"] == events[0]


def test_export_lays_out_the_outer_levels_and_keeps_the_data():
    from mltrl_docs.report import dumps_json

    document = {"version": 1, "technologies": [{"slug": "a", "history": {"events": [{"kind": "created"}]},
                                                "tags": []}],
                "analytics": {"current_levels": {1: 2, 3: 0}}, "note": "caf\u00e9 \u202e\x07"}
    laid_out = dumps_json(document, levels=2)
    assert json.loads(laid_out) == json.loads(json.dumps(document))
    assert laid_out == ('{\n  "version": 1,\n  "technologies": [\n'
                        '    {"slug": "a", "history": {"events": [{"kind": "created"}]}, "tags": []}\n  ],\n'
                        '  "analytics": {\n    "current_levels": {"1": 2, "3": 0}\n  },\n'
                        '  "note": "caf\u00e9 \\u202e\\u0007"\n}\n')
    # Deep enough, it is json.dumps(indent=2) to the byte.
    assert dumps_json(document, levels=9) == dumps_json(document)
    # All ASCII but for a terminal's sake still escaped: DEL; plain ASCII comes out as json.dumps makes it.
    assert dumps_json({"note": "rub\x7fout"}, levels=1) == '{\n  "note": "rub\\u007fout"\n}\n'
    assert dumps_json({"note": "plain"}, levels=1) == '{\n  "note": "plain"\n}\n'

