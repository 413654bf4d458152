"""``mltrl demo``: a sample content repository with a realistic, backdated git history.

Each technology lives its own life: it starts at a level (most at 0 or 1,
some at 4 because they build on known methods), passes gated reviews,
graduates, is sent back (embedded, review and discovery switchbacks), pauses
and resumes, changes owners, gets its folder renamed, and sometimes stops. A
few technologies skip a level on purpose, so the demo shows that finding
too; the README of the generated repository lists them. Every version of
every card is valid for its level at the time.

The whole history is written by one ``git fast-import`` process, with fixed
dates, so thousands of commits take seconds and the same seed always gives
the same repository, commit hashes included. A share of the level changes
arrive through a merged branch, as pull requests do.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DemoError
from .ethics import (
    CONVENTIONAL,
    PROJECT_PARTS,
    answer_guiding_questions,
    default_checklist,
    default_checklist_text,
)
from .gitio import git_env
from .models import LEVEL_NAMES
from .progress import SILENT, Progress
from .rules import meet
from .samples import Sample, document

END = dt.datetime(2026, 6, 30, 16, 0, tzinfo=dt.timezone.utc)
"""Every demo history ends here, whatever the day it is generated, so a seed always gives the same repository."""

SKIP_EVERY = 25
"""Technology number ``i`` with ``i % SKIP_EVERY == 3`` skips a level once (a deliberate HIS001 finding)."""
RENAME_EVERY = 20
"""Technology number ``i`` with ``i % RENAME_EVERY == 5`` has its folder renamed once."""

TEAMS = [("vision-team", "+0100"), ("language-team", "+0000"), ("forecasting-team", "-0500"),
         ("robotics-team", "+0200"), ("health-team", "+0100"), ("energy-team", "-0800"),
         ("platform-team", "+0000"), ("science-team", "+0530")]
DOMAINS = ["solar-array", "meteor", "recycling", "pathology", "defect", "churn", "fraud", "demand", "speech",
           "particle", "causal-diagnosis", "crop", "traffic", "grid-load", "satellite", "document", "retail",
           "turbine", "anomaly", "weather", "supply", "shelf", "sensor", "claims"]
METHODS = ["layout-optimiser", "detector", "classifier", "simulator-inversion", "forecaster", "ranker",
           "segmenter", "pipeline", "recommender", "tracker", "estimator", "monitor"]
DATA = ["survey", "telemetry", "scans", "transactions", "recordings", "images", "logs", "field-notes"]


@dataclass
class DemoResult:
    """What ``write_demo`` produced."""

    path: Path
    projects: int
    commits: int
    """Commits on the main branch (merges included)."""
    head: str
    skips: list[tuple[str, int, int]] = field(default_factory=list)
    """Deliberate skips: (final slug, from level, to level)."""
    renames: list[tuple[str, str]] = field(default_factory=list)
    """Folder renames: (old slug, new slug)."""


@dataclass
class _Change:
    """One commit's worth of changes to one technology."""

    time: dt.datetime
    message: str
    author: str
    offset: str
    files: dict[str, str] = field(default_factory=dict)
    """Path -> new content."""
    rename: tuple[str, str] | None = None
    """Folder moved (old path, new path)."""
    via_branch: bool = False
    """Lands through a merged branch (a pull request)."""


@dataclass
class _Tech:
    index: int
    slug: str
    project_id: str
    title: str
    team: str
    offset: str
    start_level: int
    public: bool
    coupled: list[str]
    folder: str = ""
    level: int = 0
    maturity: int = 0
    """Highest level reached: the evidence on the card never shrinks after a switchback."""
    status: str = "active"
    research_owners: list[str] = field(default_factory=list)
    product_owners: list[str] = field(default_factory=list)
    metric: float = 0.5
    patch: int = 0
    reviews_written: set[str] = field(default_factory=set)


def _q(value: object) -> str:
    """A YAML 1.2 scalar: JSON text is valid YAML."""
    return json.dumps(value, ensure_ascii=False)


def _list(values: list) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"


