"""Talking to git: repository facts, the one ``git log`` pass, one ``cat-file`` process, the status.

History costs a fixed number of git processes whatever the size of the
portfolio: ``rev-parse`` (twice), one
``git log`` over the content roots, one ``git cat-file --batch`` for every
historical blob, and one ``git status``. Nothing here starts a process per
file; that design is what makes per-file history tools slow on big sites.

The log is read as it is produced and blob requests are sent to ``cat-file``
while ``git log`` is still walking, so parsing old front matter overlaps with
git's own work instead of following it.

Merge commits: the log follows the first parent only
(``--first-parent --diff-merges=first-parent``). A technology's history is
the sequence of states its files had on the mainline; a merged branch
contributes one step, at the merge commit, with the merge's date, author and
subject. States that only existed on a branch were never the official state
of the technology, so they are not part of its history.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import select
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import GitError

ZERO = "0" * 40


_env: dict[str, str] | None = None


def refresh_env() -> None:
    """Read the environment again for the git processes that follow (once per history run)."""
    global _env
    _env = dict(os.environ)
    _env.update({"LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "GIT_OPTIONAL_LOCKS": "0"})


def git_env() -> dict[str, str]:
    """Environment for git: no pager, no prompts, stable messages."""
    if _env is None:
        refresh_env()
    return _env


def run_git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run one git command and capture its output as bytes; raise :class:`GitError` on failure."""
    try:
        result = subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=cwd, env=git_env(),
                                capture_output=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    except (OSError, subprocess.SubprocessError) as exc:
        raise GitError(f"git could not be run: {exc}") from None
    if check and result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[-1] if message else f"git {args[0]} failed with status {result.returncode}")
    return result


@dataclass(frozen=True)
class RepoInfo:
    """Where the content sits in its repository."""

    toplevel: Path
    prefix: str
    """Path of the base folder inside the repository, ``""`` or ending with ``/``."""
    shallow: bool
    """Whether the clone is shallow (history cut off)."""
    head: str | None
    """Current commit, or ``None`` in a repository without commits."""


def repo_info(base_dir: Path) -> RepoInfo | None:
    """Facts about the repository holding ``base_dir``; ``None`` when it is not in a work tree.

    Discovery and shallow detection stay one ``git rev-parse`` (under 10 ms here) rather than
    GitPython's ``Repo``: importing GitPython alone takes about 0.2 s on top of a 0.05 s interpreter
    start, which every ``mltrl check`` and pre-commit run would pay for the same four answers.
    """
    facts = ("rev-parse", "--is-inside-work-tree", "--is-shallow-repository", "--show-toplevel", "--show-prefix")
    result = run_git(base_dir, *facts, "HEAD", check=False)
    if result.returncode == 0:
        lines = result.stdout.decode("utf-8", "surrogateescape").split("\n")
        if lines[0] == "true" and len(lines) > 4:
            return RepoInfo(toplevel=Path(lines[2]), prefix=lines[3], shallow=lines[1] == "true", head=lines[4])
    result = run_git(base_dir, *facts, check=False)  # no commit yet, or not a work tree
    if result.returncode != 0:
        error = result.stderr.decode("utf-8", "replace")
        if "not a git repository" in error:
            return None
        lines = error.strip().splitlines()
        raise GitError(lines[-1] if lines else "git rev-parse failed")
    lines = result.stdout.decode("utf-8", "surrogateescape").split("\n")
    if lines[0] != "true":
        return None  # inside a .git folder or a bare repository
    head = run_git(base_dir, "rev-parse", "-q", "--verify", "HEAD^{commit}", check=False)
    return RepoInfo(toplevel=Path(lines[2]), prefix=lines[3], shallow=lines[1] == "true",
                    head=(head.stdout.decode().strip() or None) if head.returncode == 0 else None)


