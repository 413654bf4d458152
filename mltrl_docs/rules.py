"""The level schemas and document rules: what each MLTRL level requires, with stable codes.

Level rules are cumulative: a card at level *n* must meet every rule of levels
0 to *n*. The same rule objects drive ``mltrl check``, the readiness of each
technology, the rule reference and the site's level pages, so the
documentation cannot drift from the checker.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from posixpath import dirname, join, normpath
from urllib.parse import unquote

from .config import ExtraRule, Settings
from .diagnostics import Diagnostic, Severity, printable
from .ethics import DEFAULT as DEFAULT_CHECKLIST
from .ethics import IN_PROGRESS, ORGANISATION, Checklist, default_checklist, is_complete
from .ids import Identities, externals_of, identities
from .loader import Document, Portfolio, Technology
from .models import Card, phase_of
from .reqlist import listed_requirements
from .samples import Sample
from .sections import (
    CARD_SECTIONS,
    PLACEHOLDER,
    Section,
    SectionSpec,
    emptiness,
    find_placeholders,
    near_miss,
    normalise_heading,
    value_emptiness,
)


@dataclass(frozen=True)
class Miss:
    """Where and why a rule is not met."""

    path: str
    line: int
    column: int
    message: str
    hint: str = ""


Check = Callable[[Technology, Settings], list[Miss]]


@dataclass(frozen=True)
class Rule:
    """A rule with a stable code."""

    code: str
    title: str
    """One-line explanation."""
    level: int | None = None
    """Level from which it applies (cumulative); ``None`` for rules of every document."""
    severity: Severity = Severity.ERROR
    check: Check | None = field(default=None, compare=False, repr=False)
    """For level rules: returns what is missing (empty when met)."""
    minimal: Callable[[Sample], None] | None = field(default=None, compare=False, repr=False)
    """For level rules: adds to a :class:`~mltrl_docs.samples.Sample` the least content that meets the rule."""


# --- helpers -----------------------------------------------------------------------------------


def _card_at(tech: Technology, path: tuple, message: str, hint: str = "") -> Miss:
    """A miss pointing at a card field, or at its parent when the field is absent."""
    parsed = tech.card.parsed
    pos = parsed.key_position(path) if tuple(path) in parsed.keys else parsed.position(("level",))
    return Miss(tech.card.path, pos.line, pos.column, message, hint)


def _section_filled(*keys: str) -> Check:
    specs = [s for s in CARD_SECTIONS if s.key in keys]

    def check(tech: Technology, settings: Settings) -> list[Miss]:
        misses = []
        found = tech.card.card_sections
        for spec in specs:
            section = found.get(spec.key)
            if section is None:
                misses.append(_missing_section(tech, spec))
            elif not section.filled:
                misses.append(_unwritten_section(tech, section, spec.title, spec.purpose))
        return misses

    return check


def _missing_section(tech: Technology, spec: SectionSpec) -> Miss:
    """A miss for a section the card lacks: at the heading that nearly names it, if one does."""
    close = next((s for s in tech.card.sections if s.spec is None and near_miss(s.title, (spec,))), None)
    if close is not None:
        return Miss(tech.card.path, close.line, 1, f"section '{spec.title}' is missing",
                    f"did you mean '{spec.title}'? The heading '{close.title}' names no card section")
    return Miss(tech.card.path, tech.card.parsed.body_line, 1, f"section '{spec.title}' is missing",
                f"add '## {spec.title}': {spec.purpose}")


def _unwritten_section(tech: Technology, section: Section, title: str, purpose: str) -> Miss:
    why = section.emptiness
    if why == "empty":
        return Miss(tech.card.path, section.line, 1, f"section '{title}' is empty", purpose)
    return Miss(tech.card.path, section.line, 1, f"section '{title}' holds only placeholder text ('{why}')",
                f"replace the placeholder with the content: {purpose}")


def _req_doc_miss(tech: Technology, message: str, hint: str) -> Miss:
    if tech.requirements is None:
        return _card_at(tech, ("level",), message, "create requirements.md: " + hint)
    pos = tech.requirements.parsed.position(("requirements",))
    return Miss(tech.requirements.path, pos.line, pos.column, message, hint)


def _each_requirement(tech: Technology, kind: str | None = None) -> Iterator[tuple[int, object]]:
    for index, req in enumerate(tech.requirement_list):
        if kind is None or req.kind == kind:
            yield index, req


def _req_at(tech: Technology, index: int, field_name: str | None, message: str, hint: str = "") -> Miss:
    parsed = tech.requirements.parsed
    path = ("requirements", index) + ((field_name,) if field_name else ())
    pos = parsed.key_position(path) if path in parsed.keys else parsed.position(path)
    return Miss(tech.requirements.path, pos.line, pos.column, message, hint)


# --- level checks ---------------------------------------------------------------------------------


def _placeholder_note(value: object) -> str:
    why = value_emptiness(value)
    return f" (only placeholder text: '{why}')" if why and why != "empty" else ""


def _research_owner(tech: Technology, s: Settings) -> list[Miss]:
    names = tech.model.owners.research
    if not value_emptiness(names):
        return []
    if phase_of(tech.model.level) == "product" and not value_emptiness(tech.model.owners.product):
        return []  # in the product phase (levels 6-9) the product owner leads; research may have handed over
    return [_card_at(tech, ("owners", "research") if names else ("owners",),
                     "no research owner is named" + _placeholder_note(names), "add 'owners: {research: [name]}'")]


def _sample_data(tech: Technology, s: Settings) -> list[Miss]:
    if tech.model.datasets:
        return []
    return [_card_at(tech, ("datasets",), "no dataset is listed",
                     "list the sample or synthetic data under 'datasets' with name, version and kind")]


def _research_requirements(tech: Technology, s: Settings) -> list[Miss]:
    if any(True for _ in _each_requirement(tech, "research")):
        return []
    return [_req_doc_miss(tech, "no research requirement is written",
                          "add requirements with 'kind: research' and their verification and validation")]


def _vv(kind: str) -> Check:
    def check(tech: Technology, s: Settings) -> list[Miss]:
        misses = []
        for index, req in _each_requirement(tech, kind):
            for step in ("verification", "validation"):
                text = getattr(req, step)
                if value_emptiness(text):
                    written = step in tech.requirements.parsed.meta["requirements"][index]
                    done = "verified" if step == "verification" else "validated"
                    misses.append(_req_at(tech, index, step if written else None,
                                          f"{req.label} has no {step}" + _placeholder_note(text),
                                          f"describe how the requirement is {done}"))
        return misses

    return check


def _risk_figures(tech: Technology, s: Settings) -> list[Miss]:
    misses = []
    for index, req in _each_requirement(tech):
        missing = [name for name in ("p_failure", "value") if getattr(req, name) is None]
        if missing:
            misses.append(_req_at(tech, index, None, f"requirement {req.id} has no {' and no '.join(missing)}",
                                  "write 'p_failure' (0 to 1) and 'value' (1 to 10): risk = p(failure) x value"))
    return misses


def _versions(tech: Technology, s: Settings) -> list[Miss]:
    v = tech.model.versions
    missing = [name for name in ("code", "model", "data") if getattr(v, name) is None]
    if not missing:
        return []
    return [_card_at(tech, ("versions",), f"no semantic version for {', '.join(missing)}",
                     "add 'versions: {code: 0.1.0, model: 0.1.0, data: 0.1.0}'")]


def _unit_integration(tech: Technology, s: Settings) -> list[Miss]:
    t = tech.model.testing
    missing = [name for name in ("unit", "integration") if not getattr(t, name)]
    if not missing:
        return []
    return [_card_at(tech, ("testing",), f"{' and '.join(missing)} tests are not in place",
                     "set 'testing: {unit: true, integration: true}' once they run in CI")]


def _real_data(tech: Technology, s: Settings) -> list[Miss]:
    if any(d.kind == "real" for d in tech.model.datasets):
        return []
    return [_card_at(tech, ("datasets",), "no real, representative dataset is listed",
                     "add a dataset with 'kind: real'")]


def _ethics_part(part: str, level_note: str) -> Check:
    def check(tech: Technology, s: Settings) -> list[Miss]:
        label = part.replace("_", "-")
        questions = tech.checklist.part(part)
        if questions is None:
            return []  # the organisation's checklist has no such part: nothing to answer
        if tech.ethics is None:
            return [_card_at(tech, ("level",), f"the {label} ethics checklist is missing",
                             f"create ethics.md (mltrl new writes one); {level_note}")]
        ethics = tech.ethics_model
        if ethics is None:
            return []  # schema errors are already reported
        complete, open_keys, link = is_complete(getattr(ethics, part), questions)
        if complete:
            return []
        parsed = tech.ethics.parsed
        if link is not None:
            where = (part, IN_PROGRESS)
            message = f"the {label} ethics checklist is in progress ({link})"
            hint = "answer its questions here, then remove 'in_progress'"
        else:
            first = (part, open_keys[0])
            where = first if first in parsed.keys else (part,)
            message = f"{len(open_keys)} {label} ethics question(s) unanswered: {', '.join(open_keys)}"
            hint = "answer each with a paragraph, or write '{not_applicable: reason}'"
        pos = parsed.key_position(where) if where in parsed.keys else parsed.position(())
        return [Miss(tech.ethics.path, pos.line, pos.column, message, hint)]

    return check


def _organisation_answers(tech: Technology, s: Settings) -> list[Miss]:
    checklist = tech.checklist
    guiding = checklist.part(ORGANISATION)
    if guiding is None:
        return []
    open_keys = [q.key for q in guiding.questions if value_emptiness(q.answer)]
    if not open_keys:
        return []
    if checklist.path == DEFAULT_CHECKLIST:
        return [_card_at(tech, ("level",), "the organisation has not answered its guiding ethics questions",
                         "write the organisation's answer under each guiding question of a copy of the checklist "
                         "in ethics-checklist.md next to mkdocs.yml (mltrl init writes one), or in the file the "
                         "plugin option 'ethics_checklist' names")]
    return [_card_at(tech, ("level",), f"the organisation's guiding ethics question(s) {', '.join(open_keys)} "
                     f"are not answered in {checklist.path}",
                     "write the organisation's answer under each question, as a list (answered once for every "
                     "project)")]


def _product_owner(tech: Technology, s: Settings) -> list[Miss]:
    names = tech.model.owners.product
    if not value_emptiness(names):
        return []
    return [_card_at(tech, ("owners", "product") if names else ("owners",),
                     "no product owner is named" + _placeholder_note(names),
                     "add 'owners: {product: [name]}': level 4 brings product managers in")]


def _research_validated(tech: Technology, s: Settings) -> list[Miss]:
    return [_req_at(tech, i, "status", f"{r.label} is {r.status}, not validated",
                    "finish its verification and validation and set 'status: validated'")
            for i, r in _each_requirement(tech, "research") if r.status != "validated"]


def _product_requirements(tech: Technology, s: Settings) -> list[Miss]:
    if any(True for _ in _each_requirement(tech, "product")):
        return []
    return [_req_doc_miss(tech, "no product requirement is drafted",
                          "add requirements with 'kind: product'")]


def _service_levels(tech: Technology, s: Settings) -> list[Miss]:
    stated = tech.model.service_levels
    if not value_emptiness(stated):
        return []
    return [_card_at(tech, ("service_levels",), "no SLA or SLO is stated" + _placeholder_note(stated),
                     "list the commitments under 'service_levels', e.g. '99.5% of requests under 200 ms'")]


def _deployment(tech: Technology, s: Settings) -> list[Miss]:
    if tech.model.deployment is not None:
        return []
    return [_card_at(tech, ("deployment",), "the deployment setting is not decided",
                     "add 'deployment: {audience: internal, hosting: cloud, mode: batch}'")]


def _ethics_revisit(tech: Technology, s: Settings) -> list[Miss]:
    ethics = tech.ethics_model
    if ethics is not None and any(r.level >= 6 for r in ethics.revisits):
        return []
    if tech.ethics is None:
        return [_card_at(tech, ("level",), "the ethics checklist was not revisited at level 6",
                         "create ethics.md and record the revisit under 'revisits'")]
    if ethics is None:
        return []
    parsed = tech.ethics.parsed
    pos = parsed.key_position(("revisits",)) if ("revisits",) in parsed.keys else parsed.position(())
    return [Miss(tech.ethics.path, pos.line, pos.column, "the ethics checklist was not revisited at level 6",
                 "add '- {level: 6, date: YYYY-MM-DD, summary: ...}' under 'revisits'")]


def _flag(path: tuple, message: str, hint: str) -> Check:
    def check(tech: Technology, s: Settings) -> list[Miss]:
        value: object = tech.model
        for part in path:
            value = getattr(value, part)
        written = not value_emptiness(value) if isinstance(value, (str, list)) else bool(value)
        if written:
            return []
        return [_card_at(tech, path, message + (_placeholder_note(value) if value else ""), hint)]

    return check


def _golden_dataset(tech: Technology, s: Settings) -> list[Miss]:
    name = tech.model.testing.golden_dataset
    if name is None:
        return [_card_at(tech, ("testing", "golden_dataset"), "no golden dataset is named",
                         "set 'testing: {golden_dataset: NAME}' to a dataset listed under 'datasets'")]
    if name not in {d.name for d in tech.model.datasets}:
        return [_card_at(tech, ("testing", "golden_dataset"), f"golden dataset '{name}' is not listed under 'datasets'",
                         "add it to 'datasets' with its version")]
    return []


def _risk_tests(tech: Technology, s: Settings) -> list[Miss]:
    return [_req_at(tech, i, "tests" if "tests" in tech.requirements.parsed.meta["requirements"][i] else None,
                    f"{r.label} has risk {r.computed_risk:g} (at or above {s.risk_threshold:g}) "
                    "but no critical-scenario test", "list the tests that cover it under 'tests'")
            for i, r in _each_requirement(tech)
            if r.computed_risk is not None and r.computed_risk >= s.risk_threshold and not r.tests]


def _all_validated(tech: Technology, s: Settings) -> list[Miss]:
    return [_req_at(tech, i, "status", f"{r.label} is {r.status}, not validated",
                    "walk it through its validation and set 'status: validated'")
            for i, r in _each_requirement(tech) if r.status != "validated"]


def _drift(tech: Technology, s: Settings) -> list[Miss]:
    m = tech.model.monitoring
    missing = [name.replace("_", " ") for name in ("data_drift", "concept_drift") if not getattr(m, name)]
    if not missing:
        return []
    return [_card_at(tech, ("monitoring",), f"{' and '.join(missing)} not monitored",
                     "set 'monitoring: {data_drift: true, concept_drift: true}' once alerts are in place")]


# --- the least content that meets each level rule (see mltrl_docs.samples) ------------------------------
# Each fills what a sample still lacks and keeps what it holds, so content given beforehand (the demo's
# story, a test's names) stays, and a sample that starts with something blank gets it written.


def _blank(value: object) -> bool:
    """Whether a value says nothing yet: missing, false, empty, or only placeholder text (as
    :func:`~mltrl_docs.sections.value_emptiness` reads it, with ``false`` unwritten too)."""
    if value is None or value is False:
        return True
    if isinstance(value, str):
        return _blank_text(value)
    if isinstance(value, (list, tuple)):
        return all(_blank(item) for item in value)
    if isinstance(value, dict):
        return not value
    return False


@lru_cache(maxsize=4096)
def _blank_text(text: str) -> bool:
    # Samples repeat their texts, and most hold a word and no placeholder: settled by two searches.
    if PLACEHOLDER.search(text) is None:
        return _WORD.search(text) is None
    return emptiness(text) is not None


_WORD = re.compile(r"\w")


def _written(*keys: str) -> Callable[[Sample], None]:
    def fill(s: Sample) -> None:
        for key in keys:
            if _blank(s.sections.get(key)):
                s.sections[key] = f"What the team wrote for '{key}'."

    return fill


def _dataset(name: str, kind: str) -> Callable[[Sample], None]:
    def fill(s: Sample) -> None:
        datasets = s.card.setdefault("datasets", [])
        if not any(d.get("kind") == kind for d in datasets):
            datasets.append({"name": name, "version": "1.0.0", "kind": kind})

    return fill


def _requirement(kind: str) -> Callable[[Sample], None]:
    def fill(s: Sample) -> None:
        if not any(r.get("kind") == kind for r in s.requirements):
            # Each kind is numbered from 1 on its own, as MLTRL's cards number them.
            s.requirements.append({"id": "1.0.0", "kind": kind, "statement": f"The {kind} need shall be met."})

    return fill


def _each_requirement_gets(kind: str | None, **values: object) -> Callable[[Sample], None]:
    """Give each requirement (of ``kind``) the values it lacks; a status always moves forward to the one given."""
    def fill(s: Sample) -> None:
        for r in s.requirements:
            if kind is None or r.get("kind") == kind:
                for key, value in values.items():
                    if key == "status" or _blank(r.get(key)):
                        r[key] = value

    return fill


def _setting(path: tuple[str, ...], value: object) -> Callable[[Sample], None]:
    def fill(s: Sample) -> None:
        current = s.card
        for part in path[:-1]:
            current = current.setdefault(part, {})
        held = current.get(path[-1])
        if isinstance(held, dict) and isinstance(value, dict):
            for key, item in value.items():
                if _blank(held.get(key)):
                    held[key] = copy.deepcopy(item)
        elif _blank(held):
            current[path[-1]] = copy.deepcopy(value)  # each sample its own: a later rule adds to it

    return fill


def _people(role: str) -> Callable[[Sample], None]:
    def fill(s: Sample) -> None:
        if _blank(s.card["owners"].get(role)):
            s.card["owners"][role] = [f"{role} owner"]

    return fill


def _answers(part: str) -> Callable[[Sample], None]:
    def fill(s: Sample) -> None:
        questions = s.checklist.part(part)
        answers = s.ethics.setdefault(part, {})
        for q in questions.questions if questions is not None else ():
            if _blank(answers.get(q.key)):
                answers[q.key] = f"The team's answer to '{q.key}'."

    return fill


def _organisation(s: Sample) -> None:
    s.organisation = True


def _revisit(s: Sample) -> None:
    if not any(r.get("level", 0) >= 6 for r in s.ethics.get("revisits") or ()):
        s.ethics.setdefault("revisits", []).append(
            {"level": 6, "date": "2024-06-01", "summary": "Answers read again for level 6."})


def _golden(s: Sample) -> None:
    testing = s.card.setdefault("testing", {})
    datasets = s.card.setdefault("datasets", [])
    if testing.get("golden_dataset") in {d.get("name") for d in datasets}:
        return
    real = next((d["name"] for d in datasets if d.get("kind") == "real"), None)
    if real is None:
        real = "golden"
        datasets.append({"name": real, "version": "1.0.0", "kind": "real"})
    testing["golden_dataset"] = real


def _scenario_tests(s: Sample) -> None:
    for r in s.requirements:
        risky = isinstance(r.get("p_failure"), (int, float)) and isinstance(r.get("value"), (int, float)) \
            and r["p_failure"] * r["value"] >= s.risk_threshold
        if risky and _blank(r.get("tests")):
            r["tests"] = [f"critical scenarios of {r['kind']} requirement {r['id']}"]


_m001, _m002 = _written("tldr", "assumptions"), _people("research")
_m101, _m102 = _dataset("sample", "sample"), _written("model", "data")
_m201 = _requirement("research")
_m202 = _each_requirement_gets("research", verification="Unit tests of the method.", validation="Expert review.")
_m203 = _written("requirements", "metrics")
_m204 = _each_requirement_gets(None, p_failure=0.5, value=8)  # a high risk, so L702 asks for its tests
_m301 = _setting(("versions",), {"code": "1.0.0", "model": "1.0.0", "data": "1.0.0"})
_m302 = _setting(("testing",), {"unit": True, "integration": True})
_m303 = _written("testing")
_m401, _m402, _m403 = _dataset("field", "real"), _answers("pre_development"), _people("product")
_m404, _m405 = _written("intended_use", "ethics"), _organisation
_m501 = _each_requirement_gets("research", status="validated")
_m502, _m503 = _requirement("product"), _written("caveats")
_m601 = _each_requirement_gets("product", verification="Load tests.", validation="A study with the users.")
_m602 = _setting(("service_levels",), ["99% of requests answered within a second"])
_m603 = _setting(("deployment",), {"audience": "internal", "hosting": "cloud", "mode": "batch"})
_m604, _m605 = _revisit, _setting(("testing", "robustness"), True)
_m701 = _golden
_m702, _m703 = _scenario_tests, _setting(("testing", "critical_scenarios"), ["rare inputs"])
_m704 = _answers("post_development")
_m801 = _each_requirement_gets(None, status="validated")
_m802, _m803 = _setting(("testing", "deployment"), ["shadow"]), _setting(("monitoring", "data_logging"), True)
_m901 = _setting(("monitoring",), {"data_drift": True, "concept_drift": True})
_m902 = _setting(("review_cadence_days",), 90)
_m903 = _setting(("monitoring", "feedback"), "Users report problems in the team's tracker.")


LEVEL_RULES: tuple[Rule, ...] = (
    Rule("L001", "The TL;DR and key assumptions are written.", 0, check=_section_filled("tldr", "assumptions"),
         minimal=_m001),
    Rule("L002", "A research owner is named (from level 6, in the product phase, a product owner may lead "
         "instead).", 0, check=_research_owner, minimal=_m002),
    Rule("L101", "Sample data (a subset or synthetic) is identified.", 1, check=_sample_data, minimal=_m101),
    Rule("L102", "The model and data sections are written.", 1, check=_section_filled("model", "data"), minimal=_m102),
    Rule("L201", "A research requirements document exists.", 2, check=_research_requirements, minimal=_m201),
    Rule("L202", "Every research requirement has verification and validation.", 2, check=_vv("research"),
         minimal=_m202),
    Rule("L203", "Top-level requirements and metrics are on the card.", 2,
         check=_section_filled("requirements", "metrics"), minimal=_m203),
    Rule("L204", "Every requirement carries its risk: p_failure and value.", 2, check=_risk_figures, minimal=_m204),
    Rule("L301", "Code, model and data carry semantic versions.", 3, check=_versions, minimal=_m301),
    Rule("L302", "Unit and integration tests are in place.", 3, check=_unit_integration, minimal=_m302),
    Rule("L303", "The testing status is written.", 3, check=_section_filled("testing"), minimal=_m303),
    Rule("L401", "Real, representative data is used.", 4, check=_real_data, minimal=_m401),
    Rule("L402", "The pre-development ethics checklist is complete.", 4,
         check=_ethics_part("pre_development", "the ethics conversation is required from level 4"), minimal=_m402),
    Rule("L403", "A product owner is named.", 4, check=_product_owner, minimal=_m403),
    Rule("L404", "Intended use and ethics are on the card.", 4, check=_section_filled("intended_use", "ethics"),
         minimal=_m404),
    Rule("L405", "The organisation has answered the guiding questions of its ethics checklist.", 4,
         check=_organisation_answers, minimal=_m405),
    Rule("L501", "Every research requirement is verified and validated.", 5, check=_research_validated, minimal=_m501),
    Rule("L502", "Product requirements are drafted.", 5, check=_product_requirements, minimal=_m502),
    Rule("L503", "Caveats and edge cases are written.", 5, check=_section_filled("caveats"), minimal=_m503),
    Rule("L601", "Every product requirement has verification and validation.", 6, check=_vv("product"), minimal=_m601),
    Rule("L602", "SLA and SLO commitments are stated.", 6, check=_service_levels, minimal=_m602),
    Rule("L603", "The deployment setting is decided.", 6, check=_deployment, minimal=_m603),
    Rule("L604", "The ethics checklist was revisited at level 6 or later.", 6, check=_ethics_revisit, minimal=_m604),
    Rule("L605", "Robustness is tested.", 6,
         check=_flag(("testing", "robustness"), "robustness is not tested",
                     "test perturbations, adversarial inputs and other data sources; then set "
                     "'testing: {robustness: true}'"), minimal=_m605),
    Rule("L701", "A golden dataset is named for CI/CD.", 7, check=_golden_dataset, minimal=_m701),
    Rule("L702", "Every high-risk requirement has critical-scenario tests (the risk table).", 7, check=_risk_tests,
         minimal=_m702),
    Rule("L703", "Critical scenarios and data slices are tested.", 7,
         check=_flag(("testing", "critical_scenarios"), "no critical-scenario tests are listed",
                     "list them under 'testing: {critical_scenarios: [...]}'"), minimal=_m703),
    Rule("L704", "The post-development ethics checklist is complete.", 7,
         check=_ethics_part("post_development", "one paragraph per question"), minimal=_m704),
    Rule("L801", "Every requirement is validated.", 8, check=_all_validated, minimal=_m801),
    Rule("L802", "Deployment tests ran (A/B, shadow, canary or blue/green).", 8,
         check=_flag(("testing", "deployment"), "no deployment test is recorded",
                     "list them under 'testing: {deployment: [shadow, canary]}'"), minimal=_m802),
    Rule("L803", "Data distributions are logged automatically.", 8,
         check=_flag(("monitoring", "data_logging"), "data distributions are not logged",
                     "set 'monitoring: {data_logging: true}' once logging runs"), minimal=_m803),
    Rule("L901", "Data drift and concept drift are monitored.", 9, check=_drift, minimal=_m901),
    Rule("L902", "A review cadence is set.", 9,
         check=_flag(("review_cadence_days",), "no review cadence is set",
                     "set 'review_cadence_days: 90' (a deployed technology is reviewed regularly)"), minimal=_m902),
    Rule("L903", "Users have a way to report problems.", 9,
         check=_flag(("monitoring", "feedback"), "no user feedback path is described",
                     "describe it under 'monitoring: {feedback: ...}'"), minimal=_m903),
)
"""Built-in level rules, in level order."""


def meet(sample: Sample, level: int | None = None, rules: tuple[Rule, ...] = LEVEL_RULES) -> Sample:
    """``sample`` with the least content added that meets every level rule up to ``level`` (by default the
    sample's own level), from the rules' ``minimal``; what the sample already holds is kept.

    Each rule's ``minimal`` is applied in level order, twice, so that what a later rule adds (a product
    requirement) also gets what an earlier one asks of every item (its risk figure).
    """
    upto = sample.level if level is None else level
    due = [r.minimal for r in rules if r.level is not None and r.level <= upto and r.minimal is not None]
    for _ in range(2):
        for fill in due:
            fill(sample)
    return sample


def conforming(project_id: str, title: str, level: int, *, checklist: Checklist | None = None,
               risk_threshold: float = 3.0, rules: tuple[Rule, ...] = LEVEL_RULES) -> Sample:
    """A technology at ``level`` holding the least content that meets every level rule up to it, from the rules."""
    return meet(Sample(project_id, title, level, checklist or default_checklist(), risk_threshold), rules=rules)


DOCUMENT_RULES: tuple[Rule, ...] = (
    Rule("ETH001", "The ethics checklist named by 'ethics_checklist' can be read, inside the repository."),
    Rule("ETH002", "Every part heading of the ethics checklist names a part.", severity=Severity.WARNING),
    Rule("ETH003", "Each part of the ethics checklist appears once, with question keys used once."),
    Rule("ETH004", "Question keys are lower-case letters, digits and '_'."),
    Rule("ETH005", "Every part of the ethics checklist asks a question.", severity=Severity.WARNING),
    Rule("FM001", "A document starts with front matter between two '---' lines."),
    Rule("FM002", "Front matter is closed by a '---' line."),
    Rule("FM003", "Front matter is a mapping of fields."),
    Rule("FM004", "Front matter is valid YAML."),
    Rule("FM005", "No key appears twice in the same mapping."),
    Rule("FM006", "No YAML anchors or aliases."),
    Rule("FM007", "No explicit YAML tags."),
    Rule("FM008", "Front matter is nested at most 32 levels deep."),
    Rule("FM009", "A document is at most 1 MB."),
    Rule("FM010", "A document is valid UTF-8."),
    Rule("FM011", "A document is not empty."),
    Rule("FM012", "A document has no byte order mark.", severity=Severity.WARNING),
    Rule("FM013", "Mapping keys are plain text; no merge keys."),
    Rule("IO001", "Files and folders can be read."),
    Rule("SEC001", "Documents are files of the repository, not links to outside it."),
    Rule("SEC002", "A technology's documents are its own files, not links into another folder."),
    Rule("SEC003", "No symbolic link in a technology's folder loops."),
    Rule("SCH001", "Required fields are present."),
    Rule("SCH002", "No unknown fields."),
    Rule("SCH003", "Fields with a fixed set of values use one of them."),
    Rule("SCH004", "Fields have the right type (YAML 1.2: quote text that looks like a number)."),
    Rule("SCH005", "Values are within range and in the right format."),
    Rule("SCH006", "Values pass the field's own checks (e.g. safe link schemes)."),
    Rule("DOC001", "The card has every TRL card section.", severity=Severity.WARNING),
    Rule("PH001", "No placeholder text (TODO, TBD, FIXME, [[fill in ...]]) is left.", severity=Severity.WARNING),
    Rule("REQ001", "Requirement IDs are unique within their kind (research, product) in a technology."),
    Rule("REQ002", "A written risk equals p_failure x value."),
    Rule("REQ003", "Every number on the card's top-level requirements list has a requirement N.x.y of its kind."),
    Rule("REQ004", "Every top-level requirement number of requirements.md is on the card's list.",
         severity=Severity.WARNING),
    Rule("REQ005", "A list that names no kind does not show a number both research and product requirements use.",
         severity=Severity.WARNING),
    Rule("REV001", "A review's to_level agrees with its decision."),
    Rule("REV002", "A review file is named YYYY-MM-DD-level-N.md after its date and level."),
    Rule("REV003", "A graduation review answers the four debrief questions.", severity=Severity.WARNING),
    Rule("REV004", "A review deciding 'tasks' lists the tasks.", severity=Severity.WARNING),
    Rule("REV005", "The card makes the level change its latest review decided (from git history; a warning "
         "while the decision is at most 30 days old)."),
    Rule("REV006", "The card takes the status a latest review deciding 'pause' or 'stop' asks for (from git "
         "history; a warning while the decision is at most 30 days old)."),
    Rule("DS001", "Dataset names are unique within a card."),
    Rule("TGT001", "Each target is for a higher level and a later date than the target before it."),
    Rule("TGT002", "A target's date does not pass before its level is reached (from git history).",
         severity=Severity.WARNING),
    Rule("XR001", "Project IDs are unique across the portfolio."),
    Rule("XR002", "Every component and coupled ID names an existing technology."),
    Rule("XR003", "A composed technology's level is at most the lowest level of its components."),
    Rule("XR004", "Technology folder names are unique across content roots."),
    Rule("XR005", "Every technology folder has a card.md."),
    Rule("XR006", "Technology folder names are valid slugs."),
    Rule("XR007", "A technology is not a component of itself, directly or through others."),
    Rule("XR008", "A public technology does not refer or link to an internal one."),
    Rule("XR009", "References use a technology's current project ID, not a former one.", severity=Severity.WARNING),
    Rule("XR010", "A former project ID belongs to one technology only, and to none as its current ID."),
    Rule("XR011", "An external technology's ID is not an ID of this portfolio, and is declared once per card."),
    Rule("HIS001", "Once started, a technology climbs one level at a time: no level is skipped (from git history)."),
    Rule("HIS002", "No switchback goes below the level the technology started at.", severity=Severity.WARNING),
    Rule("HIS003", "Every graduation in git history is decided by a review record (severity: option "
         "require_review_for_graduation).", severity=Severity.WARNING),
    Rule("HIS004", "A technology at level 9 is reviewed within its review cadence.", severity=Severity.WARNING),
    Rule("HIS005", "Old versions of cards and reviews can be read (unreadable ones are left out of the history).",
         severity=Severity.INFO),
    Rule("HIS006", "History needs the full git history, not a shallow clone (fetch-depth: 0)."),
    Rule("HIS007", "History needs the content to be in a git repository.", severity=Severity.INFO),
    Rule("HIS008", "git can be run to read the history.", severity=Severity.WARNING),
    Rule("HIS009", "Every commit date git stores lies between 1970 and 9999 with a real time zone offset (others are "
         "clamped, or read as UTC).", severity=Severity.WARNING),
    Rule("HIS010", "A project ID a technology had in git history is not taken by another technology since.",
         severity=Severity.WARNING),
)
"""Rules every document follows whatever its level."""


PR_RULES: tuple[Rule, ...] = (
    Rule("PR001", "A change raises a technology's level by one at a time; levels are never skipped."),
    Rule("PR002", "A level change comes with a review record that decides it, in the change or already on "
                  "the base (severity: the 'require_review_for_graduation' option).", severity=Severity.WARNING),
)
"""Rules that only a comparison with a base revision can check (``mltrl check --base``)."""

RULES: tuple[Rule, ...] = (*DOCUMENT_RULES, *LEVEL_RULES, *PR_RULES)
"""Every built-in rule, one row each: reading (FM, IO), security (SEC), schema (SCH), the ethics checklist
(ETH), documents (DOC, PH, REQ, REV, DS), cross references (XR), history (HIS), targets (TGT), levels (L)
and pull requests (PR). Configuration changes them in :func:`all_rules` and :func:`settle`, nowhere else."""


def all_rules(settings: Settings) -> list[Rule]:
    """Built-in and configured rules, with configured levels and severities applied; ``off`` rules left out."""
    rules = []
    for rule in (*DOCUMENT_RULES, *LEVEL_RULES, *(_extra_rule(x) for x in settings.extra_rules)):
        override = settings.rules.get(rule.code)
        if override is not None:
            if override.severity == "off":
                continue
            changes = {}
            if override.severity is not None:
                changes["severity"] = Severity(override.severity)
            if override.level is not None and rule.level is not None:
                changes["level"] = override.level
            rule = Rule(**{**rule.__dict__, **changes})
        rules.append(rule)
    return rules


def known_codes(settings: Settings) -> set[str]:
    """Every rule code, built-in or configured, including disabled ones."""
    return {r.code for r in RULES} | {x.code for x in settings.extra_rules}


def settle(findings: list[Diagnostic], settings: Settings, *, own_severity: bool = False) -> list[Diagnostic]:
    """``findings`` as the configuration has them: codes turned ``off`` dropped, each with its rule's severity.

    With ``own_severity`` (the history's findings, whose severity depends on the case: an option, the age
    of a decision), a finding keeps the severity it was made with unless the configuration names its code.
    """
    rules = {r.code: r for r in all_rules(settings)}
    known = known_codes(settings)
    out = []
    for diag in findings:
        rule = rules.get(diag.code)
        if rule is None and diag.code in known:
            continue  # turned off
        severity = diag.severity
        if rule is not None and (not own_severity or settings.rules.get(diag.code, None) is not None
                                 and settings.rules[diag.code].severity):
            severity = rule.severity
        if severity is not diag.severity:
            diag = Diagnostic(diag.path, diag.line, diag.column, severity, diag.code, diag.message, diag.hint,
                              diag.project)
        out.append(diag)
    return out


def _extra_rule(extra: ExtraRule) -> Rule:
    if extra.field is not None:
        path = tuple(extra.field.split("."))
        title = extra.description or f"The card fills '{extra.field}'."

        def check(tech: Technology, s: Settings) -> list[Miss]:
            value: object = tech.card.parsed.meta
            for part in path:
                value = value.get(part) if isinstance(value, dict) else None
            if value not in (None, "", [], {}):
                return []
            return [_card_at(tech, path, f"'{extra.field}' is not filled", title)]
    else:
        spec = SectionSpec(normalise_heading(extra.section), extra.section, (), extra.level,
                           extra.description or f"The '{extra.section}' section.")
        title = extra.description or f"The card has a filled '{extra.section}' section."

        def check(tech: Technology, s: Settings) -> list[Miss]:
            parsed = tech.card.parsed
            for section in tech.card.sections:
                if normalise_heading(section.title) == spec.key:
                    if section.filled:
                        return []
                    return [_unwritten_section(tech, section, spec.title, title)]
            return [Miss(tech.card.path, parsed.body_line, 1, f"section '{spec.title}' is missing",
                         f"add '## {spec.title}'")]

    return Rule(extra.code, title, extra.level, Severity(extra.severity), check)


# --- readiness ------------------------------------------------------------------------------------


@dataclass
class RuleResult:
    """Whether one level rule is met by a technology."""

    rule: Rule
    misses: list[Miss]

    @property
    def met(self) -> bool:
        """True when nothing is missing."""
        return not self.misses


@dataclass
class Readiness:
    """Which rules of its level a technology meets, and what it lacks to graduate."""

    level: int
    current: list[RuleResult]
    """Rules of levels 0 to ``level``."""
    next: list[RuleResult]
    """Rules added by ``level + 1`` (empty at level 9)."""

    @property
    def met(self) -> int:
        """Number of current-level rules met."""
        return sum(r.met for r in self.current)

    @property
    def total(self) -> int:
        """Number of current-level rules."""
        return len(self.current)

    @property
    def ready_to_graduate(self) -> bool:
        """Every rule of this level and of the next is met."""
        return all(r.met for r in self.current) and all(r.met for r in self.next)

    def to_dict(self) -> dict:
        """JSON form for the export."""
        def rows(results: list[RuleResult]) -> list[dict]:
            return [{"code": r.rule.code, "level": r.rule.level, "title": r.rule.title, "met": r.met,
                     "missing": [m.message for m in r.misses]} for r in results]
        return {"level": self.level, "met": self.met, "total": self.total,
                "ready_to_graduate": self.ready_to_graduate, "current": rows(self.current),
                "next": rows(self.next)}


def level_rules(settings: Settings) -> list[Rule]:
    """Level rules in force, sorted by level then code."""
    return sorted((r for r in all_rules(settings) if r.level is not None and r.check),
                  key=lambda r: (r.level, r.code))


def readiness(tech: Technology, settings: Settings, rules: list[Rule] | None = None) -> Readiness | None:
    """Readiness of ``tech``, or ``None`` when its card is not valid."""
    card: Card | None = tech.model
    if card is None:
        return None
    rules = level_rules(settings) if rules is None else rules
    current = [RuleResult(r, r.check(tech, settings)) for r in rules if r.level <= card.level]
    upcoming = [RuleResult(r, r.check(tech, settings)) for r in rules if r.level == card.level + 1]
    return Readiness(card.level, current, upcoming)


# --- document and cross-document rules ------------------------------------------------------------------


def _doc_diag(doc: Document, line: int, column: int, code: str, message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(doc.path, line, column, Severity.ERROR, code, message, hint)


def _strings(value: object, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, path + (index,))


def _string_values(value: object) -> list[str]:
    """Every string inside ``value`` (the front matter), without their paths: the quick look."""
    out: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            out.append(item)
        elif kind is dict:
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
    return out


def placeholder_findings(doc: Document) -> list[Diagnostic]:
    """Placeholder text in the front matter's strings and in the body."""
    parsed = doc.parsed
    found = []
    # One search over all the strings first: most documents hold no placeholder at all. A match
    # inside one string is a match in the joined text, so nothing is missed.
    if parsed.meta is not None and PLACEHOLDER.search("\n".join(_string_values(parsed.meta))):
        for path, text in _strings(parsed.meta):
            for _, _, match in find_placeholders(text):
                pos = parsed.position(path)
                found.append(_doc_diag(doc, pos.line, pos.column, "PH001",
                                       f"placeholder '{match}' left in '{'.'.join(map(str, path))}'",
                                       "replace it with real content"))
    if (parsed.meta is not None or parsed.body) and PLACEHOLDER.search(parsed.body):
        for line, col, match in find_placeholders(parsed.body, parsed.body_line):
            found.append(_doc_diag(doc, line, col, "PH001", f"placeholder '{match}' left in the text",
                                   "replace it with real content"))
    return found


