"""The VS Code files shipped in ``.vscode/``: the check task's problem matcher and the snippets."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from factories import card_meta, write_technology

from mltrl_docs.loader import parse_and_validate
from mltrl_docs.schema import schema_for

ROOT = Path(__file__).resolve().parent.parent
VSCODE = ROOT / ".vscode"


def task(label: str) -> dict:
    tasks = json.loads((VSCODE / "tasks.json").read_text(encoding="utf-8"))["tasks"]
    return next(t for t in tasks if t["label"] == label)


def test_problem_matcher_reads_every_finding_of_check(tmp_path):
    """VS Code turns each output line into a squiggle with this pattern; it must read every finding."""
    check = task("mltrl: check")
    assert check["command"] == "${command:python.interpreterPath}"
    assert check["args"][:3] == ["-m", "mltrl_docs", "check"] and check["group"]["isDefault"] is True
    matcher = check["problemMatcher"]
    pattern = matcher["pattern"]
    assert matcher["fileLocation"] == ["relative", "${workspaceFolder}"]
    regexp = re.compile(pattern["regexp"])  # the pattern uses only syntax JavaScript and Python share
    write_technology(tmp_path / "projects", "gaps", "P01.1", 4,
                     card=card_meta("P01.1", "Gaps", 4, owners={"research": ["r"], "product": []}),
                     body="\n# Gaps\n\n## TL;DR\n\nTODO: 50% done: a, b\n")
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    done = subprocess.run([sys.executable, *check["args"]], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 1
    report = json.loads(subprocess.run([sys.executable, "-m", "mltrl_docs", "check", "--format", "json"],
                                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
                                       check=False).stdout)
    lines = done.stdout.splitlines()[:-1]  # the last line is the summary
    assert len(lines) == len(report["diagnostics"]) > 5
    for line, diag in zip(lines, report["diagnostics"]):
        match = regexp.match(line)
        assert match, line
        got = {name: match.group(pattern[name]) for name in ("file", "line", "column", "severity", "code", "message")}
        assert got == {"file": diag["path"], "line": str(diag["line"]), "column": str(diag["column"]),
                       "severity": diag["severity"], "code": diag["code"], "message": diag["message"]}
        assert (tmp_path / got["file"]).is_file()  # relative to the workspace folder, as the matcher says
    assert not regexp.match(done.stdout.splitlines()[-1])


def _expand(body: list[str]) -> str:
    """A snippet as inserted with every default accepted (first choice, default text, today's date)."""
    text = "\n".join(body)
    text = text.replace("$CURRENT_YEAR", "2024").replace("$CURRENT_MONTH", "05").replace("$CURRENT_DATE", "17")
    for _ in range(3):
        text = re.sub(r"\$\{\d+\|([^,|]*)[^|]*\|\}", r"\1", text)
        text = re.sub(r"\$\{\d+:([^{}]*)\}", r"\1", text)
        text = re.sub(r"\$\{\d+\}|\$\d+", "", text)
    assert "$" not in text, text
    return text


def snippets() -> dict[str, dict]:
    return json.loads((VSCODE / "mltrl.code-snippets").read_text(encoding="utf-8"))


def _choices(body: list[str], key: str) -> list[str]:
    line = next(b for b in body if b.strip().startswith(f"{key}:"))
    return re.search(r"\|([^|]*)\|", line).group(1).split(",")


def _enum(kind: str, field: str) -> list:
    """Allowed values of a top-level field in the JSON Schema that ``mltrl schema`` writes."""
    node = schema_for(kind)["properties"][field]
    return node.get("enum") or next(s["enum"] for s in node.get("anyOf", []) if "enum" in s)


def test_snippets_expand_to_valid_documents():
    found = snippets()
    assert all(s["scope"] == "markdown" for s in found.values())
    card = parse_and_validate("card", _expand(found["TRL card"]["body"]), "projects/x/card.md")
    assert card.model is not None and card.model.level == 0 and card.model.draft, card.diagnostics
    renamed = parse_and_validate("card", "---\nid: P1\ntitle: T\nlevel: 1\nowners: {research: [r]}\n" +
                                 _expand(found["Former project IDs"]["body"]) + "\n---\n", "c.md")
    assert renamed.model is not None and renamed.model.former_ids == ["R02.1"], renamed.diagnostics
    review = parse_and_validate("review", _expand(found["Review record"]["body"]), "r.md")
    assert review.model is not None and review.model.date.isoformat() == "2024-05-17", review.diagnostics
    requirements = parse_and_validate("requirements", "---\nrequirements:\n" +
                                      _expand(found["Requirement"]["body"]) + "\n---\n", "q.md")
    assert requirements.model is not None, requirements.diagnostics
    dataset = parse_and_validate("card", "---\nid: P1\ntitle: T\nlevel: 1\nowners: {research: [r]}\ndatasets:\n" +
                                 _expand(found["Dataset"]["body"]) + "\n---\n", "c.md")
    assert dataset.model is not None and dataset.model.datasets[0].kind == "sample", dataset.diagnostics
    target = parse_and_validate("card", "---\nid: P1\ntitle: T\nlevel: 1\nowners: {research: [r]}\ntargets:\n" +
                                _expand(found["Target"]["body"]) + "\n---\n", "c.md")
    assert target.model is not None and target.model.targets[0].by.isoformat() == "2024-12-31", target.diagnostics
    external = parse_and_validate("card", "---\nid: P1\ntitle: T\nlevel: 1\nowners: {research: [r]}\nexternal:\n" +
                                  _expand(found["External technology"]["body"]) + "\n---\n", "c.md")
    assert external.model is not None and external.model.external[0].id == "ACME-7", external.diagnostics
    answer = "---\npre_development:\n  legal_compliance: " + _expand(found["Ethics item not applicable"]["body"]) + "\n---\n"
    ethics = parse_and_validate("ethics", answer, "e.md")
    assert ethics.model is not None, ethics.diagnostics
    underway = "---\npre_development:\n  " + _expand(found["Ethics part in progress"]["body"]) + "\n---\n"
    ethics = parse_and_validate("ethics", underway, "e.md")
    assert ethics.model is not None and ethics.model.pre_development.in_progress.startswith("https://"), \
        ethics.diagnostics


def test_snippet_choices_are_the_schema_values():
    found = snippets()
    card, review, req = (found[n]["body"] for n in ("TRL card", "Review record", "Requirement"))
    assert _choices(card, "status") == _enum("card", "status")
    assert _choices(card, "visibility") == _enum("card", "visibility")
    assert _choices(card, "level") == [str(n) for n in range(10)]
    assert _choices(review, "decision") == _enum("review", "decision")
    assert _choices(req, "kind") == ["research", "product"]
    assert _choices(req, "status") == ["proposed", "verified", "validated"]
    assert _choices(found["Dataset"]["body"], "kind") == ["sample", "synthetic", "benchmark", "real"]
    assert _choices(found["Target"]["body"], "- level") == [str(n) for n in range(10)]