@dataclass(slots=True)
class Change:
    """One file changed by a commit (from ``git log --raw``)."""

    status: str
    """``A``dded, ``M``odified, ``D``eleted, ``R``enamed, ``C``opied or ``T`` (type changed)."""
    path: str
    """Path after the commit, relative to the repository."""
    old_path: str | None
    """Path before a rename or copy."""
    blob: str | None
    """Blob of the file after the commit (``None`` when deleted)."""
    regular: bool = True
    """Whether the new file is a regular file (not a symbolic link or submodule)."""


@dataclass(slots=True)
class Commit:
    """A mainline commit and the changes it made under the content roots."""

    sha: str
    parent: str
    """First parent, ``""`` for a root commit."""
    date: str
    """Committer date, ISO 8601 with the committer's offset (always one ``datetime`` can read: see
    :func:`read_date`)."""
    author: str
    subject: str
    changes: list[Change] = field(default_factory=list)
    time: dt.datetime | None = None
    """The committer date as a timezone-aware datetime (filled from ``date``)."""
    date_problem: str | None = None
    """What was wrong with the committer date git stores, when ``date`` had to be made up or clamped."""

    def __post_init__(self) -> None:
        if self.time is None and self.date:
            self.time = dt.datetime.fromisoformat(self.date)


LOG_FORMAT = "%x01%H%x1f%P%x1f%cd%x1f%cI%x1f%an%x1f%s"
"""Hash, parents, committer date as stored (``--date=raw``: seconds and offset), the same in ISO 8601,
author name, subject. The author date is never read."""

EARLIEST = 0
"""1970-01-01T00:00:00Z: git records no earlier time (older versions cannot even print one)."""
LATEST = 253402300799
"""9999-12-31T23:59:59Z, the last second a ``datetime`` holds."""
_UTC = dt.timezone.utc
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=_UTC)


def read_date(raw: str) -> tuple[str, dt.datetime, str | None]:
    """A committer date as git prints it with ``--date=raw`` (``1700000000 +0100``): ISO text, datetime, problem.

    Whatever the commit object holds, the result is a date ``datetime`` can represent and
    compute with: a time before 1970 (or one git cannot print at all) becomes 1970-01-01
    UTC, one past 9999 the last second of 9999, and an offset no time zone has (24 hours
    or more, 60 minutes or more) is replaced by UTC, the instant unchanged. ``problem``
    says what was wrong (``None`` when nothing was).
    """
    raw = raw.strip()
    seconds, _, zone = raw.partition(" ")
    if not re.fullmatch(r"[+-]?[0-9]+", seconds):
        # git prints nothing for a date it cannot read (older versions: any time before 1970).
        problem = f"stored as '{raw}', not a number of seconds" if raw else \
            "git cannot print it (a time before 1970, or not a number)"
        return _EPOCH.isoformat(), _EPOCH, problem
    stamp = int(seconds)
    problems = []
    offset = 0
    if re.fullmatch(r"[+-][0-9]{4}", zone) and int(zone[1:3]) < 24 and int(zone[3:]) < 60:
        offset = (int(zone[1:3]) * 60 + int(zone[3:])) * (-1 if zone[0] == "-" else 1)
    else:
        problems.append("with an offset no time zone has (read as UTC)")
    if stamp < EARLIEST:
        problems.append("before 1970")
        stamp = EARLIEST
    latest = LATEST - max(offset, 0) * 60  # the committer's local time must fit too
    if stamp > latest:
        problems.append("after the year 9999")
        stamp = latest
    zone_info = _UTC if offset == 0 else dt.timezone(dt.timedelta(minutes=offset))
    when = (_EPOCH + dt.timedelta(seconds=stamp)).astimezone(zone_info)
    return when.isoformat(), when, ", ".join([f"stored as '{raw}'", *problems]) if problems else None


