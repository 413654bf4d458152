"""The ``mltrl`` MkDocs plugin: glue between MkDocs and the site core in :mod:`mltrl_docs.site`.

Every event method delegates: content is read by the same loader and rules
as ``mltrl check`` (never from ``page.meta``, which MkDocs fills while
silently dropping front-matter errors), pages are generated in memory with
``File.generated``, and their HTML is rendered by the core. Only this module
imports MkDocs.
"""

from __future__ import annotations

import gc
import os
import re
from pathlib import Path
from typing import Any

from jinja2 import BytecodeCache, Environment
from jinja2.bccache import Bucket
from mkdocs.config import base
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import TableOfContents, get_toc

from . import collector
from .build import Build, build_now
from .cachedir import cache_location
from .cachekey import load_or_create_key, user_key_file
from .config import Settings, did_you_mean, settings_from_options
from .diagnostics import Diagnostic, Severity, printable
from .errors import ConfigError
from .extensions import card_markdown
from .preview import KeptFiles, Preview, digest, page_key
from .remote import detect as detect_forge
from .report import format_finding, format_text, summary_line
from .site.ahead import Helper, render_ahead
from .site.cache import PageCache
from .site.kinds import PLACEHOLDER, PageSpec, TocEntry
from .site.pages import Site
from .site.problems import STUB_TITLE, render_problems, unbuilt_technologies
from .site.templating import PACKAGE_TEMPLATES
from .site.urls import Layout

log = get_plugin_logger(__name__)

ASSETS = ("assets/mltrl/mltrl.css", "assets/mltrl/mltrl.js")
"""Stylesheet and script of the generated pages, shipped in the packaged theme folder."""


class _Setting(base.BaseConfigOption):
    """An option validated later, with all the others, by :class:`~mltrl_docs.config.Settings`."""

    def __init__(self) -> None:
        super().__init__()
        self.default = None

    def run_validation(self, value: object) -> object:
        """Accept the value as written; :class:`MltrlConfig` validates all options together."""
        return value


class _SettingsConfig(base.Config):
    """MkDocs' side of the options: their names come from :class:`~mltrl_docs.config.Settings`, and so do their values.

    MkDocs only checks that no unknown option is given; the values are then
    validated by ``settings_from_options``, the same function the ``mltrl``
    command uses, so the plugin and the command can never read them differently.
    """

    settings: Settings

    def validate(self):
        """Check option names with MkDocs, then every value with :class:`~mltrl_docs.config.Settings`."""
        failed, warnings = super().validate()
        known = [name for name, _ in self._schema]
        warnings = [(key, message + did_you_mean(key, known) if key not in known else message)
                    for key, message in warnings]
        if not failed:
            given = {key: value for key, value in self.items() if value is not None}
            try:
                self.settings = settings_from_options(given)
            except ConfigError as exc:
                failed.append(("mltrl", base.ValidationError(str(exc))))
        return failed, warnings


MltrlConfig = type("MltrlConfig", (_SettingsConfig,), {
    "__module__": __name__,
    "__doc__": "Options of the ``mltrl`` plugin: one per field of :class:`~mltrl_docs.config.Settings`, where each "
               "is documented.",
    **{name: _Setting() for name in Settings.model_fields},
})
"""The plugin's config class, made from :class:`~mltrl_docs.config.Settings` so that no option is declared twice."""