def _card_structure(tech: Technology) -> list[Diagnostic]:
    doc = tech.card
    found = tech.card.card_sections
    out = []
    for spec in CARD_SECTIONS:
        if spec.required and spec.key not in found:
            miss = _missing_section(tech, spec)
            out.append(_doc_diag(doc, miss.line, miss.column, "DOC001", f"the card has no '{spec.title}' section",
                                 miss.hint))
    names: dict[str, int] = {}
    for index, dataset in enumerate(tech.model.datasets):
        if dataset.name in names:
            pos = doc.parsed.position(("datasets", index, "name"))
            out.append(_doc_diag(doc, pos.line, pos.column, "DS001", f"dataset '{dataset.name}' is listed twice",
                                 "give each dataset version its own name or merge the entries"))
        names[dataset.name] = index
    return out


def _target_findings(tech: Technology) -> list[Diagnostic]:
    """TGT001: a plan reads in one direction, so each target must be above and after the one before it.

    A level named twice, a lower level after a higher one, or a higher level due no later than a
    lower one cannot all be met as written (reaching a level reaches every level below it).
    """
    doc = tech.card
    out = []
    first_at: dict[int, int] = {}
    targets = tech.model.targets
    for index, target in enumerate(targets):
        before = targets[index - 1] if index else None
        if target.level in first_at:
            pos = doc.parsed.position(("targets", index, "level"))
            out.append(_doc_diag(doc, pos.line, pos.column, "TGT001",
                                 f"level {target.level} is targeted twice (targets {first_at[target.level] + 1} "
                                 f"and {index + 1})", "keep one target per level; to move its date, change 'by' and "
                                 "say why in its 'note'"))
        elif before is not None and target.level < before.level:
            pos = doc.parsed.position(("targets", index, "level"))
            out.append(_doc_diag(doc, pos.line, pos.column, "TGT001",
                                 f"target {index + 1} (level {target.level}) comes after target {index} for a higher "
                                 f"level ({before.level})", "list the targets from the lowest level up"))
        elif before is not None and target.by <= before.by:
            pos = doc.parsed.position(("targets", index, "by"))
            out.append(_doc_diag(doc, pos.line, pos.column, "TGT001",
                                 f"level {target.level} is due by {target.by.isoformat()}, not after level "
                                 f"{before.level} (due by {before.by.isoformat()})",
                                 "give each higher level a later date: reaching a level reaches every level "
                                 "below it"))
        first_at.setdefault(target.level, index)
    return out


