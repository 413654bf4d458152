"""Output injection: text a pull request controls never reaches a terminal or a GitHub Actions log raw.

Card keys, titles, placeholder text, file names, commit subjects and author names
are all written by whoever opens the pull request. Printed raw, a newline in them
starts a new log line, which GitHub Actions reads as a workflow command
(``::error``, ``::add-mask::``, ``::stop-commands::``), and ESC, BEL, C1 or bidi
characters drive or reorder the reader's terminal. Every output channel must
show them escaped (``\\n``, ``\\x1b``, ``\\u202e``), never raw and never dropped:
``mltrl check`` as text, JSON and workflow commands, the build log of ``mkdocs
build``, ``mltrl history``, and the report of ``mltrl check --base``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from factories import card_body, card_meta, front_matter, write_technology
from gitrepo import GitRepo
from sitebuild import build, mkdocs_yml

NEWLINE_KEY = "zz\n::error title=INJECTED::pwned"
"""A quoted YAML key holding a newline and a workflow command."""
TERMINAL_KEY = "k\x1b]0;pwned\x07\x1b[2J\x9b2J\u202eevil"
"""A key holding an OSC window title (ESC ... BEL), a CSI clear screen, a C1 CSI and a right-to-left override."""
TITLE = "Solar \x1b[31mred\x07 \x9b2J \u202edrawkcab"
REVIEW = "2024-01-01-level-1-\x1b[31m\u202e.md"
"""A review record's file name with ESC and a bidi override (Linux file systems allow both)."""
SUBJECT = "Graduate \x1b]0;pwned\x07\x1b[2J \x9b2J \u202eevil"
AUTHOR = "mallory \x1b[31m\x07\x9b2J\u202e"
PLACEHOLDER = "[[fill in \x1b[2J\x07 \x0b\x9b2J\u202e]]"
"""Placeholder text in a card body: a warning (PH001) that quotes it (a placeholder is one line)."""
NEWLINE_ROOT = "cards\n::warning title=INJECTED::pwned"
COMMAND_ROOT = "::warning title=INJECTED::pwned"
"""Content folders (``roots`` in ``mkdocs.yml``): the start of every path in them."""

RAW = {"ESC": "\x1b", "BEL": "\x07", "C1 CSI": "\x9b", "RLO": "\u202e", "LS": "\u2028", "NEL": "\x85"}
FINDING = re.compile(r"^\S.*:\d+:\d+: (error|warning|info) [A-Z][A-Z0-9]* ")
ANNOTATION = re.compile(r"^::(error|warning|notice) file=[^,:]*,line=\d+,col=\d+,"
                        r"title=[A-Z][A-Z0-9]* \((error|warning|info)\)::")
ON_ACTIONS = {"GITHUB_ACTIONS": "true"}


def mltrl(*args: str, cwd: Path, env: dict | None = None) -> tuple[int, str, str]:
    """Run ``mltrl`` in a real process; return its status, stdout and stderr decoded as UTF-8."""
    environment = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY")}
    environment.update({"PYTHONIOENCODING": "utf-8", **(env or {})})
    result = subprocess.run([sys.executable, "-m", "mltrl_docs", *args], cwd=cwd, capture_output=True,
                            env=environment, timeout=120, check=False)
    return result.returncode, result.stdout.decode("utf-8"), result.stderr.decode("utf-8")


def assert_no_raw_controls(text: str, where: str) -> None:
    for name, char in RAW.items():
        assert char not in text, f"raw {name} in {where}: {text!r}"


def assert_no_workflow_command(text: str, where: str, allowed: re.Pattern | None = None) -> list[str]:
    """No line the GitHub runner (which trims leading white space) would read as a command, except ``allowed``.

    Lines are split as :meth:`str.splitlines` splits them, which is stricter than the runner.
    """
    commands = []
    for line in text.splitlines():
        if line.lstrip().startswith("::"):
            assert allowed is not None and allowed.match(line), f"workflow command in {where}: {line!r}"
            commands.append(line)
        assert not line.lstrip().startswith(("::error title=INJECTED", "::warning title=INJECTED")), line
    return commands


