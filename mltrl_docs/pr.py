"""``mltrl check --base REF``: what a change does to each technology's maturity.

The working tree is compared with the content of REF (a branch, tag or commit),
read straight from git with one ``git ls-tree`` and one ``git cat-file --batch``
process, never a checkout and never one process per file. Both sides go through
the same loader and rules, with the working tree's configuration, so tightening
a rule in ``mkdocs.yml`` does not by itself make every pull request fail.

The check is a ratchet: only error findings that are new relative to REF fail
it, so an organisation adopting the tool with incomplete cards can still merge
improvements; ``--strict`` fails on every error finding.
"""

from __future__ import annotations

import argparse
import os
import posixpath
import re
import secrets
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from .config import Settings
from .diagnostics import Diagnostic, Severity, printable, sort_diagnostics, summarise
from .history.derive import is_embedded, level_kind
from .errors import GitError
from .history.gitio import CatFile, repo_info, run_git
from .history.model import PortfolioHistory
from .cachedir import CacheLocation
from .loader import CARD, REVIEWS, Portfolio, Refused, Technology, load_portfolio_cached, load_portfolio_from_files
from .models import LEVEL_NAMES
from .report import format_github, format_json, format_text, line_path
from .rules import Readiness, Rule, check_portfolio, readiness

STEP_SUMMARY_LIMIT = 1024 * 1024
"""GitHub refuses a job step summary larger than 1 MiB (the step then shows an error instead)."""
COMMENT_LIMIT = 65_536
"""GitHub refuses an issue or pull-request comment longer than this many characters."""
COMMENT_MARGIN = 1_000
"""Room left in a comment for what a workflow adds around the report (e.g. a marker line)."""
OPEN_ROWS = 20
"""Tables longer than this are folded in ``<details>`` so the summary stays readable."""
CELL_LIMIT = 300
"""Card-derived text longer than this is shortened in the Markdown report."""

PR_RULES: tuple[Rule, ...] = (
    Rule("PR001", "A change raises a technology's level by one at a time; levels are never skipped."),
    Rule("PR002", "A level change comes with a review record that decides it, in the change or already on "
                  "the base (severity: the 'require_review_for_graduation' option).", severity=Severity.WARNING),
)
"""Rules that only a comparison with a base revision can check (``mltrl check --base``)."""

ChangeKind = Literal["graduation", "switchback", "skip"]
SwitchbackKind = Literal["embedded", "review", "discovery"]


# --- reading REF from git -----------------------------------------------------------------------------


def resolve_commit(base_dir: Path, ref: str) -> str:
    """The commit hash REF names, seen from ``base_dir``; raise :class:`GitError` with the fix when it cannot."""
    if not ref or ref.startswith("-"):
        raise GitError(f"'{ref}' is not a git revision")
    info = repo_info(base_dir)
    if info is None:
        raise GitError(f"--base needs a git repository, and {base_dir} is not inside one")
    found = run_git(base_dir, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}",
                    check=False)
    if found.returncode == 0:
        return found.stdout.decode().strip()
    hints = []
    if info.shallow:
        hints.append("this is a shallow clone: fetch the whole history (actions/checkout with "
                     "'fetch-depth: 0', or 'git fetch --unshallow')")
    remote, slash, branch = ref.partition("/")
    if slash and branch:
        hints.append(f"if it is a remote branch, fetch it first: git fetch {remote} {branch}")
    hint = "; ".join(hints) or "check the spelling, or use a commit hash"
    raise GitError(f"git revision '{ref}' was not found ({hint})")


def _is_document(rel: str, roots: list[str]) -> bool:
    """Whether the loader would read ``rel``: ``<root>/<slug>/*.md`` or ``<root>/<slug>/reviews/*.md``."""
    for root in roots:
        prefix = root + "/"
        if rel.startswith(prefix):
            parts = rel[len(prefix):].split("/")
            if not rel.endswith(".md"):
                return False
            return len(parts) == 2 or (len(parts) == 3 and parts[1] == REVIEWS)
    return False