def _requirement_findings(tech: Technology) -> list[Diagnostic]:
    doc = tech.requirements
    out = []
    seen: set[tuple[str, str]] = set()  # (kind, ID): each kind is numbered on its own
    for index, req in enumerate(tech.requirement_list):
        if (req.kind, req.id) in seen:
            pos = doc.parsed.position(("requirements", index, "id"))
            out.append(_doc_diag(doc, pos.line, pos.column, "REQ001", f"{req.kind} requirement ID {req.id} is used "
                                 "twice", f"number each {req.kind} requirement uniquely (research and product "
                                 "requirements are numbered apart)"))
        seen.add((req.kind, req.id))
        if req.risk is not None and req.computed_risk is not None and abs(req.risk - req.computed_risk) > 1e-6:
            pos = doc.parsed.position(("requirements", index, "risk"))
            out.append(_doc_diag(doc, pos.line, pos.column, "REQ002",
                                 f"{req.label}: risk {req.risk:g} is not p_failure x value "
                                 f"= {req.p_failure:g} x {req.value} = {req.computed_risk:g}",
                                 f"write 'risk: {req.computed_risk:g}' or remove it (it is derived)"))
    return out


def _top_level_list_findings(tech: Technology) -> list[Diagnostic]:
    """``REQ003``-``REQ005``: the card's top-level list and the requirements' first numbers, both ways."""
    section = tech.card.card_sections.get("requirements")
    if section is None:
        return []  # DOC001 (and L203 from level 2) ask for the section
    card, doc = tech.card, tech.requirements
    listed = listed_requirements(card.parsed.body, card.parsed.body_line, section)
    first: dict[tuple[str, int], int] = {}  # (kind, top number) -> index of its first requirement
    for index, req in enumerate(tech.requirement_list):
        first.setdefault((req.kind, req.top), index)
    tops = {kind: {top for k, top in first if k == kind} for kind in ("research", "product")}
    shown = {(item.kind, item.number) for item in listed}
    labelled = any(item.kind is not None for item in listed)
    out = []
    for item in listed:
        if item.kind is not None and item.number not in tops[item.kind]:
            out.append(_doc_diag(card, item.line, item.column, "REQ003",
                                 f"the card's {item.kind} list shows number {item.number}, but requirements.md has "
                                 f"no {item.kind} requirement {item.number}.x.y",
                                 f"number the list after requirements.md, or add {item.kind} requirement "
                                 f"{item.number}.0.0 there"))
        elif item.kind is None and all(item.number not in numbers for numbers in tops.values()):
            out.append(_doc_diag(card, item.line, item.column, "REQ003",
                                 f"the card's top-level list shows number {item.number}, but requirements.md has no "
                                 f"requirement {item.number}.x.y",
                                 f"number the list after requirements.md, or add requirement {item.number}.0.0 "
                                 "there"))
        elif item.kind is None and all(item.number in numbers for numbers in tops.values()):
            out.append(Diagnostic(card.path, item.line, item.column, Severity.WARNING, "REQ005",
                                  f"number {item.number} on the card's top-level list may be research requirement "
                                  f"{item.number} or product requirement {item.number}",
                                  "put the lists under sub-headings of the section, '### Research' and "
                                  "'### Product', so each number names one requirement"))
    for (kind, top), index in first.items():
        if (kind, top) in shown or (None, top) in shown:
            continue
        pos = doc.parsed.position(("requirements", index, "id"))
        where = f" under its '{kind.capitalize()}' sub-heading" if labelled else ""
        out.append(Diagnostic(doc.path, pos.line, pos.column, Severity.WARNING, "REQ004",
                              f"top-level {kind} requirement {top} is not on the card's top-level list",
                              f"add '{top}. ...' to the 'Top-level requirements' section of {card.path}{where}"))
    return out


