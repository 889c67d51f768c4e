"""A catalogue of classic shape bugs in hand-written backprop, as data.

Each entry says what the user did, triggers it (the trigger raises ShapeError, or returns the
checker's failing verdict), and lists what the message must contain: the operands' shapes,
written here by hand from the story (not copied from the library's output), and the fix when
one exists. tests/test_shape_bugs.py iterates the list.

The [2, 3, 1] network of NETWORK.md, rows convention: X k×2, W¹ 2×3, b¹ 1×3, W² 3×1, b² 1×1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from bad_gates import (
    ColumnsMulGate,
    FlatSumAddGate,
    NoTransposeMulGate,
    NoTwoMSELoss,
    OneGradientAddGate,
    UnsummedAddGate,
    WrongAxisSoftmax,
    ZSigmoid,
)

from gates import AddGate, MSELoss, MulGate, Sigmoid
from gates.check import check_gate
from graph import Graph


@dataclass(frozen=True)
class ShapeBug:
    name: str
    story: str                      # what the user did
    trigger: Callable[[], object]   # raises ShapeError, or returns a failing check
    shapes: tuple[str, ...]         # every operand's shape the message must name
    fix: str | None = None          # a piece of the suggested fix, when one exists


def rows_inputs(g: Graph) -> Graph:
    g.input("X", ("k", 2))
    g.input("y", ("k", 1))
    return g


def hidden_layer(W1=(2, 3), b1=(1, 3), add=AddGate, operands=("X", "W1")) -> Graph:
    """X → XW¹ → z² → a², by hand, with the parameters' shapes given (wrong ones included)."""
    g = rows_inputs(Graph())
    g.param("W1", np.full(W1, 0.1))
    g.param("b1", np.zeros(b1))
    g.add(MulGate(), list(operands), "XW1" if operands[0] == "X" else "W1X")
    g.add(add(), [g.output, "b1"], "z2")
    g.add(Sigmoid(), ["z2"], "a2")
    return g


def network(W2=(3, 1), add=AddGate) -> Graph:
    """The whole [2, 3, 1] network by hand, ending in the mse loss."""
    g = hidden_layer(add=add)
    g.param("W2", np.ones(W2))
    g.param("b2", np.zeros((1, 1)))
    g.add(MulGate(), ["a2", "W2"], "a2W2")
    g.add(AddGate(), ["a2W2", "b2"], "z3")
    g.add(MSELoss(), ["z3", "y"], "J")
    return g


def forward_mlp(X_shape, y_shape, **mlp):
    g = Graph.mlp(mlp.pop("layers", [2, 3, 1]), **mlp)
    return g.forward(X=np.ones(X_shape), y=np.ones(y_shape))


def backward_with(add) -> dict:
    """Forward and backward through the network whose z² addGate is `add`."""
    g = network(add=add)
    g.forward(X=np.ones((4, 2)), y=np.ones((4, 1)))
    return g.backward()


