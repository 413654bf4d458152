"""The mltrl MkDocs plugin in real ``mkdocs build --strict`` runs on small repositories with git history."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from factories import card_body, card_meta, section_text, write_technology
from gitrepo import GitRepo
from sitebuild import (
    REPO_URL,
    build,
    cache_folder,
    mkdocs_yml,
    small_portfolio,
    stop,
    write_level,
)

from mltrl_docs.config import Settings
from mltrl_docs.models import LEVEL_NAMES
from mltrl_docs.plugin import MltrlConfig
from mltrl_docs.rules import level_rules
from mltrl_docs.schema import all_schemas


def make_repo(folder: Path, config: str | None = None) -> GitRepo:
    """A repository with ``mkdocs.yml``, an empty ``docs/`` and an empty ``overrides/``."""
    repo = GitRepo(folder)
    (repo.path / "docs").mkdir()
    (repo.path / "overrides").mkdir()
    (repo.path / "mkdocs.yml").write_text(config or mkdocs_yml(), encoding="utf-8")
    (repo.path / ".gitignore").write_text("site/\n.cache/\n", encoding="utf-8")
    return repo


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The small portfolio, built once with ``--strict``."""
    repo = make_repo(tmp_path_factory.mktemp("wiki") / "repo")
    commits = small_portfolio(repo)
    result = build(repo.path)
    assert result.returncode == 0, result.stderr
    return repo, commits, repo.path / "site", result