def _review_findings(doc: Document) -> list[Diagnostic]:
    review = doc.model
    out = []
    parsed = doc.parsed
    name = doc.path.rsplit("/", 1)[-1]
    expected = f"{review.date.isoformat()}-level-{review.level}.md"
    if name != expected:
        out.append(_doc_diag(doc, 1, 1, "REV002", f"review file is named '{name}' but records level "
                             f"{review.level} on {review.date.isoformat()}", f"rename it to '{expected}'"))
    to, level, decision = review.to_level, review.level, review.decision
    problem = None
    if decision == "graduate" and to is not None and to != level + 1:
        problem = f"a graduation from level {level} goes to level {level + 1}, not {to}", f"set 'to_level: {level + 1}'"
    elif decision == "switchback" and (to is None or to >= level):
        problem = (f"a switchback from level {level} needs a lower 'to_level'",
                   f"set 'to_level' to a level below {level}")
    elif decision in ("tasks", "pause", "stop") and to is not None and to != level:
        problem = f"decision '{decision}' does not change the level", "remove 'to_level'"
    elif decision == "graduate" and level == 9:
        problem = "level 9 is the highest; there is nothing to graduate to", "use 'tasks' or 'switchback'"
    if problem:
        pos = parsed.key_position(("to_level",)) if ("to_level",) in parsed.keys else parsed.key_position(("decision",))
        out.append(_doc_diag(doc, pos.line, pos.column, "REV001", problem[0], problem[1]))
    if decision == "graduate":
        missing = [k for k, v in review.debrief.model_dump().items() if not v.strip()]
        if missing:
            dpos = parsed.key_position(("debrief",))
            out.append(Diagnostic(doc.path, dpos.line, dpos.column, Severity.WARNING, "REV003",
                                  f"the stage debrief does not answer: {', '.join(missing)}",
                                  "answer what was accomplished, punted, learned, and the tech debt"))
    if decision == "tasks" and not review.tasks:
        dpos = parsed.key_position(("decision",))
        out.append(Diagnostic(doc.path, dpos.line, dpos.column, Severity.WARNING, "REV004",
                              "the review asks for more work but lists no tasks",
                              "list specific, ideally measurable tasks under 'tasks'"))
    return out


