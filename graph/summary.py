"""A model summary in the manner of torchinfo: every node, its gate, its shape, its parameters.

    >>> print(Graph.mlp([2, 3, 1]).summary())      # the table, then
    Total params: 13 (weights 9, biases 4)

`summary(graph)` returns a ModelSummary whose str is the table (as torchinfo's summary() returns
an object that prints as one); it prints nothing itself. In a notebook the summary, and the Graph
itself, display as the same table in HTML. rich draws the table and is imported only here.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from gates.arithmetic import AddGate
from gates.shapes import Shape, format_shape

from .engine import INPUT, PARAM

_HTML_PRE = ('<pre style="white-space:pre;overflow-x:auto;line-height:normal;'
             'font-family:Menlo,\'DejaVu Sans Mono\',consolas,\'Courier New\',monospace">'
             '{code}</pre>')


@dataclass
class SummaryRow:
    """One node: its name (XW1), printed label (XW¹), what makes it (a gate kind, input or
    parameter), its shape (symbolic k×3 before any forward, concrete after) and its size if learned."""

    name: str
    label: str
    kind: str
    shape: Shape | None
    params: int = 0
    bias: bool = False


@dataclass
class ModelSummary:
    """The rows, the totals, and the table they make (str, repr and notebook HTML)."""

    title: str
    rows: list[SummaryRow] = field(default_factory=list)

    @property
    def total_params(self) -> int:
        return sum(row.params for row in self.rows)

    @property
    def biases(self) -> int:
        """Parameters added by an addGate (b¹, b², ...), broadcast over the batch."""
        return sum(row.params for row in self.rows if row.bias)

    @property
    def weights(self) -> int:
        """Every other parameter (W¹, W², ...)."""
        return self.total_params - self.biases

    def totals(self) -> str:
        return f"Total params: {self.total_params:,} (weights {self.weights:,}, biases {self.biases:,})"

    def table(self):
        """The summary as a rich Table (rich is imported here, when something is rendered)."""
        from rich import box
        from rich.table import Table

        table = Table(box=box.SIMPLE_HEAD)
        table.add_column("node")
        table.add_column("gate")
        table.add_column("shape", justify="right")
        table.add_column("param #", justify="right")
        for row in self.rows:
            shape = "?" if row.shape is None else format_shape(row.shape)
            table.add_row(row.label, row.kind, shape, f"{row.params:,}" if row.params else "–")
        return table

    def _render(self, *, html: bool = False) -> str:
        from rich.console import Console

        console = Console(file=io.StringIO(), width=100, record=html, color_system=None,
                          force_terminal=False, force_jupyter=False, highlight=False)
        # The title and totals are plain lines, not the table's own: rich would wrap them to
        # the table's width.
        console.print(self.title)
        console.print(self.table())
        console.print(self.totals())
        if html:
            return console.export_html(inline_styles=True, code_format=_HTML_PRE)
        return "\n".join(line.rstrip() for line in console.file.getvalue().splitlines())

    def __str__(self) -> str:
        return self._render()

    __repr__ = __str__  # typing g.summary() in a REPL shows the table, as torchinfo does

    def _repr_html_(self) -> str:
        return self._render(html=True)


def summary(graph) -> ModelSummary:
    """The summary of `graph`: one row per node in the order forward meets them."""
    biases = {name for node in graph.gate_nodes if isinstance(node.gate, AddGate)
              for name in node.inputs if graph.nodes[name].role == PARAM}
    rows = []
    for node in graph.nodes.values():
        if node.role == PARAM:
            kind, size = "parameter", int(graph.params[node.name].size)
        elif node.role == INPUT:
            kind, size = "input", 0
        else:
            kind, size = node.gate.kind, 0
        rows.append(SummaryRow(node.name, node.label, kind, graph.shape_of(node.name), size,
                               bias=node.name in biases))
    return ModelSummary(_title(graph), rows)


def _title(graph) -> str:
    """e.g. Graph mlp [2, 3, 1], rows convention, k = 4."""
    title = repr(graph).strip("<>")
    if graph.symbols:
        title += ", " + ", ".join(f"{s} = {v}" for s, v in graph.symbols.items())
    return title
