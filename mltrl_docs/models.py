"""The documents of MLTRL as pydantic models: TRL card, requirements, ethics checklist, review.

Field docstrings become the descriptions of the JSON Schemas written by
``mltrl schema``, so every field is documented here and only here.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictInt,
    Tag,
    model_validator,
)

from .links import SAFE_SCHEMES, is_relative_reference, safe_url, scheme_of
from .sections import value_emptiness

LEVEL_NAMES = {
    0: "First principles",
    1: "Goal-oriented research",
    2: "Proof of principle",
    3: "System development",
    4: "Proof of concept",
    5: "Machine learning capability",
    6: "Application development",
    7: "Integrations",
    8: "Mission-ready",
    9: "Deployment",
}
"""The name of each level."""


def phase_of(level: int) -> str:
    """The code caliber MLTRL expects at ``level``: research, prototype or product."""
    if level <= 2:
        return "research"
    if level <= 5:
        return "prototype"
    return "product"


class Strict(BaseModel):
    """Base of every document model: unknown keys are errors, fields are documented."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True, strict=True)


def _safe_url(value: str) -> str:
    if safe_url(value) is not None or is_relative_reference(value):
        return value
    scheme = scheme_of(value)
    if scheme and scheme not in SAFE_SCHEMES:
        raise ValueError(f"links may use http, https or mailto, not '{scheme}:'")
    raise ValueError("write a full http(s) URL such as https://example.org/page, or a relative path")


def _absolute_url(value: str) -> str:
    if safe_url(value) is not None:
        return value
    scheme = scheme_of(value)
    if scheme and scheme not in SAFE_SCHEMES:
        raise ValueError(f"links may use http, https or mailto, not '{scheme}:'")
    raise ValueError("write a full http(s) URL such as https://example.org/page: a technology outside the "
                     "portfolio has no page in this repository")


Level = Annotated[StrictInt, Field(ge=0, le=9)]
"""An MLTRL level: an integer from 0 to 9."""
ProjectId = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$", max_length=64)]
"""A technology's project ID, e.g. ``P13.2`` (product) or ``R02.1`` (research)."""
SemVer = Annotated[str, Field(pattern=r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")]
"""A semantic version such as ``1.4.0``."""
Url = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_safe_url)]
"""An http(s) or mailto URL, or a path relative to the repository."""
AbsoluteUrl = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_absolute_url)]
"""An http(s) or mailto URL; no relative path."""
Date = Annotated[dt.date, Field(strict=False)]
"""A calendar date written ``YYYY-MM-DD``."""
Text = Annotated[str, Field(max_length=20000)]
"""Free text."""
Name = Annotated[str, Field(min_length=1, max_length=200)]
"""A person's or team's name or handle."""


class People(Strict):
    """People in the two roles MLTRL distinguishes: research and development, and product."""

    research: list[Name] = []
    """Research and development people (the research lead first)."""
    product: list[Name] = []
    """Product people (product manager or owner); required from level 4 for owners."""


class Links(Strict):
    """Where the technology lives."""

    main: Url | None = None
    """Main page of the project (wiki, tracker)."""
    code: Url | None = None
    """Source code repository."""
    docs: Url | None = None
    """Documentation."""


class Versions(Strict):
    """Semantic versions of the technology's parts (required from level 3)."""

    code: SemVer | None = None
    """Version of the code."""
    model: SemVer | None = None
    """Version of the trained model or algorithm."""
    data: SemVer | None = None
    """Version of the data (pipeline or snapshot)."""


DatasetKind = Literal["sample", "synthetic", "benchmark", "real"]


class Dataset(Strict):
    """A dataset the technology was built or tested with."""

    name: Name
    """Name of the dataset, unique within the card."""
    version: Annotated[str, Field(min_length=1, max_length=64)]
    """Version of the dataset (quote it: ``"1.10"``)."""
    kind: DatasetKind
    """``sample`` (subset), ``synthetic`` (simulated), ``benchmark`` (public) or ``real`` (representative, from the field)."""
    source: Text | None = None
    """Where it comes from: owner, licence, acquisition."""


DeploymentTest = Literal["ab", "shadow", "canary", "blue_green"]


class Testing(Strict):
    """Testing status of the technology."""

    unit: bool = False
    """Unit tests exist and run in CI (level 3)."""
    integration: bool = False
    """Integration tests exist and run in CI (level 3)."""
    robustness: bool = False
    """Robustness tests: perturbations, adversarial inputs, other data sources (level 6)."""
    critical_scenarios: list[Text] = []
    """Tests of critical scenarios and data slices from the risk table (level 7)."""
    metamorphic: bool = False
    """Metamorphic tests exist (level 7)."""
    golden_dataset: Name | None = None
    """Name of the dataset (listed under ``datasets``) used as golden dataset in CI/CD (level 7)."""
    deployment: list[DeploymentTest] = []
    """Deployment tests run: ``ab``, ``shadow``, ``canary``, ``blue_green`` (level 8)."""


