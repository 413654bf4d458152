"""The on-disk cache of history, so that a run after one new commit reads and rebuilds only what it changed.

What is kept, under ``<cache_dir>/history/``:

- ``tracks.jsonl``: each technology's card versions (with what was read from
  each blob) and review records on the mainline, one record per technology,
  appended anew when a commit touches it. What was read from a blob never
  goes stale, since a blob id names content: when the history must be
  walked anew (e.g. after a rebase) these spare parsing the same blobs again.
- ``derived.jsonl``: each technology's events, level spans and prior-card
  references, keyed by a fingerprint of everything they depend on, so an
  untouched technology is not derived again. A record is its JSON, a tab and
  a short head (its folder and former project IDs, in JSON too): a run reads
  the heads of every reused record and decodes a record itself only when
  something reads that history (see :class:`~mltrl_docs.history.extract.KeptHistory`).
- ``texts.bin``: texts of prior cards, raw, read by offset.
- ``state.json``: format, key, the head commit and the offsets of every
  live record. It is replaced last, atomically, so an interrupted run leaves
  the previous state (and some unreferenced bytes) behind.

Files are appended to and read by offset; when dead records outweigh live
ones the next run starts over. Anything unreadable makes the cache count as
empty: it can cost time, never correctness. The cache holds JSON and text
only, never pickles: a cache planted in a pull request could otherwise run code.

Only data this user's runs wrote is read: ``state.json`` carries an HMAC made
with the key in the user's cache folder (:mod:`mltrl_docs.cachekey`), every
record's index entry carries a hash of the record, and a prior card's text must
hash to its git blob id. A record that does not verify counts as damage: the
history is read from git again. Files are never opened through a symbolic link
(:mod:`mltrl_docs.cachedir`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..cachedir import make_folder, open_file, read_file, write_file
from ..errors import DamagedCache

FORMAT = 6
"""Version of the files' layout; 4: events carry the project IDs before and after an ``id`` change; 5: records
are hashed with SHA-256 (:func:`record_hash`); 6: a derived record ends with its head."""
FILES = ("tracks.jsonl", "derived.jsonl", "texts.bin")
GARBAGE_FACTOR = 4
"""Start over when the files are this many times larger than their live records."""
_ENCODE = json.JSONEncoder(ensure_ascii=False, check_circular=False, separators=(",", ":")).encode


@dataclass
class State:
    """The index of the cache as the previous run left it."""

    key: str
    head: str | None = None
    next_id: int = 0
    live: dict[str, list] = field(default_factory=dict)
    """Folder -> ``[track id, project id on the last card, version]`` of every live technology."""
    tracks: dict[str, list] = field(default_factory=dict)
    """Track id (as text) -> ``[offset, length, hash]`` in ``tracks.jsonl``."""
    derived: dict[str, list] = field(default_factory=dict)
    """Slug -> ``[offset, length, fingerprint, hash]`` in ``derived.jsonl``."""
    texts: dict[str, list] = field(default_factory=dict)
    """Blob id -> ``[offset, length]`` in ``texts.bin``."""
    sizes: dict[str, int] = field(default_factory=lambda: {name: 0 for name in FILES})
    """Valid bytes of each file."""

    def to_json(self) -> dict:
        """The content of ``state.json``."""
        return {"format": FORMAT, "key": self.key, "head": self.head, "next_id": self.next_id, "live": self.live,
                "tracks": self.tracks, "derived": self.derived, "texts": self.texts, "sizes": self.sizes}

    def live_bytes(self) -> int:
        """Bytes of the records still referenced."""
        return sum(v[1] for v in self.tracks.values()) + sum(v[1] for v in self.derived.values()) + \
            sum(v[1] for v in self.texts.values())


MAX_STATE = 256 * 1024 * 1024
"""Largest ``state.json`` read, in bytes."""


def record_hash(data: bytes | memoryview) -> str:
    """The hash an index entry keeps of its record: SHA-256, which processors compute in hardware (a warm run
    checks every record it reuses), cut to 128 bits."""
    return hashlib.sha256(data).hexdigest()[:32]


def blob_id(data: bytes, like: str) -> str:
    """The git object id of a blob holding ``data``, in the hash ``like`` uses (SHA-1, or SHA-256)."""
    header = b"blob %d\0" % len(data)
    digest = hashlib.sha256 if len(like) == 64 else hashlib.sha1
    return digest(header + data).hexdigest()


class HistoryCache:
    """Reads and appends the cache in ``folder``; every method survives a missing or damaged cache.

    ``key`` signs the index; without one nothing is read or written.
    """

    def __init__(self, folder: Path, key: bytes | None) -> None:
        self.folder = folder
        self.key = key
        self._data: dict[str, bytes] = {}
        self._stamp: tuple | None = None
        """Identity of the ``state.json`` this run loaded, to notice another process saving meanwhile."""

    def load(self, key: str) -> State | None:
        """The previous run's state for ``key``, or ``None`` when there is none or it cannot be used."""
        if self.key is None:
            return None
        try:
            self._stamp = _stamp(self.folder / "state.json")
            data = read_file(self.folder / "state.json", MAX_STATE)
            if data is None or len(data) > MAX_STATE or not data.startswith(b"{"):
                return None
            mac, _, body = data.partition(b"\n")
            mac = json.loads(mac).get("mac", "")
            if not isinstance(mac, str) or not hmac.compare_digest(mac, self._mac(body)):
                return None  # not written by this user's runs: never trusted
            raw = json.loads(body)
            if raw.get("format") != FORMAT or raw.get("key") != key:
                return None
            state = State(key=key, head=raw["head"], next_id=int(raw["next_id"]), live=dict(raw["live"]),
                          tracks=dict(raw["tracks"]), derived=dict(raw["derived"]), texts=dict(raw["texts"]),
                          sizes={name: int(raw["sizes"][name]) for name in FILES})
            for name in FILES:
                path = self.folder / name
                if path.is_symlink() or (path.stat().st_size if path.exists() else 0) < state.sizes[name]:
                    return None
            if sum(state.sizes.values()) > GARBAGE_FACTOR * max(state.live_bytes(), 1 << 20):
                return None  # mostly dead records: start over
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return state

    def _mac(self, body: bytes) -> str:
        return hmac.new(self.key, b"mltrl-history-cache\0" + body, hashlib.sha256).hexdigest()

    def _bytes(self, name: str, state: State) -> bytes:
        data = self._data.get(name)
        if data is None:
            data = read_file(self.folder / name, state.sizes[name])
            if data is None or len(data) < state.sizes[name]:
                raise DamagedCache(f"{name} cannot be read")
            data = self._data[name] = data[:state.sizes[name]]
        return data

    def _slice(self, name: str, state: State, where: list) -> memoryview:
        """The record ``where`` (``[offset, length, ..., hash]``) points at, checked against its hash, as a view
        of the file's bytes (not a copy)."""
        offset, length, digest = where[0], where[1], where[-1]
        data = memoryview(self._bytes(name, state))[offset:offset + length]
        if len(data) != length or record_hash(data) != digest:
            raise DamagedCache(f"a record of {name} does not match its index")
        return data

    def record(self, name: str, state: State, where: list) -> object:
        """The JSON record that the index entry ``where`` points at in file ``name``."""
        return json.loads(bytes(self._slice(name, state, where)))

    def text(self, state: State, blob: str) -> str | None:
        """A prior card's text, if cached and still the content of ``blob``."""
        where = state.texts.get(blob)
        if where is None:
            return None
        data = self._bytes("texts.bin", state)[where[0]:where[0] + where[1]]
        if blob_id(data, blob) != blob:
            return None  # not the blob's content: read it from git again
        return data.decode("utf-8", "replace")

    def all_tracks(self, state: State) -> list[dict]:
        """Every live track record."""
        return [self.record("tracks.jsonl", state, where) for where in state.tracks.values()]

    def derived_records(self, state: State, slugs: list[str]) -> dict[str, tuple[memoryview, list]]:
        """The derived record of each of ``slugs``, checked against its hash: the record's JSON, not decoded (a
        view of the file's bytes), and its head, decoded (all heads in one go)."""
        if not slugs:
            return {}
        data = self._bytes("derived.jsonl", state)
        bodies: list[memoryview] = []
        parts: list[bytes | memoryview] = []
        for slug in slugs:
            where = state.derived[slug]
            record = self._slice("derived.jsonl", state, where)
            # JSON escapes every tab and line break inside a string: the last tab is the one before the head.
            cut = data.rfind(b"\t", where[0], where[0] + where[1]) - where[0]
            if cut < 0 or record[-1] != 10:
                raise DamagedCache("a record of derived.jsonl has no head")
            bodies.append(record[:cut])
            parts.append(b",")
            parts.append(record[cut + 1:-1])
        parts[0] = b"["
        parts.append(b"]")
        return dict(zip(slugs, zip(bodies, json.loads(b"".join(parts)))))

    def save(self, state: State, fresh: bool, tracks: dict[int, dict],
             derived: dict[str, tuple[str, dict, list]], texts: dict[str, bytes]) -> None:
        """Append new records (or write them alone when ``fresh``) and replace ``state.json``; never raises.

        Another process (a ``mkdocs serve`` next to a ``mltrl check``) may
        save at the same time: saving holds a lock, and an incremental save
        is dropped when the state on disk is no longer the one it started
        from, since its offsets would be wrong.
        """
        if self.key is None:
            return
        try:
            make_folder(self.folder)
            with _Lock(self.folder / "lock"):
                if not fresh and _stamp(self.folder / "state.json") != self._stamp:
                    return
                self._write(state, fresh, tracks, derived, texts)
        except OSError:
            pass  # a read-only checkout still gets its history, only slower next time

    def discard(self) -> None:
        """Forget the cache (its files are rewritten by the next save)."""
        try:
            with _Lock(self.folder / "lock"):
                (self.folder / "state.json").unlink(missing_ok=True)
        except OSError:
            pass
        self._data.clear()

    def _write(self, state: State, fresh: bool, tracks: dict[int, dict],
               derived: dict[str, tuple[str, dict, list]], texts: dict[str, bytes]) -> None:
        """Write the records and the new state (the caller holds the lock)."""
        if fresh:
            state.sizes = {name: 0 for name in FILES}
            state.tracks, state.derived, state.texts = {}, {}, {}
        handles = {}
        for name in FILES:
            handle = open_file(self.folder / name)
            # Bytes past the recorded size come from an interrupted run.
            handle.truncate(state.sizes[name])
            handle.seek(state.sizes[name])
            handles[name] = handle
        try:
            for name, index, records in (("tracks.jsonl", state.tracks, tracks),
                                         ("derived.jsonl", state.derived, derived)):
                offset = state.sizes[name]
                chunks = []
                for key, value in records.items():
                    if name == "derived.jsonl":
                        fingerprint, record, head = value
                        data = (_ENCODE(record) + "\t" + _ENCODE(head) + "\n").encode("utf-8")
                    else:
                        fingerprint, data = None, (_ENCODE(value) + "\n").encode("utf-8")
                    chunks.append(data)
                    index[str(key)] = [offset, len(data)] + ([fingerprint] if fingerprint is not None else []) \
                        + [record_hash(data)]
                    offset += len(data)
                if chunks:
                    self._append(handles, state, name, b"".join(chunks))
            offset = state.sizes["texts.bin"]
            for blob, data in texts.items():
                state.texts[blob] = [offset, len(data)]
                offset += len(data)
            if texts:
                self._append(handles, state, "texts.bin", b"".join(texts.values()))
        finally:
            for handle in handles.values():
                handle.close()
        body = json.dumps(state.to_json(), separators=(",", ":")).encode("utf-8")
        write_file(self.folder / "state.json", json.dumps({"mac": self._mac(body)}).encode("ascii") + b"\n" + body)

    @staticmethod
    def _append(handles: dict, state: State, name: str, data: bytes) -> int:
        """Write ``data`` at the end of file ``name``; return where it starts."""
        offset = state.sizes[name]
        handles[name].write(data)
        state.sizes[name] = offset + len(data)
        return offset


def _stamp(path: Path) -> tuple | None:
    """Modification time, size and inode of a file (``None`` when missing)."""
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


class _Lock:
    """An exclusive lock on a file, where the system has ``fcntl`` (elsewhere saving is unguarded)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle = None

    def __enter__(self) -> "_Lock":
        try:
            import fcntl
        except ImportError:
            return self
        self._handle = open_file(self.path)
        fcntl.flock(self._handle.fileno(), fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc) -> None:
        if self._handle is not None:
            self._handle.close()  # closing releases the lock
