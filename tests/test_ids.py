"""Project IDs that change (the research-to-product handoff) and technologies outside the portfolio."""

from __future__ import annotations

import datetime as dt

from factories import card_body, card_meta, front_matter
from gitrepo import GitRepo

from mltrl_docs.config import Settings
from mltrl_docs.history import load_history
from mltrl_docs.loader import load_portfolio

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)


def card(project_id: str, level: int, title: str = "Churn model", **changes) -> str:
    return front_matter(card_meta(project_id, title, level, **changes), card_body(title))


def history_of(repo: GitRepo):
    portfolio = load_portfolio(repo.path, Settings())
    return portfolio, load_history(portfolio, now=NOW)


def renamed(git_repo: GitRepo) -> GitRepo:
    """``churn`` starts as R02.1, graduates, and takes the product ID P13.2 at the handoff."""
    a = "projects/churn/card.md"
    git_repo.commit({a: card("R02.1", 2)}, "2024-01-10", "Start churn research", author="research lead")
    git_repo.commit({a: card("R02.1", 3)}, "2024-02-10", "Graduate churn to 3", author="research lead")
    git_repo.commit({a: card("P13.2", 3)}, "2024-03-05T09:30:00+00:00", "Hand churn over to product",
                    author="product owner")
    return git_repo


def test_an_id_change_is_an_event_with_its_date_commit_and_author(git_repo):
    repo = renamed(git_repo)
    _, history = history_of(repo)
    events = history.projects["churn"].events
    assert [(e.kind, e.from_id, e.to_id) for e in events] == [
        ("created", None, None), ("graduation", None, None), ("id", "R02.1", "P13.2")]
    change = events[-1]
    assert change.date == dt.datetime(2024, 3, 5, 9, 30, tzinfo=dt.timezone.utc)
    assert change.commit == repo.head()
    assert change.author == "product owner"
    assert change.message == "Hand churn over to product"
    assert change.detail == "R02.1 → P13.2"
    assert (change.from_level, change.to_level) == (3, 3)
    assert change.to_dict()["from_id"] == "R02.1" and change.to_dict()["to_id"] == "P13.2"


def test_the_id_event_survives_the_history_cache(git_repo, tmp_path):
    repo = renamed(git_repo)
    portfolio = load_portfolio(repo.path, Settings())
    cold = load_history(portfolio, now=NOW, cache_dir=tmp_path / "cache")
    warm = load_history(portfolio, now=NOW, cache_dir=tmp_path / "cache")
    assert warm.projects["churn"].events == cold.projects["churn"].events
    assert warm.projects["churn"].events[-1].kind == "id"
    # One more commit: the track is read from the cache and extended.
    repo.commit({"projects/churn/card.md": card("P13.3", 3)}, "2024-04-01", "Renumber")
    later = load_history(load_portfolio(repo.path, Settings()), now=NOW, cache_dir=tmp_path / "cache")
    assert [(e.from_id, e.to_id) for e in later.projects["churn"].events if e.kind == "id"] == [
        ("R02.1", "P13.2"), ("P13.2", "P13.3")]
