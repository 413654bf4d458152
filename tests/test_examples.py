"""The repository's own content: the public examples in ``cards/`` and the internal samples in ``projects/``.

They are the richest fixtures of the project, so these tests hold them to everything the
checker and the history demand: no finding of any severity, every rule of their level met,
visibility matching their folder, and recorded paths whose switchbacks, pauses and
bifurcations come out of the history derivation as written, each gate backed by its review.
"""

from __future__ import annotations

import shutil

import pytest
from shipped import EXPECTED, NOW, REPO, SHARED_LINEAGE, SWITCHBACKS, TARGETS

from mltrl_docs.history import load_history
from mltrl_docs.history.targets import target_states
from mltrl_docs.loader import Portfolio, Technology, load_portfolio
from mltrl_docs.rules import check_portfolio, readiness
from mltrl_docs.workspace import open_workspace


@pytest.fixture(scope="module")
def portfolio() -> Portfolio:
    """The repository's content, read with the repository's own configuration, as ``mltrl check`` does."""
    return load_portfolio(REPO, open_workspace(REPO).settings)


def _tech(portfolio: Portfolio, slug: str) -> Technology:
    tech = portfolio.technologies.get(slug)
    assert tech is not None and tech.model is not None, f"{slug} is missing or its card is invalid"
    return tech


def _recorded_path(tech: Technology) -> list[int | str]:
    return [e.level if e.level is not None else e.status for e in tech.model.history]


def test_no_findings_of_any_severity(portfolio: Portfolio) -> None:
    found = check_portfolio(portfolio)
    assert found == [], "\n".join(f"{d.path}:{d.line}:{d.column}: {d.code} {d.message}" for d in found)


def test_every_example_is_present_with_its_id_level_and_status(portfolio: Portfolio) -> None:
    for slug, (root, project_id, level, status, _) in EXPECTED.items():
        tech = _tech(portfolio, slug)
        assert (tech.root, tech.model.id, tech.model.level, tech.model.status) == (root, project_id, level, status)


def test_cards_are_public_and_projects_internal(portfolio: Portfolio) -> None:
    for tech in portfolio.technologies.values():
        if tech.slug not in EXPECTED:
            continue
        expected = "public" if tech.root == "cards" else "internal"
        assert tech.model.visibility == expected, tech.slug
    by_id = portfolio.by_id
    for slug, (root, *_rest) in EXPECTED.items():
        card = _tech(portfolio, slug).model
        if root == "cards":
            refs = card.components + card.coupled
            assert all(by_id[ref].model.visibility == "public" for ref in refs), slug


def test_every_rule_of_each_level_is_met(portfolio: Portfolio) -> None:
    settings = portfolio.settings
    for slug, (_, _, level, _, _) in EXPECTED.items():
        result = readiness(_tech(portfolio, slug), settings)
        assert result is not None and result.level == level
        unmet = {r.rule.code: [m.message for m in r.misses] for r in result.current if not r.met}
        assert unmet == {}, slug
        assert {r.rule.level for r in result.current} == set(range(level + 1)), slug


def test_work_in_progress_shows_in_readiness(portfolio: Portfolio) -> None:
    """Technologies below 9 are honest about what the next level still needs."""
    causal = readiness(_tech(portfolio, "causal-diagnosis"), portfolio.settings)
    assert {r.rule.code for r in causal.next if not r.met} == {"L701", "L702", "L703", "L704"}
    churn = readiness(_tech(portfolio, "customer-churn-model"), portfolio.settings)
    assert {r.rule.code for r in churn.next if not r.met} == {"L401", "L402"}
    medical = readiness(_tech(portfolio, "neuropathology-anomaly-detection"), portfolio.settings)
    assert {r.rule.code for r in medical.next if not r.met} == {"L801", "L802", "L803"}


def test_recorded_paths_and_switchbacks(portfolio: Portfolio) -> None:
    for slug, (*_, path) in EXPECTED.items():
        tech = _tech(portfolio, slug)
        assert _recorded_path(tech) == path, slug
        assert tech.model.history[-1].level == tech.model.level or tech.model.history[-1].status == tech.model.status
        levels = [(e, e.level) for e in tech.model.history if e.level is not None]
        written = [(prev, event.level, event.switchback) for (_, prev), (event, _) in zip(levels, levels[1:])
                   if event.level < prev]
        assert written == SWITCHBACKS[slug], slug