def _cross_findings(portfolio: Portfolio, ids: Identities) -> list[Diagnostic]:
    out = []
    by_id = ids.current
    for clash in ids.clashes:
        pos = clash.tech.card.parsed.position(("former_ids", clash.index))
        claim = "the project ID" if clash.as_current else "a former ID"
        out.append(_doc_diag(clash.tech.card, pos.line, pos.column, "XR010",
                             f"former ID '{clash.id}' is also {claim} of {clash.other.card.path}",
                             "an ID names one technology only: remove it here or on the other card"))
    for former, other in ids.shadowed:
        pos = former.tech.card.parsed.position(("id",))
        out.append(Diagnostic(former.tech.card.path, pos.line, pos.column, Severity.WARNING, "HIS010",
                              f"the card's ID was '{former.id}' until {former.date.date().isoformat()}, and "
                              f"'{former.id}' is now an ID of {other.card.path}",
                              f"references to '{former.id}' mean that technology; if some meant this one, write "
                              f"'{former.current}' there"))
    for tech in portfolio.technologies.values():
        card = tech.model
        if card is None:
            continue
        parsed = tech.card.parsed
        first = by_id[card.id]
        if first is not tech:
            pos = parsed.position(("id",))
            out.append(_doc_diag(tech.card, pos.line, pos.column, "XR001",
                                 f"project ID {card.id} is also used by {first.card.path}",
                                 "give each technology its own ID"))
        external = externals_of(tech)
        if card.external:
            out.extend(_external_findings(tech, ids))
        for field_name in ("components", "coupled"):
            for index, ref in enumerate(getattr(card, field_name)):
                target, former = ids.resolve(ref)
                if target is None and ref in external:
                    continue  # outside the portfolio, as the card declares: no card to find, nothing internal
                hidden = target is not None and card.visibility == "public" and target.model.visibility != "public"
                if target is None or former is not None or hidden:
                    pos = parsed.position((field_name, index))  # only when reporting: it may need a parse
                if target is None:
                    close = [i for i in ids.names() if i.lower() == ref.lower()]
                    out.append(_doc_diag(tech.card, pos.line, pos.column, "XR002",
                                         f"{field_name[:-1] if field_name == 'components' else 'coupled'} "
                                         f"'{ref}' is not the ID of any technology",
                                         f"did you mean '{close[0]}'?" if close else
                                         "check the ID on its card; a technology outside this portfolio is "
                                         "declared under 'external'"))
                    continue
                if former is not None:
                    out.append(Diagnostic(tech.card.path, pos.line, pos.column, Severity.WARNING, "XR009",
                                          former.describe(), f"write '{former.current}'"))
                if hidden:
                    out.append(_doc_diag(tech.card, pos.line, pos.column, "XR008",
                                         f"public technology refers to internal technology '{ref}'",
                                         "make that technology public too, or remove the reference"))
        levels = []
        for ref in card.components:
            target = ids.lookup(ref)
            if target is not None:
                if target is not tech:
                    levels.append((target.model.level, target.model.id, ""))
            elif ref in external and external[ref].level is not None:
                levels.append((external[ref].level, ref, "external "))
        if levels:
            lowest, which, where = min(levels)
            if card.level > lowest:
                pos = parsed.position(("level",))
                out.append(_doc_diag(tech.card, pos.line, pos.column, "XR003",
                                     f"level {card.level} is above {where}component {which} at level {lowest}",
                                     f"a system is only as ready as its least ready component: "
                                     f"set 'level: {lowest}' or mature {which} first"))
        if _in_cycle(tech, ids):
            pos = parsed.position(("components",))
            out.append(_doc_diag(tech.card, pos.line, pos.column, "XR007",
                                 f"{card.id} is one of its own components",
                                 "remove the loop from 'components'"))
        if card.visibility == "public":
            out.extend(_internal_links(tech, portfolio))
    return out


