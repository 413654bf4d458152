"""Every command the README and the guide show, run as written: in a copy of this repository, or in the
repository the quick start makes. The few that cannot run here are listed with the reason.

The commands are read from the ``bash`` blocks of the Markdown, comments dropped. A command the documents
show and this file does not know fails the test, and so does one this file knows that they no longer show.
Each runs through ``bash -c`` exactly as written, with the test environment's ``mltrl``, ``mkdocs``,
``properdocs`` and ``zensical`` first on the ``PATH``; one substitution is made, and said (the demo's
``/tmp/demo`` becomes a folder of the test's own).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from gitrepo import IDENTITY, git
from sitebuild import ROOT, TODAY, copy_of_this_repository, stop

DOCUMENTS = ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs/guide").glob("*.md"))]

HERE = "this repository"
"""Run in a copy of this repository's content and configuration."""
STARTED = "started"
"""Run in the repository the quick start makes (``mltrl init wiki`` ... ``mltrl new churn-model``), in order."""
SERVED = "served"
"""Started in this repository as it is, and asked for the site's home page
(:func:`test_scripts_serve_serves_this_repositorys_site`)."""

COMMANDS: dict[str, str] = {
    # The quick start for a new repository, run in order: it makes the repository the next commands use.
    "mltrl init wiki": STARTED,
    "cd wiki": STARTED,
    "git init": STARTED,
    "mkdocs build --strict": STARTED,
    "mltrl check": STARTED,
    'mltrl new churn-model --id P13.2 --title "Churn model" --level 1': STARTED,
    # Checking, history and export, on that repository once its first card is committed.
    "mltrl check projects/churn-model": STARTED,
    "mltrl check --format json": STARTED,
    "mltrl history churn-model": STARTED,
    "mltrl history churn-model --format json": STARTED,
    "mltrl export --out portfolio.json": STARTED,
    "mltrl export --public": STARTED,
    "git fetch origin": STARTED,
    "mltrl check --base origin/main": STARTED,
    "mltrl review churn-model --to 2 --apply": STARTED,
    "mltrl review churn-model --to 1": STARTED,
    "mltrl import mltrl_card_BO_level4.md --slug mixed-variable-bo": STARTED,
    "mltrl demo /tmp/demo --projects 40 --years 3 --seed 1": STARTED,
    # This repository's own sites, by each engine, and what it publishes.
    "mkdocs build --strict -f mkdocs.public.yml": HERE,
    "mltrl export -f mkdocs.public.yml --bundle ../examples": HERE,
    "mltrl export -f mkdocs.public.yml --bundle ../mltrl-examples": HERE,
    "properdocs build --strict": HERE,
    "properdocs build --strict -f mkdocs.public.yml": HERE,
    "mltrl prepare && zensical build": HERE,
    "mltrl prepare -f mkdocs.public.yml && zensical build -f mkdocs.public.yml": HERE,
    "mltrl schema --out .cache/schemas": HERE,
    # The README's first command: a server, started and asked for its home page.
    "scripts/serve": SERVED,
    # Not run here, and why.
    "scripts/test": "it runs this very suite",
    "python -m pip install mltrl-docs": "it installs from a package index; the suite runs on the package installed "
                                        "from this checkout (scripts/test)",
    "python -m pip install properdocs": "it installs from a package index; the suite's own install has it",
    "python -m pip install zensical": "it installs from a package index; the suite's own install has it",
    "npm install --save-dev remark-cli@12 remark-frontmatter@5 remark-lint-frontmatter-schema@3":
        "it installs Node packages from the npm registry; the schemas it reads are checked by test_workflows_editor",
    "git clone https://example.org/your-org/portfolio.git": "its address is an example for the reader's own",
    "cd portfolio": "the folder of that example clone",
}
"""Each documented command: where it runs, or why it does not run here."""

SUBSTITUTED = {"/tmp/demo": "{tmp}/demo"}
"""The only changes made to a command before it runs: a path outside the test's folder becomes one inside it."""


def documented() -> list[tuple[str, str]]:
    """``(document, command)`` of every command in the documents' ``bash`` blocks, comments dropped."""
    found = []
    for name in DOCUMENTS:
        for block in re.findall(r"```bash\n(.*?)```", (ROOT / name).read_text(encoding="utf-8"), re.DOTALL):
            for line in block.splitlines():
                words = shlex.split(line, comments=True)
                if words:
                    found.append((name, _without_comment(line.strip())))
    return found


def _without_comment(line: str) -> str:
    """``line`` up to its comment (a ``#`` outside quotes that starts a word), without trailing spaces."""
    quote = None
    for index, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].rstrip()
    return line.rstrip()


