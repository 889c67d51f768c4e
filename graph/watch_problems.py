"""The problems a watch names in users' numpy code, each with its line, names, shapes and fix.

    broadcast_trap  error    an elementwise result larger than both operands: (4,) − (4, 1) → 4×4
    grad_shape      error    a gradient whose shape differs from its parameter's
    shape_mismatch  error    an operation numpy refuses, said with the operands' names
    transpose_1d    warning  .T on a 1-D array, which does nothing
    rank_drop       warning  a reduction without keepdims whose vector meets a matrix later

The sentences of the fixes are gates.shapes' (matmul_fixes, same_shape_fix, gradient_fix), in
numpy's spelling: W2.T rather than W2ᵀ, @ rather than ·.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from gates.shapes import ShapeError, format_shape, gradient_fix, matmul_fixes, numpy_broadcast, same_shape_fix

ATOM = re.compile(r"[\w.]*")  # names, attributes, calls, subscripts: no operator outside brackets
MATMUL_RULE = "(n×m)·(m×p) → n×p: the inner sizes must be equal"
BROADCAST_RULE = ("numpy lines shapes up from the right; on each axis the sizes must be equal or "
                  "one of them 1")


class Drop(NamedTuple):
    """A reduction that dropped an axis: where, its text, what it reduced, the shape kept with
    keepdims=True. A vector carries it until it meets a matrix (rank_drop)."""

    site: object
    expr: str
    reduced: str
    kept: tuple

    @property
    def line(self) -> int:
        return self.site.line


def problem(kind: str, severity: str, site, names, shapes, message: str, fix: str | None) -> dict:
    """One finding, as `Watch.problems` lists it (JSON-ready)."""
    return {"kind": kind, "severity": severity, "line": site.line if site else None,
            "source": site.source if site else "", "message": message, "fix": fix,
            "names": list(names), "shapes": [list(s) for s in shapes],
            "file": site.file if site else None, "function": site.function if site else None}


def as_error(found: dict, events: list, earlier: list | None = None) -> ShapeError:
    """The ShapeError of a problem: the line, what is wrong, the fix; the events so far. An
    earlier error is named too: a refused product is often where a silent broadcast surfaces."""
    where = f"line {found['line']}" if found["line"] else "watched code"
    cause = next((p for p in earlier or () if p is not found and p["severity"] == "error"), None)
    since = (f" This follows an earlier problem, at line {cause['line']}: {cause['message']}"
             if cause else "")
    return ShapeError(f"{where}: {found['message']}{since}", operands=zip(found["names"], found["shapes"]),
                      rule=found.get("rule"), fix=found["fix"], events=events)


def label(name: str) -> str:
    """A name as an operand of a fix: `a - y` needs parentheses to be transposed; W2, a.T,
    grads["W2"] and h.sum(axis=1) do not (what is inside brackets does not count)."""
    depth, outside = 0, []
    for ch in name:
        depth += ch in "([{"
        if depth == 0:
            outside.append(ch)
        depth -= ch in ")]}"
    return name if ATOM.fullmatch("".join(outside)) else f"({name})"


def numpy_words(text: str | None) -> str | None:
    """gates' notation in numpy's spelling: W2ᵀ → W2.T, A·B → A @ B."""
    if text is None:
        return None
    return text.replace("ᵀ", ".T").replace("·", " @ ")


def _is(names, shapes) -> str:
    return " and ".join(f"{n} is {format_shape(s)}" for n, s in zip(names, shapes))


# --- the checks ----------------------------------------------------------------------------------

def broadcast_trap(site, expr: str, names, shapes, out: tuple) -> dict | None:
    """An elementwise result larger than both operands, or None when it is not a trap.

    Same number of entries, e.g. (4,) against (4, 1) or a 1×4 row against a 4×1 column: the same
    values in two orientations, so every pair is combined: an error. Operands that already have
    the result's axes and different sizes (x[:, None] − y[None, :]) say the outer broadcast out
    loud: not reported. Any other growth is a warning: probably meant, better written out.
    """
    a, b = shapes
    size_a, size_b = _size(a), _size(b)
    if len(a) == len(b) == len(out) and size_a != size_b:
        return None
    severity = "error" if size_a == size_b else "warning"
    A, B = names
    message = (f"{expr}: {_is(names, shapes)}; numpy broadcasts them to {format_shape(out)}, "
               f"larger than both, combining every entry of one with every entry of the other.")
    fix = numpy_words(same_shape_fix(label(A), a, label(B), b))
    if fix is None:
        fix = (f"Give {A} and {B} the same shape to combine them entry by entry; for every pair, "
               f"write the new axes explicitly ({label(A)}[:, None] with {label(B)}[None, :]).")
    return problem("broadcast_trap", severity, site, names, shapes, message, fix)


def grad_shape(site, grad: str, param: str, got: tuple, want: tuple, reduced: str | None,
               spread: set) -> dict:
    """A gradient whose shape is not its parameter's. reduced: what a reduction summed, if one
    made it; spread: the axes the parameter was broadcast along in forward (b1 over the rows)."""
    message = (f"{grad} is {format_shape(got)} but {param} is {format_shape(want)}: a gradient has "
               f"its parameter's shape, one partial derivative per entry, for the update to "
               f"subtract entry by entry.")
    fix = gradient_fix(param, want, got)
    summable = len(want) == len(got) and all(w == g or w == 1 for w, g in zip(want, got))
    summed = {axis for axis, (w, g) in enumerate(zip(want, got)) if w == 1 and g != 1}
    if summable and not summed <= spread:
        fix = None  # "summed over the broadcast axis" only for an axis forward broadcast it along
    if fix is None:
        fix = (f"{grad} must be {format_shape(want)}, the shape of {param}: one of the arrays it is "
               f"computed from has the wrong shape.")
    fix = numpy_words(fix.replace("top_diff", label(reduced or grad)))
    return problem("grad_shape", "error", site, (grad, param), (got, want), message, fix)


def transpose_1d(site, expr: str, name: str, shape: tuple, dropped=None) -> dict:
    """`.T` of a 1-D array: the same vector back."""
    n = shape[0]
    message = (f"{expr}: {name} is {format_shape(shape)}, a 1-D array; .T does nothing (a vector "
               f"has no rows and columns to swap).")
    fix = (f"Make {name} a column first, {label(name)}.reshape(-1, 1) ({n}×1), or a row, "
           f"{label(name)}.reshape(1, -1) (1×{n}).")
    if dropped is not None:
        fix += f" Or keep the axis where it was lost: {keepdims(dropped.expr)} at line {dropped.line}."
    return problem("transpose_1d", "warning", site, (name,), (shape,), message, fix)


def rank_drop(dropped, name: str, shape: tuple, site, other: str, other_shape: tuple) -> dict:
    """A reduction's vector (dropped: the Drop it carries) combined with a matrix at `site`."""
    if dropped.kept[0] == 1:  # reduced over the rows: numpy's alignment happens to be the meant one
        why = "here that is the pairing meant, by numpy's rule rather than by the shape"
    else:
        why = (f"its {shape[0]} values, one per row, land along the columns instead: the wrong "
               f"pairing, and silent whenever the sizes happen to match")
    message = (f"{dropped.expr} drops an axis: {name} is {format_shape(shape)}, and line "
               f"{site.line} combines it with {other} ({format_shape(other_shape)}). numpy lines a "
               f"vector up with the last axis; {why}.")
    fix = f"Keep the axis: {keepdims(dropped.expr)} gives {format_shape(dropped.kept)}."
    return problem("rank_drop", "warning", dropped.site, (name, other), (shape, other_shape), message, fix)


