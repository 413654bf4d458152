"""Technology pages rendered ahead by a second process, while the site engine works through the first ones.

A cold build of a large portfolio spends much of its time rendering
technology pages, one after the other, on one core. Where the system can
fork and a second core is free, :func:`render_ahead` starts a copy of the
build process that renders the pages from the last one backwards into the
signed page cache (:class:`~mltrl_docs.site.cache.PageCache`). The build
process renders from the first one forwards, as the engine asks for them,
and takes every page it finds in the cache; the two meet in the middle. The
helper stops at the first page it finds already done, and the pages are
byte for byte those a single process renders.

Nothing else changes: the helper writes only cache entries (each written to a
temporary file and renamed), never logs, and leaves without running any exit
handler. When a helper is used at all is decided by :func:`mltrl_docs.parallel.available`.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Sequence

from ..parallel import available
from .pages import PageSpec, Site

MIN_PAGES = 16
"""Fewer pages to render than this are not worth a second process."""


class Helper:
    """A running helper process; :meth:`finish` waits for it (it stops within one page)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def finish(self, *, stop: bool = False) -> None:
        """Wait for the helper to end; ``stop`` ends it first (the build failed or is over)."""
        if self.pid == 0:
            return
        try:
            if stop:
                os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ChildProcessError, ProcessLookupError):
            pass
        self.pid = 0


def render_ahead(site: Site, specs: Sequence[PageSpec]) -> Helper | None:
    """Start a helper rendering the technology pages among ``specs`` from the last, or ``None`` when not worth it."""
    cache = site.cache
    if cache is None or cache.folder is None or not available():
        return None
    pages = [spec for spec in specs if spec.kind == "technology"]
    todo = [spec for spec in pages if not site.is_cached(spec)]
    if len(todo) < MIN_PAGES:
        return None
    try:
        cache.folder.mkdir(parents=True, exist_ok=True)
        pid = os.fork()
    except OSError:
        return None
    if pid != 0:
        return Helper(pid)
    # The helper: render from the end until a page is found done, then leave without cleanup handlers
    # (they belong to the build process) and without flushing buffers it shares with it.
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        for spec in reversed(todo):
            if site.is_cached(spec):
                break  # the build process got here: the rest is done
            site.render(spec)
    except BaseException:  # noqa: BLE001 - the build process renders whatever the helper could not
        code = 1
    finally:
        os._exit(code)
