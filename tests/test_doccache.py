"""Parsed documents kept between runs: same findings as a fresh parse, and nothing planted is trusted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from factories import card_meta, requirements_meta, write_technology

from mltrl_docs.cachedir import decode_entries, encode_entries, encode_entry, repository_folder
from mltrl_docs.config import Settings
from mltrl_docs.doccache import FILE_NAME, DocumentCache, _after_lines
from mltrl_docs.loader import load_portfolio, load_portfolio_cached
from mltrl_docs.rules import check_portfolio


@pytest.fixture(autouse=True)
def user_cache(tmp_path, monkeypatch):
    """Keep the signing key in the test's own folder, not the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))


def findings(portfolio) -> list[tuple]:
    return [(d.path, d.line, d.column, d.code, d.message, d.hint) for d in check_portfolio(portfolio)]


def broken_repo(base: Path) -> None:
    reqs = requirements_meta(5)
    reqs["requirements"][0]["risk"] = 9.0
    write_technology(base / "projects", "good", "P1.0", 5, requirements=reqs)
    meta = card_meta("P2.0", "Bad", 4, owners={"research": ["r"], "product": []}, components=["P9"])
    write_technology(base / "projects", "bad", "P2.0", 4, card=meta)
    meta = card_meta("P4.0", "Typed", 3)
    meta["versions"] = {"code": 1.1, "model": "1.0.0", "data": "1.0.0"}
    write_technology(base / "projects", "typed", "P4.0", 3, card=meta)
    review = {"level": 3, "date": "2024-01-01", "reviewers": ["x"], "decision": "switchback", "to_level": 5}
    write_technology(base / "projects", "third", "P3.0", 3, reviews={"2024-01-02-level-3.md": review})
    (base / "projects/third/ethics.md").write_bytes(b"\xef\xbb\xbf---\r\npre_development:\r\n  privcy: x\r\n---\r\n")


def test_warm_run_reports_exactly_what_a_fresh_parse_reports(tmp_path):
    broken_repo(tmp_path)
    fresh = findings(load_portfolio(tmp_path, Settings()))
    assert {f[3] for f in fresh} >= {"REQ002", "SCH004", "XR002", "L403", "REV001", "REV002", "SCH002", "FM012"}
    cold = findings(load_portfolio_cached(tmp_path, Settings()))
    assert (repository_folder(tmp_path) / FILE_NAME).is_file()
    cache = DocumentCache.for_folder(repository_folder(tmp_path))
    warm = findings(load_portfolio(tmp_path, Settings(), cache=cache))
    assert cache.hits == len(list(tmp_path.glob("projects/**/*.md"))) and cache.misses == 0
    assert fresh == cold == warm


def test_an_edited_file_is_parsed_again(tmp_path):
    write_technology(tmp_path / "projects", "tech", "P1.0", 2)
    load_portfolio_cached(tmp_path, Settings())
    card = tmp_path / "projects/tech/card.md"
    card.write_text(card.read_text().replace("level: 2", "level: 2\nlevel: 3"))
    cache = DocumentCache.for_folder(repository_folder(tmp_path))
    diagnostics = check_portfolio(load_portfolio(tmp_path, Settings(), cache=cache))
    assert cache.misses == 1
    assert [d.code for d in diagnostics] == ["FM005"]


def test_a_planted_cache_is_never_trusted(tmp_path):
    """A cache can be kept in the repository, where a pull request can plant one: an entry making a broken
    card look valid must be ignored."""
    write_technology(tmp_path / "projects", "tech", "P1.0", 2)
    card = tmp_path / "projects/tech/card.md"
    card.write_text(card.read_text().replace("level: 2", "level: 2\nlevel: 3"))
    settings = Settings(cache_dir=".cache/mltrl")
    load_portfolio_cached(tmp_path, settings)
    file = tmp_path / ".cache/mltrl" / FILE_NAME
    data = file.read_bytes()
    clean = card_meta("P1.0", "Tech", 2)
    forged = {}
    for key, value in decode_entries(data[32:]).items():
        head, _ = value.split(b"\t")
        head = json.loads(head)
        head[2] = []  # every document now claims a clean parse
        forged[key] = encode_entry(head) + b"\t" + encode_entry(clean)
    file.write_bytes(data[:32] + encode_entries(forged))  # the old signature
    diagnostics = check_portfolio(load_portfolio_cached(tmp_path, settings))
    assert [d.code for d in diagnostics] == ["FM005"]