def log_command(pathspecs: list[str], since: str | None = None, within: str | None = None) -> list[str]:
    """Arguments of the one ``git log`` pass (newest first, mainline, renames detected).

    With ``within`` (a folder relative to the top of the work tree, ending
    in ``/``), the changes are limited to that folder by ``--relative``
    instead of a pathspec, and their paths are printed relative to it.
    Both limit the changes before renames are detected, so they list the
    same changes; but a pathspec also makes git compare every commit with
    its parent a second time to decide whether to show it, which costs
    about a third of the whole pass on a long history. Under ``--relative``
    a commit with no change in the folder is shown with no changes.
    """
    revision = f"{since}..HEAD" if since else "HEAD"
    limit = [f"--relative={within}", revision] if within else [revision, "--", *pathspecs]
    return ["git", "-c", "core.quotepath=off", "-c", "diff.renameLimit=10000", "log", "--first-parent",
            "--diff-merges=first-parent", "-M", "--raw", "--no-abbrev", "-z", "--no-color", "--no-ext-diff",
            "--date=raw", f"--format={LOG_FORMAT}", *limit]


_LITERAL_FOLDER = re.compile(r"[A-Za-z0-9_.+@ -]+(?:/[A-Za-z0-9_.+@ -]+)*")


def log_folder(prefix: str, pathspecs: list[str]) -> str | None:
    """The ``within`` folder of :func:`log_command` that lists what ``pathspecs`` lists, or ``None``.

    Only one plain folder qualifies: no pathspec magic, no wildcard, no
    ``.`` or ``..`` step. ``prefix`` is where the working folder sits below
    the top of the work tree (``""`` or ending in ``/``).
    """
    if len(pathspecs) != 1:
        return None
    folder = pathspecs[0].strip("/")
    if not _LITERAL_FOLDER.fullmatch(folder) or any(part in (".", "..") for part in folder.split("/")):
        return None
    return f"{prefix}{folder}/"


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def iter_log(cwd: Path, pathspecs: list[str], since: str | None = None, chunk_size: int = 1 << 16,
             keep: Callable[[bytes], bool] | None = None, tail: dict | None = None,
             within: str | None = None) -> Iterator[Commit]:
    """Mainline commits touching ``pathspecs`` (all paths when empty), newest first, read as git produces them.

    With ``keep``, only changes where ``keep`` accepts the new or old path
    (as raw bytes) are kept, and commits left without changes are skipped.
    ``tail``, when given, receives the ``sha`` and ``parent`` of the oldest
    commit walked, kept or not. ``within`` (see :func:`log_command`, from
    :func:`log_folder`) replaces ``pathspecs``: the same commits come out,
    their paths still relative to the top of the work tree, but ``tail``
    may then name an older commit, one that changed nothing in the folder.
    """
    folder = within.encode("utf-8", "surrogateescape") if within else b""
    if within and keep is None:
        keep = _anything
    try:
        proc = subprocess.Popen(log_command(pathspecs, since, within), cwd=cwd, env=git_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    widen_pipe(proc.stdout)
    errors: list[bytes] = []
    drain = threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True)
    drain.start()
    current: Commit | None = None
    pending: list[bytes] = []  # an entry's tokens until its paths have arrived
    needed = 0
    rest = b""
    try:
        while True:
            chunk = proc.stdout.read(chunk_size)
            if not chunk:
                break
            tokens = (rest + chunk).split(b"\0")
            rest = tokens.pop()
            for token in tokens:
                if pending:
                    pending.append(token)
                    if len(pending) == needed:
                        if folder:
                            pending[1:] = [folder + path for path in pending[1:]]
                        if current is not None and (keep is None or any(keep(p) for p in pending[1:])):
                            current.changes.append(_change(pending))
                        pending = []
                    continue
                if token.startswith(b"\n"):
                    token = token[1:]
                if token.startswith(b"\x01"):
                    if current is not None and (keep is None or current.changes):
                        yield current
                    current = _header(token[1:])
                    if tail is not None:
                        tail["sha"], tail["parent"] = current.sha, current.parent
                elif token.startswith(b":"):
                    pending = [token]
                    # Renames and copies name two paths, other changes one.
                    needed = 3 if token.rsplit(b" ", 1)[-1][:1] in (b"R", b"C") else 2
        if current is not None and (keep is None or current.changes):
            yield current
    finally:
        proc.stdout.close()
        code = proc.wait()
        drain.join()
        proc.stderr.close()
    if code != 0:
        message = b"".join(errors).decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[-1] if message else f"git log failed with status {code}")