def _external_findings(tech: Technology, ids: Identities) -> list[Diagnostic]:
    """External technologies that are not outside the portfolio, or declared twice."""
    out = []
    seen: set[str] = set()
    for index, item in enumerate(tech.model.external):
        inside = ids.lookup(item.id)
        if inside is not None or item.id in seen:
            pos = tech.card.parsed.position(("external", index, "id"))
            if inside is not None:
                out.append(_doc_diag(tech.card, pos.line, pos.column, "XR011",
                                     f"external technology '{item.id}' is an ID of {inside.card.path} in this "
                                     "portfolio", "remove the entry from 'external': the reference resolves to "
                                     "that technology"))
            else:
                out.append(_doc_diag(tech.card, pos.line, pos.column, "XR011",
                                     f"external technology '{item.id}' is declared twice",
                                     "keep one entry for it under 'external'"))
        seen.add(item.id)
    return out


def _in_cycle(start: Technology, ids: Identities) -> bool:
    stack = [ids.lookup(c) for c in start.model.components]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if current is None:
            continue
        if current is start:
            return True
        if id(current) in seen:
            continue
        seen.add(id(current))
        stack.extend(ids.lookup(c) for c in current.model.components)
    return False


_LINKS = (
    re.compile(r"\]\(\s*<?([^)\s>]+)"),  # inline links and images: [text](url), ![alt](url)
    re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)"),  # reference definitions: [name]: url
    re.compile(r"\b(?:href|src)\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE),  # raw HTML
)
"""Where a relative address can stand in a document's Markdown body."""


