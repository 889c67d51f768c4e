"""The sentences of refusal: why operands do not fit a gate, and the fix most likely to help.

Each function returns the ShapeError a gate raises from its `output_shape`; the gates stay
short and read like their equations, and every message is written here, once.
"""

from __future__ import annotations

import numpy as np

from .notation import transposed
from .shapes import (
    Shape,
    ShapeError,
    broadcast_to,
    format_shape,
    gradient_fix,
    matmul_fixes,
    numpy_broadcast,
    same_shape_fix,
    substitute,
    transpose,
)


def matmul(gate, a: Shape, b: Shape) -> ShapeError:
    """A matrix product whose inner sizes differ, or whose operands are not two matrices."""
    A, B = gate.input_labels
    fixes = matmul_fixes(A, a, B, b)
    if len(a) != 2 or len(b) != 2:
        problem = "a matrix product needs two matrices (2-D arrays)."
    else:
        problem = f"inner sizes {a[1]} and {b[0]} differ."
    return gate.shape_error(problem, (a, b), "(n×m)·(m×p) → n×p: the inner sizes must be equal",
                            fixes[0] if fixes else None)


def sum_of(gate, a: Shape, b: Shape) -> ShapeError:
    """A sum whose operands neither match nor broadcast visibly (a row bias over a batch)."""
    rule = "equal shapes, or one operand with size 1 along the axes it is repeated over"
    A, B = gate.input_labels
    if len(a) != len(b):
        vector, matrix, label = (a, b, A) if len(a) < len(b) else (b, a, B)
        shaped = _visible_broadcast(tuple(vector), tuple(matrix))
        fix = f"Reshape {label} to {shaped} so that it is broadcast visibly." if shaped else None
        return gate.shape_error("they have different numbers of axes.", (a, b), rule, fix)
    fix = None
    if len(a) == 2 and broadcast_to(transpose(b), a):
        fix = f"Did you mean {transposed(B)} ({format_shape(transpose(b))})?"
    elif len(a) == 2 and broadcast_to(transpose(a), b):
        fix = f"Did you mean {transposed(A)} ({format_shape(transpose(a))})?"
    grown = numpy_broadcast(a, b)
    if grown is not None:
        problem = (f"numpy would broadcast them to {format_shape(grown)}, larger than both "
                   f"operands: a sum that silently grows a matrix is a bug, not a bias.")
    else:
        problem = "their sizes differ along an axis where neither is 1."
    return gate.shape_error(problem, (a, b), rule, fix)


def _visible_broadcast(vector: Shape, matrix: Shape) -> Shape | None:
    """The shape that spreads `vector` over `matrix` visibly: a row bias 1×m in the rows
    convention, a column m×1 in the columns convention, 1×F×1×1 for an image's channels."""
    row = (1,) * (len(matrix) - len(vector)) + vector
    column = vector + (1,) * (len(matrix) - len(vector))
    candidates = [row, column]
    if len(vector) == 1 and len(matrix) == 4:
        candidates.insert(0, (1, vector[0], 1, 1))
    return next((s for s in candidates if broadcast_to(s, matrix)), None)


def elementwise_pair(gate, a: Shape, b: Shape) -> ShapeError:
    """An elementwise product of two different shapes."""
    A, B = gate.input_labels
    return gate.shape_error("an elementwise product needs equal shapes.", (a, b),
                            "A ⊙ B needs A and B of one shape", same_shape_fix(A, a, B, b))


def loss_pair(gate, yhat: Shape, y: Shape) -> ShapeError:
    """A prediction and a target of different shapes: the silent (4,) − (4, 1) trap, named."""
    A, B = gate.input_labels
    problem = "a loss compares them element by element, so their shapes must be equal."
    grown = numpy_broadcast(yhat, y)
    if grown is not None and grown not in (tuple(yhat), tuple(y)):
        # The trap: no error from numpy, just a plausible wrong number.
        problem += (f" numpy would silently broadcast {A} − {B} into a {format_shape(grown)} "
                    f"matrix and average differences of every prediction with every target.")
    return gate.shape_error(problem, (yhat, y), "ŷ and y of one shape", same_shape_fix(A, yhat, B, y))


