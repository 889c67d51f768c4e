"""numpy's functions and an array's methods on watched arrays: np.sum(x, axis=0), np.where,
np.dot, x.reshape(4, 1), x.max(axis=1, keepdims=True), indexing. Each runs on the plain arrays
with the arguments as given, and is recorded with its operands (graph.watch_ops has the
operators, the hot path).
"""

from __future__ import annotations

from .watch_array import Tracked, plain
from .watch_checks import ARRAYS, SCALARS, SYMBOLS, Checks, describe, shape_of, unnamed
from .watch_problems import Drop, transpose_1d
from .watch_source import _sites, site_of

REDUCTIONS = frozenset({"sum", "mean", "max", "min", "amax", "amin", "prod", "std", "var",
                        "argmax", "argmin", "any", "all", "average", "median", "nansum", "nanmean",
                        "nanmax", "nanmin", "count_nonzero"})
SHAPES = frozenset({"transpose", "reshape", "ravel", "flatten", "squeeze", "swapaxes",
                    "expand_dims", "moveaxis", "atleast_1d", "atleast_2d"})
PRODUCTS = frozenset({"matmul", "dot", "outer", "inner", "vdot", "tensordot"})
KINDS = {**dict.fromkeys(REDUCTIONS, "reduction"), **dict.fromkeys(SHAPES, "shape"),
         **dict.fromkeys(PRODUCTS, "product")}


def _unwrap_all(values: tuple) -> tuple:
    """Arguments with Tracked ones unwrapped; the same tuple when there is none (the usual case)."""
    for v in values:
        if type(v) is Tracked or type(v) in (list, tuple):
            return tuple([_unwrap(v) for v in values])
    return values


def _unwrap_options(options: dict) -> dict:
    for v in options.values():
        if type(v) is Tracked or type(v) in (list, tuple):
            return {k: _unwrap(v) for k, v in options.items()}
    return options


def _unwrap(value):
    """A Tracked as its plain array; lists and tuples of them (np.concatenate's) one level down."""
    if type(value) is Tracked:
        return value.a
    if type(value) in (list, tuple) and any(type(v) is Tracked for v in value):
        return type(value)(plain(v) for v in value)
    return value


def _flat(values) -> list:
    """The array operands among a function's arguments, one level into lists and tuples."""
    out = []
    for value in values:
        if type(value) in (list, tuple):
            out.extend(v for v in value if type(v) is Tracked or isinstance(v, ARRAYS))
        elif type(value) is Tracked or isinstance(value, ARRAYS) or type(value) in SCALARS:
            out.append(value)
    return out