class _Writer:
    """Text of the documents of a technology in a given state.

    The demo tells each technology's story (its people, datasets, versions, statements and texts) and
    leaves the rest of the evidence its level asks for to the level rules (:func:`mltrl_docs.rules.meet`),
    for the highest level it has reached: the evidence on a card never shrinks after a switchback. A rule
    added to the rules is met by every demo card without a change here.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.checklist = default_checklist()

    def sample(self, t: _Tech, revisit_day: dt.date | None) -> Sample:
        """The technology's documents in its current state, meeting every rule up to its maturity."""
        m = t.maturity
        data = DATA[t.index % len(DATA)]
        datasets = []
        if m >= 1:
            datasets.append({"name": "sample-" + data, "version": "1.0", "kind": "sample",
                             "source": "A small subset drawn for first experiments."})
        if m >= 2:
            datasets.append({"name": "public-benchmark", "version": "2.1", "kind": "benchmark",
                             "source": "A public benchmark used for comparison."})
        if m >= 4:
            datasets.append({"name": f"field-{data}", "version": f"{m - 3}.0", "kind": "real",
                             "source": "Representative data from production use."})
        card: dict = {
            "status": t.status, "owners": {"research": list(t.research_owners), "product": []},
            "reviewers": {"research": [f"research peers ({t.team})"], "product": []},
            "components": [], "coupled": list(t.coupled),
            "links": {"main": f"https://wiki.example.org/{t.slug}", "code": f"https://code.example.org/{t.team}/{t.slug}"},
        }
        if m >= 1:
            card["versions"] = {"code": f"{max(m, 1) // 4}.{m}.{t.patch}", "model": f"0.{m}.{t.patch // 2}",
                                "data": f"1.{m}.0"}
        card.update(datasets=datasets, visibility="public" if t.public else "internal", tags=[t.team])
        ethics: dict = {part.key: {q.key: "" for q in part.questions}
                        for part in self.checklist.parts if part.key in PROJECT_PARTS}
        ethics["revisits"] = []
        if m >= 6 and revisit_day is not None:
            ethics["revisits"].append({"level": 6, "date": revisit_day.isoformat(),
                                       "summary": "Answers reviewed again before application development."})
        sample = Sample(t.project_id, t.title, m, self.checklist, card=card, sections=self._sections(t),
                        requirements=self._requirements(t), ethics=ethics)
        meet(sample)
        # The rules name whom a role needs; the team's own people take it.
        if sample.card["owners"]["product"]:
            sample.card["owners"]["product"] = list(t.product_owners)
            sample.card["reviewers"]["product"] = ["product review board"]
        for part in PROJECT_PARTS:
            for key, answer in sample.ethics.get(part, {}).items():
                if answer:
                    sample.ethics[part][key] = f"Discussed with the {t.team}; answer kept in the team's records."
        sample.card["level"] = t.level
        return sample

    def _sections(self, t: _Tech) -> dict[str, str]:
        m, name = t.maturity, LEVEL_NAMES[t.level].lower()
        return {
            "tldr": f"{t.title} is maintained by the {t.team}. It stands at level {t.level} ({name})"
                    f"{', paused for now' if t.status == 'paused' else ''}.",
            "requirements": "See [the requirements](requirements.md)." if m >= 2 else
                            "Research requirements come at level 2.",
            "model": f"A {t.slug.split('-')[-1].replace('-', ' ')} built on well-understood statistical "
                     "methods, explained for a reviewer outside machine learning.",
            "intended_use": "Supports analysts in the team's daily decisions; not for decisions about "
                            "individual people without human review." if m >= 4 else
                            "Research use only at this stage.",
            "testing": "Unit and integration tests run in CI." + (" Robustness and critical-scenario tests "
                                                                  "run nightly." if m >= 6 else "")
            if m >= 3 else "Notebook checks only at this stage.",
            "data": f"Works from {DATA[t.index % len(DATA)]}; known gaps are documented per dataset version.",
            "ethics": "See the [ethics checklist](ethics.md)." + (" Pre-development questions answered."
                                                                   if m >= 4 else ""),
            "caveats": "Degrades on inputs far from the training distribution; see the risk table."
            if m >= 5 else "Edge cases are collected as they are found.",
            "assumptions": "Input data keeps its current schema and collection process.",
            "metrics": f"Primary metric on the benchmark: {t.metric:.3f}.",
        }

    def _requirements(self, t: _Tech) -> list[dict]:
        m = t.maturity
        if m < 2:
            return []
        research_status = "verified" if m >= 3 else "proposed"
        product_status = "verified" if m >= 7 else "proposed"
        reqs = [("1.0.0", "research", "The method shall reach the target accuracy on the benchmark.",
                 0.3, 6, research_status),
                ("1.1.0", "research", "The method shall run within the agreed time on one machine.",
                 0.2, 4, research_status)]
        if m >= 5:
            # Product requirements are numbered from 1 on their own, apart from the research ones.
            reqs += [("1.0.0", "product", "The service shall return results within the agreed latency.",
                      0.2, 8, product_status),
                     ("1.1.0", "product", "The service shall log every input distribution it sees.",
                      0.1, 5, product_status)]
        return [{"id": rid, "kind": kind, "statement": statement,
                 "verification": "Automated tests compare results with the reference.",
                 "validation": "Domain experts review a sample of results each cycle.",
                 "p_failure": p, "value": value, "status": status}
                for rid, kind, statement, p, value, status in reqs]

    def card(self, s: Sample) -> str:
        return document(s.card, s.body())

    def requirements(self, s: Sample, title: str) -> str:
        return document({"requirements": s.requirements}, f"\n# Requirements of {title}\n")

    def ethics(self, s: Sample, title: str) -> str:
        return document(s.ethics, f"\n# Ethics checklist of {title}\n")

    def review(self, level: int, day: dt.date, decision: str, t: _Tech, to_level: int | None) -> str:
        lines = ["---", f"level: {level}", f"date: {day.isoformat()}",
                 f"reviewers: {_list([f'research peers ({t.team})', 'engineering lead'])}",
                 f"decision: {decision}"]
        if to_level is not None:
            lines.append(f"to_level: {to_level}")
        if decision == "tasks":
            lines.append(f"tasks: {_list(['Raise accuracy on the rare-class slice by two points'])}")
        lines += ["debrief:", f"  accomplished: {_q(f'The {t.team} delivered the level {level} evidence.')}",
                  f"  punted: {_q('Nothing beyond minor polishing.')}",
                  f"  learned: {_q('Where the data is thin, and what that costs.')}",
                  f"  tech_debt: {_q('Some experiment code still needs tests.')}",
                  "---", "", f"# Level {level} review", ""]
        return "\n".join(lines)


