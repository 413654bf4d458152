"""Reference pages generated from the code: the rules and the configuration options.

The rule reference is built from the same rule objects the checker runs (with the
site's configuration applied), and the configuration reference from the pydantic
models that validate ``mkdocs.yml``, so neither page can drift from the tool.
Both return Markdown; the site publishes them as ``reference/rules.md`` and
``reference/configuration.md``. Imports no MkDocs.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from pydantic import BaseModel

from .change.rules import pr_rules
from .config import ExtraRule, RuleOverride, Settings
from .models import LEVEL_NAMES, phase_of
from .rules import Rule, all_rules


def _cell(text: str) -> str:
    """Text for a Markdown table cell: HTML escaped, pipes escaped, one line, RST literals as code."""
    text = html.escape(" ".join(text.split()), quote=False).replace("|", "\\|")
    return text.replace("``", "`")


def _rule_rows(rules: list[Rule], settings: Settings) -> list[str]:
    extra = {x.code for x in settings.extra_rules}
    rows = ["| Code | Severity | Rule |", "|---|---|---|"]
    for rule in rules:
        notes = []
        if rule.code in extra:
            notes.append("added in configuration")
        elif rule.code in settings.rules:
            notes.append("changed in configuration")
        note = f" *({', '.join(notes)})*" if notes else ""
        rows.append(f"| `{rule.code}` | {rule.severity.value} | {_cell(rule.title)}{note} |")
    return rows


def rule_reference_markdown(settings: Settings | None = None) -> str:
    """The rule reference page: every rule in force with its code, level, severity and explanation."""
    settings = settings or Settings()
    rules = all_rules(settings)
    level_rules = sorted((r for r in rules if r.level is not None), key=lambda r: (r.level, r.code))
    document_rules = [r for r in rules if r.level is None]
    off = sorted(code for code, o in settings.rules.items() if o.severity == "off")
    out = [
        "# Rule reference",
        "",
        "Every finding of `mltrl check` carries one of these codes. This page is generated from the rules the "
        "checker runs, with this site's configuration applied, so it always says what the check does. "
        "`mltrl rules` prints the same list in a terminal.",
        "",
        "Only findings at **error** severity make `mltrl check` fail; warnings and notes are reported but do "
        "not. In a pull request, `mltrl check --base` fails only on error findings that the change introduces.",
        "",
        "## Level rules",
        "",
        "Level rules are cumulative: a card at level *n* must meet every rule of levels 0 to *n*. The rules of "
        "level *n* + 1 are what a technology still needs before its next gated review (its *readiness*). "
        "Their findings name the card's level, e.g. `level 4: no product owner is named`.",
        "",
    ]
    for level in range(10):
        at_level = [r for r in level_rules if r.level == level]
        if not at_level:
            continue
        out += [f"### Level {level}: {LEVEL_NAMES[level]}", "", f"Phase: {phase_of(level)}.", ""]
        out += _rule_rows(at_level, settings)
        out.append("")
    out += ["## Document rules", "",
            "These apply to every document at every level: front matter that can be read, fields that match "
            "the schema, no placeholder text, and references between technologies that hold together.", ""]
    out += _rule_rows(document_rules, settings)
    out.append("")
    changes = pr_rules(settings)
    if changes:
        out += ["## Pull-request rules", "",
                "Only `mltrl check --base REF` can see these: they are about what a change does to a level.", ""]
        out += _rule_rows(changes, settings)
        out.append("")
    if off:
        out += ["## Rules turned off", "", "This site's configuration turns off: "
                + ", ".join(f"`{_cell(code)}`" for code in off) + ".", ""]
    out += ["## Changing the rules", "",
            "An organisation can change a built-in rule's severity or the level it starts at, and add its own "
            "rules per level, in `mkdocs.yml` without code (see the configuration reference):", "",
            "```yaml",
            "plugins:",
            "  - mltrl:",
            "      rules:",
            "        L403: {severity: warning}   # product owner: a warning instead of an error",
            "        L701: {level: 6}            # ask for the golden dataset one level earlier",
            "      extra_rules:",
            "        - code: ORG001",
            "          level: 5",
            "          section: Security review",
            "          description: The security review is written before the hand-off.",
            "```", ""]
    return "\n".join(out)


# --- configuration --------------------------------------------------------------------------------


def _type_of(schema: dict, defs: dict) -> str:
    """A short, readable type for a JSON Schema fragment."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return {"RuleOverride": "rule change", "ExtraRule": "extra rule"}.get(name, name)
    if "anyOf" in schema:
        kinds = [_type_of(s, defs) for s in schema["anyOf"] if s.get("type") != "null"]
        return " or ".join(kinds)
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    kind = schema.get("type")
    if kind == "array":
        return "list of " + _plural(_type_of(schema.get("items", {}), defs))
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return "mapping of code to " + _type_of(schema["additionalProperties"], defs)
    names = {"boolean": "true or false", "integer": "integer", "number": "number", "string": "text"}
    text = names.get(kind, kind or "any")
    if "minimum" in schema and "maximum" in schema:
        text += f" from {schema['minimum']:g} to {schema['maximum']:g}"
    elif "minimum" in schema:
        text += f", at least {schema['minimum']:g}"
    if "pattern" in schema:
        text += f" matching `{schema['pattern']}`"
    return text


