"""Reviews on real git repositories: one date for a review everywhere, and decisions the card must follow."""

from __future__ import annotations

import datetime as dt
import json
import re

from factories import card_body, card_meta, front_matter, write_technology
from gitrepo import GitRepo
from sitebuild import build, mkdocs_yml, mltrl

from mltrl_docs.config import Settings
from mltrl_docs.history import load_history
from mltrl_docs.loader import load_portfolio


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


NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
A = "projects/alpha"


def decisions(repo: GitRepo, settings: Settings | None = None, now: dt.datetime = NOW) -> list[tuple]:
    """The REV005 and REV006 findings of the repository, in full."""
    history = load_history(load_portfolio(repo.path, settings or Settings()), now=now)
    return [(d.path, d.line, d.column, d.severity.value, d.code, d.message, d.hint, d.project)
            for d in history.diagnostics if d.code in ("REV005", "REV006")]


def test_a_graduation_the_card_never_made_is_an_error_once_the_grace_has_passed(git_repo):
    git_repo.commit({f"{A}/card.md": card(8)}, "2024-01-10", "Alpha at 8")
    git_repo.commit({f"{A}/reviews/2024-03-01-level-8.md": review(8, "2024-03-01", "graduate")}, "2024-03-01",
                    "Review: graduate alpha to 9")
    finding = (f"{A}/reviews/2024-03-01-level-8.md", 6, 1, "error", "REV005",
               ("the level 8 review of 2024-03-01 decided to graduate to level 9, but the card never reached "
               "level 9 after it (it is at level 8)"), "set the card's level to 9, or record a new review", "alpha")
    assert decisions(git_repo) == [finding]
    # Within the grace the card's change may still be on its way: a warning.
    assert decisions(git_repo, now=dt.datetime(2024, 3, 20, tzinfo=dt.UTC)) == \
        [finding[:3] + ("warning",) + finding[4:]]
    # Configured like every rule.
    assert decisions(git_repo, Settings(rules={"REV005": {"severity": "warning"}}))[0][3] == "warning"
    assert decisions(git_repo, Settings(rules={"REV005": {"severity": "off"}})) == []
    # The card follows (its level, uncommitted or committed): nothing to report.
    git_repo.write({f"{A}/card.md": card(9, review_cadence_days=90)})
    assert decisions(git_repo) == []
    git_repo.commit({}, "2024-03-05", "Graduate alpha to 9")
    assert decisions(git_repo) == []


def test_a_card_that_reached_the_target_and_moved_on_followed_the_review(git_repo):
    git_repo.commit({f"{A}/card.md": card(3)}, "2024-01-10", "Alpha at 3")
    # The level changed a week before the record's date (paperwork lags), then went on.
    git_repo.commit({f"{A}/card.md": card(4)}, "2024-02-22", "Graduate alpha to 4")
    git_repo.commit({f"{A}/reviews/2024-03-01-level-3.md": review(3, "2024-03-01", "graduate")}, "2024-03-01",
                    "Record the review")
    git_repo.commit({f"{A}/card.md": card(2)}, "2024-04-01", "Back to 2")
    assert decisions(git_repo) == []


def test_a_switchback_to_another_level_than_decided_is_reported(git_repo):
    git_repo.commit({f"{A}/card.md": card(4)}, "2024-01-10", "Alpha at 4")
    git_repo.commit({f"{A}/reviews/2024-03-01-level-4.md": review(4, "2024-03-01", "switchback", 2),
                     f"{A}/card.md": card(3)}, "2024-03-01", "Back to 3")
    assert decisions(git_repo) == [
        (f"{A}/reviews/2024-03-01-level-4.md", 6, 1, "error", "REV005",
         ("the level 4 review of 2024-03-01 decided to switch back to level 2, but the card never reached level 2 "
         "after it (it is at level 3)"), "set the card's level to 2, or record a new review", "alpha")]