class _Simulator:
    """Plays out each technology's life as a list of changes."""

    def __init__(self, rng: random.Random, start: dt.datetime) -> None:
        self.rng = rng
        self.start = start
        self.writer = _Writer(rng)

    def _gap(self, level: int) -> dt.timedelta:
        mean = 40 if level <= 3 else 80 if level <= 6 else 60
        days = max(4.0, self.rng.expovariate(1 / mean))
        return dt.timedelta(days=days, hours=self.rng.uniform(0, 8))

    def _when(self, t: dt.datetime) -> dt.datetime:
        return t.replace(hour=8 + self.rng.randrange(10), minute=self.rng.randrange(60), second=self.rng.randrange(60))

    def life(self, t: _Tech, span: float) -> tuple[list[_Change], tuple[int, int] | None, tuple[str, str] | None]:
        rng, w = self.rng, self.writer
        when = self._when(self.start + dt.timedelta(days=rng.uniform(0, span * 0.6)))
        t.level = t.maturity = t.start_level
        t.folder = f"projects/{t.slug}"
        revisit: dt.date | None = None
        changes: list[_Change] = []
        skip: tuple[int, int] | None = None
        rename: tuple[str, str] | None = None
        will_skip = t.index % SKIP_EVERY == 3
        will_rename = t.index % RENAME_EVERY == 5

        def change(message: str, files: dict[str, str], via_branch: bool = False) -> None:
            changes.append(_Change(when, message, t.team, t.offset, files, via_branch=via_branch))

        def docs(*names: str) -> dict[str, str]:
            nonlocal revisit
            if t.maturity >= 6 and revisit is None:
                revisit = when.date()
            out = {}
            made = w.sample(t, revisit)
            for name in names:
                if name == "card":
                    out[f"{t.folder}/card.md"] = w.card(made)
                elif name == "requirements" and made.requirements:
                    out[f"{t.folder}/requirements.md"] = w.requirements(made, t.title)
                elif name == "ethics":
                    out[f"{t.folder}/ethics.md"] = w.ethics(made, t.title)
            return out

        def review(level: int, decision: str, to_level: int | None) -> dict[str, str]:
            day = when.date()
            while f"{day}-{level}" in t.reviews_written:
                day += dt.timedelta(days=1)
            t.reviews_written.add(f"{day}-{level}")
            return {f"{t.folder}/reviews/{day.isoformat()}-level-{level}.md": w.review(level, day, decision, t,
                                                                                         to_level)}

        change(f"Add {t.slug} at level {t.level}", docs("card", "requirements", "ethics"))
        while True:
            when = self._when(when + self._gap(t.level))
            if when >= END:
                break
            roll = rng.random()
            if t.status == "paused":
                t.status = "active"
                change(f"Resume {t.slug}", docs("card"))
                continue
            if will_rename and rename is None and roll < 0.25 and len(changes) > 2:
                old = t.folder
                new_slug = t.slug + "-" + rng.choice(["v2", "next", "core"])
                rename = (t.slug, new_slug)
                t.slug, t.folder = new_slug, f"projects/{new_slug}"
                changes.append(_Change(when, f"Rename {rename[0]} to {new_slug}", t.team, t.offset,
                                       rename=(old, t.folder)))
                continue
            if roll < 0.30:
                t.metric = round(min(0.99, t.metric + rng.uniform(-0.02, 0.05)), 3)
                change(f"Update results of {t.slug}", docs("card"))
                continue
            if roll < 0.36 and t.maturity >= 2:
                t.patch += 1
                change(f"Refine requirements of {t.slug}", docs("requirements"))
                continue
            if roll < 0.40:
                t.research_owners = [f"research lead ({rng.choice(TEAMS)[0]})"]
                change(f"Hand {t.slug} over to a new research lead", docs("card"))
                continue
            if t.level == 9:
                pick = rng.random()
                if pick < 0.12 and t.start_level <= 4:
                    files = review(9, "switchback", 4)
                    t.level = 4
                    change(f"Send {t.slug} back to level 4 for an improved method", {**files, **docs("card")})
                elif pick < 0.25:
                    files = review(9, "switchback", 7)
                    t.level = 7
                    change(f"Cycle {t.slug} back to level 7 for a model update", {**files, **docs("card")})
                elif pick < 0.29:
                    files = review(9, "stop", None)
                    t.status = "stopped"
                    change(f"Retire {t.slug}", {**files, **docs("card")})
                    break
                else:
                    change(f"Periodic review of {t.slug}", review(9, "tasks", None))
                continue
            if will_skip and skip is None and t.level >= max(t.start_level, 1) and t.level <= 6:
                skip = (t.level, t.level + 2)
                t.level += 2
                t.maturity = max(t.maturity, t.level)
                change(f"Move {t.slug} to level {t.level}", docs("card", "requirements", "ethics"))
                continue
            pick = rng.random()
            via_branch = rng.random() < 0.3
            if pick < 0.62:
                files = review(t.level, "graduate", t.level + 1)
                t.level += 1
                t.maturity = max(t.maturity, t.level)
                change(f"Graduate {t.slug} to level {t.level}",
                       {**files, **docs("card", "requirements", "ethics")}, via_branch)
            elif pick < 0.72:
                change(f"Review of {t.slug} at level {t.level}: tasks before graduation",
                       review(t.level, "tasks", None))
            elif pick < 0.78 and t.level == 4 and t.start_level <= 2:
                files = review(4, "switchback", 2)
                t.level = 2
                change(f"Back to research: {t.slug} returns to level 2", {**files, **docs("card")}, via_branch)
            elif pick < 0.85 and t.level - 1 >= t.start_level:
                files = review(t.level, "switchback", t.level - 1)
                t.level -= 1
                change(f"Review sends {t.slug} back to level {t.level}", {**files, **docs("card")}, via_branch)
            elif pick < 0.91 and t.level - 1 >= t.start_level:
                t.level -= 1
                change(f"{t.slug}: back to level {t.level} after a finding in testing", docs("card"))
            elif pick < 0.97 and t.level >= 3:
                files = review(t.level, "pause", None)
                t.status = "paused"
                change(f"Pause {t.slug}", {**files, **docs("card")})
            elif t.level >= 2 and pick >= 0.985:
                files = review(t.level, "stop", None)
                t.status = "stopped"
                change(f"Stop {t.slug}", {**files, **docs("card")})
                break
        return changes, skip, rename