def _plural(noun: str) -> str:
    if noun == "text":
        return "texts"
    return noun if noun.endswith("s") else noun + "s"


def _default(value: Any) -> str:
    if value is None:
        return "none"
    return "`" + json.dumps(value, ensure_ascii=False) + "`"


def _field_table(model: type[BaseModel]) -> list[str]:
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    rows = ["| Option | Type | Default | Description |", "|---|---|---|---|"]
    for name, info in model.model_fields.items():
        prop = schema["properties"][name]
        default = "required" if name in required else _default(info.get_default(call_default_factory=True))
        rows.append(f"| `{name}` | {_cell(_type_of(prop, defs))} | {_cell(default)} | "
                    f"{_cell(info.description or '')} |")
    return rows


def _doc(model: type[BaseModel]) -> str:
    return re.sub(r"\s+", " ", (model.__doc__ or "").strip()).replace("``", "`")


def configuration_reference_markdown() -> str:
    """The configuration reference page: every option of the ``mltrl`` plugin, from the models' docstrings."""
    out = [
        "# Configuration reference",
        "",
        "mltrl-docs reads its options from the `mltrl` plugin's entry in `mkdocs.yml`. The `mltrl` command "
        "reads the same entry (it finds `mkdocs.yml` in the current folder or above, or takes `--config FILE`), "
        "so the site and the check always apply the same rules. Without a `mkdocs.yml` the defaults below "
        "apply. Unknown options are errors. This page is generated from the models that validate the options.",
        "",
        "```yaml",
        "plugins:",
        "  - search",
        "  - mltrl:",
        "      roots: [projects, cards]",
        "      require_review_for_graduation: error",
        "      review_cadence_days: 90",
        "```",
        "",
        "## Options",
        "",
        _doc(Settings),
        "",
        *_field_table(Settings),
        "",
        "## Rule changes (`rules`)",
        "",
        _doc(RuleOverride) + " Each key under `rules` is a rule code from the rule reference.",
        "",
        *_field_table(RuleOverride),
        "",
        "```yaml",
        "rules:",
        "  PH001: {severity: error}   # placeholder text fails the check",
        "  L902: {level: 8}           # set the review cadence from level 8",
        "  DOC001: {severity: \"off\"}  # quoted: YAML reads a bare off as false",
        "```",
        "",
        "## Extra rules (`extra_rules`)",
        "",
        _doc(ExtraRule) + " Each names exactly one of `field` or `section`.",
        "",
        *_field_table(ExtraRule),
        "",
        "```yaml",
        "extra_rules:",
        "  - code: ORG001",
        "    level: 4",
        "    field: links.docs",
        "    description: The documentation is linked from the card.",
        "  - code: ORG002",
        "    level: 6",
        "    section: Security review",
        "    severity: warning",
        "```",
        "",
    ]
    return "\n".join(out)
