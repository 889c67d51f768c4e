"""Graph: the public network class, the engine with its training path and its views.

    from graph import Graph
    g = Graph.mlp([2, 3, 1])                     # or build one node by node (see Engine)
    J = g.forward(X=X, y=y); grads = g.backward(); g.step(0.1)
    g.fit(X, y, epochs=1000, lr=0.1)             # the fast path (graph.training)
    g.summary()                                  # every node, its shape, the parameter count

The arithmetic lives below: graph.engine (forward, the gradient table, step) and
graph.training (train_step, fit). This class adds what a person looks at: the summary, a
notebook's display, and errors that carry the steps that ran before the failure.
"""

from __future__ import annotations

from collections.abc import Sequence

from gates.shapes import ShapeError

from .builders import build_mlp
from .engine import INPUT, PARAM, VALUE, Node, Params
from .failure import events_until
from .history_view import TrainingHistory
from .spec import build_spec
from .summary import ModelSummary, summary
from .training import Trainer


class Graph(Trainer):
    """A network of gates. Build it node by node, or with `Graph.mlp([2, 3, 1])`.

        g = Graph()
        g.input("X", ("k", 2)); g.input("y", ("k", 1))
        g.param("W1", np.zeros((2, 1)))
        g.add(MulGate(), ["X", "W1"], "z2")
        g.add(MSELoss(), ["z2", "y"], "J")
        J = g.forward(X=X, y=y); grads = g.backward(); g.step(0.1)
    """

    @classmethod
    def mlp(cls, layers: Sequence[int], activation: str = "sigmoid",
            output_activation: str = "identity", loss: str = "mse", bias: bool = True,
            convention: str = "rows", seed: int | None = 0, *, allocate: bool = True) -> Graph:
        """The fully connected network of NETWORK.md, e.g. Graph.mlp([2, 3, 1]).

        allocate=False builds it for shapes only (symbolic walkthroughs, diagrams, summaries of
        huge networks): the parameters hold no numbers and take no memory, and forward refuses.
        """
        return build_mlp(cls, layers, activation=activation, output_activation=output_activation,
                         loss=loss, bias=bias, convention=convention, seed=seed, allocate=allocate)

    @classmethod
    def from_spec(cls, spec: str, input_shape: Sequence[int], loss: str = "cross_entropy",
                  seed: int | None = 0, *, allocate: bool = True) -> Graph:
        """A convolutional network from a layer spec, named as Graph.mlp names its nodes, e.g.
        Graph.from_spec("conv 6 5x5, relu, maxpool 2, flatten, 10", input_shape=(1, 28, 28)),
        or the preset Graph.from_spec("lenet", (1, 32, 32)). See graph.spec for the items.
        """
        return build_spec(cls, spec, input_shape, loss=loss, seed=seed, allocate=allocate)

    def forward(self, **inputs) -> float:
        try:
            return super().forward(**inputs)
        except ShapeError as error:
            raise error.located(events=events_until(self, error.node, "forward")) from None

    def backward(self) -> dict:
        try:
            return super().backward()
        except ShapeError as error:
            raise error.located(events=events_until(self, error.node, "backward")) from None

    def fit(self, *args, **kwargs) -> TrainingHistory:
        """graph.training's fit; a notebook shows what it returns as the loss curve."""
        return TrainingHistory.of(super().fit(*args, **kwargs))

    def summary(self) -> ModelSummary:
        """Every node with its gate, shape and parameter count, and the total, as torchinfo
        does: a ModelSummary whose str is the table (it prints nothing itself)."""
        return summary(self)

    def _repr_html_(self) -> str:
        """A notebook displays the graph as its summary table, then its picture (graph.html_diagram)."""
        from .html_diagram import graph_html
        return graph_html(self)

    def __repr__(self) -> str:
        layers, spec = self.meta.get("layers"), self.meta.get("preset") or self.meta.get("spec")
        what = f"mlp {layers}" if layers else f"{len(self._gate_nodes)} gates"
        if spec:
            what = f"{spec!r} on {'×'.join(map(str, self.meta['input_shape']))}, {what}"
        return f"<Graph {what}, {self.meta.get('convention', 'rows')} convention>"


__all__ = ["Graph", "Node", "Params", "INPUT", "PARAM", "VALUE"]