def test_only_the_latest_review_counts(git_repo):
    git_repo.commit({f"{A}/card.md": card(8)}, "2024-01-10", "Alpha at 8")
    git_repo.commit({f"{A}/reviews/2024-03-01-level-8.md": review(8, "2024-03-01", "graduate")}, "2024-03-01",
                    "Review: graduate")
    # The panel met again and asked for more work first: the earlier decision is overtaken.
    git_repo.commit({f"{A}/reviews/2024-03-20-level-8.md": review(8, "2024-03-20", "tasks")}, "2024-03-20",
                    "Review: more work")
    assert decisions(git_repo) == []


def test_a_pause_or_stop_the_card_does_not_take_is_reported(git_repo):
    git_repo.commit({f"{A}/card.md": card(5)}, "2024-01-10", "Alpha at 5")
    git_repo.commit({f"{A}/reviews/2024-03-01-level-5.md": review(5, "2024-03-01", "pause")}, "2024-03-01",
                    "Review: pause alpha")
    assert decisions(git_repo) == [
        (f"{A}/reviews/2024-03-01-level-5.md", 6, 1, "error", "REV006",
         ("the level 5 review of 2024-03-01 decided to pause the work, but the card's status never became paused "
         "after it (it is active)"), "set 'status: paused' on the card, or record a new review", "alpha")]
    # Paused, then resumed months later: the decision was carried out.
    git_repo.commit({f"{A}/card.md": card(5, status="paused")}, "2024-03-02", "Pause alpha")
    git_repo.commit({f"{A}/card.md": card(5)}, "2024-06-01", "Resume alpha")
    assert decisions(git_repo) == []
    git_repo.commit({f"{A}/reviews/2024-07-01-level-5.md": review(5, "2024-07-01", "stop")}, "2024-07-01",
                    "Review: stop alpha")
    assert [f[4:6] for f in decisions(git_repo)] == [
        ("REV006", ("the level 5 review of 2024-07-01 decided to stop the work, but the card's status never became "
                   "stopped after it (it is active)"))]
    git_repo.write({f"{A}/card.md": card(5, status="stopped")})
    assert decisions(git_repo) == []


def test_mltrl_check_reports_an_unfollowed_decision_and_fails_on_it(git_repo):
    write_technology(git_repo.path / "projects", "alpha", "P01.1", 8)  # complete for level 8
    git_repo.commit({}, "2024-01-10", "Alpha at 8")
    git_repo.commit({f"{A}/reviews/2024-03-01-level-8.md": review(8, "2024-03-01", "graduate")}, "2024-03-01",
                    "Review: graduate alpha to 9")
    result = mltrl("check", "--format", "json", cwd=git_repo.path)
    assert result.returncode == 1, result.stderr
    found = [(d["path"], d["line"], d["column"], d["severity"], d["code"])
             for d in json.loads(result.stdout)["diagnostics"]]
    assert found == [(f"{A}/reviews/2024-03-01-level-8.md", 6, 1, "error", "REV005")]


def test_reviews_at_the_ends_of_the_calendar_give_findings_not_tracebacks(git_repo):
    git_repo.commit({f"{A}/card.md": card(5)}, "2024-01-10", "Alpha at 5")
    git_repo.commit({f"{A}/reviews/0001-01-02-level-5.md": review(5, "0001-01-02", "stop")}, "2024-02-01",
                    "An old stop")
    assert [f[4:6] for f in decisions(git_repo)] == [
        ("REV006", ("the level 5 review of 0001-01-02 decided to stop the work, but the card's status never became "
                   "stopped after it (it is active)"))]
    git_repo.commit({f"{A}/reviews/9999-12-31-level-5.md": review(5, "9999-12-31", "graduate")}, "2024-03-01",
                    "A review from the far future")
    assert [f[3:5] for f in decisions(git_repo)] == [("warning", "REV005")]
    history = load_history(load_portfolio(git_repo.path, Settings()), now=NOW).projects["alpha"]
    assert [(e.kind, e.date.date().isoformat()) for e in history.events] == [
        ("review", "0001-01-02"), ("created", "2024-01-10"), ("review", "9999-12-31")]