class Deployment(Strict):
    """Where and how the technology runs (decided at level 6)."""

    audience: Literal["internal", "external"]
    """Who uses it: internal teams or external customers."""
    hosting: Literal["cloud", "on_prem", "edge", "hybrid"]
    """Where it runs."""
    mode: Literal["batch", "stream", "online"]
    """How it processes data."""


class Monitoring(Strict):
    """What is watched once the technology is deployed."""

    data_logging: bool = False
    """Data distributions are logged automatically (level 8)."""
    data_quality: bool = False
    """Data quality is monitored (level 9)."""
    data_drift: bool = False
    """Data drift is monitored (level 9)."""
    concept_drift: bool = False
    """Concept drift is monitored (level 9)."""
    feedback: Text | None = None
    """How users report problems (level 9)."""


SwitchbackKind = Literal["embedded", "review", "discovery"]
"""Why a technology went back: predefined by the process, decided at a review, or found during work."""
Status = Literal["active", "paused", "stopped"]


class RecordedEvent(Strict):
    """An event from before the card was kept in git (e.g. imported from a wiki)."""

    date: Date
    """When it happened (``YYYY-MM-DD``)."""
    level: Level | None = None
    """The level the technology reached on that date, if the level changed."""
    status: Status | None = None
    """The status it took on that date, if the status changed."""
    switchback: SwitchbackKind | None = None
    """Kind of switchback, when ``level`` is lower than before; derived when omitted."""
    author: Name | None = None
    """Who made the change."""
    note: Text = ""
    """What happened."""

    @model_validator(mode="after")
    def _level_or_status(self) -> "RecordedEvent":
        if self.level is None and self.status is None:
            raise ValueError("a recorded event needs a 'level' or a 'status'")
        return self


class Target(Strict):
    """An objective on the roadmap: a level to reach by a date (an OKR, as TRL4ML proposes)."""

    level: Level
    """The level to reach, an integer from 0 to 9."""
    by: Date
    """The last day on which reaching the level counts as on time (``YYYY-MM-DD``)."""
    note: Text = ""
    """Why this target was set, or why its date moved."""


class ExternalTechnology(Strict):
    """A technology outside this portfolio (another team's system, an open-source library) that the card refers to."""

    id: ProjectId
    """The ID used for it in ``components`` and ``coupled``; it must not be an ID of this portfolio."""
    title: Annotated[str, Field(min_length=1, max_length=200)]
    """Its name."""
    url: AbsoluteUrl | None = None
    """Where to read about it: a full http, https or mailto address, shown as an external link."""
    level: Level | None = None
    """Its MLTRL level as far as known; a system using it as a component can be no higher. Without it,
    the component does not limit the system's level."""


class Card(Strict):
    """Front matter of a TRL card (``card.md``): the living report card of one technology."""

    id: ProjectId
    """Project ID, unique across the portfolio, e.g. ``P13.2``."""
    title: Annotated[str, Field(min_length=1, max_length=200)]
    """Name of the technology."""
    level: Level
    """Current MLTRL level, an integer from 0 to 9."""
    status: Status = "active"
    """``active``, ``paused`` (common after level 4) or ``stopped``."""
    owners: People
    """Who owns the technology, by role."""
    reviewers: People = People()
    """Who reviews it at the gates, by role."""
    components: list[ProjectId] = []
    """IDs of the technologies this one is composed of; its level can be no higher than theirs."""
    coupled: list[ProjectId] = []
    """IDs of technologies coupled to this one (changes in one affect the other)."""
    external: list[ExternalTechnology] = []
    """Technologies outside this portfolio that ``components`` or ``coupled`` name; they need no card here and
    count in no portfolio figure."""
    former_ids: list[ProjectId] = []
    """Earlier project IDs of this technology (e.g. ``R02.1`` before the handoff to product), for changes git
    does not show; references to them resolve to this technology, with a warning."""
    links: Links = Links()
    """Main page, code and docs."""
    versions: Versions = Versions()
    """Semantic versions of code, model and data."""
    datasets: list[Dataset] = []
    """Datasets used, with version and kind."""
    visibility: Literal["internal", "public"] = "internal"
    """``public`` cards may be published in the open-source site; everything else stays internal."""
    draft: StrictBool = False
    """``true`` while the card is being written: its level and document findings are reported as info, so
    they do not fail a check, and the public site leaves it out. Remove it once the card is complete."""
    deployment: Deployment | None = None
    """Deployment setting (level 6)."""
    service_levels: list[Text] = []
    """SLA and SLO commitments, one per entry (level 6)."""
    testing: Testing = Testing()
    """Testing status."""
    monitoring: Monitoring = Monitoring()
    """Monitoring in deployment."""
    review_cadence_days: Annotated[StrictInt, Field(ge=1, le=3650)] | None = None
    """How often a deployed technology is reviewed again, in days (level 9)."""
    tags: list[Annotated[str, Field(max_length=64)]] = []
    """Free labels for filtering."""
    targets: list[Target] = []
    """Levels to reach by dates, each for a higher level and a later date than the one before."""
    history: list[RecordedEvent] = []
    """Events from before the card was kept in git, oldest first."""


