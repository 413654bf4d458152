"""Maturity history of technologies, derived from git commits and recorded events.

``load_history(portfolio)`` returns a :class:`~mltrl_docs.history.model.PortfolioHistory`;
its ``diagnostics`` hold the history findings (codes ``HIS001``-``HIS008``),
which :func:`findings` recomputes for a portfolio and a history.
"""

from .extract import HistoryStart, load_history, start_history
from .findings import findings
from .model import (
           CardVersion,
           Event,
           LevelSpan,
           PortfolioHistory,
           SkippedVersion,
           TechnologyHistory,
)

__all__ = ["CardVersion", "Event", "HistoryStart", "LevelSpan", "PortfolioHistory", "SkippedVersion",
           "TechnologyHistory", "findings", "load_history", "start_history"]
