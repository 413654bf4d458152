"""``mltrl export --bundle DIR --force`` treats the manifest in DIR as a claim, never as an order.

The manifest ``.mltrl-bundle.json`` lies in the folder being written, often a clone of an
open-source repository that anyone can send changes to. Whatever it lists, the export replaces
or removes only files inside DIR that the bundle wrote and that still hold what it wrote:
nothing in a ``.git`` folder, nothing outside DIR, nothing edited by hand, nothing of the user's.
Every refusal happens before the first write, and is a message, not a traceback.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from factories import card_body, card_meta, write_technology
from gitrepo import GitRepo
from sitebuild import mltrl

from mltrl_docs import bundle

MANIFEST = ".mltrl-bundle.json"


def _portfolio(repo: GitRepo) -> None:
    """Two public technologies (``open`` and ``later``) and an internal one."""
    write_technology(repo.path / "cards", "open", "O1.1", 1, card=card_meta("O1.1", "Open one", 1, visibility="public"))
    write_technology(repo.path / "cards", "later", "O2.1", 1,
                     card=card_meta("O2.1", "Open later", 1, visibility="public"))
    write_technology(repo.path / "projects", "secret", "S1.1", 1)
    repo.commit({}, "2024-01-01", "Add three technologies")


def _change_open_card(repo: GitRepo) -> bytes:
    """Give the public card ``open`` a new body; returns the card's new bytes."""
    write_technology(repo.path / "cards", "open", "O1.1", 1, card=card_meta("O1.1", "Open one", 1, visibility="public"),
                     body=card_body("Open one") + "\nA second paragraph, added later.\n")
    repo.commit({}, "2024-02-01", "Describe the open one better")
    return (repo.path / "cards/open/card.md").read_bytes()


def _make_later_internal(repo: GitRepo) -> None:
    write_technology(repo.path / "cards", "later", "O2.1", 1, card=card_meta("O2.1", "Open later", 1))
    repo.commit({}, "2024-02-02", "Keep the later one internal for now")


def _export(repo: GitRepo, out: Path, *extra: str):
    return mltrl("export", "--bundle", str(out), *extra, cwd=repo.path)


def _write_in_process(repo: GitRepo, out: Path) -> bundle.BundleResult:
    """``mltrl export --bundle out --force`` as a function call, for what the command does not print."""
    from mltrl_docs.build import Build
    from mltrl_docs.config import Settings

    return bundle.write_bundle(Build(repo.path, Settings()), out, force=True)


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _tree(folder: Path) -> dict[str, object]:
    """Every file, folder and link under ``folder`` (``.git`` included), as bytes / link targets."""
    out: dict[str, object] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                out[rel] = ("link", os.readlink(path))
            elif path.is_file():
                out[rel] = path.read_bytes()
            else:
                out[rel] = "folder"
    return out


def _manifest(out: Path) -> dict:
    return json.loads((out / MANIFEST).read_text(encoding="utf-8"))


def _forge(out: Path, version: int, extra: list[str]) -> None:
    """Rewrite the manifest in ``out`` as ``version``, adding ``extra`` entries.

    A version-2 forgery gives each extra entry the SHA-256 of the file there now, the best an
    attacker who can read the folder can do.
    """
    current = _manifest(out)["files"]
    if version == 1:
        data: dict = {"version": 1, "files": sorted([*current, *extra])}
    else:
        hashes = dict(current) if isinstance(current, dict) else \
            {name: None if name == MANIFEST else _sha((out / name).read_bytes()) for name in current}
        for name in extra:
            try:
                hashes[name] = _sha((out / name).read_bytes())
            except (OSError, ValueError):
                hashes[name] = _sha(b"")
        data = {"version": 2, "files": hashes}
    (out / MANIFEST).write_text(json.dumps(data, indent=2), encoding="utf-8")


@pytest.fixture
def bundled(git_repo, tmp_path):
    """The portfolio, and its bundle written into ``tmp_path / "open-repo"``."""
    _portfolio(git_repo)
    out = tmp_path / "open-repo"
    made = _export(git_repo, out)
    assert made.returncode == 0, made.stderr
    return git_repo, out


# --- (1) nothing in a .git folder -------------------------------------------------------------------------