RequirementKind = Literal["research", "product"]
RequirementStatus = Literal["proposed", "verified", "validated"]


class Requirement(Strict):
    """One documented need, stated without prescribing a solution."""

    id: Annotated[str, Field(pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$")]
    """Number ``requirement.subset.component``, e.g. ``1.2.0``; the first integer is the top-level requirement.
    Unique within its kind: research and product requirements are each numbered from 1."""
    kind: RequirementKind
    """``research`` (from level 2) or ``product`` (drafted at 5, defined at 6)."""
    statement: Annotated[str, Field(min_length=1, max_length=20000)]
    """The need, e.g. "The model shall ..."."""
    verification: Text = ""
    """How we check that we build it right."""
    validation: Text = ""
    """How we check that we build the right thing."""
    p_failure: Annotated[float, Field(ge=0, le=1)] | None = None
    """Probability that the requirement is not met, from 0 to 1 (with ``value``, required from level 2)."""
    value: Annotated[StrictInt, Field(ge=1, le=10)] | None = None
    """How much the requirement matters, an integer from 1 to 10 (with ``p_failure``, required from level 2)."""
    risk: float | None = None
    """Optional; if written it must equal ``p_failure * value``."""
    status: RequirementStatus = "proposed"
    """``proposed``, ``verified`` (verification done) or ``validated`` (validation done too)."""
    tests: list[Text] = []
    """Tests that cover this requirement (critical-scenario tests at level 7)."""

    @property
    def computed_risk(self) -> float | None:
        """Risk = p(failure) x value; ``None`` until both are written."""
        if self.p_failure is None or self.value is None:
            return None
        return round(self.p_failure * self.value, 4)

    @property
    def top(self) -> int:
        """The top-level requirement number."""
        return int(self.id.split(".")[0])

    @property
    def ref(self) -> str:
        """The ID qualified by kind, ``R1.0.0`` or ``P1.0.0``: research and product requirements are numbered
        apart, so a bare ID may name two requirements."""
        return ("R" if self.kind == "research" else "P") + self.id

    @property
    def label(self) -> str:
        """How messages name it: ``research requirement 1.0.0`` or ``product requirement 1.0.0``."""
        return f"{self.kind} requirement {self.id}"


class RequirementsDoc(Strict):
    """Front matter of ``requirements.md``: the requirements with V&V and risk."""

    requirements: list[Requirement] = []
    """The requirements, research and product, each kind numbered on its own."""


class NotApplicable(Strict):
    """An ethics item that does not apply, with the reason."""

    not_applicable: Annotated[str, Field(min_length=1, max_length=20000)]
    """Why the question does not apply to this technology."""


def _answer_kind(value: object) -> str:
    return "not-applicable" if isinstance(value, (dict, NotApplicable)) else "answer-text"


Answer = Annotated[
    Annotated[Annotated[str, Field(max_length=20000)], Tag("answer-text")]
    | Annotated[NotApplicable, Tag("not-applicable")],
    Discriminator(_answer_kind),
]
"""An answer paragraph, or ``{not_applicable: reason}``; an empty string is unanswered."""


class EthicsRevisit(Strict):
    """A revisit of the ethics checklist (mandatory at level 6)."""

    level: Level
    """The level at which the checklist was revisited."""
    date: Date
    """When."""
    summary: Annotated[str, Field(min_length=1, max_length=20000)]
    """What changed in the answers, and why."""


Decision = Literal["graduate", "tasks", "switchback", "pause", "stop"]


class Debrief(Strict):
    """The stage debrief: four questions answered after a gate."""

    accomplished: Text = ""
    """What was accomplished, and by whom?"""
    punted: Text = ""
    """What was punted or de-scoped?"""
    learned: Text = ""
    """What was learned?"""
    tech_debt: Text = ""
    """What technical debt was gained or paid off?"""


class Review(Strict):
    """Front matter of a gated review record (``reviews/YYYY-MM-DD-level-N.md``)."""

    level: Level
    """The level whose gate was reviewed."""
    date: Date
    """Date of the review (``YYYY-MM-DD``)."""
    reviewers: Annotated[list[Name], Field(min_length=1)]
    """Who sat on the review panel."""
    decision: Decision
    """``graduate``, ``tasks`` (more work first), ``switchback``, ``pause`` or ``stop``."""
    to_level: Level | None = None
    """Level the decision moves to: ``level + 1`` to graduate, lower for a switchback."""
    tasks: list[Text] = []
    """Specific tasks still needed, ideally measurable."""
    debrief: Debrief = Debrief()
    """The four-question stage debrief."""

    @property
    def target(self) -> int | None:
        """The level this review moves the technology to, if any."""
        if self.to_level is not None:
            return self.to_level
        if self.decision == "graduate":
            return self.level + 1
        return None



def answered(answer: object) -> bool:
    """Whether an ethics item is answered (with more than placeholder text) or marked not applicable."""
    if isinstance(answer, NotApplicable):
        return value_emptiness(answer.not_applicable) is None
    return isinstance(answer, str) and value_emptiness(answer) is None
