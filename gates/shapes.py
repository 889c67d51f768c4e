"""Shape arithmetic for concrete and symbolic shapes, and the ShapeError it raises.

A shape is a tuple of dimensions; a dimension is an int (4) or a symbol (the batch "k", a layer
size "m²"). The same rules serve three purposes: the check of a graph before any data flows
(symbolic batch), the walkthrough (shapes printed as 4×3 or k×3) and forward itself.

The rules here are deliberately stricter than numpy's broadcasting: numpy happily turns
(4,) − (4, 1) into a 4×4 matrix, which is the classic silent backprop bug.
"""

from __future__ import annotations

from collections.abc import Sequence

from .notation import superscript

Dim = int | str
Shape = tuple  # tuple[Dim, ...]; a plain alias keeps isinstance checks simple


class ShapeError(ValueError):
    """Operands whose shapes do not fit a gate's rule.

    The message names the gate, its node, every operand with its shape, what the rule needs and,
    when one is likely, a fix. The structured fields let tools (the tracer, the checker, tests)
    use the parts without parsing the text.
    """

    def __init__(self, problem: str, *, gate: str | None = None, node: str | None = None,
                 operands: Sequence[tuple[str, Shape]] = (), rule: str | None = None,
                 fix: str | None = None, events: list | None = None, label: str | None = None):
        self.problem = problem
        self.gate = gate
        self.node = node
        # How the node is printed: a2W2 reads a²W² in the notation of the lecture notes.
        self.label = label or (superscript(node) if node else None)
        self.operands = [(name, tuple(shape)) for name, shape in operands]
        self.rule = rule
        self.fix = fix
        self.events = list(events) if events else []
        super().__init__(self._message())

    def _message(self) -> str:
        # The fix follows the problem directly: it is what the reader acts on; the rule, for
        # those who want the why, comes last.
        where = " ".join(part for part in (self.gate, self.label) if part)
        text = f"{where}: {self.problem}" if where else self.problem
        if self.fix:
            text += f" {self.fix}" + ("" if self.fix.endswith((".", "?", "!")) else ".")
        if self.rule:
            text += f" Rule: {self.rule}."
        return text

    def located(self, *, gate: str | None = None, node: str | None = None,
                events: list | None = None) -> ShapeError:
        """The same error with where it happened filled in (the graph knows, the gate may not)."""
        located = ShapeError(self.problem, gate=self.gate or gate, node=self.node or node,
                             operands=self.operands, rule=self.rule, fix=self.fix,
                             events=events if events is not None else self.events,
                             label=self.label if self.node else None)
        return located


def format_dim(dim: Dim) -> str:
    return str(dim)


def format_shape(shape: Shape | None) -> str:
    """4×3 for a matrix, k×3 with a symbolic batch, (4,) for a vector, scalar for (), and ? for a
    shape no rule states (a user's gate without output_shape, before data flows)."""
    if shape is None:
        return "?"
    shape = tuple(shape)
    if len(shape) == 0:
        return "scalar"
    if len(shape) == 1:
        return f"({format_dim(shape[0])},)"
    return "×".join(format_dim(d) for d in shape)


def transpose(shape: Shape) -> Shape:
    return tuple(reversed(tuple(shape)))


def matmul_shape(a: Shape, b: Shape) -> Shape | None:
    """(n×m)·(m×p) → n×p, or None when the operands are not two matrices with equal inner sizes."""
    if len(a) != 2 or len(b) != 2 or a[1] != b[0]:
        return None
    return (a[0], b[1])


def broadcast_to(small: Shape, big: Shape) -> bool:
    """Whether `small` spreads over `big` by repeating along axes where it has size 1.

    Both must have the same number of axes: a (3,) bias against a 4×3 matrix is refused (numpy
    would accept it), so that every broadcast the library performs is one the reader can see.
    """
    if len(small) != len(big):
        return False
    return all(s == b or s == 1 for s, b in zip(small, big))


def broadcast_axes(small: Shape, big: Shape) -> tuple[int, ...]:
    """The axes along which `small` was repeated to reach `big`; its gradient is summed over them."""
    return tuple(axis for axis, (s, b) in enumerate(zip(small, big)) if s == 1 and b != 1)


def bind(declared: Shape, actual: Shape, symbols: dict[str, int]) -> bool:
    """Match an actual shape against a declared one, binding symbols (k → 4) consistently."""
    if len(declared) != len(actual):
        return False
    for want, got in zip(declared, actual):
        if isinstance(want, str):
            if symbols.setdefault(want, got) != got:
                return False
        elif want != got:
            return False
    return True


