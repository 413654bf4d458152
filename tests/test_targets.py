"""Targets: levels to reach by dates, their states from real git histories, and the findings TGT001 and TGT002."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET

import pytest
from factories import card_body, card_meta, front_matter, write_technology
from gitrepo import GitRepo
from sitebuild import build, mkdocs_yml, review, write_level

from mltrl_docs.cli import main
from mltrl_docs.config import Settings
from mltrl_docs.history import load_history
from mltrl_docs.history.targets import first_reached, target_states
from mltrl_docs.loader import load_portfolio
from mltrl_docs.rules import check_portfolio
from mltrl_docs.schema import all_schemas

UTC = dt.UTC
CARD = "projects/alpha/card.md"


def card(level: int, targets: list[dict] | None = None, **changes) -> str:
    meta = card_meta("P01.1", "Alpha", level, **changes)
    if targets is not None:
        meta["targets"] = targets
    return front_matter(meta, card_body("Alpha"))


def at(day: str) -> dt.datetime:
    """Noon UTC of ``day``: a build's "now"."""
    return dt.datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def findings(root, code_prefix: str) -> list[tuple]:
    portfolio = load_portfolio(root, Settings())
    return [(d.path, d.line, d.column, d.severity.value, d.code, d.message, d.hint)
            for d in check_portfolio(portfolio) if d.code.startswith(code_prefix)]


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line of ``text`` containing ``needle``."""
    hits = [n for n, line in enumerate(text.split("\n"), 1) if needle in line]
    return hits[occurrence - 1]


# --- the model ------------------------------------------------------------------------------------------


def test_bad_targets_are_schema_findings(tmp_path):
    text = card(1, [{"level": 10, "by": "2027-03-31"}, {"level": 2, "by": "soon"}, {"level": 3},
                    {"level": 4, "by": "2027-05-01", "owner": "x"}])
    (tmp_path / "projects/alpha").mkdir(parents=True)
    (tmp_path / CARD).write_text(text, encoding="utf-8")
    found = [(d.path, d.line, d.column, d.code, d.message, d.hint) for d in
             check_portfolio(load_portfolio(tmp_path, Settings())) if d.code.startswith("SCH")]
    start = line_of(text, "targets:")
    assert found == [
        (CARD, start + 1, 12, "SCH005", "'targets.0.level': input should be less than or equal to 9 (got 10)", ""),
        (CARD, start + 4, 9, "SCH004",
         "'targets.1.by' should be a valid date or datetime, input is too short, not 'soon'",
         "write the date as YYYY-MM-DD"),
        (CARD, start + 5, 5, "SCH001", "missing required field 'targets.2.by'",
         "add 'by:' (The last day on which reaching the level counts as on time (``YYYY-MM-DD``).)"),
        (CARD, start + 8, 5, "SCH002", "unknown field 'targets.3.owner'", "allowed fields: level, by, note"),
    ]


def test_a_good_plan_has_no_finding(tmp_path):
    write_technology(tmp_path / "projects", "alpha", "P01.1", 1,
                     card=card_meta("P01.1", "Alpha", 1, targets=[
                         {"level": 2, "by": "2026-06-30", "note": "first research requirements"},
                         {"level": 4, "by": "2027-03-31"}]))
    portfolio = load_portfolio(tmp_path, Settings())
    assert [d for d in check_portfolio(portfolio) if d.code.startswith(("SCH", "TGT"))] == []
    targets = portfolio.technologies["alpha"].model.targets
    assert [(t.level, t.by, t.note) for t in targets] == [
        (2, dt.date(2026, 6, 30), "first research requirements"), (4, dt.date(2027, 3, 31), "")]


# --- TGT001 -------------------------------------------------------------------------------------------


def test_tgt001_a_level_twice_a_lower_level_later_and_a_date_out_of_order(tmp_path):
    targets = [{"level": 3, "by": "2026-01-31"}, {"level": 3, "by": "2026-06-30"},
               {"level": 5, "by": "2026-09-30"}, {"level": 4, "by": "2026-12-31"},
               {"level": 6, "by": "2026-12-31"}]
    write_technology(tmp_path / "projects", "alpha", "P01.1", 1,
                     card=card_meta("P01.1", "Alpha", 1, targets=targets))
    text = (tmp_path / CARD).read_text(encoding="utf-8")
    assert findings(tmp_path, "TGT") == [
        (CARD, line_of(text, "- level: 3", 2), 12, "error", "TGT001",
         "level 3 is targeted twice (targets 1 and 2)",
         "keep one target per level; to move its date, change 'by' and say why in its 'note'"),
        (CARD, line_of(text, "- level: 4"), 12, "error", "TGT001",
         "target 4 (level 4) comes after target 3 for a higher level (5)",
         "list the targets from the lowest level up"),
        (CARD, line_of(text, "- level: 6") + 1, 9, "error", "TGT001",
         "level 6 is due by 2026-12-31, not after level 4 (due by 2026-12-31)",
         "give each higher level a later date: reaching a level reaches every level below it"),
    ]


# --- states and TGT002 on real histories ------------------------------------------------------------------


@pytest.fixture
def climbing(git_repo: GitRepo) -> GitRepo:
    """Alpha starts at 1 on 2025-01-10, reaches 2 on 2025-03-31 and 3 on 2025-07-15 (committed at 23:30 -05:00).

    The level-3 target is 2025-07-14 on the card now; the test below also reads it as 2025-07-15.
    """
    targets = [{"level": 2, "by": "2025-03-31"}, {"level": 3, "by": "2025-07-15"},
               {"level": 4, "by": "2025-12-31"}, {"level": 5, "by": "2026-06-30"}]
    git_repo.commit({CARD: card(1, targets)}, "2025-01-10", "Start alpha")
    git_repo.commit({CARD: card(2, targets)}, "2025-03-31T18:00:00+00:00", "Alpha reaches 2")
    git_repo.commit({CARD: card(3, targets)}, "2025-07-15T23:30:00-05:00", "Alpha reaches 3")
    git_repo.commit({CARD: card(3, targets[:1] + [{"level": 3, "by": "2025-07-14"}] + targets[2:])},
                    "2025-08-01", "Alpha's level-3 target was a day earlier")
    return git_repo


def states(repo: GitRepo, now: dt.datetime) -> list[tuple[int, str]]:
    portfolio = load_portfolio(repo.path, Settings())
    history = load_history(portfolio, now=now)
    tech = portfolio.technologies["alpha"]
    return [(s.level, s.state) for s in target_states(tech.model, history.projects["alpha"], now)]


def test_each_state_at_its_date_boundaries(climbing):
    # Level 2 was reached on its last day: met. Level 3 the day after its date: met late.
    assert states(climbing, at("2025-12-31")) == [(2, "met"), (3, "met_late"), (4, "on_track"), (5, "on_track")]
    assert states(climbing, at("2026-01-01")) == [(2, "met"), (3, "met_late"), (4, "late"), (5, "on_track")]
    assert states(climbing, at("2026-06-30")) == [(2, "met"), (3, "met_late"), (4, "late"), (5, "on_track")]
    assert states(climbing, at("2026-07-01")) == [(2, "met"), (3, "met_late"), (4, "late"), (5, "late")]


def test_a_commit_counts_on_its_own_calendar_day(climbing):
    # Committed at 23:30 on 2025-07-15 in -05:00, already the 16th in UTC: on time for a target of the 15th.
    text = (climbing.path / CARD).read_text(encoding="utf-8").replace('"2025-07-14"', '"2025-07-15"')
    climbing.write({CARD: text})
    assert states(climbing, at("2025-12-31"))[1] == (3, "met")


def test_first_reached_counts_the_first_time_and_higher_levels(git_repo):
    git_repo.commit({CARD: card(1)}, "2025-01-10", "Start")
    git_repo.commit({CARD: card(2)}, "2025-02-10", "Up")
    git_repo.commit({CARD: card(1)}, "2025-03-10", "Back")
    git_repo.commit({CARD: card(2)}, "2025-04-10", "Up again")
    portfolio = load_portfolio(git_repo.path, Settings())
    history = load_history(portfolio, now=at("2025-05-01")).projects["alpha"]
    assert first_reached(history, 2) == dt.datetime(2025, 2, 10, 12, tzinfo=UTC)
    assert first_reached(history, 1) == dt.datetime(2025, 1, 10, 12, tzinfo=UTC)
    assert first_reached(history, 3) is None


def test_recorded_events_reach_levels(git_repo):
    recorded = [{"date": "2023-05-01", "level": 1, "note": "wiki"}, {"date": "2023-09-01", "level": 2}]
    targets = [{"level": 2, "by": "2023-08-31"}, {"level": 3, "by": "2024-12-31"}]
    git_repo.commit({CARD: card(2, targets, history=recorded)}, "2024-01-10", "Move the card to git")
    assert states(git_repo, at("2024-06-01")) == [(2, "met_late"), (3, "on_track")]


def test_no_history_means_unknown(tmp_path):
    write_technology(tmp_path / "projects", "alpha", "P01.1", 1,
                     card=card_meta("P01.1", "Alpha", 1, targets=[{"level": 2, "by": "2020-01-01"}]))
    portfolio = load_portfolio(tmp_path, Settings())
    tech = portfolio.technologies["alpha"]
    assert [s.state for s in target_states(tech.model, None, at("2025-01-01"))] == ["unknown"]
    history = load_history(portfolio, now=at("2025-01-01"))
    assert not history.available and "TGT002" not in {d.code for d in history.diagnostics}


def test_tgt002_at_the_late_target(climbing):
    portfolio = load_portfolio(climbing.path, Settings())
    text = (climbing.path / CARD).read_text(encoding="utf-8")
    history = load_history(portfolio, now=at("2026-01-02"))
    late = [(d.path, d.line, d.column, d.severity.value, d.code, d.message, d.hint, d.project)
            for d in history.diagnostics if d.code.startswith("TGT")]
    assert late == [(CARD, line_of(text, "- level: 4"), 5, "warning", "TGT002",
                     ("target level 4 by 2025-12-31 is late by 2 day(s): the technology is at level 3 and has "
                      "not reached level 4"),
                     "reach the level, or move 'by' to the new date and say why in the target's 'note'", "alpha")]
    assert "TGT002" not in {d.code for d in load_history(portfolio, now=at("2025-12-31")).diagnostics}


def test_tgt002_when_the_raised_level_is_not_committed(climbing):
    text = (climbing.path / CARD).read_text(encoding="utf-8").replace("level: 3\n", "level: 4\n", 1)
    climbing.write({CARD: text})
    portfolio = load_portfolio(climbing.path, Settings())
    late = [d.message for d in load_history(portfolio, now=at("2026-01-02")).diagnostics if d.code == "TGT002"]
    assert late == [("target level 4 by 2025-12-31 is late by 2 day(s): the card says level 4, but no commit or "
                     "recorded event has reached level 4 yet")]


def test_tgt002_severity_is_configurable(climbing):
    settings = Settings(rules={"TGT002": {"severity": "off"}})
    portfolio = load_portfolio(climbing.path, settings)
    assert "TGT002" not in {d.code for d in load_history(portfolio, now=at("2026-01-02")).diagnostics}
    settings = Settings(rules={"TGT002": {"severity": "error"}})
    portfolio = load_portfolio(climbing.path, settings)
    assert [d.severity.value for d in load_history(portfolio, now=at("2026-01-02")).diagnostics
            if d.code == "TGT002"] == ["error"]


# --- the site, the export and the public build (real mkdocs build --strict) ----------------------------------

NOTE = "Pilot <script>alert(1)</script> & the plant"
ALPHA_TARGETS = [{"level": 2, "by": "2024-03-31", "note": "first requirements"}, {"level": 3, "by": "2024-06-30"},
                 {"level": 4, "by": "2025-06-30", "note": NOTE}]
BETA_TARGETS = [{"level": 2, "by": "2024-10-31", "note": "Falcon codename launch"}]


def planned_portfolio(repo: GitRepo) -> None:
    """Alpha (public): 1 on 2024-01-10, 2 on 2024-03-15, 3 on 2024-09-02; beta (internal) stays at 1.

    On the builds' day (2025-01-01) alpha's targets are met, met late and on track; beta's is late.
    """
    write_level(repo, "alpha", "P01.1", 1, title="Alpha", visibility="public", targets=ALPHA_TARGETS)
    write_level(repo, "beta", "P02.1", 1, title="Beta", targets=BETA_TARGETS)
    repo.commit({}, "2024-01-10", "Start alpha and beta")
    write_level(repo, "alpha", "P01.1", 2, title="Alpha", visibility="public", targets=ALPHA_TARGETS,
                reviews={"2024-03-15-level-1.md": review(1, "2024-03-15", "graduate", 2)})
    repo.commit({}, "2024-03-15", "Graduate alpha to level 2")
    write_level(repo, "alpha", "P01.1", 3, title="Alpha", visibility="public", targets=ALPHA_TARGETS,
                reviews={"2024-09-01-level-2.md": review(2, "2024-09-01", "graduate", 3)})
    repo.commit({}, "2024-09-02", "Graduate alpha to level 3")


def site_repo(folder, options: dict) -> GitRepo:
    repo = GitRepo(folder)
    (repo.path / "docs").mkdir()
    (repo.path / "overrides").mkdir()
    (repo.path / "mkdocs.yml").write_text(mkdocs_yml(options=options), encoding="utf-8")
    (repo.path / ".gitignore").write_text("site/\n.cache/\n", encoding="utf-8")
    planned_portfolio(repo)
    return repo


# Beta's late target is reported, but as a note: a warning would stop 'mkdocs build --strict'.
QUIET_LATE = {"rules": {"TGT002": {"severity": "info"}}}


@pytest.fixture(scope="module")
def planned_site(tmp_path_factory):
    repo = site_repo(tmp_path_factory.mktemp("targets") / "repo", QUIET_LATE)
    result = build(repo.path)
    assert result.returncode == 0, result.stderr
    assert "TGT002" in result.stderr and "target level 2 by 2024-10-31 is late by 62 day(s)" in result.stderr
    return repo.path / "site"


def timeline_of(page: str, slug: str) -> ET.Element:
    match = re.search(rf'<svg[^>]*aria-labelledby="mltrl-timeline-{slug}-title.*?</svg>', page, re.DOTALL)
    assert match is not None
    return ET.fromstring(match.group(0))


SVG = "{http://www.w3.org/2000/svg}"


def test_timeline_draws_the_plan_beside_the_path(planned_site):
    page = (planned_site / "technologies/alpha/index.html").read_text(encoding="utf-8")
    svg = timeline_of(page, "alpha")
    targets = [g for g in svg.iter(f"{SVG}g") if "mltrl-target" in g.get("class", "").split()]
    assert [(g.get("data-level"), g.get("data-by"), g.get("data-state"), g.find(f"{SVG}title").text)
            for g in targets] == [
        ("2", "2024-03-31", "met", ("Target: level 2 (Proof of principle) by 2024-03-31, met (reached 2024-03-15) "
                                    "— first requirements")),
        ("3", "2024-06-30", "met_late", ("Target: level 3 (System development) by 2024-06-30, met late (reached "
                                         "2024-09-02)")),
        ("4", "2025-06-30", "on_track", f"Target: level 4 (Proof of concept) by 2025-06-30, on track — {NOTE}"),
    ]
    assert [g.get("class") for g in targets] == ["mltrl-target mltrl-target-met", "mltrl-target mltrl-target-met_late",
                                                 "mltrl-target mltrl-target-on_track"]
    # A dashed guide from each marker to the time axis, and a dashed line through the plan in date order.
    guides = [line for g in targets for line in g.iter(f"{SVG}line")]
    assert len(guides) == 3 and all(line.get("stroke-dasharray") for line in guides)
    plan_line = next(p for p in svg.iter(f"{SVG}polyline") if p.get("class") == "mltrl-plan-line")
    xs = [float(point.split(",")[0]) for point in plan_line.get("points").split()]
    assert len(xs) == 3 and xs == sorted(xs)
    # The axis reaches the last target, which lies after today's line.
    today = float(next(g for g in svg.iter(f"{SVG}g") if g.get("class") == "mltrl-today").find(f"{SVG}line").get("x1"))
    assert xs[2] > today
    assert "<script>alert(1)" not in page and "Pilot &lt;script&gt;alert(1)&lt;/script&gt; &amp; the plant" in page
    # The table under the timeline says the same.
    table = page[page.index('<h3 id="targets">'):page.index("</table>", page.index('<h3 id="targets">'))]
    assert [re.sub(r"<[^>]+>", "", s) for s in re.findall(r'<span class="mltrl-chip mltrl-target-\w+">.*?</span>',
                                                          table)] == ["met", "met late", "on track"]


def test_portfolio_shows_targets_per_technology(planned_site):
    page = (planned_site / "index.html").read_text(encoding="utf-8")
    assert '<th data-sort="num" scope="col">Targets</th>' in page
    cells = dict(re.findall(r'<tr data-level="\d"[^>]*>.*?<code>(P\d+\.\d)</code>.*?<td class="mltrl-targets-cell" '
                            r'data-value="\d+">(.*?)</td>', page, re.DOTALL))
    chips = {pid: re.findall(r'data-state="(\w+)">(\d+) ([a-z ]+)</span>', cell) for pid, cell in cells.items()}
    assert chips == {"P01.1": [("met", "2", "met"), ("on_track", "1", "on track")],
                     "P02.1": [("late", "1", "late")]}


def test_analytics_count_targets_met_and_missed_per_quarter(planned_site):
    page = (planned_site / "analytics/index.html").read_text(encoding="utf-8")
    table = page[page.index('<h2 id="targets-per-quarter">'):]
    rows = re.findall(r"<tr><td>(\d{4}-Q\d)</td><td>(\d+)</td><td>(\d+)</td></tr>", table)
    assert rows == [("2024-Q1", "1", "0"), ("2024-Q2", "0", "1"), ("2024-Q4", "0", "1")]


def test_export_has_targets_with_their_states(planned_site):
    document = json.loads((planned_site / "mltrl.json").read_text(encoding="utf-8"))
    by_slug = {t["slug"]: t for t in document["technologies"]}
    assert by_slug["alpha"]["targets"] == [
        {"level": 2, "by": "2024-03-31", "note": "first requirements", "state": "met",
         "reached": "2024-03-15T12:00:00+00:00"},
        {"level": 3, "by": "2024-06-30", "note": "", "state": "met_late", "reached": "2024-09-02T12:00:00+00:00"},
        {"level": 4, "by": "2025-06-30", "note": NOTE, "state": "on_track", "reached": None},
    ]
    assert by_slug["beta"]["targets"] == [{"level": 2, "by": "2024-10-31", "note": "Falcon codename launch",
                                           "state": "late", "reached": None}]
    assert document["analytics"]["targets_per_quarter"] == {
        "2024-Q1": {"met": 1, "missed": 0}, "2024-Q2": {"met": 0, "missed": 1}, "2024-Q4": {"met": 0, "missed": 1}}


def test_public_build_shows_only_public_targets(tmp_path):
    repo = site_repo(tmp_path / "repo", {**QUIET_LATE, "public_only": True})
    result = build(repo.path)
    assert result.returncode == 0, result.stderr
    site = repo.path / "site"
    document = json.loads((site / "mltrl.json").read_text(encoding="utf-8"))
    assert [(t["slug"], [g["state"] for g in t["targets"]]) for t in document["technologies"]] == [
        ("alpha", ["met", "met_late", "on_track"])]
    assert document["analytics"]["targets_per_quarter"] == {"2024-Q1": {"met": 1, "missed": 0},
                                                            "2024-Q2": {"met": 0, "missed": 1}}
    for file in site.rglob("*"):
        if file.is_file() and file.suffix in (".html", ".json", ".xml", ".txt"):
            assert "Falcon" not in file.read_text(encoding="utf-8", errors="replace"), file


# --- the pull-request report (mltrl check --base) -------------------------------------------------------


def test_pr_report_shows_target_changes(git_repo, tmp_path, capsys, monkeypatch):
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):  # the test picks the format and the summary itself
        monkeypatch.delenv(name, raising=False)
    base = [{"level": 2, "by": "2030-03-31"}, {"level": 3, "by": "2030-06-30"}, {"level": 5, "by": "2031-03-31"}]
    change = [{"level": 2, "by": "2030-05-31", "note": "the data came late"}, {"level": 4, "by": "2030-06-30"},
              {"level": 6, "by": "2031-12-31"}]
    write_technology(git_repo.path / "projects", "alpha", "P01.1", 1,
                     card=card_meta("P01.1", "Alpha", 1, targets=base))
    git_repo.commit({}, "2025-01-10", "Alpha with a plan")
    git_repo.git("checkout", "-q", "-b", "change")
    write_technology(git_repo.path / "projects", "alpha", "P01.1", 1,
                     card=card_meta("P01.1", "Alpha", 1, targets=change))
    git_repo.commit({}, "2025-02-10", "Alpha's plan moves")
    summary = tmp_path / "comment.md"
    code = main(["check", str(git_repo.path), "--base", "main", "--format", "text", "--summary", str(summary)])
    out, _ = capsys.readouterr()
    assert code == 0
    assert ("Target changes:\n"
            "  projects/alpha (P01.1): level 2 by 2030-03-31 moved to 2030-05-31\n"
            "  projects/alpha (P01.1): target by 2030-06-30 changed from level 3 to 4\n"
            "  projects/alpha (P01.1): level 5 by 2031-03-31 removed\n"
            "  projects/alpha (P01.1): level 6 by 2031-12-31 added\n") in out
    markdown = summary.read_text(encoding="utf-8")
    assert ("### Target changes\n\n| Technology | Change |\n|---|---|\n"
            "| **P01.1** Alpha (projects/alpha) | level 2 by 2030-03-31 moved to 2030-05-31 |\n") in markdown
    code = main(["check", str(git_repo.path), "--base", "main", "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert document["technologies"][0]["target_changes"] == [
        {"kind": "moved", "level_before": 2, "level_after": 2, "by_before": "2030-03-31", "by_after": "2030-05-31"},
        {"kind": "relevelled", "level_before": 3, "level_after": 4, "by_before": "2030-06-30",
         "by_after": "2030-06-30"},
        {"kind": "removed", "level_before": 5, "level_after": None, "by_before": "2031-03-31", "by_after": None},
        {"kind": "added", "level_before": None, "level_after": 6, "by_before": None, "by_after": "2031-12-31"},
    ]


def test_card_schema_describes_targets():
    schema = json.loads(all_schemas()["card.schema.json"])
    assert schema["properties"]["targets"]["items"] == {"$ref": "#/$defs/Target"}
    target = schema["$defs"]["Target"]
    assert target["required"] == ["level", "by"] and target["additionalProperties"] is False
    assert (target["properties"]["level"]["minimum"], target["properties"]["level"]["maximum"]) == (0, 9)
    assert target["properties"]["by"]["format"] == "date"