def read_tree(base_dir: Path, commit: str, roots: Iterable[str]) -> dict[str, bytes | Refused | None]:
    """The files under ``roots`` at ``commit``, relative to ``base_dir``, for the in-memory loader.

    One ``git ls-tree`` lists the tree and one ``git cat-file --batch`` process reads every
    document (and a second one the files that linked documents lead to, if any). Documents get their contents; other files an empty placeholder (they only
    tell which folders exist). A symbolic link gets its target's contents when the target
    is a document of the same snapshot in the link's own technology folder, and otherwise
    the :class:`~mltrl_docs.loader.Refused` reason the loader reports, as it does on disk.
    """
    roots = [posixpath.normpath(r) for r in roots]
    info = repo_info(base_dir)
    if info is None:
        raise GitError(f"--base needs a git repository, and {base_dir} is not inside one")
    prefix = info.prefix
    listing = run_git(base_dir, "--literal-pathspecs", "ls-tree", "-r", "-z", "--full-tree", commit, "--",
                      *(prefix + r for r in roots))
    regular: dict[str, str] = {}
    """Every regular file under the roots: path -> blob."""
    links: dict[str, str] = {}
    """Every symbolic link under the roots: path -> blob holding its target."""
    files: dict[str, bytes | Refused | None] = {}
    for entry in listing.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        mode, kind, oid = meta.decode().split()
        path = raw_path.decode("utf-8", "surrogateescape")
        if kind != "blob" or not path.startswith(prefix):
            continue  # submodules are not files
        rel = path[len(prefix):]
        files[rel] = b""
        (links if mode == "120000" else regular)[rel] = oid
    documents = {rel: oid for rel, oid in regular.items() if _is_document(rel, roots)}
    blobs = _read_blobs(base_dir, set(documents.values()) | set(links.values()))
    for rel, oid in documents.items():
        files[rel] = blobs.get(oid) or b""
    targets = {rel: _follow_link(rel, links, regular, blobs, roots) for rel in links if _is_document(rel, roots)}
    more = _read_blobs(base_dir, {regular[t] for t in targets.values() if isinstance(t, str)} - set(blobs))
    blobs.update(more)
    for rel, target in targets.items():
        files[rel] = target if isinstance(target, Refused) else blobs.get(regular[target]) or b""
    return files


def _read_blobs(base_dir: Path, oids: set[str]) -> dict[str, bytes | None]:
    """The contents of ``oids``, read through one ``git cat-file --batch`` process."""
    blobs: dict[str, bytes | None] = {}
    if not oids:
        return blobs
    cat = CatFile(base_dir, blobs.__setitem__)
    try:
        for oid in sorted(oids):
            cat.request(oid)
        cat.flush()
    finally:
        cat.close()
    return blobs


def _follow_link(rel: str, links: dict[str, str], regular: dict[str, str],
                 blobs: dict[str, bytes | None], roots: list[str]) -> str | Refused:
    """The file the link at ``rel`` leads to, judged as on disk: one of its own technology's folder, or refused."""
    own = next((f"{root}/{rel[len(root) + 1:].split('/', 1)[0]}/" for root in roots if rel.startswith(root + "/")),
               "")
    seen = set()
    while rel not in seen:
        seen.add(rel)
        target = (blobs.get(links[rel]) or b"").decode("utf-8", "surrogateescape")
        if not target or target.startswith("/"):
            return Refused.OUTSIDE_REPOSITORY
        rel = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
        if rel.startswith("../") or rel == "..":
            return Refused.OUTSIDE_REPOSITORY
        if not rel.startswith(own):
            return Refused.OUTSIDE_TECHNOLOGY
        if rel in regular:
            return rel
        if rel not in links:
            return Refused.OUTSIDE_REPOSITORY  # leads to no file of the snapshot
    return Refused.LOOP


def change_commits(base_dir: Path, commit: str) -> set[str]:
    """Commits in the working tree's history that REF lacks: the change's own commits."""
    listed = run_git(base_dir, "rev-list", f"{commit}..HEAD", check=False)
    return set(listed.stdout.decode().split()) if listed.returncode == 0 else set()


def history_findings(after: Portfolio, commits: set[str]) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """History findings of the working tree, and those it had before the change's commits.

    The second list is recomputed on the same history with the change's level events left
    out, so findings about older commits match and count as old. Skips and ungated
    graduations made by the change itself are left out of both: ``PR001`` and ``PR002``
    judge the change as a whole, which is what the mainline's history shows once it is
    merged (history follows first parents).
    """
    from .history import findings, load_history

    history = load_history(after)
    current = [d for d in history.diagnostics if d.code != "HIS007"]
    if not history.available or not commits:
        return current, current
    trimmed = PortfolioHistory(history.available, history.reason, now=history.now, projects={
        slug: replace(th, events=[e for e in th.events if e.commit not in commits])
        for slug, th in history.projects.items()})
    repository = [d for d in current if d.path == "."]
    before = repository + findings(after, trimmed)
    known = Counter(finding_key(d) for d in before)
    superseded = {"HIS001", "HIS003"}
    current = [d for d in current if d.code not in superseded or known[finding_key(d)] > 0]
    return current, before


# --- the comparison -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRef:
    """A review record that decides a level change."""

    path: str
    """Path of the record, relative to the base folder."""
    in_change: bool
    """True when the change adds or edits it; False when it was already on the base."""


