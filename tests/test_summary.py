"""g.summary(): every node with its gate, shape and parameter count, and the totals.

The expected counts are written here from the layer sizes: an mlp [m¹, m², ...] has
Σ mˡ·mˡ⁺¹ weights and Σ mˡ⁺¹ biases.
"""

from __future__ import annotations

import numpy as np
import pytest

from graph import Graph
from graph.summary import ModelSummary


def by_layers(layers: list[int]) -> tuple[int, int]:
    weights = sum(a * b for a, b in zip(layers, layers[1:]))
    biases = sum(layers[1:])
    return weights, biases


def rows_of(text: str) -> dict[str, list[str]]:
    """The table's lines as {first cell: cells}."""
    found = {}
    for line in text.splitlines():
        cells = line.split()
        if len(cells) >= 4:
            found[cells[0]] = cells
    return found


def test_the_2_3_1_network_has_13_parameters_9_weights_and_4_biases():
    s = Graph.mlp([2, 3, 1]).summary()
    assert isinstance(s, ModelSummary)
    assert by_layers([2, 3, 1]) == (9, 4)
    assert (s.total_params, s.weights, s.biases) == (13, 9, 4)
    assert "Total params: 13 (weights 9, biases 4)" in str(s)


def test_the_784_512_512_10_network_has_669706_parameters():
    s = Graph.mlp([784, 512, 512, 10]).summary()
    weights, biases = by_layers([784, 512, 512, 10])
    assert weights + biases == 669_706
    assert (s.total_params, s.weights, s.biases) == (669_706, weights, biases)
    assert "Total params: 669,706" in str(s)


@pytest.mark.parametrize("layers", [[2, 3, 1], [4, 5, 5, 3], [3, 1]])
def test_every_parameter_row_counts_its_own_size(layers):
    g = Graph.mlp(layers)
    s = g.summary()
    params = {row.name: row.params for row in s.rows if row.kind == "parameter"}
    expected = {}
    for l, (a, b) in enumerate(zip(layers, layers[1:]), start=1):
        expected[f"W{l}"], expected[f"b{l}"] = a * b, b
    assert params == expected
    assert all(row.params == 0 for row in s.rows if row.kind != "parameter")


def test_the_table_lists_every_node_with_its_gate_and_shape_symbolic_then_concrete():
    g = Graph.mlp([2, 3, 1])
    # NETWORK.md's table, batch symbolic (before any forward) and k = 4 (after one).
    nodes = [("X", "input", "k×2"), ("y", "input", "k×1"), ("W¹", "parameter", "2×3"),
             ("XW¹", "mulGate", "k×3"), ("b¹", "parameter", "1×3"), ("z²", "addGate", "k×3"),
             ("a²", "sigmoid", "k×3"), ("W²", "parameter", "3×1"), ("a²W²", "mulGate", "k×1"),
             ("b²", "parameter", "1×1"), ("z³", "addGate", "k×1"), ("J", "mse", "scalar")]
    table = rows_of(str(g.summary()))
    for label, kind, shape in nodes:
        assert table[label][1:3] == [kind, shape], label
    g.forward(X=np.zeros((4, 2)), y=np.zeros((4, 1)))
    text = str(g.summary())
    assert text.splitlines()[0] == "Graph mlp [2, 3, 1], rows convention, k = 4"
    table = rows_of(text)
    for label, kind, shape in nodes:
        assert table[label][1:3] == [kind, shape.replace("k", "4")], label
    labels = [label for label, _, _ in nodes]
    assert [cell for cell in table if cell in labels] == labels  # in the order forward meets them


def test_the_columns_convention_shows_transposed_shapes():
    table = rows_of(str(Graph.mlp([2, 3, 1], convention="columns").summary()))
    assert table["W¹"][2] == "3×2" and table["W¹X"][2] == "3×k" and table["b¹"][2] == "3×1"


def test_a_network_without_biases_counts_only_weights():
    s = Graph.mlp([2, 3, 1], bias=False).summary()
    assert (s.total_params, s.weights, s.biases) == (9, 9, 0)


def test_summary_prints_nothing_and_its_repr_is_the_table(capsys):
    s = Graph.mlp([2, 3, 1]).summary()
    assert capsys.readouterr().out == ""
    assert repr(s) == str(s)


def test_a_notebook_displays_the_graph_as_its_summary_table():
    g = Graph.mlp([2, 3, 1])
    html = g._repr_html_()
    assert html.startswith("<pre") and "Total params: 13 (weights 9, biases 4)" in html
    assert "mulGate" in html and "XW¹" in html
