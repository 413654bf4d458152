"""The pages of the maturity wiki: what exists, and the HTML of each.

:class:`Site` lists the generated pages (portfolio, one page per technology,
levels, analytics) and the files served beside them (``mltrl.json``, the JSON
Schemas, images from technology folders). It renders a page's HTML on demand,
so a site engine only pays for the pages it builds.

Each page's source for the engine is a tiny Markdown stub: one placeholder
comment, with the page's metadata (its escaped ``title``) given to the engine
directly or as front matter. The engine turns it into a page, then the HTML
rendered here replaces the placeholder. Card text
therefore never passes through the engine's Markdown or its extensions.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import posixpath
import re
from html import escape, unescape
from pathlib import Path
from types import SimpleNamespace

import markdown_it
import mdit_py_plugins
import nh3
from markupsafe import Markup

from .. import __version__
from ..ethics import IN_PROGRESS, ORGANISATION, PROJECT_PARTS
from ..extensions import NOTHING, CardMarkdown
from ..frontmatter import parse_document
from ..history.model import CardVersion
from ..models import LEVEL_NAMES, NotApplicable, answered, phase_of
from ..schema import all_schemas
from .addresses import Addresses, review_anchor
from .cache import PageCache
from .kinds import PAGE_KINDS, PageSpec, RenderedPage, TocEntry
from .levels import LEVEL_GUIDE
from .markdown import SAFE_ID, Rendered, render_markdown
from .svg import (
    SWITCHBACK_LABELS,
    Bar,
    Lane,
    RiskPoint,
    bar_chart_svg,
    level_chart_svg,
    risk_matrix_svg,
    swimlane_svg,
    timeline_svg,
)
from .templating import ago_text, days_text, environment
from .urls import Layout, Linker, is_relative_reference, safe_url
from .view import SiteView, TechnologyView, describe_event, natural_key

CACHE_VERSION = 2
"""Bumped when the rendering changes in a way the inputs of a page do not show."""

_HEADING = re.compile(r"<h([23])\s[^>]*?\bid=\"([^\"]+)\"[^>]*>(.*?)</h\1>", re.S)
_TAG = re.compile(r"<[^>]+>")


class Row(SimpleNamespace):
    """A row handed to a template: its fields are attributes (``row.name``; in a template ``row["name"]`` too).

    Templates read fields as attributes; Jinja tries an attribute first, so a plain
    object spares it a failed lookup, which on dictionaries costs an exception per field.
    """


def toc_of(html: str) -> list[TocEntry]:
    """The ``<h2>`` and ``<h3>`` headings with an ``id`` in ``html``, in order."""
    entries = []
    for match in _HEADING.finditer(html):
        if "mltrl-no-toc" in match.group(0)[:match.group(0).index(">")]:
            continue
        anchor = match.group(2)
        if not SAFE_ID.fullmatch(anchor):
            continue  # themes print anchors raw: only ids of the safe alphabet reach them (see SAFE_ID)
        inner = re.sub(r"<a [^>]*class=\"headerlink\"[^>]*>.*?</a>", "", match.group(3), flags=re.S)
        title = escape(unescape(_TAG.sub("", inner)).strip())
        entries.append(TocEntry(int(match.group(1)), anchor, title))
    return entries


def _on_the_day(events: list) -> list:
    """Events with the working tree's dated by the build's day alone, as the page cache keys pages.

    The uncommitted changes of a technology are an event dated "now", which moves with every build;
    the pages' keys already hold the day (see :meth:`Site._global_inputs`), so within it the changes
    are the same event.
    """
    return [dataclasses.replace(e, date=None) if e.source == "working-tree" else e for e in events]


class Site:
    """The generated part of the wiki for one build."""

    def __init__(self, view: SiteView, *, template_dirs: list[str] | None = None, use_directory_urls: bool = True,
                 export: dict | None = None, cache: PageCache | None = None,
                 markdown: CardMarkdown = NOTHING, root: str = "") -> None:
        self.view = view
        self.markdown = markdown
        """The Markdown features card bodies are rendered with (from the site's ``markdown_extensions``)."""
        self.cache = cache
        self.layout = Layout(use_directory_urls, root)
        """Where the pages and files go (``root``: the folder that holds them all, for ``mltrl prepare``)."""
        self.env = environment(template_dirs)
        self.export = export
        """The ``mltrl.json`` document (:func:`mltrl_docs.history.export.export_document`)."""
        self.base_dir: Path = view.portfolio.base_dir
        self.addresses = Addresses(view, self.layout)
        """Links, images and the code host's addresses."""
        self.repo_url = self.addresses.repo_url
        self._by_slug = view.by_slug
        self._inputs = self._global_inputs() if cache is not None else b""
        self._fingerprints: dict[str, str] = {}
        self._index_summary: tuple | None = None
        self.token: str | None = None
        """Marks the page cache entries written during this build, when a helper process renders pages."""
        self.ahead: set[str] = set()
        """Slugs of the pages handed to the helper process."""
        self._mine: set[str] = set()
        """Slugs of the technology pages this process rendered."""

    # --- what exists ----------------------------------------------------------------------------

    def pages(self) -> list[PageSpec]:
        """Every generated page whose HTML this site renders, kind by kind (:data:`~.kinds.PAGE_KINDS`)."""
        return [spec for kind in PAGE_KINDS if not kind.markdown for spec in kind.specs(self)]

    def markdown_pages(self) -> dict[str, str]:
        """Generated pages written in Markdown (the rule and configuration references), by source URI.

        Their text comes from the code and the site's configuration, never from a card, so the
        site engine may render it like any hand-written page.
        """
        return {spec.src_uri: kind.text(self, spec) for kind in PAGE_KINDS if kind.markdown
                for spec in kind.specs(self)}

    def assets(self) -> dict[str, Path]:
        """Images published from technology folders: site path -> file in the repository."""
        return self.addresses.assets()

    def files(self) -> dict[str, str]:
        """Generated non-page files by site path: the export (when given) and the JSON Schemas."""
        out = {}
        if self.export is not None:
            # Compact JSON: the C encoder only runs without indentation, and the export of a large
            # portfolio is megabytes.
            out[self.layout.place(Layout.EXPORT)] = json.dumps(self.export, ensure_ascii=False, separators=(",", ":")) + "\n"
        for name, text in all_schemas().items():
            out[self.layout.schema(name)] = text
        return out

    # --- rendering ------------------------------------------------------------------------------

    def render(self, spec: PageSpec) -> RenderedPage:
        """The HTML of a generated page."""
        return spec.kind.render(self, spec)

    def render_technology(self, spec: PageSpec) -> RenderedPage:
        """A technology's page: from the page cache when its inputs have not changed, else rendered and kept."""
        link = self.layout.linker(spec.src_uri)
        t = self._by_slug[spec.slug]
        if self.cache is None:
            return self._technology(t, link)
        stored = self._stored(t.slug)
        if stored is not None:
            return RenderedPage(stored["html"], [TocEntry(*e) for e in stored["toc"]], stored["search"])
        page = self._technology(t, link)
        self._mine.add(t.slug)
        self.cache.put(t.slug, self.fingerprint(t), {"html": page.html, "toc": [[e.rank, e.id, e.title] for e in page.toc],
                                             "search": page.search}, self.token)
        return page

    def render_levels(self, src_uri: str) -> RenderedPage:
        """The levels page."""
        html = self._levels(self.layout.linker(src_uri))
        return RenderedPage(html, toc_of(html))

    def render_analytics(self, src_uri: str) -> RenderedPage:
        """The analytics page."""
        html = self._analytics(self.layout.linker(src_uri))
        return RenderedPage(html, toc_of(html))

    @property
    def rendered(self) -> int:
        """How many technology pages this process rendered (the others came from the page cache)."""
        return len(self._mine)

    def is_cached(self, spec: PageSpec) -> bool:
        """Whether a technology page's HTML is in the page cache for its current inputs."""
        if self.cache is None or not spec.kind.cached or not self.cache.exists(spec.slug):
            return False
        return self._stored(spec.slug) is not None

    def _stored(self, slug: str) -> dict | None:
        """A technology's page from the cache: written by this build's helper, or rendered from the same inputs."""
        if self.token is not None and slug in self.ahead:
            taken = self.cache.take(slug, self.token)
            if taken is not None:
                self._fingerprints[slug], stored = taken
                return stored
        return self.cache.get(slug, self.fingerprint(self._by_slug[slug]))

    def render_home(self, src_uri: str = Layout.HOME, *, standalone: bool = False) -> RenderedPage:
        """The portfolio; ``standalone`` when it is the whole page, not the end of a hand-written home page.

        Search reads only the introduction: every technology has its own page to be found by, and
        the table and charts of a large portfolio would only slow the index down.
        """
        link = self.layout.linker(src_uri)
        html = self._home(link, standalone=standalone)
        search = self.env.get_template("mltrl/portfolio-search.html").render(
            self._context(link, standalone=standalone))
        return RenderedPage(html, toc_of(html), search)

    # --- the page cache -------------------------------------------------------------------------

    def _global_inputs(self) -> bytes:
        """What every technology page depends on: versions, settings, layout, the day, the templates."""
        view = self.view
        digest = hashlib.sha256()
        for part in (CACHE_VERSION, __version__, markdown_it.__version__, mdit_py_plugins.__version__,
                     getattr(nh3, "__version__", ""), self.markdown.key(),
                     view.settings.model_dump_json(), self.repo_url or "", str(self.layout.use_directory_urls),
                     self.layout.root,
                     view.now.date().isoformat(), str(view.history.available), view.history.reason or "",
                     repr(view.portfolio.checklist), repr(sorted(view.withheld_guidance))):
            digest.update(str(part).encode("utf-8") + b"\0")
        for folder in getattr(self.env.loader, "searchpath", []):
            root = Path(folder) / "mltrl"
            if root.is_dir():
                for file in sorted(root.rglob("*")):
                    if file.is_file():
                        digest.update(file.relative_to(root).as_posix().encode() + b"\0" + file.read_bytes())
        return digest.digest()

    def fingerprint(self, t: TechnologyView) -> str:
        """A hash of everything ``t``'s page shows; equal fingerprints render equal pages (on the same day)."""
        found = self._fingerprints.get(t.slug)
        if found is None:
            found = self._fingerprints[t.slug] = self._fingerprint(t)
        return found

    def index_key(self, spec: PageSpec, below: bool) -> tuple:
        """Everything an index page (portfolio, levels, analytics) shows, to compare with ``==``.

        Those pages show what the technologies' front matter, readiness, findings, targets and
        histories say, never the text of a document's body: a save that changes only a body
        leaves the key equal. ``below`` tells a portfolio below a hand-written page from a
        standalone one. The key is compared, not hashed: comparing the values of one build with
        the last build's costs far less than writing them out.
        """
        if self._index_summary is None:
            view = self.view
            if not self._inputs:
                self._inputs = self._global_inputs()
            self._index_summary = (self._inputs, view.analytics, self.export is not None, [
                (t.slug, t.pending, t.readiness, t.findings, t.targets, t.externals, t.coupled_missing,
                 [(o.slug, o.level, o.status) for o in (*t.components, *t.used_by, *t.coupled)],
                 [(doc.path, doc.parsed.meta) for doc in t.tech.documents],
                 (_on_the_day(t.history.events), t.history.spans) if t.history is not None else None)
                for t in view.technologies])
        return (spec.src_uri, spec.kind.name, below, self._index_summary)

    def page_fingerprint(self, spec: PageSpec) -> str:
        """The fingerprint of a technology page (see :meth:`fingerprint`)."""
        return self.fingerprint(self._by_slug[spec.slug])

    def _fingerprint(self, t: TechnologyView) -> str:
        digest = hashlib.sha256(self._inputs)
        for doc in t.tech.documents:
            digest.update(doc.path.encode() + b"\0" + doc.parsed.text.encode("utf-8", "surrogatepass") + b"\0")
        for diag in t.findings:
            digest.update(repr(diag).encode() + b"\0")
        for target in t.targets:  # their states follow the day too, which the inputs hold
            digest.update(repr(target).encode("utf-8", "surrogatepass") + b"\0")
        if t.history is not None:
            for item in (*_on_the_day(t.history.events), *t.history.spans, *t.history.prior_cards):
                digest.update(repr(item).encode("utf-8", "surrogatepass") + b"\0")
        related = {o.slug: o for o in (*t.components, *t.used_by, *t.coupled)}
        stack = list(t.components)
        while stack:  # the system level depends on every component below, however deep
            current = stack.pop()
            for o in current.components:
                if o.slug not in related:
                    related[o.slug] = o
                    stack.append(o)
        for slug in sorted(related):
            o = related[slug]
            digest.update(f"{o.slug}\0{o.id}\0{o.card.title}\0{o.level}\0{o.status}\0".encode())
            # An external component of a component below can limit the system level shown here.
            digest.update(repr([(e.id, e.level) for e in o.external_components]).encode("utf-8", "surrogatepass"))
        digest.update(repr(t.coupled_missing).encode())
        return digest.hexdigest()

    def _context(self, link: Linker, **extra) -> dict:
        view = self.view
        return {"site": view, "link": link, "now": view.now, "repo_url": self.repo_url,
                "history": view.history, "commit_url": self.addresses.commit_url, "ago": lambda d: ago_text(d, view.now),
                "days": days_text, "SWITCHBACK_LABELS": SWITCHBACK_LABELS, **extra}

    # --- home ------------------------------------------------------------------------------------

    def _home(self, link: Linker, standalone: bool) -> str:
        view = self.view
        counts: dict[int, dict[str, int]] = {}
        for t in view.technologies:
            counts.setdefault(t.level, {}).setdefault(t.status, 0)
            counts[t.level][t.status] += 1
        chart = level_chart_svg("mltrl-levels-chart", counts, {lv: link.level(lv) for lv in range(10)})
        lanes = [Lane(t.id, link.technology(t.slug), f"{t.id} {t.card.title}: level {t.level}, {t.status}",
                      [(s.level, s.status, s.start, s.end) for s in t.history.spans] if t.history else [])
                 for t in view.technologies]
        swimlane = swimlane_svg("mltrl-swimlane", lanes, view.now) if view.history.available and lanes else None
        rows = [self._row(t, link) for t in view.technologies]
        phases = {p: sum(1 for t in view.technologies if t.phase == p) for p in ("research", "prototype", "product")}
        changes = sorted(((e, t) for t in view.technologies for e in t.events
                          if e.kind in ("graduation", "switchback", "skip", "status", "created")
                          and e.source != "working-tree"), key=lambda pair: pair[0].date, reverse=True)[:8]
        recent = [{"e": e, "t": t, "text": _change_text(e), "href": link.technology(t.slug, "history"),
                   "ago": ago_text(e.date, view.now)} for e, t in changes]
        ready = [r for r in rows if r["ready"]]
        waiting = sorted((r for r in rows if r["days"] is not None and r["t"].status == "active"),
                         key=lambda r: -r["days"])[:5]
        statuses = {s: sum(1 for t in view.technologies if t.status == s) for s in ("active", "paused", "stopped")}
        return self.env.get_template("mltrl/portfolio.html").render(
            self._context(link, standalone=standalone, rows=rows, chart=chart, swimlane=swimlane, phases=phases,
                          statuses=statuses, recent=recent, ready=ready, waiting=waiting,
                          findings=sum(len(t.findings) for t in view.technologies),
                          with_targets=any(t.targets for t in view.technologies),
                          export_url=link.file(self.layout.place(Layout.EXPORT)),
                          schema_url=link.file(self.layout.place(Layout.SCHEMAS) + "/")))

    def _row(self, t: TechnologyView, link: Linker) -> dict:
        days = t.days_in_level(self.view.now)
        last = t.last_change
        r = t.readiness
        open_next = sum(not x.met for x in r.next) if r else 0
        return {"t": t, "href": link.technology(t.slug), "days": days, "last": last,
                "last_ago": ago_text(last.date, self.view.now) if last else "—",
                "met": r.met if r else 0, "total": r.total if r else 0, "open_next": open_next,
                "next_total": len(r.next) if r else 0, "ready": bool(r and r.ready_to_graduate and r.next),
                "level_href": link.level(t.level)}

    # --- technology ---------------------------------------------------------------------------------

    def _render_doc(self, t: TechnologyView, text: str, link: Linker, folder: str, *, prefix: str,
                    shift: int = 1, drop_title: bool = True) -> Rendered:
        return render_markdown(text, resolve=self.addresses.resolver(t, link, folder), shift=shift, drop_title=drop_title,
                               id_prefix=prefix, features=self.markdown)

    def _technology(self, t: TechnologyView, link: Linker) -> RenderedPage:
        view = self.view
        folder = t.tech.folder
        body = self._render_doc(t, t.tech.card.parsed.body, link, folder, prefix="card-", shift=1)
        timeline = None
        if t.history is not None and t.runs:
            timeline = timeline_svg(f"mltrl-timeline-{t.slug}", f"Maturity timeline of {t.id} {t.card.title}",
                                    t.runs, t.marks, t.bands, view.now, self._timeline_desc(t), t.plans)
        # Research first, then product: each kind is numbered from 1, so one ID may stand in both.
        requirements = sorted(t.tech.requirement_list, key=lambda r: (r.kind != "research", natural_key(r.id)))
        risk = None
        if any(r.computed_risk is not None for r in requirements):
            points = [RiskPoint(r.ref, r.p_failure, r.value,
                                f"{r.ref} ({r.kind}, {r.status}): p(failure) {r.p_failure:g} x value {r.value} "
                                f"= risk {r.computed_risk:g}", f"#{requirement_anchor(r)}")
                      for r in requirements if r.computed_risk is not None]
            risk = risk_matrix_svg(f"mltrl-risk-{t.slug}", points, view.settings.risk_threshold)
        reviews = []
        for doc in sorted(t.tech.reviews, key=lambda d: d.path):
            if doc.model is None:
                continue
            rendered = self._render_doc(t, doc.parsed.body, link, posixpath.dirname(doc.path),
                                        prefix=review_anchor(doc.path) + "-", shift=3)
            reviews.append(Row(model=doc.model, anchor=review_anchor(doc.path), body=Markup(rendered.html),
                               source=self.addresses.repo_file_url(doc.path), path=doc.path))
        reviews.sort(key=lambda r: (r.model.date, r.model.level))
        prior = [self._prior(t, version, link) for version in (t.history.prior_cards if t.history else [])]
        system_level, limiting = t.system_level
        html = self.env.get_template("mltrl/technology.html").render(self._context(
            link, t=t, body=Markup(body.html), timeline=timeline, time_in_level=self._time_in_level(t),
            events=[Row(e=e, text=describe_event(e), commit=self.addresses.commit_url(e.commit)) for e in t.events],
            requirements=requirements, risk=risk, ethics=self._ethics(t, link), reviews=reviews, prior=prior,
            system_level=system_level, limiting=limiting, links=self._links(t),
            anchor=_anchor, requirement_anchor=requirement_anchor,
            edit_source=self.addresses.repo_file_url(t.tech.card.path), risk_threshold=view.settings.risk_threshold,
            next_level=t.level + 1 if t.level < 9 else None, levels_url=link.page(self.layout.place(Layout.LEVELS))))
        search = self.env.get_template("mltrl/technology-search.html").render(
            self._context(link, t=t, body=Markup(body.html)))
        return RenderedPage(html, toc_of(html), search)

    def _prior(self, t: TechnologyView, version: CardVersion, link: Linker) -> Row:
        """An earlier card: its fields as a table and its body through the card renderer.

        Its headings start at ``<h4>`` (inside the "Earlier cards" section, out of the page's
        contents) and its ids carry ``earlier-LEVEL-``, apart from the current card's ``card-``.
        Its links are resolved in the technology's folder as it is now, like the card's own.
        """
        parsed = parse_document(version.text, version.path or "card.md")
        body = self._render_doc(t, parsed.body, link, t.tech.folder, prefix=f"earlier-{version.level}-", shift=2)
        return Row(v=version, commit=self.addresses.commit_url(version.commit),
                   source=self.addresses.repo_file_url(version.path, version.commit) if version.path else None,
                   fields=field_rows(parsed.meta) if isinstance(parsed.meta, dict) else [],
                   body=Markup(body.html))

    def _timeline_desc(self, t: TechnologyView) -> str:
        runs = t.runs
        parts = [f"{len(runs)} stretch(es) at a level."]
        for event in t.events:
            if event.kind in ("created", "graduation", "switchback", "skip", "status"):
                parts.append(describe_event(event) + ".")
        since = t.since
        parts.append(f"Now at level {t.level} ({LEVEL_NAMES[t.level]})"
                     + (f" since {since:%Y-%m-%d}." if since else "."))
        parts.extend(plan.label + "." for plan in t.plans)
        return " ".join(parts)

    def _time_in_level(self, t: TechnologyView) -> list[tuple[int, float]]:
        if t.history is None:
            return []
        spent = t.history.time_in_level(self.view.now)
        return sorted(spent.items())

    def _links(self, t: TechnologyView) -> list[tuple[str, str | None, str]]:
        """``(label, href or None, text)`` for the card's links; unsafe or unresolvable ones as plain text."""
        out = []
        for name in ("main", "code", "docs"):
            value = getattr(t.card.links, name)
            if value is None:
                continue
            href = safe_url(value)
            if href is None and is_relative_reference(value):
                href = self.addresses.resolver(t, self.layout.linker(self.layout.technology(t.slug)), t.tech.folder)(value)
            out.append((name, href, value))
        return out

    def _ethics(self, t: TechnologyView, link: Linker) -> list[Row] | None:
        ethics = t.tech.ethics_model
        if ethics is None:
            return None
        checklist = t.tech.checklist
        parts = []
        for part in checklist.parts:
            if part.key not in PROJECT_PARTS:
                continue
            values = getattr(ethics, part.key)
            topics = []
            done = 0
            for topic, questions in part.topics:
                items = []
                for q in questions:
                    answer = getattr(values, q.key)
                    if isinstance(answer, NotApplicable):
                        state, text = "n/a", answer.not_applicable
                    elif answered(answer):
                        state, text = "answered", answer
                    else:
                        state, text = "open", ""
                    done += state != "open"
                    items.append(Row(name=q.key, question=q.text, state=state, answer=None,
                                     paragraphs=[p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]))
                topics.append(Row(title=topic, items=items))
            in_progress = getattr(values, IN_PROGRESS)
            href = None
            if in_progress is not None:
                href = safe_url(in_progress) or self.addresses.resolver(t, link, t.tech.folder)(in_progress)
            total = len(part.questions)
            parts.append(Row(key=part.key, title=part.title, topics=topics, done=done, total=total,
                             in_progress=in_progress, in_progress_href=href,
                             complete=done == total and in_progress is None, organisation=False, source=None))
        guiding = checklist.part(ORGANISATION)
        if guiding is not None:
            items = []
            for q in guiding.questions:
                if q.key in self.view.withheld_guidance:  # it names internal work: not for the public site
                    items.append(Row(name=q.key, question=q.text, state="answered", answer=None,
                                     paragraphs=["The organisation's answer is not published."]))
                    continue
                rendered = render_markdown(q.answer, id_prefix="ethics-org-") if q.answer.strip() else None
                items.append(Row(name=q.key, question=q.text, state="answered" if rendered else "open",
                                 answer=Markup(rendered.html) if rendered else None, paragraphs=[]))
            done = sum(i.state == "answered" for i in items)
            parts.append(Row(key=ORGANISATION, title=guiding.title, topics=[Row(title="", items=items)], done=done,
                             total=len(items), in_progress=None, in_progress_href=None,
                             complete=done == len(items), organisation=True, source=checklist.path))
        return parts

    # --- levels and analytics ------------------------------------------------------------------------

    def _levels(self, link: Linker) -> str:
        rules = self.view.rules
        levels = []
        for level in range(10):
            levels.append({"level": level, "name": LEVEL_NAMES[level], "phase": phase_of(level),
                           "guide": LEVEL_GUIDE[level], "rules": [r for r in rules if r.level == level],
                           "technologies": self.view.at_level(level)})
        return self.env.get_template("mltrl/levels.html").render(self._context(link, levels=levels))

    def _analytics(self, link: Linker) -> str:
        data = self.view.analytics
        charts = _analytics_charts(data) if data else {}
        matrix = transition_matrix(data) if data else []
        peak = max((n for row in matrix for n in row), default=0)
        return self.env.get_template("mltrl/analytics.html").render(
            self._context(link, data=data, charts=charts, matrix=matrix, peak=peak))


def field_rows(meta: dict, prefix: str = "") -> list[tuple[str, str]]:
    """Front matter as ``(field, text)`` rows to read: nested fields as dotted names, lists joined.

    A list of mappings (datasets, recorded history) gives a row per item, its fields joined by ``·``.
    The text is plain: the template escapes it.
    """
    rows: list[tuple[str, str]] = []
    for key, value in meta.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows += field_rows(value, name + ".") or [(name, "")]
        elif isinstance(value, list) and any(isinstance(item, dict) for item in value):
            for number, item in enumerate(value, 1):
                if isinstance(item, dict):
                    text = " · ".join(f"{k}: {_plain(v)}" for k, v in item.items())
                else:
                    text = _plain(item)
                rows.append((f"{name} {number}", text))
        else:
            rows.append((name, _plain(value)))
    return rows


def _plain(value: object) -> str:
    """A front-matter value as text: lists joined by commas, nothing shown for null."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(_plain(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    return str(value)


def _change_text(event) -> str:
    """A short phrase for a level or status change, for the portfolio's list of recent changes."""
    if event.kind == "created":
        return f"started at level {event.to_level}"
    if event.kind == "graduation":
        return f"graduated to level {event.to_level}"
    if event.kind == "switchback":
        return f"switched back from level {event.from_level} to {event.to_level} ({event.switchback_kind})"
    if event.kind == "skip":
        return f"skipped from level {event.from_level} to {event.to_level}"
    return f"is now {event.status}"


def requirement_anchor(requirement) -> str:
    """The id of a requirement's row: ``req-research-1-0-0``, ``req-product-1-0-0`` (the kind keeps them apart)."""
    return f"req-{requirement.kind}-{_anchor(requirement.id)}"


def _anchor(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def _analytics_charts(data: dict) -> dict[str, Markup]:
    """Charts for the analytics page, from :func:`mltrl_docs.history.analytics.portfolio_analytics`."""
    charts: dict[str, Markup] = {}
    per_level = data.get("time_in_level") or {}
    bars = []
    for level in range(10):
        stats = per_level.get(str(level)) or {}
        if not stats.get("stays"):
            continue
        median, low, high = stats["median_days"], stats["p25_days"], stats["p75_days"]
        bars.append(Bar(f"L{level}", float(median), f"Level {level}: median {median:.0f} days, middle half "
                        f"{low:.0f}-{high:.0f} days, over {stats['stays']} completed stay(s)", f"mltrl-l{level}",
                        float(low), float(high)))
    if bars:
        charts["time"] = bar_chart_svg("mltrl-an-time", "Median days per level, with the middle half of stays",
                                       bars, unit="d")
    quarters = data.get("graduations_per_quarter") or {}
    if quarters:
        charts["graduations"] = bar_chart_svg(
            "mltrl-an-grad", "Graduations per quarter",
            [Bar(q, float(n), f"{q}: {n} graduation(s)") for q, n in _all_quarters(quarters)])
    kinds = data.get("switchbacks") or {}
    if any(kinds.values()):
        charts["switchbacks"] = bar_chart_svg(
            "mltrl-an-sb", "Switchbacks by kind",
            [Bar(k, float(kinds.get(k, 0)), f"{k}: {kinds.get(k, 0)} switchback(s), {SWITCHBACK_LABELS[k]}",
                 f"mltrl-sb-{k}") for k in ("embedded", "review", "discovery")])
    return charts


def _all_quarters(quarters: dict[str, int]) -> list[tuple[str, int]]:
    """Every quarter from the first to the last, with zero where nothing graduated."""
    keys = sorted(quarters)
    first, last = keys[0], keys[-1]
    year, q = int(first[:4]), int(first[-1])
    out = []
    while (year, q) <= (int(last[:4]), int(last[-1])):
        key = f"{year}-Q{q}"
        out.append((key, quarters.get(key, 0)))
        q += 1
        if q == 5:
            year, q = year + 1, 1
    return out


def transition_matrix(data: dict) -> list[list[int]]:
    """Counts of level changes, ``matrix[from][to]``, all kinds together."""
    matrix = [[0] * 10 for _ in range(10)]
    for row in data.get("transitions") or []:
        a, b = row.get("from"), row.get("to")
        if isinstance(a, int) and isinstance(b, int) and 0 <= a <= 9 and 0 <= b <= 9:
            matrix[a][b] += int(row.get("count", 0))
    return matrix
