"""Where the caches live, and reading and writing them without trusting what lies at their paths.

Four caches spare work between runs: parsed documents (:mod:`mltrl_docs.doccache`), each
technology's rule findings and readiness (:mod:`mltrl_docs.checkcache`), the history
(:mod:`mltrl_docs.history.cache`) and rendered pages (:mod:`mltrl_docs.site.cache`). By default
they live in the user's cache folder, one folder per repository
(``$XDG_CACHE_HOME/mltrl-docs/repos/<name>-<hash of its path>/``), outside the work tree: nothing a
pull request commits can then be a cache, or be written through by one.

The ``cache_dir`` option puts them inside the repository instead (useful when a CI system keeps a
folder of the checkout between runs). Such a folder is used only when the pull request that is
being built cannot have planted it: every folder on the way to it is a real folder (no symbolic
link), none of them is a git repository of its own (a submodule), git tracks nothing in it, and it
is not inside the folders a site is built from or into. Otherwise caching is off for that run and
the reason is reported.

Whatever the location, cache files are opened without following a symbolic link, new files are
created under unpredictable names that must not exist yet and are then renamed into place, and
each cache verifies what it reads with a key kept in the user's cache folder.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import GitError
from .gitio import run_git

APP = "mltrl-docs"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)


def user_cache_home() -> Path:
    """The user's cache folder: ``$XDG_CACHE_HOME``, else ``~/.cache``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base)


def repository_folder(base_dir: Path, home: Path | None = None) -> Path:
    """The default cache folder of the repository whose configuration is in ``base_dir``.

    Keyed by the folder's real path, so two clones never share a cache; the folder's name is
    kept in front of the hash to tell the folders apart. ``home`` stands for the user's cache folder.
    """
    real = os.path.realpath(base_dir)
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", os.path.basename(real)).strip(".-")[:40] or "root"
    digest = hashlib.sha256(os.fsencode(real)).hexdigest()[:16]
    return (home or user_cache_home()) / APP / "repos" / f"{name}-{digest}"


@dataclass(frozen=True)
class CacheLocation:
    """Where this run keeps its caches: a folder, or none and why."""

    folder: Path | None
    problem: str | None = None
    """Why the configured folder is not used (``None`` when it is, or no folder was configured)."""


def cache_location(base_dir: Path, cache_dir: str | None, *, published: tuple[Path, ...] = ()) -> CacheLocation:
    """The cache folder for the configuration in ``base_dir`` (see the module's description).

    ``cache_dir`` is the option as written (``None``: the user's cache folder). ``published`` are
    the folders a site is built from and into (the docs and site folders): a cache there would be
    published, so it is refused.
    """
    if cache_dir is None:
        return CacheLocation(repository_folder(base_dir))
    base = Path(os.path.abspath(base_dir))
    folder = Path(os.path.normpath(base / cache_dir))
    for place in published:
        place = Path(os.path.normpath(base / place))
        if folder == place or place in folder.parents or folder in place.parents:
            return CacheLocation(None, f"the cache folder {cache_dir} is inside or around {place.name}/, whose "
                                       "files are published; caching is off (choose a folder outside it)")
    if folder != base and base not in folder.parents:
        return CacheLocation(folder)  # outside the work tree, where the configuration put it
    problem = _planted(base, folder)
    if problem is not None:
        return CacheLocation(None, f"the cache folder {cache_dir} {problem}; caching is off for this run (a "
                                   "cache a pull request could plant is never used)")
    return CacheLocation(folder)


def existing_steps(base: Path, folder: Path) -> Iterator[tuple[Path, os.stat_result]]:
    """Each step of the way from ``base`` down to ``folder`` that exists, with what :func:`os.lstat` says of it.

    Links are not followed, so a caller sees a symbolic link as one. The
    walk ends at the first step that does not exist: the rest will be made,
    as real folders. Any other error reading a step is raised.
    """
    current = base
    for part in folder.relative_to(base).parts:
        current = current / part
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            return
        yield current, info


def _planted(base: Path, folder: Path) -> str | None:
    """Why ``folder`` (inside ``base``) could come from the repository's content, or ``None``."""
    try:
        for current, info in existing_steps(base, folder):
            if stat.S_ISLNK(info.st_mode):
                return f"goes through a symbolic link ({current.relative_to(base).as_posix()})"
            if not stat.S_ISDIR(info.st_mode):
                return f"goes through a file ({current.relative_to(base).as_posix()})"
            if os.path.lexists(current / ".git"):
                return f"goes through a git repository of its own ({current.relative_to(base).as_posix()})"
    except OSError as exc:
        return f"cannot be examined ({exc.strerror})"
    try:
        listed = run_git(base, "ls-files", "-z", "--", folder.relative_to(base).as_posix(), check=False)
    except GitError:
        return None  # no git: nothing can be committed
    if listed.returncode != 0:
        error = listed.stderr.decode("utf-8", "replace")
        if "not a git repository" in error:
            return None
        return "cannot be checked against the repository (git: " + (error.strip().splitlines() or ["failed"])[-1] + ")"
    if listed.stdout.strip(b"\0"):
        return "holds files committed to the repository"
    return None


IGNORE_FILE = b"# Written by mltrl-docs: this folder is a cache and is never committed.\n*\n"
"""What each cache folder's ``.gitignore`` says, so that ``git add -A`` never picks a cache up (as pytest does)."""