def read(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


class Elements(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str, **wanted) -> list[dict]:
        return [a for t, a in self.tags if t == tag and all(a.get(k.replace("_", "-")) == v
                                                             for k, v in wanted.items())]


def test_strict_build_passes_without_warnings(built):
    _, _, site, result = built
    assert "WARNING" not in result.stderr
    for page in ("index.html", "levels/index.html", "analytics/index.html", "technologies/solar-bo/index.html",
                 "technologies/ranker/index.html", "technologies/platform/index.html", "mltrl.json",
                 "reference/rules/index.html"):
        assert (site / page).is_file(), page


def test_portfolio_lists_every_technology_with_its_state(built):
    _, _, site, _ = built
    html = read(site, "index.html")
    rows = Elements(html).find("tr")
    levels = {r["data-text"].split()[0]: r["data-level"] for r in rows if "data-text" in r}
    assert levels == {"p07.1": "4", "p02.1": "3", "p20.1": "2"}
    assert [r["data-phase"] for r in rows if "data-phase" in r] == ["prototype", "prototype", "research"]
    assert "Solar array optimisation" in html and "Candidate ranker" in html and "Decision platform" in html
    assert 'id="mltrl-portfolio-table" data-mltrl-sortable' in html
    assert '<form class="mltrl-filter" data-mltrl-filter="mltrl-portfolio-table" hidden>' in html
    # Time in the current level (SOURCE_DATE_EPOCH is 2025-01-01): solar-bo reached level 4 on 2024-05-01.
    solar_row = html[html.index('data-text="p07.1'):]
    solar_row = solar_row[:solar_row.index("</tr>")]
    assert "8 months" in solar_row and "16/16" in solar_row and "next: 2 open" in solar_row
    chart = re.search(r'<svg[^>]*class="mltrl-chart mltrl-level-chart".*?</svg>', html, re.S).group(0)
    assert re.findall(r'data-level="(\d)" data-count="(\d+)"', chart)[2:5] == [("2", "1"), ("3", "1"), ("4", "1")]
    swimlane = re.search(r'<svg[^>]*class="mltrl-chart mltrl-swimlane[^"]*".*?</svg>', html, re.S).group(0)
    assert swimlane.count('class="mltrl-lane"') == 3
    assert 'src="assets/mltrl/mltrl.js"' in html and 'href="assets/mltrl/mltrl.css"' in html
    assert (site / "assets/mltrl/mltrl.js").is_file()


def test_technology_page_shows_the_card_its_timeline_and_its_history(built):
    repo, commits, site, _ = built
    html = read(site, "technologies/solar-bo/index.html")
    timeline = re.search(r'<svg[^>]*class="mltrl-chart mltrl-timeline".*?</svg>', html, re.S).group(0)
    steps = re.findall(r'class="mltrl-step mltrl-l(\d)" data-level="(\d)"', timeline)
    assert [int(level) for level, _ in steps] == [1, 2, 3, 2, 3, 4]
    assert re.findall(r'data-kind="switchback" data-source="git" data-switchback="(\w+)"', timeline) == ["discovery"]
    assert timeline.count('data-kind="graduation"') == 4
    assert timeline.count('class="mltrl-mark mltrl-mark-review"') == 4
    assert 'data-status="paused"' in timeline and 'class="mltrl-today"' in timeline
    assert "<title id=\"mltrl-timeline-solar-bo-title\">" in timeline and 'role="img"' in timeline
    for sha in commits.values():
        if sha in (commits["ranker"], commits["platform"]):
            continue
        assert f'href="{REPO_URL}/commit/{sha}"' in html
    assert f'href="{REPO_URL}/edit/main/projects/solar-bo/card.md"' in html
    assert '<h2 id="readiness">Readiness</h2>' in html and "To graduate to level 5" in html
    assert 'id="req-research-1-0-0"' in html and 'class="mltrl-chart mltrl-risk-matrix"' in html
    assert "pre-development checklist 19/19" in html
    assert 'id="review-2024-04-30-level-3"' in html and "Level 3 work by the research lead." in html
    assert [int(n) for n in re.findall(r'id="earlier-card-(\d)"', html)] == [3, 2, 1]
    # The site's toc extension has permalink: true, so card headings get their link too.
    assert ('<h3 id="card-tl-dr">TL;DR<a class="headerlink" href="#card-tl-dr" title="Permanent link" '
            'rel="noopener noreferrer">¶</a></h3>') in html
    assert section_text("tldr") in html
    # Earlier cards are rendered: their fields in a table, their text like the card's, headings out of the contents.
    earlier = html[html.index('<h2 id="earlier-cards">'):]
    earlier = earlier[:earlier.index('id="composition"') if 'id="composition"' in earlier else len(earlier)]
    assert [int(n) for n in re.findall(r'<h4 id="earlier-(\d)-tl-dr">TL;DR', earlier)] == [3, 2, 1]
    assert re.findall(r'<th scope="row"><code>level</code></th><td>(\d)</td>', earlier) == ["3", "2", "1"]
    assert '<th scope="row"><code>owners.research</code></th>' in earlier
    assert "---\nid:" not in earlier and "<pre" not in earlier
    assert "Pause solar-bo while the pilot site is rebuilt" in html


def test_composition_links_and_system_level(built):
    _, _, site, _ = built
    platform = read(site, "technologies/platform/index.html")
    section = platform[platform.index('<h2 id="composition">'):]
    assert 'href="../ranker/"' in section and 'href="../solar-bo/"' in section
    assert "System level: <span class=\"mltrl-level mltrl-l2\"" in section
    ranker = read(site, "technologies/ranker/index.html")
    used_by = ranker[ranker.index('id="composition-used-by"'):]
    assert 'href="../platform/"' in used_by[:600]


def test_levels_page_comes_from_the_checker_rules(built):
    _, _, site, _ = built
    html = read(site, "levels/index.html")
    sections = re.split(r'<h2 id="level-(\d)">', html)[1:]
    by_level = {int(sections[i]): sections[i + 1] for i in range(0, len(sections), 2)}
    assert sorted(by_level) == list(range(10))
    for rule in level_rules(Settings()):
        assert f"<code>{rule.code}</code>" in by_level[rule.level], rule.code
    for level, name in LEVEL_NAMES.items():
        assert name in by_level[level][:200]
    assert "P07.1" in by_level[4] and "P02.1" in by_level[3] and "P20.1" in by_level[2]


def test_analytics_page(built):
    _, _, site, _ = built
    html = read(site, "analytics/index.html")
    for anchor in ("time-per-level", "transitions", "cycles", "switchbacks", "graduations"):
        assert f'id="{anchor}"' in html
    matrix = html[html.index('<h2 id="transitions">'):html.index('<h2 id="cycles">')]
    assert 'title="1 change from level 3 to level 2"' in matrix
    cycles = html[html.index('<h2 id="cycles">'):html.index('<h2 id="switchbacks">')]
    assert "L3</span> → <span class=\"mltrl-level mltrl-l2\"" in cycles


def test_export_and_schemas_are_served(built):
    _, _, site, _ = built
    export = json.loads(read(site, "mltrl.json"))
    assert export["version"] == 1
    assert {t["slug"] for t in export["technologies"]} == {"solar-bo", "ranker", "platform"}
    for name, text in all_schemas().items():
        assert read(site, f"schemas/{name}") == text


def test_search_index_finds_cards(built):
    _, _, site, _ = built
    index = json.loads(read(site, "search/search_index.json"))
    titles = {doc["location"]: doc["title"] for doc in index["docs"]}
    assert titles["technologies/solar-bo/"] == "P07.1 · Solar array optimisation"
    assert any(loc.startswith("technologies/solar-bo/#card-") for loc in titles)


def test_navigation_holds_index_pages_only(built):
    _, _, site, _ = built
    html = read(site, "technologies/ranker/index.html")
    nav = html[html.index('<nav class="md-nav md-nav--primary'):html.index('<nav class="md-nav md-nav--secondary')]
    assert "technologies/" not in nav and "P07.1" not in nav
    assert "levels/" in nav


def test_errors_stop_the_build_with_the_same_findings_as_check(tmp_path):
    repo = make_repo(tmp_path / "repo")
    write_technology(repo.path / "projects", "good", "P01.1", 1)
    broken = repo.path / "projects" / "broken"
    broken.mkdir(parents=True)
    (broken / "card.md").write_text("---\nid: P02.1\ntitle: Broken\nlevel: 3\nlevel: 4\n---\n# Broken\n",
                                    encoding="utf-8")
    repo.commit({}, "2024-01-01", "Add content")
    result = build(repo.path)
    assert result.returncode != 0
    check = subprocess.run([sys.executable, "-m", "mltrl_docs", "check", "--format", "text"], cwd=repo.path,
                           capture_output=True, text=True, check=False)
    assert check.returncode == 1
    lines = check.stdout.strip().splitlines()
    assert any(line.startswith("projects/broken/card.md:5:1: error FM005") for line in lines)
    for line in lines:
        assert line in result.stderr
    assert not (repo.path / "site" / "index.html").exists()


def test_warnings_fail_a_strict_build_and_show_on_the_page(tmp_path):
    repo = make_repo(tmp_path / "repo")
    write_technology(repo.path / "projects", "draft", "P03.1", 1,
                     body=card_body("Draft").replace(section_text("tldr"), "TODO write the summary."))
    repo.commit({}, "2024-01-01", "Add a draft")
    strict = build(repo.path)
    assert strict.returncode != 0
    assert "projects/draft/card.md:" in strict.stderr and "warning PH001 placeholder 'TODO'" in strict.stderr
    assert "Aborted with 1 warnings in strict mode" in strict.stdout + strict.stderr
    lenient = build(repo.path, strict=False)
    assert lenient.returncode == 0, lenient.stderr
    html = read(repo.path / "site", "technologies/draft/index.html")
    box = html[html.index('id="findings"'):]
    assert "<strong>PH001</strong> placeholder &#39;TODO&#39; left in the text" in box[:2000]


def test_site_overrides_win_over_packaged_templates(tmp_path):
    repo = make_repo(tmp_path / "repo")
    (repo.path / "overrides" / "mltrl" / "partials").mkdir(parents=True)
    (repo.path / "overrides" / "mltrl" / "partials" / "summary.html").write_text(
        '<p class="team-summary">Owned by {{ t.owners | join(", ") }}</p>\n', encoding="utf-8")
    (repo.path / "overrides" / "assets" / "mltrl").mkdir(parents=True)
    (repo.path / "overrides" / "assets" / "mltrl" / "mltrl.css").write_text("/* team style */\n", encoding="utf-8")
    write_technology(repo.path / "projects", "ranker", "P02.1", 1)
    repo.commit({}, "2024-01-01", "Add the ranker")
    result = build(repo.path)
    assert result.returncode == 0, result.stderr
    html = read(repo.path / "site", "technologies/ranker/index.html")
    assert '<p class="team-summary">Owned by research owner</p>' in html
    assert "Project ID" not in html
    assert read(repo.path / "site", "assets/mltrl/mltrl.css") == "/* team style */\n"


def test_outside_git_the_site_builds_without_history(tmp_path):
    folder = tmp_path / "plain"
    (folder / "docs").mkdir(parents=True)
    (folder / "overrides").mkdir()
    (folder / "mkdocs.yml").write_text(mkdocs_yml(repo_url=None), encoding="utf-8")
    write_technology(folder / "projects", "ranker", "P02.1", 2)
    result = build(folder, env={"GIT_CEILING_DIRECTORIES": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    html = read(folder / "site", "technologies/ranker/index.html")
    assert "No timeline: history is not available" in html
    assert "P02.1" in read(folder / "site", "index.html")


def test_a_hand_written_home_page_gets_the_portfolio_below_its_text(tmp_path):
    repo = make_repo(tmp_path / "repo")
    (repo.path / "docs" / "index.md").write_text("# Vision team wiki\n\nWhere our models stand.\n",
                                                 encoding="utf-8")
    write_technology(repo.path / "projects", "ranker", "P02.1", 1)
    repo.commit({}, "2024-01-01", "Add the ranker")
    result = build(repo.path)
    assert result.returncode == 0, result.stderr
    html = read(repo.path / "site", "index.html")
    assert html.index("Where our models stand.") < html.index('id="mltrl-portfolio-table"')
    assert f'href="{REPO_URL}/edit/main/docs/index.md"' in html


def test_public_build_leaves_internal_technologies_out(tmp_path):
    repo = make_repo(tmp_path / "repo", mkdocs_yml(options={"public_only": True}))
    write_technology(repo.path / "projects", "open-ranker", "P02.1", 1,
                     card=card_meta("P02.1", "Open ranker", 1, visibility="public"))
    write_technology(repo.path / "projects", "secret-model", "P99.9", 1, title="Zebra secret model")
    repo.commit({}, "2024-01-01", "Add both")
    result = build(repo.path)
    assert result.returncode == 0, result.stderr
    site = repo.path / "site"
    for file in site.rglob("*"):
        if file.is_file() and file.suffix in (".html", ".json", ".xml"):
            text = file.read_text(encoding="utf-8")
            assert "secret-model" not in text and "P99.9" not in text and "Zebra" not in text, file
    assert (site / "technologies" / "open-ranker" / "index.html").is_file()


def test_rebuild_after_one_card_edit_reuses_the_history_cache(tmp_path):
    """The second build only appends what the new commit changed to the cache the first build left."""
    repo = make_repo(tmp_path / "repo")
    small_portfolio(repo)
    for n in range(8):
        write_level(repo, f"extra-{n}", f"X{n}.1", 2, title=f"Extra technology {n}")
        repo.commit({}, f"2024-08-{n + 1:02d}", f"Add extra technology {n}")
    assert build(repo.path).returncode == 0
    cache = cache_folder(repo.path) / "history"
    before = {p: p.read_bytes() for p in cache.rglob("*") if p.is_file() and p.name != "state.json"}
    assert before and sum(len(b) for b in before.values()) > 0
    write_level(repo, "ranker", "P02.1", 3, title="Candidate ranker, second edition")
    repo.commit({}, "2024-09-01", "Rename the ranker")
    result = build(repo.path)
    assert result.returncode == 0, result.stderr
    grown = 0
    for path, old in before.items():
        new = path.read_bytes()
        assert new.startswith(old), f"{path.name} was rewritten instead of reused"
        grown += len(new) - len(old)
    assert grown < sum(len(b) for b in before.values()) / 3
    assert "Candidate ranker, second edition" in read(repo.path / "site", "technologies/ranker/index.html")


def test_invalid_options_are_reported_by_the_settings_model(tmp_path):
    repo = make_repo(tmp_path / "repo", mkdocs_yml(options={"risk_threshold": 20, "roots": ["projects"]}))
    result = build(repo.path)
    assert result.returncode != 0
    assert "mltrl.risk_threshold: Input should be less than or equal to 10" in result.stderr


def test_plugin_options_are_the_settings_fields():
    assert {name for name, _ in MltrlConfig._schema} == set(Settings.model_fields)


def test_images_in_a_technology_folder_are_published_beside_its_page(tmp_path):
    repo = make_repo(tmp_path / "repo")
    folder = write_technology(repo.path / "projects", "ranker", "P02.1", 1,
                              body=card_body("Ranker").replace(section_text("model"),
                                                               "![Recall by slice](figures/recall.png)\n\n"
                                                               "See [the requirements](requirements.md)."))
    (folder / "figures").mkdir()
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
    (folder / "figures" / "recall.png").write_bytes(png)
    repo.commit({}, "2024-01-01", "Add the ranker with a figure")
    result = build(repo.path)
    assert result.returncode == 0, result.stderr
    site = repo.path / "site"
    assert (site / "technologies" / "ranker" / "figures" / "recall.png").read_bytes() == png
    html = read(site, "technologies/ranker/index.html")
    assert '<img src="figures/recall.png" alt="Recall by slice">' in html
    assert '<a href="#requirements" rel="noopener noreferrer">the requirements</a>' in html


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_rebuilds_when_a_card_changes(tmp_path):

    repo = make_repo(tmp_path / "repo", mkdocs_yml(repo_url=None))
    write_level(repo, "ranker", "P02.1", 1, title="Candidate ranker")
    repo.commit({}, "2024-01-01", "Add the ranker")
    port = free_port()
    log = (tmp_path / "serve.log").open("w", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"],
                               cwd=repo.path, stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    url = f"http://127.0.0.1:{port}/technologies/ranker/"

    def page() -> str:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode("utf-8")
        except OSError:
            return ""

    def wait_for(text: str) -> bool:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if text in page():
                return True
            time.sleep(0.5)
        return False

    try:
        assert wait_for("Candidate ranker"), (tmp_path / "serve.log").read_text()
        write_level(repo, "ranker", "P02.1", 1, title="Candidate ranker, renamed")
        assert wait_for("Candidate ranker, renamed"), (tmp_path / "serve.log").read_text()
        assert "uncommitted changes" in page()
    finally:
        stop(process)
        log.close()


def test_unchanged_pages_come_from_the_page_cache_and_planted_entries_are_ignored(tmp_path):
    repo = make_repo(tmp_path / "repo")
    small_portfolio(repo)
    assert build(repo.path).returncode == 0
    pages = cache_folder(repo.path) / "pages"
    assert sorted(p.name for p in pages.glob("*.page")) == ["platform.page", "ranker.page", "solar-bo.page"]
    first = read(repo.path / "site", "technologies/solar-bo/index.html")
    stamp = (pages / "solar-bo.page").stat().st_mtime_ns
    # A page planted in the cache (as a pull request could) has no valid signature: it is never published.
    planted = (pages / "ranker.page").read_bytes()
    (pages / "ranker.page").write_bytes(b"\0" * 32 + planted[32:].replace(b"Candidate", b"Kandidate"))
    write_level(repo, "platform", "P20.1", 2, title="Decision platform, renamed", components=["P02.1"],
                coupled=["P07.1"])
    repo.commit({}, "2024-07-01", "Rename the platform")
    result = build(repo.path)
    assert result.returncode == 0, result.stderr
    site = repo.path / "site"
    # solar-bo shows nothing that changed: its page came from the cache, untouched.
    assert read(site, "technologies/solar-bo/index.html") == first
    assert (pages / "solar-bo.page").stat().st_mtime_ns == stamp
    assert "Decision platform, renamed" in read(site, "technologies/platform/index.html")
    # The ranker lists the platform as its user, so it was rendered again; the planted copy was not used.
    ranker = read(site, "technologies/ranker/index.html")
    assert "Candidate ranker" in ranker and "Kandidate" not in ranker and "Decision platform, renamed" in ranker


def test_public_and_internal_builds_keep_their_own_page_caches(tmp_path):
    repo = make_repo(tmp_path / "repo")
    small_portfolio(repo)
    write_level(repo, "open-bo", "O01.1", 1, title="Open BO", visibility="public")
    repo.commit({}, "2024-08-01", "An open technology")
    (repo.path / "mkdocs.public.yml").write_text(
        "INHERIT: mkdocs.yml\nsite_dir: site-public\nplugins:\n  - search\n  - mltrl:\n      public_only: true\n")
    assert build(repo.path).returncode == 0
    internal = cache_folder(repo.path) / "pages"
    stamps = {p.name: p.stat().st_mtime_ns for p in internal.glob("*.page")}
    assert stamps
    public = build(repo.path, config="mkdocs.public.yml", site_dir="site-public")
    assert public.returncode == 0, public.stderr
    assert [p.name for p in (cache_folder(repo.path) / "pages-public").glob("*.page")] == ["open-bo.page"]
    assert build(repo.path).returncode == 0
    # The public build left the internal pages alone, so the internal rebuild rendered nothing again.
    assert {p.name: p.stat().st_mtime_ns for p in internal.glob("*.page")} == stamps


PROBE = '''"""A hook that records whether Python's cyclic garbage collector runs at three points of a build."""
import gc
from pathlib import Path

OUT = Path(__file__).with_name("gc-states.txt")


def on_files(files, config):
    OUT.write_text(f"files {gc.isenabled()}\\n")


def on_page_content(html, page, config, files):
    with OUT.open("a") as out:
        out.write(f"page {gc.isenabled()}\\n")


def on_post_build(config):
    with OUT.open("a") as out:
        out.write(f"after {gc.isenabled()}\\n")


def on_build_error(error):
    with OUT.open("a") as out:
        out.write(f"failed {gc.isenabled()}\\n")


def on_shutdown():
    with OUT.open("a") as out:
        out.write(f"shutdown {gc.isenabled()} {gc.get_freeze_count() > 0}\\n")
'''


@pytest.mark.parametrize("broken", [False, True])
def test_the_collector_is_paused_for_the_build_and_resumed_however_it_ends(tmp_path, broken):
    """The cyclic collector only slows a build down; it is paused while pages are made and always resumed."""
    repo = make_repo(tmp_path / "repo", mkdocs_yml(extra="hooks:\n  - probe.py\n"))
    (repo.path / "probe.py").write_text(PROBE, encoding="utf-8")
    write_level(repo, "ranker", "P02.1", 1, title="Candidate ranker")
    repo.commit({}, "2024-01-01", "Add the ranker")
    if broken:  # a page that fails to render, after the content was read
        (repo.path / "overrides" / "mltrl").mkdir()
        (repo.path / "overrides" / "mltrl" / "technology.html").write_text("{{ t.no_such_field }}", encoding="utf-8")
    result = build(repo.path)
    assert (result.returncode != 0) == broken, result.stderr
    states = (repo.path / "gc-states.txt").read_text(encoding="utf-8").split("\n")
    assert states[0] == "files False"
    assert "page False" in states
    # `mkdocs build` ends with the command: the collector resumes at shutdown, over frozen objects.
    assert states[-3:] == ["failed True" if broken else "after False", "shutdown True True", ""]


def test_a_build_run_from_python_resumes_the_collector_when_it_ends(tmp_path, monkeypatch):
    import gc

    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    repo = make_repo(tmp_path / "repo")
    write_level(repo, "ranker", "P02.1", 1, title="Candidate ranker")
    repo.commit({}, "2024-01-01", "Add the ranker")
    monkeypatch.chdir(repo.path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    mkdocs_build(load_config(str(repo.path / "mkdocs.yml"), site_dir=str(tmp_path / "site")))
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    assert (tmp_path / "site" / "technologies" / "ranker" / "index.html").is_file()


def test_pages_rendered_ahead_by_a_second_process_are_the_same_pages(tmp_path):
    """A cold build hands half of the technology pages to a helper process; the site does not change."""
    from mltrl_docs.parallel import free_cores
    from mltrl_docs.site.ahead import MIN_PAGES

    repo = make_repo(tmp_path / "repo")
    count = MIN_PAGES + 8
    for n in range(count):
        write_level(repo, f"tech-{n:02d}", f"T{n:02d}.1", n % 5, title=f"Technology {n}")
    repo.commit({}, "2024-03-01", "Add the technologies")
    # A hook that reads page HTML: with it, pages must be finished when MkDocs reads them.
    (repo.path / "looker.py").write_text(
        "from pathlib import Path\n\n\ndef on_page_content(html, page, config, files):\n"
        "    if '<!--mltrl:page-->' in html:\n"
        "        Path(__file__).with_name('unfinished.txt').write_text(page.file.src_uri)\n"
        "    return html\n", encoding="utf-8")
    config = (repo.path / "mkdocs.yml").read_text(encoding="utf-8")
    (repo.path / "mkdocs-hook.yml").write_text(config + "hooks:\n  - looker.py\n", encoding="utf-8")
    sites = {}
    for name, parallel, config_file in (("ahead", "1", "mkdocs.yml"), ("serial", "0", "mkdocs.yml"),
                                        ("hooked", "1", "mkdocs-hook.yml")):
        shutil.rmtree(cache_folder(repo.path), ignore_errors=True)
        result = build(repo.path, config=config_file, site_dir=f"site-{name}", env={"MLTRL_PARALLEL": parallel},
                       extra_args=["--verbose"])
        assert result.returncode == 0, result.stderr
        [line] = [line for line in result.stderr.splitlines() if "technology pages rendered by the build" in line] \
            or [""]
        sites[name] = line
    assert not (repo.path / "unfinished.txt").exists()
    if sys.platform == "linux" and free_cores() >= 2:  # where a helper can run, it must have
        for name in ("ahead", "hooked"):
            rendered, reused = map(int, re.findall(r"\d+", sites[name].split("mltrl:", 1)[1]))
            assert rendered + reused == count and reused > 0, sites[name]
    else:
        assert sites["ahead"] == sites["hooked"] == ""
    assert sites["serial"] == ""  # no helper, nothing to report
    serial = repo.path / "site-serial"
    pages = sorted(p.relative_to(serial) for p in serial.rglob("*.html"))
    assert len(pages) > count
    for name in ("ahead", "hooked"):
        other = repo.path / f"site-{name}"
        assert pages == sorted(p.relative_to(other) for p in other.rglob("*.html"))
        for page in pages:
            assert (other / page).read_bytes() == (serial / page).read_bytes(), (name, page)


def test_a_broken_page_template_stops_a_build_with_a_helper_cleanly(tmp_path):
    """The helper cannot render either: the build names the page, as without a helper, and leaves no process."""
    from mltrl_docs.site.ahead import MIN_PAGES

    repo = make_repo(tmp_path / "repo")
    for n in range(MIN_PAGES + 4):
        write_level(repo, f"tech-{n:02d}", f"T{n:02d}.1", 1, title=f"Technology {n}")
    repo.commit({}, "2024-03-01", "Add the technologies")
    (repo.path / "overrides" / "mltrl").mkdir()
    (repo.path / "overrides" / "mltrl" / "technology.html").write_text("{{ t.no_such_field }}", encoding="utf-8")
    result = build(repo.path)
    assert result.returncode != 0
    assert "mltrl: could not render the technology page technologies/tech-00.md: UndefinedError" in result.stderr
    assert "Traceback" not in result.stderr
    if sys.platform == "linux":  # a helper left running would still be working in the repository
        leftover = []
        for proc in Path("/proc").iterdir():
            try:
                if proc.name.isdigit() and Path(os.readlink(proc / "cwd")) == repo.path:
                    leftover.append(proc.name)
            except OSError:
                continue
        assert leftover == []
