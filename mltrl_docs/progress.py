"""How far long work has come: the stages of a build or a demo, and the items each has done.

The core reports its stages to a :class:`Progress` and never decides how (or
whether) they are shown: the base class shows nothing, and the ``mltrl`` command
hands in one that draws bars on a terminal (:mod:`mltrl_docs.cli.terminal`).
"""

from __future__ import annotations


class Stage:
    """One stage of long work; this one shows nothing. Used as a context manager, it ends with the block."""

    def advance(self, amount: int = 1) -> None:
        """``amount`` more items of the stage are done."""

    def end(self) -> None:
        """The stage is over (whether it finished or failed)."""

    def __enter__(self) -> Stage:
        return self

    def __exit__(self, *exc) -> None:
        self.end()


class Progress:
    """Where long work reports its stages; this one shows nothing (output to a file, a pipe, CI)."""

    def stage(self, description: str, total: int | None = None) -> Stage:
        """Begin a stage described in a few words (``Reading the documents``), of ``total`` items if known."""
        return Stage()


SILENT = Progress()
"""The progress of work whose stages nobody watches."""