def _link_target(folder: str, url: str) -> str | None:
    """The repository path a relative ``url`` written in ``folder`` points to, read as the site reads it."""
    path = unquote(url.split("#", 1)[0].split("?", 1)[0]).replace("\\", "/")
    if not path or path.startswith("/") or re.match(r"[a-z][a-z0-9+.-]*:", path, re.IGNORECASE):
        return None
    return normpath(join(folder, path))


def _internal_links(tech: Technology, portfolio: Portfolio) -> list[Diagnostic]:
    """Relative links from a public technology's documents, and its card's ``links``, into an internal
    technology's folder: its card, any other file in it, or the folder itself."""
    internal: dict[str, Technology] | None = None

    def owner(target: str) -> Technology | None:
        nonlocal internal
        if internal is None:
            internal = {t.folder: t for t in portfolio.technologies.values()
                        if t.model is None or t.model.visibility != "public"}
        current = target
        while current and current not in (".", ".."):
            if current in internal:
                return internal[current]
            current = dirname(current)
        return None

    out = []
    card = tech.model
    for name in ("main", "code", "docs"):
        value = getattr(card.links, name) if card is not None else None
        target = _link_target(tech.folder, value) if value else None
        other = owner(target) if target else None
        if other is not None:
            pos = tech.card.parsed.position(("links", name))
            out.append(_doc_diag(tech.card, pos.line, pos.column, "XR008",
                                 f"public card's links.{name} points to internal technology '{other.slug}'",
                                 "link to something public instead, or make that technology public"))
    for doc in tech.documents:
        folder = dirname(doc.path)
        for offset, line in enumerate(doc.parsed.body.split("\n")):
            for pattern in _LINKS:
                for match in pattern.finditer(line):
                    target = _link_target(folder, match.group(1))
                    other = owner(target) if target else None
                    if other is not None:
                        out.append(_doc_diag(doc, doc.parsed.body_line + offset, match.start(1) + 1, "XR008",
                                             f"public document links to internal technology '{other.slug}'",
                                             "remove the link, or make that technology public"))
    return out


