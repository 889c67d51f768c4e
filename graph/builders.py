"""Graph.mlp: the fully connected network of NETWORK.md, with its names.

Rows convention (the default), one observation per row:
    X k×m¹ → XW¹ = mulGate(X, W¹) k×m² → z² = addGate(XW¹, b¹) → a² = f(z²) → a²W² → z³ ... → J
Columns convention, one observation per column (z = W·x + b):
    X m¹×k → W¹X = mulGate(W¹, X) m²×k → z² = addGate(W¹X, b¹) → a² → W²a² → z³ ... → J
Both start from the same numbers (the columns weights are the rows weights transposed), so
the two conventions compute the same J and gradients that are each other's transposes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gates.activations import Identity, ReLU, Sigmoid, Softmax, Tanh
from gates.arithmetic import AddGate, MulGate
from gates.losses import CrossEntropyLoss, HalfSSELoss, MSELoss
from gates.notation import superscript

from .engine import placeholder

ACTIVATIONS = {"sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU, "identity": Identity}
OUTPUT_ACTIVATIONS = {**ACTIVATIONS, "softmax": Softmax}
LOSSES = {"mse": MSELoss, "half_sse": HalfSSELoss, "cross_entropy": CrossEntropyLoss}
CONVENTIONS = ("rows", "columns")
CONVENTION_WORDS = {  # how each convention is said: its formula, where an observation is
    "rows": ("z = X·W + b", "one observation per row"),
    "columns": ("z = W·X + b", "one observation per column"),
}
BATCH = "k"


def _choice(what: str, value: str, allowed) -> str:
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}; choose one of {', '.join(allowed)}")
    return value


def check_layers(layers: Sequence[int]) -> list[int]:
    """The layer sizes as a list of positive ints, or a ValueError that says what is wrong."""
    try:
        sizes = list(layers)
    except TypeError:
        raise ValueError(f"layers must be a list of sizes such as [2, 3, 1]; got {layers!r}") from None
    if len(sizes) < 2:
        raise ValueError(f"layers needs at least two sizes (inputs and outputs), e.g. [2, 3, 1]; "
                         f"got {sizes}")
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
            raise ValueError(f"every layer size must be a whole number ≥ 1; got {size!r} in {sizes}")
    return [int(s) for s in sizes]


def initial_weights(layers: Sequence[int], activation: str, seed: int | None) -> list[np.ndarray]:
    """W¹ ... in the rows convention (m^l × m^(l+1)), scaled by fan-in so activations neither
    vanish nor saturate: √(2/fan_in) for ReLU (He), √(1/fan_in) otherwise (LeCun)."""
    rng = np.random.default_rng(seed)
    gain = 2.0 if activation == "relu" else 1.0
    return [rng.standard_normal((m_in, m_out)) * np.sqrt(gain / m_in)
            for m_in, m_out in zip(layers[:-1], layers[1:])]


def check_seed(seed) -> int | None:
    """A seed for numpy's generator: None or a whole number ≥ 0."""
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                             or seed < 0):
        raise ValueError(f"seed must be a whole number ≥ 0 (or None for fresh randomness); got {seed!r}")
    return seed


def build_mlp(cls, layers: Sequence[int], *, activation: str = "sigmoid",
              output_activation: str = "identity", loss: str = "mse", bias: bool = True,
              convention: str = "rows", seed: int | None = 0, allocate: bool = True):
    """A Graph (of class `cls`) for these layer sizes; see Graph.mlp. allocate=False: the
    parameters are placeholders that hold no numbers (for shapes only)."""
    sizes = check_layers(layers)
    check_seed(seed)
    _choice("activation", activation, ACTIVATIONS)
    _choice("output activation", output_activation, OUTPUT_ACTIVATIONS)
    _choice("loss", loss, LOSSES)
    _choice("convention", convention, CONVENTIONS)
    if loss == "cross_entropy" and output_activation not in ("softmax", "identity"):
        raise ValueError(f"cross_entropy applies the softmax to the logits itself; use "
                         f"output_activation='softmax' (not {output_activation!r})")
    rows = convention == "rows"
    class_axis = -1 if rows else 0

    def oriented(m: int) -> tuple:
        """An activation's shape: k×m in rows, m×k in columns."""
        return (BATCH, m) if rows else (m, BATCH)

    g = cls(convention=convention)
    g.meta.update(layers=sizes, activation=activation, output_activation=output_activation,
                  loss=loss, bias=bias, seed=seed)
    g.input("X", oriented(sizes[0]))
    g.input("y", oriented(sizes[-1]))
    a = "X"
    last = len(sizes)
    weights = (initial_weights(sizes, activation, seed) if allocate
               else [placeholder((m_in, m_out)) for m_in, m_out in zip(sizes[:-1], sizes[1:])])
    for l, W in enumerate(weights, start=1):
        nxt = l + 1
        w = g.param(f"W{l}", W if rows else W.T)
        product = f"{a}W{l}" if rows else f"W{l}{a}"
        z = f"z{nxt}"
        delta = f"δ{superscript(str(nxt))}"
        z_grad = dict(grad_symbol=delta, grad_label_text=f"{delta} = dJ/d{superscript(z)}")
        operands = [a, w] if rows else [w, a]
        if bias:
            # addGate passes δ unchanged to the product, so dJ/d(a²W²) is δ³ itself: naming it
            # so lets the trace read dJ/dW² = a²ᵀ · δ³, as NETWORK.md writes it.
            g.add(MulGate(), operands, product, grad_symbol=delta,
                  grad_label_text=f"dJ/d({superscript(product)}) = {delta}")
            b_shape = (1, sizes[l]) if rows else (sizes[l], 1)
            b = g.param(f"b{l}", np.zeros(b_shape) if allocate else placeholder(b_shape))
            g.add(AddGate(), [product, b], z, **z_grad)
        else:
            g.add(MulGate(), operands, z, **z_grad)
        if nxt < last:
            a = g.add(ACTIVATIONS[activation](), [z], f"a{nxt}")
        elif loss == "cross_entropy":
            a = z  # the softmax is inside the loss
        elif output_activation != "identity":
            gate = (Softmax(class_axis) if output_activation == "softmax"
                    else OUTPUT_ACTIVATIONS[output_activation]())
            a = g.add(gate, [z], f"a{nxt}")
        else:
            a = z
    loss_gate = CrossEntropyLoss(class_axis) if loss == "cross_entropy" else LOSSES[loss]()
    g.add(loss_gate, [a, "y"], "J")
    return g