@dataclass(frozen=True)
class LevelChange:
    """A technology's level moved between the base and the working tree."""

    from_level: int
    """Level on the base."""
    to_level: int
    """Level in the working tree."""
    kind: ChangeKind
    """``graduation`` (up one), ``switchback`` (down) or ``skip`` (up by more than one)."""
    switchback_kind: SwitchbackKind | None
    """MLTRL's kind of a switchback (``None`` for moves up)."""
    review: ReviewRef | None
    """The review record that decides it, if there is one."""


@dataclass
class TechnologyDelta:
    """What a change does to one technology."""

    slug: str
    """Folder name (in the working tree when the technology exists there)."""
    folder: str
    """Folder relative to the base folder."""
    project_id: str | None
    """Project ID from the card, when it is valid."""
    title: str | None
    """Title from the card, when it is valid."""
    state: Literal["new", "removed", "moved", "changed"]
    """What the change does to the technology as a whole."""
    before: Technology | None
    """The technology as on the base (``None`` when new)."""
    after: Technology | None
    """The technology in the working tree (``None`` when removed)."""
    moved_from: str | None = None
    """Folder on the base, when the technology was moved or renamed."""
    level_change: LevelChange | None = None
    """How the level moved, if it did."""
    readiness_before: Readiness | None = None
    """Readiness on the base."""
    readiness_after: Readiness | None = None
    """Readiness in the working tree."""

    @property
    def level_before(self) -> int | None:
        """Level on the base (``None`` when new or unreadable)."""
        return self.before.model.level if self.before and self.before.model else None

    @property
    def level_after(self) -> int | None:
        """Level in the working tree (``None`` when removed or unreadable)."""
        return self.after.model.level if self.after and self.after.model else None

    @property
    def status_before(self) -> str | None:
        """Status on the base."""
        return self.before.model.status if self.before and self.before.model else None

    @property
    def status_after(self) -> str | None:
        """Status in the working tree."""
        return self.after.model.status if self.after and self.after.model else None


@dataclass
class Comparison:
    """Everything ``check --base`` reports."""

    ref: str
    """The revision as the user named it, e.g. ``origin/main``."""
    commit: str
    """The commit it resolved to."""
    technologies: list[TechnologyDelta] = field(default_factory=list)
    """Technologies the change touches: new, removed, moved, or with changed documents or findings."""
    new: list[Diagnostic] = field(default_factory=list)
    """Findings in the working tree that the base did not have."""
    fixed: list[Diagnostic] = field(default_factory=list)
    """Findings of the base that the working tree no longer has (positions as on the base)."""
    old: list[Diagnostic] = field(default_factory=list)
    """Findings present on both sides."""

    @property
    def current(self) -> list[Diagnostic]:
        """Every finding of the working tree."""
        return sort_diagnostics(self.new + self.old)

    @property
    def level_changes(self) -> list[TechnologyDelta]:
        """Technologies whose level moved."""
        return [t for t in self.technologies if t.level_change]

    def new_errors(self) -> list[Diagnostic]:
        """New findings at error severity: these fail the check."""
        return [d for d in self.new if d.severity == Severity.ERROR]

    def failed(self, strict: bool) -> bool:
        """Whether the check fails: new errors, or with ``strict`` any error."""
        pool = self.current if strict else self.new
        return any(d.severity == Severity.ERROR for d in pool)


_LEVEL_PREFIX = re.compile(r"^level \d: ")


def finding_key(diag: Diagnostic, moves: dict[str, str] | None = None) -> tuple[str, str, str]:
    """The identity used to match findings across revisions: :meth:`Diagnostic.fingerprint`, normalised.

    Level rules start their message with the card's level, which is exactly what a
    level change changes; that prefix is dropped so a finding that survives a
    graduation stays old. ``moves`` maps base folders to their new place.
    """
    path, code, message = diag.fingerprint()
    for old, new in (moves or {}).items():
        old, new = printable(old), printable(new)  # as the finding shows its path
        if path.startswith(old + "/"):
            path = new + path[len(old):]
            break
    return path, code, _LEVEL_PREFIX.sub("", message)


def switchback_kind(from_level: int, to_level: int, decided_by_review: bool) -> SwitchbackKind:
    """MLTRL's kind of a switchback: ``embedded`` (4->2, 9->4, 9->7 or lower), ``review`` or ``discovery``."""
    if is_embedded(from_level, to_level):
        return "embedded"
    return "review" if decided_by_review else "discovery"


def _documents(tech: Technology | None) -> dict[str, str]:
    return {d.path: d.parsed.text for d in tech.documents} if tech else {}


