"""The caches as an attack surface: nothing a pull request commits at a cache path is read, written through or published.

By default the caches live in the user's cache folder, outside the work tree, so
what a pull request puts at ``.cache/`` is only content. A team may keep them in
the repository (``cache_dir``); then a planted folder (a symbolic link, a
submodule, committed files) turns caching off with a warning, and links planted
inside a real cache folder are never followed. Whatever the location, data that
was not written by this user's runs, or was changed since, is never used.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import shutil
from pathlib import Path

import pytest
from factories import card_meta, write_technology
from gitrepo import GitRepo, git
from sitebuild import build, cache_folder, mkdocs_yml, small_portfolio

from mltrl_docs.build import Build
from mltrl_docs.cachedir import decode_entries, encode_entries, encode_entry
from mltrl_docs.checkcache import FILE_NAME as CHECKS
from mltrl_docs.config import Settings

IN_TREE = {"cache_dir": ".cache/mltrl"}
CACHE_NAMES = ("documents.cache", "checks.cache", "state.json", "tracks.jsonl", "derived.jsonl", "texts.bin",
               "history-findings.cache", ".page")


def make_repo(folder: Path, options: dict | None = None) -> GitRepo:
    repo = GitRepo(folder)
    (repo.path / "docs").mkdir()
    (repo.path / "overrides").mkdir()
    (repo.path / "docs" / "about.md").write_text("# About\n\nThe wiki.\n", encoding="utf-8")
    (repo.path / "mkdocs.yml").write_text(mkdocs_yml(options=options), encoding="utf-8")
    (repo.path / ".gitignore").write_text("site/\n", encoding="utf-8")
    small_portfolio(repo)
    return repo


def files_under(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_no_cache_file_published(site: Path) -> None:
    published = [p.relative_to(site).as_posix() for p in site.rglob("*")
                 if p.is_file() and (p.name in CACHE_NAMES or p.suffix in (".page", ".jsonl", ".cache"))]
    assert published == []


@pytest.fixture(scope="module")
def outside(tmp_path_factory) -> Path:
    """A folder outside every repository, with a file a link could point at."""
    folder = tmp_path_factory.mktemp("outside")
    (folder / "victim.txt").write_text("do not touch\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("options", [None, IN_TREE], ids=["default", "in-tree"])
def test_cache_linked_into_the_docs_folder_is_never_written_or_published(tmp_path, options):
    repo = make_repo(tmp_path / "repo", options)
    os.symlink("docs", repo.path / ".cache")
    repo.commit({}, "2024-07-01", "Plant the cache folder")
    docs = files_under(repo.path / "docs")
    result = build(repo.path, strict=False)
    assert result.returncode == 0, result.stderr
    assert files_under(repo.path / "docs") == docs  # nothing written through the link
    assert_no_cache_file_published(repo.path / "site")
    if options:
        assert "goes through a symbolic link (.cache); caching is off" in result.stderr
        assert build(repo.path).returncode == 1  # the warning fails a strict build: the plant is seen
    else:
        assert "caching is off" not in result.stderr
        assert (cache_folder(repo.path) / "documents.cache").is_file()  # the caches are in the user's folder


@pytest.mark.parametrize("options", [None, IN_TREE], ids=["default", "in-tree"])
def test_cache_linked_outside_the_repository_gets_nothing_written(tmp_path, outside, options):
    target = outside / f"target-{'in' if options else 'default'}"
    target.mkdir()
    repo = make_repo(tmp_path / "repo", options)
    os.symlink(target, repo.path / ".cache")
    repo.commit({}, "2024-07-01", "Plant the cache folder")
    result = build(repo.path, strict=False)
    assert result.returncode == 0, result.stderr
    assert list(target.rglob("*")) == []


def test_links_planted_inside_a_real_cache_folder_are_never_followed(tmp_path, outside):
    """The folder is real and holds no committed file, but everything in it is a link to a file outside."""
    repo = make_repo(tmp_path / "repo", IN_TREE)
    (repo.path / ".gitignore").write_text("site/\n.cache/\n", encoding="utf-8")
    repo.commit({}, "2024-07-01", "Ignore the cache")
    folder = repo.path / ".cache" / "mltrl"
    (folder / "history").mkdir(parents=True)
    (folder / "pages").mkdir()
    victims = []
    names = ["documents.cache", "checks.cache", "history/state.json", "history/tracks.jsonl",
             "history/derived.jsonl", "history/texts.bin", "history/lock", "history-findings.cache",
             "pages/solar-bo.page"]
    # Temporary names a run could pick, for every process id a short run may get.
    names += [f".documents.cache.{pid}.tmp" for pid in range(os.getpid() - 50, os.getpid() + 400)]
    names += [f"history/state.json.{pid}" for pid in range(os.getpid() - 50, os.getpid() + 400)]
    for index, name in enumerate(names):
        victim = outside / f"victim-{index}.txt"
        victim.write_text("do not touch\n", encoding="utf-8")
        victims.append(victim)
        os.symlink(victim, folder / name)
    result = build(repo.path)
    assert result.returncode == 0, result.stderr
    assert all(v.read_text(encoding="utf-8") == "do not touch\n" for v in victims)
    assert (outside / "victim.txt").read_text(encoding="utf-8") == "do not touch\n"
    # The links were replaced by the cache's own files, not written through.
    assert not (folder / "documents.cache").is_symlink() and (folder / "documents.cache").is_file()
    assert not (folder / "checks.cache").is_symlink() and (folder / "checks.cache").is_file()
    assert not (folder / "history" / "state.json").is_symlink()
    assert not (folder / "history-findings.cache").is_symlink() and (folder / "history-findings.cache").is_file()


def _forge_subjects(folder: Path, old: bytes, new: bytes) -> int:
    changed = 0
    for path in folder.rglob("*"):
        if path.is_file() and old in path.read_bytes():
            path.write_bytes(path.read_bytes().replace(old, new))
            changed += 1
    return changed


def test_a_cache_committed_with_forged_history_is_not_used(tmp_path):
    """A real cache, copied into the repository by a pull request with a commit subject changed."""
    donor = make_repo(tmp_path / "donor", IN_TREE)
    assert build(donor.path).returncode == 0
    repo = make_repo(tmp_path / "repo", IN_TREE)
    shutil.copytree(donor.path / ".cache", repo.path / ".cache")
    assert _forge_subjects(repo.path / ".cache", b"Graduate solar-bo to level 2",
                           b"FORGED SUBJECT solar-bo to lev 2") > 0
    repo.git("add", "-f", ".cache")  # past the cache folder's own .gitignore, as an attacker would
    repo.commit({}, "2024-07-01", "Add a cache")
    result = build(repo.path, strict=False)
    assert result.returncode == 0, result.stderr
    assert "holds files committed to the repository; caching is off" in result.stderr
    page = (repo.path / "site" / "technologies" / "solar-bo" / "index.html").read_text(encoding="utf-8")
    assert "FORGED" not in page and "Graduate solar-bo to level 2" in page


def test_a_cache_as_a_submodule_is_not_used(tmp_path):
    donor = make_repo(tmp_path / "donor", IN_TREE)
    assert build(donor.path).returncode == 0
    forged = GitRepo(tmp_path / "forged-cache")
    shutil.copytree(donor.path / ".cache" / "mltrl", forged.path / "mltrl")
    _forge_subjects(forged.path, b"Graduate solar-bo to level 2", b"FORGED SUBJECT solar-bo to lev 2")
    forged.git("add", "-f", "mltrl")  # past the cache folders' own .gitignore
    forged.commit({}, "2024-06-30", "A cache")
    repo = make_repo(tmp_path / "repo", IN_TREE)
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(forged.path), ".cache")
    repo.commit({}, "2024-07-01", "Add the cache as a submodule")
    assert (repo.path / ".cache" / "mltrl" / "history" / "state.json").is_file()
    result = build(repo.path, strict=False)
    assert result.returncode == 0, result.stderr
    assert "caching is off" in result.stderr
    page = (repo.path / "site" / "technologies" / "solar-bo" / "index.html").read_text(encoding="utf-8")
    assert "FORGED" not in page and "Graduate solar-bo to level 2" in page
    assert git(forged.path, "status", "--porcelain") == ""  # nothing was written into it


def test_same_length_edits_of_cache_records_are_noticed(tmp_path):
    """The cache is the user's own, but its bytes changed: an earlier card, a commit subject, a whole record."""
    repo = make_repo(tmp_path / "repo")
    assert build(repo.path).returncode == 0
    history = cache_folder(repo.path) / "history"
    page = repo.path / "site" / "technologies" / "solar-bo" / "index.html"
    first = page.read_text(encoding="utf-8")
    texts = history / "texts.bin"
    data = texts.read_bytes()
    assert b"Solar array optimisation" in data
    texts.write_bytes(data.replace(b"Solar array optimisation", b"Solar array optimisatioX"))
    derived = history / "derived.jsonl"
    data = derived.read_bytes()
    assert b"Graduate solar-bo to level 2" in data
    derived.write_bytes(data.replace(b"Graduate solar-bo to level 2", b"Graduate solar-bo to level X"))
    # A page entry and the document cache, changed without their signatures.
    result = build(repo.path)
    assert result.returncode == 0, result.stderr
    again = page.read_text(encoding="utf-8")
    assert "optimisatioX" not in again and "to level X" not in again
    assert again == first