def test_composition_and_bifurcations(portfolio: Portfolio) -> None:
    by_id = portfolio.by_id
    for tech in portfolio.technologies.values():
        if tech.slug in EXPECTED:
            for component in tech.model.components:
                assert tech.model.level <= by_id[component].model.level, tech.slug
    assert _tech(portfolio, "particle-simulator-inversion").model.components == ["R09.2"]
    assert _tech(portfolio, "customer-churn-model").model.components == ["P04.1"]
    assert _tech(portfolio, "industrial-anomaly-detection").model.coupled == ["P11.2"]
    assert _tech(portfolio, "neuropathology-anomaly-detection").model.coupled == ["P11.1"]
    # Both branches begin on the day their parent passed the level 6 gate that split them.
    splits = {"neuropathology-anomaly-detection": ("industrial-anomaly-detection", 6),
              "probabilistic-execution-protocol": ("particle-simulator-inversion", 6)}
    for branch, (parent, level) in splits.items():
        branch_events = _tech(portfolio, branch).model.history
        split_day = next(e.date for e in branch_events if e.level == level)
        parent_events = _tech(portfolio, parent).model.history
        assert any(e.date == split_day and e.level == level for e in parent_events), branch


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """History derived by the real extraction from a git repository holding a copy of the content."""
    from gitrepo import GitRepo

    base = tmp_path_factory.mktemp("examples")
    repo = GitRepo(base / "repo")
    for root in ("cards", "projects"):
        for slug, (expected_root, *_rest) in EXPECTED.items():
            if expected_root == root:
                shutil.copytree(REPO / root / slug, repo.path / root / slug)
    repo.commit({}, "2026-11-26", "Import the example content")
    copied = load_portfolio(repo.path, open_workspace(REPO).settings)
    return copied, load_history(copied, cache_dir=base / "cache", now=NOW)


def test_history_has_no_findings(history) -> None:
    _, derived = history
    assert derived.available
    assert [(d.path, d.code, d.message) for d in derived.diagnostics] == []


def test_targets_stand_where_expected(history) -> None:
    copied, derived = history
    for slug, tech in copied.technologies.items():
        states = [(t.level, t.state) for t in target_states(tech.model, derived.projects[slug], NOW)]
        assert states == TARGETS.get(slug, []), slug


def test_derived_switchbacks_match_the_recorded_ones(history) -> None:
    _, derived = history
    for slug, expected in SWITCHBACKS.items():
        events = derived.projects[slug].events
        found = [(e.from_level, e.to_level, e.switchback_kind) for e in events if e.kind == "switchback"]
        assert found == expected, slug
        assert not [e for e in events if e.kind == "skip"], slug


def test_every_gate_has_its_review(history) -> None:
    """Each recorded graduation, and each review switchback, was matched to a review record deciding it."""
    copied, derived = history
    for slug in EXPECTED:
        shared = SHARED_LINEAGE.get(slug)
        for event in derived.projects[slug].events:
            needs_review = event.kind == "graduation" or (event.kind == "switchback"
                                                          and event.switchback_kind == "review")
            if not needs_review:
                continue
            if shared and event.date.date() <= shared[1]:
                parent = copied.technologies[shared[0]]
                assert any(r.level == event.from_level and r.date == event.date.date() and r.decision == "graduate"
                           for r in parent.review_models), (slug, event.date)
                continue
            assert event.review is not None, (slug, event.from_level, event.to_level, event.date)


def test_review_switchbacks_are_decided_by_switchback_reviews(portfolio: Portfolio) -> None:
    for slug, switchbacks in SWITCHBACKS.items():
        tech = _tech(portfolio, slug)
        for from_level, to_level, kind in switchbacks:
            if kind != "review":
                continue
            assert any(r.level == from_level and r.decision == "switchback" and r.to_level == to_level
                       for r in tech.review_models), (slug, from_level, to_level)


def test_pauses_are_recorded_with_a_pause_review(portfolio: Portfolio) -> None:
    for slug, (*_, path) in EXPECTED.items():
        tech = _tech(portfolio, slug)
        for event in tech.model.history:
            if event.status == "paused":
                assert any(r.decision == "pause" and r.date == event.date for r in tech.review_models), slug