def _anything(path: bytes) -> bool:
    return True


PIPE_SIZE = 1 << 20
"""Pipe buffer asked for (Linux): git keeps writing while this process is busy parsing."""


def widen_pipe(stream) -> None:
    """Enlarge a pipe's buffer where the system allows it; harmless elsewhere."""
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_SIZE)
    except (ImportError, OSError, ValueError):
        pass


def _header(raw: bytes) -> Commit:
    sha, parents, stored, date, author, subject = (_text(raw).split("\x1f", 5) + ["", "", "", "", ""])[:6]
    parent = parents.split(" ")[0] if parents else ""
    # git prints the seconds and "%+05d" of the offset. The usual date is recognised by a few
    # string tests: at most 10 digits of seconds, not negative (so 1970 to 2286), and an offset
    # of under 24 hours and 60 minutes. Anything else (out of range, or nothing at all when
    # git cannot read the date) goes to read_date, which clamps it and says what was wrong.
    if 6 < len(stored) < 17 and stored[0] != "-" and stored[-4:-2] < "24" and stored[-2] < "6":
        try:
            return Commit(sha=sha, parent=parent, date=date, author=author, subject=subject)
        except ValueError:
            pass  # git's ISO text does not read after all: the careful way below
    date, when, problem = read_date(stored)
    return Commit(sha=sha, parent=parent, date=date, author=author, subject=subject, time=when,
                  date_problem=problem)


def _change(tokens: list[bytes]) -> Change:
    # ":100644 100644 <old blob> <new blob> R087"
    _, new_mode, _, new_blob, status = tokens[0][1:].decode("ascii").split(" ")
    letter = status[0]
    if letter in ("R", "C"):
        old_path, path = _text(tokens[1]), _text(tokens[2])
    else:
        old_path, path = None, _text(tokens[1])
    blob = None if letter == "D" or new_blob == ZERO else new_blob
    return Change(letter, path, old_path, blob, regular=new_mode in ("100644", "100755"))