def _technologies(rng: random.Random, count: int) -> list[_Tech]:
    techs: list[_Tech] = []
    used: set[str] = set()
    per_team: dict[str, int] = {}
    for index in range(count):
        team, offset = TEAMS[index % len(TEAMS)]
        slug = f"{rng.choice(DOMAINS)}-{rng.choice(METHODS)}"
        if slug in used:
            slug = f"{slug}-{index}"
        used.add(slug)
        start = rng.choices([0, 1, 2, 4], weights=[45, 25, 10, 20])[0]
        team_number = TEAMS.index((team, offset)) + 1
        per_team[team] = per_team.get(team, 0) + 1
        project_id = f"{'P' if start >= 4 else 'R'}{team_number:02d}.{per_team[team]}"
        public = rng.random() < 0.1
        internal = [t.project_id for t in techs if not t.public]
        coupled = [rng.choice(internal)] if internal and not public and rng.random() < 0.3 else []
        title = slug.replace("-", " ").capitalize()
        techs.append(_Tech(index, slug, project_id, title, team, offset, start, public, coupled,
                           research_owners=[f"research lead ({team})"],
                           product_owners=[f"product manager ({team})"], metric=round(rng.uniform(0.5, 0.7), 3)))
    return techs


def _stamp(when: dt.datetime, offset: str) -> str:
    return f"{int(when.timestamp())} {offset}"


