"""Pausing the garbage collector: what the paused work made is moved to the oldest generation unwalked, and
nothing stays frozen or is lost."""

from __future__ import annotations

import gc
import weakref

import pytest

from mltrl_docs import collector


class Node:
    """An object the collector tracks, able to sit in a reference cycle."""

    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture(autouse=True)
def collecting():
    was = gc.isenabled()
    gc.enable()
    gc.collect()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_what_the_block_made_lands_in_the_oldest_generation_and_nothing_stays_frozen():
    with collector.paused():
        assert not gc.isenabled()
        made = [Node() for _ in range(5000)]
        young = gc.get_count()[0]
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert young >= 5000  # the allocations were counted, with no collection to walk them
    assert gc.get_count()[0] < 100  # and the youngest generation is empty again, without a collection
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert all(id(node) in oldest for node in made)


def test_a_cycle_made_while_paused_is_freed_by_the_next_full_collection():
    with collector.paused():
        first, second = Node(), Node()
        first.other, second.other = second, first
        gone = weakref.ref(first)
        del first, second
    assert gone() is not None  # a cycle: only the collector frees it
    gc.collect()
    assert gone() is None


def test_objects_the_process_froze_stay_frozen():
    kept = [Node() for _ in range(100)]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with collector.paused():
            [Node() for _ in range(100)]
        assert gc.isenabled() and gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
    assert kept


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    with collector.paused():
        pass
    assert not gc.isenabled()


def test_a_command_run_in_process_leaves_the_collector_on_and_nothing_frozen(capsys):
    from mltrl_docs.cli import main

    frozen = gc.get_freeze_count()
    assert main(["rules"]) == 0
    assert "HIS001" in capsys.readouterr().out
    assert gc.isenabled() and gc.get_freeze_count() == frozen
