"""Settings of mltrl-docs, read from the ``mltrl`` plugin's options in ``mkdocs.yml``.

The same :class:`Settings` model validates the options whether they come from
MkDocs (the plugin) or from the CLI reading ``mkdocs.yml`` itself, so the
two can never disagree. Without a ``mkdocs.yml`` the defaults apply.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from .diagnostics import printable
from .errors import ConfigError

CONFIG_FILE = "mkdocs.yml"


def _off(value: object) -> object:
    # mkdocs.yml is read as YAML 1.1, where an unquoted ``off`` is the boolean false.
    return "off" if value is False else value


_FOLDER_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def _folder_name(value: str) -> str:
    # The folder is deleted and written anew by `mltrl prepare`: only a plain path below the docs folder will do.
    parts = value.split("/")
    if not value or any(not _FOLDER_PART.fullmatch(part) or part.strip(".") == "" for part in parts):
        raise ValueError("must be a plain relative path below the docs folder, like 'mltrl' or 'generated/mltrl': "
                         "parts of letters, digits, '_', '-' and '.', not starting with '.' or '-', no '..', "
                         "no leading or trailing '/'")
    return value


class RuleOverride(BaseModel):
    """Changes to one built-in rule, by code."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    severity: Annotated[Literal["error", "warning", "info", "off"] | None, BeforeValidator(_off)] = None
    """New severity; ``off`` disables the rule (a bare ``off``, which YAML 1.1 reads as false, works too)."""
    level: Annotated[int, Field(ge=0, le=9)] | None = None
    """Level from which the rule applies (lower it to tighten)."""


class ExtraRule(BaseModel):
    """A rule an organisation adds without code: a field or a section required from a level."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    code: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9]{1,9}$")]
    """Stable code of the rule, e.g. ``ORG001``; must not clash with a built-in code."""
    level: Annotated[int, Field(ge=0, le=9)]
    """Level from which the rule applies."""
    field: str | None = None
    """Dotted path of a card front-matter field that must be filled, e.g. ``links.docs``."""
    section: str | None = None
    """Heading of a card section that must be present and filled, e.g. ``Security review``."""
    description: str = ""
    """One-line explanation shown in the rule reference and in findings."""
    severity: Literal["error", "warning", "info"] = "error"
    """Severity of a finding."""

    @model_validator(mode="after")
    def _one_target(self) -> "ExtraRule":
        if (self.field is None) == (self.section is None):
            raise ValueError("an extra rule needs exactly one of 'field' or 'section'")
        return self


class Settings(BaseModel):
    """Options of the ``mltrl`` plugin (and of the ``mltrl`` command)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    enabled: bool = True
    """Turn the plugin off without removing it."""
    roots: list[str] = ["projects", "cards"]
    """Content folders, relative to the folder of ``mkdocs.yml``; each holds one folder per technology."""
    repo_url: str | None = None
    """Web address of the repository, for links to commits; defaults to MkDocs' ``repo_url``."""
    public_only: bool = False
    """Build only technologies with ``visibility: public`` (the public site)."""
    rules: dict[str, RuleOverride] = {}
    """Severity or level changes of built-in rules, by code."""
    extra_rules: list[ExtraRule] = []
    """Rules the organisation adds, per level."""
    risk_threshold: Annotated[float, Field(ge=0, le=10)] = 3.0
    """Requirements with risk at or above this need critical-scenario tests from level 7."""
    review_cadence_days: Annotated[int, Field(ge=1)] = 180
    """Cadence for level-9 reviews when a card does not set its own."""
    require_review_for_graduation: Literal["error", "warning", "off"] = "warning"
    """Severity of a graduation found in history with no review record deciding it."""
    public_commit_subjects: bool = False
    """Show commit subjects on the public site, for commits that changed only public technologies' files and name no internal technology; by default the public site shows no commit subject at all (unreviewed text)."""
    ethics_checklist: str | None = None
    """The organisation's ethics checklist: a Markdown file in the repository, relative to the config folder, in the layout of the MLTRL ethics checklist (parts as ``##`` headings, topics as ``###``, numbered questions, the organisation's answers to its guiding questions as a list under each). Projects' ``ethics.md`` answer its questions by key. By default the checklist shipped with mltrl-docs applies, whose guiding questions nobody has answered yet."""
    allow_shallow: bool = False
    """Accept a shallow git clone, with incomplete history, instead of refusing it."""
    prepare_dir: Annotated[str, AfterValidator(_folder_name)] = "mltrl"
    """Folder of the docs folder that ``mltrl prepare`` writes the generated pages and files into, for site engines that run no MkDocs plugin (Zensical); a plain relative path such as ``mltrl`` or ``generated/mltrl``. The command owns it: it replaces it whole on every run, keeps it out of git with a ``.gitignore`` of its own, and refuses a folder it did not make. The plugin leaves its files out of the sites it builds."""
    cache_dir: str | None = None
    """Folder of the caches (parsed documents, history, rendered pages), relative to the config folder; by default one folder per repository in the user's cache folder (``$XDG_CACHE_HOME/mltrl-docs/repos/``), out of the work tree. A folder inside the repository is used only if it is no symbolic link or submodule, holds no committed file and is outside the docs and site folders."""


