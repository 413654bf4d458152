"""The second process: results come back whole, failures are reported, never lost or hung on."""

from __future__ import annotations

import os
import sys

import pytest

from mltrl_docs import parallel
from mltrl_docs.errors import ProcessFailed

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the second process needs fork (not on Windows)")


def test_a_large_result_comes_back_from_the_copy():
    parent = os.getpid()
    payload = {"pid": None, "blob": bytes(range(256)) * 40_000}  # 10 MB: more than a pipe holds

    def target():
        return {**payload, "pid": os.getpid()}

    result = parallel.Forked(target).result()
    assert result["pid"] != parent and result["blob"] == payload["blob"]


def test_an_error_in_the_copy_is_reported():
    def target():
        raise ValueError("no such commit")

    with pytest.raises(ProcessFailed, match="ValueError: no such commit"):
        parallel.Forked(target).result()


def test_a_copy_that_dies_is_reported():
    def target():
        os._exit(3)

    with pytest.raises(ProcessFailed, match="status"):
        parallel.Forked(target).result()


def test_turned_off_by_the_environment(monkeypatch):
    monkeypatch.setenv("MLTRL_PARALLEL", "0")
    assert not parallel.available()


@pytest.mark.skipif(sys.platform != "linux", reason="used on Linux only")
def test_used_on_linux_with_two_cores_and_one_thread(monkeypatch):
    import threading

    monkeypatch.delenv("MLTRL_PARALLEL", raising=False)
    assert parallel.available() == (parallel.free_cores() >= 2 and threading.active_count() == 1)
    if os.environ.get("CI") and parallel.free_cores() >= 2:
        assert parallel.available()  # the CI machine has two cores: the parallel paths are the ones tested