def class_axis(gate, z: Shape, axis: int) -> ShapeError:
    """A softmax (or cross-entropy) whose class axis the input does not have, or has of size 1."""
    if len(z) == 0 or not -len(z) <= axis < len(z):
        return gate.shape_error(f"softmax runs along axis {axis}, which a {len(z)}-axis input "
                                f"does not have.", (z,), "softmax normalises along an axis",
                                "Use axis=-1 (one observation per row) or axis=0 (per column).")
    return gate.shape_error(
        f"there is only one class along axis {axis}: softmax of one class is always 1, so J is "
        f"0 and every gradient is 0.", (z,), "two or more classes",
        "Give the output layer two or more units (one per class), or use mse for one output.")


# --- the graph's refusals: data that does not fit what the graph declared ------------------------

def input_shape(label: str, actual: Shape, declared: Shape, symbols: dict, *, feeds_loss: bool,
                fix: str | None) -> ShapeError:
    """An input whose shape is not the one it was declared with (k bound by an earlier input)."""
    expected = substitute(declared, symbols)
    bound = ", ".join(f"{s} = {v}" for s, v in symbols.items())
    problem = (f"{label} is {format_shape(actual)} but the graph expects {format_shape(declared)}"
               + (f" ({bound})" if bound else "") + ".")
    if len(actual) == 1 and len(expected) == 2 and expected[1] == 1 and feeds_loss:
        problem += (f" A vector {format_shape(actual)} where a column is expected is the silent "
                    f"broadcast trap: numpy would turn ŷ − {label} into a "
                    f"{format_shape((actual[0], actual[0]))} matrix of wrong differences.")
    return ShapeError(problem, gate="input", operands=[(label, actual), ("expected", declared)],
                      rule="every input has the shape it was declared with", fix=fix)


def gradient_shape(gate: str, label: str, want: Shape, got: Shape | None) -> ShapeError:
    """A user's gate whose backward returned a gradient of the wrong shape (or none)."""
    if got is None:
        return ShapeError(f"backward returned None for dJ/d{label}, which is needed.", gate=gate,
                          operands=[(f"dJ/d{label}", ()), (label, want)],
                          rule="each gradient has its input's shape")
    problem = (f"backward returned dJ/d{label} as {format_shape(got)}, but {label} is "
               f"{format_shape(want)}: a gradient has exactly its input's shape.")
    if numpy_broadcast(want, got) == tuple(got):
        # The trap: numpy raises nothing, the update just grows the parameter.
        problem += (f" numpy would not object: {label} − λ·dJ/d{label} would silently grow "
                    f"{label} into a {format_shape(got)} matrix.")
    return ShapeError(problem, gate=gate, operands=[(f"dJ/d{label}", got), (label, want)],
                      rule="each gradient has its input's shape", fix=gradient_fix(label, want, got))


def parameter_shape(name: str, label: str, old: Shape, new: Shape) -> ShapeError:
    """A new value for a parameter whose shape is not the parameter's."""
    if tuple(new) == transpose(old):
        fix = f"The new value looks transposed: assign its .T ({format_shape(old)})."
    else:
        fix = f"Assign an array of shape {tuple(old)}."
    return ShapeError(f"{label} is {format_shape(old)} but the new value is {format_shape(new)}; a "
                      f"parameter keeps its shape.", gate=f"params[{name!r}]", fix=fix,
                      operands=[(label, old), ("new value", new)])


def not_finite(what: str, name: str, array) -> ValueError:
    """NaN or inf in an array: which array, the first bad index and its value."""
    index = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
    value = array[index]
    where = f"{name}[{', '.join(map(str, index))}]" if index else name
    return ValueError(f"{what} {name} holds {value} at {where}: every number must be finite. "
                      f"Check how {name} was made (a division by zero, a log of 0, a learning "
                      f"rate so large that the weights overflowed).")


def writes_shared_array(gate: str, node: str, phase: str, error: Exception) -> ValueError:
    """A user's gate that wrote into an array the graph shares (an input, a weight, top_diff)."""
    what = "its inputs" if phase == "forward" else "top_diff or a kept input"
    return ValueError(f"{gate} {node}: {phase} wrote into {what}, which the graph shares with other "
                      f"gates ({error}). Compute a new array instead: z = z * mask, not z *= mask.")
