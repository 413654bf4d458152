"""What a public build may show of the history: only public technologies, and nothing that names internal ones.

The public site, its ``mltrl.json`` and the public bundle show the technologies
marked ``visibility: public``. Their cards are checked (``XR008``), but their
history also carries text nobody reviewed for publication: commit subjects
and earlier versions of the card. :func:`public_history` keeps the events of
the public technologies and withholds that text whenever it may describe
internal work:

- a commit subject is shown only when the commit changed nothing but files of
  published technologies, and the subject names no internal technology (by
  project ID, folder name or title); otherwise the event stays, with its date,
  levels, author and commit, and an empty message;
- an earlier card version is shown only when that version was itself marked
  ``visibility: public`` and names no internal technology;
- file paths of events and earlier cards outside the technology's current
  folder (from before a move) are dropped.

Events recorded on a public card (its ``history:`` list) and review records
are the public technology's own documents and are kept as they are.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from .frontmatter import parse_document
from .history.gitio import GitError, repo_info, run_git
from .history.model import PortfolioHistory, TechnologyHistory
from .loader import Portfolio
from .site.view import published_portfolio

_CHUNK = 200
"""Commits named on one ``git log --no-walk`` command line."""


_last: tuple[Portfolio, PortfolioHistory, "PublicHistory"] | None = None
"""The last reduction made, by identity of its inputs."""


@dataclasses.dataclass
class PublicHistory(PortfolioHistory):
    """A :class:`PortfolioHistory` reduced by :func:`public_history` (so it is never reduced twice)."""


def published_slugs(portfolio: Portfolio) -> set[str]:
    """Folder names of the technologies a public build shows: valid cards marked ``visibility: public``."""
    return set(published_portfolio(portfolio, public_only=True).technologies)


_WORD = re.compile(r"[A-Za-z0-9_][\w.-]*")
"""A word as project IDs and folder names are written: letters, digits, ``_``, ``.`` and ``-``."""


class InternalNames:
    """Finds the project IDs, folder names and titles of the technologies a public build leaves out.

    Matching is case-insensitive and by whole name: ``P1`` is not found in ``P10`` or ``P1.2``, and a
    title is found only between word edges. Names are looked up in a set, so the cost does not grow
    with the number of internal technologies.
    """

    def __init__(self, portfolio: Portfolio) -> None:
        public = published_slugs(portfolio)
        self.words: set[str] = set()
        """Names written as one word (IDs, folder names, one-word titles), lower-case."""
        self.phrases: list[re.Pattern] = []
        """Names of several words (most titles)."""
        seen: set[str] = set()
        for slug, tech in portfolio.technologies.items():
            if slug in public:
                continue
            names = [slug] + ([tech.model.id, tech.model.title] if tech.model is not None else [])
            for name in names:
                name = name.strip().lower()
                if not name or name in seen:
                    continue
                seen.add(name)
                if _WORD.fullmatch(name):
                    self.words.add(name)
                else:
                    self.phrases.append(re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])"))

    def found_in(self, text: str) -> bool:
        """Whether ``text`` names an internal technology."""
        lowered = text.lower()
        for word in _WORD.findall(lowered):
            if word in self.words or word.rstrip(".-") in self.words:
                return True
        return any(p.search(lowered) for p in self.phrases)


def _commit_paths(portfolio: Portfolio, commits: Iterable[str]) -> tuple[dict[str, list[str]], str] | None:
    """Paths each commit changed (relative to the repository's top), with the base folder's prefix.

    One ``git log --no-walk`` per :data:`_CHUNK` commits; ``None`` when git cannot tell, in which case
    every subject is withheld.
    """
    try:
        info = repo_info(portfolio.base_dir)
        if info is None:
            return None
        changed: dict[str, list[str]] = {}
        ordered = sorted(set(commits))
        for start in range(0, len(ordered), _CHUNK):
            result = run_git(info.toplevel, "log", "--no-walk=unsorted", "--diff-merges=first-parent",
                             "--no-renames", "--name-only", "-z", "--no-color", "--format=%x01%H",
                             *ordered[start:start + _CHUNK])
            for record in result.stdout.split(b"\x01")[1:]:
                sha, *paths = record.split(b"\0")
                changed[sha.decode("ascii").strip()] = [p.lstrip(b"\n").decode("utf-8", "surrogateescape")
                                                        for p in paths if p.strip(b"\n")]
        return changed, info.prefix
    except GitError:
        return None


def public_history(portfolio: Portfolio, history: PortfolioHistory) -> PublicHistory:
    """``history`` as a public build may show it (see the module's description).

    Findings (``diagnostics``) are kept whole: they are reported to whoever builds, never published
    except per public technology.
    """
    global _last
    if isinstance(history, PublicHistory):
        return history
    if _last is not None and _last[0] is portfolio and _last[1] is history:
        return _last[2]  # the site and its mltrl.json ask for the same build's history
    public = published_slugs(portfolio)
    kept = {slug: h for slug, h in history.projects.items() if slug in public}
    names = InternalNames(portfolio)
    commits = {e.commit for h in kept.values() for e in h.events if e.commit and e.source == "git" and e.message}
    found = _commit_paths(portfolio, commits) if commits else ({}, "")
    folders = tuple(f"{found[1]}{portfolio.technologies[slug].folder}/" for slug in public) if found else ()

    def shown(sha: str) -> bool:
        paths = found[0].get(sha) if found else None
        return paths is not None and all(p.startswith(folders) for p in paths)

    def safe(text: str) -> bool:
        return not names.found_in(text)

    projects: dict[str, TechnologyHistory] = {}
    for slug, tech_history in kept.items():
        folder = portfolio.technologies[slug].folder

        def own(path: str | None) -> str | None:
            # History follows a technology across moves, and across folders sharing its project ID: a path
            # elsewhere may be an internal folder's name.
            return path if path is None or path == folder or path.startswith(folder + "/") else None

        events = []
        for e in tech_history.events:
            message = e.message
            if e.source == "git" and message and not (shown(e.commit or "") and safe(message)):
                message = ""
            if (message, own(e.path), own(e.review)) != (e.message, e.path, e.review):
                e = dataclasses.replace(e, message=message, path=own(e.path), review=own(e.review))
            events.append(e)
        prior = [v if not v.path or own(v.path) else dataclasses.replace(v, path="")
                 for v in tech_history.prior_cards if _was_public(v.text) and safe(v.text)]
        projects[slug] = dataclasses.replace(tech_history, events=events, prior_cards=prior)
    result = PublicHistory(available=history.available, reason=history.reason, projects=projects,
                           diagnostics=list(history.diagnostics), now=history.now)
    _last = (portfolio, history, result)
    return result


def _was_public(card_text: str) -> bool:
    """Whether an old version of a card was itself marked ``visibility: public``."""
    meta = parse_document(card_text).meta
    return isinstance(meta, dict) and meta.get("visibility") == "public"