CATALOGUE = [
    ShapeBug("the issue's example: W² given as a row",
             "W² written 1×3 instead of 3×1; the graph refuses a²·W² when it is added",
             lambda: network(W2=(1, 3)), ("k×3", "1×3"), "Did you mean W²ᵀ (3×1)? → k×1"),
    ShapeBug("mulGate dJ/dA without the transpose",
             "dJ/dA = top_diff · B instead of top_diff · Bᵀ; with B 2×3 the product cannot be formed",
             lambda: check_gate(NoTransposeMulGate, [(4, 2), (2, 3)]),
             ("A 4×2", "B 2×3", "top_diff 4×3"), "missing or extra ᵀ"),
    ShapeBug("mulGate dJ/dA without the transpose, hidden by a square B",
             "dJ/dA = top_diff · B with B 3×3: the shapes fit, the numbers do not",
             lambda: check_gate(NoTransposeMulGate, [(4, 3), (3, 3)]), ("4×3", "3×3", "dJ/dA")),
    ShapeBug("mulGate dJ/dB transposed",
             "dJ/dB = top_diffᵀ · A (the columns convention's δ·aᵀ) in a rows gate: 3×2 for a 2×3 B",
             lambda: check_gate(ColumnsMulGate, [(4, 2), (2, 3)]), ("3×2", "2×3"), "transposed"),
    ShapeBug("bias gradient not summed (checker)",
             "addGate returns top_diff 4×3 as dJ/dB for a 1×3 bias",
             lambda: check_gate(UnsummedAddGate, [(4, 3), (1, 3)]), ("4×3", "1×3"),
             "top_diff.sum(axis=0, keepdims=True)"),
    ShapeBug("bias gradient not summed (in a graph)",
             "the same gate wired as z² = XW¹ + b¹: backward is refused with dJ/db¹ 4×3 for b¹ 1×3",
             lambda: backward_with(UnsummedAddGate), ("4×3", "1×3"),
             "top_diff.sum(axis=0, keepdims=True)"),
    ShapeBug("a gradient forgotten",
             "z² = XW¹ + b¹ by a gate whose backward returns dJ/d(XW¹) only",
             lambda: backward_with(OneGradientAddGate), ("XW¹ 4×3", "b¹ 1×3"),
             "return one per input"),
    ShapeBug("bias gradient summed without keepdims",
             "dJ/db = top_diff.sum(axis=0): a (3,) vector for a 1×3 bias",
             lambda: check_gate(FlatSumAddGate, [(4, 3), (1, 3)]), ("(3,)", "1×3"), "keepdims=True"),
    ShapeBug("(n,) against (n, 1) in a loss",
             "mse of ŷ 4×1 against y of shape (4,): numpy would average a 4×4 matrix",
             lambda: MSELoss().forward(np.ones((4, 1)), np.ones(4)), ("4×1", "(4,)", "4×4"),
             "Reshape y to (4, 1)"),
    ShapeBug("(n,) target given to a network",
             "y given as (4,) to the [2,3,1] network, which declares y k×1",
             lambda: forward_mlp((4, 2), (4,)), ("(4,)", "k×1"), "Reshape y to (4, 1)"),
    ShapeBug("swapped operands",
             "W¹·X in a rows graph: W¹ 2×3 times X k×2",
             lambda: hidden_layer(operands=("W1", "X")), ("2×3", "k×2"), "X·W¹ (operands swapped)"),
    ShapeBug("columns-convention weights in a rows graph",
             "W¹ initialised 3×2 (m²×m¹, as for W¹·x) in a graph computing X·W¹",
             lambda: hidden_layer(W1=(3, 2)), ("k×2", "3×2"), "Did you mean W¹ᵀ (2×3)?"),
    ShapeBug("columns-convention bias in a rows graph",
             "b¹ 3×1 (one row per neuron) added to XW¹ k×3",
             lambda: hidden_layer(b1=(3, 1)), ("k×3", "3×1"), "Did you mean b¹ᵀ (1×3)?"),
    ShapeBug("bias as a flat vector",
             "b¹ = np.zeros(3), a (3,) vector, added to XW¹ k×3",
             lambda: hidden_layer(b1=(3,)), ("k×3", "(3,)"), "Reshape b¹ to (1, 3)"),
    ShapeBug("addGate that grows a matrix",
             "a column 4×1 plus a row 1×4: numpy makes a 4×4 matrix",
             lambda: AddGate().forward(np.ones((4, 1)), np.ones((1, 4))), ("4×1", "1×4", "4×4"),
             "Did you mean Bᵀ (4×1)?"),
    ShapeBug("data in the columns convention",
             "X given 2×4 (one observation per column) to a rows network",
             lambda: forward_mlp((2, 4), (4, 1)), ("2×4", "k×2"), "pass X.T (4×2)"),
    ShapeBug("one-hot targets transposed",
             "y one-hot 3×4 (classes × observations) for cross-entropy on logits 4×3",
             lambda: forward_mlp((4, 2), (3, 4), layers=[2, 3, 3], loss="cross_entropy"),
             ("3×4", "k×3"),
             "y looks transposed: this graph takes one observation per row, so pass y.T (4×3)"),
    ShapeBug("softmax backward along the wrong axis",
             "forward normalises each row; backward sums top_diff ⊙ s down the columns",
             lambda: check_gate(WrongAxisSoftmax, [(4, 3)]), ("4×3", "dJ/dz")),
    ShapeBug("sigmoid derivative taken at z",
             "σ′(z) written as z(1 − z) instead of σ(z)(1 − σ(z))",
             lambda: check_gate(ZSigmoid, [(4, 3)]), ("4×3", "dJ/dz")),
    ShapeBug("mse gradient without its 2",
             "dJ/dŷ = (ŷ − y)/n: the 2 of the square forgotten",
             lambda: check_gate(NoTwoMSELoss, [(4, 1), (4, 1)]), ("4×1",), "times 0.5"),
]