def deciding_review(before: Technology | None, after: Technology, from_level: int, to_level: int) -> ReviewRef | None:
    """The review record in the working tree that decides ``from_level -> to_level``, if any.

    A record added or edited by the change wins over one already on the base; among
    equals the latest date wins.
    """
    if to_level > from_level + 1:
        return None  # no review can decide a skip
    decision = "graduate" if to_level > from_level else "switchback"
    on_base = _documents(before)
    found = []
    for doc in after.reviews:
        review = doc.model
        if review is None or review.level != from_level or review.decision != decision:
            continue
        if review.target != to_level:
            continue
        in_change = on_base.get(doc.path) != doc.parsed.text
        found.append((in_change, review.date, doc.path))
    if not found:
        return None
    in_change, _, path = max(found)
    return ReviewRef(path, in_change)


def _match(before: Portfolio, after: Portfolio) -> list[tuple[Technology | None, Technology | None]]:
    """Pairs of the same technology on both sides: by folder name, then by project ID for moved folders."""
    pairs = []
    unmatched_before = dict(before.technologies)
    unmatched_after = {}
    for slug, tech in after.technologies.items():
        if slug in unmatched_before:
            pairs.append((unmatched_before.pop(slug), tech))
        else:
            unmatched_after[slug] = tech
    by_id = {t.model.id: t for t in unmatched_before.values() if t.model}
    for slug, tech in unmatched_after.items():
        old = by_id.pop(tech.model.id, None) if tech.model else None
        if old is not None:
            del unmatched_before[old.slug]
        pairs.append((old, tech))
    pairs.extend((tech, None) for tech in unmatched_before.values())
    return pairs


def _level_change(before: Technology | None, after: Technology | None) -> LevelChange | None:
    if not (before and after and before.model and after.model) or before.model.level == after.model.level:
        return None
    a, b = before.model.level, after.model.level
    review = deciding_review(before, after, a, b)
    kind = level_kind(a, b)
    return LevelChange(a, b, kind, switchback_kind(a, b, review is not None) if kind == "switchback" else None,
                       review)


def pr_rules(settings: Settings) -> list[Rule]:
    """The pull-request rules in force, with configured severities; rules turned off are left out.

    ``PR002`` follows the ``require_review_for_graduation`` option, like the history's own
    finding for a graduation without a review; an entry under ``rules`` overrides either.
    """
    out = []
    for rule in PR_RULES:
        severity = rule.severity
        if rule.code == "PR002":
            if settings.require_review_for_graduation == "off":
                continue
            severity = Severity(settings.require_review_for_graduation)
        override = settings.rules.get(rule.code)
        if override is not None and override.severity == "off":
            continue
        if override is not None and override.severity is not None:
            severity = Severity(override.severity)
        out.append(replace(rule, severity=severity))
    return out


def level_change_findings(delta: TechnologyDelta, portfolio: Portfolio) -> list[Diagnostic]:
    """Findings about a level change itself: a skipped level, or no review record deciding it."""
    change, tech = delta.level_change, delta.after
    if change is None or tech is None or tech.card is None:
        return []
    rules = {r.code: r for r in pr_rules(portfolio.settings)}
    pos = tech.card.parsed.position(("level",))
    out = []
    a, b = change.from_level, change.to_level
    if change.kind == "skip" and "PR001" in rules:
        out.append(Diagnostic(tech.card.path, pos.line, pos.column, rules["PR001"].severity, "PR001",
                              f"level raised from {a} to {b}, skipping level {a + 1}",
                              f"once work has started no level is skipped: set 'level: {a + 1}' and "
                              f"graduate one level at a time, each decided by a review record", tech.slug))
    elif change.kind != "skip" and change.review is None and "PR002" in rules:
        decision = "graduate" if b > a else f"switchback' and 'to_level: {b}"
        out.append(Diagnostic(tech.card.path, pos.line, pos.column, rules["PR002"].severity, "PR002",
                              f"level changed from {a} to {b} without a review record that decides it",
                              f"add {tech.folder}/{REVIEWS}/YYYY-MM-DD-level-{a}.md with 'level: {a}' and "
                              f"'decision: {decision}' to this change", tech.slug))
    return out