def hostile_card(folder: Path, title: str = TITLE, *, keys: tuple[str, ...] = (NEWLINE_KEY, TERMINAL_KEY),
                 level: int = 1, body: str | None = None) -> None:
    """Rewrite ``folder/card.md`` with ``title`` and the extra quoted ``keys`` in its front matter."""
    meta = card_meta("P01.1", title, level)
    text = front_matter(meta, body if body is not None else card_body("Solar"))
    extra = "".join(f"{json.dumps(key)}: 1\n" for key in keys)  # JSON strings are valid quoted YAML keys
    (folder / "card.md").write_text(text.replace("\nlevel:", "\n" + extra + "level:", 1), encoding="utf-8")


def hostile_technology(root: Path) -> Path:
    """``root/solar``: a card with hostile keys and title, and an incomplete review record with a hostile name."""
    folder = write_technology(root, "solar", "P01.1", 1, reviews={REVIEW: {"level": 1}})
    hostile_card(folder)
    return folder


def site_repo(path: Path) -> GitRepo:
    repo = GitRepo(path)
    (repo.path / "docs").mkdir()
    (repo.path / "overrides").mkdir()
    (repo.path / "mkdocs.yml").write_text(mkdocs_yml(), encoding="utf-8")
    (repo.path / ".gitignore").write_text("site/\n.cache/\n", encoding="utf-8")
    return repo


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> GitRepo:
    """A site repository whose one technology carries every hostile value, committed by a hostile commit."""
    repo = site_repo(tmp_path_factory.mktemp("hostile") / "repo")
    hostile_technology(repo.path / "projects")
    repo.commit({}, "2024-01-01", SUBJECT, author=AUTHOR)
    return repo


@pytest.fixture(scope="module")
def hostile_build(hostile) -> subprocess.CompletedProcess:
    """``mkdocs build --strict`` of the hostile repository on GitHub Actions (it fails on the errors)."""
    result = build(hostile.path, env={**ON_ACTIONS, "PYTHONIOENCODING": "utf-8"})
    assert result.returncode != 0
    return result


def findings(repo: GitRepo) -> list[dict]:
    code, out, err = mltrl("check", "--format", "json", cwd=repo.path)
    assert code == 1, err
    return json.loads(out)["diagnostics"]


# --- (1) a newline in a key cannot start a line, in any format of 'mltrl check' ------------------------


def test_a_newline_in_a_key_starts_no_workflow_command_in_any_check_format(hostile):
    diagnostics = findings(hostile)
    assert len(diagnostics) >= 5  # two unknown keys, three missing review fields
    for fmt in ("text", "github", "json"):
        code, out, err = mltrl("check", "--format", fmt, cwd=hostile.path, env=ON_ACTIONS)
        assert code == 1, err
        allowed = ANNOTATION if fmt == "github" else None
        commands = assert_no_workflow_command(out + err, f"check --format {fmt}", allowed)
        if fmt == "github":
            assert len(commands) == len(diagnostics)  # exactly one annotation per finding, all the tool's own
        if fmt == "text":
            lines = out.splitlines()
            assert len(lines) == len(diagnostics) + 1  # one line per finding, then the summary
            assert all(FINDING.match(line) for line in lines[:-1]), lines


def test_default_check_on_actions_annotates_each_finding_once(hostile):
    code, out, _ = mltrl("check", cwd=hostile.path, env=ON_ACTIONS)
    assert code == 1
    commands = assert_no_workflow_command(out, "check on GitHub Actions", ANNOTATION)
    assert len(commands) == len(findings(hostile))
    assert_no_raw_controls(out, "check on GitHub Actions")


# --- (2) the build log ---------------------------------------------------------------------------------


def test_a_newline_in_a_key_starts_no_workflow_command_in_the_build_log(hostile_build):
    log = hostile_build.stdout + hostile_build.stderr
    assert "SCH002" in log
    assert_no_workflow_command(log, "the build log")


