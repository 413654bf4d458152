"""The built site in real headless Chromium: portfolio, a technology's timeline, search, filters, themes, print.

Screenshots and a PDF of a technology page are saved under ``test-artifacts/``.
"""

from __future__ import annotations

import pytest
from browserkit import ARTIFACTS, browser_page, chromium  # noqa: F401 - fixtures
from gitrepo import GitRepo
from sitebuild import PALETTE, build, mkdocs_yml, small_portfolio

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The small portfolio with a light and a dark scheme, built once (no repo_url: no calls out)."""
    repo = GitRepo(tmp_path_factory.mktemp("browser") / "repo")
    (repo.path / "docs").mkdir()
    (repo.path / "overrides").mkdir()
    (repo.path / "mkdocs.yml").write_text(mkdocs_yml(repo_url=None, theme_extra=PALETTE), encoding="utf-8")
    small_portfolio(repo)
    result = build(repo.path)
    assert result.returncode == 0, result.stderr
    ARTIFACTS.mkdir(exist_ok=True)
    return repo.path / "site"


def test_portfolio_to_technology_timeline(site, browser_page):
    page, base = browser_page(site)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base)
    rows = page.locator("#mltrl-portfolio-table tbody tr")
    assert rows.count() == 3
    page.screenshot(path=str(ARTIFACTS / "portfolio.png"), full_page=True)
    page.locator("#mltrl-portfolio-table").get_by_role("link", name="Solar array optimisation").click()
    page.wait_for_url("**/technologies/solar-bo/")
    timeline = page.locator("svg.mltrl-timeline")
    assert timeline.count() == 1
    assert timeline.get_attribute("role") == "img"
    levels = [int(x) for x in page.locator("svg.mltrl-timeline line.mltrl-step").evaluate_all(
        "lines => lines.map(l => l.dataset.level)")]
    assert levels == [1, 2, 3, 2, 3, 4]
    assert page.locator("svg.mltrl-timeline [data-switchback=discovery]").count() == 1
    assert timeline.bounding_box()["width"] > 500
    assert "Solar array optimisation" in page.locator("#mltrl-timeline-solar-bo-title").text_content()
    page.screenshot(path=str(ARTIFACTS / "technology.png"), full_page=True)
    assert errors == []


def test_search_finds_a_card(site, browser_page):
    page, base = browser_page(site)
    page.goto(base + "levels/")
    page.locator("label.md-search__icon, .md-search__input").first.click()
    page.locator("input.md-search__input").press_sequentially("Candidate ranker", delay=20)
    result = page.locator(".md-search-result__item a[href*='technologies/ranker/']").first
    result.wait_for(state="visible")
    page.screenshot(path=str(ARTIFACTS / "search.png"))
    result.click()
    page.wait_for_url("**/technologies/ranker/**")
    assert page.locator("h1").first.text_content().strip() == "Candidate ranker"


def test_portfolio_sorts_and_filters_with_javascript(site, browser_page):
    page, base = browser_page(site)
    page.goto(base)
    form = page.locator("form.mltrl-filter")
    assert form.is_visible()
    ids = "rows => rows.filter(r => !r.hidden).map(r => r.cells[0].textContent.trim())"
    assert page.locator("#mltrl-portfolio-table tbody tr").evaluate_all(ids) == ["P07.1", "P02.1", "P20.1"]
    page.locator("#mltrl-portfolio-table th button", has_text="ID").click()
    assert page.locator("#mltrl-portfolio-table tbody tr").evaluate_all(ids) == ["P02.1", "P07.1", "P20.1"]
    page.locator("form.mltrl-filter select[name=phase]").select_option("research")
    assert page.locator("#mltrl-portfolio-table tbody tr").evaluate_all(ids) == ["P20.1"]
    assert page.locator(".mltrl-filter-count").text_content() == "1 of 3 shown"
    page.locator("form.mltrl-filter select[name=phase]").select_option("")
    page.locator("form.mltrl-filter input[name=q]").fill("ranker")
    assert page.locator("#mltrl-portfolio-table tbody tr").evaluate_all(ids) == ["P02.1"]


def test_without_javascript_the_table_is_complete_and_the_filter_hidden(site, chromium):
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto((site / "index.html").as_uri())
        assert page.locator("#mltrl-portfolio-table tbody tr").count() == 3
        assert not page.locator("form.mltrl-filter").is_visible()
        page.goto((site / "technologies" / "solar-bo" / "index.html").as_uri())
        assert page.locator("svg.mltrl-timeline line.mltrl-step").count() == 6
    finally:
        context.close()


def test_dark_theme_and_print(site, browser_page):
    page, base = browser_page(site, color_scheme="dark")
    page.goto(base + "technologies/solar-bo/")
    page.locator("label[for=__palette_1]").first.click()
    assert page.locator("body").get_attribute("data-md-color-scheme") == "slate"
    page.screenshot(path=str(ARTIFACTS / "technology-dark.png"))
    page.emulate_media(media="print")
    assert not page.locator("header.md-header").is_visible()
    assert not page.locator(".mltrl-crumbs").is_visible()
    page.pdf(path=str(ARTIFACTS / "technology.pdf"))
    assert (ARTIFACTS / "technology.pdf").stat().st_size > 10_000