def compare(before: Portfolio, after: Portfolio, ref: str, commit: str,
            in_scope: Callable[[str], bool] | None = None,
            history: tuple[list[Diagnostic], list[Diagnostic]] = ([], [])) -> Comparison:
    """Compare the base's portfolio with the working tree's.

    ``in_scope``, when given, keeps only findings and technologies whose paths it accepts
    (``mltrl check --base REF PATH...``). ``history`` holds the history findings of the
    working tree and of the base (see :func:`history_findings`).
    """
    keep = in_scope or (lambda path: True)
    result = Comparison(ref, commit)
    moves: dict[str, str] = {}
    deltas = []
    for old, new in _match(before, after):
        tech = new or old
        delta = TechnologyDelta(tech.slug, tech.folder, tech.model.id if tech.model else None,
                                tech.model.title if tech.model else None,
                                "new" if old is None else "removed" if new is None else "changed", old, new)
        if old is not None and new is not None and old.folder != new.folder:
            delta.state, delta.moved_from = "moved", old.folder
            moves[old.folder] = new.folder
        delta.level_change = _level_change(old, new)
        delta.readiness_before = readiness(old, before.settings) if old else None
        delta.readiness_after = readiness(new, after.settings) if new else None
        deltas.append(delta)
    head = check_portfolio(after) + list(history[0])
    for delta in deltas:
        head.extend(level_change_findings(delta, after))
    head = [d for d in sort_diagnostics(head) if keep(d.path)]
    base = [d for d in sort_diagnostics(check_portfolio(before) + list(history[1])) if keep(d.path)]
    remaining = Counter(finding_key(d, moves) for d in base)
    for diag in head:
        key = finding_key(diag)
        if remaining[key] > 0:
            remaining[key] -= 1
            result.old.append(diag)
        else:
            result.new.append(diag)
    unmatched = Counter(finding_key(d) for d in result.old)
    for diag in base:
        key = finding_key(diag, moves)
        if unmatched[key] > 0:
            unmatched[key] -= 1
        else:
            result.fixed.append(diag)
    touched = {d.path for d in result.new + result.fixed}
    for delta in deltas:
        if not keep(delta.folder + "/" + CARD) and not keep(delta.folder):
            continue
        docs_changed = _documents(delta.before) != _documents(delta.after)
        # Escaped as the findings show their paths (diagnostics.printable).
        folders = {printable(f) for f in (delta.folder, delta.moved_from) if f is not None}
        if (delta.state != "changed" or docs_changed or delta.level_change
                or any(p.startswith(f + "/") for p in touched for f in folders)):
            result.technologies.append(delta)
    result.technologies.sort(key=lambda t: t.folder)
    return result


def compare_with_ref(base_dir: Path, settings: Settings, ref: str, in_scope: Callable[[str], bool] | None = None,
                     cache: CacheLocation | None = None) -> Comparison:
    """Load the working tree and REF, and compare them; raise :class:`GitError` when REF cannot be read."""
    commit = resolve_commit(base_dir, ref)
    files = read_tree(base_dir, commit, settings.roots)
    before = load_portfolio_from_files(base_dir, settings, files)
    after = load_portfolio_cached(base_dir, settings, cache)
    return compare(before, after, ref, commit, in_scope, history_findings(after, change_commits(base_dir, commit)))


# --- text, JSON and GitHub output ---------------------------------------------------------------------


def _name(delta: TechnologyDelta) -> str:
    label = line_path(delta.folder)  # starts a line of the report
    if delta.project_id:
        label += f" ({delta.project_id})"
    return label


def _readiness_text(r: Readiness | None) -> str:
    if r is None:
        return "no valid card"
    text = f"level {r.level}, {r.met}/{r.total} rules met"
    missing = [x.rule.code for x in r.current if not x.met]
    if missing:
        text += " (missing " + ", ".join(missing) + ")"
    return text


def _review_text(change: LevelChange, ref: str) -> str:
    if change.kind == "skip":
        return "no review record can decide a skipped level"
    if change.review is None:
        return "no review record decides it"
    where = "added in this change" if change.review.in_change else f"already on {ref}"
    return f"decided by {change.review.path} ({where})"


def _kind_text(change: LevelChange) -> str:
    if change.switchback_kind:
        return f"{change.kind} ({change.switchback_kind})"
    return change.kind


def format_report_text(comparison: Comparison, strict: bool) -> str:
    """The human-readable report of ``check --base`` (``text`` format, and the log on GitHub)."""
    c = comparison
    lines = [f"Compared with {c.ref} ({c.commit[:12]}): {len(c.technologies)} technolog"
             f"{'y' if len(c.technologies) == 1 else 'ies'} touched by the change."]
    changes = c.level_changes
    if changes:
        lines.append("Level changes:")
        for t in changes:
            ch = t.level_change
            lines.append(f"  {_name(t)}: {ch.from_level} -> {ch.to_level}, {_kind_text(ch)}; {_review_text(ch, c.ref)}")
    status = [t for t in c.technologies if t.before and t.after and t.status_before and t.status_after
              and t.status_before != t.status_after]
    if status:
        lines.append("Status changes:")
        lines.extend(f"  {_name(t)}: {t.status_before} -> {t.status_after}" for t in status)
    for state, label in (("new", "New technologies"), ("removed", "Removed technologies"),
                         ("moved", "Moved technologies")):
        group = [t for t in c.technologies if t.state == state]
        if group:
            lines.append(f"{label}:")
            for t in group:
                level = t.level_after if state != "removed" else t.level_before
                where = f" from {t.moved_from}" if t.moved_from else ""
                lines.append(f"  {_name(t)}{where}" + (f" at level {level}" if level is not None else ""))
    ready = [t for t in c.technologies if t.readiness_before or t.readiness_after]
    if ready:
        lines.append("Readiness before -> after:")
        for t in ready:
            lines.append(f"  {_name(t)}: {_readiness_text(t.readiness_before) if t.before else 'new'} -> "
                         f"{_readiness_text(t.readiness_after) if t.after else 'removed'}")
    # Folders, review file names and the ref are the change's own text: one printable line each.
    out = "\n".join(printable(line) for line in lines) + "\n"
    if c.new:
        out += f"New findings ({len(c.new)}):\n" + format_text(c.new)
    else:
        out += "No new findings.\n"
    if c.fixed:
        out += f"Fixed by this change ({len(c.fixed)}, positions as on {c.ref}):\n" + format_text(c.fixed)
    if c.old:
        errors = sum(d.severity == Severity.ERROR for d in c.old)
        note = "they fail the check (--strict)" if strict else "they do not fail the check (--strict would)"
        out += (f"Already on {c.ref} ({len(c.old)}, {errors} error(s); {note}):\n" + format_text(c.old))
    out += _verdict(c, strict) + "\n"
    return out


