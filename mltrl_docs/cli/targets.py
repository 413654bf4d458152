"""``mltrl check PATH...``: which workspace the paths belong to, and which findings they keep."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import printable
from ..errors import UsageError
from ..workspace import Workspace
from .common import workspace_of


@dataclass
class Targets:
    """The workspace to check and, when paths narrow it, the paths (resolved)."""

    workspace: Workspace
    paths: list[Path] | None

    def keeps(self, finding_path: str) -> bool:
        """Whether a finding at ``finding_path`` (relative to the base folder, printable) is reported."""
        if self.paths is None:
            return True
        # A finding's path is printable (see diagnostics.printable): compare the targets as it shows them.
        full = Path(printable(str((self.workspace.base_dir / finding_path).resolve())))
        return any(full == t or t in full.parents for t in (Path(printable(str(t))) for t in self.paths))


def resolve_targets(args: argparse.Namespace) -> Targets:
    """The workspace of ``args.paths`` and the paths; a single content folder is a workspace of its own."""
    paths = [Path(p) for p in args.paths]
    for path in paths:
        if not path.exists():
            raise UsageError(f"no such file or folder: {path}")
    if len(paths) == 1 and paths[0].is_dir() and not getattr(args, "config", None):
        folder = paths[0].resolve()
        if (folder / "mkdocs.yml").is_file() or any((folder / r).is_dir() for r in ("projects", "cards")):
            return Targets(workspace_of(args, folder), None)
    workspace = workspace_of(args)
    base = workspace.base_dir.resolve()
    for path in paths:
        resolved = path.resolve()
        if resolved != base and base not in resolved.parents:
            raise UsageError(f"{path} is outside the content of {workspace.config_file or base}")
    return Targets(workspace, [p.resolve() for p in paths] or None)
