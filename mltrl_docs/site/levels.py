"""What each level is about, for the levels page.

The requirements of each level are not written here: the levels page lists
them from the checker's own rules (:func:`mltrl_docs.rules.level_rules`), so
the page and ``mltrl check`` cannot disagree. This module only says, in a few
words, what work a level is for and who reviews it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LevelGuide:
    """The purpose of one level, in plain words."""

    work: str
    """The main work done at the level."""
    code: str
    """The quality expected of the code."""
    data: str
    """What the data looks like."""
    review: str
    """Who sits on the gate review that ends the level."""


LEVEL_GUIDE: dict[int, LevelGuide] = {
    0: LevelGuide("Read the literature, work out the mathematics, state hypotheses and a research plan.",
                  "None needed yet.", "Whether suitable data could exist is considered.",
                  "The research lead alone."),
    1: LevelGuide("Run small experiments on sample or synthetic data; start versioning code, models and data.",
                  "Research quality; full test coverage is not expected.", "A representative sample.",
                  "Research peers."),
    2: LevelGuide("Build testbeds and simulations and write the research requirements with their verification "
                  "and validation. Decide whether to head for a prototype, do more research, or both.",
                  "Research quality.", "Public benchmarks, partly or fully simulated data.",
                  "Checks that research claims hold and analyses reproduce."),
    3: LevelGuide("Make the code interoperable, reliable and maintainable: unit and integration tests, style, "
                  "documentation.", "Prototype quality.", "Test subsets and mock data are defined.",
                  "Adds applied ML and engineering reviewers: software practice, interfaces, versioning."),
    4: LevelGuide("Demonstrate the technology in a real scenario on real data, meet product managers, and hold "
                  "the ethics conversation. Decide whether to pursue an application; pausing here is common.",
                  "Prototype quality.", "Real, representative data.",
                  "Judges practical value, data readiness, security and privacy."),
    5: LevelGuide("Hand the capability from research to product through an interdisciplinary working group, "
                  "with demos and APIs. Graduating from here should be hard.", "Prototype quality.",
                  "Pipelines that scale, and data governance.",
                  "Expects all research verification and validation done and product requirements drafted."),
    6: LevelGuide("Develop the application: product-quality code, a decided deployment setting, robustness "
                  "against perturbations, attacks and other data sources.", "Product quality.",
                  "Data collected for robustness testing.",
                  "Code quality, product requirements, service levels, data pipeline; ethics revisited."),
    7: LevelGuide("Integrate into production: tests on critical scenarios and data slices from the risk table, "
                  "a golden dataset in CI/CD, metamorphic tests, quality assurance involved.",
                  "Product quality.", "Governed data.", "Data pipelines, test suites and ethics."),
    8: LevelGuide("Show it works in its final form: A/B, shadow, canary or blue/green tests and stress tests; "
                  "decide go or no-go.", "Product quality.", "Data distributions are logged automatically.",
                  "Walks through every requirement with its validation, with all stakeholders."),
    9: LevelGuide("Run it: monitoring of data quality and drift, logging, continuous evaluation and a path for "
                  "user feedback.", "Product quality.", "Logged and inspected in production.",
                  "Meets at a regular cadence and may send the work back to an earlier level."),
}
"""The purpose of each level."""
