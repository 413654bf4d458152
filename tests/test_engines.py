"""This repository's site built by each engine: MkDocs and ProperDocs with the plugin, Zensical after ``mltrl prepare``.

The builds run the real commands on a fresh repository holding this one's content and
configuration, once per module. Zensical runs no plugin: ``mltrl prepare`` writes the generated
pages into ``docs/mltrl/``, so they are served under ``mltrl/``; every other address is the same.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from browserkit import browser_page, chromium  # noqa: F401 - fixtures
from shipped import NOW
from sitebuild import build, copy_of_this_repository, mltrl, user_cache

REPO = Path(__file__).resolve().parents[1]
PREFIX = "mltrl/"
"""Where the prepared pages are served in a Zensical site (the default ``prepare_dir``)."""
GENERATED = re.compile(r"^(levels|analytics|technologies|reference|schemas|mltrl\.json)(/|$)")
"""Site paths the plugin generates at the top of the site (the portfolio is below the home page's text)."""


def _engine(folder: Path, *command: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(int(NOW.timestamp())), "NO_MKDOCS_2_WARNING": "1",
           "GIT_CONFIG_NOSYSTEM": "1", "XDG_CACHE_HOME": str(user_cache(folder))}
    env.pop("SITE_URL", None)
    return subprocess.run([sys.executable, "-m", *command], cwd=folder, capture_output=True, text=True, env=env,
                          timeout=300, check=False)


def _zensical(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return _engine(folder, "zensical", "build", "--clean", *args)


def _prepare(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return mltrl("prepare", *args, cwd=folder, env={"SOURCE_DATE_EPOCH": str(int(NOW.timestamp())),
                                                    "XDG_CACHE_HOME": str(user_cache(folder))})


def _pages(site: Path) -> set[str]:
    """Every page of a built site, by its folder (``""`` for the home page), search and 404 left out."""
    return {"" if p.parent == site else p.parent.relative_to(site).as_posix() for p in site.rglob("index.html")}


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, Path]:
    """The internal and the public site of this repository, by each engine: ``{"mkdocs": ..., "zensical-public": ...}``."""
    repo = copy_of_this_repository(tmp_path_factory.mktemp("engines"))
    out = {}
    for variant, config in (("", "mkdocs.yml"), ("-public", "mkdocs.public.yml")):
        made = build(repo.path, config=config, site_dir=f"built/mkdocs{variant}",
                     env={"SOURCE_DATE_EPOCH": str(int(NOW.timestamp()))})
        assert made.returncode == 0, made.stderr
        out[f"mkdocs{variant}"] = repo.path / f"built/mkdocs{variant}"
        made = _engine(repo.path, "properdocs", "build", "--strict", "-f", config, "-d", f"built/properdocs{variant}")
        assert made.returncode == 0, made.stderr
        out[f"properdocs{variant}"] = repo.path / f"built/properdocs{variant}"
        prepared = _prepare(repo.path, "-f", config)
        assert prepared.returncode == 0, prepared.stdout + prepared.stderr
        made = _zensical(repo.path, "-f", config)
        assert made.returncode == 0, made.stdout + made.stderr
        site_dir = "site-public" if variant else "site"
        out[f"zensical{variant}"] = repo.path / f"built/zensical{variant}"
        shutil.move(repo.path / site_dir, out[f"zensical{variant}"])
    out["repo"] = repo.path
    return out


def _plugin_pages_in_zensical(pages: set[str]) -> set[str]:
    """Where the pages of a plugin build are in a Zensical build: generated ones under ``mltrl/``, the portfolio too."""
    moved = {PREFIX + p if GENERATED.match(p) else p for p in pages}
    return moved | {PREFIX.rstrip("/")}


@pytest.mark.parametrize("variant", ["", "-public"])
def test_properdocs_builds_the_same_pages_as_mkdocs(sites, variant):
    mkdocs, properdocs = sites[f"mkdocs{variant}"], sites[f"properdocs{variant}"]
    assert _pages(properdocs) == _pages(mkdocs)
    page = "technologies/solar-array-optimisation/index.html"
    assert _article(properdocs / page) == _article(mkdocs / page)


@pytest.mark.parametrize("variant", ["", "-public"])
def test_zensical_after_prepare_builds_the_same_pages(sites, variant):
    mkdocs, zensical = sites[f"mkdocs{variant}"], sites[f"zensical{variant}"]
    assert _pages(zensical) == _plugin_pages_in_zensical(_pages(mkdocs))
    assert json.loads((zensical / PREFIX / "mltrl.json").read_text(encoding="utf-8"))["technologies"] == \
        json.loads((mkdocs / "mltrl.json").read_text(encoding="utf-8"))["technologies"]
    assert sorted(p.name for p in (zensical / PREFIX / "schemas").iterdir()) == \
        sorted(p.name for p in (mkdocs / "schemas").iterdir())


def test_the_public_configuration_publishes_only_public_technologies(sites):
    cards = sorted(p.parent.name for p in (REPO / "cards").glob("*/card.md"))
    internal = sorted(p.parent.name for p in (REPO / "projects").glob("*/card.md"))
    assert cards and internal
    zensical = sites["zensical-public"]
    assert sorted(p.name for p in (zensical / PREFIX / "technologies").iterdir()) == cards
    every_file = b"".join(p.read_bytes() for p in zensical.rglob("*") if p.is_file())
    assert [slug for slug in internal if slug.encode() in every_file] == []
    assert sorted(p.name for p in (sites["zensical"] / PREFIX / "technologies").iterdir()) == sorted(cards + internal)


def _article(page: Path) -> str:
    html = page.read_text(encoding="utf-8")
    return html[html.index("<article"):html.index("</article>")]


def _timelines(page: Path) -> list[str]:
    return re.findall(r'<svg[^>]*class="mltrl-chart mltrl-timeline".*?</svg>', page.read_text(encoding="utf-8"), re.S)


def test_zensical_pages_hold_the_same_svg_timelines(sites):
    for slug in ("solar-array-optimisation", "industrial-anomaly-detection"):
        ours = _timelines(sites["zensical"] / PREFIX / "technologies" / slug / "index.html")
        theirs = _timelines(sites["mkdocs"] / "technologies" / slug / "index.html")
        assert len(ours) == len(theirs) == 1
        assert ours[0] == theirs[0].replace("\n", "&#10;")


def test_prepared_folder_is_ignored_by_git_and_by_the_plugin(sites):
    repo = sites["repo"]
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "docs"], cwd=repo,
                            capture_output=True, text=True, check=True)
    assert status.stdout == ""
    assert (repo / "docs/mltrl/.gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    assert not (sites["mkdocs"] / PREFIX.rstrip("/")).exists()


# --- in the browser -------------------------------------------------------------------------------------------


def _home(engine: str) -> str:
    return PREFIX if engine == "zensical" else ""


ENGINES = ["zensical", "properdocs"]


@pytest.mark.browser
@pytest.mark.parametrize("engine", ENGINES)
def test_portfolio_and_a_technology_in_the_browser(sites, browser_page, engine):
    page, base = browser_page(sites[engine])
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base + _home(engine))
    rows = page.locator("#mltrl-portfolio-table tbody tr")
    assert rows.count() == len(list((REPO / "cards").glob("*/card.md"))) + len(list((REPO / "projects").glob("*/card.md")))
    assert page.locator("form.mltrl-filter").is_visible()  # the script ran
    page.locator("#mltrl-portfolio-table").get_by_role("link", name="Solar array optimisation").click()
    page.wait_for_url("**/technologies/solar-array-optimisation/")
    timeline = page.locator("svg.mltrl-timeline")
    assert timeline.count() == 1
    assert timeline.bounding_box()["width"] > 500  # the stylesheet applies
    assert page.locator("svg.mltrl-timeline line.mltrl-step").count() > 10
    assert errors == []


