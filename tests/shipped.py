"""What the repository's own content is expected to hold: shared by the tests of the examples and of the public build."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

NOW = dt.datetime(2026, 11, 27, tzinfo=dt.timezone.utc)
"""Fixed 'today' for history findings: the day after the content was last reviewed."""

EXPECTED = {
    # slug: (root, project ID, level, status, path of levels and status changes, oldest first)
    "solar-array-optimisation": ("cards", "P07.1", 8, "active",
                                 [0, 1, 0, 1, 2, 1, 2, 3, 4, 5, 6, 7, 8, 7, 8, 9, 7, 8]),
    "industrial-anomaly-detection": ("cards", "P11.1", 9, "active",
                                     [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 4, 5, 6, 7, 8, 9]),
    "neuropathology-anomaly-detection": ("cards", "P11.2", 7, "active",
                                         [0, 1, 2, 3, 4, 5, 6, 4, 5, 6, 7, "paused", "active"]),
    "recycling-vision": ("cards", "P15.1", 9, "active", [4, 5, 4, 5, 6, 7, 8, 9, 7, 8, 9]),
    "particle-simulator-inversion": ("cards", "R09.1", 9, "active",
                                     [0, 1, 2, 3, 4, 2, 3, 4, "paused", "active", 5, 6, 7, 8, 9]),
    "probabilistic-execution-protocol": ("cards", "R09.2", 9, "active", [6, 7, 6, 7, 8, 9]),
    "causal-diagnosis": ("cards", "P13.1", 6, "active",
                         [0, 1, 2, 3, 2, 3, 4, "paused", "active", 5, 4, 5, 6]),
    "meteor-surveillance": ("cards", "P17.1", 9, "active", [1, 2, 3, 2, 3, 4, 5, 6, 7, 8, 7, 8, 9]),
    "feature-store-pipeline": ("projects", "P04.1", 6, "active", [3, 4, 5, 4, 5, 6]),
    "customer-churn-model": ("projects", "P04.2", 3, "active", [1, 2, 3, 2, 3]),
    "demand-forecasting": ("projects", "P05.1", 4, "paused", [2, 3, 4, "paused"]),
    "search-ranking-model": ("projects", "P06.3", 9, "active", [4, 5, 6, 7, 8, 7, 8, 9, 7, 8, 9]),
}

SWITCHBACKS = {
    # slug: every (from level, to level, kind) in the recorded path, oldest first
    "solar-array-optimisation": [(1, 0, "review"), (2, 1, "discovery"), (8, 7, "review"), (9, 7, "embedded")],
    "industrial-anomaly-detection": [(9, 4, "embedded")],
    "neuropathology-anomaly-detection": [(6, 4, "review")],
    "recycling-vision": [(5, 4, "review"), (9, 7, "embedded")],
    "particle-simulator-inversion": [(4, 2, "embedded")],
    "probabilistic-execution-protocol": [(7, 6, "review")],
    "causal-diagnosis": [(3, 2, "discovery"), (5, 4, "review")],
    "meteor-surveillance": [(3, 2, "discovery"), (8, 7, "review")],
    "feature-store-pipeline": [(5, 4, "review")],
    "customer-churn-model": [(3, 2, "discovery")],
    "demand-forecasting": [],
    "search-ranking-model": [(8, 7, "review"), (9, 7, "embedded")],
}

TARGETS = {
    # slug: (level, state on NOW) of each target, in the card's order
    "causal-diagnosis": [(6, "met"), (7, "on_track")],
}

SHARED_LINEAGE = {
    # branch: (parent, last shared day): the branch lists the shared gates; their reviews live with the parent
    "neuropathology-anomaly-detection": ("industrial-anomaly-detection", dt.date(2020, 3, 30)),
}
