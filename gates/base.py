"""The gate contract: forward keeps what backward needs; backward is top_diff × local_diff.

A gate is one operation and its local derivative. `forward(*inputs)` returns the output;
`backward(top_diff)` returns one gradient per input, each of exactly that input's shape.
A gate also states how its output shape follows from its input shapes (`output_shape`), for
concrete shapes (4, 3) and symbolic ones ("k", 3) alike, and carries the words the tracer
prints (`words`, see gates.words).

A built-in gate's forward begins with `self.accept(...)`: the inputs become float64 arrays and
their shapes are checked against `output_shape` (ShapeError if they do not fit). A graph does
the same check for every gate, a user's included, before data flows through it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from .shapes import Shape, ShapeError, format_shape
from .words import Words, fill

FLOAT64 = np.dtype(np.float64)


def as_float_array(value, name: str, owner: str) -> np.ndarray:
    """`value` as a float64 array: ints, bools and other floats are converted, others refused."""
    if type(value) is np.ndarray and value.dtype == np.float64:
        return value
    if isinstance(value, np.matrix):
        # np.matrix makes * a matrix product: every elementwise rule would silently change.
        raise TypeError(f"{owner}: {name} is an np.matrix, whose * is a matrix product; pass "
                        f"np.asarray({name}) instead.")
    array = np.asarray(value)
    if array.dtype.kind in "biuf":
        # float64 throughout: a float32 input would quietly make every gradient float32 and
        # the finite-difference checks of a teaching tool meaningless past 7 digits.
        return array.astype(np.float64)
    raise TypeError(f"{owner}: {name} must be an array of real numbers; got dtype {array.dtype}. "
                    f"Convert it with np.asarray({name}, dtype=float).")


class Gate:
    """Base class of every gate; subclass it to write your own.

    Set `kind` (the name printed, e.g. "mulGate") and `inputs` (the operands' default names),
    then write `forward` and `backward`. Write `output_shape` too so that the shapes of a graph
    are checked before any data flows; without it the graph checks the output of forward.
    """

    kind: ClassVar[str] = "gate"
    inputs: ClassVar[tuple[str, ...]] = ("x",)
    words: ClassVar[Words] = Words()

    def __init__(self) -> None:
        self.node: str | None = None
        self.input_labels: tuple[str, ...] = self.inputs
        self.output_label: str = "out"
        self._accepted_shapes: tuple | None = None

    # --- the contract ------------------------------------------------------------------------

    def output_shape(self, *shapes: Shape) -> Shape | None:
        """The output's shape for these input shapes; ShapeError if they do not fit.

        None means the gate states no rule: the graph then learns the shape from forward.
        """
        return None

    def forward(self, *inputs: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must define forward")

    def backward(self, top_diff: np.ndarray) -> tuple:
        raise NotImplementedError(f"{type(self).__name__} must define backward")

    # --- checking ------------------------------------------------------------------------------

    def accept(self, *inputs) -> tuple[np.ndarray, ...]:
        """The inputs as float64 arrays, their shapes checked by `output_shape` (once per shape)."""
        if len(inputs) != len(self.inputs):
            raise TypeError(f"{self.kind}.forward takes {len(self.inputs)} inputs "
                            f"({', '.join(self.inputs)}); got {len(inputs)}")
        arrays = inputs
        for x in inputs:
            if type(x) is not np.ndarray or x.dtype is not FLOAT64:
                arrays = tuple(as_float_array(x, label, self.kind)
                               for x, label in zip(inputs, self.input_labels))
                break
        shapes = tuple([a.shape for a in arrays])
        if shapes != self._accepted_shapes:
            self.output_shape(*shapes)
            self._accepted_shapes = shapes
        return arrays

    def bind(self, node: str, input_labels: Sequence[str], output_label: str) -> None:
        """Called by a Graph: the labels this gate's operands have there, for messages and traces."""
        if len(input_labels) != len(self.inputs):
            raise TypeError(f"{self.kind} {node}: takes {len(self.inputs)} inputs "
                            f"({', '.join(self.inputs)}), got {len(input_labels)}: "
                            f"{', '.join(input_labels)}")
        self.node = node
        self.input_labels = tuple(input_labels)
        self.output_label = output_label

    def shape_error(self, problem: str, shapes: Sequence[Shape], rule: str,
                    fix: str | None = None) -> ShapeError:
        """A ShapeError naming this gate, its node and every operand with its shape."""
        operands = list(zip(self.input_labels, shapes))
        described = " and ".join(f"{label} is {format_shape(shape)}" for label, shape in operands)
        return ShapeError(f"{described}; {problem}", gate=self.kind, node=self.node,
                          operands=operands, rule=rule, fix=fix)

    # --- the words the tracer prints -----------------------------------------------------------
    # Each fills a template of `words` with the operands' labels or shapes (ints or symbols).

    def word_fields(self, shapes: Sequence[Shape]) -> dict:
        """Extra fields for this gate's templates, e.g. n, the number of elements a mean divides by."""
        return {}

    def _fill(self, template: str, operands: Sequence, shapes: Sequence[Shape], **fields) -> str:
        named = dict(zip(self.inputs, operands))
        return fill(template, tuple(operands), {**named, **self.word_fields(shapes), **fields})

    def formula(self, shapes: Sequence[Shape] = ()) -> str:
        """How the output is made from the inputs, e.g. X·W¹."""
        if self.words.formula is None:
            return f"{self.kind}({', '.join(self.input_labels)})"
        return self._fill(self.words.formula, self.input_labels, shapes)

    def arithmetic(self, shapes: Sequence[Shape], out: Shape) -> str:
        """The forward shape arithmetic, e.g. (4×2)·(2×3) → 4×3."""
        shapes = [tuple(s) for s in shapes]
        if self.words.arithmetic is None:
            return f"{', '.join(format_shape(s) for s in shapes)} → {format_shape(out)}"
        return self._fill(self.words.arithmetic, shapes, shapes, out=tuple(out))

    def note(self, shapes: Sequence[Shape]) -> str | None:
        """A remark on the forward step worth printing, e.g. a broadcast."""
        return None

    def local_diff(self, i: int, shapes: Sequence[Shape]) -> str:
        """What top_diff is multiplied by to give the gradient of input i, e.g. · W²ᵀ."""
        if self.words.local_diff is None:
            return f"× d{self.output_label}/d{self.input_labels[i]}"
        return self._fill(self.words.local_diff[i], self.input_labels, shapes)

    def grad_formula(self, i: int, top: str, shapes: Sequence[Shape]) -> str:
        """The gradient of input i as an expression in top_diff, e.g. a²ᵀ · δ³."""
        if self.words.grad_formula is None:
            return f"{top} {self.local_diff(i, shapes)}"
        return self._fill(self.words.grad_formula[i], self.input_labels, shapes, top=top)

    def grad_arithmetic(self, i: int, shapes: Sequence[Shape], top: Shape) -> str:
        """The backward shape arithmetic for input i, e.g. (3×4)·(4×1) → 3×1."""
        shapes = [tuple(s) for s in shapes]
        if self.words.grad_arithmetic is None:
            return f"{format_shape(top)} → {format_shape(shapes[i])}"
        return self._fill(self.words.grad_arithmetic[i], shapes, shapes, top=tuple(top))

    def explain(self) -> str:
        """The rule of this gate in one sentence, for teaching."""
        return fill(self.words.rule, (), {"kind": self.kind})

    def __repr__(self) -> str:
        where = f" {self.node}" if self.node else ""
        return f"<{self.kind}{where}>"


__all__ = ["Gate", "ShapeError", "as_float_array"]