@pytest.mark.browser
@pytest.mark.parametrize("engine", ENGINES)
def test_levels_and_analytics_in_the_browser(sites, browser_page, engine):
    page, base = browser_page(sites[engine])
    page.goto(base + _home(engine) + "levels/")
    assert page.locator("#level-9").count() == 1
    page.locator("#level-4").scroll_into_view_if_needed()
    page.goto(base + _home(engine) + "analytics/")
    assert page.locator("svg.mltrl-chart").count() >= 2


@pytest.mark.browser
@pytest.mark.parametrize("engine", ENGINES)
def test_search_finds_a_card_by_its_id(sites, browser_page, engine):
    page, base = browser_page(sites[engine])
    page.goto(base)
    target = "technologies/neuropathology-anomaly-detection/"
    if engine == "zensical":  # its theme opens search as a dialog from a button, and lists results as options
        page.get_by_role("button", name="Search").first.click()
        page.keyboard.type("P11.2", delay=20)
        result = page.locator(f"a[role=option][href*='{target}']").first
    else:
        page.locator("label.md-search__icon, .md-search__input").first.click()
        page.locator("input.md-search__input").press_sequentially("P11.2", delay=20)
        result = page.locator(f".md-search-result__item a[href*='{target}']").first
    result.wait_for(state="visible")
    result.click()
    page.wait_for_url("**/technologies/neuropathology-anomaly-detection/**")
    assert page.locator(".mltrl-crumbs code").text_content() == "P11.2"
    assert page.locator("h1").first.text_content().strip() == "Anomaly detection for neuropathology slide review"
