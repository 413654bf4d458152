"""``mltrl check --base REF`` on real repositories: a base branch, a change branch, the report."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from factories import card_body, card_meta, front_matter, write_technology
from gitrepo import GitRepo, git

from mltrl_docs.change.reports import COMMENT_LIMIT, STEP_SUMMARY_LIMIT
from mltrl_docs.cli import main
from mltrl_docs.diagnostics import printable
from mltrl_docs.report import escape_data, escape_property

DEBRIEF = {"accomplished": "The team shipped the prototype.", "punted": "Batch mode.",
           "learned": "Field data is noisier.", "tech_debt": "Manual deployment."}


@pytest.fixture(autouse=True)
def _not_on_actions(monkeypatch):
    """Tests choose the format and the step summary themselves, even when CI runs on GitHub Actions."""
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)


def review(level: int, decision: str, date: str, to_level: int | None = None) -> dict[str, dict]:
    """One review record, named after its date and level."""
    meta = {"level": level, "date": date, "reviewers": ["review panel"], "decision": decision, "debrief": DEBRIEF}
    if to_level is not None:
        meta["to_level"] = to_level
    return {f"{date}-level-{level}.md": meta}


def tech(repo: GitRepo, slug: str, pid: str, level: int, **kwargs) -> Path:
    """A technology complete for ``level`` (see ``factories.write_technology``)."""
    return write_technology(repo.path / "projects", slug, pid, level, **kwargs)


def check(repo_or_dir, *args: str, capsys) -> tuple[int, str, str]:
    """Run ``mltrl check DIR ARGS`` in this process; return status, stdout and stderr."""
    folder = repo_or_dir.path if isinstance(repo_or_dir, GitRepo) else repo_or_dir
    code = main(["check", str(folder), *args])
    out, err = capsys.readouterr()
    return code, out, err


def branch(repo: GitRepo, name: str = "change") -> None:
    repo.git("checkout", "-q", "-b", name)


@pytest.fixture
def portfolio_change(git_repo: GitRepo) -> GitRepo:
    """``main`` with eight technologies; branch ``change`` moves levels every way MLTRL knows."""
    tech(git_repo, "solar-bo", "P01.1", 3)
    tech(git_repo, "anomaly", "P02.1", 4)
    tech(git_repo, "meteor", "P03.1", 9)
    tech(git_repo, "recycling", "P04.1", 5, reviews=review(5, "switchback", "2024-01-05", to_level=4))
    tech(git_repo, "causal", "P05.1", 3)
    tech(git_repo, "jumpy", "P06.1", 2)
    tech(git_repo, "paused", "P08.1", 4)
    git_repo.commit({}, "2024-01-10", "Base portfolio")
    branch(git_repo)
    tech(git_repo, "solar-bo", "P01.1", 4, reviews=review(3, "graduate", "2024-02-01"))
    tech(git_repo, "anomaly", "P02.1", 2)  # embedded 4 -> 2, no review record
    tech(git_repo, "meteor", "P03.1", 7, reviews=review(9, "switchback", "2024-02-02", to_level=7))
    tech(git_repo, "recycling", "P04.1", 4, reviews=review(5, "switchback", "2024-01-05", to_level=4))
    tech(git_repo, "causal", "P05.1", 2)  # discovery 3 -> 2, no review record
    tech(git_repo, "jumpy", "P06.1", 4)  # skips level 3
    tech(git_repo, "fresh", "P07.1", 1)
    tech(git_repo, "paused", "P08.1", 4, card=card_meta("P08.1", "Paused", 4, status="paused"))
    git_repo.commit({}, "2024-02-10", "Move levels")
    return git_repo


def test_level_changes_of_every_kind(portfolio_change, capsys):
    code, out, err = check(portfolio_change, "--base", "main", "--format", "json", capsys=capsys)
    report = json.loads(out)
    assert err == ""
    commit = portfolio_change.git("rev-parse", "main").strip()
    assert report["base"] == {"ref": "main", "commit": commit}
    changes = {t["slug"]: t for t in report["technologies"]}
    assert set(changes) == {"solar-bo", "anomaly", "meteor", "recycling", "causal", "jumpy", "fresh", "paused"}

    def level(slug):
        c = changes[slug]["level_change"]
        return c and (c["from_level"], c["to_level"], c["kind"], c["switchback_kind"],
                      c["review"] and (c["review"]["path"].rsplit("/", 1)[-1], c["review"]["in_change"]))

    assert level("solar-bo") == (3, 4, "graduation", None, ("2024-02-01-level-3.md", True))
    assert level("anomaly") == (4, 2, "switchback", "embedded", None)
    assert level("meteor") == (9, 7, "switchback", "embedded", ("2024-02-02-level-9.md", True))
    assert level("recycling") == (5, 4, "switchback", "review", ("2024-01-05-level-5.md", False))
    assert level("causal") == (3, 2, "switchback", "discovery", None)
    assert level("jumpy") == (2, 4, "skip", None, None)
    assert changes["fresh"]["state"] == "new" and changes["fresh"]["level_change"] is None
    assert changes["fresh"]["level_after"] == 1 and changes["fresh"]["level_before"] is None
    assert (changes["paused"]["status_before"], changes["paused"]["status_after"]) == ("active", "paused")
    # The skip fails the check; level changes without a deciding review are warnings by default. The
    # history adds its own view: these technologies started (first commit) at the level they now leave.
    new = {(d["path"], d["code"], d["severity"]) for d in report["new"]}
    assert new == {("projects/jumpy/card.md", "PR001", "error"),
                   ("projects/anomaly/card.md", "PR002", "warning"),
                   ("projects/causal/card.md", "PR002", "warning"),
                   *((f"projects/{slug}/card.md", "HIS002", "warning")
                     for slug in ("anomaly", "meteor", "recycling", "causal"))}
    # The history's own skip finding for the change's commit is left to PR001, which judges the whole change.
    assert not any(d["code"] == "HIS001" for d in report["diagnostics"])
    assert report["result"]["failed"] is True and report["result"]["new_errors"] == 1
    assert code == 1


def test_text_report_names_kinds_and_review_records(portfolio_change, capsys):
    code, out, _ = check(portfolio_change, "--base", "main", capsys=capsys)
    assert code == 1
    assert "  projects/meteor (P03.1): 9 -> 7, switchback (embedded); decided by " \
           "projects/meteor/reviews/2024-02-02-level-9.md (added in this change)" in out
    assert "  projects/recycling (P04.1): 5 -> 4, switchback (review); decided by " \
           "projects/recycling/reviews/2024-01-05-level-5.md (already on main)" in out
    assert "  projects/causal (P05.1): 3 -> 2, switchback (discovery); no review record decides it" in out
    assert "  projects/jumpy (P06.1): 2 -> 4, skip; no review record can decide a skipped level" in out
    assert "New technologies:\n  projects/fresh (P07.1) at level 1\n" in out
    assert "  projects/paused (P08.1): active -> paused" in out
    # The review-record requirement says what to add and where.
    assert ("projects/causal/card.md:4:8: warning PR002 level changed from 3 to 2 without a review record that "
            "decides it (hint: add projects/causal/reviews/YYYY-MM-DD-level-3.md with 'level: 3' and 'decision: "
            "switchback' and 'to_level: 2' to this change)") in out
    assert "projects/jumpy/card.md:4:8: error PR001 level raised from 2 to 4, skipping level 3" in out
    assert out.rstrip().endswith("Failed: 1 new error finding(s) relative to main.")


def test_readiness_before_and_after(portfolio_change, capsys):
    _, out, _ = check(portfolio_change, "--base", "main", "--format", "json", capsys=capsys)
    changes = {t["slug"]: t for t in json.loads(out)["technologies"]}
    before, after = changes["solar-bo"]["readiness_before"], changes["solar-bo"]["readiness_after"]
    assert (before["level"], before["met"], before["total"]) == (3, 10, 10)
    assert (after["level"], after["met"], after["total"]) == (4, 14, 14)
    assert [r["code"] for r in after["next"] if not r["met"]] == ["L501", "L502"]
    assert changes["fresh"]["readiness_before"] is None and changes["fresh"]["readiness_after"]["level"] == 1
    _, text, _ = check(portfolio_change, "--base", "main", capsys=capsys)
    assert "  projects/solar-bo (P01.1): level 3, 10/10 rules met -> level 4, 14/14 rules met\n" in text


@pytest.fixture
def adopting(git_repo: GitRepo) -> GitRepo:
    """``main`` holds an incomplete legacy card (old errors) and a complete one."""
    tech(git_repo, "legacy", "P10.1", 2, body=card_body("Legacy", skip=("metrics",)))
    tech(git_repo, "clean", "P11.1", 1)
    git_repo.commit({}, "2024-01-10", "Adopt mltrl")
    branch(git_repo)
    return git_repo


def test_ratchet_passes_when_only_old_findings_remain(adopting, capsys):
    tech(adopting, "clean", "P11.1", 1, title="Clean, renamed")
    adopting.commit({}, "2024-02-01", "Edit a complete card")
    code, out, _ = check(adopting, "--base", "main", capsys=capsys)
    assert code == 0
    assert "No new findings.\n" in out
    assert "Already on main (2, 1 error(s); they do not fail the check (--strict would)):" in out
    assert "projects/legacy/card.md:" in out and " error L203 level 2: section 'Metrics and results' is missing" in out
    assert out.rstrip().endswith("Passed: no new error findings relative to main.")
    strict, out, _ = check(adopting, "--base", "main", "--strict", capsys=capsys)
    assert strict == 1 and out.rstrip().endswith("Failed: 1 error finding(s) (--strict).")


def test_ratchet_fails_on_a_new_error_and_reports_fixed_ones(adopting, capsys):
    tech(adopting, "legacy", "P10.1", 2)  # metrics written: fixes both old findings
    tech(adopting, "clean", "P11.1", 1, card=card_meta("P11.1", "Clean", 1, datasets=[]))  # new L101 error
    adopting.commit({}, "2024-02-01", "Fix one card, break another")
    code, out, _ = check(adopting, "--base", "main", "--format", "json", capsys=capsys)
    report = json.loads(out)
    assert code == 1
    assert [(d["path"], d["code"]) for d in report["new"]] == [("projects/clean/card.md", "L101")]
    assert sorted((d["path"], d["code"]) for d in report["fixed"]) == [("projects/legacy/card.md", "DOC001"),
                                                                       ("projects/legacy/card.md", "L203")]
    assert report["summary"]["error"] == 1  # every current finding, as in plain 'check'


def test_findings_survive_unrelated_edits_and_a_graduation(adopting, capsys):
    # Lines move and the level changes; the same missing section stays an old finding.
    body = "\n<!-- a note added above every section -->\n" + card_body("Legacy", skip=("metrics",))
    meta = card_meta("P10.1", "Legacy", 3)
    tech(adopting, "legacy", "P10.1", 3, card=meta, body=body, reviews=review(2, "graduate", "2024-01-20"))
    adopting.commit({}, "2024-02-01", "Graduate legacy")
    code, out, _ = check(adopting, "--base", "main", "--format", "json", capsys=capsys)
    report = json.loads(out)
    assert report["new"] == [] and report["fixed"] == []
    assert {(d["code"], d["message"].split(" (hint")[0]) for d in report["diagnostics"]} == {
        ("DOC001", "the card has no 'Metrics and results' section"),
        ("L203", "level 3: section 'Metrics and results' is missing")}
    assert code == 0


def test_history_findings_of_older_commits_stay_old(git_repo, capsys):
    tech(git_repo, "legacy", "P10.1", 1)
    git_repo.commit({}, "2024-01-01", "Start at level 1")
    tech(git_repo, "legacy", "P10.1", 3)
    git_repo.commit({}, "2024-01-10", "Jump to level 3")  # a skip in main's history: HIS001
    branch(git_repo)
    tech(git_repo, "legacy", "P10.1", 3, title="Legacy, renamed")
    git_repo.commit({}, "2024-02-01", "Rename")
    code, out, _ = check(git_repo, "--base", "main", "--format", "json", capsys=capsys)
    report = json.loads(out)
    assert code == 0 and report["new"] == []
    assert [d["code"] for d in report["diagnostics"] if d["code"].startswith("HIS")] == ["HIS001"]
    strict, _, _ = check(git_repo, "--base", "main", "--strict", capsys=capsys)
    assert strict == 1


def test_moved_technology_keeps_its_findings(adopting, capsys):
    adopting.mv("projects/legacy", "projects/legacy-model")
    adopting.commit({}, "2024-02-01", "Rename the folder")
    code, out, _ = check(adopting, "--base", "main", "--format", "json", capsys=capsys)
    report = json.loads(out)
    (moved,) = report["technologies"]
    assert (moved["state"], moved["moved_from"], moved["folder"]) == ("moved", "projects/legacy", "projects/legacy-model")
    assert report["new"] == [] and report["fixed"] == [] and code == 0


def test_missing_ref_and_no_repository_exit_2(adopting, tmp_path, capsys):
    code, out, err = check(adopting, "--base", "no-such-branch", capsys=capsys)
    assert code == 2 and out == ""
    assert "mltrl: error: git revision 'no-such-branch' was not found" in err
    code, _, err = check(adopting, "--base", "origin/main", capsys=capsys)
    assert code == 2 and "git fetch origin main" in err
    code, _, err = check(adopting, "--base=--output=x", capsys=capsys)
    assert code == 2 and "is not a git revision" in err
    plain = tmp_path / "plain"
    write_technology(plain / "projects", "solo", "P1", 1)
    code, _, err = check(plain, "--base", "main", capsys=capsys)
    assert code == 2 and "--base needs a git repository" in err


def test_shallow_clone_says_how_to_fetch_history(adopting, tmp_path, capsys):
    tech(adopting, "clean", "P11.1", 1, title="Edited")
    adopting.commit({}, "2024-02-01", "Edit")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "change", f"file://{adopting.path}", str(clone))
    code, _, err = check(clone, "--base", "origin/main", capsys=capsys)
    assert code == 2 and "shallow clone" in err and "fetch-depth: 0" in err


def test_summary_file_and_step_summary(portfolio_change, tmp_path, monkeypatch, capsys):
    step = tmp_path / "step-summary.md"
    step.write_text("Earlier step output\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step))
    comment = tmp_path / "comment.md"
    code, _, _ = check(portfolio_change, "--base", "main", "--format", "text", "--summary", str(comment),
                       capsys=capsys)
    assert code == 1
    text = comment.read_text(encoding="utf-8")
    assert text.startswith("## MLTRL check against main\n\n❌ **Failed:** 1 new error finding(s).\n")
    assert ("| **P04.1** Recycling (projects/recycling) | 5 → 4 | switchback (review) | ✅ "
            "projects/recycling/reviews/2024-01-05-level-5.md (already on main) |") in text
    assert "| **P06.1** Jumpy (projects/jumpy) | 2 → 4 | skip | ⛔" in text
    assert "| **P05.1** Causal (projects/causal) | 3 → 2 | switchback (discovery) | ⚠️ missing" in text
    assert "### New technologies\n\n| Technology | Level | Status |\n|---|---|---|\n" \
           "| **P07.1** Fresh (projects/fresh) | 1 (Goal-oriented research) | active |" in text
    assert "| **P01.1** Solar Bo (projects/solar-bo) | L3: 10/10 rules met | L4: 14/14 rules met | " \
           "L5 still needs L501, L502 |" in text
    assert "### New findings (7)" in text and "| error | projects/jumpy/card.md:4:8 | PR001 |" in text
    # The step summary gets the same report, appended after what earlier steps wrote.
    assert step.read_text(encoding="utf-8") == "Earlier step output\n\n" + text


def test_step_summary_stays_within_githubs_limit(adopting, tmp_path, monkeypatch, capsys):
    step = tmp_path / "step-summary.md"
    room = 3000
    step.write_bytes(b"x" * (STEP_SUMMARY_LIMIT - room - 1) + b"\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step))
    many_new_findings(adopting, 12)
    adopting.commit({}, "2024-02-01", "Twelve new technologies")
    full = tmp_path / "full.md"
    code, _, _ = check(adopting, "--base", "main", "--format", "text", "--summary", str(full), capsys=capsys)
    assert code == 1 and len(full.read_bytes()) > 2 * room  # the whole report would not fit
    data = step.read_bytes()
    assert len(data) <= STEP_SUMMARY_LIMIT
    added = data.decode("utf-8")[STEP_SUMMARY_LIMIT - room:]
    assert "## MLTRL check against main" in added and "❌ **Failed:**" in added
    assert added.count("<details>") == added.count("</details>")
    assert "more, listed in the job log" in added or "was cut to fit" in added


def many_new_findings(repo: GitRepo, count: int) -> None:
    """``count`` new technologies, each with one new error (no dataset) and one new warning (a TODO)."""
    for n in range(count):
        meta = card_meta(f"P{n + 20}.1", f"Tech {n}", 1, datasets=[])
        tech(repo, f"tech-{n:02d}", f"P{n + 20}.1", 1, card=meta, body=card_body(f"Tech {n}") + "\nTODO\n")


def test_annotations_are_capped_and_the_summary_lists_all(adopting, tmp_path, capsys):
    many_new_findings(adopting, 12)
    adopting.commit({}, "2024-02-01", "Twelve new technologies")
    comment = tmp_path / "comment.md"
    code, out, _ = check(adopting, "--base", "main", "--format", "github", "--summary", str(comment), capsys=capsys)
    assert code == 1
    lines = out.splitlines()
    assert sum(line.startswith("::error ") for line in lines) == 10
    assert sum(line.startswith("::warning ") for line in lines) == 10
    # The two of each left over are plain log lines, not annotations.
    assert "projects/tech-11/card.md:" in out.split("::stop-commands::")[0]
    # Findings already on the base are not annotated without --strict.
    assert not any(line.startswith("::") and "legacy" in line for line in lines)
    summary = comment.read_text(encoding="utf-8")
    assert "### New findings (24)" in summary or "<summary><strong>New findings (24)</strong></summary>" in summary
    assert len(re.findall(r"^\| error \| projects/tech-\d\d/card\.md:", summary, re.M)) == 12
    assert "at most 10 error and 10 warning annotations per step" in summary
    strict, out, _ = check(adopting, "--base", "main", "--format", "github", "--strict", capsys=capsys)
    assert strict == 1 and sum(line.startswith("::error ") for line in out.splitlines()) == 10


def _unescape(text: str) -> str:
    """Decode a workflow command's escapes in one pass, as the runner does."""
    table = {"%25": "%", "%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ","}
    return re.sub(r"%(25|0D|0A|3A|2C)", lambda m: table[m.group(0)], text)


@pytest.mark.parametrize("text", ["100%", "line\r\nnext", "::error::x", "a:b,c", "%0A", "%25::%3A", "end::"])
def test_escape_helpers_round_trip_hostile_text(text):
    prop, data = escape_property(text), escape_data(text)
    assert not set(prop) & set(":,\r\n") and not set(data) & set("\r\n")
    assert _unescape(prop) == text and _unescape(data) == text


HOSTILE_NAME = "2024-01-01-level-1 100%,a:b::error::pwned\n::warning file=x::y.md"
HOSTILE_TITLE = "Drop %0A::error::x, y: z\n::set-output name=a::b <script>alert(1)</script> | @vision-team [x](javascript:alert(1))"


def test_github_format_escapes_hostile_names_and_messages(adopting, tmp_path, capsys):
    folder = adopting.path / "projects" / "clean"
    (folder / "reviews").mkdir()
    meta = review(1, "tasks", "2024-01-01")["2024-01-01-level-1.md"] | {"tasks": ["Collect data"]}
    (folder / "reviews" / HOSTILE_NAME).write_text(front_matter(meta, "\nNotes.\n"), encoding="utf-8")
    card = card_meta("P11.1", HOSTILE_TITLE, 1)
    tech(adopting, "clean", "P11.1", 1, card=card, body=card_body("Clean") + "\nTBD: 100% of x::y, z\n")
    adopting.commit({}, "2024-02-01", "Hostile names")
    comment = tmp_path / "comment.md"
    code, out, _ = check(adopting, "--base", "main", "--format", "github", "--summary", str(comment), capsys=capsys)
    assert code == 1
    head, fence = out.split("::stop-commands::", 1)
    token = fence.split("\n", 1)[0]
    assert re.fullmatch(r"[0-9a-f]{32}", token) and fence.rstrip("\n").endswith(f"::{token}::")
    annotations = [line for line in head.splitlines() if line.startswith("::")]
    shown_name = printable(HOSTILE_NAME)  # findings show the name with its newline escaped, as \n
    review_path = f"projects/clean/reviews/{shown_name}"
    parsed = []
    for line in annotations:
        match = re.fullmatch(r"::(error|warning|notice) ([^:]*)::(.*)", line)
        assert match, line  # one command per line: nothing hostile split or ended it
        props = dict(p.split("=", 1) for p in match.group(2).split(","))
        assert set(props) == {"file", "line", "col", "title"}
        parsed.append((_unescape(props["file"]), _unescape(match.group(3))))
    files = {f for f, _ in parsed}
    assert review_path in files
    rev002 = next(m for f, m in parsed if f == review_path)
    assert rev002.startswith(f"review file is named '{shown_name}' but records level 1")
    assert any("placeholder 'TBD' left in the text" in m for f, m in parsed if f == "projects/clean/card.md")
    # Outside the annotations, no line of the log can be read as a workflow command.
    assert all(not line.startswith("::") or line in annotations for line in head.splitlines())
    # The Markdown report quotes the title and the file name as inert text.
    summary = comment.read_text(encoding="utf-8")
    assert "<script" not in summary and "&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in summary
    assert "@vision-team" not in summary and "@\u200bvision-team" in summary
    assert "\\[x\\]\\(javascript:alert\\(1\\)\\)" in summary
    row = next(line for line in summary.splitlines() if "REV002" in line)
    assert len(re.findall(r"(?<!\\)\|", row)) == 5  # four cells: no '|' or newline from the name split it
    assert "\n::warning file=x::y.md" not in summary


def test_comment_summary_is_cut_to_the_comment_limit(adopting, tmp_path, capsys):
    many_new_findings(adopting, 12)
    for n in range(12):
        (adopting.path / f"projects/tech-{n:02d}/card.md").write_text(
            front_matter(card_meta(f"P{n + 20}.1", f"Tech {n}", 1, datasets=[]),
                         card_body(f"Tech {n}") + "\n" + "TODO and TBD and FIXME\n" * 150), encoding="utf-8")
    adopting.commit({}, "2024-02-01", "Many placeholders")
    comment = tmp_path / "comment.md"
    code, out, _ = check(adopting, "--base", "main", "--format", "text", "--summary", str(comment), capsys=capsys)
    text = comment.read_text(encoding="utf-8")
    assert code == 1 and out.count(" PH001 ") == 12 * 450
    assert len(text) <= COMMENT_LIMIT
    assert re.search(r"_… and \d+ more, listed in the job log of `mltrl check --base`\._", text)
    assert text.count("<details>") == text.count("</details>")


def test_content_in_a_subfolder_and_links_in_the_base(git_repo, tmp_path, capsys):
    site = git_repo.path / "handbook"
    site.mkdir()
    (site / "mkdocs.yml").write_text("site_name: Handbook\nplugins:\n  - mltrl\n", encoding="utf-8")
    write_technology(site / "projects", "linked", "P1.1", 1)
    outside = tmp_path / "secret.md"
    outside.write_text("---\nid: X\n---\n", encoding="utf-8")
    (site / "projects/linked/ethics.md").unlink()
    (site / "projects/linked/ethics.md").symlink_to(outside)
    git_repo.commit({}, "2024-01-10", "Content in a subfolder")
    branch(git_repo)
    write_technology(site / "projects", "other", "P2.1", 1)
    git_repo.commit({}, "2024-02-01", "Add one")
    code = main(["check", "--config", str(site / "mkdocs.yml"), "--base", "main", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [t["folder"] for t in report["technologies"]] == ["projects/other"]
    # The link outside the repository is refused on both sides, so the finding is old, not new.
    assert report["new"] == [] and [(d["path"], d["code"]) for d in report["diagnostics"]] == [
        ("projects/linked/ethics.md", "SEC001")]


def test_narrowed_to_paths(portfolio_change):
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY")}
    result = subprocess.run([sys.executable, "-m", "mltrl_docs", "check", "projects/causal", "--base", "main",
                             "--format", "json"], cwd=portfolio_change.path, env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    report = json.loads(result.stdout)
    assert [t["slug"] for t in report["technologies"]] == ["causal"]
    assert [(d["path"], d["code"]) for d in report["new"]] == [("projects/causal/card.md", "HIS002"),
                                                               ("projects/causal/card.md", "PR002")]
    assert result.returncode == 0  # the skipped level of another technology is outside the paths
