"""Every error mltrl-docs raises, under one base: :class:`MltrlError`.

A front end needs one ``except MltrlError`` to tell a problem it can explain
(a bad option, a git failure, a bundle that may not be written) from a bug,
which it reports as an internal error. Each message says what went wrong and,
where it can, what to do. Problems in the content are never errors: they are
findings (:class:`mltrl_docs.diagnostics.Diagnostic`).
"""

from __future__ import annotations


class MltrlError(Exception):
    """Base of every error the package raises on purpose."""


class ConfigError(MltrlError):
    """The configuration cannot be used; ``mltrl`` exits with status 2."""


class UsageError(MltrlError):
    """A problem with how a command was called; exit status 2."""


class GitError(MltrlError):
    """git could not be run or failed; the message says why."""


class ScaffoldError(MltrlError):
    """A technology folder cannot be written (bad arguments or existing files)."""


class DemoError(MltrlError):
    """The demo repository cannot be written (bad arguments, a folder in use, git failing)."""


class BundleError(MltrlError):
    """The public bundle cannot be written; the message says why and what to do."""


class BundleFindings(BundleError):
    """Public technologies have error findings; nothing was written."""

    def __init__(self, findings: list) -> None:
        super().__init__(f"{len(findings)} error finding(s) in public technologies")
        self.findings = findings
        """The findings, as ``mltrl check`` reports them."""


class PrepareError(MltrlError):
    """``mltrl prepare`` may not write its folder; the message says why and what to do."""


class PrepareFindings(PrepareError):
    """The content has error findings; nothing was prepared."""

    def __init__(self, findings: list) -> None:
        super().__init__("the content has errors; nothing was prepared")
        self.findings = findings
        """Every finding, as ``mltrl check`` reports them."""


class DamagedCache(MltrlError, ValueError):
    """A cache record does not match what its signed index says of it; the cache is read anew."""


class ProcessFailed(MltrlError):
    """A second process did not deliver its result; the caller does the work itself."""