class MltrlPlugin(BasePlugin[MltrlConfig]):
    """Turns the content roots into the maturity wiki: portfolio, technology pages, levels and analytics."""

    supports_multiple_instances = False

    def __init__(self) -> None:
        self.site: Site | None = None
        self.specs: dict[str, PageSpec] = {}
        self.base_dir = Path.cwd()
        self.page_cache: PageCache | None = None
        """Rendered technology pages, kept across ``mkdocs serve`` rebuilds and on disk between builds."""
        self.search_content: dict[str, str] = {}
        self.full_content: dict[str, str] = {}
        self._collecting = False
        """Whether the cyclic garbage collector ran before this build paused it."""
        self.command: str | None = None
        """The ``mkdocs`` command running (``build``, ``serve``, ``gh-deploy``); ``None`` when run from Python."""
        self.helper: Helper | None = None
        """A second process rendering technology pages ahead (see :mod:`mltrl_docs.site.ahead`)."""
        self.defer = False
        """Whether technology pages are filled in when the theme needs them (with a helper only)."""
        self.deferred: dict[str, str] = {}
        """HTML of deferred pages, with the placeholder, by source URI."""
        self.serving = False
        """Whether ``mkdocs serve`` runs this plugin (set by :meth:`on_serve`, after the first build)."""
        self.problems = ""
        """The error list every page of a preview opens with while the content has errors (else empty)."""
        self.stubs: set[str] = set()
        """Source URIs of the pages a preview puts where technologies with unreadable cards would be."""
        self.dirty = False
        self.preview = Preview()
        """Technology pages a preview keeps between rebuilds, to build only those a save changed."""
        self.kept_files = KeptFiles()
        """Second names of the technology pages a preview wrote, to link them back after the site folder is emptied."""
        self.templates = _CompiledTemplates()
        """The theme's templates as compiled by a preview's first build, for the rebuilds."""
        self.skipping = False
        """Whether this build is a preview's rebuild that may leave unchanged technology pages out."""
        self.files: Files | None = None
        self.fragments: dict[str, tuple[tuple, Any]] = {}
        """A preview's index pages (portfolio, levels, analytics) as last rendered, with their keys."""
        self.indexes = [0, 0]

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Note the command; the method's presence also keeps the plugin across ``mkdocs serve`` rebuilds."""
        self.command = command
        self.dirty = dirty

    def on_shutdown(self) -> None:
        """The command is over and the process ends: let Python's last collection skip the build's objects.

        At exit Python collects garbage one last time, over every object still alive: after a large
        build, millions of them, for seconds. They are frozen instead (:func:`gc.freeze`), and the
        collector runs again for whatever the process still does.
        """
        gc.freeze()
        self._resume_collector()
        self.kept_files.forget()

    @property
    def settings(self) -> Settings:
        """The validated options."""
        return self.config.settings

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        """Search the packaged templates last, so a site's ``overrides/`` wins, and add the assets."""
        if not self.settings.enabled:
            return config
        # A build makes millions of small objects that live until it ends (documents, positions,
        # events, pages) and few reference cycles: the collector would scan them again and again for
        # nothing. It is paused for the build and resumed when the build ends, however it ends.
        if gc.isenabled():
            gc.disable()
            self._collecting = True
        self.base_dir = Path(config.config_file_path or "mkdocs.yml").resolve().parent
        if not config.repo_url and self.settings.repo_url is None and not self.settings.public_only:
            # Edit and commit links need the repository's address: take it from the clone's origin.
            # Never on the public site: the internal repository's address may be private itself.
            forge = detect_forge(self.base_dir, Path(config.docs_dir))
            if forge is not None:
                config.repo_url = forge.repo_url
                if config.edit_uri is None and forge.edit_uri is not None:
                    config.edit_uri = forge.edit_uri
        package = str(PACKAGE_TEMPLATES)
        if package not in config.theme.dirs:
            config.theme.dirs.append(package)
        if ASSETS[0] not in config.extra_css:
            config.extra_css.append(ASSETS[0])
        if ASSETS[1] not in [str(s) for s in config.extra_javascript]:
            config.extra_javascript.append(ASSETS[1])
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        """Read and check the content, load its history, and add the generated pages and files."""
        if not self.settings.enabled:
            return files
        settings = self.settings
        if settings.repo_url is None and config.repo_url:
            settings = settings.model_copy(update={"repo_url": config.repo_url})
        location = cache_location(self.base_dir, settings.cache_dir,
                                  published=(Path(config.docs_dir), Path(config.site_dir)))
        if location.problem is not None:
            log.warning(printable(f"mltrl: {location.problem}"))
        if settings.cache_dir is not None:
            # A cache folder configured inside the docs folder is refused, but another run (an older version,
            # another tool) may have filled it: its files are never published.
            folder = os.path.normpath(self.base_dir / settings.cache_dir) + os.sep
            for file in [f for f in files if f.abs_src_path and os.path.normpath(f.abs_src_path).startswith(folder)]:
                files.remove(file)
        # What `mltrl prepare` wrote for engines without plugins is generated here anyway: left out, never doubled.
        prepared = os.path.normpath(Path(config.docs_dir) / settings.prepare_dir) + os.sep
        for file in [f for f in files if f.abs_src_path and os.path.normpath(f.abs_src_path).startswith(prepared)]:
            files.remove(file)
        build = Build(self.base_dir, settings, cache=location, now=build_now())
        self.preview.begin()
        self.indexes = [0, 0]  # index pages a preview's rebuild rendered, of those it built
        self.skipping = self.previewing and not self.dirty and self._may_skip(config)
        if not self.skipping:
            self.preview.reset()
            self.kept_files.forget()
            self.fragments = {}
        try:
            build.start()  # git reads the commits while the documents are read and checked
            build.document_findings
            build.rule_findings  # the history, then the cross references (which resolve former IDs)
        except Exception as exc:  # noqa: BLE001 - one clear message instead of a MkDocs traceback
            build.abandon()  # its second process, if any, is waited for
            raise PluginError(printable(f"mltrl: could not read the content under {self.base_dir}: {exc}")) from exc
        self._report(build.findings, config)  # the same findings as `mltrl check`
        view = build.view
        if self.page_cache is None:
            # The public and the internal site render different pages: each keeps its own, so building
            # one does not throw away the other's. Without a usable cache folder, pages stay in memory.
            folder = "pages-public" if settings.public_only else "pages"
            self.page_cache = PageCache(location.folder / folder if location.folder is not None else None,
                                        load_or_create_key(user_key_file()))
        features, notes = card_markdown(config.markdown_extensions, config.mdx_configs)
        for note in notes:  # once per extension and build, not once per card
            (log.warning if note.severity == "warning" else log.info)(printable(f"mltrl: {note}"))
        self.site = Site(view, template_dirs=list(config.theme.dirs), use_directory_urls=config.use_directory_urls,
                         cache=self.page_cache, markdown=features)
        self.page_cache.prune({t.slug for t in view.technologies})
        # The helper starts as soon as pages can be rendered; what follows here it does not need.
        self.helper = render_ahead(self.site, [spec for spec in self.site.pages() if spec.kind.cached
                                               and files.get_file_from_path(spec.src_uri) is None])
        self.deferred = {}
        self.defer = self.helper is not None and self._may_defer(config)
        self.site.export = build.export()
        timings = build.timings
        log.debug(f"mltrl: {len(build.portfolio.technologies)} technologies; documents read in "
                  f"{timings['documents']:.2f} s, checked in {timings['rules']:.2f} s, history ready "
                  f"{timings['history']:.2f} s later; commits read {_WHERE[build.commits_read]}"
                  + ("; a helper process renders pages ahead" if self.helper else ""))
        self.specs = {}
        for spec in self.site.pages():
            existing = files.get_file_from_path(spec.src_uri)
            if existing is not None:
                if spec.kind.below_docs_page:
                    self.specs[spec.src_uri] = spec
                    continue  # the site's own page (the home page) gets the generated one below its text
                log.warning(f"{existing.src_uri} in the docs folder replaces the generated {spec.kind.name} page")
                continue
            inclusion = InclusionLevel.UNDEFINED if spec.kind.in_nav else InclusionLevel.NOT_IN_NAV
            file = File.generated(config, spec.src_uri, content=spec.markdown(front_matter=False), inclusion=inclusion)
            if spec.source is not None:
                source = (self.base_dir / spec.source).resolve()
                file.edit_uri = Path(os.path.relpath(source, Path(config.docs_dir).resolve())).as_posix()
            if self.skipping and spec.kind.cached:
                key = page_key(self.site.page_fingerprint(spec), spec.src_uri, file.dest_uri, file.edit_uri,
                               spec.meta())
                if self.preview.plan(spec.src_uri, key):
                    file.inclusion = InclusionLevel.EXCLUDED  # its last output stands for it (see on_nav)
            files.append(file)
            self.specs[spec.src_uri] = spec
        for src_uri, text in self.site.markdown_pages().items():
            if files.get_file_from_path(src_uri) is None:
                files.append(File.generated(config, src_uri, content=text))
        self.stubs = set()
        if self.problems and not settings.public_only:
            # A public preview names no technology it does not publish; its "not found" page has the list.
            errors = [d for d in build.findings if d.severity == Severity.ERROR]
            layout = Layout(config.use_directory_urls)
            for src_uri in unbuilt_technologies(errors, set(view.by_slug), layout).values():
                if files.get_file_from_path(src_uri) is None:
                    files.append(File.generated(config, src_uri, content=f"# {STUB_TITLE}\n",
                                                inclusion=InclusionLevel.NOT_IN_NAV))
                    self.stubs.add(src_uri)
        for site_path, text in self.site.files().items():
            self._replace(files, File.generated(config, site_path, content=text))
        for site_path, source in self.site.assets().items():
            self._replace(files, File.generated(config, site_path, abs_src_path=str(source)))
        return files

    def _may_defer(self, config: MkDocsConfig) -> bool:
        """Whether technology pages may wait for the theme to need them, rather than be made when read.

        Waiting lets this process lay out a page in the theme while the helper renders the next
        ones. It is only done when no other plugin or hook looks at page HTML before this plugin
        fills it in.
        """
        events = config.plugins.events
        ours = [getattr(method, "__self__", None) is self for method in events.get("page_content", [])]
        context = events.get("page_context", [])
        return all(ours) and bool(context) and getattr(context[0], "__self__", None) is self

    def _may_skip(self, config: MkDocsConfig) -> bool:
        """Whether a preview may leave unchanged technology pages out of a rebuild.

        Only when nothing but this plugin and a search plugin (whose entries are kept) works on
        pages: another plugin or hook could make a page differ from its last output.
        """
        events = config.plugins.events
        for name in ("pre_page", "page_read_source", "page_markdown", "page_content", "page_context",
                     "post_page"):
            for method in events.get(name, []):
                owner = getattr(method, "__self__", None)
                if owner is not self and type(owner).__module__ not in _SEARCH_PLUGINS:
                    return False
        return True

    def on_env(self, env: Environment, *, config: MkDocsConfig, files: Files) -> Environment | None:
        """In a preview, keep the theme's compiled templates for the next rebuild.

        The engine makes a new template environment for every build, which compiles the theme's
        templates again; the compiled code is kept by template and checked against the source's
        checksum (Jinja's own bytecode cache), so an edited override is compiled anew.
        """
        if self.previewing and env.bytecode_cache is None:
            env.bytecode_cache = self.templates
        return env

    def on_nav(self, nav: Any, *, config: MkDocsConfig, files: Files) -> Any:
        """In a preview's rebuild, leave unchanged technology pages out only if their surroundings are unchanged."""
        self.files = files
        if not self.skipping:
            return nav
        self.preview.settle(self._frame(nav, config, files))
        for file in files:
            if file.inclusion == InclusionLevel.EXCLUDED and file.src_uri in self.preview.keys:
                if file.src_uri in self.preview.skipped:
                    Page(None, file, config)  # not built; the sitemap lists it (see on_template_context)
                else:
                    file.inclusion = InclusionLevel.NOT_IN_NAV
        return nav

    def _frame(self, nav: Any, config: MkDocsConfig, files: Files) -> str:
        """What every page shows around its content: navigation, theme, configuration, the error list, the day."""
        today = self.site.view.now.date() if self.site is not None else None
        parts: list[object] = [self.problems, _nav_shape(nav.items), today, config.site_url]
        if config.config_file_path and os.path.isfile(config.config_file_path):
            parts.append(Path(config.config_file_path).read_bytes())
        custom = config.theme.custom_dir
        if custom and os.path.isdir(custom):
            parts += sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in Path(custom).rglob("*")
                            if p.is_file())
        for file in files:
            if file.generated_by is None and file.abs_src_path:
                info = os.stat(file.abs_src_path)
                parts.append((file.src_uri, info.st_mtime_ns, info.st_size))
            elif file.src_uri not in self.preview.keys:
                spec = self.specs.get(file.src_uri)
                parts.append((file.src_uri, sorted(spec.meta().items()) if spec is not None else None))
        return digest(*parts)

    def on_template_context(self, context: Any, *, template_name: str, config: MkDocsConfig) -> Any:
        """The sitemap of a preview's rebuild lists the technology pages kept from the last build too."""
        if template_name == "sitemap.xml" and self.skipping and self.preview.skipped and self.files is not None:
            context["pages"] = self._page_files(self.files)
        return context

    def _page_files(self, files: Files) -> list[File]:
        """Documentation pages in build order, with the kept ones where a full build has them."""
        skipped = self.preview.skipped
        return [file for file in files if file.is_documentation_page()
                and (file.inclusion.is_included() or file.src_uri in skipped)]

    @event_priority(-100)  # last: what is kept is what is written
    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str | None:
        """Keep a preview's technology page for the next rebuild."""
        if self.skipping:
            self.preview.made_page(page.file.src_uri, page.file.dest_uri, output)
        return output

    @staticmethod
    def _search_entries(config: MkDocsConfig) -> list | None:
        """The entries of the search index being made (MkDocs' or Material's search plugin), if any."""
        for plugin in config.plugins.values():
            if type(plugin).__module__ in _SEARCH_PLUGINS:
                index = getattr(plugin, "search_index", None)
                entries = getattr(index, "entries", None)
                if entries is None:
                    entries = getattr(index, "_entries", None)
                return entries if isinstance(entries, list) else None
        return None

    @staticmethod
    def _replace(files: Files, file: File) -> None:
        existing = files.get_file_from_path(file.src_uri)
        if existing is not None:
            files.remove(existing)
        files.append(file)

    @property
    def previewing(self) -> bool:
        """Whether this build is a ``mkdocs serve`` preview, which shows errors on its pages rather than stopping."""
        return self.command == "serve" or self.serving

    def _report(self, diagnostics: list[Diagnostic], config: MkDocsConfig) -> None:
        """Stop on errors, printed as ``mltrl check`` prints them; pass warnings to MkDocs.

        A preview does not stop: MkDocs' server holds every request while its last build
        failed, so the browser would wait until the file is fixed without ever being told
        why. The errors are logged and put on top of every page instead (:attr:`problems`).
        """
        self.problems = ""
        errors = [d for d in diagnostics if d.severity == Severity.ERROR]
        if errors and not self.previewing:
            raise PluginError("mltrl: the content has errors; fix them (mltrl check shows the same list):\n"
                              + format_text(diagnostics).rstrip("\n"))
        for diag in diagnostics:
            line = format_finding(diag)  # one printable line, as in 'mltrl check'
            if diag.severity == Severity.ERROR:
                log.error(line)
            elif diag.severity == Severity.WARNING:
                log.warning(line)
            else:
                log.info(line)
        if errors:
            self.problems = render_problems(errors, config.theme.dirs)
            log.error(f"{summary_line(diagnostics)} The preview shows the errors on every page until a saved "
                      "file fixes them; mkdocs build fails on them.")

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        """Give a generated page its title; give a hand-written home page the portfolio below its own text."""
        if page.file.src_uri in self.stubs:
            page.meta = {"title": STUB_TITLE, "hide": ["navigation"]}
            return markdown
        spec = self.specs.get(page.file.src_uri)
        if spec is not None and page.file.generated_by is not None:
            page.meta = spec.meta()  # set here rather than parsed from YAML front matter, a thousand times
            return markdown
        if spec is not None and spec.kind.below_docs_page and page.file.generated_by is None:
            page.meta.setdefault("hide", list(spec.hide))
            if PLACEHOLDER not in markdown:
                return markdown.rstrip("\n") + "\n\n" + PLACEHOLDER + "\n"
        return markdown

    @event_priority(100)  # before other plugins look at the HTML, so they see the finished page
    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        """Put the generated HTML in place of the placeholder and give the page its table of contents.

        While a preview's content has errors, every page opens with their list.
        """
        html = self.problems + html
        spec = self.specs.get(page.file.src_uri)
        if self.site is None or spec is None or PLACEHOLDER not in html:
            return html
        if self.defer and spec.kind.cached:
            # Rendered when the theme needs it (see on_page_context): the helper is likely done with it.
            self.deferred[page.file.src_uri] = html
            return html
        return self._fill(html, page, spec)

    def on_post_template(self, output_content: str, *, template_name: str, config: MkDocsConfig) -> str | None:
        """Give the "not found" page of a preview the error list too: a broken card's page may be missing."""
        if not self.problems or template_name != "404.html":
            return output_content
        match = _ARTICLE.search(output_content) or _BODY.search(output_content)
        at = match.end() if match else 0
        return output_content[:at] + self.problems + output_content[at:]

    def _fill(self, html: str, page: Page, spec: PageSpec) -> str:
        """``html`` with the page's generated HTML in place of the placeholder; sets the page's contents."""
        try:
            below = spec.kind.below_docs_page and page.file.generated_by is None
            key = self.site.index_key(spec, below) if self.skipping and not spec.kind.cached else None
            kept = self.fragments.get(spec.src_uri)
            reused = key is not None and kept is not None and kept[0] == key
            if reused:
                rendered = kept[1]  # a preview's save changed nothing this index page shows
            elif below:
                rendered = spec.kind.render_below(self.site, spec)
            else:
                if self.helper is not None and spec.kind.cached:
                    self.helper.wait_for(spec.slug, lambda: self.site.is_cached(spec), self._spare)
                rendered = self.site.render(spec)
            if key is not None:
                self.indexes[0] += not reused
                self.indexes[1] += 1
                self.fragments[spec.src_uri] = (key, rendered)
            page.toc = TableOfContents(list(page.toc) + list(_toc(rendered.toc))) if below else _toc(rendered.toc)
            if rendered.search is not None:
                self.search_content[page.file.src_uri] = html.replace(PLACEHOLDER, rendered.search, 1)
        except Exception as exc:  # noqa: BLE001 - a broken override template must name the page
            raise PluginError(printable(f"mltrl: could not render the {spec.kind.name} page {spec.src_uri}: "
                                        f"{type(exc).__name__}: {exc}")) from exc
        return html.replace(PLACEHOLDER, rendered.html, 1)

    def _spare(self, spec: PageSpec) -> None:
        """Render a page into the page cache unless it is there (time this process would spend waiting)."""
        if self.site is not None and not self.site.is_cached(spec):
            self.site.render(spec)

    @event_priority(100)
    def _show_search_content(self, context: dict, *, page: Page, config: MkDocsConfig, nav: Any) -> dict:
        """Fill a deferred page; then, before the search plugin indexes it, hand it the page's searchable part."""
        if self.skipping:
            self.preview.indexing(page.file.src_uri, self._search_entries(config))
        deferred = self.deferred.pop(page.file.src_uri, None)
        if deferred is not None:
            page.content = self._fill(deferred, page, self.specs[page.file.src_uri])
        lean = self.search_content.get(page.file.src_uri)
        if lean is not None and page.content is not None:
            self.full_content[page.file.src_uri] = page.content
            page.content = lean
        return context

    @event_priority(-100)
    def _restore_content(self, context: dict, *, page: Page, config: MkDocsConfig, nav: Any) -> dict:
        """After indexing, put the whole page back for the theme to render."""
        if self.skipping:
            self.preview.indexed(page.file.src_uri, self._search_entries(config))
        full = self.full_content.pop(page.file.src_uri, None)
        if full is not None:
            page.content = full
            self.search_content.pop(page.file.src_uri, None)
        return context

    # A technology page is mostly tables and charts; indexing them would make every rule code and date
    # match every card, and parsing them made search the slowest part of a large build.
    on_page_context = CombinedEvent(_show_search_content, _restore_content)

    @event_priority(100)  # before the search plugin writes its index
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Wait for the helper (done by now) and resume the garbage collector paused in :meth:`on_config`.

        A preview's rebuild writes the technology pages it left out as the last build made them,
        and puts their search entries back where a full build has them.

        Under ``mkdocs build`` and ``gh-deploy`` the collector stays paused until :meth:`on_shutdown`, as
        the process ends with the command; ``mkdocs serve`` and builds run from Python resume it here.
        """
        self._end_helper()
        if self.skipping:
            self._restore_kept(config)
        if self.command not in ("build", "gh-deploy"):
            self._resume_collector()

    def _restore_kept(self, config: MkDocsConfig) -> None:
        site = Path(config.site_dir)
        for src_uri, kept in self.preview.skipped.items():
            target = site / kept.dest_uri
            target.parent.mkdir(parents=True, exist_ok=True)
            if not self.kept_files.put_back(src_uri, target):
                target.write_bytes(kept.output.encode("utf-8", errors="xmlcharrefreplace"))  # as MkDocs writes pages
                self.kept_files.keep(src_uri, target)
        for src_uri, made in self.preview.made.items():
            self.kept_files.keep(src_uri, site / made.dest_uri)
        log.info(f"mltrl: technology pages laid out again: {len(self.preview.made)} of "
                 f"{len(self.preview.made) + len(self.preview.skipped)}; index pages rendered again: "
                 f"{self.indexes[0]} of {self.indexes[1]} (the others are unchanged)")
        entries = self._search_entries(config)
        if entries is not None and self.preview.skipped and self.files is not None:
            entries[:] = self.preview.search_entries([f.src_uri for f in self._page_files(self.files)], entries)
        self.preview.finish()

    def on_build_error(self, *, error: Exception) -> None:
        """Stop the helper process and resume the garbage collector when the build fails."""
        self.preview.reset()
        self.kept_files.forget()
        self._end_helper(stop=True)
        self._resume_collector()

    def _end_helper(self, *, stop: bool = False) -> None:
        if self.helper is not None:
            self.helper.finish(stop=stop)
            self.helper = None
            if self.site is not None and not stop:
                pages = sum(1 for spec in self.specs.values() if spec.kind.cached)
                log.debug(f"mltrl: technology pages rendered by the build: {self.site.rendered}, taken from "
                          f"the page cache (the helper process and earlier builds): {pages - self.site.rendered}")

    def _resume_collector(self) -> None:
        if self._collecting:
            self._collecting = False
            collector.resume()

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        """Rebuild when anything under the content roots changes."""
        self.serving = True  # `mkdocs serve --clean` starts its plugins as for `build`
        if self.settings.enabled:
            for root in self.settings.roots:
                folder = self.base_dir / root
                if folder.is_dir():
                    server.watch(str(folder))
        return server


class _CompiledTemplates(BytecodeCache):
    """Jinja's bytecode cache, in memory: compiled templates by name, each checked against its source's checksum."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)  # refused by the bucket when the source changed

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        self.compiled = {}


_SEARCH_PLUGINS = ("mkdocs.contrib.search", "material.plugins.search.plugin")
"""Modules of the search plugins whose index entries a preview keeps for the pages it does not build again."""


def _nav_shape(items: list) -> list:
    """Titles, addresses and children of navigation items: what the theme shows of the navigation."""
    return [(type(item).__name__, item.title, getattr(item, "url", None), _nav_shape(item.children or []))
            for item in items]


_ARTICLE = re.compile(r"<article\b[^>]*>")
"""Where Material's page content begins."""
_BODY = re.compile(r"<body\b[^>]*>")
"""Where any theme's page begins, for a theme without an ``article``."""

_WHERE = {"process": "in a second process", "thread": "on a second thread", "here": "in this process"}


def _toc(entries: list[TocEntry]) -> TableOfContents:
    """Nest ``h2``/``h3`` entries into MkDocs' table of contents."""
    tokens: list[dict] = []
    for entry in entries:
        token = {"level": entry.rank, "id": entry.id, "name": entry.title, "children": []}
        if entry.rank == 3 and tokens:
            tokens[-1]["children"].append(token)
        elif entry.rank == 2:
            tokens.append(token)
    return get_toc(tokens)  # type: ignore[arg-type]