def test_a_warning_starts_no_workflow_command_in_check_or_the_build_log(tmp_path):
    """Warnings go to MkDocs' log one by one (errors stop the build in one message): the other channel.

    A document's path holds whatever the content folders are named in ``mkdocs.yml``, which a pull
    request may change: one folder name holds a newline, the other starts like a workflow command.
    Placeholder text (PH001, a warning) quotes the body, control characters and all.
    """
    repo = site_repo(tmp_path / "repo")
    (repo.path / "mkdocs.yml").write_text(mkdocs_yml(options={"roots": [NEWLINE_ROOT, COMMAND_ROOT]}),
                                          encoding="utf-8")
    placeholder = "\n" + PLACEHOLDER + "\n"
    write_technology(repo.path / NEWLINE_ROOT, "solar", "P01.1", 1, body=card_body("Solar") + placeholder)
    write_technology(repo.path / COMMAND_ROOT, "wind", "P02.1", 1,
                     body=card_body("Wind") + placeholder * 11)  # more than GitHub's 10 annotations
    repo.commit({}, "2024-01-01", "Add solar and wind")
    for fmt in ("text", "github"):
        code, out, err = mltrl("check", "--format", fmt, cwd=repo.path)
        assert code == 0, err
        assert out.count("PH001") == 12
        commands = assert_no_workflow_command(out, f"check --format {fmt}", ANNOTATION if fmt == "github" else None)
        assert len(commands) == (10 if fmt == "github" else 0)  # the rest are plain lines
        assert_no_raw_controls(out, f"check --format {fmt}")
    assert "\n./::warning title=INJECTED::pwned/wind/card.md:" in out  # the path, made unable to start a command
    result = build(repo.path, env={**ON_ACTIONS, "PYTHONIOENCODING": "utf-8"})
    log = result.stdout + result.stderr
    assert result.returncode != 0 and log.count("PH001") == 12  # warnings fail a strict build
    assert_no_workflow_command(log, "the build log")
    assert_no_raw_controls(log, "the build log")
    assert "cards\\n::warning title=INJECTED::pwned/solar/card.md:" in log
    assert "[[fill in \\x1b[2J\\x07 \\x0b\\x9b2J\\u202e]]" in log


def test_an_option_name_starts_no_workflow_command_in_the_error(tmp_path):
    (tmp_path / "mkdocs.yml").write_text(mkdocs_yml(options={"rules": {NEWLINE_KEY: {"severity": "loud"}}}),
                                         encoding="utf-8")
    code, _, err = mltrl("check", cwd=tmp_path, env=ON_ACTIONS)
    assert code == 2 and "invalid mltrl plugin options" in err
    assert_no_workflow_command(err, "the configuration error")
    assert "mltrl.rules.zz\\n::error title=INJECTED::pwned.severity" in err


# --- (3) terminal control characters, escaped visibly in every channel ---------------------------------


def test_terminal_controls_are_escaped_in_every_check_format(hostile):
    for fmt in ("text", "github", "json"):
        code, out, err = mltrl("check", "--format", fmt, cwd=hostile.path)
        assert code == 1, err
        assert_no_raw_controls(out + err, f"check --format {fmt}")
        # Escaped, not dropped: the reader sees what was there (JSON doubles the backslash).
        shown = json.loads(out)["diagnostics"] if fmt == "json" else out
        text = json.dumps(shown, ensure_ascii=False) if fmt == "json" else out
        escaped = "\\\\" if fmt == "json" else "\\"
        assert f"k{escaped}x1b]0;pwned{escaped}x07{escaped}x1b[2J{escaped}x9b2J{escaped}u202eevil" in text
        assert f"2024-01-01-level-1-{escaped}x1b[31m{escaped}u202e.md" in text


