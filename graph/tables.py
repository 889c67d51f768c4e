"""The engine's tables and the checks on what enters them.

g.params (Params): the learned arrays, assigned by copying into them; g.values and g.grads
(ReadOnly): what the engine computed, readable by everyone; and the small checks on numbers
that arrive: finite, a real learning rate, a declared shape.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, MutableMapping

import numpy as np

from gates import refusals
from gates.base import as_float_array
from gates.shapes import Shape, format_shape


def is_finite(array: np.ndarray) -> bool:
    # A sum is finite when every element is (one pass, no temporary array); only when it is not
    # is the exact test needed, since finite numbers can also overflow a sum.
    return math.isfinite(np.add.reduce(array, axis=None)) or bool(np.isfinite(array).all())


def first_not_finite(arrays: dict[str, np.ndarray]) -> str | None:
    """The name of the first array holding NaN or inf, or None: one sum of sums when all is well."""
    total = 0.0
    for array in arrays.values():
        total += np.add.reduce(array, axis=None)
    if math.isfinite(total):
        return None
    return next((name for name, array in arrays.items() if not is_finite(array)), None)


def placeholder(shape: Shape) -> np.ndarray:
    """A parameter of this shape that holds no numbers and allocates nothing (a zero-stride,
    read-only view of one 0.0): enough for shapes, summaries and diagrams of a huge network."""
    return np.broadcast_to(np.float64(0.0), tuple(shape))


def is_placeholder(array: np.ndarray) -> bool:
    return array.size > 1 and not array.flags.writeable and not any(array.strides)


class ReadOnly(Mapping):
    """A table the engine fills (g.values, g.grads): readable by everyone, written by the engine."""

    def __init__(self, table: dict, what: str, how: str) -> None:
        self._table, self._what, self._how = table, what, how

    def __getitem__(self, name: str):
        return self._table[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def __setitem__(self, name, value) -> None:
        raise TypeError(f"{self._what} is what the engine computed and cannot be assigned; "
                        f"{self._how}")

    def __repr__(self) -> str:
        return f"{{{', '.join(f'{n!r}: {format_shape(np.shape(v))}' for n, v in self._table.items())}}}"


class Params(MutableMapping):
    """The graph's parameters by name. Assigning copies the numbers into the parameter's own
    array (which a user may hold: it stays the live parameter); the shape never changes."""

    def __init__(self, graph) -> None:  # graph: the Engine these parameters belong to
        self._graph = graph
        self._arrays: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        return self._arrays[name]

    def __setitem__(self, name: str, value) -> None:
        if name not in self._arrays:
            known = ", ".join(self._arrays) or "none"
            raise KeyError(f"{name!r} is not a parameter of this graph (its parameters: {known}); "
                           f"add one with graph.param(name, value)")
        new = as_float_array(value, name, "params")
        old = self._arrays[name]
        if new.shape != old.shape:
            raise refusals.parameter_shape(name, self._graph.nodes[name].label, old.shape, new.shape)
        if old.flags.writeable:
            old[...] = new
        else:  # a placeholder of a graph built with allocate=False: now it gets real numbers
            self._graph._set_param(name, np.array(new, dtype=np.float64, order="C"))

    def __delitem__(self, name: str) -> None:
        raise TypeError("parameters cannot be removed from a graph")

    def __iter__(self) -> Iterator[str]:
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)

    def __repr__(self) -> str:
        return "Params(" + ", ".join(f"{n}: {format_shape(a.shape)}" for n, a in self._arrays.items()) + ")"


def check_lr(lr) -> float:
    """The learning rate as a float, or a ValueError before anything is changed."""
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.integer, np.floating)) \
            or not math.isfinite(lr):
        raise ValueError(f"the learning rate must be a finite real number such as 0.1; got {lr!r}")
    return float(lr)


def declared_shape(name: str, shape) -> Shape:
    """A declared shape: each size a whole number ≥ 1 or a symbol such as "k"."""
    try:
        if isinstance(shape, str):
            raise TypeError
        dims = tuple(shape)
    except TypeError:
        raise TypeError(f"input {name!r}: a shape is a tuple of sizes such as ('k', 2); "
                        f"got {shape!r}") from None
    for dim in dims:
        symbol = isinstance(dim, str) and dim[:1].isalpha()
        whole = isinstance(dim, (int, np.integer)) and not isinstance(dim, bool) and dim >= 1
        if not (symbol or whole):
            raise ValueError(f"input {name!r}: {dim!r} in {shape!r} is not a size; each size is a "
                             f"whole number ≥ 1 or a symbol such as 'k' (the batch)")
    return tuple(int(d) if not isinstance(d, str) else d for d in dims)