def _verdict(c: Comparison, strict: bool) -> str:
    if strict:
        errors = sum(d.severity == Severity.ERROR for d in c.current)
        return f"Failed: {errors} error finding(s) (--strict)." if errors else "Passed: no error findings (--strict)."
    new_errors = len(c.new_errors())
    if new_errors:
        return f"Failed: {new_errors} new error finding(s) relative to {c.ref}."
    return f"Passed: no new error findings relative to {c.ref}."


def _delta_dict(t: TechnologyDelta) -> dict:
    ch = t.level_change
    return {
        "slug": t.slug, "folder": t.folder, "id": t.project_id, "title": t.title, "state": t.state,
        "moved_from": t.moved_from, "level_before": t.level_before, "level_after": t.level_after,
        "status_before": t.status_before, "status_after": t.status_after,
        "level_change": None if ch is None else {
            "from_level": ch.from_level, "to_level": ch.to_level, "kind": ch.kind,
            "switchback_kind": ch.switchback_kind,
            "review": None if ch.review is None else {"path": ch.review.path, "in_change": ch.review.in_change}},
        "readiness_before": t.readiness_before.to_dict() if t.readiness_before else None,
        "readiness_after": t.readiness_after.to_dict() if t.readiness_after else None,
    }


def format_report_json(comparison: Comparison, strict: bool) -> str:
    """``check --base --format json``: the ``check`` document plus the comparison."""
    c = comparison
    return format_json(c.current, extra={
        "base": {"ref": c.ref, "commit": c.commit},
        "technologies": [_delta_dict(t) for t in c.technologies],
        "new": [d.to_dict() for d in c.new],
        "fixed": [d.to_dict() for d in c.fixed],
        "result": {"strict": strict, "failed": c.failed(strict), "new_errors": len(c.new_errors()),
                   "new": summarise(c.new), "fixed": summarise(c.fixed), "old": summarise(c.old)},
    })


def format_report_github(comparison: Comparison, strict: bool) -> str:
    """Annotations for the findings that matter, then the report as plain log lines.

    New findings are annotated first (GitHub keeps only the first 10 errors and 10
    warnings of a step); findings already on the base are annotated only with
    ``--strict``. The plain report, which quotes card text, is fenced with
    ``::stop-commands::`` so nothing in it can act as a workflow command.
    """
    c = comparison
    annotated = c.new + (c.old if strict else [])
    out = format_github(annotated)
    token = secrets.token_hex(16)
    report = format_report_text(c, strict)
    # Inside the fence the runner interprets nothing, so the text needs no escaping; the
    # random token cannot be guessed by a card to end the fence early.
    out += f"::stop-commands::{token}\n{report}::{token}::\n"
    return out


# --- the Markdown report --------------------------------------------------------------------------


_MD_PUNCTUATION = frozenset("\\`*_[]()!|~$")
"""Characters with a meaning inside a line of GitHub Markdown (emphasis, code, links, tables, strike, maths)."""
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape_markdown(text: str, limit: int | None = CELL_LIMIT) -> str:
    """Card-derived text as inert Markdown, safe inside a table cell and inside HTML.

    Control characters, line breaks and bidirectional overrides are escaped visibly first
    (:func:`~mltrl_docs.diagnostics.printable`: ``\\x1b``, ``\\n``, ``\\u202e``), as in every other
    output; inline Markdown punctuation is backslash-escaped (so the escapes show as written), HTML
    characters become entities, other format characters are replaced, and ``@`` gets a
    zero-width space so a card cannot mention (and notify) people or teams.
    """
    if limit is not None and len(text) > limit:
        text = text[:limit - 1] + "…"
    text = printable(text)
    out = []
    for ch in text:
        if ch in _HTML:
            out.append(_HTML[ch])
        elif ch in _MD_PUNCTUATION:
            out.append("\\" + ch)
        elif ch == "@":
            out.append("@\u200b")
        elif unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\u200b\u200d":
            out.append("\ufffd")
        else:
            out.append(ch)
    return "".join(out)


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(cells) + " |" for cells in rows)
    return lines