def test_terminal_controls_are_escaped_in_the_build_log(hostile_build):
    log = hostile_build.stdout + hostile_build.stderr
    assert_no_raw_controls(log, "the build log")
    assert "k\\x1b]0;pwned\\x07\\x1b[2J\\x9b2J\\u202eevil" in log
    assert "reviews/2024-01-01-level-1-\\x1b[31m\\u202e.md:" in log


def test_commit_subjects_and_authors_are_escaped_in_history(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    write_technology(repo.path / "projects", "solar", "P01.1", 1, title=TITLE)
    repo.commit({}, "2024-01-01", SUBJECT, author=AUTHOR)
    write_technology(repo.path / "projects", "solar", "P01.1", 3, title=TITLE)  # a skip: a finding too
    repo.commit({}, "2024-03-01", "Skip \x1b[2J\x9b2J\u202e to 3", author=AUTHOR)
    code, out, err = mltrl("history", "solar", cwd=repo.path)
    assert code == 0, err
    assert_no_raw_controls(out + err, "mltrl history")
    assert "Graduate \\x1b]0;pwned\\x07\\x1b[2J \\x9b2J \\u202eevil" in out
    assert "mallory \\x1b[31m\\x07\\x9b2J\\u202e" in out
    assert "Skip \\x1b[2J\\x9b2J\\u202e to 3" in out and "HIS001" in out
    assert len(out.splitlines()) == len(out.split("\n")) - 1  # no line separator but \n
    # The JSON document keeps the data as it is, with every control character as a JSON escape.
    code, out, err = mltrl("history", "solar", "--format", "json", cwd=repo.path)
    assert code == 0, err
    assert_no_raw_controls(out, "mltrl history --format json")
    events = json.loads(out)["events"]
    assert [e["message"] for e in events] == [SUBJECT, "Skip \x1b[2J\x9b2J\u202e to 3"]
    assert {e["author"] for e in events} == {AUTHOR}


def test_the_pull_request_report_escapes_card_text_and_file_names(git_repo, tmp_path):
    write_technology(git_repo.path / "projects", "clean", "P02.1", 1)
    git_repo.commit({}, "2024-01-01", "Base")
    git_repo.git("checkout", "-q", "-b", "change")
    hostile_technology(git_repo.path / "projects")  # its card is invalid: its title is not shown
    write_technology(git_repo.path / "projects", "titled", "P03.1", 1, title=TITLE)
    git_repo.commit({}, "2024-02-01", SUBJECT, author=AUTHOR)
    comment, step = tmp_path / "comment.md", tmp_path / "step.md"
    for fmt in ("text", "github", "json"):
        code, out, err = mltrl("check", "--base", "main", "--format", fmt, "--summary", str(comment),
                               cwd=git_repo.path, env={"GITHUB_STEP_SUMMARY": str(step)})
        assert code == 1, err
        assert_no_raw_controls(out + err, f"check --base --format {fmt}")
        assert_no_workflow_command(out, f"check --base --format {fmt}",
                                   re.compile(r"::stop-commands::|::[0-9a-f]{32}::$|" + ANNOTATION.pattern[1:])
                                   if fmt == "github" else None)
        if fmt == "json":
            messages = [d["message"] for d in json.loads(out)["new"]]
            assert any("'zz\\n::error title=INJECTED::pwned'" in m for m in messages)
        else:
            assert "k\\x1b]0;pwned\\x07\\x1b[2J\\x9b2J\\u202eevil" in out
    for report in (comment.read_text(encoding="utf-8"), step.read_text(encoding="utf-8")):
        assert_no_raw_controls(report, "the Markdown report")
        assert "\ufffd" not in report  # escaped visibly, not replaced
        # Markdown escapes the backslash of each escape, so the rendered report shows "\x1b".
        assert "k\\\\x1b\\]0;pwned\\\\x07\\\\x1b\\[2J\\\\x9b2J\\\\u202eevil" in report
        assert "Solar \\\\x1b\\[31mred\\\\x07 \\\\x9b2J \\\\u202edrawkcab" in report  # the card's title
        assert "2024-01-01-level-1-\\\\x1b\\[31m\\\\u202e.md" in report


# --- (4) JSON stays valid and says what the text says ---------------------------------------------------


def test_json_output_is_valid_and_round_trips_to_the_escaped_message(hostile):
    _, text, _ = mltrl("check", "--format", "text", cwd=hostile.path)
    for diag in findings(hostile):
        for value in diag.values():
            if isinstance(value, str):
                assert_no_raw_controls(value, "a JSON value")
                assert not any(ord(c) < 0x20 for c in value)
        assert f"{diag['path']}:{diag['line']}:{diag['column']}: {diag['severity']} {diag['code']} " \
               f"{diag['message']}" in text.splitlines()
    messages = [d["message"] for d in findings(hostile)]
    assert any(m.startswith("unknown field 'zz\\n::error title=INJECTED::pwned'") for m in messages)
    assert any(m.startswith("unknown field 'k\\x1b]0;pwned\\x07\\x1b[2J\\x9b2J\\u202eevil'") for m in messages)


# --- escaped paths still find their files ----------------------------------------------------------------


def test_narrowing_check_to_a_file_with_controls_in_its_name_still_reports_it(hostile):
    review = hostile.path / "projects" / "solar" / "reviews" / REVIEW
    assert review.is_file()
    code, out, err = mltrl("check", "--format", "json", str(review), cwd=hostile.path)
    assert code == 1, err
    paths = {d["path"] for d in json.loads(out)["diagnostics"]}
    assert paths == {"projects/solar/reviews/2024-01-01-level-1-\\x1b[31m\\u202e.md"}


def test_an_error_in_a_file_with_controls_in_its_name_still_blocks_the_public_bundle(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    folder = write_technology(repo.path / "projects", "solar", "P01.1", 1, reviews={REVIEW: {"level": 1}},
                              card=card_meta("P01.1", "Solar", 1, visibility="public"))
    repo.commit({}, "2024-01-01", "Add solar")
    code, out, err = mltrl("export", "--bundle", str(tmp_path / "bundle"), cwd=repo.path)
    assert code == 1, err
    assert "SCH001" in out and "not written" in err
    assert_no_raw_controls(out + err, "export --bundle")
    assert folder.is_dir() and not (tmp_path / "bundle" / "mltrl.json").exists()


# --- the escaping function ------------------------------------------------------------------------------


def test_printable_escapes_every_control_and_bidi_character_visibly():
    from mltrl_docs.diagnostics import Diagnostic, Severity, printable

    clean = "projects/solar-bo/card.md: Résumé 😀 · \\ back"
    assert printable(clean) is clean  # the fast path returns the very string
    assert printable("a\nb\rc\td") == "a\\nb\\rc\\td"
    assert printable("\x00\x1b\x7f\x85\x9b") == "\\x00\\x1b\\x7f\\x85\\x9b"
    assert printable("\u2028\u2029\u202a\u202e\u2066\u2069\u200f") == "\\u2028\\u2029\\u202a\\u202e\\u2066\\u2069\\u200f"
    assert printable("\udc9b") == "\\udc9b"  # a byte of a file name that is not UTF-8
    for char in map(chr, [*range(0x20), *range(0x7f, 0xa0), 0x2028, 0x2029, *range(0x202a, 0x202f),
                          *range(0x2066, 0x206a)]):
        assert char not in printable(f"x{char}y") and printable(f"x{char}y").startswith("x\\")
    once = printable(SUBJECT)
    assert printable(once) == once  # idempotent: a finding rebuilt from a finding is escaped once
    diag = Diagnostic(f"projects/{REVIEW}", 1, 1, Severity.ERROR, "SCH002", f"unknown field '{NEWLINE_KEY}'",
                      f"remove {TERMINAL_KEY!s}")
    assert "\n" not in diag.text and "\x1b" not in diag.text and "\x1b" not in diag.path
    assert diag.message == "unknown field 'zz\\n::error title=INJECTED::pwned'"