def substitute(shape: Shape, symbols: dict[str, int]) -> Shape:
    """A symbolic shape made concrete: ("k", 3) with k = 4 → (4, 3)."""
    return tuple(symbols.get(d, d) if isinstance(d, str) else d for d in shape)


def matmul_fixes(a_label: str, a: Shape, b_label: str, b: Shape) -> list[str]:
    """The usual repairs of a matrix product whose shapes do not fit, each one that would work.

    Tried in the order a student most often needs them: transpose the second operand, the first,
    swap the order, transpose both, and read a (n,) vector as an n×1 column.
    """
    fixes = []
    if len(a) == 2 and len(b) == 2:
        candidates = [
            (f"{b_label}ᵀ", a, transpose(b), f"Did you mean {b_label}ᵀ ({format_shape(transpose(b))})?"),
            (f"{a_label}ᵀ", transpose(a), b, f"Did you mean {a_label}ᵀ ({format_shape(transpose(a))})?"),
            ("swap", b, a, f"Did you mean {b_label}·{a_label} (operands swapped)?"),
            ("both", transpose(a), transpose(b), f"Did you mean {a_label}ᵀ·{b_label}ᵀ?"),
        ]
        for _, left, right, text in candidates:
            result = matmul_shape(left, right)
            if result is not None:
                fixes.append(f"{text} → {format_shape(result)}")
    for label, shape, other, left_side in ((a_label, a, b, True), (b_label, b, a, False)):
        if len(shape) == 1 and len(other) == 2:
            column, row = (shape[0], 1), (1, shape[0])
            for name, as_matrix in (("column", column), ("row", row)):
                result = matmul_shape(as_matrix, other) if left_side else matmul_shape(other, as_matrix)
                if result is not None:
                    fixes.append(f"{label} is a vector {format_shape(shape)}: reshape it to a "
                                 f"{name} {as_matrix} → {format_shape(result)}")
                    break
    return fixes


def _holds(vector: Shape, matrix: Shape) -> bool:
    """Whether a (n,) vector can be reshaped to `matrix`: n×1 or 1×n, nothing larger."""
    return len(vector) == 1 and len(matrix) == 2 and 1 in matrix and vector[0] in matrix


def same_shape_fix(a_label: str, a: Shape, b_label: str, b: Shape) -> str | None:
    """A fix for two operands that must have the same shape: the (n,) against (n, 1) trap.

    A reshape is suggested only when it is possible: 4 numbers make a 4×1 column, not a 4×3.
    """
    if _holds(b, a):
        return f"Reshape {b_label} to {a} (e.g. {b_label}.reshape{a})."
    if _holds(a, b):
        return f"Reshape {a_label} to {b} (e.g. {a_label}.reshape{b})."
    if len(a) == 2 and tuple(b) == transpose(a):
        return f"{b_label} looks transposed: use {b_label}ᵀ ({format_shape(a)})."
    return None


def numpy_broadcast(a: Shape, b: Shape) -> Shape | None:
    """The shape numpy would silently give a + b (axes aligned from the right), or None.

    Used to say what a refused operation would have turned into: (4,) − (4, 1) → 4×4.
    """
    a, b = tuple(a), tuple(b)
    width = max(len(a), len(b))
    a, b = (1,) * (width - len(a)) + a, (1,) * (width - len(b)) + b
    out = []
    for x, y in zip(a, b):
        if x != y and x != 1 and y != 1:
            return None
        out.append(y if x == 1 else x)
    return tuple(out)


def gradient_fix(label: str, want: Shape, got: Shape) -> str | None:
    """The likely repair of a gradient of shape `got` for an input of shape `want`.

    The classics: a broadcast bias whose gradient was not summed back (4×3 for 1×3), and a
    gradient transposed by a swapped product (3×2 for 2×3).
    """
    want, got = tuple(want), tuple(got)
    if len(want) == len(got) and want != got and all(w == g or w == 1 for w, g in zip(want, got)):
        axes = tuple(a for a, (w, g) in enumerate(zip(want, got)) if w == 1 and g != 1)
        axis = axes[0] if len(axes) == 1 else axes
        return (f"{label} was broadcast in forward, so its gradient must be summed over the "
                f"broadcast axis: top_diff.sum(axis={axis}, keepdims=True).")
    if len(want) == 2 and got == transpose(want) and want != got:
        return (f"The gradient is transposed ({format_shape(got)} for {format_shape(want)}): did "
                f"you swap the operands of a product, or miss a ᵀ?")
    if len(want) == len(got) + 1 and want[0] == 1 and want[1:] == got:
        return (f"The sum over the batch lost an axis: use top_diff.sum(axis=0, keepdims=True) "
                f"so that the gradient stays {format_shape(want)}.")
    return None
