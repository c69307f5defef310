"""The cyclic collector is paused for a bulk operation and restored after it, whatever happens."""

import gc

import pytest

from refresher.tree.bulk import gc_paused
from refresher.tree.store import load_tree
from tests.conftest import REPO


def test_paused_inside_nested_and_restored_after() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block does not turn it back on early
    assert gc.isenabled()


def test_restored_after_an_exception_and_left_off_if_it_was_off() -> None:
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_bulk_operation_leaves_the_collector_as_it_found_it() -> None:
    load_tree(REPO / "metadata")
    assert gc.isenabled()
