"""Portfolio analytics: where technologies spend their time, how they move, where they loop.

MLTRL promises that progress becomes measurable across projects: time per
level shows bottlenecks, and the most frequent transitions and cycles show
where work goes back and forth. Everything here is computed from the
histories (recorded and git events alike); uncommitted changes are left out.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter

from ..loader import Portfolio
from .model import PortfolioHistory, TechnologyHistory
from .targets import quarter_of, target_states

TOP_CYCLES = 10
"""How many cycles the analytics list."""


def stays(history: TechnologyHistory) -> list[tuple[int, dt.datetime, dt.datetime | None]]:
    """Uninterrupted stays at one level (pauses included): (level, start, end or ``None`` if current)."""
    out: list[list] = []
    for span in history.spans:
        if out and out[-1][0] == span.level:
            out[-1][2] = span.end
        else:
            out.append([span.level, span.start, span.end])
    return [tuple(s) for s in out]


def _spread(days: list[float]) -> dict:
    if not days:
        return {"stays": 0, "median_days": None, "p25_days": None, "p75_days": None, "min_days": None,
                "max_days": None}
    ordered = sorted(days)
    if len(ordered) >= 2:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        q1 = q3 = ordered[0]
    return {"stays": len(ordered), "median_days": round(statistics.median(ordered), 1), "p25_days": round(q1, 1),
            "p75_days": round(q3, 1), "min_days": round(ordered[0], 1), "max_days": round(ordered[-1], 1)}


def cycles(history: TechnologyHistory) -> list[tuple[int, ...]]:
    """Level loops: from a level, back down by a switchback, and up again to that level."""
    levels = [e.to_level for e in history.level_events]
    found = []
    for i in range(1, len(levels)):
        if levels[i] < levels[i - 1]:
            top = levels[i - 1]
            for j in range(i + 1, len(levels)):
                if levels[j] >= top:
                    found.append(tuple(levels[i - 1:j + 1]))
                    break
    return found


def _quarter(when: dt.datetime) -> str:
    return f"{when.year}-Q{(when.month - 1) // 3 + 1}"


def portfolio_analytics(portfolio: Portfolio, history: PortfolioHistory,
                        slugs: list[str] | None = None) -> dict:
    """Analytics over the technologies of ``portfolio`` (or only ``slugs``) as plain JSON data.

    Keys: ``technologies``, ``current_levels`` (count per level),
    ``time_in_level`` (per level: completed stays with median, quartiles,
    min and max in days, and open stays), ``transitions`` (from, to, kind,
    count), ``cycles`` (most frequent loops), ``graduations_per_quarter``,
    ``switchbacks`` (count per kind), ``skips`` and ``targets_per_quarter`` (targets met and
    missed, by the quarter of their date: met means reached by the date; missed means the date
    passed first, whether the level came later or not yet; targets still on track are not counted).
    """
    chosen = [s for s in (slugs if slugs is not None else portfolio.technologies) if s in history.projects]
    completed: dict[int, list[float]] = {level: [] for level in range(10)}
    open_stays: Counter = Counter()
    transitions: Counter = Counter()
    loop_counts: Counter = Counter()
    quarters: Counter = Counter()
    switchbacks: Counter = Counter({"embedded": 0, "review": 0, "discovery": 0})
    current: Counter = Counter()
    skips = 0
    targets: dict[str, Counter] = {}
    for slug in chosen:
        tech_history = history.projects[slug]
        card = portfolio.technologies[slug].model if slug in portfolio.technologies else None
        for status in target_states(card, tech_history, history.now) if card is not None else []:
            if status.state == "met" or status.missed:
                targets.setdefault(quarter_of(status.by), Counter({"met": 0, "missed": 0}))[
                    "met" if status.state == "met" else "missed"] += 1
        for level, start, end in stays(tech_history):
            if end is None:
                open_stays[level] += 1
            else:
                completed[level].append(max((end - start).total_seconds(), 0) / 86400)
        for event in tech_history.events:
            if event.kind in ("graduation", "switchback", "skip"):
                transitions[(event.from_level, event.to_level, event.kind)] += 1
            if event.kind == "graduation":
                quarters[_quarter(event.date)] += 1
            elif event.kind == "switchback":
                switchbacks[event.switchback_kind or "discovery"] += 1
            elif event.kind == "skip":
                skips += 1
        for loop in cycles(tech_history):
            loop_counts[loop] += 1
        levels = tech_history.level_events
        if levels:
            current[levels[-1].to_level] += 1
    return {
        "technologies": len(chosen),
        "current_levels": {str(level): current.get(level, 0) for level in range(10)},
        "time_in_level": {str(level): {**_spread(completed[level]), "open_stays": open_stays.get(level, 0)}
                          for level in range(10)},
        "transitions": [{"from": a, "to": b, "kind": kind, "count": n}
                        for (a, b, kind), n in sorted(transitions.items(), key=lambda item: (-item[1], item[0]))],
        "cycles": [{"levels": list(loop), "count": n}
                   for loop, n in sorted(loop_counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_CYCLES]],
        "graduations_per_quarter": dict(sorted(quarters.items())),
        "switchbacks": dict(switchbacks),
        "skips": skips,
        "targets_per_quarter": {quarter: dict(counts) for quarter, counts in sorted(targets.items())},
    }
