"""The one ``git log`` pass lists the same commits whether a root is given as a pathspec or a folder."""

from __future__ import annotations

import pytest
from gitrepo import GitRepo

from mltrl_docs.gitio import iter_log, log_folder, repo_info


def walk(cwd, pathspecs, within=None):
    return [(c.sha, c.parent, c.date, c.subject, [(x.status, x.path, x.old_path, x.blob, x.regular) for x in c.changes])
            for c in iter_log(cwd, pathspecs, within=within)]


@pytest.mark.parametrize("base", ["", "content/"])
def test_a_folder_walk_lists_what_the_pathspec_walk_lists(tmp_path, base):
    repo = GitRepo(tmp_path / "repo")
    b = base
    repo.commit({f"{b}inbox/x/card.md": "one\ntwo\nthree\nfour\n", f"{b}projects/y/card.md": "y\n",
                 f"{b}projectsX/card.md": "sibling\n", "top.md": "outside\n"}, "2024-01-01", "first")
    repo.mv(f"{b}inbox/x", f"{b}projects/x")  # moved in: an addition, as under a pathspec
    repo.mv(f"{b}projects/y", f"{b}projects/z")  # a rename inside the root
    repo.commit({f"{b}projectsX/card.md": "sibling, changed\n"}, "2024-02-01", "moves")
    repo.commit({"top.md": "only outside\n", f"{b}projectsX/card.md": "again\n"}, "2024-03-01", "outside only")
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit({f"{b}projects/z/card.md": "y, on a branch\n", f"{b}projects/ü ñ/card.md": "spaced\n"},
                "2024-04-01", "branch work")
    repo.git("checkout", "-q", "main")
    repo.commit({f"{b}projects/x/card.md": "one\ntwo\nthree\nfour\nfive\n"}, "2024-04-02", "main work")
    repo.git("merge", "-q", "--no-ff", "-m", "merge topic", "topic", date="2024-04-03T12:00:00+00:00")
    repo.mv(f"{b}projects/x", f"{b}inbox/w")  # moved out: a deletion
    repo.commit({}, "2024-05-01", "move out")
    cwd = repo.path / base if base else repo.path
    info = repo_info(cwd)
    within = log_folder(info.prefix, ["projects"])
    assert within == f"{base}projects/"
    by_pathspec = walk(cwd, ["projects"])
    by_folder = walk(cwd, ["projects"], within)
    assert by_folder == by_pathspec
    assert [c[3] for c in by_folder] == ["move out", "merge topic", "main work", "moves", "first"]
    assert ("A", f"{base}projects/ü ñ/card.md") in [x[:2] for x in by_folder[1][4]]


def test_only_one_plain_folder_is_walked_as_a_folder():
    assert log_folder("", ["projects/"]) == "projects/"
    assert log_folder("sub/", ["cards/ml"]) == "sub/cards/ml/"
    for pathspecs in (["a", "b"], [], [":(glob)p*"], ["p*"], ["../up"], ["./p"], ["a/../b"], ["[ab]"]):
        assert log_folder("", pathspecs) is None, pathspecs
