"""The GitHub workflows and the pre-commit hooks: their structure, and the commands their steps run."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from factories import card_meta, write_technology
from gitrepo import GitRepo, git

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent
"""Where ``mltrl`` and ``mkdocs`` of this environment are installed."""


def workflow(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    # PyYAML reads YAML 1.1, where the key 'on' is the boolean true.
    data["on"] = data.pop(True, data.get("on"))
    return data


def steps_using(job: dict, action: str) -> list[dict]:
    return [s for s in job["steps"] if s.get("uses", "").split("@")[0] == action]


def run_steps(job: dict) -> list[dict]:
    return [s for s in job["steps"] if "run" in s]


def test_every_workflow_is_valid_yaml_pinned_and_bounded():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} >= {"pr-check.yml", "publish.yml", "ci.yml", "pr-comment.yml"}
    for file in files:
        data = workflow(file.name)
        triggers = data["on"] if isinstance(data["on"], (dict, list)) else [data["on"]]
        assert "pull_request_target" not in triggers, file.name
        assert data["permissions"] in ({"contents": "read"}, {}), file.name
        for name, job in data["jobs"].items():
            assert isinstance(job.get("timeout-minutes"), int) and job["timeout-minutes"] <= 60, (file.name, name)
            for step in job["steps"]:
                if "uses" in step:
                    # Pinned to a commit: a tag can be moved, a commit cannot.
                    assert re.fullmatch(r"actions/[a-z-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
            for step in steps_using(job, "actions/checkout"):
                assert step["with"]["persist-credentials"] is False
                assert step["with"]["fetch-depth"] == 0


def test_every_pin_names_its_release_in_a_comment():
    """Dependabot and a reader need the tag a SHA stands for: ``uses: owner/action@<sha> # vX.Y.Z``."""
    for file in sorted(WORKFLOWS.glob("*.yml")):
        lines = [line.strip() for line in file.read_text(encoding="utf-8").splitlines() if "uses:" in line]
        assert lines, file.name
        for line in lines:
            assert re.fullmatch(r"(- )?uses: actions/[a-z-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line), (file.name, line)


def test_pr_check_structure():
    data = workflow("pr-check.yml")
    assert set(data["on"]) == {"pull_request"}
    assert data["permissions"] == {"contents": "read"}
    (job,) = data["jobs"].values()
    assert "permissions" not in job  # nothing beyond reading the repository
    assert job["timeout-minutes"] == 20
    names = [s.get("uses", "").split("@")[0] or s["run"].split()[0] for s in job["steps"]]
    assert names.index("actions/checkout") < names.index("python") < names.index("mltrl") < names.index("mkdocs")
    (install,) = [s for s in run_steps(job) if "pip install" in s["run"]]
    assert install["run"] == "python -m pip install ."
    check = next(s for s in run_steps(job) if s["run"].startswith("mltrl check"))
    assert check["run"] == 'mltrl check --base "origin/${BASE_REF}" --summary mltrl-report.md'
    assert check["env"] == {"BASE_REF": "${{ github.base_ref }}"}
    assert "--format" not in check["run"]  # annotations are the default on Actions
    build = next(s for s in run_steps(job) if s["run"].startswith("mkdocs"))
    assert build["run"] == "mkdocs build --strict"
    public = [s for s in run_steps(job) if s["run"] == "mkdocs build --strict --config-file mkdocs.public.yml"]
    assert len(public) == 1 and "hashFiles('mkdocs.public.yml')" in public[0]["if"]
    uploads = {s["with"]["name"]: s for s in steps_using(job, "actions/upload-artifact")}
    assert uploads["site"]["with"]["path"] == "site/"
    assert "mltrl-report.md" in uploads["mltrl-report"]["with"]["path"]


def test_publish_structure():
    data = workflow("publish.yml")
    assert data["on"]["push"] == {"branches": ["main"]}
    assert data["permissions"] == {"contents": "read"}
    build, deploy = data["jobs"]["build"], data["jobs"]["deploy"]
    assert "permissions" not in build  # reading the repository, nothing more
    assert any("mkdocs build --strict" in s["run"] for s in run_steps(build))
    assert steps_using(build, "actions/upload-pages-artifact")
    (cache,) = steps_using(build, "actions/cache")
    assert cache["with"]["path"].split() == ["~/.cache/mltrl-docs"]  # the caches and their key, outside the checkout
    names = [s.get("name") for s in build["steps"]]
    assert names.index(cache["name"]) < names.index("Build the site")
    assert deploy["needs"] == "build"
    assert deploy["permissions"]["pages"] == "write" and deploy["permissions"]["id-token"] == "write"
    assert set(deploy["permissions"].values()) == {"write", "read"} and \
        [k for k, v in deploy["permissions"].items() if v == "write"] == ["pages", "id-token"]
    assert deploy["environment"]["name"] == "github-pages"
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]
    # No other job may write anything.
    for name, job in data["jobs"].items():
        if name != "deploy":
            assert "write" not in str(job.get("permissions", ""))