def make_folder(folder: Path) -> None:
    """Create ``folder`` (private to the user, ignored by git) and check it is a real folder; raises :class:`OSError`."""
    os.makedirs(folder, mode=0o700, exist_ok=True)
    if os.path.islink(folder) or not os.path.isdir(folder):
        raise OSError(f"{folder} is not a folder")
    if not os.path.lexists(folder / ".gitignore"):
        write_file(folder / ".gitignore", IGNORE_FILE)


def _open(path: Path, flags: int, mode: int = 0o600) -> int:
    descriptor = os.open(path, flags | _NOFOLLOW | _CLOEXEC | _BINARY, mode)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise OSError(f"{path} is not a regular file")
    return descriptor


def read_file(path: Path, limit: int) -> bytes | None:
    """The bytes of the regular file ``path`` (at most ``limit + 1``), never through a link; ``None`` if unreadable."""
    try:
        descriptor = _open(path, os.O_RDONLY)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        try:
            return handle.read(limit + 1)
        except OSError:
            return None


def open_file(path: Path):
    """``path`` opened for reading and writing (created when missing), never through a link; raises :class:`OSError`.

    A symbolic link found at ``path`` is removed first (the caller owns the folder): the file is
    then created in its place, and what the link pointed at is never touched.
    """
    if os.path.islink(path):
        os.unlink(path)
    return os.fdopen(_open(path, os.O_RDWR | os.O_CREAT), "r+b")


def write_file(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` at once; raises :class:`OSError`.

    The bytes go to a new file with an unpredictable name in the same folder, created only if
    nothing is there, then renamed over ``path``: renaming replaces a link planted at ``path``
    rather than writing where it points.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC | _BINARY, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def encode_entries(entries: dict[str, bytes]) -> bytes:
    """The payload of a :class:`SignedEntries` file: one line a key, a tab and the entry's JSON (pure ASCII,
    so never a line break inside)."""
    return b"\n".join(key.encode("ascii") + b"\t" + value for key, value in entries.items())


def decode_entries(payload: bytes) -> dict[str, bytes]:
    """The entries of a payload (:func:`encode_entries`), each still JSON: a run decodes only those it asks for."""
    entries: dict[str, bytes] = {}
    for line in payload.split(b"\n"):
        key, tab, value = line.partition(b"\t")
        if tab:
            entries[key.decode("ascii", "replace")] = value
    return entries


def encode_entry(value: object) -> bytes:
    """One entry as its line holds it (:func:`encode_entries`)."""
    return json.dumps(value, separators=(",", ":")).encode("ascii")


class SignedEntries:
    """Entries kept between runs in one file signed with the user's key, a line each.

    The base of the document and check caches. A file that does not verify
    (planted by a pull request, signed with another key, damaged) is ignored,
    never trusted; without a key nothing is read or written. ``entries`` are
    what the file held, ``used`` what this run asked for or added: saving
    writes ``used`` alone, so the file never keeps what no run needs.

    Each entry is kept as the JSON text it was read as, and decoded only when a
    run asks for it (:meth:`_entry`): a run that changes a few entries writes
    the others back as they were read, without encoding them again.
    """

    FORMAT = b""
    """Names the kind and shape of the entries; changed whenever they change, so old files are never read."""
    LAYOUT = b"lines-1"
    """Names the file's layout (:func:`encode_entries`); part of what is signed, so a file of another never verifies."""
    MAX_FILE = 256 * 1024 * 1024

    def __init__(self, file: Path | None, key: bytes | None) -> None:
        self.file = file if key is not None else None
        self.key = key
        self.entries: dict[str, bytes] = {}
        self.used: dict[str, bytes] = {}
        self.hits = 0
        self.misses = 0

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self.key, self.FORMAT + b"\0" + self.LAYOUT + b"\0" + payload, hashlib.sha256).digest()

    def _load(self) -> None:
        if self.file is None:
            return
        try:
            data = read_file(self.file, self.MAX_FILE)
        except OSError:
            return
        if data is None or len(data) <= 32 or len(data) > self.MAX_FILE:
            return
        mac, payload = data[:32], data[32:]
        if hmac.compare_digest(mac, self._mac(payload)):  # else not written by this user: never trusted
            self.entries = decode_entries(payload)

    def _entry(self, key: str) -> object | None:
        """The entry filed under ``key``, decoded, or ``None`` (also for one that no longer decodes)."""
        raw = self.entries.get(key)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None

    def _keep(self, key: str) -> None:
        """Keep the entry read under ``key`` for the next save, as it was read."""
        self.used[key] = self.entries[key]

    def _store(self, key: str, value: object, *more: object) -> None:
        """File ``value`` under ``key`` (a hex digest) for the next save; a value JSON cannot hold is not kept.

        With ``more``, the entry is each value's JSON, separated by tabs (JSON escapes every tab inside a
        string), so a reader can decode its parts one at a time.
        """
        try:
            self.used[key] = b"\t".join(encode_entry(part) for part in (value, *more))
        except (TypeError, ValueError):
            pass

    def save(self) -> None:
        """Write the entries used in this run (so the file never grows stale); never raises."""
        if self.file is None or (not self.misses and len(self.used) == len(self.entries)):
            return
        try:
            payload = encode_entries(self.used)
            make_folder(self.file.parent)
            write_file(self.file, self._mac(payload) + payload)
        except (OSError, ValueError):
            pass
