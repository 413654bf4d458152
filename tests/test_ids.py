"""Project IDs that change (the research-to-product handoff) and technologies outside the portfolio."""

from __future__ import annotations

import copy
import datetime as dt
import json
import pickle
import re
from pathlib import Path

from factories import card_body, card_meta, front_matter, write_technology
from gitrepo import GitRepo
from sitebuild import TODAY, build, mkdocs_yml, mltrl

from mltrl_docs.build import Build
from mltrl_docs.config import Settings
from mltrl_docs.history import load_history
from mltrl_docs.history.model import PortfolioHistory
from mltrl_docs.loader import load_portfolio
from mltrl_docs.public import public_history
from mltrl_docs.site.pages import Site
from mltrl_docs.site.view import build_view

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


def build_of(base: Path, settings: Settings | None = None) -> Build:  # the pipeline, not a site
    return Build(base, settings or Settings(), now=NOW)


def findings_of(base: Path, *codes: str) -> list[tuple]:
    with build_of(base) as build:
        found = build.findings
    return [(d.path, d.line, d.column, d.severity.value, d.code, d.message, d.hint) for d in found if d.code in codes]


def where(file: Path, needle: str, after: str = "") -> tuple[int, int]:
    """Line and column (1-based) of the first ``needle`` after the line holding ``after``."""
    lines = file.read_text(encoding="utf-8").split("\n")
    start = next(n for n, line in enumerate(lines) if after in line) if after else 0
    for number, line in enumerate(lines[start:], start + 1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(f"{needle!r} not in {file}")


def test_a_former_id_from_git_resolves_in_components_and_coupled_with_xr009(git_repo):
    repo = renamed(git_repo)
    meta = card_meta("S01.0", "Dashboard", 3, components=["R02.1"], coupled=["R02.1"])
    repo.commit({"projects/dashboard/card.md": front_matter(meta, card_body("Dashboard"))}, "2024-04-01")
    card_file = repo.path / "projects/dashboard/card.md"
    message = "'R02.1' is the former ID of P13.2 (changed on 2024-03-05)"
    assert findings_of(repo.path, "XR002", "XR003", "XR009") == [
        ("projects/dashboard/card.md", *where(card_file, '"R02.1"', "components:"), "warning", "XR009", message,
         "write 'P13.2'"),
        ("projects/dashboard/card.md", *where(card_file, '"R02.1"', "coupled:"), "warning", "XR009", message,
         "write 'P13.2'"),
    ]


def test_a_warm_check_reads_former_ids_from_the_cache_without_decoding_the_history(git_repo):
    """After a commit to one technology, ``mltrl check`` resolves another's former ID from the head of its cached
    history, and decodes that history only when something reads it."""
    from mltrl_docs.history.extract import KeptHistory

    repo = renamed(git_repo)
    meta = card_meta("S01.0", "Dashboard", 3, components=["R02.1"])
    repo.commit({"projects/dashboard/card.md": front_matter(meta, card_body("Dashboard"))}, "2024-04-01")
    cold = findings_of(repo.path, "XR009")
    assert [row[4] for row in cold] == ["XR009"]
    repo.commit({"projects/dashboard/card.md": front_matter(meta, card_body("Dashboard") + "\nMore.\n")},
                "2024-04-02", "Edit the dashboard alone")
    with build_of(repo.path) as build:
        warm = [(d.path, d.line, d.column, d.severity.value, d.code, d.message, d.hint)
                for d in build.findings if d.code == "XR009"]
        churn = build.history.projects["churn"]
        assert isinstance(churn, KeptHistory) and "_record" in churn.__dict__  # reused, still undecoded
        assert not isinstance(build.history.projects["dashboard"], KeptHistory)  # its commit: derived anew
        assert churn.id_changes == [("R02.1", dt.datetime(2024, 3, 5, 9, 30, tzinfo=dt.timezone.utc))]
        assert [(e.kind, e.from_id, e.to_id) for e in churn.events][-1] == ("id", "R02.1", "P13.2")
        assert "_record" not in churn.__dict__ and churn.id_changes == [(e.from_id, e.date) for e in churn.events[-1:]]
        read = {slug: h.to_dict(NOW) for slug, h in build.history.projects.items()}
    assert warm == cold
    # A copy of a history not decoded yet is a whole history, like one of a decoded history.
    with build_of(repo.path) as build:
        kept = build.history.projects["churn"]
        assert "_record" in kept.__dict__
        copied = copy.deepcopy(kept)
        again = pickle.loads(pickle.dumps(kept))
        assert "_record" not in copied.__dict__ and copied.to_dict(NOW) == again.to_dict(NOW) == read["churn"]
        texts = [c.text for c in copied.prior_cards]
        assert texts and texts == [c.text for c in again.prior_cards] and all("R02.1" in t for t in texts)
    portfolio = load_portfolio(repo.path, Settings())
    fresh = load_history(portfolio, now=NOW, cache_dir=repo.path.parent / "fresh-cache")
    assert read == {slug: h.to_dict(NOW) for slug, h in fresh.projects.items()}


def test_without_the_former_id_a_reference_fails_xr002_with_a_hint(tmp_path):
    write_technology(tmp_path / "projects", "churn", "P13.2", 3)
    write_technology(tmp_path / "projects", "dashboard", "S01.0", 3,
                     card=card_meta("S01.0", "Dashboard", 3, coupled=["R02.1", "p13.2"]))
    card_file = tmp_path / "projects/dashboard/card.md"
    assert findings_of(tmp_path, "XR002", "XR009") == [
        ("projects/dashboard/card.md", *where(card_file, '"R02.1"'), "error", "XR002",
         "coupled 'R02.1' is not the ID of any technology",
         "check the ID on its card; a technology outside this portfolio is declared under 'external'"),
        ("projects/dashboard/card.md", *where(card_file, '"p13.2"'), "error", "XR002",
         "coupled 'p13.2' is not the ID of any technology", "did you mean 'P13.2'?"),
    ]


def test_declared_former_ids_resolve_without_git_and_bound_the_level(tmp_path):
    write_technology(tmp_path / "projects", "churn", "P13.2", 3,
                     card=card_meta("P13.2", "Churn", 3, former_ids=["R02.1"]))
    write_technology(tmp_path / "projects", "system", "S01.0", 4,
                     card=card_meta("S01.0", "System", 4, components=["R02.1"]))
    card_file = tmp_path / "projects/system/card.md"
    assert findings_of(tmp_path, "XR002", "XR003", "XR009") == [
        ("projects/system/card.md", *where(card_file, "4", "level:"), "error", "XR003",
         "level 4 is above component P13.2 at level 3",
         "a system is only as ready as its least ready component: set 'level: 3' or mature P13.2 first"),
        ("projects/system/card.md", *where(card_file, '"R02.1"'), "warning", "XR009",
         "'R02.1' is the former ID of P13.2", "write 'P13.2'"),
    ]


def test_a_former_id_claimed_twice_or_in_use_is_xr010(tmp_path):
    root = tmp_path / "projects"
    write_technology(root, "churn", "P13.2", 3, card=card_meta("P13.2", "Churn", 3, former_ids=["R02.1", "R07.0"]))
    write_technology(root, "other", "P20.0", 3, card=card_meta("P20.0", "Other", 3, former_ids=["R02.1"]))
    write_technology(root, "research", "R07.0", 2)
    churn, other = root / "churn/card.md", root / "other/card.md"
    assert findings_of(tmp_path, "XR001", "XR010") == [
        ("projects/churn/card.md", *where(churn, '"R07.0"'), "error", "XR010",
         "former ID 'R07.0' is also the project ID of projects/research/card.md",
         "an ID names one technology only: remove it here or on the other card"),
        ("projects/other/card.md", *where(other, '"R02.1"'), "error", "XR010",
         "former ID 'R02.1' is also a former ID of projects/churn/card.md",
         "an ID names one technology only: remove it here or on the other card"),
    ]


ACME = {"id": "ACME-7", "title": "Acme feature store", "url": "https://acme.example.org/store", "level": 5}
LIB = {"id": "OSS-TORCH", "title": "An open-source library"}


def test_external_components_need_no_card_and_bound_the_level_by_their_declared_level(tmp_path):
    root = tmp_path / "projects"
    write_technology(root, "system", "S01.0", 6, card=card_meta(
        "S01.0", "System", 6, components=["ACME-7", "OSS-TORCH"], coupled=["OSS-TORCH"], external=[ACME, LIB]))
    card_file = root / "system/card.md"
    assert findings_of(tmp_path, "XR002", "XR003", "XR007", "XR011") == [
        ("projects/system/card.md", *where(card_file, "6", "level:"), "error", "XR003",
         "level 6 is above external component ACME-7 at level 5",
         "a system is only as ready as its least ready component: set 'level: 5' or mature ACME-7 first"),
    ]


def test_an_external_component_without_a_level_does_not_bound_the_level(tmp_path):
    root = tmp_path / "projects"
    write_technology(root, "system", "S01.0", 6, card=card_meta("S01.0", "System", 6, components=["OSS-TORCH"],
                                                                external=[LIB]))
    assert findings_of(tmp_path, "XR002", "XR003") == []


def test_an_external_id_belongs_to_the_card_that_declares_it(tmp_path):
    root = tmp_path / "projects"
    write_technology(root, "one", "P01.0", 3, card=card_meta("P01.0", "One", 3, coupled=["ACME-7"], external=[ACME]))
    write_technology(root, "two", "P02.0", 3, card=card_meta("P02.0", "Two", 3, coupled=["ACME-7"]))
    assert [(p, code) for p, *_, code, _, _ in findings_of(tmp_path, "XR002")] == [
        ("projects/two/card.md", "XR002")]


def test_external_ids_of_the_portfolio_or_declared_twice_are_xr011(tmp_path):
    root = tmp_path / "projects"
    write_technology(root, "churn", "P13.2", 3, card=card_meta("P13.2", "Churn", 3, former_ids=["R02.1"]))
    write_technology(root, "system", "S01.0", 3, card=card_meta(
        "S01.0", "System", 3, coupled=["P13.2"],
        external=[{"id": "P13.2", "title": "Same"}, {"id": "R02.1", "title": "Old"}, LIB, LIB]))
    card_file = root / "system/card.md"
    lines = card_file.read_text(encoding="utf-8").split("\n")
    ids = [(n, line.index('"') + 1) for n, line in enumerate(lines, 1) if line.strip().startswith("- id:")]
    hint = "remove the entry from 'external': the reference resolves to that technology"
    assert findings_of(tmp_path, "XR002", "XR011") == [
        ("projects/system/card.md", *ids[0], "error", "XR011",
         "external technology 'P13.2' is an ID of projects/churn/card.md in this portfolio", hint),
        ("projects/system/card.md", *ids[1], "error", "XR011",
         "external technology 'R02.1' is an ID of projects/churn/card.md in this portfolio", hint),
        ("projects/system/card.md", *ids[3], "error", "XR011",
         "external technology 'OSS-TORCH' is declared twice", "keep one entry for it under 'external'"),
    ]


def test_a_public_card_may_refer_to_an_external_technology(tmp_path):
    write_technology(tmp_path / "cards", "open", "P10", 3, card=card_meta(
        "P10", "Open", 3, visibility="public", components=["ACME-7"], external=[{**ACME, "level": 3}]))
    assert findings_of(tmp_path, "XR002", "XR003", "XR008") == []


def test_an_external_url_with_a_script_scheme_is_refused(tmp_path):
    write_technology(tmp_path / "projects", "system", "S01.0", 3, card=card_meta(
        "S01.0", "System", 3, coupled=["ACME-7"], external=[{**ACME, "url": " java\tscript:alert(1)"}]))
    card_file = tmp_path / "projects/system/card.md"
    found = findings_of(tmp_path, "SCH006", "XR002")
    assert [(p, line, code) for p, line, _, _, code, _, _ in found] == [
        ("projects/system/card.md", where(card_file, "url:")[0], "SCH006")]
    assert "links may use http, https or mailto, not 'javascript:'" in found[0][5]


def test_a_former_id_from_git_that_another_technology_now_carries_is_his010(git_repo):
    repo = renamed(git_repo)
    repo.commit({"projects/fresh/card.md": card("R02.1", 1, "Fresh research"),
                 "projects/dashboard/card.md": card("S01.0", 3, "Dashboard", coupled=["R02.1"])}, "2024-04-01")
    churn = repo.path / "projects/churn/card.md"
    assert findings_of(repo.path, "HIS010", "XR009", "XR002") == [
        ("projects/churn/card.md", *where(churn, '"P13.2"'), "warning", "HIS010",
         "the card's ID was 'R02.1' until 2024-03-05, and 'R02.1' is now an ID of projects/fresh/card.md",
         "references to 'R02.1' mean that technology; if some meant this one, write 'P13.2' there"),
    ]


def test_mltrl_history_takes_a_current_id_a_former_id_or_a_folder(git_repo):
    repo = renamed(git_repo)
    outputs = {}
    for name in ("churn", "P13.2", "R02.1"):
        # One "today" for the three runs: the time at the current level is measured up to it.
        result = mltrl("history", name, "--format", "json", cwd=repo.path, env={"SOURCE_DATE_EPOCH": str(TODAY)})
        assert result.returncode == 0, result.stderr
        outputs[name] = json.loads(result.stdout)
    assert outputs["churn"] == outputs["P13.2"] == outputs["R02.1"]
    change = outputs["R02.1"]["events"][-1]
    assert (change["kind"], change["from_id"], change["to_id"], change["date"], change["author"]) == (
        "id", "R02.1", "P13.2", "2024-03-05T09:30:00+00:00", "product owner")
    text = mltrl("history", "R02.1", cwd=repo.path)
    assert text.returncode == 0, text.stderr
    line = next(line for line in text.stdout.split("\n") if line.startswith("2024-03-05"))
    assert line.split()[:5] == ["2024-03-05", "id", "at", "3", "R02.1"]
    assert "R02.1 → P13.2" in line and "Hand churn over to product" in line
    unknown = mltrl("history", "P13.3", cwd=repo.path)
    assert unknown.returncode == 2
    assert "no technology 'P13.3' (give a folder name or a project ID); did you mean 'P13.2'?" in unknown.stderr


def site_repo(repo: GitRepo) -> GitRepo:
    """The churn model renamed at the handoff, and a dashboard using it by its old ID and two outside technologies."""
    root = repo.path / "projects"
    (repo.path / "docs").mkdir()
    (repo.path / "overrides").mkdir()
    (repo.path / "mkdocs.yml").write_text(mkdocs_yml(), encoding="utf-8")
    (repo.path / ".gitignore").write_text("site/\n.cache/\n", encoding="utf-8")
    write_technology(root, "churn", "R02.1", 2, title="Churn model")
    repo.commit({}, "2024-01-10", "Start churn research")
    write_technology(root, "churn", "R02.1", 3, title="Churn model")
    repo.commit({}, "2024-02-10", "Graduate churn to 3")
    write_technology(root, "churn", "P13.2", 3, title="Churn model")
    repo.commit({}, "2024-03-05T09:30:00+00:00", "Hand churn over to product", author="product owner")
    hostile = {"id": "ACME-7", "title": "Acme <img src=x onerror=alert(1)> store", "level": 3,
               "url": "https://acme.example.org/store?a=1&b=<2>"}
    write_technology(root, "dashboard", "S01.0", 3, card=card_meta(
        "S01.0", "Dashboard", 3, components=["R02.1", "ACME-7"], coupled=["OSS-TORCH"], external=[hostile, LIB]))
    repo.commit({}, "2024-04-01", "Add the dashboard")
    return repo


def test_the_site_links_former_ids_to_the_page_and_external_technologies_out(git_repo):
    repo = site_repo(git_repo)
    result = build(repo.path, strict=False)  # the XR009 warning would stop a strict build
    assert result.returncode == 0, result.stderr
    assert "warning XR009 'R02.1' is the former ID of P13.2 (changed on 2024-03-05)" in result.stderr
    site = repo.path / "site"
    page = (site / "technologies/dashboard/index.html").read_text(encoding="utf-8")
    composition = page.split('id="composition"')[1]
    # The former ID leads to the churn model's page, under its current ID.
    assert '<a href="../churn/"><code>P13.2</code> Churn model</a>' in composition
    # External technologies link out, escaped, and never to a page of this site.
    assert "<img" not in page and "onerror=alert(1)> store" not in page
    assert ('<a class="mltrl-external" href="https://acme.example.org/store?a=1&amp;b=&lt;2&gt;" '
            'rel="external noopener noreferrer" title="outside this portfolio"><code>ACME-7</code> '
            'Acme &lt;img src=x onerror=alert(1)&gt; store</a>') in composition
    assert ('<span class="mltrl-external" title="outside this portfolio"><code>OSS-TORCH</code> '
            'An open-source library</span>') in composition
    assert not (site / "technologies/acme-7").exists() and not (site / "technologies/oss-torch").exists()
    # No portfolio figure counts them.
    for other in ("index.html", "analytics/index.html", "levels/index.html"):
        text = (site / other).read_text(encoding="utf-8")
        assert "ACME-7" not in text and "OSS-TORCH" not in text, other
    export = json.loads((site / "mltrl.json").read_text(encoding="utf-8"))
    assert sorted(t["slug"] for t in export["technologies"]) == ["churn", "dashboard"]
    dashboard = next(t for t in export["technologies"] if t["slug"] == "dashboard")
    assert [e["id"] for e in dashboard["external"]] == ["ACME-7", "OSS-TORCH"]
    churn = next(t for t in export["technologies"] if t["slug"] == "churn")
    assert [(e["kind"], e["from_id"], e["to_id"], e["date"]) for e in churn["history"]["events"]][-1] == (
        "id", "R02.1", "P13.2", "2024-03-05T09:30:00+00:00")
    # The churn page shows the change in its event table and on its timeline.
    churn_page = (site / "technologies/churn/index.html").read_text(encoding="utf-8")
    row = re.search(r'<tr class="mltrl-ev-row-id" data-kind="id">.*?</tr>', churn_page, re.S).group(0)
    assert "2024-03-05" in row and "product owner" in row and "R02.1 → P13.2" in row
    mark = re.search(r'<g class="mltrl-mark mltrl-mark-id"[^>]*>.*?</g>', churn_page, re.S).group(0)
    assert "2024-03-05: project ID changed from R02.1 to P13.2" in mark
    assert "new project ID" in churn_page.split('id="timeline"')[1].split("</figure>")[0]


def test_an_external_component_limits_the_system_level_on_the_page(tmp_path):
    root = tmp_path / "projects"
    write_technology(root, "system", "S01.0", 4, card=card_meta(
        "S01.0", "System", 4, components=["ACME-7", "OSS-TORCH"], external=[{**ACME, "level": 2}, LIB]))
    settings = Settings()
    portfolio = load_portfolio(tmp_path, settings)
    history = PortfolioHistory(False, "not a git repository", now=NOW)
    view = build_view(portfolio, [], history, settings=settings, repo_url=None)
    system = view.by_slug["system"]
    level, limiting = system.system_level
    assert (level, limiting.id, limiting.external) == (2, "ACME-7", True)
    assert [(e.id, e.roles) for e in system.externals] == [("ACME-7", ("component",)), ("OSS-TORCH", ("component",))]
    assert system.coupled_missing == [] and system.components == []
    site = Site(view)
    html = site.render(next(s for s in site.pages() if s.src_uri == "technologies/system.md")).html
    assert ('limited by <a class="mltrl-external" href="https://acme.example.org/store" '
            'rel="external noopener noreferrer" title="outside this portfolio"><code>ACME-7</code> Acme feature '
            'store</a> (outside this portfolio).') in html
    assert "level not known: it does not limit the system" in html


def test_the_public_history_leaves_out_an_old_id_an_internal_technology_carries_now(git_repo):
    a = "cards/open/card.md"
    git_repo.commit({a: card("R02.1", 1, "Open model", visibility="public")}, "2024-01-10", "Start")
    git_repo.commit({a: card("P13.2", 1, "Open model", visibility="public")}, "2024-02-10", "Handoff")
    git_repo.commit({a: card("P13.3", 1, "Open model", visibility="public"),
                     "projects/secret/card.md": card("R02.1", 1, "Secret model")}, "2024-03-10", "More")
    portfolio, history = history_of(git_repo)
    assert [(e.from_id, e.to_id) for e in history.projects["open"].events if e.kind == "id"] == [
        ("R02.1", "P13.2"), ("P13.2", "P13.3")]
    public = public_history(portfolio, history)
    assert [(e.from_id, e.to_id) for e in public.projects["open"].events if e.kind == "id"] == [("P13.2", "P13.3")]


def test_a_loop_through_a_former_id_is_xr007_and_an_internal_one_is_xr008(tmp_path):
    root = tmp_path / "projects"
    write_technology(root, "a", "A2", 3, card=card_meta("A2", "A", 3, components=["B1"], former_ids=["A1"]))
    write_technology(root, "b", "B1", 3, card=card_meta("B1", "B", 3, components=["A1"]))
    write_technology(tmp_path / "cards", "open", "P10", 3, card=card_meta("P10", "Open", 3, visibility="public",
                                                                           coupled=["A1"]))
    open_card = tmp_path / "cards/open/card.md"
    found = findings_of(tmp_path, "XR007", "XR008", "XR009")
    assert [(p, code) for p, _, _, _, code, _, _ in found if code == "XR007"] == [
        ("projects/a/card.md", "XR007"), ("projects/b/card.md", "XR007")]
    assert [f for f in found if f[0] == "cards/open/card.md"] == [
        ("cards/open/card.md", *where(open_card, '"A1"'), "error", "XR008",
         "public technology refers to internal technology 'A1'",
         "make that technology public too, or remove the reference"),
        ("cards/open/card.md", *where(open_card, '"A1"'), "warning", "XR009", "'A1' is the former ID of A2",
         "write 'A2'"),
    ]
