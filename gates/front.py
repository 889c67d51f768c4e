"""gates.watch and gates.watching: the shapes of your own numpy code, operation by operation.

    w = gates.watch(two_layer_step, X, y, params)    # runs two_layer_step(X, y, params)
    w.result, w.events, w.problems, print(w.render("plain"))

    with gates.watching() as w:
        X = w.track(X)        # named X; every operation on it, and on what it makes, is seen
        ...

The recording lives in graph.watch (room 4), the Watch and its tables in graph.watch_view (room
5); this front door only joins them, and imports them when called, so `import gates` stays light.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from .shapes import ShapeError


@cache
def _rooms():
    """graph.watch's Recording and graph.watch_view's Watch, imported on the first call only."""
    from graph.watch import Recording
    from graph.watch_view import Watch
    return Recording, Watch


def watch(fn: Callable, *args: Any, strict: bool = False, **kwargs: Any):
    """Call fn(*args, **kwargs) on tracked twins of its arrays and return a Watch.

    The Watch has `.result` (what fn returned, plain arrays bit-identical to an unwatched call),
    `.events`, `.problems` and `.render(format)`. An operation numpy refuses raises
    gates.ShapeError from your line, naming the operands and their shapes with the likely fix;
    strict=True raises at the first error of any kind (a silent broadcast, a gradient of the
    wrong shape). The error's `.watch` is the Watch of everything recorded until then.
    """
    Recording, Watch = _rooms()
    recording = Recording(strict=strict)
    try:
        result = recording.call(fn, args, kwargs)
    except ShapeError as error:
        error.watch = Watch(recording)
        raise
    return Watch(recording, result)


@contextmanager
def watching(*, strict: bool = False) -> Iterator[Any]:
    """A Watch for a block of code: `X = w.track(X)` makes X (and dicts, lists of arrays)
    watched; everything computed from them inside the block is recorded."""
    Recording, Watch = _rooms()
    recording = Recording(strict=strict)
    w = Watch(recording)
    try:
        yield w
    except ShapeError as error:
        error.watch = w
        raise
    finally:
        recording.close()
