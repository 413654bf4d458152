"""What happens when the browser is missing: browser tests fail on CI and skip, with the reason, elsewhere."""

from __future__ import annotations

import browserkit
import pytest


def test_missing_browser_fails_on_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium"):
        browserkit._unavailable("/usr/bin/chromium is missing")


def test_missing_browser_skips_elsewhere_with_the_reason(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="/usr/bin/chromium is missing"):
        browserkit._unavailable("/usr/bin/chromium is missing")
