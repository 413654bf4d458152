"""What the ``mltrl`` command does differently on a terminal: colour on standard output, progress on standard error.

Both follow the conventions people set in their shells: ``NO_COLOR`` (any
non-empty value) turns colour off, ``FORCE_COLOR`` (any non-empty value) turns it
on even through a pipe, and nothing is coloured otherwise unless standard output
is a terminal. Progress is drawn only on a terminal's standard error and never in
CI (``CI`` set), so what a script reads from standard output is the same in every
case, and logs stay free of redrawn lines.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from ..progress import SILENT, Progress, Stage


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"
    except ValueError:  # a closed stream
        return False


def use_colour(stream: TextIO | None = None) -> bool:
    """Whether text written to ``stream`` (standard output by default) may be coloured."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return _is_terminal(stream if stream is not None else sys.stdout)


def shows_progress(stream: TextIO | None = None) -> bool:
    """Whether progress may be drawn on ``stream`` (standard error by default): a terminal, outside CI."""
    return not os.environ.get("CI") and _is_terminal(stream if stream is not None else sys.stderr)


class _BarStage(Stage):
    """A stage drawn as one line of the bars: a spinner and the time for ever, a bar when the count is known."""

    def __init__(self, bars, description: str, total: int | None) -> None:
        self.bars = bars
        self.total = total
        self.done = 0
        self.task = bars.add_task(description, total=total, count=self._count())

    def _count(self) -> str:
        return f"{self.done}/{self.total}" if self.total is not None else ""

    def advance(self, amount: int = 1) -> None:
        """Move the stage's bar on by ``amount`` items."""
        self.done += amount
        self.bars.update(self.task, advance=amount, count=self._count())

    def end(self) -> None:
        """Take the stage's line away: the bars show only what is still going on."""
        self.bars.remove_task(self.task)


class TerminalProgress(Progress):
    """Progress drawn on a terminal's standard error by ``rich``, and erased when the work is done."""

    def __init__(self, bars) -> None:
        self.bars = bars

    def stage(self, description: str, total: int | None = None) -> Stage:
        """A new line of the bars for the stage."""
        return _BarStage(self.bars, description, total)


@contextmanager
def terminal_progress() -> Iterator[Progress]:
    """The progress of a command: drawn on standard error when it is a terminal outside CI, else :data:`SILENT`.

    The bars are stopped (and erased) when the block ends, before the command writes its
    results, so they never mix with standard output.
    """
    if not shows_progress():
        yield SILENT
        return
    # rich is imported only here, on a terminal: it takes a noticeable part of a second to load,
    # which a check in a script or CI should not pay for bars it never draws.
    from rich.console import Console
    from rich.progress import BarColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bars

    # A stage without a count (git at work) shows a moving bar and its time, one with a count "done/total".
    bars = Bars(SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(),
                TextColumn("{task.fields[count]}", markup=False), TimeElapsedColumn(), console=Console(file=sys.stderr),
                transient=True, redirect_stdout=False, redirect_stderr=False)
    with bars:
        yield TerminalProgress(bars)
