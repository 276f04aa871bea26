"""The import's prefetching thread hands over every item in order, raises the producer's error where it
happened, and leaves nothing running when the consumer stops early."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.prefetch import prefetched


def _running() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "prefetch"]


@given(st.lists(st.integers()), st.integers(min_value=1, max_value=4))
def test_every_item_arrives_in_order(items: list[int], ahead: int) -> None:
    assert list(prefetched(iter(items), ahead)) == items
    assert _running() == []


def test_an_error_while_producing_is_raised_after_the_items_before_it() -> None:
    def produce() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("feature 3: bad")

    received = []
    with pytest.raises(ValueError, match="feature 3: bad"):
        for item in prefetched(produce()):
            received.append(item)
    assert received == [1, 2]
    assert _running() == []


def test_a_consumer_that_stops_early_leaves_no_thread_and_closes_the_source() -> None:
    closed = threading.Event()

    def produce() -> Iterator[int]:
        try:
            yield from range(1_000_000)
        finally:
            closed.set()

    items = prefetched(produce())
    assert next(items) == 0
    items.close()
    assert closed.is_set()
    assert _running() == []
