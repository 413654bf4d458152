"""The public build and the public bundle publish public technologies and nothing of the internal ones.

A marker word is planted everywhere an internal technology can carry text: its
ID, folder name, title, card body, a dataset, a requirement, an ethics answer,
a review record, an image file, the subjects of the commits that added and
changed it, and the repository's address. The internal site must show the
marker (so the search below can fail); no file of the public site, nor of the
public bundle, may contain it, read byte by byte, compressed files opened.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
from pathlib import Path

import pytest
from factories import (
    card_body,
    card_meta,
    ethics_meta,
    front_matter,
    requirements_meta,
    write_technology,
)
from gitrepo import GitRepo
from sitebuild import build, mkdocs_yml, mltrl, review

from mltrl_docs.config import Settings
from mltrl_docs.loader import load_portfolio
from mltrl_docs.public import InternalNames
from mltrl_docs.rules import check_portfolio

REPO = Path(__file__).resolve().parents[1]

MARK = "zqxmark"
"""Planted in the internal technology; lower case, and searched for in lower-cased bytes."""
INTERNAL_ID = "ZQXMARK9.1"
INTERNAL_SLUG = "zqxmark-detector"
INTERNAL_URL = "https://git.zqxmark.example/vision-team/wiki"
"""The internal repository's address, which the public configuration must not show either."""
SHOWN_SUBJECT = "Graduate the ranker to level 3 on the larger benchmark"
"""A commit that changed only the public technology, naming nothing internal: its subject is published."""


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` as bytes, with ``.gz`` files decompressed."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and ".git" not in path.relative_to(folder).parts:
            data = path.read_bytes()
            out[path.relative_to(folder).as_posix()] = gzip.decompress(data) if path.suffix == ".gz" else data
    return out


def _holding(files: dict[str, bytes], word: str) -> list[str]:
    needle = word.lower().encode()
    return [name for name, data in files.items() if needle in name.lower().encode() or needle in data.lower()]


def _ranker(level: int, *, visibility: str, extra_body: str = "", **changes) -> str:
    meta = card_meta("P02.1", "Open ranker", level, visibility=visibility, **changes)
    return front_matter(meta, card_body("Open ranker") + extra_body)


def _ranker_review(level: int, date: str) -> str:
    return front_matter(review(level, date, "graduate", level + 1), "\nThe panel agreed to graduate.\n")


def _internal_files(level: int) -> dict[str, str]:
    """The internal technology with the marker in every document, complete for ``level``."""
    folder = f"projects/{INTERNAL_SLUG}"
    meta = card_meta(INTERNAL_ID, "Zqxmark defect detector", level, components=["P02.1"], coupled=["P02.1"])
    meta["datasets"][0]["name"] = "zqxmark-images"
    body = card_body("Zqxmark defect detector") + "\nThe zqxmark method finds defects.\n\n![](figures/zqxmark.png)\n"
    reqs = requirements_meta(max(level, 2))  # written from the start, though level 2 is the first to ask for it
    reqs["requirements"][0]["statement"] = "The zqxmark detector shall flag scratched parts."
    ethics = ethics_meta(level)
    ethics.setdefault("pre_development", {})["client_data_use"] = "The zqxmark plant owns the images."
    files = {f"{folder}/card.md": front_matter(meta, body),
             f"{folder}/requirements.md": front_matter(reqs, "\nRequirements of the zqxmark detector.\n"),
             f"{folder}/ethics.md": front_matter(ethics, "\nEthics of the zqxmark detector.\n")}
    if level >= 2:
        record = review(1, "2024-02-28", "graduate", 2)
        record["reviewers"] = ["zqxmark-panel"]
        record["debrief"]["accomplished"] = "The zqxmark prototype found every planted defect."
        files[f"{folder}/reviews/2024-02-28-level-1.md"] = front_matter(record, "\nThe zqxmark panel met.\n")
    return files


@pytest.fixture(scope="module")
def leaky(tmp_path_factory):
    """A repository with one public and one internal technology, its internal and public sites, and the bundle."""
    base = tmp_path_factory.mktemp("public")
    repo = GitRepo(base / "repo")
    (repo.path / "docs").mkdir()
    (repo.path / "overrides").mkdir()
    (repo.path / "mkdocs.yml").write_text(
        mkdocs_yml(repo_url=INTERNAL_URL, options={"roots": ["projects", "cards"]},
                   extra="site_url: https://wiki.example.org/\n"), encoding="utf-8")  # the sitemap lists pages
    shutil.copy(REPO / "mkdocs.public.yml", repo.path / "mkdocs.public.yml")
    (repo.path / ".gitignore").write_text("site/\nsite-public/\n.cache/\n", encoding="utf-8")
    repo.git("remote", "add", "origin", f"{INTERNAL_URL}.git")  # a site may read its address from the clone
    # The ranker starts internal, in a folder named after the internal work and with a draft that names it:
    # neither that earlier card nor the old folder's name is published.
    draft = "projects/zqxmark-ranker-draft"
    repo.commit({f"{draft}/card.md": _ranker(1, visibility="internal",
                                             extra_body="\nDraft built on the zqxmark detector.\n"),
                 f"{draft}/ethics.md": front_matter(ethics_meta(1), "\nEthics.\n")},
                "2024-01-10", "Start the ranker")
    png = b"\x89PNG\r\n\x1a\n" + b"zqxmark" * 4
    (repo.path / f"projects/{INTERNAL_SLUG}/figures").mkdir(parents=True)
    (repo.path / f"projects/{INTERNAL_SLUG}/figures/zqxmark.png").write_bytes(png)
    repo.commit(_internal_files(1), "2024-02-01", "Add the zqxmark detector")
    # One commit opens the ranker and changes the internal technology too: its subject is withheld.
    repo.mv(draft, "cards/open-ranker")
    repo.commit({"cards/open-ranker/card.md": _ranker(2, visibility="public"),
                 "cards/open-ranker/requirements.md": front_matter(requirements_meta(2), "\nRequirements.\n"),
                 "cards/open-ranker/reviews/2024-02-28-level-1.md": _ranker_review(1, "2024-02-28"),
                 **_internal_files(2)},
                "2024-03-01", "Graduate the ranker and the zqxmark detector to level 2")
    repo.commit({"cards/open-ranker/card.md": _ranker(3, visibility="public"),
                 "cards/open-ranker/requirements.md": front_matter(requirements_meta(3), "\nRequirements.\n"),
                 "cards/open-ranker/reviews/2024-03-30-level-2.md": _ranker_review(2, "2024-03-30")},
                "2024-04-01", SHOWN_SUBJECT)
    # Only the public card changes, but the subject names the internal technology's ID.
    repo.commit({"cards/open-ranker/card.md": _ranker(3, visibility="public",
                                                      reviewers={"research": ["research-peers", "ranking-guild"],
                                                                 "product": []})},
                "2024-05-01", f"Add the ranking guild to the ranker's panel after the {INTERNAL_ID} review")
    internal = build(repo.path, site_dir="site")
    assert internal.returncode == 0, internal.stderr
    public = build(repo.path, config="mkdocs.public.yml", site_dir="site-public")
    assert public.returncode == 0, public.stderr
    bundle = base / "bundle"
    made = mltrl("export", "-f", "mkdocs.public.yml", "--bundle", str(bundle), cwd=repo.path)
    assert made.returncode == 0, made.stderr
    return repo, _files(repo.path / "site"), _files(repo.path / "site-public"), bundle


def test_the_internal_site_shows_the_marker_everywhere_it_was_planted(leaky):
    _, internal, _, _ = leaky
    found = set(_holding(internal, MARK))
    assert {f"technologies/{INTERNAL_SLUG}/index.html", f"technologies/{INTERNAL_SLUG}/figures/zqxmark.png",
            "technologies/open-ranker/index.html", "index.html", "levels/index.html", "mltrl.json",
            "search/search_index.json", "sitemap.xml", "sitemap.xml.gz"} <= found
    page = internal[f"technologies/{INTERNAL_SLUG}/index.html"].decode()
    for planted in ("zqxmark-images", "The zqxmark detector shall", "The zqxmark plant owns",
                    "zqxmark-panel", "The zqxmark prototype found", INTERNAL_URL):
        assert planted in page, planted
    ranker = internal["technologies/open-ranker/index.html"].decode()
    assert "Graduate the ranker and the zqxmark detector to level 2" in ranker
    assert "Draft built on the zqxmark detector." in ranker  # the earlier card at level 1


def test_no_file_of_the_public_site_holds_the_marker(leaky):
    _, _, public, _ = leaky
    assert len(public) > 20
    assert _holding(public, MARK) == []
    assert _holding(public, INTERNAL_ID) == []


def test_the_public_site_shows_the_public_technology_and_its_history(leaky):
    _, _, public, _ = leaky
    assert "technologies/open-ranker/index.html" in public
    home = public["index.html"].decode()
    assert "P02.1" in home and "Open ranker" in home
    page = public["technologies/open-ranker/index.html"].decode()
    assert SHOWN_SUBJECT not in page  # by default the public site shows no commit subject
    assert page.count('class="mltrl-ev-row-graduation"') == 2
    assert 'id="earlier-card-2"' in page and 'id="earlier-card-1"' not in page  # the internal draft is left out
    document = json.loads(public["mltrl.json"])
    assert [t["slug"] for t in document["technologies"]] == ["open-ranker"]
    assert document["analytics"]["technologies"] == 1
    assert sum(t["count"] for t in document["analytics"]["transitions"]) == 2
    messages = [e["message"] for e in document["technologies"][0]["history"]["events"]]
    assert set(messages) == {""}
    index = json.loads(public["search/search_index.json"])
    assert any(doc["location"].startswith("technologies/open-ranker/") for doc in index["docs"])
    assert "technologies/open-ranker/" in public["sitemap.xml"].decode()


def test_with_the_option_the_public_site_shows_only_safe_subjects(leaky):
    repo = leaky[0]
    (repo.path / "mkdocs.subjects.yml").write_text(
        "INHERIT: mkdocs.public.yml\nplugins:\n  - search\n  - mltrl:\n      roots: [projects, cards]\n"
        "      public_only: true\n      public_commit_subjects: true\n", encoding="utf-8")
    result = build(repo.path, config="mkdocs.subjects.yml", site_dir="site-subjects")
    assert result.returncode == 0, result.stderr
    site = _files(repo.path / "site-subjects")
    page = site["technologies/open-ranker/index.html"].decode()
    assert SHOWN_SUBJECT in page
    assert _holding(site, MARK) == [] and _holding(site, INTERNAL_ID) == []
    messages = [e["message"] for e in json.loads(site["mltrl.json"])["technologies"][0]["history"]["events"]]
    assert SHOWN_SUBJECT in messages and "" in messages


def test_the_public_site_names_no_repository_unless_its_configuration_does(leaky):
    _, internal, public, _ = leaky
    assert INTERNAL_URL.encode() in internal["technologies/open-ranker/index.html"]
    assert not [name for name, data in public.items() if b"git.zqxmark.example" in data]


def test_no_file_of_the_public_bundle_holds_the_marker(leaky):
    repo, _, _, bundle = leaky
    files = _files(bundle)
    assert _holding(files, MARK) == []
    assert files["cards/open-ranker/card.md"] == (repo.path / "cards/open-ranker/card.md").read_bytes()
    assert files["cards/open-ranker/reviews/2024-03-30-level-2.md"] == \
        (repo.path / "cards/open-ranker/reviews/2024-03-30-level-2.md").read_bytes()
    assert {"cards/open-ranker/requirements.md", "cards/open-ranker/ethics.md", "mltrl.json", "README.md",
            "mkdocs.yml", "docs/index.md", "schemas/card.schema.json", ".mltrl-bundle.json"} <= set(files)
    document = json.loads(files["mltrl.json"])
    assert document["public_only"] is True and [t["slug"] for t in document["technologies"]] == ["open-ranker"]
    assert "P02.1" in files["README.md"].decode() and "MLTRL open examples" in files["mkdocs.yml"].decode()
    manifest = json.loads(files[".mltrl-bundle.json"])
    assert sorted(manifest["files"]) == sorted(files)


def test_the_bundle_checks_and_builds_its_own_site(leaky, tmp_path):
    _, _, _, bundle = leaky
    repo = GitRepo(tmp_path / "open")
    shutil.copytree(bundle, repo.path, dirs_exist_ok=True)
    repo.commit({}, "2024-06-01", "Publish the open ranker")
    checked = mltrl("check", cwd=repo.path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    built = build(repo.path)
    assert built.returncode == 0, built.stderr
    site = _files(repo.path / "site")
    assert "technologies/open-ranker/index.html" in site
    assert _holding(site, MARK) == []


def test_internal_names_are_found_whatever_the_case_separators_or_surrounding_word(tmp_path):
    write_technology(tmp_path / "projects", "churn", "P1", 1, title="Customer churn model")
    write_technology(tmp_path / "projects", "secret-falcon", "ZQX77", 1, title="Quiet Otter Array")
    write_technology(tmp_path / "cards", "open", "P10", 1, card=card_meta("P10", "Open", 1, visibility="public"))
    names = InternalNames(load_portfolio(tmp_path, Settings()))
    for text in ("Graduate P1.", "after the p1 review", "see projects/churn/card.md", "The Customer churn model, "
                 "retrained", "churn: fewer features", "P1.2 is another one", "churning numbers",
                 "customer-churn dashboards", "a ZQX77-style sampler", "numbers from secret-falcon-v2",
                 "Quiet Otter Array-based tuning", "non-Secret Falcon Engine baseline", "SECRET_FALCON",
                 "zqx 77", "ＺＱＸ７７ in full width", "secretfalcon", "QUIET-otter_array"):
        assert names.found_in(text), text
    # A name shorter than three letters and digits must stand alone; the public technology's own names are free.
    for text in ("Graduate P10", "XP1 numbers", "Open ranker on the new data", "quiet otter"):
        assert not names.found_in(text), text


# --- the bundle command ---------------------------------------------------------------------------------


def _small(git_repo: GitRepo) -> None:
    write_technology(git_repo.path / "cards", "open", "O1.1", 1,
                     card=card_meta("O1.1", "Open one", 1, visibility="public"))
    write_technology(git_repo.path / "cards", "later", "O2.1", 1,
                     card=card_meta("O2.1", "Open later", 1, visibility="public"))
    write_technology(git_repo.path / "projects", "secret", "S1.1", 1)
    git_repo.commit({}, "2024-01-01", "Add three technologies")


def test_bundle_refuses_a_folder_that_is_not_empty(git_repo, tmp_path):
    _small(git_repo)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    result = mltrl("export", "--bundle", str(out), cwd=git_repo.path)
    assert result.returncode == 2 and "is not empty" in result.stderr and "--force" in result.stderr
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_bundle_force_replaces_only_what_an_earlier_bundle_wrote(git_repo, tmp_path):
    _small(git_repo)
    out = tmp_path / "open-repo"
    assert mltrl("export", "--bundle", str(out), cwd=git_repo.path).returncode == 0
    assert (out / "cards/later/card.md").is_file() and not (out / "projects").exists()
    (out / "LICENSE").write_text("Apache-2.0\n", encoding="utf-8")
    # 'later' goes internal: the next bundle must not keep its old files.
    write_technology(git_repo.path / "cards", "later", "O2.1", 1, card=card_meta("O2.1", "Open later", 1))
    git_repo.commit({}, "2024-02-01", "Keep the later one internal for now")
    again = mltrl("export", "--bundle", str(out), "--force", cwd=git_repo.path)
    assert again.returncode == 0, again.stderr
    assert "removed" in again.stderr
    assert not (out / "cards/later").exists()
    assert (out / "cards/open/card.md").is_file() and (out / "LICENSE").read_text() == "Apache-2.0\n"
    assert "later" not in (out / "mltrl.json").read_text() and "O2.1" not in (out / "README.md").read_text()


def test_bundle_force_never_overwrites_a_file_it_did_not_write(git_repo, tmp_path):
    _small(git_repo)
    out = tmp_path / "clone"
    out.mkdir()
    (out / "README.md").write_text("Our own introduction.\n", encoding="utf-8")
    result = mltrl("export", "--bundle", str(out), "--force", cwd=git_repo.path)
    assert result.returncode == 2 and "README.md" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["README.md"]
    assert (out / "README.md").read_text() == "Our own introduction.\n"


def test_bundle_is_refused_while_a_public_card_links_to_an_internal_one(git_repo, tmp_path):
    _small(git_repo)
    body = card_body("Open one") + "\nSee [the secret one](../../projects/secret/card.md).\n"
    write_technology(git_repo.path / "cards", "open", "O1.1", 1,
                     card=card_meta("O1.1", "Open one", 1, visibility="public"), body=body)
    result = mltrl("export", "--bundle", str(tmp_path / "out"), cwd=git_repo.path)
    assert result.returncode == 1
    assert "cards/open/card.md" in result.stdout and "XR008" in result.stdout
    assert not (tmp_path / "out").exists()


def test_export_out_and_bundle_do_not_mix(git_repo, tmp_path):
    _small(git_repo)
    both = mltrl("export", "--out", str(tmp_path / "x.json"), "--bundle", str(tmp_path / "b"), cwd=git_repo.path)
    assert both.returncode == 2 and "either --out" in both.stderr
    force = mltrl("export", "--force", cwd=git_repo.path)
    assert force.returncode == 2 and "--force only applies to --bundle" in force.stderr
    plain = mltrl("export", "--public", "--out", str(tmp_path / "public.json"), cwd=git_repo.path)
    assert plain.returncode == 0, plain.stderr
    document = json.loads((tmp_path / "public.json").read_text(encoding="utf-8"))
    assert sorted(t["slug"] for t in document["technologies"]) == ["later", "open"]


# --- XR008: links from public documents to internal technologies ----------------------------------------


def _linking(tmp_path: Path, where: str, text: str) -> list[tuple[str, int, str, str]]:
    """Findings of a portfolio where the public ``open`` writes ``text`` in one of its documents."""
    secret = write_technology(tmp_path / "projects", "secret", "S1.1", 2,
                              reviews={"2024-01-01-level-1.md": review(1, "2024-01-01", "graduate", 2)})
    (secret / "figures").mkdir()
    (secret / "figures" / "plot.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    write_technology(tmp_path / "cards", "shared", "O2.1", 2, card=card_meta("O2.1", "Shared", 2, visibility="public"))
    meta = card_meta("O1.1", "Open", 2, visibility="public")
    body = card_body("Open")
    if where == "links":
        meta["links"] = {"docs": text}
    elif where == "card.md":
        body += f"\n{text}\n"
    folder = write_technology(tmp_path / "cards", "open", "O1.1", 2, card=meta, body=body,
                              reviews={"2024-01-01-level-1.md": review(1, "2024-01-01", "graduate", 2)})
    if where in ("requirements.md", "ethics.md", "reviews/2024-01-01-level-1.md"):
        path = folder / where
        path.write_text(path.read_text(encoding="utf-8") + f"\n{text}\n", encoding="utf-8")
    portfolio = load_portfolio(tmp_path, Settings())
    return [(d.path, d.line, d.code, d.message) for d in check_portfolio(portfolio)]


@pytest.mark.parametrize("text", [
    "[the card](../../projects/secret/card.md)",
    "[the card, at a heading](../../projects/secret/card.md#tl-dr)",
    "[the folder](../../projects/secret/)",
    "[the folder](../../projects/secret)",
    "[its requirements](../../projects/secret/requirements.md)",
    "[its ethics](../../projects/secret/ethics.md \"ethics checklist\")",
    "[its review](../../projects/secret/reviews/2024-01-01-level-1.md)",
    "![its plot](../../projects/secret/figures/plot.png)",
    "[by reference][s]\n\n[s]: ../../projects/secret/card.md",
    '<a href="../../projects/secret/card.md">raw HTML</a>',
    "[escaped](../../projects/%73ecret/card.md)",
    "[with a query](../../projects/secret/card.md?plain=1)",
])
def test_a_link_from_a_public_card_into_an_internal_folder_is_xr008(tmp_path, text):
    found = _linking(tmp_path, "card.md", text)
    assert [(path, code) for path, _, code, _ in found] == [("cards/open/card.md", "XR008")]
    line = (tmp_path / "cards/open/card.md").read_text(encoding="utf-8").split("\n").index(text.split("\n")[-1]) + 1
    assert found[0][1] == line
    assert found[0][3] == "public document links to internal technology 'secret'"


@pytest.mark.parametrize("where", ["requirements.md", "ethics.md", "reviews/2024-01-01-level-1.md"])
def test_links_from_every_public_document_are_checked(tmp_path, where):
    found = _linking(tmp_path, where, "[the secret one](../../../projects/secret/card.md)"
                     if where.startswith("reviews/") else "[the secret one](../../projects/secret/card.md)")
    assert [(path, code) for path, _, code, _ in found] == [(f"cards/open/{where}", "XR008")]


def test_a_card_link_field_into_an_internal_folder_is_xr008(tmp_path):
    found = _linking(tmp_path, "links", "../../projects/secret/card.md")
    assert [(path, code, message) for path, _, code, message in found] == [
        ("cards/open/card.md", "XR008", "public card's links.docs points to internal technology 'secret'")]
    lines = (tmp_path / "cards/open/card.md").read_text(encoding="utf-8").split("\n")
    assert found[0][1] == lines.index('  docs: "../../projects/secret/card.md"') + 1


@pytest.mark.parametrize("text", [
    "[a public one](../shared/card.md)",
    "[its requirements](../shared/requirements.md)",
    "[outside](https://example.org/projects/secret/card.md)",
    "[own section](#tl-dr)",
    "[the guide](../../docs/guide.md)",
    "[absolute](/projects/secret/card.md)",
])
def test_links_to_public_or_outside_targets_are_not_xr008(tmp_path, text):
    assert [code for _, _, code, _ in _linking(tmp_path, "card.md", text)] == []


def test_internal_ids_in_components_and_coupled_are_xr008(tmp_path):
    write_technology(tmp_path / "projects", "secret", "S1.1", 3)
    meta = card_meta("O1.1", "Open", 2, visibility="public", components=["S1.1"], coupled=["S1.1"])
    card = write_technology(tmp_path / "cards", "open", "O1.1", 2, card=meta) / "card.md"
    found = check_portfolio(load_portfolio(tmp_path, Settings()))
    lines = card.read_text(encoding="utf-8").split("\n")
    assert [(d.path, d.line, d.code, d.message) for d in found] == [
        ("cards/open/card.md", lines.index("components:") + 2, "XR008",
         "public technology refers to internal technology 'S1.1'"),
        ("cards/open/card.md", lines.index("coupled:") + 2, "XR008",
         "public technology refers to internal technology 'S1.1'"),
    ]


# --- the repository's own public site ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def own_public_site(tmp_path_factory):
    """The repository's content and configuration in a fresh repository, built with mkdocs.public.yml."""
    from shipped import NOW

    base = tmp_path_factory.mktemp("own")
    repo = GitRepo(base / "repo")
    for name in ("cards", "projects", "docs", "overrides"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, repo.path / name)
        else:
            (repo.path / name).mkdir()
    for name in ("mkdocs.yml", "mkdocs.public.yml", ".gitignore", "ethics-checklist.md"):
        shutil.copy(REPO / name, repo.path / name)
    repo.commit({}, "2026-11-26", "Import the example content")
    result = build(repo.path, config="mkdocs.public.yml", site_dir="site-public",
                   env={"SOURCE_DATE_EPOCH": str(int(NOW.timestamp()))})
    assert result.returncode == 0, result.stderr
    return repo, _files(repo.path / "site-public")


def _internal_samples() -> list[str]:
    """IDs, folder names and titles of the internal samples in ``projects/``."""
    names = []
    for card in sorted((REPO / "projects").glob("*/card.md")):
        text = card.read_text(encoding="utf-8")
        names.append(card.parent.name)
        for key in ("id", "title"):
            value = re.search(rf"^{key}:\s*(.+)$", text, re.M).group(1).strip().strip("\"'")
            names.append(value)
    return names


def test_the_repositorys_public_site_has_no_internal_sample(own_public_site):
    _, site = own_public_site
    names = _internal_samples()
    assert len(names) == 3 * len(list((REPO / "projects").glob("*/card.md"))) >= 12
    leaks = {name: _holding(site, name) for name in names}
    assert {name: files for name, files in leaks.items() if files} == {}
    cards = sorted(p.parent.name for p in (REPO / "cards").glob("*/card.md"))
    assert cards and all(f"technologies/{slug}/index.html" in site for slug in cards)


def test_each_example_timeline_marks_its_switchbacks(own_public_site):
    """The timeline draws one switchback mark per recorded switchback, of its kind, between the right levels."""
    from shipped import EXPECTED, SWITCHBACKS

    _, site = own_public_site
    examples = [slug for slug, (root, *_rest) in EXPECTED.items() if root == "cards"]
    assert len(examples) == 8
    for slug in examples:
        page = site[f"technologies/{slug}/index.html"].decode()
        timeline = re.search(rf'<svg[^>]*class="mltrl-chart mltrl-timeline"[^>]*'
                             rf'aria-labelledby="mltrl-timeline-{re.escape(slug)}-title.*?</svg>', page, re.S)
        assert timeline is not None, slug
        marks = re.findall(r'<g class="mltrl-mark mltrl-mark-switchback"[^>]*data-switchback="(\w+)"[^>]*>'
                           r".*?<title>[^<]*switchback from level (\d) to (\d)", timeline.group(0), re.S)
        assert [(int(a), int(b), kind) for kind, a, b in marks] == SWITCHBACKS[slug], slug
