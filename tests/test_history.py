"""History from real git repositories: events, switchback kinds, findings and git situations."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import card_body, card_meta, front_matter
from gitrepo import GitRepo, git

from mltrl_docs.cachedir import decode_entries, encode_entries
from mltrl_docs.config import Settings
from mltrl_docs.history import load_history, start_history
from mltrl_docs.history.analytics import portfolio_analytics
from mltrl_docs.history.derive import REVIEW_GRACE_DAYS
from mltrl_docs.history.findings import KeptFindings
from mltrl_docs.loader import load_portfolio

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)


def card(level: int, project_id: str = "P01.1", **changes) -> str:
    return front_matter(card_meta(project_id, "Alpha", level, **changes), card_body("Alpha"))


def review(level: int, decision: str, date: str, to_level: int | None = None) -> str:
    meta: dict = {"level": level, "date": date, "reviewers": ["review panel"], "decision": decision}
    if to_level is not None:
        meta["to_level"] = to_level
    if decision == "tasks":
        meta["tasks"] = ["more data"]
    return front_matter(meta, "\nNotes.\n")


def history_of(repo: GitRepo, settings: Settings | None = None, now: dt.datetime = NOW):
    portfolio = load_portfolio(repo.path, settings or Settings())
    return portfolio, load_history(portfolio, now=now)


def kinds(tech_history) -> list[tuple]:
    return [(e.kind, e.from_level, e.to_level, e.switchback_kind) for e in tech_history.events]


def codes(history) -> list[tuple[str, str, str]]:
    return sorted((d.code, d.severity.value, d.path) for d in history.diagnostics)


@pytest.fixture
def lifecycle(git_repo: GitRepo) -> GitRepo:
    """One technology through every kind of event."""
    a = "projects/alpha"
    git_repo.commit({f"{a}/card.md": card(1)}, "2024-01-01", "Create alpha", author="vision-team")
    git_repo.commit({f"{a}/card.md": card(2), f"{a}/reviews/2024-02-01-level-1.md":
                     review(1, "graduate", "2024-02-01", 2)}, "2024-02-01", "Graduate alpha to 2")
    git_repo.commit({f"{a}/card.md": card(1)}, "2024-02-20", "Back to 1 after a finding")  # discovery
    git_repo.commit({f"{a}/card.md": card(2)}, "2024-03-01", "Graduate alpha again")  # no review: HIS003
    git_repo.commit({f"{a}/card.md": card(4)}, "2024-04-01", "Jump to 4")  # skip: HIS001
    git_repo.commit({f"{a}/card.md": card(2)}, "2024-05-01", "Back to research")  # embedded 4 -> 2
    git_repo.commit({f"{a}/card.md": card(3), f"{a}/reviews/2024-06-01-level-2.md":
                     review(2, "graduate", "2024-06-01", 3)}, "2024-06-01", "Graduate to 3")
    git_repo.commit({f"{a}/reviews/2024-07-01-level-3.md": review(3, "switchback", "2024-07-01", 2)},
                    "2024-07-01", "Review: back to 2")
    git_repo.commit({f"{a}/card.md": card(2)}, "2024-07-02", "Apply the review")  # review switchback
    git_repo.commit({f"{a}/card.md": card(2, status="paused")}, "2024-08-01", "Pause alpha")
    git_repo.commit({f"{a}/card.md": card(2)}, "2024-09-01", "Resume alpha")
    git_repo.commit({f"{a}/card.md": card(2, owners={"research": ["research lead"], "product": []},
                                          reviewers={"research": ["new peer"], "product": []})},
                    "2024-10-01", "Hand over alpha")
    git_repo.commit({f"{a}/card.md": card(2, owners={"research": ["research lead"], "product": []},
                                          reviewers={"research": ["new peer"], "product": []},
                                          status="stopped")}, "2024-11-01", "Stop alpha")
    return git_repo


def test_every_event_kind_and_switchback_kind(lifecycle):
    portfolio, history = history_of(lifecycle)
    assert history.available and history.reason is None
    alpha = history.projects["alpha"]
    assert kinds(alpha) == [
        ("created", None, 1, None),
        ("review", 1, 2, None),
        ("graduation", 1, 2, None),
        ("switchback", 2, 1, "discovery"),
        ("graduation", 1, 2, None),
        ("skip", 2, 4, None),
        ("owners", 4, 4, None),  # the level-4 card names a product owner
        ("switchback", 4, 2, "embedded"),
        ("owners", 2, 2, None),
        ("review", 2, 3, None),
        ("graduation", 2, 3, None),
        ("review", 3, 2, None),
        ("switchback", 3, 2, "review"),
        ("status", 2, 2, None),
        ("status", 2, 2, None),
        ("owners", 2, 2, None),
        ("reviewers", 2, 2, None),
        ("status", 2, 2, None),
    ]
    statuses = [(e.status, e.detail) for e in alpha.events if e.kind == "status"]
    assert statuses == [("paused", "paused"), ("active", "resumed"), ("stopped", "stopped")]
    first = alpha.events[0]
    assert (first.author, first.message, first.source, first.date.isoformat()) == \
        ("vision-team", "Create alpha", "git", "2024-01-01T12:00:00+00:00")
    graduation = alpha.events[2]
    assert graduation.review == "projects/alpha/reviews/2024-02-01-level-1.md"
    assert alpha.events[12].review == "projects/alpha/reviews/2024-07-01-level-3.md"
    assert next(e for e in alpha.events if e.kind == "reviewers").detail == \
        "research: +new peer, -research-peers"
    # Time per level adds up to the whole life, the last span ending now.
    days = alpha.time_in_level(NOW)
    assert round(sum(days.values()), 3) == (NOW - dt.datetime(2024, 1, 1, 12, tzinfo=dt.timezone.utc)).days + 0.5
    assert alpha.spans[-1].status == "stopped" and alpha.spans[-1].end is None
    # The card as it last stood at each earlier level.
    assert [(c.level, c.commit[:7]) for c in alpha.prior_cards] == \
        [(1, lifecycle.git("rev-parse", "--short=7", "HEAD~10").strip()),
         (4, lifecycle.git("rev-parse", "--short=7", "HEAD~8").strip()),
         (3, lifecycle.git("rev-parse", "--short=7", "HEAD~6").strip())]
    assert "level: 4" in alpha.prior_cards[1].text


def test_findings_of_the_lifecycle(lifecycle):
    _, history = history_of(lifecycle)
    found = {(d.code, d.severity.value): d for d in history.diagnostics}
    assert sorted(found) == [("HIS001", "error"), ("HIS003", "warning")]
    skip = found[("HIS001", "error")]
    assert (skip.path, skip.line, skip.project) == ("projects/alpha/card.md", 4, "alpha")
    assert "from 2 to 4" in skip.message and "skipping level(s) 3" in skip.message
    ungated = found[("HIS003", "warning")]
    assert "from level 1 to 2" in ungated.message and "reviews/YYYY-MM-DD-level-1.md" in ungated.hint


def test_graduation_review_severity_is_configurable(lifecycle):
    _, history = history_of(lifecycle, Settings(require_review_for_graduation="error"))
    assert ("HIS003", "error", "projects/alpha/card.md") in codes(history)
    _, history = history_of(lifecycle, Settings(require_review_for_graduation="off"))
    assert "HIS003" not in {d.code for d in history.diagnostics}
    _, history = history_of(lifecycle, Settings(rules={"HIS001": {"severity": "off"}}))
    assert "HIS001" not in {d.code for d in history.diagnostics}


def test_switchback_below_start_and_stale_level_9(git_repo):
    git_repo.commit({"projects/beta/card.md": card(4, "P02.1")}, "2023-01-01", "Start at 4")
    git_repo.commit({"projects/beta/card.md": card(2, "P02.1")}, "2023-02-01", "Down to 2")
    git_repo.commit({"projects/gamma/card.md": card(9, "P03.1")}, "2023-01-01", "Deployed")
    git_repo.commit({"projects/gamma/reviews/2024-01-10-level-9.md": review(9, "tasks", "2024-01-10")},
                    "2024-01-10", "Periodic review")
    portfolio, history = history_of(git_repo)
    assert kinds(history.projects["beta"])[1] == ("switchback", 4, 2, "embedded")
    below = [d for d in history.diagnostics if d.code == "HIS002"]
    assert [(d.path, d.severity.value) for d in below] == [("projects/beta/card.md", "warning")]
    assert "below level 4 where the technology started" in below[0].message
    stale = [d for d in history.diagnostics if d.code == "HIS004"]
    assert [(d.path, d.severity.value) for d in stale] == [("projects/gamma/card.md", "warning")]
    assert "2024-01-10: 508 days, more than the 90-day review cadence" in stale[0].message
    _, fresh = history_of(git_repo, now=dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc))
    assert "HIS004" not in {d.code for d in fresh.diagnostics}


def test_folder_rename_keeps_the_history(git_repo):
    git_repo.commit({"projects/old-name/card.md": card(1)}, "2024-01-01", "Create")
    git_repo.commit({"projects/old-name/card.md": card(2),
                     "projects/old-name/reviews/2024-02-01-level-1.md": review(1, "graduate", "2024-02-01", 2)},
                    "2024-02-01", "Graduate")
    git_repo.mv("projects/old-name", "projects/new-name")
    git_repo.commit({}, "2024-03-01", "Rename the folder")
    git_repo.commit({"projects/new-name/card.md": card(3)}, "2024-04-01", "Graduate again")
    _, history = history_of(git_repo)
    assert list(history.projects) == ["new-name"]
    renamed = history.projects["new-name"]
    assert kinds(renamed) == [("created", None, 1, None), ("review", 1, 2, None), ("graduation", 1, 2, None),
                              ("graduation", 2, 3, None)]
    assert renamed.events[0].path == "projects/old-name/card.md"
    assert renamed.events[-1].path == "projects/new-name/card.md"
    # The review record moved with the folder, so it still decides the first graduation.
    assert renamed.events[2].review == "projects/new-name/reviews/2024-02-01-level-1.md"


def test_move_git_does_not_see_as_a_rename_follows_the_project_id(git_repo):
    git_repo.commit({"projects/first/card.md": card(1, "R05.1")}, "2024-01-01", "Create")
    # Delete and re-create with a different body in one commit: too different for rename detection.
    git_repo.commit({"projects/first/card.md": None,
                     "projects/second/card.md": front_matter(card_meta("R05.1", "Renamed", 2), "\n# Other\n")},
                    "2024-02-01", "Move and rewrite")
    _, history = history_of(git_repo)
    assert kinds(history.projects["second"])[:2] == [("created", None, 1, None), ("graduation", 1, 2, None)]


def test_merge_counts_once_on_the_mainline(git_repo):
    git_repo.commit({"projects/alpha/card.md": card(2)}, "2024-01-01", "Create")
    git_repo.git("checkout", "-q", "-b", "proposal")
    git_repo.commit({"projects/alpha/card.md": card(3),
                     "projects/alpha/reviews/2024-02-01-level-2.md": review(2, "graduate", "2024-02-01", 3)},
                    "2024-02-01", "Graduate on a branch", author="nlp-team")
    branch_tip = git_repo.commit({"projects/alpha/card.md": card(3, status="paused")}, "2024-02-02",
                                 "Pause on the branch")
    git_repo.commit({"projects/alpha/card.md": card(3)}, "2024-02-03", "Unpause on the branch")
    git_repo.git("checkout", "-q", "main")
    git_repo.commit({"projects/other/card.md": card(0, "P09.1")}, "2024-02-04", "Meanwhile on main")
    git_repo.git("merge", "-q", "--no-ff", "-m", "Merge the proposal", "proposal", date="2024-02-10T12:00:00+00:00")
    merge = git_repo.head()
    _, history = history_of(git_repo)
    alpha = history.projects["alpha"]
    assert kinds(alpha) == [("created", None, 2, None), ("review", 2, 3, None), ("graduation", 2, 3, None)]
    assert {e.commit for e in alpha.events[1:]} == {merge}
    assert alpha.events[2].message == "Merge the proposal"
    assert alpha.events[2].date.date() == dt.date(2024, 2, 10)
    assert branch_tip not in {e.commit for e in alpha.events}  # the pause never reached the mainline


def test_broken_historical_card_is_skipped_with_a_note(git_repo):
    git_repo.commit({"projects/alpha/card.md": card(1)}, "2024-01-01", "Create")
    broken = git_repo.commit({"projects/alpha/card.md": "---\nlevel: [2\nid: P01.1\n---\n"}, "2024-02-01",
                             "Broken edit")
    git_repo.commit({"projects/alpha/card.md": "no front matter at all\n"}, "2024-02-02", "Worse")
    git_repo.commit({"projects/alpha/card.md": card(2)}, "2024-03-01", "Fixed")
    _, history = history_of(git_repo)
    assert kinds(history.projects["alpha"]) == [("created", None, 1, None), ("graduation", 1, 2, None)]
    notes = sorted((d.code, d.severity.value, d.message) for d in history.diagnostics if d.code == "HIS005")
    assert len(notes) == 2
    assert all(n[1] == "info" for n in notes)
    assert any(f"commit {broken[:10]}" in n[2] and "YAML syntax error" in n[2] for n in notes)
    assert any("missing front matter" in n[2] for n in notes)


def test_uncommitted_edit_is_a_pending_event(git_repo):
    git_repo.commit({"projects/alpha/card.md": card(1)}, "2024-01-01", "Create")
    git_repo.write({"projects/alpha/card.md": card(2), "projects/alpha/notes.md": "draft\n"})
    _, history = history_of(git_repo)
    pending = history.projects["alpha"].events[-1]
    assert (pending.kind, pending.source, pending.from_level, pending.to_level, pending.date) == \
        ("pending", "working-tree", 1, 2, NOW)
    assert pending.detail == "card.md, notes.md"
    # An untracked technology is all pending.
    git_repo.write({"projects/fresh/card.md": card(0, "P04.1")})
    _, history = history_of(git_repo)
    assert kinds(history.projects["fresh"]) == [("pending", None, 0, None)]


def test_recorded_events_are_merged_by_date(git_repo):
    recorded = [{"date": "2022-01-10", "level": 0, "note": "Imported from the wiki", "author": "research lead"},
                {"date": "2022-06-01", "level": 1},
                {"date": "2022-09-01", "status": "paused"},
                {"date": "2023-03-01", "level": 3, "status": "active"}]
    git_repo.commit({"projects/alpha/card.md": card(3, history=recorded)}, "2023-06-01", "Move the card to git")
    git_repo.commit({"projects/alpha/card.md": card(2, history=recorded)}, "2023-07-01", "Back to 2")
    _, history = history_of(git_repo)
    alpha = history.projects["alpha"]
    assert [(e.kind, e.from_level, e.to_level, e.source) for e in alpha.events] == [
        ("created", None, 0, "recorded"), ("graduation", 0, 1, "recorded"), ("status", 1, 1, "recorded"),
        ("skip", 1, 3, "recorded"), ("status", 3, 3, "recorded"), ("switchback", 3, 2, "git")]
    assert alpha.events[0].message == "Imported from the wiki"
    assert alpha.events[0].date == dt.datetime(2022, 1, 10, tzinfo=dt.timezone.utc)
    # Recorded graduations predate review records: no HIS003; the recorded skip is still one.
    assert [d.code for d in history.diagnostics] == ["HIS001"]
    assert "in the recorded history (2023-03-01)" in history.diagnostics[0].message


def test_shallow_clone_is_refused_with_the_fix(lifecycle, tmp_path):
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{lifecycle.path}", str(clone))
    portfolio = load_portfolio(clone, Settings())
    history = load_history(portfolio, now=NOW)
    assert not history.available and "shallow" in history.reason and "fetch-depth: 0" in history.reason
    [finding] = history.diagnostics
    assert (finding.code, finding.severity.value) == ("HIS006", "error")
    assert "fetch-depth: 0" in finding.hint
    allowed = load_history(load_portfolio(clone, Settings(allow_shallow=True)), now=NOW)
    assert allowed.available
    assert [(d.code, d.severity.value) for d in allowed.diagnostics if d.code == "HIS006"] == [("HIS006", "info")]
    # History starts at the cut: the one commit there holds the card as created, at its level then.
    assert [k for k in kinds(allowed.projects["alpha"]) if k[0] != "review"] == [("created", None, 2, None)]


def test_outside_git_history_is_unavailable_and_the_rest_works(tmp_path):
    folder = tmp_path / "plain"
    (folder / "projects" / "alpha").mkdir(parents=True)
    (folder / "projects" / "alpha" / "card.md").write_text(card(0), encoding="utf-8")
    history = load_history(load_portfolio(folder, Settings()), now=NOW)
    assert not history.available and history.projects == {}
    assert history.reason.startswith("not a git repository")
    assert [(d.code, d.severity.value) for d in history.diagnostics] == [("HIS007", "info")]


def test_a_prior_card_from_the_cache_is_read_and_checked_when_shown(lifecycle, tmp_path):
    """A prior card's text taken from the cache is checked against its git blob when it is shown, even when the
    cache changed after the run, and read from git when the cache no longer holds it."""
    cache = tmp_path / "cache"
    portfolio = load_portfolio(lifecycle.path, Settings())
    cold = load_history(portfolio, cache_dir=cache, now=NOW)
    warm = load_history(portfolio, cache_dir=cache, now=NOW)
    texts = cache / "history" / "texts.bin"
    kept = texts.read_bytes()
    assert all(c.text.encode() in kept for c in cold.projects["alpha"].prior_cards)
    texts.write_bytes(kept.replace(b"level:", b"levelX"))  # after the run, before any text is shown
    shown = [c.text for c in warm.projects["alpha"].prior_cards]
    assert shown == [c.text for c in cold.projects["alpha"].prior_cards] and len(shown) >= 2
    assert all("levelX" not in text and "level:" in text for text in shown)


def test_kept_history_findings_follow_the_day_the_documents_and_never_a_forged_file(git_repo, tmp_path):
    """A run takes a technology's history findings from the last run's when its history, documents, settings and
    day are the same; the next day, an edit or a file not signed by this user's runs brings them anew."""
    a = "projects/alpha"
    git_repo.commit({f"{a}/card.md": card(1), f"{a}/reviews/2024-02-01-level-1.md": review(1, "graduate", "2024-02-01", 2)},
                    "2024-02-01", "Review alpha")
    cache = tmp_path / "cache"
    early = dt.datetime(2024, 2, 2, 9, tzinfo=dt.timezone.utc)
    late = early + dt.timedelta(days=REVIEW_GRACE_DAYS + 1)

    def codes(now: dt.datetime) -> list[tuple[str, str]]:
        history = load_history(load_portfolio(git_repo.path, Settings()), cache_dir=cache, now=now)
        return [(d.code, d.severity.value) for d in history.diagnostics]

    assert codes(early) == [("REV005", "warning")]  # the decision is young: the card may still follow
    kept = cache / KeptFindings.FILE_NAME
    assert len(decode_entries(kept.read_bytes()[32:])) == 1
    assert codes(early.replace(hour=20)) == [("REV005", "warning")]  # the same day, from the kept findings
    assert codes(late) == [("REV005", "error")]  # later, the same history says more
    # Every kept entry now claims no finding, under the honest file's signature: it is not used.
    data = kept.read_bytes()
    forged = {key: b"[]" for key in decode_entries(data[32:])}
    kept.write_bytes(data[:32] + encode_entries(forged))
    assert codes(late) == [("REV005", "error")]
    # The card follows the review: its finding goes, though the history of the day before is kept.
    (git_repo.path / a / "card.md").write_text(card(2), encoding="utf-8")
    git_repo.commit({}, "2024-02-03", "Graduate alpha")
    assert codes(late) == []