def keepdims(expr: str) -> str:
    """The reduction with keepdims=True: np.sum(dz, axis=0) → np.sum(dz, axis=0, keepdims=True)."""
    if expr.endswith("()"):
        return expr[:-1] + "keepdims=True)"
    return expr[:-1] + ", keepdims=True)" if expr.endswith(")") else f"{expr} with keepdims=True"


# --- what numpy refuses --------------------------------------------------------------------------

def refusal(op: str, site, expr: str, names, shapes, error: Exception, *, inplace: bool = False,
            dropped=None) -> dict:
    """shape_mismatch: the operation numpy refused, by name and shape, with the likely fix."""
    rule, fix = None, None
    if op in ("matmul", "dot") and len(shapes) == 2:
        message, fix = _product(expr, names, shapes)
        rule = MATMUL_RULE
    elif len(shapes) == 2 and numpy_broadcast(*shapes) is None:
        message = (f"{expr}: {_is(names, shapes)}; numpy cannot broadcast them: their sizes differ "
                   f"on an axis where neither is 1.")
        rule = BROADCAST_RULE
        fix = numpy_words(same_shape_fix(label(names[0]), shapes[0], label(names[1]), shapes[1]))
        fix = fix or _column_fix(names, shapes)
    elif inplace and len(shapes) == 2:
        grown = numpy_broadcast(*shapes)
        message = (f"{expr}: {_is(names, shapes)}; the result would be {format_shape(grown)}, but "
                   f"an in-place update keeps {names[0]}'s shape.")
        # the operand's own shape, not the grown one: 1×3 is W2 (3×1) transposed, never to be summed
        fix = gradient_fix(names[0], shapes[0], shapes[1])
        fix = numpy_words(fix.replace("top_diff", label(names[1]))) if fix else None
    else:
        message = f"{expr}: {_is(names, shapes)}; numpy refuses: {error}."
    if dropped is not None:
        fix = (f"{dropped.expr} at line {dropped.line} dropped an axis: "
               f"{keepdims(dropped.expr)} keeps it {format_shape(dropped.kept)}.")
    found = problem("shape_mismatch", "error", site, names, shapes, message, fix)
    found["rule"] = rule
    return found


