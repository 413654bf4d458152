"""The workflows pass the linters of their ecosystem: actionlint, and zizmor's security audits.

Both run at their default settings on this repository's ``.github/`` and on what ``mltrl init``
writes; zizmor runs with ``--offline`` (no audit that asks GitHub), since tests reach no network.
A finding that is a false positive is silenced in the workflow itself, next to its reason.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sitebuild import mltrl

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """The linter installed with the test extra; its absence is a broken set-up, not a skip."""
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is not installed: install the project with its 'test' extra"
    return found


def zizmor(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([tool("zizmor"), "--offline", "--no-progress", "--format", "plain", str(folder)],
                          capture_output=True, text=True, timeout=300, check=False)


def actionlint(folder: Path) -> subprocess.CompletedProcess:
    workflows = sorted(str(p) for p in (folder / "workflows").glob("*.yml"))
    assert workflows
    return subprocess.run([tool("actionlint"), "-no-color", *workflows], capture_output=True, text=True,
                          timeout=300, check=False, cwd=folder.parent)


@pytest.fixture(scope="module")
def initialised(tmp_path_factory) -> Path:
    """The ``.github`` folder of a repository ``mltrl init`` just wrote."""
    folder = tmp_path_factory.mktemp("init") / "wiki"
    made = mltrl("init", str(folder), cwd=folder.parent)
    assert made.returncode == 0, made.stderr
    return folder / ".github"


@pytest.mark.parametrize("which", ["repository", "init"])
def test_actionlint_finds_nothing(which, initialised):
    folder = ROOT / ".github" if which == "repository" else initialised
    result = actionlint(folder)
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


@pytest.mark.parametrize("which", ["repository", "init"])
def test_zizmor_finds_nothing(which, initialised):
    folder = ROOT / ".github" if which == "repository" else initialised
    result = zizmor(folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr
    # The workflows and the Dependabot configuration were all audited.
    for name in ("dependabot.yml", "workflows/pr-check.yml", "workflows/pr-comment.yml", "workflows/publish.yml"):
        assert f"completed {folder / name}" in result.stderr, name


def test_the_linters_do_find_an_unpinned_action(tmp_path):
    """The two runs above would pass vacuously if the linters saw nothing: an action by tag fails both."""
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "bad.yml").write_text(
        "name: Bad\non: push\npermissions: {}\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n", encoding="utf-8")
    audit = zizmor(tmp_path / ".github")
    assert audit.returncode != 0 and "unpinned-uses" in audit.stdout
    lint = actionlint(tmp_path / ".github")
    assert lint.returncode != 0
    assert 'runtime "node20" is deprecated' in lint.stdout and '"actions/checkout@v4"' in lint.stdout


def test_dependabot_keeps_the_pins_and_the_python_dependencies_current():
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    assert config["version"] == 2
    assert {u["package-ecosystem"] for u in config["updates"]} == {"github-actions", "pip"}
    assert all(u["directory"] == "/" and u["cooldown"]["default-days"] >= 7 for u in config["updates"])