# --- the run --------------------------------------------------------------------------------------------


_RELAXED_IN_DRAFTS = re.compile(r"(L\d|DOC|PH|REQ|REV|DS|HIS)")
"""What a draft's findings may be relaxed to info: completeness and consistency. Reading, schema, security and
cross-technology findings keep their severity, since a draft must still be safe to read and must not break others."""


def relax_drafts(findings: list[Diagnostic], portfolio: Portfolio) -> list[Diagnostic]:
    """``findings`` with those of draft technologies (``draft: true``) made info and marked as a draft's."""
    drafts = {t.slug for t in portfolio.technologies.values() if t.model is not None and t.model.draft}
    if not drafts:
        return findings
    out = []
    for d in findings:
        if d.project in drafts and d.severity is not Severity.INFO and _RELAXED_IN_DRAFTS.match(d.code):
            d = Diagnostic(d.path, d.line, d.column, Severity.INFO, d.code, f"draft: {d.message}", d.hint, d.project)
        out.append(d)
    return out


def check_portfolio(portfolio: Portfolio, ids: Identities | None = None) -> list[Diagnostic]:
    """Every finding for the portfolio: reading, schema, document, level and cross-document rules.

    ``ids`` are the portfolio's IDs with the former ones its history shows (:mod:`mltrl_docs.ids`); without
    them, only the former IDs the cards declare resolve.
    """
    return document_findings(portfolio) + cross_reference_findings(portfolio, ids)


def technology_findings(tech: Technology, settings: Settings, levels: list[Rule] | None = None,
                        ready: Readiness | None = None) -> list[Diagnostic]:
    """The findings of the rules that read ``tech`` alone (reading, schema, document and level rules), before the
    configuration settles them (:func:`settle`); they depend on nothing but its documents, the settings and the
    checklist. ``levels`` are the level rules in force (:func:`level_rules`); ``ready``, the technology's
    :func:`readiness` when the caller has it, spares applying them again."""
    raw: list[Diagnostic] = []
    for doc in tech.documents:
        raw.extend(doc.diagnostics)
        raw.extend(placeholder_findings(doc))
    if tech.model is not None:
        raw.extend(_card_structure(tech))
        raw.extend(_target_findings(tech))
        if ready is not None:
            results = ready.current
        else:
            levels = level_rules(settings) if levels is None else levels
            results = [RuleResult(rule, rule.check(tech, settings)) for rule in levels
                       if rule.level <= tech.model.level]
        for result in results:
            for miss in result.misses:
                raw.append(Diagnostic(miss.path, miss.line, miss.column, result.rule.severity, result.rule.code,
                                      f"level {tech.model.level}: {miss.message}", miss.hint))
    if tech.requirements is not None and tech.requirements.model is not None:
        raw.extend(_requirement_findings(tech))
        if tech.model is not None:
            raw.extend(_top_level_list_findings(tech))
    for doc in tech.reviews:
        if doc.model is not None:
            raw.extend(_review_findings(doc))
    return raw


def document_findings(portfolio: Portfolio, found: Mapping[str, list[Diagnostic]] | None = None) -> list[Diagnostic]:
    """The findings of the rules that read one technology at a time: reading, schema, document and level rules.

    ``found`` holds the :func:`technology_findings` of technologies, by folder name, the caller already has
    (kept between runs); the others are checked here.
    """
    settings = portfolio.settings
    raw: list[Diagnostic] = list(portfolio.diagnostics)
    levels = level_rules(settings)
    for slug, tech in portfolio.technologies.items():
        known = found.get(slug) if found is not None else None
        raw.extend(known if known is not None else technology_findings(tech, settings, levels))
    return _settled(portfolio, raw)


def cross_reference_findings(portfolio: Portfolio, ids: Identities | None = None) -> list[Diagnostic]:
    """The findings of the rules across technologies (``XR…``); ``ids`` as for :func:`check_portfolio`."""
    return _settled(portfolio, _cross_findings(portfolio, ids if ids is not None else identities(portfolio)))


def _settled(portfolio: Portfolio, raw: list[Diagnostic]) -> list[Diagnostic]:
    """``raw`` with the configured severities, without the rules turned off, each with its technology."""
    # Keyed as a finding shows its path (escaped: see diagnostics.printable).
    slug_of = {printable(d.path): t.slug for t in portfolio.technologies.values() for d in t.documents}
    out = [Diagnostic(d.path, d.line, d.column, d.severity, d.code, d.message, d.hint, slug_of.get(d.path, d.project))
           for d in settle(raw, portfolio.settings)]
    return relax_drafts(out, portfolio)