def test_cache_gives_the_same_history_and_follows_new_commits(lifecycle, tmp_path):
    cache = tmp_path / "cache"
    portfolio = load_portfolio(lifecycle.path, Settings())
    cold = load_history(portfolio, cache_dir=cache, now=NOW)
    warm = load_history(portfolio, cache_dir=cache, now=NOW)
    assert (cache / "history" / "state.json").is_file()
    as_json = lambda h: {s: t.to_dict(NOW) for s, t in h.projects.items()}  # noqa: E731
    assert as_json(warm) == as_json(cold)
    assert [c.text for c in warm.projects["alpha"].prior_cards] == [c.text for c in cold.projects["alpha"].prior_cards]
    lifecycle.commit({"projects/alpha/card.md": card(3, status="stopped", owners={"research": ["research lead"],
                                                                                  "product": []},
                                                     reviewers={"research": ["new peer"], "product": []})},
                     "2024-12-01", "Restart at 3")
    after = load_history(load_portfolio(lifecycle.path, Settings()), cache_dir=cache, now=NOW)
    fresh = load_history(load_portfolio(lifecycle.path, Settings()), cache_dir=tmp_path / "other", now=NOW)
    assert kinds(after.projects["alpha"])[-1] == ("graduation", 2, 3, None)
    assert as_json(after) == as_json(fresh)
    # Rewritten history (amend): the cache notices and walks it again.
    lifecycle.git("commit", "-q", "--amend", "-m", "Restart at level 3", date="2024-12-02T12:00:00+00:00")
    amended = load_history(load_portfolio(lifecycle.path, Settings()), cache_dir=cache, now=NOW)
    assert amended.projects["alpha"].events[-1].message == "Restart at level 3"