def test_ci_and_comment_structure():
    ci = workflow("ci.yml")
    assert set(ci["on"]) == {"push", "pull_request"}
    (job,) = ci["jobs"].values()
    assert [s["run"] for s in run_steps(job)] == ["bash .ci/run"]
    comment = workflow("pr-comment.yml")
    assert comment["on"] == {"workflow_run": {"workflows": [workflow("pr-check.yml")["name"]], "types": ["completed"]}}
    (job,) = comment["jobs"].values()
    assert job["permissions"] == {"actions": "read", "pull-requests": "write"}
    assert not steps_using(job, "actions/checkout")  # never runs the pull request's code
    script = run_steps(job)[0]["run"]
    assert '"$head" != "$HEAD_SHA"' in script and "*[!0-9]*" in script
    assert job["steps"][-1]["env"]["HEAD_SHA"] == "${{ github.event.workflow_run.head_sha }}"


EXPRESSIONS = {"${{ github.base_ref }}": "main", "${{ github.event.pull_request.number }}": "7"}


def _expand(value: str) -> str:
    for expression, replacement in EXPRESSIONS.items():
        value = value.replace(expression, replacement)
    assert "${{" not in value, f"unexpected expression in {value!r}"
    return value


@pytest.fixture
def pull_request(tmp_path) -> Path:
    """A clone with ``origin/main`` and a checked-out change, as actions/checkout leaves a pull request."""
    upstream = GitRepo(tmp_path / "upstream")
    (upstream.path / "mkdocs.yml").write_text(
        "site_name: Pull request test\ntheme:\n  name: material\n  font: false\nplugins:\n  - search\n  - mltrl\n",
        encoding="utf-8")
    (upstream.path / "mkdocs.public.yml").write_text(
        "INHERIT: mkdocs.yml\nsite_dir: site-public\nplugins:\n  - search\n  - mltrl:\n      public_only: true\n",
        encoding="utf-8")
    (upstream.path / "docs").mkdir()
    (upstream.path / "docs/index.md").write_text("# Portfolio\n", encoding="utf-8")
    write_technology(upstream.path / "projects", "solar-bo", "P01.1", 2)
    write_technology(upstream.path / "cards", "open-bo", "O01.1", 1,
                     card=card_meta("O01.1", "Open BO", 1, visibility="public"))
    upstream.commit({}, "2024-01-10", "Base")
    clone = tmp_path / "checkout"
    git(tmp_path, "clone", "-q", f"file://{upstream.path}", str(clone))
    pr = GitRepo(clone)  # re-initialising a clone only sets the repo-local identity
    pr.git("checkout", "-q", "-b", "change")
    write_technology(clone / "projects", "solar-bo", "P01.1", 3, card=card_meta("P01.1", "Solar Bo", 3),
                     reviews={"2024-02-01-level-2.md": {
                         "level": 2, "date": "2024-02-01", "reviewers": ["research peers"], "decision": "graduate",
                         "debrief": {"accomplished": "Prototype.", "punted": "Nothing.", "learned": "Much.",
                                     "tech_debt": "None."}}})
    pr.commit({}, "2024-02-02", "Graduate solar-bo to level 3")
    return clone