def _commit(ref: str, mark: int, who: str, when: dt.datetime, offset: str, message: str,
            parents: tuple[int, ...] = ()) -> bytes:
    """A fast-import commit header: ref, mark, author and committer, message and parent marks."""
    stamp = _stamp(when, offset)
    head = f"commit {ref}\nmark :{mark}\nauthor {who} {stamp}\ncommitter {who} {stamp}\n".encode()
    links = "".join(f"{'from' if i == 0 else 'merge'} :{parent}\n" for i, parent in enumerate(parents))
    return head + _data(message) + links.encode()


def _data(text: str | bytes) -> bytes:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return b"data %d\n" % len(raw) + raw + b"\n"


PLATFORM = "platform-team <platform-team@example.org>"
"""Author of the commits that set up and describe the demo repository."""

MKDOCS_YML = """site_name: MLTRL demo portfolio
theme:
  name: material
plugins:
  - search
  - mltrl
"""


DOCS_INDEX = """# MLTRL demo portfolio

A generated portfolio of machine learning technologies and their path through the readiness levels.
"""


def _checklist() -> str:
    """The default checklist with the demo organisation's answers to its guiding questions."""
    answer = "The demo organisation's ethics board settled this once for every project; see its records."
    return answer_guiding_questions(default_checklist_text(), {q.key: answer for q in
                                                               default_checklist().part("organisation").questions})


def _readme(result: DemoResult, years: int, seed: int) -> str:
    lines = ["# MLTRL demo portfolio", "",
             f"Generated by `mltrl demo` ({result.projects} technologies, {years} years, seed {seed}). Every card",
             "is valid for its level at every commit. Try `mltrl check`, `mltrl history SLUG` and `mltrl export`.",
             "", "## Deliberate findings", "",
             "These technologies skip a level once, which `mltrl check` reports as error HIS001:", ""]
    lines += [f"- `{slug}`: level {a} to {b}" for slug, a, b in result.skips] or ["- none"]
    lines += ["", "Level-9 technologies whose last review is older than their cadence when you run the check",
              "get warning HIS004, since the history ends on " + END.date().isoformat() + ".", "",
              "The site build stops on error findings, these skips included. To browse the site anyway,",
              "lower them to warnings under the plugin's options in `mkdocs.yml`:", "", "```yaml",
              "plugins:", "  - search", "  - mltrl:", "      rules: {HIS001: {severity: warning}}", "```", ""]
    if result.renames:
        lines += ["## Renamed folders", ""] + [f"- `{a}` -> `{b}`" for a, b in result.renames] + [""]
    return "\n".join(lines)


