"""The checks of a watch, run after each operation: what its shapes say about the code.

A broadcast that grew the result, the axes an argument was broadcast along (its gradient must be
summed over them), a vector that lost its axis meeting a matrix, a gradient named for a
parameter whose shape it lacks, and the operations numpy refuses. Each problem's sentences are
graph.watch_problems'; here is when they apply. Also what every operation needs: the names and
shapes of its operands.
"""

from __future__ import annotations

import re

import numpy as np

from .watch_array import Tracked, plain
from .watch_problems import broadcast_trap, grad_shape, rank_drop, refusal, shared_update
from .watch_source import caller_name

SCALARS = frozenset({int, float, bool, complex})
ARRAYS = (np.ndarray, np.generic)
SYMBOLS = {"add": "+", "subtract": "−", "multiply": "⊙", "divide": "/", "power": "**",
           "less": "<", "less_equal": "≤", "greater": ">", "greater_equal": "≥", "equal": "==",
           "not_equal": "≠", "negative": "−"}
SHAPE_WORDS = ("shape", "broadcast", "dimension", "aligned", "size")  # numpy's refusals of shapes
_UNKNOWN = object()


def shape_of(value) -> tuple:
    """The shape numpy sees: () for a Python number, the array's shape, np.shape otherwise."""
    if type(value) in SCALARS:
        return ()
    shape = getattr(value, "shape", None)
    return tuple(shape) if shape is not None else np.shape(value)


def unnamed(op: str, names, site) -> str:
    """What an operation is called when its source cannot be read (python -c, Python 3.10):
    matmul(X, W1) while that stays short, else matmul of line 12."""
    text = f"{op}({', '.join(str(n) for n in names)})"
    return text if len(text) <= 30 else f"{op} of line {site.line}"


def describe(value) -> str:
    """A name for an operand the source does not name: 0.5, or "an array" made on the spot."""
    if type(value) in SCALARS or isinstance(value, np.generic):
        return repr(value.item() if isinstance(value, np.generic) else value)
    return "an array"


class Checks:
    """Names of operands and results, and the checks after an operation (a mixin of Recording,
    which provides records, params, holder, spread, gradient_of, gradient_sites and report)."""

    def _name(self, site, frame, op: str, names) -> str:
        """The result's name: the caller's target for a returned expression, the site's name, or
        op(names) when the source cannot be read."""
        if site.returned:
            name = caller_name(frame)
            if name:
                return name
        return site.name or unnamed(op, names, site)

    def _names(self, site, values) -> tuple:
        """Each operand's name: a Tracked's own, else its text in the source, else its value."""
        ops = site.operands
        return tuple([v.name if type(v) is Tracked else ops[i] if i < len(ops) else describe(v)
                      for i, v in enumerate(values)])

    def _spread(self, operands, site, names, shapes, out) -> None:
        """An elementwise operation that repeated an operand to fit: a trap when the result is
        larger than both; and the axes each argument (b1) was repeated along, which its
        gradient must be summed over."""
        if out != shapes[0] and out != shapes[1]:
            found = broadcast_trap(site, site.expr or unnamed("broadcast", names, site), names, shapes, out)
            if found is not None:
                self.report(found)
        for value, shape in zip(operands, shapes):
            if type(value) is Tracked and value.site is None and len(shape) == len(out):
                axes = {axis for axis, (s, o) in enumerate(zip(shape, out)) if s == 1 and o != 1}
                self.spread.setdefault(value.name, set()).update(axes)

    def _dropped(self, result, operands, site, names, shapes) -> None:
        """A vector from a reduction that dropped an axis: warn when it meets a matrix, else
        pass the mark on to a vector result (lr * db1 is still db1's vector)."""
        for i, value in enumerate(operands):
            dropped = value.drop if type(value) is Tracked else None
            if dropped is None:
                continue
            matrix = next((j for j, s in enumerate(shapes) if j != i and len(s) >= 2), None)
            if matrix is not None:
                if dropped.site not in self.gradient_sites:
                    self.report(rank_drop(dropped, names[i], shapes[i], site, names[matrix],
                                          shapes[matrix]))
            elif result.a.ndim == 1:
                result.drop = dropped

    def _gradient(self, site, result) -> None:
        """dW1 = ... or grads["W1"] = ...: the gradient must have W1's shape."""
        param = self.gradient_of.get(site, _UNKNOWN)
        if param is _UNKNOWN:
            param = self.gradient_of[site] = self._parameter_of(site)
        if param is None or self.params[param] == result.shape:
            return
        reduced = result.drop.reduced if result.drop is not None else None
        self.gradient_sites.add(site)
        self.report(grad_shape(site, site.name, param, result.shape, self.params[param], reduced,
                               self.spread.get(param, set())))

    def _parameter_of(self, site) -> str | None:
        """The parameter a site's target is the gradient of: dW1 → W1, grads["W1"] → W1."""
        param = None
        if site.grad[0] == "name":
            for candidate in site.grad[1]:
                if candidate in self.params:
                    param = candidate
                    break
        else:
            _, container, key = site.grad
            if key in self.params and self.holder.get(key) != container:
                param = key
        return param

    def _refused(self, op: str, kind: str, site, frame, operands, error: ValueError):
        """The ShapeError to raise for what numpy refused (or numpy's own error, when it is not
        about shapes); the refused operation is recorded, with no result shape."""
        if not any(word in str(error) for word in SHAPE_WORDS):
            return error
        names = self._names(site, operands)
        shapes = tuple(shape_of(plain(v)) for v in operands)
        dropped = next((v.drop for v in operands if type(v) is Tracked and v.drop is not None), None)
        expr = site.expr or unnamed(op, names, site)
        self.records.append((op, kind, SYMBOLS.get(op), site, names, shapes, None,
                             self._name(site, frame, op, names)))
        found = refusal(op, site, expr, names, shapes, error, inplace=kind == "inplace", dropped=dropped)
        key = _loop_key(site, frame) if kind == "inplace" and len(shapes) == 2 else None
        if key is not None:
            origin, line = self._origin(operands[1], site)
            found = shared_update(found, key, names[0], shapes[0], shapes[1], origin, line)
        return self.report(found, raising=False)

    def _origin(self, value, site) -> tuple:
        """The array behind an update's operand (lr * grads[name] → delta2) and the line that made
        it: (None, None) when unknown."""
        if type(value) is not Tracked:
            return None, None
        name, shape, here = value.name, value.shape, (site.file, site.line)
        if value.site is not None and (value.site.file, value.site.line) == here:
            # made on the update's line (lr * grads[name]): its array operand of the same shape
            made = next((r for r in reversed(self.records) if r[3] is value.site and r[7] == name), None)
            if made is None:
                return None, None
            name = next((n for n, s in zip(made[4], made[5]) if s == shape), None)
        made = next((r for r in reversed(self.records)
                     if r[7] == name and (r[3].file, r[3].line) != here), None)
        return name, made[3].line if made is not None else None


_KEYED = re.compile(r"(\w+)\[(\w+)\]")


def _loop_key(site, frame) -> str | None:
    """grads["b1"] for an update written once for all parameters (params[name] -= lr *
    grads[name]), from the index variable's value; None for an update of one parameter."""
    for text in reversed(site.operands):
        match = _KEYED.search(text)
        key = frame.f_locals.get(match.group(2)) if match else None
        if isinstance(key, str):
            return f'{match.group(1)}["{key}"]'
    return None
