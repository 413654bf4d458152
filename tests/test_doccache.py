"""Parsed documents kept between runs: same findings as a fresh parse, and nothing planted is trusted."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest
from factories import card_meta, requirements_meta, write_technology

from mltrl_docs.cachedir import repository_folder
from mltrl_docs.config import Settings
from mltrl_docs.doccache import FILE_NAME, DocumentCache
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
    entries = json.loads(zlib.decompress(data[32:]))
    clean = card_meta("P1.0", "Tech", 2)
    for entry in entries.values():
        entry[0], entry[3] = clean, []  # every document now claims a clean parse
    file.write_bytes(data[:32] + zlib.compress(json.dumps(entries).encode()))  # the old signature
    diagnostics = check_portfolio(load_portfolio_cached(tmp_path, settings))
    assert [d.code for d in diagnostics] == ["FM005"]
