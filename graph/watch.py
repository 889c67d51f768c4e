"""Watching users' own numpy code: every operation on their arrays, with names, shapes and lines.

    recording = Recording()
    result = recording.call(two_layer_step, (X, y, params), {})   # plain arrays, as unwatched
    recording.events      # one dict per numpy operation
    recording.problems    # one dict per finding (graph.watch_problems lists the kinds)

`call` replaces every ndarray argument (positional, keyword, and one level inside dicts, lists
and tuples) by a Tracked twin named after its parameter or key, runs the function, and hands
back its result with every twin turned back into the plain array it wraps. A twin shares its
array's memory, so in-place updates (W1 -= lr * dW1) reach the caller's arrays, and a dict
argument whose entries the function replaces is updated the same way an unwatched call would.

This room records and detects; graph.watch_view (room 5) formats, gates.watch is the front door.
"""

from __future__ import annotations

import copy
import inspect

import numpy as np

from .watch_array import Tracked
from .watch_checks import unnamed
from .watch_ops import Operations
from .watch_problems import as_error, grad_shape
from .watch_source import frame_outside, gradient_candidates, site_of

DEPTH = 4  # how deep results are searched for tracked arrays (a tuple of dicts of arrays is 2)


class Recording(Operations):
    """Everything one watch saw. `strict`: raise gates.ShapeError at the first error."""

    def __init__(self, *, strict: bool = False) -> None:
        self.strict = strict
        self.closed = False
        self.records: list[tuple] = []       # one per operation (see graph.watch_ops)
        self.problems: list[dict] = []
        self.params: dict[str, tuple] = {}   # every tracked argument's name -> its shape, in order
        self.holder: dict[str, str] = {}     # a key of a dict argument -> that argument's name
        self.function_name: str | None = None
        self.gradient_sites: set = set()     # sites with a grad_shape problem: no rank_drop there
        self.gradient_of: dict = {}          # site -> the parameter its target is the gradient of
        self.spread: dict[str, set] = {}     # argument -> the axes it was broadcast along (b1: {0})
        self._seen: set = set()
        self._events: list[dict] = []
        self._copies: list[tuple] = []       # (the caller's container, the one with twins)

    # --- tracking ----------------------------------------------------------------------------------

    def track(self, value, name: str | None = None):
        """A tracked twin of an array, or a dict, list or tuple with its arrays tracked (by key,
        or name[i]); anything else unchanged. name: by default the assignment's target
        (`X = w.track(X)` names it X)."""
        if name is None:
            name = site_of(frame_outside(1)).name or "array"
        if isinstance(value, np.ndarray):
            return self._twin(value, name)
        if isinstance(value, dict):
            twins = dict(value) if type(value) is dict else copy.copy(value)
            for key, item in value.items():
                if isinstance(item, np.ndarray):
                    twins[key] = self._twin(item, self._key_name(name, key))
            self._copies.append((value, twins))
            return twins
        if isinstance(value, (list, tuple)) and any(isinstance(v, np.ndarray) for v in value):
            items = [self._twin(v, f"{name}[{i}]") if isinstance(v, np.ndarray) else v
                     for i, v in enumerate(value)]
            if isinstance(value, list):
                self._copies.append((value, items))
                return items
            return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
        return value

    def _twin(self, array: np.ndarray, name: str) -> Tracked:
        twin = Tracked(array, name, self)
        self.params[name] = twin.shape
        return twin

    def _key_name(self, name: str, key) -> str:
        """params["W1"] is W1, unless another argument is called W1 already."""
        if isinstance(key, str) and key.isidentifier() and key not in self.params:
            self.holder[key] = name
            return key
        return f"{name}[{key!r}]"

    # --- a watched call ------------------------------------------------------------------------------

    def call(self, fn, args: tuple, kwargs: dict):
        """fn(*args, **kwargs) on tracked twins; the result as plain arrays. The recording is
        closed afterwards (arrays kept from it compute unwatched)."""
        self.function_name = getattr(fn, "__qualname__", None) or type(fn).__name__
        names = parameter_names(fn, len(args))
        twins = [self.track(value, name) for value, name in zip(args, names)]
        options = {key: self.track(value, key) for key, value in kwargs.items()}
        try:
            result = fn(*twins, **options)
        finally:
            self._give_back()
            self.close()
        self._check_returned(result)
        result = self.plain(result)
        self._copies.clear()  # the twins refer to this recording: no cycle left for the GC
        return result

    def _give_back(self) -> None:
        """What the function did to dict and list arguments, done to the caller's own."""
        for original, twins in self._copies:
            if isinstance(original, dict):
                for key in [k for k in original if k not in twins]:
                    del original[key]
                for key, value in twins.items():
                    value = value.a if type(value) is Tracked else value
                    if original.get(key, _MISSING) is not value:
                        original[key] = value
            else:
                original[:] = [v.a if type(v) is Tracked else v for v in twins]

    def plain(self, value, depth: int = DEPTH):
        """A result with every Tracked replaced by its plain array, containers rebuilt around
        them; a dict or list argument handed back is the caller's own object."""
        if type(value) is Tracked:
            return value.a
        if type(value) in _LEAVES:
            return value
        for original, twins in self._copies:
            if value is twins:
                return original
        if depth == 0:
            return value
        if type(value) is dict:
            return {key: self.plain(item, depth - 1) for key, item in value.items()}
        if isinstance(value, dict):
            out = copy.copy(value)
            for key, item in value.items():
                out[key] = self.plain(item, depth - 1)
            return out
        if isinstance(value, (list, tuple)):
            items = [self.plain(v, depth - 1) for v in value]
            if isinstance(value, list):
                return items
            return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
        return value

    def close(self) -> None:
        self.closed = True

    # --- problems ----------------------------------------------------------------------------------

    def report(self, found: dict, *, raising: bool = True, event: int | None = None):
        """Keep a problem (once per kind, line and names), about the event given or the last
        one; in strict mode an error is raised here, inside the user's line. raising=False:
        return the ShapeError to raise instead."""
        key = (found["kind"], found["file"], found["line"], tuple(found["names"]))
        if key not in self._seen:
            self._seen.add(key)
            found["event"] = event if event is not None else len(self.records) - 1 if self.records else None
            self.problems.append(found)
        if not raising:
            return as_error(found, self.events, self.problems)
        if self.strict and found["severity"] == "error":
            raise as_error(found, self.events, self.problems)
        return None

    def _check_returned(self, result, depth: int = 2) -> None:
        """Gradients handed back in a dict keyed by the parameters' names (grads["W1"] for
        params["W1"], or for an argument W1) or by a gradient's name (dW1), inside tuples and
        lists too."""
        if isinstance(result, (list, tuple)) and depth:
            for item in result:
                self._check_returned(item, depth - 1)
        if not isinstance(result, dict) or any(result is twins for _, twins in self._copies):
            return
        for key, value in result.items():
            if type(value) is not Tracked or not isinstance(key, str):
                continue
            param = key if key in self.params else next(
                (p for p in gradient_candidates(key) if p in self.params), None)
            if param is None or value.site is None or value.shape == self.params[param]:
                continue
            named = "(" not in value.name and " " not in value.name  # dW1, grads["W1"]
            grad = value.name if named else f'{value.name} (returned as "{key}")'
            reduced = value.drop.reduced if value.drop is not None else None
            made = next((i for i in range(len(self.records) - 1, -1, -1)
                         if self.records[i][3] is value.site and self.records[i][7] == value.name), None)
            self.report(grad_shape(value.site, grad, param, value.shape, self.params[param], reduced,
                                   self.spread.get(param, set())), event=made)

    # --- events --------------------------------------------------------------------------------

    @property
    def events(self) -> list[dict]:
        """One dict per operation, in the order they ran (built from the records when asked)."""
        for record in self.records[len(self._events):]:
            self._events.append(event(record))
        return self._events