def test_a_run_writes_back_the_entries_it_did_not_change_as_they_were(tmp_path):
    """One line an entry: a run that changes one document rewrites only that document's line, and text that holds
    line breaks, tabs and non-ASCII letters comes back exactly."""
    meta = card_meta("P1.0", "Tech", 2)
    meta["title"] = "Tab\there, line\nbreak, \u00e9t\u00e9 \u2028 \u00fc"
    write_technology(tmp_path / "projects", "tech", "P1.0", 2, card=meta)
    write_technology(tmp_path / "projects", "other", "P2.0", 2)
    load_portfolio_cached(tmp_path, Settings())
    file = repository_folder(tmp_path) / FILE_NAME
    before = set(file.read_bytes()[32:].split(b"\n"))
    assert len(before) == len(list(tmp_path.glob("projects/**/*.md")))
    card = tmp_path / "projects/other/card.md"
    card.write_text(card.read_text() + "\nMore text.\n")
    load_portfolio_cached(tmp_path, Settings())
    after = set(file.read_bytes()[32:].split(b"\n"))
    assert len(before - after) == len(after - before) == 1  # the edited card's line, and no other
    cache = DocumentCache.for_folder(repository_folder(tmp_path))
    warm = load_portfolio(tmp_path, Settings(), cache=cache)
    assert cache.hits == len(after) and cache.misses == 0
    assert warm.technologies["tech"].model.title == meta["title"]
    assert findings(warm) == findings(load_portfolio(tmp_path, Settings()))


@given(st.text(alphabet="ab\n\r", max_size=40), st.integers(min_value=0, max_value=12))
def test_a_restored_body_is_the_text_after_its_front_matter_lines(text, count):
    assert _after_lines(text, count) == "\n".join(text.split("\n")[count:])


def test_an_unchanged_valid_document_is_validated_when_its_model_is_read_and_under_the_models_of_the_run(tmp_path):
    """The cache notes the models a document was found valid under: a warm run validates it only when its model
    is read, and a run whose models differ (here, an ethics checklist whose question changed its key) validates
    it again and reports what the new models find."""
    write_technology(tmp_path / "projects", "tech", "P1.0", 4)
    checklist = tmp_path / "ethics-checklist.md"
    assert checklist.is_file() and "client_data_use:" in (tmp_path / "projects/tech/ethics.md").read_text()
    cold = load_portfolio_cached(tmp_path, Settings())
    warm = load_portfolio_cached(tmp_path, Settings())
    ethics = warm.technologies["tech"].ethics
    assert "_pending" in ethics.__dict__  # not validated yet
    restored = ethics.parsed.__dict__
    assert not isinstance(restored["_meta_value"], dict) and not isinstance(restored["_text_value"], str)  # nor read
    assert ethics.model == cold.technologies["tech"].ethics.model and "_pending" not in ethics.__dict__
    first = cold.technologies["tech"].ethics.parsed
    assert (ethics.parsed.meta, ethics.parsed.text, ethics.parsed.body) == (first.meta, first.text, first.body)
    assert findings(warm) == findings(cold)
    checklist.write_text(checklist.read_text().replace("{#client_data_use}", "{#client_data_reuse}"))
    again = load_portfolio_cached(tmp_path, Settings())
    assert "_pending" not in again.technologies["tech"].ethics.__dict__  # other models: validated at once
    fresh = findings(load_portfolio(tmp_path, Settings()))
    assert findings(again) == fresh
    assert any("client_data_use" in f[4] and f[0] == "projects/tech/ethics.md" for f in fresh)