class CatFile:
    """One ``git cat-file --batch`` process for every blob the history needs.

    Requests are queued as they become known and answers handed to
    ``on_blob(blob_id, data)`` (``data`` is ``None`` for a missing object).
    Where pipes can be non-blocking (POSIX), everything happens on the
    caller's thread: :meth:`pump` sends what is queued and handles what has
    arrived without ever waiting, so the caller interleaves it with reading
    ``git log`` while both git processes keep working. Elsewhere a reader
    thread receives the answers.
    """

    def __init__(self, cwd: Path, on_blob: Callable[[str, bytes | None], None]) -> None:
        try:
            self._proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=cwd, env=git_env(),
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.DEVNULL)
        except FileNotFoundError:
            raise GitError("git is not installed (or not on PATH)") from None
        self._on_blob = on_blob
        self._sent = 0
        self._received = 0
        self._error: BaseException | None = None
        self._eof = False
        self._queue = bytearray()
        self._buffer = bytearray()
        self._in = self._proc.stdin.fileno()
        self._out = self._proc.stdout.fileno()
        try:
            os.set_blocking(self._in, False)
            os.set_blocking(self._out, False)
            widen_pipe(self._proc.stdout)
            self._reader: threading.Thread | None = None
        except (OSError, AttributeError):
            self._done = threading.Condition()
            self._reader = threading.Thread(target=self._read_thread, name="mltrl-cat-file", daemon=True)
            self._reader.start()

    def request(self, blob: str) -> None:
        """Ask for ``blob`` (a full object id); the answer arrives through ``on_blob``."""
        self._sent += 1
        if self._reader is not None:
            self._proc.stdin.write(blob.encode("ascii") + b"\n")
        else:
            self._queue += blob.encode("ascii") + b"\n"

    def flush(self) -> None:
        """Send the requests queued so far (and handle answers already there)."""
        if self._reader is not None:
            self._proc.stdin.flush()
        else:
            self.pump()

    def pump(self) -> bool:
        """Without waiting: send queued requests, handle the answers that arrived; ``True`` on progress."""
        progress = False
        if self._queue:
            try:
                written = os.write(self._in, self._queue)
            except BlockingIOError:
                written = 0
            if written:
                del self._queue[:written]
                progress = True
        while not self._eof:
            try:
                chunk = os.read(self._out, 1 << 20)
            except BlockingIOError:
                break
            if not chunk:
                self._eof = True
                break
            self._buffer += chunk
            progress = True
        if progress:
            self._dispatch()
        return progress

    def _dispatch(self) -> None:
        buffer = self._buffer
        position = 0
        while True:
            end = buffer.find(b"\n", position)
            if end < 0:
                break
            parts = bytes(buffer[position:end]).split()
            if len(parts) == 3:
                size = int(parts[2])
                if len(buffer) < end + 1 + size + 1:
                    break  # the content has not all arrived yet
                data = bytes(buffer[end + 1:end + 1 + size])
                position = end + 1 + size + 1
                self._on_blob(parts[0].decode("ascii"), data if parts[1] == b"blob" else None)
            else:
                position = end + 1
                self._on_blob(parts[0].decode("ascii", "replace") if parts else "", None)
            self._received += 1
        if position:
            del buffer[:position]

    def wait(self) -> None:
        """Send pending requests and wait until every one has been answered."""
        if self._reader is not None:
            self._proc.stdin.flush()
            with self._done:
                self._waiting = True
                # The reader counts without the lock and notifies only a waiter; the timeout
                # re-checks the count in case an answer slipped in between.
                while not (self._received >= self._sent or self._error is not None or self._eof):
                    self._done.wait(0.05)
                self._waiting = False
            if self._error is not None:
                raise self._error
            return
        while self._received < self._sent and not self._eof:
            if not self.pump():
                select.select([self._out], [self._in] if self._queue else [], [], 0.5)

    def close(self) -> None:
        """Wait for every answer, then end the process; re-raise a failure of the reader."""
        if self._reader is None:
            self.wait()
            os.set_blocking(self._in, True)
        try:
            self._proc.stdin.close()
        except BrokenPipeError:
            pass
        if self._reader is not None:
            self._reader.join()
        self._proc.stdout.close()
        self._proc.wait()
        if self._error is not None:
            raise self._error

    _waiting = False

    def _read_thread(self) -> None:
        out = self._proc.stdout
        try:
            while True:
                header = out.readline()
                if not header:
                    return
                parts = header.split()
                if len(parts) == 3:
                    data = out.read(int(parts[2]) + 1)[:-1]  # the content and its closing newline
                    self._on_blob(parts[0].decode("ascii"), data if parts[1] == b"blob" else None)
                else:
                    self._on_blob(parts[0].decode("ascii", "replace") if parts else "", None)
                self._received += 1  # only this thread writes it
                if self._waiting and self._received >= self._sent:
                    with self._done:
                        self._done.notify_all()
        except BaseException as exc:  # noqa: BLE001 - surfaced by wait() and close()
            with self._done:
                self._error = exc
                self._done.notify_all()
            out.read()  # keep git from blocking on a full pipe
        finally:
            with self._done:
                self._eof = True
                self._done.notify_all()


class StatusReader:
    """``git status`` started in the background: it runs while the history is being derived."""

    def __init__(self, base_dir: Path, pathspecs: list[str]) -> None:
        try:
            self._proc: subprocess.Popen | None = subprocess.Popen(
                ["git", "-c", "core.quotepath=off", "status", "--porcelain=v1", "-z", "--untracked-files=all",
                 "--no-renames", "--", *pathspecs], cwd=base_dir, env=git_env(), stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL)
        except OSError:
            self._proc = None
        self._paths: list[str] | None = None

    def paths(self) -> list[str]:
        """Paths (relative to the repository) with uncommitted changes, or untracked."""
        if self._paths is None:
            self._paths = []
            if self._proc is not None:
                out, _ = self._proc.communicate()
                if self._proc.returncode == 0:
                    self._paths = [_text(entry[3:]) for entry in out.split(b"\0") if len(entry) > 3]
        return self._paths