def _md_section(title: str, header: list[str], rows: list[list[str]], cap: int | None, fold: bool) -> list[str]:
    """A table under a heading, folded when long, cut to ``cap`` rows with a note."""
    if not rows:
        return []
    shown = rows if cap is None else rows[:cap]
    body = _md_table(header, shown) if shown else []
    if len(shown) < len(rows):
        body += ["", f"_… and {len(rows) - len(shown)} more, listed in the job log of `mltrl check --base`._"]
    if fold or len(rows) > OPEN_ROWS:
        return [f"<details><summary><strong>{title}</strong></summary>", "", *body, "", "</details>", ""]
    return [f"### {title}", "", *body, ""]


def _md_findings(diags: list[Diagnostic]) -> list[list[str]]:
    return [[d.severity.value, escape_markdown(f"{d.path}:{d.line}:{d.column}"), d.code, escape_markdown(d.text)]
            for d in diags]


def _md_name(t: TechnologyDelta) -> str:
    label = escape_markdown(t.folder)
    if t.project_id:
        label = f"**{escape_markdown(t.project_id)}** {escape_markdown(t.title or '')} ({label})"
    return label


def _md_level(level: int | None) -> str:
    return "—" if level is None else f"{level} ({LEVEL_NAMES[level]})"


def _md_readiness(r: Readiness | None, present: bool) -> str:
    if not present:
        return "—"
    if r is None:
        return "no valid card"
    missing = [x.rule.code for x in r.current if not x.met]
    text = f"L{r.level}: {r.met}/{r.total} rules met"
    return text + (f"; missing {', '.join(missing)}" if missing else "")


def _md_next(r: Readiness | None) -> str:
    if r is None:
        return "—"
    if r.level == 9:
        return "top level"
    missing = [x.rule.code for x in r.next if not x.met]
    if r.ready_to_graduate:
        return f"ready for L{r.level + 1}"
    return f"L{r.level + 1} still needs {', '.join(missing)}" if missing else f"L{r.level + 1}: finish L{r.level} first"


def _md_review(change: LevelChange, ref: str) -> str:
    if change.kind == "skip":
        return "⛔ a skipped level cannot be decided by a review"
    if change.review is None:
        return "⚠️ missing: add a review record that decides it"
    where = "added in this change" if change.review.in_change else f"already on {escape_markdown(ref)}"
    return f"✅ {escape_markdown(change.review.path)} ({where})"


def render_markdown(comparison: Comparison, strict: bool, cap: int | None = None) -> str:
    """The Markdown report: every table cut to ``cap`` rows (``None``: all)."""
    c = comparison
    ref = escape_markdown(c.ref)
    failed = c.failed(strict)
    new_errors = len(c.new_errors())
    lines = [f"## MLTRL check against {ref}", ""]
    if failed:
        reason = (f"{sum(d.severity == Severity.ERROR for d in c.current)} error finding(s), strict mode"
                  if strict else f"{new_errors} new error finding(s)")
        lines.append(f"❌ **Failed:** {reason}.")
    else:
        lines.append("✅ **Passed:** no new error findings" + (" and none on the base either." if strict else "."))
    lines += ["", f"Base: {ref} at `{c.commit[:12]}`. Only error findings new relative to the base fail the check"
              + (" (strict mode: every error fails)." if strict else "; findings already on the base are listed "
                 "below but do not fail it."), ""]
    counts = summarise(c.new)
    lines += _md_table(["Technologies touched", "Level changes", "New findings", "Fixed findings",
                        "Already on base"],
                       [[str(len(c.technologies)), str(len(c.level_changes)),
                         f"{len(c.new)} ({counts['error']} error(s))", str(len(c.fixed)), str(len(c.old))]])
    lines.append("")
    if len(c.new) > 0:
        lines += ["GitHub shows at most 10 error and 10 warning annotations per step; every finding is listed "
                  "here.", ""]
    lines += _md_section("Level changes", ["Technology", "Change", "Kind", "Review record"],
                         [[_md_name(t), f"{t.level_change.from_level} → {t.level_change.to_level}",
                           _kind_text(t.level_change), _md_review(t.level_change, c.ref)] for t in c.level_changes],
                         cap, False)
    lines += _md_section("Status changes", ["Technology", "Before", "After"],
                         [[_md_name(t), t.status_before, t.status_after] for t in c.technologies
                          if t.status_before and t.status_after and t.status_before != t.status_after], cap, False)
    lines += _md_section("New technologies", ["Technology", "Level", "Status"],
                         [[_md_name(t), _md_level(t.level_after), t.status_after or "—"]
                          for t in c.technologies if t.state == "new"], cap, False)
    lines += _md_section("Removed or moved technologies", ["Technology", "Was"],
                         [[_md_name(t), "removed" if t.state == "removed" else f"moved from {escape_markdown(t.moved_from)}"]
                          for t in c.technologies if t.state in ("removed", "moved")], cap, False)
    lines += _md_section("Readiness before and after", ["Technology", "Before", "After", "Next level"],
                         [[_md_name(t), _md_readiness(t.readiness_before, t.before is not None),
                           _md_readiness(t.readiness_after, t.after is not None), _md_next(t.readiness_after)]
                          for t in c.technologies], cap, False)
    finding_header = ["Severity", "Where", "Code", "Finding"]
    lines += _md_section(f"New findings ({len(c.new)})", finding_header, _md_findings(c.new), cap, False)
    lines += _md_section(f"Fixed by this change ({len(c.fixed)})", finding_header, _md_findings(c.fixed), cap, True)
    lines += _md_section(f"Already on the base ({len(c.old)})", finding_header, _md_findings(c.old), cap, True)
    return "\n".join(lines).rstrip() + "\n"


