"""Pausing Python's cyclic garbage collector around work that makes many objects and few reference cycles.

Reading a portfolio, deriving its history and building its site make hundreds of thousands of small
objects that live until the work ends. With the collector on, their allocation sets off collection
after collection that walks them again and frees nothing; so the work runs with it paused
(:func:`paused`).

Turning it back on is not free either: everything made meanwhile is still in the youngest
generation, and the first allocation after would have the collector walk all of it at once.
:func:`resume` moves it to the oldest generation instead, unwalked (:func:`gc.freeze` then
:func:`gc.unfreeze`), where the collector's next full pass, which comes when that generation has
grown by a quarter, looks at it with everything else. Nothing is left frozen, so a process that
goes on (``mkdocs serve``) frees its garbage as ever.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


def resume() -> None:
    """Turn the collector on, with what was made while it was off moved to the oldest generation.

    When the process has frozen objects of its own (:func:`gc.get_freeze_count`), they stay frozen
    and the collector is only turned on.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
    gc.enable()


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Pause the collector, if it runs, for the block; then :func:`resume` it."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            resume()