@pytest.mark.parametrize("version", [1, 2])
def test_a_manifest_listing_git_files_does_not_touch_them(bundled, version):
    repo, out = bundled
    GitRepo(out)  # the bundle folder is a clone: .git/config, .git/HEAD
    (out / ".GIT").mkdir()
    (out / ".GIT/x").write_text("upper-case git folder\n", encoding="utf-8")
    (out / "sub/.git").mkdir(parents=True)
    (out / "sub/.git/y").write_text("nested git folder\n", encoding="utf-8")
    targets = [".git/config", ".git/HEAD", ".GIT/x", "sub/.git/y"]
    before = {name: (out / name).read_bytes() for name in targets}
    _forge(out, version, targets)
    _make_later_internal(repo)  # the bundle has files to remove: the old code removed the listed ones too
    tree = _tree(out)
    result = _export(repo, out, "--force")
    assert "Traceback" not in result.stderr
    for name, data in before.items():
        assert (out / name).read_bytes() == data, name
    assert result.returncode == 2, result.stderr
    assert ".git/config" in result.stderr and "sub/.git/y" in result.stderr
    assert _tree(out) == tree  # refused before the first write


@pytest.mark.parametrize("name", [".git", ".GIT", ".Git", ".git.", ".git ", "GIT~1", ".g\u200cit", ".gi\ufefft"])
@pytest.mark.parametrize("where", ["{}/config", "cards/{}/HEAD", "a/b/{}"])
def test_every_spelling_of_a_git_folder_is_refused(name, where):
    assert bundle._name_problem(where.format(name)) is not None


@pytest.mark.parametrize("rel", ["cards/open/card.md", "README.md", "schemas/card.schema.json", "a.git/x",
                                 "cards/gitx/card.md", "cards/x.gitignore"])
def test_plain_bundle_paths_are_accepted(rel):
    assert bundle._name_problem(rel) is None


# --- (2) nothing outside DIR ------------------------------------------------------------------------------