def shared_update(found: dict, key: str, param: str, want: tuple, got: tuple, origin: str | None,
                  line: int | None) -> dict:
    """A loop's update (params[name] -= lr * grads[name]) refused for one parameter: the fix
    belongs where that gradient is made, never on the shared line, which updates every parameter.
    key: the gradient by its dict key (grads["b1"]); origin: the array it holds and its line."""
    made = f"{origin}, made at line {line}" if origin and line else origin or "computed earlier"
    found["message"] = (f"{found['message']} {key} ({made}) is {format_shape(got)} but {param} is "
                        f"{format_shape(want)}.")
    where = " where it is made (not on this line, which updates every parameter)"
    axes = tuple(a for a, (w, g) in enumerate(zip(want, got)) if w == 1 and g != 1)
    if len(want) == 2 and got == (want[1], want[0]) and want != got:
        fix = f"{key} is transposed ({format_shape(got)} for {format_shape(want)}): fix it{where}."
    elif len(want) == len(got) and axes and all(w == g or w == 1 for w, g in zip(want, got)):
        axis = axes[0] if len(axes) == 1 else axes
        total = f"{label(origin or key)}.sum(axis={axis}, keepdims=True)"
        fix = (f"Sum {key} over the axis {param} was broadcast along{where}: "
               f"{key} = {total} ({format_shape(want)}).")
    else:
        fix = f"{key} must be {format_shape(want)}, the shape of {param}: fix it{where}."
    found["fix"] = fix
    return found


def _column_fix(names, shapes) -> str | None:
    """A vector (4,) against a matrix with 4 rows (4×3): numpy lines it up with the columns; as
    a column, 4×1, it meets each row."""
    pairs = list(zip(names, shapes))
    for (v, vs), (m, ms) in (pairs, pairs[::-1]):
        if len(vs) == 1 and len(ms) == 2 and vs[0] == ms[0]:
            return (f"Reshape {v} to ({vs[0]}, 1) (e.g. {label(v)}.reshape({vs[0]}, 1)): one value "
                    f"per row of {m}, repeated along its {ms[1]} columns.")
    return None


def _product(expr: str, names, shapes) -> tuple[str, str | None]:
    (A, B), (a, b) = names, shapes
    if len(a) == 2 and len(b) == 2:
        message = f"{expr}: {_is(names, shapes)}; inner sizes {a[1]} and {b[0]} differ."
    else:
        message = f"{expr}: {_is(names, shapes)}; their sizes do not meet in a matrix product."
    fixes = matmul_fixes(label(A), a, label(B), b)
    return message, numpy_words(fixes[0]) if fixes else None


def _size(shape: tuple) -> int:
    size = 1
    for d in shape:
        size *= d
    return size