def markdown_report(comparison: Comparison, strict: bool, fits: Callable[[str], bool]) -> str:
    """The Markdown report, shortened until ``fits`` accepts it.

    Long tables lose rows first (each cut says how many rows are left out); as a last
    resort the text is cut at a line boundary and any open ``<details>`` is closed.
    """
    text = ""
    for cap in (None, 1000, 300, 100, 30, 10, 0):
        text = render_markdown(comparison, strict, cap)
        if fits(text):
            return text
    note = "\n\n_The report was cut to fit GitHub's size limit; the job log has all of it._\n"
    lines = text.splitlines()
    while lines:
        lines.pop()
        candidate = "\n".join(lines)
        open_details = candidate.count("<details>") - candidate.count("</details>")
        candidate += "\n" + "\n</details>\n" * open_details + note
        if fits(candidate):
            return candidate
    return note.strip() + "\n"


def _utf8_within(limit: int) -> Callable[[str], bool]:
    return lambda text: len(text.encode("utf-8")) <= limit


def write_step_summary(comparison: Comparison, strict: bool, path: Path) -> None:
    """Append the report to ``$GITHUB_STEP_SUMMARY`` within what is left of the step's 1 MiB."""
    try:
        used = path.stat().st_size
    except OSError:
        used = 0
    text = markdown_report(comparison, strict, _utf8_within(max(STEP_SUMMARY_LIMIT - used - 2, 0)))
    with path.open("a", encoding="utf-8") as handle:
        handle.write(("\n" if used else "") + text)


def write_comment_summary(comparison: Comparison, strict: bool, path: Path) -> None:
    """Write the report to ``path`` sized for a pull-request comment (65,536 characters, less a margin)."""
    text = markdown_report(comparison, strict, lambda t: len(t) <= COMMENT_LIMIT - COMMENT_MARGIN)
    path.write_text(text, encoding="utf-8")


# --- the command ----------------------------------------------------------------------------------------


def run_check_base(args: argparse.Namespace) -> int:
    """``mltrl check --base REF [PATH...] [--strict] [--summary FILE] [--format ...]``."""
    from .cli import EXIT_FINDINGS, EXIT_OK, UsageError, _in_targets, _resolve_targets, default_format

    workspace, targets = _resolve_targets(args)
    base_dir = workspace.base_dir
    in_scope = None if targets is None else (lambda path: _in_targets(path, base_dir, targets))
    try:
        comparison = compare_with_ref(base_dir, workspace.settings, args.base, in_scope, workspace.cache)
    except GitError as exc:
        raise UsageError(str(exc)) from None
    strict = bool(getattr(args, "strict", False))
    fmt = args.format or default_format()
    if fmt == "json":
        sys.stdout.write(format_report_json(comparison, strict))
    elif fmt == "github":
        sys.stdout.write(format_report_github(comparison, strict))
    else:
        sys.stdout.write(format_report_text(comparison, strict))
    if getattr(args, "summary", None):
        try:
            write_comment_summary(comparison, strict, Path(args.summary))
        except OSError as exc:
            raise UsageError(f"cannot write the summary to {args.summary}: {exc.strerror or exc}") from None
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        try:
            write_step_summary(comparison, strict, Path(step_summary))
        except OSError as exc:
            print(f"mltrl: warning: cannot write the step summary: {exc.strerror or exc}", file=sys.stderr)
    return EXIT_FINDINGS if comparison.failed(strict) else EXIT_OK