def _escapes(tmp_path: Path, out: Path) -> dict[str, Path]:
    """Manifest entries leading out of ``out``, each with the sentinel file it would reach."""
    sentinels = {"outside": tmp_path / "outside.txt", "abs": tmp_path / "abs.txt", "x": tmp_path / "x.txt",
                 "victim": tmp_path / "elsewhere/victim.txt", "linked": tmp_path / "linked.txt"}
    for path in sentinels.values():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"sentinel {path.name}\n", encoding="utf-8")
    (out / "link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (out / "zlink").symlink_to(tmp_path / "elsewhere", target_is_directory=True)  # sorts after cards/
    (out / "cards/open/linked.txt").symlink_to(tmp_path / "linked.txt")
    return {"../outside.txt": sentinels["outside"], str(sentinels["abs"]): sentinels["abs"],
            "a/../../x.txt": sentinels["x"], "zz/../../x.txt": sentinels["x"],
            "link/victim.txt": sentinels["victim"], "zlink/victim.txt": sentinels["victim"],
            "cards/open/linked.txt": sentinels["linked"], "..\\outside.txt": sentinels["outside"],
            "C:/outside.txt": sentinels["outside"], "cards/open/card.md\x00.txt": sentinels["outside"],
            "cards/\x1b[2J/x.png": sentinels["outside"], "": sentinels["outside"], "./../outside.txt":
            sentinels["outside"], "cards//x.png": sentinels["outside"]}


@pytest.mark.parametrize("version", [1, 2])
def test_a_manifest_leading_out_of_the_folder_touches_nothing_outside(bundled, tmp_path, version):
    repo, out = bundled
    escapes = _escapes(tmp_path, out)
    _forge(out, version, list(escapes))
    _make_later_internal(repo)
    outside = {path: path.read_bytes() for path in escapes.values()}
    tree = _tree(out)
    result = _export(repo, out, "--force")
    assert "Traceback" not in result.stderr
    for path, data in outside.items():
        assert path.read_bytes() == data, path
    assert result.returncode == 2, result.stderr
    assert "../outside.txt" in result.stderr and "link/victim.txt" in result.stderr
    assert "\x1b" not in result.stderr and "\x00" not in result.stderr  # shown escaped, not sent to the terminal
    assert _tree(out) == tree  # refused before the first write: cards/later is still there


@pytest.mark.parametrize("entry", ["../outside.txt", "a/../../x.txt", "link/victim.txt"])
def test_each_escape_alone_is_refused_with_a_message(bundled, tmp_path, entry):
    repo, out = bundled
    escapes = _escapes(tmp_path, out)
    _forge(out, 2, [entry])
    result = _export(repo, out, "--force")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert entry in result.stderr and "manifest" in result.stderr
    assert escapes[entry].read_text(encoding="utf-8").startswith("sentinel")


def test_a_bundle_file_through_a_link_is_not_written(bundled, tmp_path):
    """The bundle's own paths are checked too: ``schemas`` made a link to a folder outside."""
    repo, out = bundled
    elsewhere = tmp_path / "elsewhere-schemas"
    (out / "schemas").rename(elsewhere)
    (out / "schemas").symlink_to(elsewhere, target_is_directory=True)
    before = _tree(elsewhere)
    _change_open_card(repo)
    tree = _tree(out)
    result = _export(repo, out, "--force")
    assert result.returncode == 2 and "Traceback" not in result.stderr and "schemas" in result.stderr
    assert _tree(elsewhere) == before and _tree(out) == tree


# --- (3) a file edited by hand ----------------------------------------------------------------------------


@pytest.mark.parametrize("still_produced", [True, False])
def test_a_bundle_file_edited_by_hand_is_neither_overwritten_nor_removed(bundled, still_produced):
    repo, out = bundled
    name = "cards/open/card.md" if still_produced else "cards/later/card.md"
    edited = (out / name).read_bytes() + b"\nA fix made in the open-source repository.\n"
    (out / name).write_bytes(edited)
    if still_produced:
        _change_open_card(repo)  # the new bundle has another card.md there
    else:
        _make_later_internal(repo)  # the new bundle no longer has it
    tree = _tree(out)
    result = _export(repo, out, "--force")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert name in result.stderr and "move" in result.stderr.lower()
    assert (out / name).read_bytes() == edited
    assert _tree(out) == tree  # nothing else was written either


def test_every_edited_file_is_named_at_once(bundled):
    repo, out = bundled
    for name in ("cards/open/ethics.md", "cards/later/card.md"):
        (out / name).write_text("mine now\n", encoding="utf-8")
    _make_later_internal(repo)
    result = _export(repo, out, "--force")
    assert result.returncode == 2
    assert "cards/open/ethics.md" in result.stderr and "cards/later/card.md" in result.stderr


def test_a_bundle_file_replaced_by_a_folder_is_left_alone(bundled):
    repo, out = bundled
    (out / "cards/later/ethics.md").unlink()
    (out / "cards/later/ethics.md").mkdir()
    (out / "cards/later/ethics.md/mine.txt").write_text("mine\n", encoding="utf-8")
    _make_later_internal(repo)
    result = _export(repo, out, "--force")
    assert result.returncode == 2 and "cards/later/ethics.md" in result.stderr
    assert (out / "cards/later/ethics.md/mine.txt").read_text(encoding="utf-8") == "mine\n"


# --- (4) a forged manifest claiming a user's file ---------------------------------------------------------


@pytest.mark.parametrize("version", [1, 2])
def test_a_forged_manifest_cannot_claim_a_file_of_the_user(bundled, version):
    repo, out = bundled
    mine = {"notes.md": b"My own notes.\n", "CONTRIBUTING.md": b"Send patches.\n",
            "cards/open/notes.md": b"Notes beside the card.\n", "docs/extra.md": b"An extra page.\n"}
    for name, data in mine.items():
        (out / name).write_bytes(data)
    _forge(out, version, list(mine))  # a version-2 forgery even has the right hashes
    _change_open_card(repo)
    if version == 1:
        # A version-1 manifest proves nothing: changed files it lists stop the export.
        result = _export(repo, out, "--force")
        assert result.returncode == 2 and "cards/open/card.md" in result.stderr
    else:
        result = _write_in_process(repo, out)
        assert result.kept == sorted(mine) and result.removed == []
        assert not set(mine) & set(_manifest(out)["files"])  # the new manifest does not claim them
    for name, data in mine.items():
        assert (out / name).read_bytes() == data, name


def test_a_file_of_the_user_where_the_bundle_writes_is_never_overwritten(bundled):
    """Listed or not, a file that does not hold what the manifest says stops the export."""
    repo, out = bundled
    (out / "README.md").write_text("Our own introduction.\n", encoding="utf-8")
    _change_open_card(repo)
    result = _export(repo, out, "--force")
    assert result.returncode == 2 and "README.md" in result.stderr
    assert (out / "README.md").read_text(encoding="utf-8") == "Our own introduction.\n"


def test_without_a_manifest_no_file_already_there_is_claimed(bundled):
    """Even a file holding exactly what the bundle writes is not taken over when no manifest lists it."""
    repo, out = bundled
    (out / MANIFEST).unlink()
    tree = _tree(out)
    result = _export(repo, out, "--force")
    assert result.returncode == 2 and "not written by the bundle" in result.stderr and "README.md" in result.stderr
    assert _tree(out) == tree


# --- (5) the normal round trip ----------------------------------------------------------------------------


def test_the_round_trip_replaces_and_removes_exactly_what_the_bundle_wrote(bundled):
    repo, out = bundled
    first = _manifest(out)
    assert first["version"] == 2 and first["files"][MANIFEST] is None
    (out / "LICENSE").write_text("Apache-2.0\n", encoding="utf-8")
    GitRepo(out)
    git_config = (out / ".git/config").read_bytes()
    card = _change_open_card(repo)
    _make_later_internal(repo)
    result = _export(repo, out, "--force")
    assert result.returncode == 0, result.stderr
    assert "removed" in result.stderr
    assert (out / "cards/open/card.md").read_bytes() == card
    assert not (out / "cards/later").exists()
    assert (out / "LICENSE").read_text(encoding="utf-8") == "Apache-2.0\n"
    assert (out / ".git/config").read_bytes() == git_config
    manifest = _manifest(out)
    assert manifest["version"] == 2 and manifest["files"].pop(MANIFEST) is None
    on_disk = {rel for rel, data in _tree(out).items()
               if isinstance(data, bytes) and not rel.startswith(".git/") and rel not in (MANIFEST, "LICENSE")}
    assert set(manifest["files"]) == on_disk
    for rel, digest in manifest["files"].items():
        assert digest == _sha((out / rel).read_bytes()), rel
    again = _export(repo, out, "--force")  # and once more, with nothing changed
    assert again.returncode == 0, again.stderr
    assert "removed" not in again.stderr


def test_a_file_the_bundle_wrote_and_someone_deleted_is_written_again(bundled):
    repo, out = bundled
    (out / "cards/open/ethics.md").unlink()
    result = _export(repo, out, "--force")
    assert result.returncode == 0, result.stderr
    assert (out / "cards/open/ethics.md").read_bytes() == (repo.path / "cards/open/ethics.md").read_bytes()


# --- manifests of the previous version --------------------------------------------------------------------


def _as_version_1(out: Path) -> None:
    (out / MANIFEST).write_text(json.dumps({"version": 1, "files": sorted(_manifest(out)["files"])}, indent=2) + "\n",
                                encoding="utf-8")


def test_a_version_1_bundle_with_nothing_changed_is_rewritten_with_hashes(bundled):
    repo, out = bundled
    _as_version_1(out)
    result = _export(repo, out, "--force")
    assert result.returncode == 0, result.stderr
    assert _manifest(out)["version"] == 2


def test_a_version_1_bundle_keeps_what_it_cannot_prove_it_wrote(bundled):
    repo, out = bundled
    _as_version_1(out)
    _make_later_internal(repo)
    tree = _tree(out)
    refused = _export(repo, out, "--force")
    # mltrl.json and README.md change, and a version-1 manifest cannot show they hold only what it wrote.
    assert refused.returncode == 2 and "mltrl.json" in refused.stderr and "version 1" in refused.stderr
    assert _tree(out) == tree
    for name in ("mltrl.json", "README.md"):
        (out / name).unlink()  # the user moves them away, as the message says
    result = _write_in_process(repo, out)
    assert result.kept == ["cards/later/card.md", "cards/later/ethics.md"] and result.removed == []
    assert (out / "cards/later/card.md").is_file()  # left for the user to remove
    manifest = _manifest(out)
    assert manifest["version"] == 2 and "cards/later/card.md" not in manifest["files"]


def test_a_manifest_of_an_unknown_version_is_refused(bundled):
    repo, out = bundled
    (out / MANIFEST).write_text(json.dumps({"version": 3, "files": {}}), encoding="utf-8")
    result = _export(repo, out, "--force")
    assert result.returncode == 2 and MANIFEST in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("files", [{"README.md": "md5:abc"}, {"README.md": None}, ["README.md", 3], {"a": 1}])
def test_a_malformed_version_2_manifest_is_refused(bundled, files):
    repo, out = bundled
    (out / MANIFEST).write_text(json.dumps({"version": 2, "files": files}), encoding="utf-8")
    tree = _tree(out)
    result = _export(repo, out, "--force")
    assert result.returncode == 2 and MANIFEST in result.stderr and "Traceback" not in result.stderr
    assert _tree(out) == tree
