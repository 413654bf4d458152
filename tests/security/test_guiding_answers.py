"""The organisation's guiding ethics answers reach every technology page: on the public site, and in the
bundle, an answer that names internal work must not."""

from __future__ import annotations

from pathlib import Path

from factories import card_meta, write_checklist, write_technology
from gitrepo import GitRepo
from sitebuild import build, mltrl

SECRET = "Zqx radar"


def _repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    for name, public in (("mkdocs.yml", False), ("mkdocs.public.yml", True)):
        (repo.path / name).write_text(
            "site_name: x\ntheme: {name: material}\nplugins:\n  - search\n  - mltrl:\n"
            f"      public_only: {'true' if public else 'false'}\n", encoding="utf-8")
    (repo.path / "docs").mkdir()
    write_technology(repo.path / "projects", "zqx-radar", "P09.9", 4, card=card_meta("P09.9", SECRET, 4))
    write_technology(repo.path / "cards", "open", "P01.1", 4, card=card_meta("P01.1", "Open tech", 4,
                                                                          visibility="public"))
    checklist = write_checklist(repo.path)
    text = checklist.read_text(encoding="utf-8")
    checklist.write_text(text.replace("{#tracking_stance}", "{#tracking_stance}\n    - As in the "
                                      f"{SECRET} work, we track no one.", 1), encoding="utf-8")
    repo.commit({}, "2024-01-01", "An internal and a public technology, and the organisation's checklist")
    return repo


def _texts(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_bytes().decode("utf-8", "replace")
            for p in site.rglob("*") if p.is_file()}


def test_the_public_site_withholds_a_guiding_answer_naming_internal_work(tmp_path):
    repo = _repo(tmp_path)
    internal = build(repo.path)
    assert internal.returncode == 0, internal.stderr
    assert f"As in the {SECRET} work" in (repo.path / "site/technologies/open/index.html").read_text(encoding="utf-8")
    public = build(repo.path, config="mkdocs.public.yml", site_dir="site-public")
    assert public.returncode == 0, public.stderr
    files = _texts(repo.path / "site-public")
    assert [name for name, text in files.items() if "Zqx" in text or "zqx" in text.lower()] == []
    page = files["technologies/open/index.html"]
    assert "The organisation&#39;s answer is not published." in page or \
        "The organisation's answer is not published." in page
    assert "answered this once" in page  # the other answers stay


def test_the_bundle_refuses_a_checklist_naming_internal_work(tmp_path):
    repo = _repo(tmp_path)
    made = mltrl("export", "-f", "mkdocs.public.yml", "--bundle", str(tmp_path / "bundle"), cwd=repo.path)
    assert made.returncode == 2
    assert "names an internal technology (tracking_stance)" in made.stderr
    assert not (tmp_path / "bundle").exists()
