"""Material's instant navigation on the generated pages, in real headless Chromium.

With ``navigation.instant`` Material fetches the next page and rewrites every relative
``[href]`` in it; an SVG ``<a href>`` (the charts' links) cannot be rewritten and used to stop
it, leaving the old content under the new address.
"""

from __future__ import annotations

import pytest
from browserkit import browser_page, chromium  # noqa: F401 - fixtures
from gitrepo import GitRepo
from sitebuild import PALETTE, build, mkdocs_yml, small_portfolio

pytestmark = pytest.mark.browser

FEATURES = ("  features: [navigation.instant, navigation.instant.prefetch, navigation.instant.progress, "
            "navigation.tabs, navigation.sections, toc.integrate, content.tooltips]\n")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    repo = GitRepo(tmp_path_factory.mktemp("instant") / "repo")
    (repo.path / "docs").mkdir()
    (repo.path / "overrides").mkdir()
    config = mkdocs_yml(repo_url=None, theme_extra=PALETTE)
    config = config.replace("  features: [content.action.edit, navigation.tabs]\n", FEATURES)
    assert "navigation.instant" in config
    (repo.path / "mkdocs.yml").write_text(config, encoding="utf-8")
    small_portfolio(repo)
    result = build(repo.path)
    assert result.returncode == 0, result.stderr
    return repo.path / "site"


def test_instant_navigation_follows_table_chart_and_swimlane_links(site, browser_page):
    page, base = browser_page(site)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base)
    assert page.locator("svg a").count() > 0, "the portfolio's charts carry links"
    # A link of the table, then back home through the tabs, then a link inside a chart (an SVG <a>).
    page.locator("#mltrl-portfolio-table").get_by_role("link", name="Solar array optimisation").click()
    page.wait_for_url("**/technologies/solar-bo/")
    page.locator("svg.mltrl-timeline").wait_for()
    assert "Solar array optimisation" in page.locator("article h1").first.text_content()
    page.go_back()
    page.wait_for_url(base)
    page.locator("#mltrl-portfolio-table").wait_for()
    page.get_by_role("link", name="Levels").first.click()
    page.wait_for_url("**/levels/")
    page.locator("#level-9").wait_for()
    page.go_back()
    page.locator("#mltrl-portfolio-table").wait_for()
    chart_link = page.locator("svg a").first
    chart_link.click()
    page.wait_for_load_state("load")
    assert page.url != base
    assert errors == []