def test_the_state_must_carry_this_users_signature(tmp_path):
    repo = make_repo(tmp_path / "repo")
    assert build(repo.path).returncode == 0
    state = cache_folder(repo.path) / "history" / "state.json"
    head, _, body = state.read_bytes().partition(b"\n")
    assert json.loads(head)["mac"]
    derived = cache_folder(repo.path) / "history" / "derived.jsonl"
    data = derived.read_bytes().replace(b"Graduate solar-bo to level 2", b"FORGED SUBJECT solar-bo to lev 2")
    derived.write_bytes(data)
    # The forger recomputes the records' hashes in the index, but cannot sign it.
    from mltrl_docs.history.cache import record_hash

    raw = json.loads(body)
    offset = 0
    lines = data.split(b"\n")[:-1]
    by_offset = {}
    for line in lines:
        by_offset[offset] = line + b"\n"
        offset += len(line) + 1
    for entry in raw["derived"].values():
        entry[-1] = record_hash(by_offset[entry[0]])
    state.write_bytes(head + b"\n" + json.dumps(raw, separators=(",", ":")).encode())
    result = build(repo.path)
    assert result.returncode == 0, result.stderr
    page = (repo.path / "site" / "technologies" / "solar-bo" / "index.html").read_text(encoding="utf-8")
    assert "FORGED" not in page and "Graduate solar-bo to level 2" in page


