"""Tracked: a numpy array under watch, a thin wrapper that reports every operation to its
Recording and hands the work to numpy unchanged.

A wrapper rather than an ndarray subclass: Python calls `__add__` on it directly, so watching
costs a function call per operation instead of numpy's subclass machinery (the subclass was
measured at twice the cost on a small network). numpy's own functions reach it through
`__array_ufunc__` (np.exp, np.maximum) and `__array_function__` (np.sum, np.where, np.dot).
Every operation runs on the plain arrays, with the very operator the unwatched code would use,
so results are bit-identical; `.a` is the plain array (or numpy scalar) itself.

Anything not listed here is looked up on the plain array (`x.flags`, `x.strides`): it works,
untracked. A Tracked is not an instance of np.ndarray; `np.asarray(x)` gives the plain array.
"""

from __future__ import annotations

import operator
import sys
from typing import NamedTuple

_getframe = sys._getframe


class Op(NamedTuple):
    """An operator: numpy's name for it, the Python function, the symbol of the shape words,
    and its kind ("elementwise", or "product" for @)."""

    name: str
    func: object
    symbol: str | None
    kind: str = "elementwise"


def _ops(*rows) -> dict[str, Op]:
    return {row[0]: Op(*row[1:], kind="product" if row[1] == "matmul" else "elementwise") for row in rows}


# dunder -> (numpy's name, function, symbol); in-place ones are the operator module's i-versions.
BINARY = _ops(("add", "add", operator.add, "+"), ("sub", "subtract", operator.sub, "−"),
              ("mul", "multiply", operator.mul, "⊙"), ("truediv", "divide", operator.truediv, "/"),
              ("floordiv", "floor_divide", operator.floordiv, "//"), ("mod", "remainder", operator.mod, "%"),
              ("pow", "power", operator.pow, "**"), ("matmul", "matmul", operator.matmul, "·"),
              ("and", "bitwise_and", operator.and_, "&"), ("or", "bitwise_or", operator.or_, "|"),
              ("xor", "bitwise_xor", operator.xor, "^"))
INPLACE = {name: Op(op.name, getattr(operator, f"i{name}"), op.symbol, "inplace")
           for name, op in BINARY.items()}
COMPARE = _ops(("lt", "less", operator.lt, "<"), ("le", "less_equal", operator.le, "≤"),
               ("gt", "greater", operator.gt, ">"), ("ge", "greater_equal", operator.ge, "≥"),
               ("eq", "equal", operator.eq, "=="), ("ne", "not_equal", operator.ne, "≠"))
UNARY = _ops(("neg", "negative", operator.neg, "−"), ("pos", "positive", operator.pos, "+"),
             ("abs", "absolute", operator.abs, "abs"), ("invert", "invert", operator.invert, "~"))
# Methods recorded as operations; the rest are the plain array's own, untracked.
METHODS = ("sum", "mean", "max", "min", "prod", "std", "var", "argmax", "argmin", "any", "all",
           "cumsum", "reshape", "transpose", "flatten", "ravel", "squeeze", "swapaxes", "copy",
           "astype", "clip", "dot", "round", "repeat", "take")


class Tracked:
    """A watched array: `a` the plain array, `name` what the user calls it, `rec` its Recording,
    `site` where it was made (None for an argument), `drop` the reduction that made it a
    vector when that reduction dropped an axis (None otherwise). `shape` is read once: an
    array's shape never changes in place."""

    __slots__ = ("a", "name", "rec", "site", "drop", "shape")
    __hash__ = None  # like an ndarray: == is elementwise

    def __init__(self, a, name: str, rec, site=None, drop=None) -> None:
        self.a, self.name, self.rec, self.site, self.drop = a, name, rec, site, drop
        self.shape = a.shape

    # numpy's entry points
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return self.rec.ufunc(ufunc, method, inputs, kwargs, _getframe(1))

    def __array_function__(self, func, types, args, kwargs):
        return self.rec.function(func, args, kwargs, _getframe(1))

    def __array__(self, dtype=None, copy=None):
        import numpy as np
        return np.array(self.a, dtype=dtype, copy=True) if copy else np.asarray(self.a, dtype=dtype)

    # what an array is
    ndim = property(lambda self: self.a.ndim)
    size = property(lambda self: self.a.size)
    dtype = property(lambda self: self.a.dtype)

    @property
    def T(self):
        return self.rec.transposed(self, _getframe(1))

    def __getattr__(self, name: str):
        if name in Tracked.__slots__:  # not set yet (copying): never ask the plain array
            raise AttributeError(name)
        return getattr(self.a, name)

    def __getitem__(self, key):
        return self.rec.getitem(self, key, _getframe(1))

    def __setitem__(self, key, value) -> None:
        self.rec.setitem(self, key, value, _getframe(1))

    def __iter__(self):
        """The rows, each tracked as name[i] (iterating records no operation)."""
        for i, row in enumerate(self.a):
            yield Tracked(row, f"{self.name}[{i}]", self.rec, self.site)

    def __len__(self) -> int:
        return len(self.a)

    def __bool__(self) -> bool:
        return bool(self.a)

    def __float__(self) -> float:
        return float(self.a)

    def __int__(self) -> int:
        return int(self.a)

    def __index__(self) -> int:
        return operator.index(self.a)

    def __complex__(self) -> complex:
        return complex(self.a)

    def __contains__(self, value) -> bool:
        return value in self.a

    def __repr__(self) -> str:
        return repr(self.a)

    def __str__(self) -> str:
        return str(self.a)

    def __format__(self, spec: str) -> str:
        return format(self.a, spec)

    def __copy__(self):
        return Tracked(self.a.copy(), self.name, self.rec, self.site, self.drop)

    def __deepcopy__(self, memo):
        return self.__copy__()

    def __reduce__(self):
        return self.a.__reduce__()  # pickles (and unpickles) as the plain array


def _binary(op: Op):
    def forward(self, other):
        return self.rec.binary(op, self, other, _getframe(1))

    def reflected(self, other):
        return self.rec.binary(op, other, self, _getframe(1))
    return forward, reflected


def _inplace(op: Op):
    def inplace(self, other):
        return self.rec.inplace(op, self, other, _getframe(1))
    return inplace


def _unary(op: Op):
    def unary(self):
        return self.rec.unary(op, self, _getframe(1))
    return unary


def _method(name: str):
    def method(self, *args, **kwargs):
        return self.rec.method(name, self, args, kwargs, _getframe(1))
    method.__name__ = name
    return method


for _name, _op in BINARY.items():
    _forward, _reflected = _binary(_op)
    setattr(Tracked, f"__{_name}__", _forward)
    setattr(Tracked, f"__r{_name}__", _reflected)
    setattr(Tracked, f"__i{_name}__", _inplace(INPLACE[_name]))
for _name, _op in COMPARE.items():
    setattr(Tracked, f"__{_name}__", _binary(_op)[0])
for _name, _op in UNARY.items():
    setattr(Tracked, f"__{_name}__", _unary(_op))
for _name in METHODS:
    setattr(Tracked, _name, _method(_name))


def plain(value):
    """The plain array of a Tracked, anything else unchanged."""
    return value.a if type(value) is Tracked else value