def environment(tmp: Path) -> dict[str, str]:
    """What every command runs with: this test environment's tools first, caches, "today" and git's identity in
    the test's folder, no colour."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GIT_") and k not in ("GITHUB_ACTIONS", "FORCE_COLOR", "NO_COLOR", "SITE_URL")}
    env.update({"PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
                "XDG_CACHE_HOME": str(tmp / "user-cache"), "SOURCE_DATE_EPOCH": str(TODAY),
                "NO_MKDOCS_2_WARNING": "1", "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp),
                "GIT_AUTHOR_NAME": IDENTITY[0], "GIT_AUTHOR_EMAIL": IDENTITY[1],
                "GIT_COMMITTER_NAME": IDENTITY[0], "GIT_COMMITTER_EMAIL": IDENTITY[1],
                "GIT_AUTHOR_DATE": "2025-01-01T12:00:00+00:00", "GIT_COMMITTER_DATE": "2025-01-01T12:00:00+00:00"})
    return env


def run(command: str, cwd: Path, tmp: Path) -> subprocess.CompletedProcess:
    for old, new in SUBSTITUTED.items():
        command = command.replace(old, new.format(tmp=tmp))
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=environment(tmp), capture_output=True, text=True,
                          timeout=600, check=False)


def in_order(where: str) -> list[str]:
    """The commands run ``where``, each once, in the order of :data:`COMMANDS`."""
    shown = {command for _, command in documented()}
    return [command for command, place in COMMANDS.items() if place == where and command in shown]


def test_every_documented_command_is_known_here():
    shown = documented()
    assert len(shown) > 30
    unknown = sorted({f"{name}: {command}" for name, command in shown if command not in COMMANDS})
    assert unknown == [], "add each to COMMANDS, with where it runs"
    stale = sorted(set(COMMANDS) - {command for _, command in shown})
    assert stale == [], "no document shows these any more"


def test_the_commands_run_in_this_repository(tmp_path):
    repo = copy_of_this_repository(tmp_path).path
    ran = []
    for command in in_order(HERE):
        result = run(command, repo, tmp_path)
        assert result.returncode == 0, (command, result.stdout[-2000:], result.stderr[-2000:])
        ran.append(command)
    assert set(ran) == {c for c, place in COMMANDS.items() if place == HERE}
    # What they made: both sites by each engine, both bundles and the schemas.
    assert (repo / "site-public" / "index.html").is_file() and (repo / "site" / "index.html").is_file()
    for bundle in ("examples", "mltrl-examples"):
        assert (tmp_path / bundle / "mltrl.json").is_file()
    assert sorted(p.name for p in (repo / ".cache/schemas").iterdir())
    assert (repo / "docs" / "mltrl" / "mltrl.json").is_file()


def test_the_commands_run_in_the_repository_the_quick_start_makes(tmp_path):
    here = tmp_path
    outputs: dict[str, subprocess.CompletedProcess] = {}
    for command in in_order(STARTED):
        if command == "mltrl check projects/churn-model":
            # The card the quick start wrote, committed (the history needs a commit) and pushed to an origin.
            git(here, "config", "user.name", IDENTITY[0])
            git(here, "config", "user.email", IDENTITY[1])
            git(here, "add", "-A")
            git(here, "commit", "-q", "-m", "Add the churn model", date="2025-01-01T12:00:00+00:00")
            git(tmp_path, "init", "-q", "--bare", "origin.git")
            git(here, "remote", "add", "origin", str(tmp_path / "origin.git"))
            git(here, "push", "-q", "origin", "HEAD:main")
        if command.startswith("mltrl import"):
            shutil.copy(ROOT / "tests/fixtures/mltrl/examples/mltrl_card_BO_level4.md", here)
        result = run(command, here, tmp_path)
        if command.startswith("cd "):
            here = here / shlex.split(command)[1]
            continue
        assert result.returncode == 0, (command, result.stdout[-2000:], result.stderr[-2000:])
        outputs[command] = result
    assert set(outputs) | {"cd wiki"} == {c for c, place in COMMANDS.items() if place == STARTED}
    assert outputs["mltrl check"].stdout == "All checks passed.\n"
    assert json.loads(outputs["mltrl check --format json"].stdout)["version"] == 1
    history = json.loads(outputs["mltrl history churn-model --format json"].stdout)
    assert history["project"] == "churn-model" and history["events"][0]["kind"] == "created"
    assert [t["slug"] for t in json.loads((here / "portfolio.json").read_text())["technologies"]] == ["churn-model"]
    assert (here / "projects/mixed-variable-bo/card.md").is_file()
    assert len(list((here / "projects/churn-model/reviews").glob("*-level-[12].md"))) == 2  # each review's record
    assert "\nlevel: 2\n" in (here / "projects/churn-model/card.md").read_text(encoding="utf-8")  # --apply's
    assert (tmp_path / "demo" / "mkdocs.yml").is_file()


def test_scripts_serve_serves_this_repositorys_site(tmp_path):
    """The README's first command, run here as written: its set-up is the one ``scripts/test`` made."""
    assert COMMANDS["scripts/serve"] == SERVED and ("README.md", "scripts/serve") in documented()
    log = tmp_path / "serve.log"
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(["bash", "-c", "scripts/serve"], cwd=ROOT, env=environment(tmp_path), stdout=out,
                                   stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 300
            page = None
            while page is None and time.monotonic() < deadline and process.poll() is None:
                try:
                    with urllib.request.urlopen("http://127.0.0.1:8000/", timeout=5) as answer:
                        page = answer.read().decode("utf-8")
                except OSError:
                    time.sleep(1)
        finally:
            stop(process)
    assert page is not None, log.read_text(encoding="utf-8")[-3000:]
    assert 'class="mltrl-portfolio' in page or "mltrl-portfolio" in page, page[:2000]