def test_pr_check_steps_run_on_a_pull_request(pull_request, tmp_path):
    """Run the workflow's own commands, after the install step, in a checkout like the runner's."""
    (job,) = workflow("pr-check.yml")["jobs"].values()
    summary = tmp_path / "step-summary.md"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    base_env.update({"PATH": f"{BIN}{os.pathsep}{base_env.get('PATH', '')}", "GITHUB_ACTIONS": "true",
                     "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_BASE_REF": "main"})
    results = {}
    for step in run_steps(job):
        if "pip install" in step["run"]:
            continue  # the project is installed in this environment already
        needed = re.search(r"hashFiles\('([^']+)'\) != ''", step.get("if", ""))
        if needed and not (pull_request / needed.group(1)).exists():
            continue  # as on Actions: the step's condition is false
        env = dict(base_env)
        env.update({k: _expand(v) for k, v in step.get("env", {}).items()})
        done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", _expand(step["run"])], cwd=pull_request,
                              env=env, capture_output=True, text=True, timeout=300, check=False)
        results[step.get("id") or step["name"]] = done
        assert done.returncode == 0, (step["name"], done.stdout[-3000:], done.stderr[-3000:])
    check = results["check"]
    assert "Level changes:\n  projects/solar-bo (P01.1): 2 -> 3, graduation; decided by " \
           "projects/solar-bo/reviews/2024-02-01-level-2.md (added in this change)" in check.stdout
    assert "::stop-commands::" in check.stdout  # the GitHub format, chosen because GITHUB_ACTIONS is set
    report = (pull_request / "mltrl-report.md").read_text(encoding="utf-8")
    assert report.startswith("## MLTRL check against origin/main\n\n✅ **Passed:**")
    assert summary.read_text(encoding="utf-8") == report
    assert (pull_request / "pr-number").read_text() == "7\n"
    assert (pull_request / "site" / "index.html").is_file()  # what the upload step uploads
    public = (pull_request / "site-public" / "technologies").iterdir()
    assert [p.name for p in public] == ["open-bo"]  # the public build ran, with public cards only


def test_pr_check_step_fails_on_a_new_error(pull_request):
    write_technology(pull_request / "projects", "fresh", "P02.1", 1, card=card_meta("P02.1", "Fresh", 1, datasets=[]))
    (job,) = workflow("pr-check.yml")["jobs"].values()
    check = next(s for s in run_steps(job) if s.get("id") == "check")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env.update({"PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}", "GITHUB_ACTIONS": "true", "BASE_REF": "main"})
    done = subprocess.run(["bash", "-c", check["run"]], cwd=pull_request, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 1
    assert done.stdout.startswith("::error file=projects/fresh/card.md,line=")


# --- pre-commit ---------------------------------------------------------------------------------


def hooks() -> dict[str, dict]:
    return {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}


def test_pre_commit_hooks_structure():
    found = hooks()
    assert set(found) == {"mltrl-check", "mltrl-check-all"}
    for hook in found.values():
        assert hook["language"] == "python" and hook["entry"].startswith("mltrl check")
        assert hook["require_serial"] is True
    assert found["mltrl-check"]["pass_filenames"] is True
    assert found["mltrl-check-all"]["pass_filenames"] is False
    files = re.compile(found["mltrl-check"]["files"])
    matching = ["projects/solar-bo/card.md", "cards/meteor/requirements.md", "projects/x/reviews/2024-01-01-level-1.md",
                "site/projects/x/ethics.md"]
    other = ["docs/guide/writing-a-card.md", "projects/x/notes/a.md", "README.md", "projects/card.md"]
    assert all(files.search(p) for p in matching) and not any(files.search(p) for p in other)
    assert re.compile(found["mltrl-check-all"]["files"]).search("mkdocs.yml")


def test_pre_commit_hook_command_reports_only_the_passed_files(tmp_path):
    """Run the hook's entry the way pre-commit does: entry, then the staged file names."""
    write_technology(tmp_path / "projects", "good", "P01.1", 1)
    write_technology(tmp_path / "projects", "old-gaps", "P02.1", 1, card=card_meta("P02.1", "Old", 1, datasets=[]))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"

    def run(hook_id: str, *files: str) -> subprocess.CompletedProcess:
        command = shlex.split(hooks()[hook_id]["entry"]) + list(files)
        return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
                              check=False)

    changed = run("mltrl-check", "projects/good/card.md", "projects/good/ethics.md")
    assert changed.returncode == 0 and changed.stdout == "All checks passed.\n"
    everything = run("mltrl-check-all")
    assert everything.returncode == 1
    assert everything.stdout.startswith("projects/old-gaps/card.md:") and " error L101 " in everything.stdout
