"""The gate contract: forward keeps what backward needs; backward is top_diff × local_diff.

A gate is one operation and its local derivative. `forward(*inputs)` returns the output;
`backward(top_diff)` returns one gradient per input, each of exactly that input's shape.
A gate also states how its output shape follows from its input shapes (`output_shape`), for
concrete shapes (4, 3) and symbolic ones ("k", 3) alike, and carries the words the tracer prints.

Every subclass's `forward` is checked: inputs become float arrays (an int array is converted)
and their shapes must fit `output_shape`, else ShapeError. The unchecked body stays reachable as
`compute_forward`; a Graph, which has proven the shapes of the whole network once, calls that.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from .shapes import Shape, ShapeError, format_shape


def as_float_array(value, name: str, owner: str) -> np.ndarray:
    """`value` as a float64 array: ints, bools and other floats are converted, others refused."""
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        return value
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
    # True for the gates of this package, whose gradient shapes are proven by the tests; a
    # user's gate (a subclass of a built-in one included) has its gradients checked by the graph.
    builtin: ClassVar[bool] = False
    # The results this gate writes into kept arrays when a Graph provides them: "out" (forward's
    # result) and/or "grads" (the gradients of its inputs). Empty: always new arrays.
    kept: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.node: str | None = None
        self.input_names: tuple[str, ...] = self.inputs
        self.input_labels: tuple[str, ...] = self.inputs
        self.output_label: str = "out"
        # Which inputs need a gradient; a graph clears the flag of inputs nothing learns from
        # (dJ/dX is a quarter of an MLP's matrix products and nobody uses it).
        self.needs_grad: tuple[bool, ...] = (True,) * len(self.inputs)
        self._accepted_shapes: tuple | None = None
        # Where results go (numpy's out=): forward's into `out`, dJ/d(input i) into
        # `grad_outs[i]`; None means a new array on every call. A Graph, once the shapes are
        # proven, gives its built-in gates arrays to keep (those named in `kept`), so that a
        # training step allocates no new arrays: in a large network that is a tenth of the time.
        self.out: np.ndarray | None = None
        self.grad_outs: tuple = (None,) * len(self.inputs)

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.builtin = cls.__module__.partition(".")[0] == "gates"
        body = cls.__dict__.get("forward")
        if body is None:
            return
        cls.compute_forward = body

        @functools.wraps(body)
        def checked_forward(self, *inputs):
            return body(self, *self.accept(inputs))

        cls.forward = checked_forward

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

    def compute_forward(self, *inputs: np.ndarray) -> np.ndarray:
        return self.forward(*inputs)

    # --- wiring and checking -----------------------------------------------------------------

    def bind(self, node: str, input_names: Sequence[str], input_labels: Sequence[str],
             output_label: str, needs_grad: Sequence[bool]) -> None:
        """Called by a Graph: the names this gate's operands have there, for messages and traces."""
        if len(input_names) != len(self.inputs):
            raise TypeError(f"{self.kind} {node}: takes {len(self.inputs)} inputs "
                            f"({', '.join(self.inputs)}), got {len(input_names)}: "
                            f"{', '.join(input_names)}")
        self.node = node
        self.input_names = tuple(input_names)
        self.input_labels = tuple(input_labels)
        self.output_label = output_label
        self.needs_grad = tuple(needs_grad)

    def accept(self, inputs: Sequence) -> tuple[np.ndarray, ...]:
        """The inputs as float arrays, their shapes checked against `output_shape` (once per shape)."""
        if len(inputs) != len(self.inputs):
            raise TypeError(f"{self.kind}.forward takes {len(self.inputs)} inputs "
                            f"({', '.join(self.inputs)}); got {len(inputs)}")
        arrays = tuple(as_float_array(x, name, self.kind) for x, name in zip(inputs, self.input_labels))
        shapes = tuple(a.shape for a in arrays)
        if shapes != self._accepted_shapes:
            self.output_shape(*shapes)
            self._accepted_shapes = shapes
        return arrays

    def shape_error(self, problem: str, shapes: Sequence[Shape], rule: str,
                    fix: str | None = None) -> ShapeError:
        """A ShapeError naming this gate, its node and every operand with its shape."""
        operands = list(zip(self.input_labels, shapes))
        described = " and ".join(f"{label} is {format_shape(shape)}" for label, shape in operands)
        return ShapeError(f"{described}; {problem}", gate=self.kind, node=self.node,
                          operands=operands, rule=rule, fix=fix)

    # --- the words the tracer prints ---------------------------------------------------------
    # Each gets the operands' shapes (ints or symbols) so a rule can say what it does to them.

    def formula(self) -> str:
        """How the output is made from the inputs, e.g. X·W¹."""
        return f"{self.kind}({', '.join(self.input_labels)})"

    def arithmetic(self, shapes: Sequence[Shape], out: Shape) -> str:
        """The forward shape arithmetic, e.g. (4×2)·(2×3) → 4×3."""
        return f"{', '.join(format_shape(s) for s in shapes)} → {format_shape(out)}"

    def note(self, shapes: Sequence[Shape]) -> str | None:
        """A remark on the forward step worth printing, e.g. a broadcast."""
        return None

    def local_diff(self, i: int, shapes: Sequence[Shape]) -> str:
        """What top_diff is multiplied by to give the gradient of input i, e.g. · W²ᵀ."""
        return f"× d{self.output_label}/d{self.input_labels[i]}"

    def grad_formula(self, i: int, top: str, shapes: Sequence[Shape]) -> str:
        """The gradient of input i as an expression in top_diff, e.g. a²ᵀ · δ³."""
        return f"{top} {self.local_diff(i, shapes)}"

    def grad_arithmetic(self, i: int, shapes: Sequence[Shape], top: Shape) -> str:
        """The backward shape arithmetic for input i, e.g. (3×4)·(4×1) → 3×1."""
        return f"{format_shape(top)} → {format_shape(shapes[i])}"

    def explain(self) -> str:
        """The rule of this gate in one sentence, for teaching."""
        return "Each gradient is top_diff × local_diff."

    def __repr__(self) -> str:
        where = f" {self.node}" if self.node else ""
        return f"<{self.kind}{where}>"


__all__ = ["Gate", "ShapeError", "as_float_array"]
