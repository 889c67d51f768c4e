"""The hot path of a watch: every operator on a Tracked array arrives here, runs on the plain
arrays exactly as the unwatched code would run it, and is recorded as one tuple:

    (op, kind, symbol, site, input names, input shapes, result shape, result name)

kind is "product", "elementwise", "unary", "reduction", "shape", "index", "inplace" or
"function"; the event dicts of `Recording.events` are built from these tuples only when asked.
The checks cost a comparison of shapes unless something is wrong; problems are built then.
Every line here runs once per operation of the user's code: it is written for speed.
"""

from __future__ import annotations

from .watch_array import Op, Tracked, plain
from .watch_calls import Calls
from .watch_checks import SCALARS, SYMBOLS, describe, shape_of
from .watch_problems import transpose_1d
from .watch_source import _sites, site_of

_UFUNCS: dict = {}
_new = object.__new__


def _ufunc_op(uf) -> Op:
    """A ufunc as an Op, like Python's operators: np.maximum → ("maximum", np.maximum, None)."""
    name = uf.__name__
    kind = "unary" if uf.nin == 1 else "product" if name == "matmul" else "elementwise"
    op = _UFUNCS[uf] = Op(name, uf, SYMBOLS.get(name), kind)
    return op


class Operations(Calls):
    """The operators of a Recording: +, -, *, /, @, comparisons, in place, unary, x.T, and the
    ufuncs of one or two inputs (np.exp, np.maximum), which go the same way."""

    def binary(self, op, left, right, frame):
        """left op right: an operator of Python (+, @, <, ...) or a ufunc of two inputs."""
        if self.closed:
            return op.func(plain(left), plain(right))
        site = _sites.get((id(frame.f_code), frame.f_lasti)) or site_of(frame)
        if type(left) is Tracked:
            a, an, sa, dropped = left.a, left.name, left.shape, left.drop
        else:
            a, dropped = left, None
            an = site.operands[0] if site.operands else describe(a)
            sa = () if type(a) in SCALARS else shape_of(a)
        if type(right) is Tracked:
            b, bn, sb = right.a, right.name, right.shape
            dropped = dropped or right.drop
        else:
            b = right
            bn = site.operands[1] if len(site.operands) > 1 else describe(b)
            sb = () if type(b) in SCALARS else shape_of(b)
        try:
            out = op.func(a, b)
        except ValueError as error:
            raise self._refused(op.name, op.kind, site, frame, (left, right), error) from None
        name = site.name
        if name is None or site.returned:
            name = self._name(site, frame, op.name, (an, bn))
        result = _new(Tracked)  # Tracked(out, name, self, site) at a third of the cost
        result.a, result.name, result.rec, result.site, result.drop = out, name, self, site, None
        result.shape = so = out.shape
        self.records.append((op.name, op.kind, op.symbol, site, (an, bn), (sa, sb), so, name))
        if op.kind == "elementwise" and ((so != sa and sa) or (so != sb and sb)):
            self._spread((left, right), site, (an, bn), (sa, sb), so)
        if dropped is not None:
            self._dropped(result, (left, right), site, (an, bn), (sa, sb))
        if site.grad is not None:
            self._gradient(site, result)
        return result

    def inplace(self, op, target, other, frame):
        """target op= other: numpy writes into the target's own array (W1 -= lr * dW1)."""
        a = target.a
        rt = type(other) is Tracked
        b = other.a if rt else other
        if self.closed:
            out = op.func(a, b)
            return target if out is a else out
        site = _sites.get((id(frame.f_code), frame.f_lasti)) or site_of(frame)
        try:
            out = op.func(a, b)
        except ValueError as error:
            raise self._refused(op.name, "inplace", site, frame, (target, other), error) from None
        result = target if out is a else Tracked(out, target.name, self, site)
        names = (target.name, other.name if rt else site.operands[1] if site.operands else describe(b))
        shapes = (target.shape, other.shape if rt else () if type(b) in SCALARS else shape_of(b))
        self.records.append((op.name, "inplace", op.symbol, site, names, shapes, result.shape, target.name))
        if rt and other.drop is not None:
            self._dropped(result, (target, other), site, names, shapes)
        if site.grad is not None:
            self._gradient(site, result)
        return result

    def unary(self, op, this, frame):
        """-x, abs(x), and ufuncs of one input: np.exp(x), np.tanh(x), np.log(x)."""
        if self.closed:
            return op.func(this.a)
        site = _sites.get((id(frame.f_code), frame.f_lasti)) or site_of(frame)
        out = op.func(this.a)
        name = site.name
        if name is None or site.returned:
            name = self._name(site, frame, op.name, (this.name,))
        result = _new(Tracked)
        result.a, result.name, result.rec, result.site, result.drop = out, name, self, site, None
        result.shape = out.shape
        if this.drop is not None and len(result.shape) == 1:  # -db1 is still db1's vector
            result.drop = this.drop
        self.records.append((op.name, "unary", op.symbol, site, (this.name,), (this.shape,),
                             result.shape, name))
        if site.grad is not None:
            self._gradient(site, result)
        return result

    def ufunc(self, uf, method: str, inputs, kwargs, frame):
        """np.exp(x), np.maximum(0, z), and numpy's operators between a plain array and ours."""
        if method == "__call__" and not kwargs:
            op = _UFUNCS.get(uf) or _ufunc_op(uf)
            if uf.nin == 2:
                return self.binary(op, inputs[0], inputs[1], frame)
            if uf.nin == 1 and uf.nout == 1:
                return self.unary(op, inputs[0], frame)
        return self._ufunc_call(uf, method, inputs, kwargs, frame)

    def transposed(self, this, frame):
        """x.T: a view with the axes reversed, and nothing at all for a vector (transpose_1d)."""
        if self.closed:
            return this.a.T
        site = _sites.get((id(frame.f_code), frame.f_lasti)) or site_of(frame)
        name = site.name
        if name is None or site.returned:
            name = self._name(site, frame, "transpose", (this.name,))
        result = _new(Tracked)
        result.a, result.name, result.rec, result.site, result.drop = this.a.T, name, self, site, this.drop
        result.shape = result.a.shape
        self.records.append(("transpose", "shape", None, site, (this.name,), (this.shape,),
                             result.shape, name))
        if len(this.shape) == 1:
            self.report(transpose_1d(site, site.expr or f"{this.name}.T", this.name, this.shape, this.drop))
        if site.grad is not None:
            self._gradient(site, result)
        return result