def test_a_damaged_cache_is_started_over(lifecycle, tmp_path):
    cache = tmp_path / "cache"
    portfolio = load_portfolio(lifecycle.path, Settings())
    expected = {s: t.to_dict(NOW) for s, t in load_history(portfolio, cache_dir=cache, now=NOW).projects.items()}
    derived = cache / "history" / "derived.jsonl"
    derived.write_bytes(b"x" * 20 + derived.read_bytes()[20:])  # same size, broken records
    again = load_history(portfolio, cache_dir=cache, now=NOW)
    assert {s: t.to_dict(NOW) for s, t in again.projects.items()} == expected
    # The cache was written anew and is usable again.
    assert {s: t.to_dict(NOW) for s, t in load_history(portfolio, cache_dir=cache, now=NOW).projects.items()} \
        == expected
    assert derived.read_bytes()[:1] == b"{"



@pytest.mark.parametrize("parallel", ["1", "0"])
def test_history_started_before_the_documents_are_read_is_the_same(lifecycle, tmp_path, monkeypatch, parallel):
    """The commits may be read in a second process or on a thread while the documents are read; nothing changes."""
    from mltrl_docs.parallel import available

    monkeypatch.setenv("MLTRL_PARALLEL", parallel)
    as_json = lambda h: {s: t.to_dict(NOW) for s, t in h.projects.items()}  # noqa: E731
    settings = Settings()
    expected = "process" if available() else "thread"
    started = start_history(lifecycle.path, settings, cache_dir=tmp_path / "early")
    assert started.mode == expected
    portfolio = load_portfolio(lifecycle.path, settings)
    early = load_history(portfolio, cache_dir=tmp_path / "early", now=NOW, started=started)
    assert started.run is not None and started.mode != "here"  # the start was used, and did the reading
    plain = load_history(portfolio, cache_dir=tmp_path / "plain", now=NOW)
    assert as_json(early) == as_json(plain) and codes(early) == codes(plain)
    assert [c.text for c in early.projects["alpha"].prior_cards] == [c.text for c in plain.projects["alpha"].prior_cards]
    # Started from the cache the first run left, and from a damaged one: the same again.
    warm = load_history(portfolio, cache_dir=tmp_path / "early", now=NOW,
                        started=start_history(lifecycle.path, settings, cache_dir=tmp_path / "early"))
    assert as_json(warm) == as_json(plain)
    derived = tmp_path / "early" / "history" / "derived.jsonl"
    derived.write_bytes(b"x" * 20 + derived.read_bytes()[20:])
    repaired = load_history(portfolio, cache_dir=tmp_path / "early", now=NOW,
                            started=start_history(lifecycle.path, settings, cache_dir=tmp_path / "early"))
    assert as_json(repaired) == as_json(plain)
    # A start made for other settings is closed and the history read as usual.
    other = start_history(lifecycle.path, Settings(roots=["elsewhere"]), cache_dir=tmp_path / "early")
    again = load_history(portfolio, cache_dir=tmp_path / "early", now=NOW, started=other)
    assert other.run is None and as_json(again) == as_json(plain)



