"""``mltrl init``: a new content repository that checks and builds at once, and never overwrites a file."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import yaml
from gitrepo import GitRepo, git
from sitebuild import build, mltrl

ROOT = Path(__file__).resolve().parent.parent

WRITTEN = ["mkdocs.yml", "docs/index.md", ".gitignore", "requirements.txt", ".pre-commit-config.yaml",
           ".github/dependabot.yml", ".github/workflows/pr-check.yml", ".github/workflows/pr-comment.yml",
           ".github/workflows/publish.yml", "ethics-checklist.md"]
"""What ``mltrl init`` writes, in the order it reports them."""


PLACEHOLDER = re.compile(r"\[\[fill in[^\]]*\]\]")


def fill_in(folder: Path) -> None:
    """Do what the user is asked to: write something real wherever the scaffold left a placeholder."""
    for path in folder.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        path.write_text(PLACEHOLDER.sub("Written by the team.", text), encoding="utf-8")


def first_check_findings(report: dict) -> list[dict]:
    """The errors of a check straight after the scaffold, other than 'fill in the placeholder' ones."""
    return [d for d in report["diagnostics"] if d["severity"] == "error" and "placeholder" not in d["message"]]


def files_under(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(folder).parts}


def test_init_writes_a_repository_that_checks_and_builds_strictly(tmp_path):
    folder = tmp_path / "wiki"
    made = mltrl("init", "wiki", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert made.stdout.splitlines() == [f"created {name}" for name in WRITTEN] + [
        ("next: cd wiki && git init, then 'mltrl check' and 'mkdocs serve'; start a technology with "
        "'mltrl new SLUG --id ID --title TITLE'")]
    assert sorted(files_under(folder)) == sorted(WRITTEN)
    config = (folder / "mkdocs.yml").read_text(encoding="utf-8")
    assert 'site_name: "MLTRL portfolio"\n# site_url: https://example.org/portfolio/  # SET ME:' in config
    settings = yaml.safe_load(config)
    assert settings["theme"]["name"] == "material" and settings["docs_dir"] == "docs"
    assert settings["plugins"] == ["search", {"mltrl": {"roots": ["projects", "cards"]}}]
    assert "site_url" not in settings
    assert (folder / "requirements.txt").read_text(encoding="utf-8").splitlines()[-1] == "mltrl-docs==0.1.0"
    assert (folder / ".gitignore").read_text(encoding="utf-8").splitlines()[1:3] == ["/site/", "/site-public/"]
    GitRepo(folder)
    built = build(folder)
    assert built.returncode == 0, built.stderr
    home = (folder / "site/index.html").read_text(encoding="utf-8")
    assert "<h1" in home and "MLTRL portfolio" in home and "mltrl-portfolio" in home  # the generated portfolio
    assert (folder / "site/levels/index.html").is_file() and (folder / "site/mltrl.json").is_file()
    checked = mltrl("check", "--format", "json", cwd=folder)
    assert checked.returncode == 0 and json.loads(checked.stdout)["diagnostics"] == []


def test_site_url_and_name_are_set_when_given(tmp_path):
    made = mltrl("init", "--site-url", "https://wiki.example.org/ml/", "--site-name", 'Our "ML" wiki',
                 cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    config = (tmp_path / "mkdocs.yml").read_text(encoding="utf-8")
    assert config.splitlines()[2:4] == ['site_name: "Our \\"ML\\" wiki"', 'site_url: "https://wiki.example.org/ml/"']
    assert yaml.safe_load(config)["site_name"] == 'Our "ML" wiki'
    assert (tmp_path / "docs/index.md").read_text(encoding="utf-8").startswith('# Our "ML" wiki\n')
    GitRepo(tmp_path)
    built = build(tmp_path)
    assert built.returncode == 0, built.stderr
    assert "<loc>https://wiki.example.org/ml/</loc>" in (tmp_path / "site/sitemap.xml").read_text(encoding="utf-8")


def test_a_first_card_at_level_1_needs_only_its_placeholders_filled(tmp_path):
    made = mltrl("init", "--card", "churn-model", "--id", "P13.2", "--title", "Churn model", "--level", "1",
                 "--owner", "research-lead", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert made.stdout.splitlines()[len(WRITTEN):] == [
        "created projects/churn-model/card.md", "created projects/churn-model/requirements.md",
        "created projects/churn-model/ethics.md",
        ("next: git init, then 'mltrl check' and 'mkdocs serve'; fill in the [[fill in ...]] placeholders of "
         "projects/churn-model")]
    card = (tmp_path / "projects/churn-model/card.md").read_text(encoding="utf-8")
    assert "level: 1\n" in card and 'research: ["research-lead"]' in card
    assert "  - name: churn-model-sample\n    version: \"0.1.0\"\n    kind: sample\n" in card
    first = json.loads(mltrl("check", "--format", "json", cwd=tmp_path).stdout)
    # The sample dataset is listed (L101): what is left to do is to fill in the placeholders.
    assert first_check_findings(first) == [] and first["diagnostics"]
    assert {d["code"] for d in first["diagnostics"]} <= {"PH001", "L001", "L102"}
    fill_in(tmp_path)
    checked = mltrl("check", "--format", "json", cwd=tmp_path)
    assert checked.returncode == 0 and json.loads(checked.stdout)["diagnostics"] == []
    GitRepo(tmp_path)
    built = build(tmp_path)
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "site/technologies/churn-model/index.html").is_file()


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path):
    (tmp_path / "mkdocs.yml").write_text("site_name: Mine\n", encoding="utf-8")
    (tmp_path / ".github/workflows").mkdir(parents=True)
    (tmp_path / ".github/workflows/publish.yml").write_text("name: mine\n", encoding="utf-8")
    (tmp_path / "docs").write_text("a file where a folder goes\n", encoding="utf-8")
    (tmp_path / ".gitignore").symlink_to(tmp_path / "nowhere")  # a dangling link counts as there too
    before = files_under(tmp_path)
    refused = mltrl("init", "--card", "churn-model", "--id", "P1", "--title", "Churn", cwd=tmp_path)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr == ("mltrl: error: refusing to overwrite what is already in .: .github/workflows/publish.yml, "
                              ".gitignore, docs, mkdocs.yml; nothing was written\n")
    assert files_under(tmp_path) == before and not (tmp_path / "projects").exists()
    assert not (tmp_path / "nowhere").exists()


def test_init_refuses_an_existing_card_among_its_files(tmp_path):
    assert mltrl("new", "churn", "--id", "P1", "--title", "Churn", cwd=tmp_path).returncode == 0
    refused = mltrl("init", "--card", "churn", "--id", "P2", "--title", "Other", cwd=tmp_path)
    assert refused.returncode == 2
    assert "projects/churn/card.md, projects/churn/ethics.md, projects/churn/requirements.md" in refused.stderr
    assert not (tmp_path / "mkdocs.yml").exists()


def test_init_usage_errors_write_nothing(tmp_path):
    (tmp_path / "taken").write_text("x", encoding="utf-8")
    cases = {
        ("--id", "P1"): "--id, --title, --level and --owner describe the first card: add --card SLUG",
        ("--card", "churn"): "--card needs --id and --title",
        ("--card", "Bad Slug", "--id", "P1", "--title", "x"): "'Bad Slug' is not a valid folder name",
        ("--site-url", "javascript:alert(1)"): "'javascript:alert(1)' is not an http:// or https:// address",
        ("--site-name", "two\nlines"): "the site name must be one non-empty line",
        ("taken",): "is a file, not a folder",
        ("--config", "mkdocs.yml"): "'mltrl init' writes mkdocs.yml",
    }
    for args, message in cases.items():
        result = mltrl("init", *args, cwd=tmp_path)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_the_hooks_written_are_the_hooks_the_project_offers(tmp_path):
    assert mltrl("init", cwd=tmp_path).returncode == 0
    (local,) = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text(encoding="utf-8"))["repos"]
    offered = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert local["repo"] == "local"
    assert [h["id"] for h in local["hooks"]] == [h["id"] for h in offered]
    for written, hook in zip(local["hooks"], offered, strict=True):
        assert written["language"] == "system"  # the mltrl installed from requirements.txt
        for key in ("name", "entry", "pass_filenames", "require_serial", "files", "types"):
            assert written.get(key) == hook.get(key), (hook["id"], key)


def test_the_workflows_written_are_this_repositorys_but_for_the_install(tmp_path):
    """One set of workflows: Dependabot updates this repository's, and this test keeps the templates in step."""
    assert mltrl("init", cwd=tmp_path).returncode == 0
    for name in ("pr-check.yml", "pr-comment.yml", "publish.yml"):
        ours = (ROOT / ".github/workflows" / name).read_text(encoding="utf-8")
        theirs = (tmp_path / ".github/workflows" / name).read_text(encoding="utf-8")
        ours = ours.replace("run: python -m pip install .\n", "run: python -m pip install -r requirements.txt\n")
        ours = ours.replace("cache-dependency-path: pyproject.toml", "cache-dependency-path: requirements.txt")
        ours = ours.replace("# publishing guide in docs/guide/publishing.md).", '# "Publishing" page of the mltrl-docs guide).')
        assert theirs == ours, name
    assert (tmp_path / ".github/dependabot.yml").read_bytes() == (ROOT / ".github/dependabot.yml").read_bytes()


