"""Targets from a pull request: dates at the calendar's ends and hostile notes reach the site as inert, bounded text."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from gitrepo import GitRepo
from sitebuild import build, mkdocs_yml, write_level

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '"><script>alert(1)</script><g onload="x()"'


def test_targets_at_the_ends_of_the_calendar_build_and_keep_the_path_readable(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    (repo.path / "docs").mkdir()
    (repo.path / "overrides").mkdir()
    # Both targets are reported (met late; on track): as notes, so '--strict' builds.
    (repo.path / "mkdocs.yml").write_text(mkdocs_yml(options={"rules": {"TGT002": {"severity": "info"}}}),
                                          encoding="utf-8")
    (repo.path / ".gitignore").write_text("site/\n.cache/\n", encoding="utf-8")
    targets = [{"level": 1, "by": "0001-01-01", "note": HOSTILE}, {"level": 9, "by": "9999-12-31"}]
    write_level(repo, "alpha", "P01.1", 1, title="Alpha", targets=targets)
    repo.commit({}, "2024-01-10", "Start alpha with a plan to the end of time")
    result = build(repo.path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    page = (repo.path / "site/technologies/alpha/index.html").read_text(encoding="utf-8")
    # Only as text: no element the note would open, inside or outside the chart.
    assert "<script>alert(1)" not in page and "<g onload" not in page
    svg = ET.fromstring(re.search(r'<svg[^>]*aria-labelledby="mltrl-timeline-alpha-title.*?</svg>', page,
                                  re.DOTALL).group(0))
    flags = [g for g in svg.iter(f"{SVG}g") if "mltrl-target" in g.get("class", "").split()]
    assert [(g.get("data-by"), g.get("data-state")) for g in flags] == [("0001-01-01", "met_late"),
                                                                       ("9999-12-31", "on_track")]
    assert flags[0].find(f"{SVG}title").text.endswith("— " + HOSTILE)
    # The axis stops five years past today: the path (2024-01-10 to the build's day, 2025-01-01)
    # keeps a seventh of the chart, not a sliver; the far target stands at the right edge.
    step = next(line for line in svg.iter(f"{SVG}line") if "mltrl-step" in line.get("class", ""))
    assert float(step.get("x2")) - float(step.get("x1")) > 80