def test_when_the_second_process_dies_the_history_is_read_here(lifecycle, tmp_path, monkeypatch):
    import os
    import signal

    from mltrl_docs.parallel import available

    monkeypatch.setenv("MLTRL_PARALLEL", "1")
    if not available():
        pytest.skip("no second process on this system (Linux with two cores)")
    started = start_history(lifecycle.path, Settings(), cache_dir=tmp_path / "cache")
    assert started.mode == "process"
    os.kill(started._forked.pid, signal.SIGKILL)  # killed long before git has answered
    portfolio = load_portfolio(lifecycle.path, Settings())
    history = load_history(portfolio, cache_dir=tmp_path / "cache", now=NOW, started=started)
    assert started.mode == "here"
    plain = load_history(portfolio, cache_dir=tmp_path / "plain", now=NOW)
    assert {s: t.to_dict(NOW) for s, t in history.projects.items()} == \
        {s: t.to_dict(NOW) for s, t in plain.projects.items()}

def test_a_started_history_outside_git_reports_the_same_finding(tmp_path):
    folder = tmp_path / "plain"
    (folder / "projects" / "alpha").mkdir(parents=True)
    (folder / "projects" / "alpha" / "card.md").write_text(card(0), encoding="utf-8")
    started = start_history(folder, Settings())
    history = load_history(load_portfolio(folder, Settings()), now=NOW, started=started)
    assert not history.available and history.reason.startswith("not a git repository")
    assert [(d.code, d.severity.value) for d in history.diagnostics] == [("HIS007", "info")]