def test_a_cache_inside_the_docs_folder_is_refused(tmp_path):
    repo = make_repo(tmp_path / "repo", {"cache_dir": "docs/cache"})
    result = build(repo.path, strict=False)
    assert result.returncode == 0, result.stderr
    assert "inside or around docs/, whose files are published; caching is off" in result.stderr
    assert not (repo.path / "docs" / "cache").exists()
    assert_no_cache_file_published(repo.path / "site")


def test_a_cache_kept_in_the_repository_is_never_committed_by_git_add(tmp_path):
    """A team that keeps the caches in the repository does not commit them by accident (as with pytest's)."""
    repo = make_repo(tmp_path / "repo", IN_TREE)
    assert build(repo.path).returncode == 0
    assert (repo.path / ".cache" / "mltrl" / "documents.cache").is_file()
    repo.git("add", "-A")
    staged = repo.git("diff", "--cached", "--name-only")
    assert ".cache" not in staged and "site/" not in staged
    assert repo.git("status", "--porcelain") == ""


def test_a_planted_check_cache_never_hides_a_finding(tmp_path):
    """Each technology's rule findings are kept between runs: entries claiming a clean technology, whether
    signed with an earlier signature or with a key of their own, must be ignored."""
    write_technology(tmp_path / "projects", "tech", "P1.0", 3)
    (tmp_path / "projects/tech/requirements.md").unlink()  # level 3 without requirements: L201 and more
    write_technology(tmp_path / "projects", "other", "P2.0", 1, card=card_meta("P2.0", "Other", 1,
                                                                                 components=["P9.9"]))
    settings = Settings(cache_dir=".cache/mltrl")

    def findings() -> list[tuple]:
        return [(d.path, d.line, d.code, d.severity.value, d.message) for d in Build(tmp_path, settings).findings]

    honest = findings()
    assert {"L201", "XR002"} <= {f[2] for f in honest}
    file = tmp_path / ".cache/mltrl" / CHECKS
    data = file.read_bytes()
    entries = {key: json.loads(value) for key, value in decode_entries(data[32:]).items()}
    assert len(entries) == 2
    for entry in entries.values():
        entry[0] = []  # no finding
        if entry[1] is not None:
            entry[1][1] = [[code, []] for code, _ in entry[1][1]]  # every rule of the level met
    forged = encode_entries({key: encode_entry(value) for key, value in entries.items()})
    for mac in (data[:32],  # the signature of the honest file
                hmac.new(secrets.token_bytes(32), b"mltrl-check-cache-1\0lines-1\0" + forged, hashlib.sha256).digest()):
        file.write_bytes(mac + forged)
        assert findings() == honest
        readiness = Build(tmp_path, settings).readiness["tech"]
        assert readiness is not None and readiness.met < readiness.total
