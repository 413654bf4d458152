"""The rules only a comparison with a base revision can check (``mltrl check --base``), as configured.

Their rows are in :data:`mltrl_docs.rules.RULES` with every other rule.
"""

from __future__ import annotations

from dataclasses import replace

from ..config import Settings
from ..diagnostics import Severity
from ..rules import PR_RULES, Rule


def pr_rules(settings: Settings) -> list[Rule]:
    """The pull-request rules in force, with configured severities; rules turned off are left out.

    ``PR002`` follows the ``require_review_for_graduation`` option, like the history's own
    finding for a graduation without a review; an entry under ``rules`` overrides either.
    """
    out = []
    for rule in PR_RULES:
        severity = rule.severity
        if rule.code == "PR002":
            if settings.require_review_for_graduation == "off":
                continue
            severity = Severity(settings.require_review_for_graduation)
        override = settings.rules.get(rule.code)
        if override is not None and override.severity == "off":
            continue
        if override is not None and override.severity is not None:
            severity = Severity(override.severity)
        out.append(replace(rule, severity=severity))
    return out
