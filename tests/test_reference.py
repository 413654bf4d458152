"""The generated reference pages follow the rules and the configuration models."""

from __future__ import annotations

import re

import yaml

from mltrl_docs.change.rules import PR_RULES
from mltrl_docs.config import ExtraRule, RuleOverride, Settings, settings_from_options
from mltrl_docs.reference import (
    configuration_reference_markdown,
    rule_reference_markdown,
)
from mltrl_docs.rules import all_rules


def rows(markdown: str) -> dict[str, tuple[str, str]]:
    """Rule table rows by code: (severity, text)."""
    found = {}
    for match in re.finditer(r"^\| `([A-Z0-9]+)` \| (\w+) \| (.*) \|$", markdown, re.M):
        found[match.group(1)] = (match.group(2), match.group(3))
    return found


def test_every_rule_is_listed_with_its_severity_and_title():
    settings = Settings()
    page = rule_reference_markdown(settings)
    listed = rows(page)
    expected = {r.code: (r.severity.value, r.title) for r in [*all_rules(settings), *PR_RULES]}
    assert set(listed) == set(expected)
    for code, (severity, title) in expected.items():
        assert listed[code][0] == severity
        assert listed[code][1].startswith(title.replace("|", "\\|")), code
    # Level rules sit under their level's heading, in level order.
    headings = re.findall(r"^### Level (\d): (.+)$", page, re.M)
    assert [int(n) for n, _ in headings] == list(range(10))
    level4 = page.split("### Level 4: Proof of concept")[1].split("### Level 5")[0]
    assert set(rows(level4)) == {"L401", "L402", "L403", "L404", "L405"}


def test_configuration_shows_in_the_rule_reference():
    settings = settings_from_options({
        "rules": {"L403": {"severity": "warning"}, "DOC001": {"severity": "off"}},
        "require_review_for_graduation": "error",
        "extra_rules": [{"code": "ORG001", "level": 5, "section": "Security review",
                         "description": "Security <b>review</b> | signed"}],
    })
    page = rule_reference_markdown(settings)
    listed = rows(page)
    assert listed["L403"] == ("warning", "A product owner is named. *(changed in configuration)*")
    assert "DOC001" not in listed and "## Rules turned off" in page and "`DOC001`" in page
    assert listed["PR002"][0] == "error"
    level5 = page.split("### Level 5:")[1].split("### Level 6")[0]
    assert rows(level5)["ORG001"] == ("error", "Security &lt;b&gt;review&lt;/b&gt; \\| signed *(added in configuration)*")


def test_configuration_reference_documents_every_field():
    page = configuration_reference_markdown()
    for model, heading in ((Settings, "## Options"), (RuleOverride, "## Rule changes"),
                           (ExtraRule, "## Extra rules")):
        section = page.split(heading, 1)[1].split("\n## ", 1)[0]
        for name, info in model.model_fields.items():
            assert info.description, f"{model.__name__}.{name} has no docstring"
            row = next(line for line in section.splitlines() if line.startswith(f"| `{name}` |"))
            assert info.description.replace("``", "`") in row
    assert "| `roots` | list of texts | `[\"projects\", \"cards\"]` |" in page
    assert "| `code` | text matching `^[A-Z][A-Z0-9]{1,9}$` | required |" in page


def test_configuration_examples_are_valid_options():
    page = configuration_reference_markdown() + rule_reference_markdown()
    blocks = re.findall(r"```yaml\n(.*?)```", page, re.S)
    assert len(blocks) == 4
    for block in blocks:
        data = yaml.safe_load(block)
        if "plugins" in data:
            data = next(p["mltrl"] for p in data["plugins"] if isinstance(p, dict))
        settings_from_options(data)  # raises ConfigError on any invalid example
