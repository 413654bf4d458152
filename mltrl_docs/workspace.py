"""Locate the content: the folder of ``mkdocs.yml`` (or the working folder) and its settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .cachedir import CacheLocation, cache_location
from .config import Settings, find_config, load_settings
from .errors import ConfigError
from .extensions import SiteMarkdown, site_markdown


@dataclass
class Workspace:
    """Where the content lives and how it is configured."""

    base_dir: Path
    """Folder holding ``mkdocs.yml`` (or the content roots when there is none)."""
    config_file: Path | None
    settings: Settings
    raw_config: dict
    """The whole ``mkdocs.yml`` as plain data (custom tags ignored)."""

    @property
    def cache(self) -> CacheLocation:
        """Where the caches live (never in the folders the site is built from or into)."""
        published = tuple(Path(value) for value in (self.raw_config.get("docs_dir", "docs"),
                                                    self.raw_config.get("site_dir", "site"))
                          if isinstance(value, str))
        return cache_location(self.base_dir, self.settings.cache_dir, published=published)

    @property
    def markdown(self) -> SiteMarkdown:
        """What the site's ``markdown_extensions`` give card bodies, and a note per extension they do not get."""
        return site_markdown(self.raw_config.get("markdown_extensions"))


def open_workspace(start: Path | None = None, config_file: Path | None = None) -> Workspace:
    """Find and read the configuration; raise :class:`ConfigError` when it is unusable."""
    start = (start or Path.cwd()).resolve()
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigError(f"configuration file not found: {config_file}")
        config_file = config_file.resolve()
    else:
        config_file = find_config(start)
    settings, raw = load_settings(config_file)
    base = config_file.parent if config_file else start
    return Workspace(base, config_file, settings, raw)