_MISSING = object()
_LEAVES = (float, int, bool, str, type(None), np.ndarray, np.float64)


def event(record: tuple) -> dict:
    """The public form of a record: JSON-ready, shapes as lists (None: numpy refused)."""
    op, kind, symbol, site, names, shapes, out, name = record
    return {"op": op, "kind": kind, "symbol": symbol,
            "inputs": [{"name": n, "shape": list(s)} for n, s in zip(names, shapes)],
            "shape": list(out) if out is not None else None, "name": name,
            "expr": site.expr or unnamed(op, names, site), "line": site.line,
            "source": site.source, "file": site.file, "function": site.function}


_parameters: dict = {}
_codes: list = []


def parameter_names(fn, count: int) -> list[str]:
    """The names of fn's first `count` positional parameters (*args: args[0], args[1], ...),
    worked out once per function and count."""
    code = getattr(getattr(fn, "__func__", fn), "__code__", None)
    skip = 1 if hasattr(fn, "__func__") else 0  # a bound method: self is not passed
    key = (id(code), skip, count)
    known = _parameters.get(key) if code is not None else None
    if known is None:
        if code is not None:
            positional = list(code.co_varnames[skip:code.co_argcount])
            star = code.co_varnames[code.co_argcount + code.co_kwonlyargcount] \
                if code.co_flags & inspect.CO_VARARGS else None
        else:
            positional, star = _signature_names(fn)
        known = [positional[i] if i < len(positional) else f"{star or 'args'}[{i - len(positional)}]"
                 for i in range(count)]
        if code is not None:
            _parameters[key] = known
            _codes.append(code)  # held, so that its id in the key is never reused
    return known


def _signature_names(fn) -> tuple[list[str], str | None]:
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature
        return [], None
    positional = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    star = next((p.name for p in parameters if p.kind == p.VAR_POSITIONAL), None)
    return positional, star
