"""What a public build may show of the history: only public technologies, and nothing that names internal ones.

The public site, its ``mltrl.json`` and the public bundle show the technologies
marked ``visibility: public``. Their cards are checked (``XR008``), but their
history also carries text nobody reviewed for publication: commit subjects
and earlier versions of the card. :func:`public_history` keeps the events of
the public technologies and withholds that text whenever it may describe
internal work:

- commit subjects are left out (the event stays, with its date, levels, author
  and commit, and an empty message), unless the ``public_commit_subjects``
  option is on; then a subject is shown only when the commit changed nothing
  but files of published technologies, and the subject names no internal
  technology (by project ID, folder name or title, see :class:`InternalNames`);
- an earlier card version is shown only when that version was itself marked
  ``visibility: public`` and names no internal technology;
- file paths of events and earlier cards outside the technology's current
  folder (from before a move) are dropped;
- a change of project ID is left out when the old ID names an internal
  technology (one that carries that ID now).

Events recorded on a public card (its ``history:`` list) and review records
are the public technology's own documents and are kept as they are.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable

from .errors import GitError
from .frontmatter import parse_document
from .gitio import repo_info, run_git
from .history.model import PortfolioHistory, TechnologyHistory
from .loader import Portfolio
from .models import Card

_CHUNK = 200
"""Commits named on one ``git log --no-walk`` command line."""


@dataclasses.dataclass
class PublicHistory(PortfolioHistory):
    """A :class:`PortfolioHistory` reduced by :func:`public_history` (so it is never reduced twice)."""


def is_published(card: Card | None) -> bool:
    """Whether a public build may show the technology of ``card``: a valid card, public, and no draft."""
    return card is not None and card.visibility == "public" and not card.draft


def published_portfolio(portfolio: Portfolio, public_only: bool) -> Portfolio:
    """The technologies a site shows: every one with a valid card, or only the public ones (drafts never)."""
    kept = {slug: tech for slug, tech in portfolio.technologies.items()
            if tech.model is not None and (not public_only or is_published(tech.model))}
    return Portfolio(base_dir=portfolio.base_dir, settings=portfolio.settings, technologies=kept)


def published_slugs(portfolio: Portfolio) -> set[str]:
    """Folder names of the technologies a public build shows: valid cards marked ``visibility: public``, not drafts."""
    return set(published_portfolio(portfolio, public_only=True).technologies)


SHORT = 3
"""Names shorter than this many letters and digits are looked for as whole words only (see :class:`InternalNames`)."""


def _folded(text: str) -> str:
    """``text`` in a form where case and compatibility characters no longer differ (``ＺＱＸ`` is ``zqx``)."""
    return unicodedata.normalize("NFKC", text).casefold()


def _squashed(text: str) -> str:
    """Only the letters and digits of ``text``, folded: every separator, space and punctuation mark gone."""
    return "".join(char for char in _folded(text) if char.isalnum())


class InternalNames:
    """Finds the project IDs, folder names and titles of the technologies a public build leaves out.

    A text names one when the name's letters and digits appear in a row among the text's letters and
    digits, whatever the case and whatever stands between them: ``ZQX77`` is found in
    ``a zqx77-style sampler``, ``secret-falcon`` in ``secret_falcon-v2``, ``Quiet Otter Array`` in
    ``quiet-otter-array-based``. Names of fewer than :data:`SHORT` letters and digits would be
    found in nearly any text that way, so they must stand as a whole word. The test errs on the
    side of withholding: a text that merely contains a name's letters is withheld too.
    """

    def __init__(self, portfolio: Portfolio) -> None:
        public = published_slugs(portfolio)
        self.long: set[str] = set()
        """Squashed names of :data:`SHORT` letters and digits or more."""
        self.short: set[str] = set()
        """Short names, as whole words (folded)."""
        for slug, tech in portfolio.technologies.items():
            if slug in public:
                continue
            for name in [slug] + ([tech.model.id, tech.model.title] if tech.model is not None else []):
                squashed = _squashed(name)
                if len(squashed) >= SHORT:
                    self.long.add(squashed)
                elif squashed:
                    self.short.update(_WORDS.findall(_folded(name)) or [squashed])

    def found_in(self, text: str) -> bool:
        """Whether ``text`` names an internal technology."""
        if self.short and any(word in self.short for word in _WORDS.findall(_folded(text))):
            return True
        squashed = _squashed(text)
        return any(name in squashed for name in self.long)


_WORDS = re.compile(r"[^\W_]+")
"""Runs of letters and digits."""


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
    if isinstance(history, PublicHistory):
        return history
    public = published_slugs(portfolio)
    kept = {slug: h for slug, h in history.projects.items() if slug in public}
    names = InternalNames(portfolio)
    subjects = portfolio.settings.public_commit_subjects
    commits = {e.commit for h in kept.values() for e in h.events if e.commit and e.source == "git" and e.message}
    found = _commit_paths(portfolio, commits) if commits and subjects else None
    folders = tuple(f"{found[1]}{portfolio.technologies[slug].folder}/" for slug in public) if found else ()

    def shown(sha: str) -> bool:
        if not subjects:
            return False
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
            if e.kind == "id" and e.from_id is not None and not safe(e.from_id):
                continue  # the old ID is now the name of an internal technology
            message = e.message
            if e.source == "git" and message and not (shown(e.commit or "") and safe(message)):
                message = ""
            if (message, own(e.path), own(e.review)) != (e.message, e.path, e.review):
                e = dataclasses.replace(e, message=message, path=own(e.path), review=own(e.review))
            events.append(e)
        prior = [v if not v.path or own(v.path) else dataclasses.replace(v, path="")
                 for v in tech_history.prior_cards if _was_public(v.text) and safe(v.text)]
        projects[slug] = dataclasses.replace(tech_history, events=events, prior_cards=prior)
    return PublicHistory(available=history.available, reason=history.reason, projects=projects,
                         diagnostics=list(history.diagnostics), now=history.now)


def _was_public(card_text: str) -> bool:
    """Whether an old version of a card was itself marked ``visibility: public``."""
    meta = parse_document(card_text).meta
    return isinstance(meta, dict) and meta.get("visibility") == "public"
