"""The networks the walkthrough is shown on: the worked example of the lecture notes.

    from graph.examples import lecture_example
    g, inputs, lr = lecture_example()        # 2-2-1, no biases, sigmoid twice, half_sse
    trace(g, inputs, lr=lr)                  # graph.walkthrough.trace

The notation and the numbers are those of docs/NETWORK.md ("A worked example").
"""

from __future__ import annotations

import numpy as np

from .graph import Graph

LECTURE = {
    "layers": [2, 2, 1], "activation": "sigmoid", "output_activation": "sigmoid",
    "loss": "half_sse", "bias": False, "lr": 0.7,
    "x": [0.23, 0.82], "y": [1.0],
    "W1": [[0.1, 0.5], [0.4, 0.3]], "W2": [[0.2], [0.6]],
}
"""The worked example of docs/NETWORK.md (rows convention): a 2-2-1 net, one observation."""


def lecture_example(convention: str = "rows") -> tuple[Graph, dict[str, np.ndarray], float]:
    """The worked example: (graph, inputs, lr), with the lecture's weights loaded.

    Rows: x is 1×2, W¹ 2×2, W² 2×1, y 1×1. In the columns convention every weight and the
    observation are transposed (x is 2×1, W² 1×2).
    """
    g = Graph.mlp(LECTURE["layers"], activation=LECTURE["activation"],
                  output_activation=LECTURE["output_activation"], loss=LECTURE["loss"],
                  bias=LECTURE["bias"], convention=convention, seed=None)
    rows = convention == "rows"
    for name in ("W1", "W2"):
        W = np.array(LECTURE[name])
        g.params[name] = W if rows else W.T
    x = np.array([LECTURE["x"]])
    y = np.array([LECTURE["y"]])
    inputs = {"X": x, "y": y} if rows else {"X": x.T, "y": y.T}
    return g, inputs, LECTURE["lr"]


__all__ = ["LECTURE", "lecture_example"]
