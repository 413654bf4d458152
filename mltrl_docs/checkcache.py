"""Each technology's rule findings and readiness kept between runs, so a run checks again only what changed.

Applying the rules to a technology (its card's sections, its requirements, the rules of its level
and of the next) costs far more than reading it. What those rules find depends on nothing but the
technology's documents, the settings, the ethics checklist and the code of the rules, so an entry
is keyed by all of them: the path and exact bytes of each of its documents, the settings as
validated, the checklist as parsed, and a hash of the package's own source and of the versions of
Python and of the libraries it reads with. Change any of them and the technology is checked anew.
The rules across technologies (``XR…``) are not kept: they are cheap, and they depend on every
card at once.

The cache is one file in the cache folder (:mod:`mltrl_docs.cachedir`), signed with the user's key
(:mod:`mltrl_docs.cachekey`) like the document cache, and ignored unless it verifies: a planted
cache could otherwise hide a finding. It holds JSON only.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .cachedir import SignedEntries
from .cachekey import load_or_create_key, user_key_file
from .codeid import code_digest
from .config import Settings
from .diagnostics import Diagnostic
from .loader import Portfolio, Technology
from .rules import Miss, Readiness, Rule, RuleResult

FORMAT = b"mltrl-check-cache-1"
"""Changes whenever the layout of an entry changes."""
FILE_NAME = "checks.cache"
MAX_FILE = 256 * 1024 * 1024


def context_digest(kind: bytes, settings: Settings, *more: bytes) -> bytes:
    """What every entry of a cache of ``kind`` depends on besides its own key: the code (:func:`code_digest`),
    the settings as validated, and ``more``."""
    options = json.dumps(settings.model_dump(mode="json"), sort_keys=True, default=str)
    return hashlib.blake2b(b"\0".join([kind, code_digest(), options.encode(), *more]), digest_size=20).digest()


@dataclass
class Checked:
    """What the rules that read one technology alone found in it."""

    findings: list[Diagnostic]
    """Its findings before the configuration settles them (:func:`mltrl_docs.rules.technology_findings`)."""
    readiness: Readiness | None
    """Its readiness (:func:`mltrl_docs.rules.readiness`), ``None`` without a valid card."""


def _miss_rows(results: list[RuleResult]) -> list:
    return [[r.rule.code, [[m.path, m.line, m.column, m.message, m.hint] for m in r.misses]] for r in results]


def _results(rows: list, rules: dict[str, Rule]) -> list[RuleResult]:
    return [RuleResult(rules[code], [Miss(path, int(line), int(column), str(message), str(hint))
                                     for path, line, column, message, hint in misses])
            for code, misses in rows]


class CheckCache(SignedEntries):
    """Each technology's :class:`Checked`, by the technology's documents and what the rules depend on, in one
    signed file."""

    FORMAT = FORMAT
    MAX_FILE = MAX_FILE

    def __init__(self, file: Path | None, key: bytes | None, portfolio: Portfolio) -> None:
        super().__init__(file, key)
        self.portfolio = portfolio
        self._context = context_digest(FORMAT, portfolio.settings, repr(portfolio.checklist).encode())
        self._load()

    @classmethod
    def for_folder(cls, folder: Path, portfolio: Portfolio) -> CheckCache:
        """The cache of ``portfolio``'s checks kept in ``folder`` (created on save), signed with the user's key."""
        return cls(folder / FILE_NAME, load_or_create_key(user_key_file()), portfolio)

    def key_of(self, tech: Technology) -> str | None:
        """What ``tech``'s entry is filed under, or ``None`` when it cannot be kept (a document it could not read)."""
        if tech.checklist is not self.portfolio.checklist:
            return None
        digest = hashlib.blake2b(self._context, digest_size=20)
        digest.update(f"{tech.slug}\0{tech.root}\0{tech.folder}\0".encode())
        for doc in tech.documents:
            if doc.digest is None:
                return None
            digest.update(f"{doc.kind}\0{doc.path}\0{doc.digest}\0".encode())
        return digest.hexdigest()

    def get(self, tech: Technology, rules: list[Rule]) -> Checked | None:
        """What the rules found in ``tech`` when its documents were last checked as they are, or ``None``."""
        key = self.key_of(tech)
        entry = self._entry(key) if key is not None else None
        if entry is None:
            self.misses += 1
            return None
        try:
            findings, ready = entry
            found = [Diagnostic.from_row(row) for row in findings]
            readiness = None
            if ready is not None:
                by_code = {rule.code: rule for rule in rules}
                level, current, upcoming = ready
                readiness = Readiness(int(level), _results(current, by_code), _results(upcoming, by_code))
        except (ValueError, TypeError, KeyError):
            self.misses += 1
            return None
        self._keep(key)
        self.hits += 1
        return Checked(found, readiness)

    def put(self, tech: Technology, checked: Checked) -> None:
        """Remember what the rules found in ``tech``."""
        key = self.key_of(tech)
        if self.file is None or key is None:
            return
        ready = checked.readiness
        self._store(key, [
            [d.to_row() for d in checked.findings],
            None if ready is None else [ready.level, _miss_rows(ready.current), _miss_rows(ready.next)],
        ])