class Calls(Checks):
    """The functions, methods and indexing of a Recording."""

    def _ufunc_call(self, uf, method: str, inputs, kwargs, frame):
        """A ufunc with keywords (out=, where=) or a method of one (np.add.reduce, np.add.outer)."""
        values = [plain(x) for x in inputs]
        given = kwargs.get("out")
        if given is not None:
            kwargs["out"] = tuple(plain(o) for o in given)
        call = uf if method == "__call__" else getattr(uf, method)
        if self.closed:
            return call(*values, **kwargs)
        site = _sites.get((id(frame.f_code), frame.f_lasti)) or site_of(frame)
        op = uf.__name__ if method == "__call__" else f"{uf.__name__}.{method}"
        # W -= lr * dW on a plain W: numpy's in place, said as a tracked W's is: (2×3)−(2×3)
        inplace = (method == "__call__" and uf.nin == 2 and len(kwargs) == 1 and given is not None
                   and len(given) == 1 and given[0] is inputs[0])
        try:
            out = call(*values, **kwargs)
        except ValueError as error:
            kind = "inplace" if inplace else "function"
            raise self._refused(op, kind, site, frame, inputs, error) from None
        if inplace:
            names = self._names(site, inputs)
            self.records.append((op, "inplace", SYMBOLS.get(op), site, names,
                                 tuple([shape_of(v) for v in values]), shape_of(out), names[0]))
            return given[0]
        if given is not None:  # written into the caller's array: return it, as numpy does
            self._record(op, "function", site, frame, inputs, values, out)
            return given[0] if len(given) == 1 else tuple(given)
        if method == "reduce" and len(inputs) == 1:
            return self._single(op, "reduction", inputs[0], values[0], out, site, frame,
                                axis=kwargs.get("axis", 0))
        return self._record(op, "function", site, frame, inputs, values, out)

    def function(self, func, args, kwargs, frame):
        """np.sum(x, axis=0), np.where(mask, x, 0), np.dot(a, b), np.concatenate([a, b]), ..."""
        values = _unwrap_all(args)
        options = _unwrap_options(kwargs) if kwargs else kwargs
        if self.closed:
            return func(*values, **options)
        site = _sites.get((id(frame.f_code), frame.f_lasti)) or site_of(frame)
        op = func.__name__
        kind = KINDS.get(op, "function")
        single = (kind == "reduction" or kind == "shape") and values
        operands = args[:1] if single else _flat(args)
        try:
            out = func(*values, **options)
        except ValueError as error:
            raise self._refused(op, kind, site, frame, operands, error) from None
        if single:
            axis = options.get("axis", values[1] if len(values) > 1 else None)
            return self._single(op, kind, args[0], values[0], out, site, frame, axis=axis)
        return self._record(op, kind, site, frame, operands, [plain(v) for v in operands], out)

    def method(self, op: str, this, args, kwargs, frame):
        """x.sum(axis=0), x.reshape(4, 1), x.dot(W), x.max(axis=1, keepdims=True), ..."""
        a = this.a
        values = _unwrap_all(args) if args else args
        options = _unwrap_options(kwargs) if kwargs else kwargs
        if self.closed:
            return getattr(a, op)(*values, **options)
        site = _sites.get((id(frame.f_code), frame.f_lasti)) or site_of(frame)
        try:
            out = getattr(a, op)(*values, **options)
        except ValueError as error:
            raise self._refused(op, KINDS.get(op, "function"), site, frame, (this, *args), error) from None
        kind = KINDS.get(op, "function")
        if kind == "product" and args:
            return self._record(op, kind, site, frame, (this, args[0]), (a, values[0]), out)
        axis = options.get("axis", values[0] if values else None) if kind == "reduction" else None
        return self._single(op, kind, this, a, out, site, frame, axis=axis)

    def getitem(self, this, key, frame):
        index = _unwrap(key) if type(key) is not tuple else _unwrap_all(key)
        if self.closed:
            return this.a[index]
        site = _sites.get((id(frame.f_code), frame.f_lasti)) or site_of(frame)
        out = this.a[index]
        if not isinstance(out, ARRAYS):
            return out
        keys = key if type(key) is tuple else (key,)
        masks = [k for k in keys if type(k) is Tracked]
        if masks:
            return self._record("getitem", "index", site, frame, (this, *masks),
                                (this.a, *(m.a for m in masks)), out)
        return self._single("getitem", "index", this, this.a, out, site, frame)

    def setitem(self, this, key, value, frame) -> None:
        index = _unwrap(key) if type(key) is not tuple else _unwrap_all(key)
        new = plain(value)
        if self.closed:
            this.a[index] = new
            return
        site = _sites.get((id(frame.f_code), frame.f_lasti)) or site_of(frame)
        try:
            this.a[index] = new
        except ValueError as error:
            raise self._refused("setitem", "index", site, frame, (this, value), error) from None
        names = (this.name, value.name if type(value) is Tracked else
                 site.operands[-1] if site.operands else describe(new))
        self.records.append(("setitem", "index", None, site, names,
                             (this.shape, shape_of(new)), this.shape, this.name))

    # --- recording -----------------------------------------------------------------------------

    def _single(self, op: str, kind: str, this, value, out, site, frame, symbol=None, axis=None):
        """Record an operation of one array (a reduction, a reshape, x.T, np.exp) and wrap its
        result; a reduction that leaves a vector of a matrix marks it (rank_drop), x.T of a
        vector is reported (transpose_1d)."""
        tracked = type(this) is Tracked
        given = this.name if tracked else site.operands[0] if site.operands else describe(value)
        name = site.name
        if name is None or site.returned:
            name = self._name(site, frame, op, (given,))
        shape = this.shape if tracked else shape_of(value)
        if not isinstance(out, ARRAYS):
            self.records.append((op, kind, symbol, site, (given,), (shape,), shape_of(out), name))
            return self._wrap(out, name, site)
        result = Tracked(out, name, self, site)
        out_shape = result.shape
        self.records.append((op, kind, symbol, site, (given,), (shape,), out_shape, name))
        if kind == "reduction":
            if len(out_shape) == 1 and len(shape) == 2 and type(axis) is int:
                kept = list(shape)
                kept[axis] = 1
                result.drop = Drop(site, site.expr or unnamed(op, (given,), site), given, tuple(kept))
        elif op == "transpose" and len(shape) == 1:
            dropped = this.drop if tracked else None
            self.report(transpose_1d(site, site.expr or f"{given}.T", given, shape, dropped))
        if site.grad is not None:
            self._gradient(site, result)
        return result

    def _record(self, op: str, kind: str, site, frame, operands, values, out):
        """Record an operation of several operands (np.where, np.dot, x.dot(W)) and wrap its result."""
        names = self._names(site, operands)
        name = site.name
        if name is None or site.returned:
            name = self._name(site, frame, op, names)
        result = self._wrap(out, name, site)
        if result is out:  # np.shape, np.allclose: no array came out, nothing to record
            return out
        shapes = tuple([shape_of(v) for v in values])
        self.records.append((op, kind, None, site, names, shapes, shape_of(out), name))
        if type(result) is Tracked:
            if kind == "index":  # p[np.arange(k), labels]: a vector as an index picks, it is no rank drop
                this = operands[0]
                if type(this) is Tracked and this.drop is not None and result.a.ndim == 1:
                    result.drop = this.drop
            elif any(type(v) is Tracked and v.drop is not None for v in operands):
                self._dropped(result, operands, site, names, shapes)
            if site.grad is not None:
                self._gradient(site, result)
        return result

    def _wrap(self, out, name: str, site):
        if isinstance(out, ARRAYS):
            return Tracked(out, name, self, site)
        if type(out) in (tuple, list) and any(isinstance(o, ARRAYS) for o in out):
            return type(out)(Tracked(o, f"{name}[{i}]", self, site) if isinstance(o, ARRAYS) else o
                             for i, o in enumerate(out))
        return out

