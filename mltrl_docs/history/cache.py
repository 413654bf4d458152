"""The on-disk cache of history: mainline commits read so far and old front matter by blob id.

A blob id names content, so what was read from a blob never goes stale:
after one new commit only the blobs it added are read and parsed. The
commits already walked are kept too, so the next run asks git only for the
commits after the cached head (when that head is still on the mainline).

Layout, under ``<cache_dir>/history/``: ``state.json`` (format, key, head and
how many lines of each file are valid) and three append-only JSON Lines
files, ``commits.jsonl``, ``blobs.jsonl`` and ``texts.jsonl``. New entries
are appended and ``state.json`` is replaced last, so a run that stops half
way leaves a cache whose state still describes complete lines. Anything
unreadable makes the cache count as empty: it can cost time, never
correctness. The cache holds JSON only (never pickles): a cache planted in
a pull request could otherwise run code.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .gitio import Change, Commit

FORMAT = 1
FILES = ("commits", "blobs", "texts")


@dataclass
class CacheState:
    """What a previous run left."""

    head: str | None
    commits: list[Commit] = field(default_factory=list)
    """Mainline commits with relevant changes, oldest first."""
    blobs: dict[str, dict] = field(default_factory=dict)
    """Summaries by ``kind:blob`` (``c:`` cards, ``r:`` reviews)."""
    texts: dict[str, str] = field(default_factory=dict)
    """Full text of card versions kept as prior cards, by blob id."""
    counts: dict[str, int] = field(default_factory=dict)
    """Valid lines of each file."""
    sizes: dict[str, int] = field(default_factory=dict)
    """Valid bytes of each file."""


def encode_commit(commit: Commit) -> list:
    """Compact JSON form of a commit."""
    return [commit.sha, commit.parent, commit.date, commit.author, commit.subject,
            [[c.status, c.path, c.old_path, c.blob, c.regular] for c in commit.changes]]


def decode_commit(row: list) -> Commit:
    """Inverse of :func:`encode_commit`."""
    sha, parent, date, author, subject, changes = row
    return Commit(sha, parent, date, author, subject, [Change(*c) for c in changes])


class HistoryCache:
    """Reads and appends the cache in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load(self, key: str) -> CacheState | None:
        """The cached state for ``key``, or ``None`` when there is none or it cannot be used."""
        try:
            state = json.loads((self.folder / "state.json").read_text(encoding="utf-8"))
            if state.get("format") != FORMAT or state.get("key") != key:
                return None
            counts = {name: int(state["counts"][name]) for name in FILES}
            sizes = {name: int(state["sizes"][name]) for name in FILES}
            result = CacheState(head=state.get("head"), counts=counts, sizes=sizes)
            result.commits = [decode_commit(row) for row in self._rows("commits", counts, sizes)]
            result.blobs = {k: v for k, v in self._rows("blobs", counts, sizes)}
            result.texts = {k: v for k, v in self._rows("texts", counts, sizes)}
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return result

    def _rows(self, name: str, counts: dict[str, int], sizes: dict[str, int]) -> list:
        if counts[name] == 0:
            return []
        with (self.folder / f"{name}.jsonl").open("rb") as handle:
            data = handle.read(sizes[name])
        # Split bytes on newlines only: JSON escapes "\n" in strings, but not U+2028 and friends.
        lines = data.split(b"\n")
        if lines and not lines[-1]:
            lines.pop()
        if len(data) != sizes[name] or len(lines) != counts[name]:
            raise ValueError(f"{name}.jsonl does not match its state")
        return [json.loads(line) for line in lines]

    def save(self, key: str, head: str | None, previous: CacheState | None, commits: list[Commit],
             blobs: dict[str, dict], texts: dict[str, str], rewrite: bool) -> None:
        """Append ``commits``, ``blobs`` and ``texts`` (or write them alone when ``rewrite``); never raises."""
        rewrite = rewrite or previous is None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            counts = {n: 0 for n in FILES} if rewrite else dict(previous.counts)
            sizes = {n: 0 for n in FILES} if rewrite else dict(previous.sizes)
            entries = {
                "commits": [encode_commit(c) for c in commits],
                "blobs": [[k, v] for k, v in blobs.items()],
                "texts": [[k, v] for k, v in texts.items()],
            }
            for name in FILES:
                path = self.folder / f"{name}.jsonl"
                data = "".join(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"
                               for row in entries[name]).encode("utf-8")
                # Truncate first: lines past the recorded size come from an interrupted run.
                with path.open("r+b" if path.exists() else "wb") as handle:
                    handle.truncate(sizes[name])
                    handle.seek(sizes[name])
                    handle.write(data)
                counts[name] += len(entries[name])
                sizes[name] += len(data)
            state = {"format": FORMAT, "key": key, "head": head, "counts": counts, "sizes": sizes}
            temporary = self.folder / f"state.json.{os.getpid()}"
            temporary.write_text(json.dumps(state), encoding="utf-8")
            os.replace(temporary, self.folder / "state.json")
        except OSError:
            pass  # a read-only checkout still gets its history, only slower next time
