"""Reviews on real git repositories: one date for a review everywhere, and decisions the card must follow."""

from __future__ import annotations

import json
import re

from factories import card_body, card_meta, front_matter
from gitrepo import GitRepo
from sitebuild import build, mkdocs_yml, mltrl


def card(level: int, **changes) -> str:
    return front_matter(card_meta("P01.1", "Alpha", level, **changes), card_body("Alpha"))


def review(level: int, date: str, decision: str, to_level: int | None = None) -> str:
    meta: dict = {"level": level, "date": date, "reviewers": ["review panel"], "decision": decision,
                  "debrief": {"accomplished": "The work.", "punted": "Nothing.", "learned": "Much.",
                              "tech_debt": "None."}}
    if to_level is not None:
        meta["to_level"] = to_level
    if decision == "tasks":
        meta["tasks"] = ["more data"]
    return front_matter(meta, "\nNotes.\n")


def site_repo(git_repo: GitRepo) -> GitRepo:
    (git_repo.path / "docs").mkdir()
    (git_repo.path / "overrides").mkdir()
    git_repo.write({"mkdocs.yml": mkdocs_yml(), ".gitignore": "site/\n"})
    return git_repo


def test_a_review_is_dated_by_its_record_in_the_cli_the_event_table_the_timeline_and_the_export(git_repo):
    repo = site_repo(git_repo)
    a = "projects/alpha"
    repo.commit({f"{a}/card.md": card(0)}, "2021-01-10", "Create alpha")
    # The panel met on 2021-03-15; the record and the level change were committed a year and a half later.
    repo.commit({f"{a}/card.md": card(1), f"{a}/reviews/2021-03-15-level-0.md": review(0, "2021-03-15", "graduate")},
                "2022-10-03", "Import the old review and graduate alpha")

    text = mltrl("history", "alpha", cwd=repo.path)
    assert text.returncode == 0, text.stderr
    lines = [line for line in text.stdout.splitlines() if line.startswith("20")]
    assert [line.split()[:2] for line in lines] == [["2021-01-10", "created"], ["2021-03-15", "review"],
                                                   ["2022-10-03", "graduation"]]
    assert "graduate, recorded 2022-10-03" in lines[1]

    document = json.loads(mltrl("history", "alpha", "--format", "json", cwd=repo.path).stdout)
    event = next(e for e in document["events"] if e["kind"] == "review")
    assert (event["date"], event["committed"]) == ("2021-03-15T12:00:00+00:00", "2022-10-03T12:00:00+00:00")

    export = json.loads(mltrl("export", cwd=repo.path).stdout)
    [tech] = export["technologies"]
    exported = next(e for e in tech["history"]["events"] if e["kind"] == "review")
    assert (exported["date"], exported["committed"]) == (event["date"], event["committed"])
    # The graduation, the one level change, is counted in the quarter it was committed in.
    assert export["analytics"]["graduations_per_quarter"] == {"2022-Q4": 1}

    result = build(repo.path)
    assert result.returncode == 0, result.stderr
    html = (repo.path / "site" / "technologies" / "alpha" / "index.html").read_text(encoding="utf-8")
    row = re.search(r'<tr class="mltrl-ev-row-review".*?</tr>', html, re.DOTALL).group(0)
    assert '<time datetime="2021-03-15T12:00:00+00:00">2021-03-15</time>' in row
    assert '(recorded on <time datetime="2022-10-03T12:00:00+00:00">2022-10-03</time>)' in row
    timeline = re.search(r'<svg[^>]*class="mltrl-chart mltrl-timeline".*?</svg>', html, re.DOTALL).group(0)
    [label] = re.findall(r'class="mltrl-mark mltrl-mark-review".*?<title>([^<]*)</title>', timeline, re.DOTALL)
    assert label.startswith("2021-03-15: level 0 review, graduate")
    assert "2022-10-03" not in label
