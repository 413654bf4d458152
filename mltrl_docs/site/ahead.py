"""Technology pages rendered ahead by a second process, while the site engine lays out the ones before.

A cold build of a large portfolio spends much of its time rendering
technology pages and then laying each out in the theme, one after the other,
on one core. Where a second process can be used
(:func:`mltrl_docs.parallel.available`), :func:`render_ahead` starts a copy
of the build process that renders the pages, in the order the engine will ask
for them, into the signed page cache (:class:`~mltrl_docs.site.cache.PageCache`).
The build process takes each page from the cache when it gets there, and
renders it itself when the helper has not got there yet; the helper skips the
pages it finds done, and the build process waits for the page the helper is
rendering rather than render it twice (the helper's position is shared
memory). While the build process lays out one page in the theme, the helper
renders the next ones. The pages are byte for byte those a single
process renders.

Nothing else changes: the helper writes only cache entries (each written to a
temporary file and renamed), never logs, and leaves without running any exit
handler.
"""

from __future__ import annotations

import mmap
import os
import signal
import struct
import time
from collections.abc import Callable, Sequence

from ..parallel import available
from .kinds import PageSpec
from .pages import Site

MIN_PAGES = 16
"""Fewer pages to render than this are not worth a second process."""


class Helper:
    """A running helper process, and which page it is rendering now."""

    def __init__(self, pid: int, position: mmap.mmap, todo: list[PageSpec]) -> None:
        self.pid = pid
        self._position = position
        """Shared with the helper: the index (in ``todo``) of the page it is rendering, or -1."""
        self._order = {spec.slug: index for index, spec in enumerate(todo)}
        self._todo = todo
        self._tail = len(todo) - 1
        """The next page from the end this process renders instead of waiting."""

    def rendering(self, slug: str) -> bool:
        """Whether the helper is rendering ``slug``'s page at this moment."""
        index = self._order.get(slug)
        return index is not None and self.pid != 0 and _POSITION.unpack_from(self._position)[0] == index

    def wait_for(self, slug: str, done: Callable[[], bool], spare: Callable[[PageSpec], None] | None = None,
                 limit: float = 10.0) -> None:
        """While the helper renders ``slug``'s page, use the time: render pages from the end of the list.

        Rendering ``slug``'s page a second time would waste the helper's work, and idling would
        hold this process to the helper's pace. ``spare(spec)`` renders a page into the cache
        unless it is there; the helper skips such pages when it gets to them. Taken from the end,
        far from where the helper works, no page is rendered twice until the two meet.
        """
        index = self._order.get(slug)
        deadline = time.monotonic() + limit
        while self.rendering(slug) and not done() and time.monotonic() < deadline:
            if spare is not None and index is not None and self._tail > index + 1:
                spec = self._todo[self._tail]
                self._tail -= 1
                spare(spec)
                continue
            time.sleep(0.0005)

    def finish(self, *, stop: bool = False) -> None:
        """Wait for the helper to end; ``stop`` ends it first (the build failed)."""
        if self.pid == 0:
            return
        try:
            if stop:
                os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ChildProcessError, ProcessLookupError):
            pass
        self.pid = 0


_POSITION = struct.Struct("q")


def render_ahead(site: Site, specs: Sequence[PageSpec]) -> Helper | None:
    """Start a helper rendering the technology pages among ``specs``, in order, or ``None`` when not worth it."""
    cache = site.cache
    if cache is None or cache.folder is None or not available():
        return None
    pages = [spec for spec in specs if spec.kind.cached]
    todo = [spec for spec in pages if not site.is_cached(spec)]
    if len(todo) < MIN_PAGES:
        return None
    site.token = os.urandom(16).hex()  # what the helper writes in this build needs no fingerprint check
    site.ahead = {spec.slug for spec in todo}
    try:
        cache.folder.mkdir(parents=True, exist_ok=True)
        position = mmap.mmap(-1, _POSITION.size)  # anonymous and shared with the forked helper
        _POSITION.pack_into(position, 0, -1)
        pid = os.fork()
    except OSError:
        site.token, site.ahead = None, set()
        return None
    if pid != 0:
        return Helper(pid, position, todo)
    # The helper: render every page not done yet, then leave without cleanup handlers (they belong to
    # the build process) and without flushing buffers it shares with it.
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        for index, spec in enumerate(todo):
            if not site.is_cached(spec):  # else the build process got there first
                _POSITION.pack_into(position, 0, index)
                site.render(spec)
        _POSITION.pack_into(position, 0, -1)
    except BaseException:  # noqa: BLE001 - the build process renders whatever the helper could not
        code = 1
    finally:
        os._exit(code)