def write_demo(target: Path, projects: int = 24, years: int = 3, seed: int = 1,
               progress: Progress = SILENT) -> DemoResult:
    """Write a demo repository into ``target`` (which must be missing or empty); return what was made."""
    if projects < 1 or years < 1:
        raise DemoError("--projects and --years must be at least 1")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise DemoError(f"{target} exists and is not empty; choose a new folder")
    rng = random.Random(seed)
    start = END - dt.timedelta(days=365 * years)
    sim = _Simulator(rng, start)
    techs = _technologies(rng, projects)
    result = DemoResult(path=target, projects=projects, commits=0, head="")
    all_changes: list[tuple[dt.datetime, int, _Change]] = []
    with progress.stage("Living the technologies' histories", total=len(techs)) as stage:
        for tech in techs:
            changes, skip, rename = sim.life(tech, 365 * years)
            if skip:
                result.skips.append((tech.slug, *skip))
            if rename:
                result.renames.append(rename)
            all_changes.extend((c.time, len(all_changes), c) for c in changes)
            stage.advance()
    all_changes.sort(key=lambda item: (item[0], item[1]))

    target.mkdir(parents=True, exist_ok=True)
    _git(target, "init", "-q", "-b", "main")
    _git(target, "config", "user.name", "demo maintainers")
    _git(target, "config", "user.email", "maintainers@example.org")
    stream = bytearray()
    first = start - dt.timedelta(days=2)
    stream += _commit("refs/heads/main", 1, PLATFORM, first, "+0000", "Start the MLTRL portfolio")
    for path, text in (("mkdocs.yml", MKDOCS_YML), (".gitignore", ".cache/\nsite/\n"), ("docs/index.md", DOCS_INDEX),
                       (CONVENTIONAL, _checklist())):
        stream += f"M 100644 inline {path}\n".encode() + _data(text)
    mark, main_tip, commits = 1, 1, 1
    stage = progress.stage("Writing the commits", total=len(all_changes))
    for when, _, change in all_changes:
        who = f"{change.author} <{change.author}@example.org>"
        ops = bytearray()
        for path, text in sorted(change.files.items()):
            ops += f"M 100644 inline {path}\n".encode() + _data(text)
        if change.rename:
            ops += f"R {change.rename[0]} {change.rename[1]}\n".encode()
        if change.via_branch:
            mark += 1
            branch_time = when - dt.timedelta(hours=20)
            stream += _commit("refs/heads/proposal", mark, who, branch_time, change.offset, change.message,
                              (main_tip,)) + ops
            branch = mark
            mark += 1
            stream += _commit("refs/heads/main", mark, who, when, change.offset,
                              f"Merge pull request: {change.message}\n\n{change.message}", (main_tip, branch)) + ops
        else:
            mark += 1
            stream += _commit("refs/heads/main", mark, who, when, change.offset, change.message, (main_tip,)) + ops
        main_tip = mark
        commits += 1
        stage.advance()
    stage.end()
    readme_time = END
    mark += 1
    result.commits = commits + 1
    stream += _commit("refs/heads/main", mark, PLATFORM, readme_time, "+0000", "Describe the demo portfolio",
                      (main_tip,))
    stream += b"M 100644 inline README.md\n" + _data(_readme(result, years, seed))
    stream += b"done\n"
    with progress.stage("Storing the commits in git"):
        _git(target, "fast-import", "--quiet", "--done", input=bytes(stream))
        _git(target, "update-ref", "-d", "refs/heads/proposal", check=False)
    with progress.stage("Checking out the work tree"):
        _git(target, "reset", "-q", "--hard", "main")
    result.head = _git(target, "rev-parse", "HEAD").strip()
    return result


def _git(cwd: Path, *args: str, input: bytes | None = None, check: bool = True) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, env=git_env(), input=input, capture_output=True,
                            check=False, timeout=1800)
    if check and result.returncode != 0:
        raise DemoError(f"git {args[0]} failed: {result.stderr.decode('utf-8', 'replace').strip()}")
    return result.stdout.decode("utf-8", "replace")
