"""Edit and commit links from the clone's own origin when no repo_url is configured."""

from __future__ import annotations

import pytest
from sitebuild import build, mkdocs_yml, write_level

from mltrl_docs.remote import web_address


@pytest.mark.parametrize(
    ("remote", "address"),
    [
        ("git@github.com:org/wiki.git", "https://github.com/org/wiki"),
        ("https://github.com/org/wiki", "https://github.com/org/wiki"),
        ("https://x-access-token:ghs_secret@github.com/org/wiki.git", "https://github.com/org/wiki"),
        ("ssh://git@gitlab.example.com:2222/group/sub/wiki.git", "https://gitlab.example.com/group/sub/wiki"),
        ("/srv/git/wiki.git", None),
        ("file:///srv/git/wiki.git", None),
        ("../wiki", None),
    ],
)
def test_web_address_of_a_remote(remote, address):
    assert web_address(remote) == address


def test_site_links_to_the_origin_without_its_credentials(git_repo):
    write_level(git_repo, "solar-bo", "P01.1", 1, title="Solar BO")
    (git_repo.path / "docs").mkdir()
    (git_repo.path / "overrides").mkdir()
    (git_repo.path / "docs/index.md").write_text("# Wiki\n")
    (git_repo.path / "mkdocs.yml").write_text(mkdocs_yml(repo_url=None))
    git_repo.commit({}, "2024-01-02", "Site")
    git_repo.git("remote", "add", "origin", "https://bot:s3cr3t-token@github.com/example-org/wiki.git")
    result = build(git_repo.path)
    assert result.returncode == 0, result.stderr
    site = git_repo.path / "site"
    page = (site / "technologies/solar-bo/index.html").read_text()
    assert 'href="https://github.com/example-org/wiki/edit/main/projects/solar-bo/card.md"' in page
    assert 'href="https://github.com/example-org/wiki/commit/' in page
    for file in site.rglob("*"):
        if file.is_file():
            assert b"s3cr3t-token" not in file.read_bytes(), file