def settings_from_options(options: dict) -> Settings:
    """Validate plugin options into :class:`Settings`; raise :class:`ConfigError` with every problem."""
    try:
        return Settings.model_validate(options or {})
    except ValidationError as exc:
        lines = []
        for err in exc.errors(include_url=False):
            where = ".".join(str(p) for p in err["loc"]) or "options"
            message = err["msg"]
            if err["type"] == "extra_forbidden":
                message = "unknown option" + did_you_mean(str(err["loc"][-1]), _options_at(err["loc"]))
            lines.append(printable(f"  mltrl.{where}: {message}"))  # option names are the file's text
        raise ConfigError("invalid mltrl plugin options:\n" + "\n".join(lines)) from None


def did_you_mean(name: str, known: list[str]) -> str:
    """``; did you mean 'x'?`` for the known name closest to ``name``, or ``""`` when none is close."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _options_at(loc: tuple) -> list[str]:
    """The option names allowed where an unknown one was found (``loc``: its place in the options)."""
    if len(loc) > 1 and loc[0] == "rules":
        return list(RuleOverride.model_fields)
    if len(loc) > 1 and loc[0] == "extra_rules":
        return list(ExtraRule.model_fields)
    return list(Settings.model_fields)


class _ConfigLoader(yaml.SafeLoader):
    """Reads mkdocs.yml while ignoring MkDocs' and Material's custom tags."""


def _ignore_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


_ConfigLoader.add_multi_constructor("!", _ignore_tag)
_ConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/", _ignore_tag)


def find_config(start: Path) -> Path | None:
    """The ``mkdocs.yml`` in ``start`` or its nearest parent, if any."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
    return None


def _merge(parent: dict, child: dict) -> dict:
    """Deep-merge two configs the way MkDocs' ``INHERIT`` does: mappings merge, the rest is replaced."""
    merged = dict(parent)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_yaml(config_file: Path, depth: int = 0) -> dict:
    try:
        raw = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_ConfigLoader) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read {config_file}: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{config_file}: expected a mapping at the top level")
    parent = raw.pop("INHERIT", None)
    if isinstance(parent, str):
        if depth > 8:
            raise ConfigError(f"{config_file}: INHERIT chain is too long")
        raw = _merge(_read_yaml(config_file.parent / parent, depth + 1), raw)
    return raw


def load_settings(config_file: Path | None) -> tuple[Settings, dict]:
    """Settings from the ``mltrl`` plugin entry of ``config_file``, and the whole raw config.

    Raises :class:`ConfigError` when the file cannot be read or the options are invalid.
    """
    if config_file is None:
        return Settings(), {}
    raw = _read_yaml(config_file)
    options: dict = {}
    for entry in raw.get("plugins") or []:
        if entry == "mltrl":
            break
        if isinstance(entry, dict) and "mltrl" in entry:
            options = entry["mltrl"] or {}
            break
    else:
        if isinstance(raw.get("plugins"), dict):
            options = raw["plugins"].get("mltrl") or {}
    settings = settings_from_options(options)
    if settings.repo_url is None and isinstance(raw.get("repo_url"), str):
        settings = settings.model_copy(update={"repo_url": raw["repo_url"]})
    return settings, raw
