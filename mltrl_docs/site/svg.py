"""Inline SVG charts: the maturity timeline, the portfolio swimlane and level chart, the risk matrix.

Every chart is plain SVG with a ``<title>``, a ``<desc>`` and native tooltips,
so it reads without JavaScript and prints as vectors. Colours come from CSS
classes (``mltrl-l4``...) so the light and dark themes can restyle them; the
presentation attributes written here are only the fallback. Every piece of
text is escaped: titles and names come from cards.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from ..models import LEVEL_NAMES, phase_of

LEVEL_COLOURS = ("#b39ddb", "#9575cd", "#7e57c2", "#64b5f6", "#42a5f5", "#1e88e5",
                 "#81c784", "#66bb6a", "#43a047", "#2e7d32")
"""Fallback colour of each level: purples for research, blues for prototype, greens for product."""
SWITCHBACK_COLOURS = {"embedded": "#ef6c00", "review": "#c62828", "discovery": "#ad1457"}
"""Fallback colour of each switchback kind."""
SWITCHBACK_LABELS = {"embedded": "embedded (planned by the process)", "review": "sent back by a review",
                     "discovery": "found during the work"}
"""What each switchback kind means, for legends and tooltips."""
_LINK = "xlink:href"
"""The address attribute of a link inside a chart. Browsers follow ``xlink:href`` as they follow ``href``, but
Material's instant navigation rewrites every relative ``[href]`` of a page it loads by assigning ``el.href``,
which an SVG link does not allow (it is read-only there): with ``href`` the next page never showed."""


def _a(value: object) -> str:
    """An attribute value or text node, escaped."""
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is float:
        return f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return escape(str(value), quote=True)


def el(tag: str, attrs: dict[str, object] | None = None, content: str = "", *, close: bool = True) -> str:
    """One SVG element; ``content`` must already be markup (use :func:`text` for text)."""
    # A page holds hundreds of elements: attributes are written in one pass, without a call for
    # each value that needs no escaping.
    head = tag
    if attrs:
        head += "".join(f' {key}="{value if type(value) is int else _a(value)}"' for key, value in attrs.items()
                        if value is not None and value is not False)
    if not content and close:
        return f"<{head}/>"
    return f"<{head}>{content}</{tag}>"


def text(value: object) -> str:
    """Escaped text content."""
    return escape(str(value), quote=False)


def tooltip(value: str) -> str:
    """A native tooltip (an SVG ``<title>`` child)."""
    return f"<title>{text(value)}</title>"


def svg(width: int, height: int, title: str, desc: str, body: str, *, css_class: str, ident: str) -> Markup:
    """A complete inline ``<svg>`` with its accessible name and description."""
    content = (el("title", {"id": f"{ident}-title"}, text(title)) + el("desc", {"id": f"{ident}-desc"}, text(desc))
               + body)
    return Markup(el("svg", {"xmlns": "http://www.w3.org/2000/svg", "class": css_class,
                             "viewBox": f"0 0 {width} {height}", "width": width, "height": height, "role": "img",
                             "preserveAspectRatio": "xMinYMin meet", "aria-labelledby": f"{ident}-title {ident}-desc",
                             "focusable": "false"}, content))


# --- time axis ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeScale:
    """Maps datetimes to x positions between ``left`` and ``right``."""

    start: dt.datetime
    end: dt.datetime
    left: float
    right: float

    @classmethod
    def covering(cls, dates: Iterable[dt.datetime], now: dt.datetime, left: float, right: float,
                 until: dt.datetime | None = None) -> "TimeScale":
        """A scale from the earliest date to ``now`` (or to ``until``, when later), padded, at least a month wide."""
        values = [d for d in dates if d is not None]
        start = min(values, default=now)
        start = min(start, now - dt.timedelta(days=30))
        last = until if until is not None and until > now else now
        span = last - start
        return cls(start - span * 0.02, last + span * 0.015, left, right)

    def x(self, when: dt.datetime) -> float:
        """x position of ``when``, clamped to the scale."""
        total = (self.end - self.start).total_seconds() or 1.0
        share = (when - self.start).total_seconds() / total
        return round(self.left + max(0.0, min(1.0, share)) * (self.right - self.left), 1)

    def ticks(self) -> list[tuple[dt.datetime, str]]:
        """Tick dates and labels: years, quarters or months, at most about ten."""
        days = (self.end - self.start).days
        tz = self.start.tzinfo
        if days > 3 * 365:
            months, fmt = 12, "year"
        elif days > 270:
            months, fmt = 3, "quarter"
        else:
            months, fmt = 1, "month"
        year, month = self.start.year, self.start.month
        month = ((month - 1) // months + 1) * months + 1
        while month > 12:
            month -= 12
            year += 1
        found = []
        while True:
            when = dt.datetime(year, month, 1, tzinfo=tz)
            if when > self.end:
                break
            if fmt == "year":
                label = str(year)
            elif fmt == "quarter":
                label = f"{year} Q{(month - 1) // 3 + 1}"
            else:
                label = when.strftime("%b %Y")
            found.append((when, label))
            month += months
            while month > 12:
                month -= 12
                year += 1
        step = max(1, len(found) // 10 + (1 if len(found) % 10 else 0)) if len(found) > 10 else 1
        return found[::step]


def _axis(scale: TimeScale, top: float, bottom: float, *, labels_on_top: bool = False) -> str:
    parts = []
    for when, label in scale.ticks():
        x = scale.x(when)
        if x < scale.left + 12 or x > scale.right - 12:
            continue  # a label there would run off the chart
        parts.append(el("line", {"class": "mltrl-tick", "x1": x, "x2": x, "y1": top, "y2": bottom,
                                 "stroke": "#9e9e9e", "stroke-opacity": 0.35}))
        parts.append(el("text", {"class": "mltrl-axis-label", "x": x, "y": top - 6 if labels_on_top else bottom + 14,
                                 "text-anchor": "middle", "font-size": 11, "fill": "currentColor"}, text(label)))
    return el("g", {"class": "mltrl-axis"}, "".join(parts))


def _today(scale: TimeScale, now: dt.datetime, top: float, bottom: float) -> str:
    x = scale.x(now)
    return el("g", {"class": "mltrl-today"},
              el("line", {"x1": x, "x2": x, "y1": top - 4, "y2": bottom, "stroke": "#e53935",
                          "stroke-dasharray": "4 3", "stroke-width": 1.5}, tooltip(f"Today, {now:%Y-%m-%d}"))
              + el("text", {"x": x, "y": top - 6, "text-anchor": "end", "font-size": 11, "fill": "#e53935"},
                   "today"))


# --- maturity timeline ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """A stretch at one level (statuses merged)."""

    level: int
    start: dt.datetime
    end: dt.datetime | None


@dataclass(frozen=True)
class Mark:
    """An event drawn on a timeline."""

    when: dt.datetime
    kind: str
    """``created``, ``graduation``, ``switchback``, ``skip``, ``review``, ``status`` or ``pending``."""
    level: int | None
    label: str
    """Tooltip text."""
    switchback_kind: str | None = None
    source: str = "git"


@dataclass(frozen=True)
class Plan:
    """A target drawn on a timeline: a level to reach by a day."""

    level: int
    by: dt.datetime
    """Where the marker stands in time (noon UTC of the target's day)."""
    state: str
    """``met``, ``met_late``, ``on_track``, ``late`` or ``unknown`` (:mod:`mltrl_docs.history.targets`)."""
    label: str
    """The marker's accessible title (tooltip text)."""


PLAN_HORIZON = dt.timedelta(days=5 * 365)
"""How far past today a timeline's time axis reaches to show targets."""
PLAN_COLOURS = {"met": "#2e7d32", "met_late": "#ef6c00", "on_track": "#1565c0", "late": "#c62828",
                "unknown": "#757575"}
"""Fallback colour of a target marker in each state."""


@dataclass(frozen=True)
class Band:
    """A stretch drawn as a shaded band: paused or stopped."""

    status: str
    start: dt.datetime
    end: dt.datetime | None


def _marker(kind: str, x: float, y: float, switchback_kind: str | None, label: str, source: str) -> str:
    attrs_common = {"data-kind": kind, "data-source": source}
    hollow = source == "recorded"
    if kind == "graduation":
        shape = el("path", {"d": f"M{x} {y - 7} L{x + 6} {y + 4} L{x - 6} {y + 4} Z", "fill": "#fff" if hollow
                            else "#2e7d32", "stroke": "#2e7d32", "stroke-width": 1.5})
    elif kind == "switchback":
        colour = SWITCHBACK_COLOURS.get(switchback_kind or "discovery", "#ad1457")
        fill = "#fff" if hollow else colour
        if switchback_kind == "embedded":
            d = f"M{x} {y - 7} L{x + 7} {y} L{x} {y + 7} L{x - 7} {y} Z"
        elif switchback_kind == "review":
            d = f"M{x - 6} {y - 6} H{x + 6} V{y + 6} H{x - 6} Z"
        else:
            d = f"M{x - 6} {y - 5} L{x + 6} {y - 5} L{x} {y + 7} Z"
        shape = el("path", {"d": d, "fill": fill, "stroke": colour, "stroke-width": 1.5})
        attrs_common["data-switchback"] = switchback_kind
    elif kind == "skip":
        shape = (el("circle", {"cx": x, "cy": y, "r": 7, "fill": "#c62828"})
                 + el("text", {"x": x, "y": y + 4, "text-anchor": "middle", "font-size": 11, "font-weight": 700,
                               "fill": "#fff"}, "!"))
    elif kind == "created":
        shape = el("circle", {"cx": x, "cy": y, "r": 5, "fill": "#fff", "stroke": "#546e7a", "stroke-width": 2})
    elif kind == "pending":
        shape = el("circle", {"cx": x, "cy": y, "r": 5, "fill": "none", "stroke": "#546e7a", "stroke-width": 1.5,
                              "stroke-dasharray": "2 2"})
    elif kind == "review":
        shape = (el("circle", {"cx": x, "cy": y, "r": 6, "fill": "#f9a825", "stroke": "#f57f17"})
                 + el("text", {"x": x, "y": y + 3.5, "text-anchor": "middle", "font-size": 9, "font-weight": 700,
                               "fill": "#3e2723"}, "R"))
    elif kind == "id":
        # A tag shape: the technology is the same, only its name changed.
        shape = el("path", {"d": f"M{x - 6} {y - 4} H{x + 3} L{x + 7} {y} L{x + 3} {y + 4} H{x - 6} Z",
                            "fill": "#fff", "stroke": "#5e35b1", "stroke-width": 1.5})
    else:
        shape = el("rect", {"x": x - 3, "y": y - 3, "width": 6, "height": 6, "fill": "#78909c"})
    return el("g", {"class": f"mltrl-mark mltrl-mark-{kind}", **attrs_common}, shape + tooltip(label))


def _plan(plans: Sequence[Plan], scale: TimeScale, y, bottom: float) -> str:
    """The plan beside the path: a dashed line through the targets in date order, a dashed drop from each
    target to the time axis, and a flag per target with its title, coloured by its state."""
    if not plans:
        return ""
    ordered = sorted(plans, key=lambda p: (p.by, p.level))
    points = [(scale.x(p.by), y(p.level)) for p in ordered]
    parts = []
    if len(points) > 1:
        parts.append(el("polyline", {"class": "mltrl-plan-line", "points": " ".join(f"{_a(x)},{_a(yy)}" for x, yy
                                                                                     in points),
                                     "fill": "none", "stroke": "#1565c0", "stroke-width": 1.5,
                                     "stroke-dasharray": "6 4", "stroke-opacity": 0.7}))
    for plan, (x, yy) in zip(ordered, points):
        colour = PLAN_COLOURS.get(plan.state, PLAN_COLOURS["unknown"])
        hollow = plan.state in ("on_track", "unknown")
        flag = (el("line", {"class": "mltrl-plan-guide", "x1": x, "x2": x, "y1": yy, "y2": bottom, "stroke": colour,
                            "stroke-width": 1, "stroke-dasharray": "2 3", "stroke-opacity": 0.6})
                + el("path", {"d": f"M{_a(x)} {_a(yy + 8)} V{_a(yy - 9)} L{_a(x + 9)} {_a(yy - 5.5)} L{_a(x)} "
                                   f"{_a(yy - 2)}", "fill": "#fff" if hollow else colour, "stroke": colour,
                              "stroke-width": 1.5, "stroke-linejoin": "round"}))
        parts.append(el("g", {"class": f"mltrl-target mltrl-target-{plan.state}", "data-level": plan.level,
                              "data-by": plan.by.date().isoformat(), "data-state": plan.state},
                       flag + tooltip(plan.label)))
    return el("g", {"class": "mltrl-plan"}, "".join(parts))


@functools.lru_cache(maxsize=4)
def _timeline_grid(left: int, right: int, top: int, row: int) -> str:
    """The level rows and phase lines of a timeline, the same on every page."""
    grid = []
    for level in range(10):
        yy = top + (9 - level) * row + row / 2
        phase = phase_of(level)
        grid.append(el("rect", {"class": f"mltrl-band-{phase}", "x": left, "y": yy - row / 2, "width": right - left,
                                "height": row, "fill": "#9e9e9e", "fill-opacity": 0.04 if level % 2 else 0.08}))
        grid.append(el("text", {"class": "mltrl-level-label", "x": left - 8, "y": yy + 4, "text-anchor": "end",
                                "font-size": 11, "fill": "currentColor"},
                       text(f"{level} · {LEVEL_NAMES[level]}")))
    for boundary, name in ((2.5, "research"), (5.5, "prototype")):
        yy = top + (9 - boundary) * row + row / 2
        grid.append(el("line", {"class": "mltrl-phase-line", "x1": left, "x2": right, "y1": yy, "y2": yy,
                                "stroke": "#9e9e9e", "stroke-dasharray": "2 4"}, tooltip(f"end of {name} levels")))
    return el("g", {"class": "mltrl-grid"}, "".join(grid))


def timeline_svg(ident: str, title: str, runs: Sequence[Run], marks: Sequence[Mark], bands: Sequence[Band],
                 now: dt.datetime, desc: str, plans: Sequence[Plan] = ()) -> Markup:
    """The maturity timeline of one technology: level over time as a step line.

    One ``line.mltrl-step`` per run at a level, risers between them, a marker
    per event, reviews on their own lane, paused and stopped stretches shaded,
    today's date, and the targets (``g.mltrl-target``) on a dashed plan line;
    the time axis reaches the last target's day.
    """
    width, left, right = 900, 170, 866
    top, row = 22, 22
    bottom = top + 10 * row
    lane = bottom + 30
    height = lane + 18
    dates = [r.start for r in runs] + [m.when for m in marks]
    # The axis reaches the last target, but no further than PLAN_HORIZON past today: a target decades
    # away (or at the calendar's end) would squeeze the actual path into a sliver. Later ones stand at
    # the right edge, and their titles give their dates.
    horizon = now + PLAN_HORIZON if now.year < dt.MAXYEAR - 6 else now
    until = min(max((p.by for p in plans), default=now), horizon)
    scale = TimeScale.covering(dates, now, left, right, until)

    def y(level: int) -> float:
        return top + (9 - level) * row + row / 2

    parts = [el("defs", {}, el("pattern", {"id": f"{ident}-hatch", "width": 6, "height": 6,
                                           "patternUnits": "userSpaceOnUse", "patternTransform": "rotate(45)"},
                                el("rect", {"width": 6, "height": 6, "fill": "#9e9e9e", "fill-opacity": 0.12})
                                + el("line", {"x1": 0, "y1": 0, "x2": 0, "y2": 6, "stroke": "#9e9e9e",
                                              "stroke-width": 2, "stroke-opacity": 0.45})))]
    parts.append(_timeline_grid(left, right, top, row))
    parts.append(_axis(scale, top, bottom))
    shades = []
    for band in bands:
        x1, x2 = scale.x(band.start), scale.x(band.end or now)
        shades.append(el("rect", {"class": f"mltrl-{band.status}", "data-status": band.status, "x": x1, "y": top,
                                  "width": max(x2 - x1, 1.5), "height": bottom - top, "fill": f"url(#{ident}-hatch)"},
                         tooltip(f"{band.status.capitalize()} from {band.start:%Y-%m-%d}"
                                 + (f" to {band.end:%Y-%m-%d}" if band.end else " until today"))))
        if x2 - x1 > 40:
            shades.append(el("text", {"x": x1 + 4, "y": top + 12, "font-size": 10, "fill": "currentColor",
                                      "fill-opacity": 0.7}, text(band.status)))
    parts.append(el("g", {"class": "mltrl-bands"}, "".join(shades)))
    steps = []
    for index, run in enumerate(runs):
        x1, x2 = scale.x(run.start), scale.x(run.end or now)
        yy = y(run.level)
        if index:
            prev = runs[index - 1]
            down = run.level < prev.level
            steps.append(el("line", {"class": "mltrl-riser" + (" mltrl-riser-down" if down else ""),
                                     "x1": x1, "x2": x1, "y1": y(prev.level), "y2": yy,
                                     "stroke": "#c62828" if down else "#607d8b", "stroke-width": 2,
                                     "stroke-dasharray": "5 3" if down else None}))
        days = ((run.end or now) - run.start).total_seconds() / 86400
        end_text = f"{run.end:%Y-%m-%d}" if run.end else "today"
        steps.append(el("line", {"class": f"mltrl-step mltrl-l{run.level}", "data-level": run.level,
                                 "x1": x1, "x2": max(x2, x1 + 2), "y1": yy, "y2": yy,
                                 "stroke": LEVEL_COLOURS[run.level], "stroke-width": 6, "stroke-linecap": "round"},
                        tooltip(f"Level {run.level} ({LEVEL_NAMES[run.level]}) from {run.start:%Y-%m-%d} "
                                f"to {end_text}: {days:.0f} days")))
    parts.append(_plan(plans, scale, y, bottom))
    parts.append(el("g", {"class": "mltrl-steps"}, "".join(steps)))
    marks_svg = []
    for mark in marks:
        x = scale.x(mark.when)
        if mark.kind == "review":
            yy = lane
        elif mark.level is not None:
            yy = y(mark.level)
        else:
            continue
        marks_svg.append(_marker(mark.kind, x, yy, mark.switchback_kind, mark.label, mark.source))
    parts.append(el("text", {"x": left - 8, "y": lane + 4, "text-anchor": "end", "font-size": 11,
                             "fill": "currentColor"}, "reviews"))
    parts.append(el("line", {"x1": left, "x2": right, "y1": lane, "y2": lane, "stroke": "#9e9e9e",
                             "stroke-opacity": 0.4}))
    parts.append(el("g", {"class": "mltrl-marks"}, "".join(marks_svg)))
    parts.append(_today(scale, now, top, lane + 8))
    return svg(width, height, title, desc, "".join(parts), css_class="mltrl-chart mltrl-timeline", ident=ident)


# --- portfolio charts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lane:
    """One technology's row in the swimlane."""

    label: str
    """Project ID."""
    href: str
    title: str
    runs: Sequence[tuple[int, str, dt.datetime, dt.datetime | None]]
    """``(level, status, start, end)`` per span."""


def swimlane_svg(ident: str, lanes: Sequence[Lane], now: dt.datetime) -> Markup:
    """All technologies' levels over time: one row each, coloured by level, paused spans shaded."""
    left, right, width = 110, 900, 920
    row, top = 16, 30
    height = top + max(len(lanes), 1) * row + 8
    scale = TimeScale.covering([r[2] for lane in lanes for r in lane.runs], now, left, right)
    rows = []
    for index, lane in enumerate(lanes):
        yy = top + index * row
        cells = []
        for level, status, start, end in lane.runs:
            x1, x2 = scale.x(start), scale.x(end or now)
            cells.append(el("rect", {"class": f"mltrl-l{level}" + ("" if status == "active" else f" mltrl-{status}"),
                                     "x": x1, "y": yy + 2, "width": max(x2 - x1, 1), "height": row - 4,
                                     "fill": LEVEL_COLOURS[level],
                                     "fill-opacity": 1 if status == "active" else 0.35}))
        link = el("a", {_LINK: lane.href}, el("text", {"x": left - 8, "y": yy + row - 4, "text-anchor": "end",
                                                         "font-size": 11, "fill": "currentColor"}, text(lane.label)))
        rows.append(el("g", {"class": "mltrl-lane"}, tooltip(lane.title) + link + "".join(cells)))
    # Labels above the rows: with hundreds of technologies the bottom of the chart is far away.
    body = _axis(scale, top, top + len(lanes) * row, labels_on_top=True) + el("g", {"class": "mltrl-lanes"},
                                                                             "".join(rows))
    body += _today(scale, now, top, top + len(lanes) * row)
    desc = (f"{len(lanes)} technologies, one row each from {scale.start:%Y-%m-%d} to today; the colour of a "
            "row shows the level at each time, pale stretches were paused or stopped. The portfolio table "
            "lists the same technologies with their current level.")
    # A few rows may stretch to the page width; hundreds keep their height so the page stays usable.
    fluid = " mltrl-fluid" if len(lanes) <= 40 else ""
    return svg(width, height, "Levels of all technologies over time", desc, body,
               css_class="mltrl-chart mltrl-swimlane" + fluid, ident=ident)


def level_chart_svg(ident: str, counts: dict[int, dict[str, int]], hrefs: dict[int, str]) -> Markup:
    """How many technologies sit at each level, stacked by status, each bar linking to its level."""
    width, height, left, top, bottom = 620, 250, 36, 14, 200
    highest = max((sum(c.values()) for c in counts.values()), default=0) or 1
    slot = (width - left - 10) / 10
    bars = []
    for level in range(10):
        stack = counts.get(level, {})
        total = sum(stack.values())
        x = left + level * slot + slot * 0.15
        base = bottom
        pieces = []
        for status in ("active", "paused", "stopped"):
            n = stack.get(status, 0)
            if not n:
                continue
            h = (bottom - top) * n / highest
            pieces.append(el("rect", {"class": f"mltrl-l{level} mltrl-{status}", "x": round(x, 1),
                                      "y": round(base - h, 1), "width": round(slot * 0.7, 1), "height": round(h, 1),
                                      "fill": LEVEL_COLOURS[level], "fill-opacity": 1 if status == "active" else 0.4},
                              tooltip(f"{n} {status}")))
            base -= h
        label = el("text", {"x": round(x + slot * 0.35, 1), "y": round(base - 4, 1), "text-anchor": "middle",
                            "font-size": 12, "font-weight": 600, "fill": "currentColor"}, str(total)) if total else ""
        axis = el("text", {"x": round(x + slot * 0.35, 1), "y": bottom + 16, "text-anchor": "middle", "font-size": 12,
                           "fill": "currentColor"}, f"L{level}")
        group = el("g", {"class": "mltrl-bar", "data-level": level, "data-count": total},
                   tooltip(f"Level {level} · {LEVEL_NAMES[level]}: {total} technolog{'y' if total == 1 else 'ies'}")
                   + "".join(pieces) + label + axis)
        bars.append(el("a", {_LINK: hrefs[level]}, group) if level in hrefs else group)
    for first, last, name in ((0, 2, "research"), (3, 5, "prototype"), (6, 9, "product")):
        x1, x2 = left + first * slot + slot * 0.1, left + (last + 1) * slot - slot * 0.1
        bars.append(el("g", {"class": f"mltrl-phase-{name}"},
                       el("line", {"x1": round(x1, 1), "x2": round(x2, 1), "y1": bottom + 24, "y2": bottom + 24,
                                   "stroke": "currentColor", "stroke-opacity": 0.5, "stroke-width": 2})
                       + el("text", {"x": round((x1 + x2) / 2, 1), "y": bottom + 38, "text-anchor": "middle",
                                     "font-size": 11, "fill": "currentColor", "fill-opacity": 0.75}, name)))
    baseline = el("line", {"x1": left, "x2": width - 10, "y1": bottom, "y2": bottom, "stroke": "currentColor",
                           "stroke-opacity": 0.4})
    total = sum(sum(c.values()) for c in counts.values())
    desc = "; ".join(f"level {lv}: {sum(counts.get(lv, {}).values())}" for lv in range(10))
    return svg(width, height, f"Technologies per level ({total} in all)", desc, baseline + "".join(bars),
               css_class="mltrl-chart mltrl-level-chart", ident=ident)


# --- risk matrix -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskPoint:
    """A requirement placed on the risk matrix."""

    label: str
    p_failure: float
    value: int
    title: str
    href: str | None = None


_RISK_BOX = (460, 360, 48, 14, 446, 310)
"""Width, height, and the left, top, right and bottom edges of the risk matrix's plot area."""


def _risk_x(p: float) -> float:
    _, _, left, _, right, _ = _RISK_BOX
    return round(left + p * (right - left), 1)


def _risk_y(v: float) -> float:
    _, _, _, top, _, bottom = _RISK_BOX
    return round(bottom - (v - 0.5) * (bottom - top) / 10, 1)


@functools.lru_cache(maxsize=8)
def _risk_background(threshold: float) -> str:
    """The shaded cells and the threshold curve: the same on every page of a site, so drawn once."""
    _, _, left, top, right, bottom = _RISK_BOX
    cw, ch = (right - left) / 10, (bottom - top) / 10
    cells = []
    for i in range(10):
        for v in range(1, 11):
            risk = (i + 0.5) / 10 * v
            zone = "high" if risk >= threshold else "medium" if risk >= threshold / 2 else "low"
            fill = {"high": "#ef5350", "medium": "#ffb300", "low": "#66bb6a"}[zone]
            cells.append(el("rect", {"class": f"mltrl-risk-{zone}", "x": round(left + i * cw, 1),
                                     "y": round(bottom - v * ch, 1), "width": round(cw, 1), "height": round(ch, 1),
                                     "fill": fill, "fill-opacity": 0.18}))
    curve = []
    for step in range(0, 101):
        v = 0.5 + step * 0.095
        p = threshold / v
        if 0 <= p <= 1:
            curve.append(f"{'M' if not curve else 'L'}{_risk_x(p)} {_risk_y(v)}")
    return "".join(cells) + el("path", {"class": "mltrl-risk-threshold", "d": " ".join(curve), "fill": "none",
                                        "stroke": "#c62828", "stroke-dasharray": "5 3"},
                               tooltip(f"risk = {threshold:g}: from here on, critical-scenario tests are due "
                                       "at level 7"))


def risk_matrix_svg(ident: str, points: Sequence[RiskPoint], threshold: float) -> Markup:
    """Requirements by probability of failure (x) and value (y), shaded by risk = p x value."""
    width, height, left, top, right, bottom = _RISK_BOX
    px, py = _risk_x, _risk_y

    axes = [el("line", {"x1": left, "x2": right, "y1": bottom, "y2": bottom, "stroke": "currentColor"}),
            el("line", {"x1": left, "x2": left, "y1": top, "y2": bottom, "stroke": "currentColor"})]
    for i in range(0, 11, 2):
        axes.append(el("text", {"x": px(i / 10), "y": bottom + 14, "text-anchor": "middle", "font-size": 10,
                                "fill": "currentColor"}, f"{i / 10:.1f}"))
    for v in range(1, 11):
        axes.append(el("text", {"x": left - 6, "y": py(v) + 3, "text-anchor": "end", "font-size": 10,
                                "fill": "currentColor"}, str(v)))
    axes.append(el("text", {"x": (left + right) / 2, "y": bottom + 30, "text-anchor": "middle", "font-size": 11,
                            "fill": "currentColor"}, "p(failure)"))
    axes.append(el("text", {"x": 12, "y": (top + bottom) / 2, "text-anchor": "middle", "font-size": 11,
                            "fill": "currentColor", "transform": f"rotate(-90 12 {(top + bottom) / 2})"}, "value"))
    seen: dict[tuple[float, int], int] = {}
    dots = []
    for point in points:
        key = (round(point.p_failure, 2), point.value)
        offset = seen.get(key, 0)
        seen[key] = offset + 1
        x, yy = px(point.p_failure), py(point.value)
        risk = point.p_failure * point.value
        zone = "high" if risk >= threshold else "medium" if risk >= threshold / 2 else "low"
        mark = (el("circle", {"class": f"mltrl-risk-dot mltrl-risk-{zone}", "cx": x, "cy": yy, "r": 5,
                              "fill": {"high": "#c62828", "medium": "#ef6c00", "low": "#2e7d32"}[zone],
                              "stroke": "#fff", "stroke-width": 1})
                + el("text", {"x": x + 7, "y": yy - 5 - offset * 11, "font-size": 10, "fill": "currentColor"},
                     text(point.label))
                + tooltip(point.title))
        dots.append(el("a", {_LINK: point.href}, mark) if point.href else el("g", {}, mark))
    body = _risk_background(threshold) + "".join(axes) + el("g", {"class": "mltrl-risk-points"}, "".join(dots))
    desc = (f"{len(points)} requirement(s) placed by probability of failure and value; the dashed curve marks "
            f"risk {threshold:g}. The requirements table lists the same numbers.")
    return svg(width, height, "Risk matrix: p(failure) x value", desc, body, css_class="mltrl-chart mltrl-risk-matrix",
               ident=ident)


# --- small charts for analytics ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One bar of a bar chart."""

    label: str
    value: float
    title: str
    css_class: str = ""
    low: float | None = None
    """Lower end of a spread to draw as a whisker, if any."""
    high: float | None = None


def bar_chart_svg(ident: str, title: str, bars: Sequence[Bar], *, unit: str = "", desc: str = "") -> Markup:
    """A vertical bar chart with optional whiskers (spread) per bar."""
    count = max(len(bars), 1)
    slot = max(min(60, 760 / count), 14)
    left, top, bottom = 44, 16, 170
    width = int(left + slot * count + 10)
    height = bottom + 40
    highest = max([b.high if b.high is not None else b.value for b in bars] + [0]) or 1
    parts = [el("line", {"x1": left, "x2": width - 6, "y1": bottom, "y2": bottom, "stroke": "currentColor",
                         "stroke-opacity": 0.4})]
    for fraction in (0.5, 1.0):
        yy = round(bottom - (bottom - top) * fraction, 1)
        parts.append(el("line", {"x1": left, "x2": width - 6, "y1": yy, "y2": yy, "stroke": "#9e9e9e",
                                 "stroke-opacity": 0.3, "stroke-dasharray": "2 3"}))
        parts.append(el("text", {"x": left - 4, "y": yy + 3, "text-anchor": "end", "font-size": 10,
                                 "fill": "currentColor"}, text(f"{highest * fraction:.0f}{unit}")))
    label_every = 1 if slot >= 30 else max(1, int(36 // slot))
    for index, bar in enumerate(bars):
        x = left + index * slot + slot * 0.15
        h = (bottom - top) * bar.value / highest
        piece = el("rect", {"class": bar.css_class or "mltrl-bar-fill", "x": round(x, 1), "y": round(bottom - h, 1),
                            "width": round(slot * 0.7, 1), "height": round(h, 1), "fill": "#5c6bc0"})
        if bar.low is not None and bar.high is not None:
            cx = round(x + slot * 0.35, 1)
            y1 = round(bottom - (bottom - top) * bar.low / highest, 1)
            y2 = round(bottom - (bottom - top) * bar.high / highest, 1)
            piece += el("line", {"class": "mltrl-whisker", "x1": cx, "x2": cx, "y1": y1, "y2": y2,
                                 "stroke": "currentColor", "stroke-width": 1.5})
            piece += el("line", {"x1": cx - 4, "x2": cx + 4, "y1": y2, "y2": y2, "stroke": "currentColor"})
            piece += el("line", {"x1": cx - 4, "x2": cx + 4, "y1": y1, "y2": y1, "stroke": "currentColor"})
        if index % label_every == 0:
            piece += el("text", {"x": round(x + slot * 0.35, 1), "y": bottom + 14, "text-anchor": "middle",
                                 "font-size": 10, "fill": "currentColor"}, text(bar.label))
        parts.append(el("g", {"class": "mltrl-bar"}, tooltip(bar.title) + piece))
    return svg(width, height, title, desc or title, "".join(parts), css_class="mltrl-chart mltrl-bar-chart",
               ident=ident)
