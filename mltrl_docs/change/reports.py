"""The reports of a comparison: text, JSON and GitHub annotations on the console, and the Markdown summary.

The Markdown report goes to ``$GITHUB_STEP_SUMMARY`` and to ``--summary FILE``
(which the workflow posts as a pull-request comment); both have size limits on
GitHub, so long tables are folded and, past the limit, cut with a note.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Callable
from pathlib import Path

from ..diagnostics import Diagnostic, Severity, printable, summarise
from ..models import LEVEL_NAMES
from ..report import format_github, format_json, format_text, line_path
from ..rules import Readiness
from .delta import Comparison, LevelChange, TechnologyDelta

STEP_SUMMARY_LIMIT = 1024 * 1024
"""GitHub refuses a job step summary larger than 1 MiB (the step then shows an error instead)."""
COMMENT_LIMIT = 65_536
"""GitHub refuses an issue or pull-request comment longer than this many characters."""
COMMENT_MARGIN = 1_000
"""Room left in a comment for what a workflow adds around the report (e.g. a marker line)."""
OPEN_ROWS = 20
"""Tables longer than this are folded in ``<details>`` so the summary stays readable."""
CELL_LIMIT = 300
"""Card-derived text longer than this is shortened in the Markdown report."""


def _name(delta: TechnologyDelta) -> str:
    label = line_path(delta.folder)  # starts a line of the report
    if delta.project_id:
        label += f" ({delta.project_id})"
    if _is_draft(delta):
        label += " [draft]"
    return label


def _is_draft(delta: TechnologyDelta) -> bool:
    card = delta.after.model if delta.after is not None else None
    return card is not None and card.draft


def _readiness_text(r: Readiness | None) -> str:
    if r is None:
        return "no valid card"
    text = f"level {r.level}, {r.met}/{r.total} rules met"
    missing = [x.rule.code for x in r.current if not x.met]
    if missing:
        text += " (missing " + ", ".join(missing) + ")"
    return text


def _review_text(change: LevelChange, ref: str) -> str:
    if change.kind == "skip":
        return "no review record can decide a skipped level"
    if change.review is None:
        return "no review record decides it"
    where = "added in this change" if change.review.in_change else f"already on {ref}"
    return f"decided by {change.review.path} ({where})"


def _kind_text(change: LevelChange) -> str:
    if change.switchback_kind:
        return f"{change.kind} ({change.switchback_kind})"
    return change.kind


def format_report_text(comparison: Comparison, strict: bool) -> str:
    """The human-readable report of ``check --base`` (``text`` format, and the log on GitHub)."""
    c = comparison
    lines = [f"Compared with {c.ref} ({c.commit[:12]}): {len(c.technologies)} technolog"
             f"{'y' if len(c.technologies) == 1 else 'ies'} touched by the change."]
    changes = c.level_changes
    if changes:
        lines.append("Level changes:")
        for t in changes:
            ch = t.level_change
            lines.append(f"  {_name(t)}: {ch.from_level} -> {ch.to_level}, {_kind_text(ch)}; {_review_text(ch, c.ref)}")
    status = [t for t in c.technologies if t.before and t.after and t.status_before and t.status_after
              and t.status_before != t.status_after]
    if status:
        lines.append("Status changes:")
        lines.extend(f"  {_name(t)}: {t.status_before} -> {t.status_after}" for t in status)
    targets = [t for t in c.technologies if t.target_changes]
    if targets:
        lines.append("Target changes:")
        lines.extend(f"  {_name(t)}: {change.text()}" for t in targets for change in t.target_changes)
    for state, label in (("new", "New technologies"), ("removed", "Removed technologies"),
                         ("moved", "Moved technologies")):
        group = [t for t in c.technologies if t.state == state]
        if group:
            lines.append(f"{label}:")
            for t in group:
                level = t.level_after if state != "removed" else t.level_before
                where = f" from {t.moved_from}" if t.moved_from else ""
                lines.append(f"  {_name(t)}{where}" + (f" at level {level}" if level is not None else ""))
    ready = [t for t in c.technologies if t.readiness_before or t.readiness_after]
    if ready:
        lines.append("Readiness before -> after:")
        for t in ready:
            lines.append(f"  {_name(t)}: {_readiness_text(t.readiness_before) if t.before else 'new'} -> "
                         f"{_readiness_text(t.readiness_after) if t.after else 'removed'}")
    # Folders, review file names and the ref are the change's own text: one printable line each.
    out = "\n".join(printable(line) for line in lines) + "\n"
    if c.new:
        out += f"New findings ({len(c.new)}):\n" + format_text(c.new)
    else:
        out += "No new findings.\n"
    if c.fixed:
        out += f"Fixed by this change ({len(c.fixed)}, positions as on {c.ref}):\n" + format_text(c.fixed)
    if c.old:
        errors = sum(d.severity == Severity.ERROR for d in c.old)
        note = "they fail the check (--strict)" if strict else "they do not fail the check (--strict would)"
        out += (f"Already on {c.ref} ({len(c.old)}, {errors} error(s); {note}):\n" + format_text(c.old))
    out += _verdict(c, strict) + "\n"
    return out


def _verdict(c: Comparison, strict: bool) -> str:
    if strict:
        errors = sum(d.severity == Severity.ERROR for d in c.current)
        return f"Failed: {errors} error finding(s) (--strict)." if errors else "Passed: no error findings (--strict)."
    new_errors = len(c.new_errors())
    if new_errors:
        return f"Failed: {new_errors} new error finding(s) relative to {c.ref}."
    return f"Passed: no new error findings relative to {c.ref}."


def _delta_dict(t: TechnologyDelta) -> dict:
    ch = t.level_change
    return {
        "slug": t.slug, "folder": t.folder, "id": t.project_id, "title": t.title, "state": t.state,
        "moved_from": t.moved_from, "level_before": t.level_before, "level_after": t.level_after,
        "status_before": t.status_before, "status_after": t.status_after,
        "level_change": None if ch is None else {
            "from_level": ch.from_level, "to_level": ch.to_level, "kind": ch.kind,
            "switchback_kind": ch.switchback_kind,
            "review": None if ch.review is None else {"path": ch.review.path, "in_change": ch.review.in_change}},
        "readiness_before": t.readiness_before.to_dict() if t.readiness_before else None,
        "readiness_after": t.readiness_after.to_dict() if t.readiness_after else None,
        "target_changes": [change.to_dict() for change in t.target_changes],
    }


def format_report_json(comparison: Comparison, strict: bool) -> str:
    """``check --base --format json``: the ``check`` document plus the comparison."""
    c = comparison
    return format_json(c.current, extra={
        "base": {"ref": c.ref, "commit": c.commit},
        "technologies": [_delta_dict(t) for t in c.technologies],
        "new": [d.to_dict() for d in c.new],
        "fixed": [d.to_dict() for d in c.fixed],
        "result": {"strict": strict, "failed": c.failed(strict), "new_errors": len(c.new_errors()),
                   "new": summarise(c.new), "fixed": summarise(c.fixed), "old": summarise(c.old)},
    })


def format_report_github(comparison: Comparison, strict: bool) -> str:
    """Annotations for the findings that matter, then the report as plain log lines.

    New findings are annotated first (GitHub keeps only the first 10 errors and 10
    warnings of a step); findings already on the base are annotated only with
    ``--strict``. The plain report, which quotes card text, is fenced with
    ``::stop-commands::`` so nothing in it can act as a workflow command.
    """
    c = comparison
    annotated = c.new + (c.old if strict else [])
    out = format_github(annotated)
    token = secrets.token_hex(16)
    report = format_report_text(c, strict)
    # Inside the fence the runner interprets nothing, so the text needs no escaping; the
    # random token cannot be guessed by a card to end the fence early.
    out += f"::stop-commands::{token}\n{report}::{token}::\n"
    return out


# --- the Markdown report --------------------------------------------------------------------------


_MD_PUNCTUATION = frozenset("\\`*_[]()!|~$")
"""Characters with a meaning inside a line of GitHub Markdown (emphasis, code, links, tables, strike, maths)."""
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape_markdown(text: str, limit: int | None = CELL_LIMIT) -> str:
    """Card-derived text as inert Markdown, safe inside a table cell and inside HTML.

    Control characters, line breaks and bidirectional overrides are escaped visibly first
    (:func:`~mltrl_docs.diagnostics.printable`: ``\\x1b``, ``\\n``, ``\\u202e``), as in every other
    output; inline Markdown punctuation is backslash-escaped (so the escapes show as written), HTML
    characters become entities, other format characters are replaced, and ``@`` gets a
    zero-width space so a card cannot mention (and notify) people or teams.
    """
    if limit is not None and len(text) > limit:
        text = text[:limit - 1] + "…"
    text = printable(text)
    out = []
    for ch in text:
        if ch in _HTML:
            out.append(_HTML[ch])
        elif ch in _MD_PUNCTUATION:
            out.append("\\" + ch)
        elif ch == "@":
            out.append("@\u200b")
        elif unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\u200b\u200d":
            out.append("\ufffd")
        else:
            out.append(ch)
    return "".join(out)


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(cells) + " |" for cells in rows)
    return lines


def _md_section(title: str, header: list[str], rows: list[list[str]], cap: int | None, fold: bool) -> list[str]:
    """A table under a heading, folded when long, cut to ``cap`` rows with a note."""
    if not rows:
        return []
    shown = rows if cap is None else rows[:cap]
    body = _md_table(header, shown) if shown else []
    if len(shown) < len(rows):
        body += ["", f"_… and {len(rows) - len(shown)} more, listed in the job log of `mltrl check --base`._"]
    if fold or len(rows) > OPEN_ROWS:
        return [f"<details><summary><strong>{title}</strong></summary>", "", *body, "", "</details>", ""]
    return [f"### {title}", "", *body, ""]


def _md_findings(diags: list[Diagnostic]) -> list[list[str]]:
    return [[d.severity.value, escape_markdown(f"{d.path}:{d.line}:{d.column}"), d.code, escape_markdown(d.text)]
            for d in diags]


def _md_name(t: TechnologyDelta) -> str:
    label = escape_markdown(t.folder)
    if t.project_id:
        label = f"**{escape_markdown(t.project_id)}** {escape_markdown(t.title or '')} ({label})"
    if _is_draft(t):
        label += " *(draft: never published)*"
    return label


def _md_level(level: int | None) -> str:
    return "—" if level is None else f"{level} ({LEVEL_NAMES[level]})"


def _md_readiness(r: Readiness | None, present: bool) -> str:
    if not present:
        return "—"
    if r is None:
        return "no valid card"
    missing = [x.rule.code for x in r.current if not x.met]
    text = f"L{r.level}: {r.met}/{r.total} rules met"
    return text + (f"; missing {', '.join(missing)}" if missing else "")


def _md_next(r: Readiness | None) -> str:
    if r is None:
        return "—"
    if r.level == 9:
        return "top level"
    missing = [x.rule.code for x in r.next if not x.met]
    if r.ready_to_graduate:
        return f"ready for L{r.level + 1}"
    return f"L{r.level + 1} still needs {', '.join(missing)}" if missing else f"L{r.level + 1}: finish L{r.level} first"


def _md_review(change: LevelChange, ref: str) -> str:
    if change.kind == "skip":
        return "⛔ a skipped level cannot be decided by a review"
    if change.review is None:
        return "⚠️ missing: add a review record that decides it"
    where = "added in this change" if change.review.in_change else f"already on {escape_markdown(ref)}"
    return f"✅ {escape_markdown(change.review.path)} ({where})"


def render_markdown(comparison: Comparison, strict: bool, cap: int | None = None) -> str:
    """The Markdown report: every table cut to ``cap`` rows (``None``: all)."""
    c = comparison
    ref = escape_markdown(c.ref)
    failed = c.failed(strict)
    new_errors = len(c.new_errors())
    lines = [f"## MLTRL check against {ref}", ""]
    if failed:
        reason = (f"{sum(d.severity == Severity.ERROR for d in c.current)} error finding(s), strict mode"
                  if strict else f"{new_errors} new error finding(s)")
        lines.append(f"❌ **Failed:** {reason}.")
    else:
        lines.append("✅ **Passed:** no new error findings" + (" and none on the base either." if strict else "."))
    lines += ["", f"Base: {ref} at `{c.commit[:12]}`. Only error findings new relative to the base fail the check"
              + (" (strict mode: every error fails)." if strict else "; findings already on the base are listed "
                 "below but do not fail it."), ""]
    counts = summarise(c.new)
    lines += _md_table(["Technologies touched", "Level changes", "New findings", "Fixed findings",
                        "Already on base"],
                       [[str(len(c.technologies)), str(len(c.level_changes)),
                         f"{len(c.new)} ({counts['error']} error(s))", str(len(c.fixed)), str(len(c.old))]])
    lines.append("")
    if len(c.new) > 0:
        lines += ["GitHub shows at most 10 error and 10 warning annotations per step; every finding is listed "
                  "here.", ""]
    lines += _md_section("Level changes", ["Technology", "Change", "Kind", "Review record"],
                         [[_md_name(t), f"{t.level_change.from_level} → {t.level_change.to_level}",
                           _kind_text(t.level_change), _md_review(t.level_change, c.ref)] for t in c.level_changes],
                         cap, False)
    lines += _md_section("Status changes", ["Technology", "Before", "After"],
                         [[_md_name(t), t.status_before, t.status_after] for t in c.technologies
                          if t.status_before and t.status_after and t.status_before != t.status_after], cap, False)
    lines += _md_section("Target changes", ["Technology", "Change"],
                         [[_md_name(t), change.text()] for t in c.technologies for change in t.target_changes],
                         cap, False)
    lines += _md_section("New technologies", ["Technology", "Level", "Status"],
                         [[_md_name(t), _md_level(t.level_after), t.status_after or "—"]
                          for t in c.technologies if t.state == "new"], cap, False)
    lines += _md_section("Removed or moved technologies", ["Technology", "Was"],
                         [[_md_name(t), "removed" if t.state == "removed" else f"moved from {escape_markdown(t.moved_from)}"]
                          for t in c.technologies if t.state in ("removed", "moved")], cap, False)
    lines += _md_section("Readiness before and after", ["Technology", "Before", "After", "Next level"],
                         [[_md_name(t), _md_readiness(t.readiness_before, t.before is not None),
                           _md_readiness(t.readiness_after, t.after is not None), _md_next(t.readiness_after)]
                          for t in c.technologies], cap, False)
    finding_header = ["Severity", "Where", "Code", "Finding"]
    lines += _md_section(f"New findings ({len(c.new)})", finding_header, _md_findings(c.new), cap, False)
    lines += _md_section(f"Fixed by this change ({len(c.fixed)})", finding_header, _md_findings(c.fixed), cap, True)
    lines += _md_section(f"Already on the base ({len(c.old)})", finding_header, _md_findings(c.old), cap, True)
    return "\n".join(lines).rstrip() + "\n"


def markdown_report(comparison: Comparison, strict: bool, fits: Callable[[str], bool]) -> str:
    """The Markdown report, shortened until ``fits`` accepts it.

    Long tables lose rows first (each cut says how many rows are left out); as a last
    resort the text is cut at a line boundary and any open ``<details>`` is closed.
    """
    text = ""
    for cap in (None, 1000, 300, 100, 30, 10, 0):
        text = render_markdown(comparison, strict, cap)
        if fits(text):
            return text
    note = "\n\n_The report was cut to fit GitHub's size limit; the job log has all of it._\n"
    lines = text.splitlines()
    while lines:
        lines.pop()
        candidate = "\n".join(lines)
        open_details = candidate.count("<details>") - candidate.count("</details>")
        candidate += "\n" + "\n</details>\n" * open_details + note
        if fits(candidate):
            return candidate
    return note.strip() + "\n"


def _utf8_within(limit: int) -> Callable[[str], bool]:
    return lambda text: len(text.encode("utf-8")) <= limit


def write_step_summary(comparison: Comparison, strict: bool, path: Path) -> None:
    """Append the report to ``$GITHUB_STEP_SUMMARY`` within what is left of the step's 1 MiB."""
    try:
        used = path.stat().st_size
    except OSError:
        used = 0
    text = markdown_report(comparison, strict, _utf8_within(max(STEP_SUMMARY_LIMIT - used - 2, 0)))
    with path.open("a", encoding="utf-8") as handle:
        handle.write(("\n" if used else "") + text)


def write_comment_summary(comparison: Comparison, strict: bool, path: Path) -> None:
    """Write the report to ``path`` sized for a pull-request comment (65,536 characters, less a margin)."""
    text = markdown_report(comparison, strict, lambda t: len(t) <= COMMENT_LIMIT - COMMENT_MARGIN)
    path.write_text(text, encoding="utf-8")
