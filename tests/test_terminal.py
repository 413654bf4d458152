"""Colour and progress of the ``mltrl`` command on a terminal, and their absence everywhere else.

The command runs as a real process with its standard output and standard error
each on its own pseudo-terminal (or on pipes), so what it writes to each can be
told apart, exactly as a shell would see it.
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest
from gitrepo import GitRepo
from sitebuild import mltrl, user_cache, write_level

from mltrl_docs.cli.terminal import use_colour

SGR = re.compile(r"\x1b\[[0-9;]*m")
OUR_STYLES = {"\x1b[1m", "\x1b[1;31m", "\x1b[33m", "\x1b[36m", "\x1b[35m", "\x1b[32m", "\x1b[0m"}
"""Every escape sequence coloured findings may hold: the styles of report.py, and the reset."""
PLAIN = ("projects/ranker/card.md:4:8: error SCH005 'level': input should be less than or equal to 9 (got 11)",
         "projects/ranker/card.md:5:1: error SCH002 unknown field 'x\\x1b[2Jy' (hint: allowed fields: id, title, ")
STAGES = ("Reading the documents", "Reading the history from git")


def plain_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: no CI, no colour preference, unless ``extra`` says so."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR", "FORCE_COLOR", "GITHUB_ACTIONS")}
    env["TERM"] = "xterm-256color"
    env.update(extra)
    return env


def on_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """Run ``mltrl args`` with standard output and standard error on two pseudo-terminals; return what each got."""
    out_main, out_side = pty.openpty()
    err_main, err_side = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "mltrl_docs", *args], cwd=cwd, env=env,
                               stdin=subprocess.DEVNULL, stdout=out_side, stderr=err_side)
    os.close(out_side)
    os.close(err_side)
    got = {out_main: b"", err_main: b""}
    open_ends = set(got)
    while open_ends:
        ready, _, _ = select.select(list(open_ends), [], [], 5)
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # the other side closed: Linux reports it as EIO
                data = b""
            if data:
                got[fd] += data
            else:
                open_ends.discard(fd)
                os.close(fd)
    status = process.wait(timeout=120)
    return status, got[out_main].decode("utf-8"), got[err_main].decode("utf-8")


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> Path:
    """A repository with two errors in one card, one of them quoting an escape sequence the card wrote."""
    repo = GitRepo(tmp_path_factory.mktemp("terminal") / "repo")
    (repo.path / "mkdocs.yml").write_text("site_name: T\nplugins:\n  - mltrl\n", encoding="utf-8")
    write_level(repo, "ranker", "P02.1", 1, title="Candidate ranker")
    repo.commit({}, "2024-01-01", "Add the ranker")
    card = repo.path / "projects/ranker/card.md"  # broken in the work tree, as while someone edits it
    card.write_text(card.read_text(encoding="utf-8").replace("level: 1\n", 'level: 11\n"x\\e[2Jy": 1\n', 1),
                    encoding="utf-8")
    return repo.path


def check_env(folder: Path, **extra: str) -> dict[str, str]:
    return plain_env(XDG_CACHE_HOME=str(user_cache(folder)), **extra)


def test_on_a_terminal_findings_are_coloured_and_progress_goes_to_stderr(broken):
    status, out, err = on_terminal(["check"], broken, check_env(broken))
    assert status == 1
    lines = out.split("\r\n")  # the terminal turns each newline into CR LF
    assert lines[0] == ("\x1b[1mprojects/ranker/card.md:4:8:\x1b[0m \x1b[1;31merror\x1b[0m \x1b[35mSCH005\x1b[0m "
                        "'level': input should be less than or equal to 9 (got 11)")
    assert lines[2] == "\x1b[1;31mFound 2 error(s), 0 warning(s), 0 info in 1 file(s).\x1b[0m"
    assert SGR.sub("", lines[0]) == PLAIN[0]
    assert SGR.sub("", lines[1]).startswith(PLAIN[1])
    # The escape sequence the card wrote arrives as text; the only escapes are the report's own styles.
    assert set(re.findall(r"\x1b\[[0-9;]*[A-Za-z]", out)) <= OUR_STYLES
    assert "\\x1b[2J" in out
    for stage in STAGES:
        assert stage in err and stage not in out


def test_through_a_pipe_there_is_no_colour_and_no_progress(broken):
    result = subprocess.run([sys.executable, "-m", "mltrl_docs", "check"], cwd=broken, env=check_env(broken),
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == PLAIN[0]
    assert "\x1b" not in result.stdout and "\x1b" not in result.stderr
    assert not any(stage in result.stderr for stage in STAGES)


def test_no_color_turns_colour_off_on_a_terminal(broken):
    status, out, err = on_terminal(["check"], broken, check_env(broken, NO_COLOR="1"))
    assert status == 1
    assert "\x1b" not in out
    assert out.split("\r\n")[0] == PLAIN[0]
    assert STAGES[0] in err  # progress is not colour: it still shows


def test_force_color_colours_through_a_pipe_but_draws_no_progress(broken):
    result = subprocess.run([sys.executable, "-m", "mltrl_docs", "check"], cwd=broken,
                            env=check_env(broken, FORCE_COLOR="1"), capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.stdout.splitlines()[0].startswith("\x1b[1mprojects/ranker/card.md:4:8:\x1b[0m \x1b[1;31merror")
    assert not any(stage in result.stderr for stage in STAGES)
    # NO_COLOR wins over FORCE_COLOR.
    both = subprocess.run([sys.executable, "-m", "mltrl_docs", "check"], cwd=broken,
                          env=check_env(broken, FORCE_COLOR="1", NO_COLOR="1"), capture_output=True, text=True,
                          timeout=120, check=False)
    assert "\x1b" not in both.stdout


@pytest.mark.parametrize("fmt", ["json", "github"])
def test_machine_formats_are_never_coloured(broken, fmt):
    status, out, _ = on_terminal(["check", "--format", fmt], broken, check_env(broken, FORCE_COLOR="1"))
    assert status == 1
    assert "\x1b" not in out
    assert "SCH005" in out


def test_in_ci_a_terminal_gets_no_progress(broken):
    status, out, err = on_terminal(["check"], broken, check_env(broken, CI="true"))
    assert status == 1
    assert not any(stage in err for stage in STAGES)
    assert "\x1b[1;31merror\x1b[0m" in out  # colour is the terminal's business, not CI's


def test_demo_and_export_show_their_stages_on_a_terminal_only(tmp_path):
    env = plain_env(XDG_CACHE_HOME=str(tmp_path / "user-cache"))
    status, out, err = on_terminal(["demo", str(tmp_path / "demo"), "--projects", "6", "--years", "1"], tmp_path, env)
    assert status == 0, out + err
    assert out.startswith("wrote ") and "Writing the commits" not in out
    for stage in ("Living the technologies' histories", "Writing the commits", "Storing the commits in git"):
        assert stage in err
    assert "/6 " in SGR.sub("", err)  # a stage with a count shows how far it is
    status, out, err = on_terminal(["export", "--out", "x.json"], tmp_path / "demo", env)
    assert status == 0, err
    assert STAGES[1] in err and out == ""
    piped = mltrl("export", cwd=tmp_path / "demo", env={"XDG_CACHE_HOME": str(tmp_path / "user-cache")})
    assert piped.returncode == 0 and not any(stage in piped.stderr for stage in STAGES)
    assert piped.stdout.startswith("{")


def test_colour_follows_no_color_force_color_and_the_stream(monkeypatch, tmp_path):
    with (tmp_path / "file").open("w") as file:
        for name in ("NO_COLOR", "FORCE_COLOR"):
            monkeypatch.delenv(name, raising=False)
        assert not use_colour(file)
        monkeypatch.setenv("FORCE_COLOR", "1")
        assert use_colour(file)
        monkeypatch.setenv("NO_COLOR", "1")
        assert not use_colour(file)
        monkeypatch.setenv("NO_COLOR", "")  # only a non-empty value counts
        assert use_colour(file)
