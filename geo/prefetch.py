"""Work on the next item of a pipeline while the caller consumes this one.

An import reads and checks a chunk of the file (pyogrio, shapely, pyproj),
and a bulk load encodes a batch's geometries, while the database stores the
batch before it (SQLite and libpq release the GIL while they work): on two
cores the stages overlap.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_END = object()


def prefetched(items: Iterator[T], ahead: int = 1) -> Iterator[T]:
    """`items`, produced in a background thread up to `ahead` items before they are asked for.

    An exception raised while producing is raised here, at the item it
    stopped; when the caller stops early (an error of its own), the thread
    stops after the item it is making and nothing is left running.
    """
    handoff: queue.Queue[tuple[object, BaseException | None]] = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def offer(entry: tuple[object, BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                handoff.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer((item, None)):
                    return
            offer((_END, None))
        except BaseException as err:  # handed to the consumer, raised there
            offer((_END, err))
        finally:
            close = getattr(items, "close", None)
            if close is not None:  # a generator: its own cleanup, in the thread that ran it
                close()

    worker = threading.Thread(target=produce, name="prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item, error = handoff.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()