def _commands(markdown: str, after: str) -> list[list[str]]:
    """The commands of the first ``bash`` block after the heading ``after``, comments dropped."""
    block = re.search(r"```bash\n(.*?)```", markdown.split(after, 1)[1], re.DOTALL).group(1)
    return [shlex.split(line, comments=True) for line in block.splitlines() if shlex.split(line, comments=True)]


def test_the_readme_quick_start_for_a_new_repository_works_as_written(tmp_path):
    commands = _commands((ROOT / "README.md").read_text(encoding="utf-8"), "## A new content repository")
    assert [c[:2] for c in commands] == [["mltrl", "init"], ["cd", "wiki"], ["git", "init"], ["mkdocs", "build"],
                                         ["mltrl", "check"], ["mltrl", "new"]]
    here = tmp_path
    for command in commands:
        if command[0] == "cd":
            here = here / command[1]
        elif command[0] == "git":
            git(here, *command[1:])
        elif command[0] == "mkdocs":
            assert command == ["mkdocs", "build", "--strict"]
            built = build(here)
            assert built.returncode == 0, built.stderr
        else:
            result = mltrl(*command[1:], cwd=here)
            assert result.returncode == 0, (command, result.stdout, result.stderr)
            if command[1] == "check":
                assert result.stdout == "All checks passed.\n"
    assert (here / "projects/churn-model/card.md").is_file()


def test_the_guide_first_card_passes_its_first_check_once_filled_in(tmp_path):
    """The writing guide's commands, as written: a level-1 scaffold asks for nothing but its placeholders."""
    guide = (ROOT / "docs/guide/writing-a-card.md").read_text(encoding="utf-8")
    (new,) = _commands(guide, "## Start from the scaffold")
    (check,) = _commands(guide, "## Check it")
    assert new[:2] == ["mltrl", "new"] and new[new.index("--level") + 1] == "1" and check[:2] == ["mltrl", "check"]
    assert mltrl(*new[1:], cwd=tmp_path).returncode == 0
    first = json.loads(mltrl(*check[1:], "--format", "json", cwd=tmp_path).stdout)
    assert first_check_findings(first) == [] and not [d for d in first["diagnostics"] if d["code"] == "L101"]
    fill_in(tmp_path)
    result = mltrl(*check[1:], "--format", "json", cwd=tmp_path)
    assert result.returncode == 0 and json.loads(result.stdout)["diagnostics"] == []
