"""A Graph.from_spec walked and sized: example data, H and W as symbols, the memory a step holds.

    from graph.spec_walk import example_data, size_symbols
    g = Graph.from_spec("lenet", (1, 28, 28))
    trace(g, example_data(g, batch=4))              # X 4×1×28×28, y one-hot 4×10
    shapes, sizes = size_symbols(g)                 # X k×1×H×W, W³ 16·(H−12)/4·(W−12)/4×120
    trace(g, shapes=shapes)                         # the walkthrough with H, W as symbols

graph.walkthrough and the trace command use these for the networks --net builds.
"""

from __future__ import annotations

import numpy as np

from gates.arithmetic import MulGate
from gates.conv import ConvGate

from .builders import BATCH
from .engine import PARAM


def numbers_held(graph, batch: int) -> int:
    """About how many float64 numbers one traced step of a Graph.from_spec holds: the parameters
    three times (them, their gradients, the copy that restores them), every value and its
    gradient, and each convolution's im2col matrix (C·kh·kw numbers per output pixel) twice."""
    params = sum(int(np.prod(node.shape)) for node in graph.nodes.values() if node.role == PARAM)
    per_image = 0
    for node in graph.nodes.values():
        if node.role != PARAM and node.shape and node.shape[0] == BATCH:
            per_image += 2 * int(np.prod(node.shape[1:]))
        if isinstance(node.gate, ConvGate):
            kernels = graph.nodes[node.inputs[1]].shape
            per_image += 2 * int(np.prod(kernels[1:])) * int(np.prod(node.shape[2:]))
    return 3 * params + batch * per_image


def example_data(graph, batch: int = 4, seed: int | None = 0) -> dict[str, np.ndarray]:
    """Inputs for a Graph.from_spec: X batch×C×H×W standard normal; y one-hot for cross_entropy
    (batch×classes), standard normal of the output's shape otherwise."""
    rng = np.random.default_rng(None if seed is None else [seed, 1])  # not the weights' stream
    X = rng.standard_normal((batch, *graph.meta["input_shape"]))
    out = (batch, *graph.nodes["y"].shape[1:])
    if graph.meta["loss"] == "cross_entropy":
        return {"X": X, "y": np.eye(out[1])[rng.integers(0, out[1], size=batch)]}
    return {"X": X, "y": rng.standard_normal(out)}


def size_symbols(graph) -> tuple[dict[str, tuple], dict[str, int]]:
    """The declared shapes of a Graph.from_spec with the image's height and width as symbols H, W.

    Returns (shapes for symbolic_events: X k×C×H×W and the first weight after flatten, whose rows
    become C·H′·W′ in H and W, e.g. 16·(H−12)/4·(W−12)/4; and {"H": 28, "W": 28}).
    """
    C, H, W = graph.meta["input_shape"]
    shapes = {"X": (BATCH, C, "H", "W")}
    known = {name: node.shape for name, node in graph.nodes.items()}
    known.update(shapes)
    for node in graph.gate_nodes:
        ins = [known[i] for i in node.inputs]
        if isinstance(node.gate, MulGate) and isinstance(ins[0][1], str):
            weight = node.inputs[1]
            shapes[weight] = known[weight] = (ins[0][1], ins[1][1])
            ins[1] = known[weight]
        known[node.name] = node.gate.output_shape(*ins)
    return shapes, {"H": H, "W": W}


__all__ = ["example_data", "numbers_held", "size_symbols"]