def test_a_committed_cache_is_not_trusted(lifecycle):
    settings = Settings(cache_dir=".cache/mltrl")  # kept in the repository, where a pull request can commit one
    portfolio = load_portfolio(lifecycle.path, settings)
    load_history(portfolio, now=NOW)
    state = lifecycle.path / ".cache" / "mltrl" / "history" / "state.json"
    assert state.is_file()
    lifecycle.git("add", "-f", ".cache")
    lifecycle.git("commit", "-q", "-m", "Commit the cache", date="2024-12-01T12:00:00+00:00")
    # Forge it: a committed cache could come from a pull request.
    derived = lifecycle.path / ".cache" / "mltrl" / "history" / "derived.jsonl"
    derived.write_bytes(derived.read_bytes().replace(b'"skip"', b'"graduation"'))
    history = load_history(load_portfolio(lifecycle.path, settings), now=NOW)
    assert "HIS001" in {d.code for d in history.diagnostics}


def test_analytics(lifecycle):
    portfolio, history = history_of(lifecycle)
    data = portfolio_analytics(portfolio, history)
    assert data["technologies"] == 1
    assert data["switchbacks"] == {"embedded": 1, "review": 1, "discovery": 1}
    assert data["skips"] == 1
    assert {"from": 1, "to": 2, "kind": "graduation", "count": 2} in data["transitions"]
    assert data["transitions"][0]["count"] == 2
    assert data["graduations_per_quarter"] == {"2024-Q1": 2, "2024-Q2": 1}
    assert {"levels": [2, 1, 2], "count": 1} in data["cycles"]
    assert {"levels": [4, 2, 3], "count": 0} not in data["cycles"]
    level1 = data["time_in_level"]["1"]
    assert level1["stays"] == 2 and level1["open_stays"] == 0
    assert level1["min_days"] == 10.0 and level1["max_days"] == 31.0 and level1["median_days"] == 20.5
    assert data["time_in_level"]["2"]["open_stays"] == 1
    assert data["current_levels"]["2"] == 1
