"""The computational graph as a diagram: .dot and .mmd text, .svg/.png through Graphviz.

Every node and every shape of NETWORK.md's [2,3,1] tables (k = 4) is written out here by hand
and looked for on the edge that carries it.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import unruled_square_graph  # tests/ is on the path

from graph import Graph, diagram
from graph.diagram import GraphvizMissing, to_dot, to_mermaid, write_diagram

ROOT = Path(__file__).resolve().parent.parent
HAVE_DOT = shutil.which("dot") is not None

# NETWORK.md, forward table: each value with its shape (k = 4).
VALUES = {"X": "4×2", "W¹": "2×3", "XW¹": "4×3", "b¹": "1×3", "z²": "4×3", "a²": "4×3",
          "W²": "3×1", "a²W²": "4×1", "b²": "1×1", "z³": "4×1", "y": "4×1", "J": "scalar"}
# NETWORK.md, backward table (dJ/dX is not computed: the input is not learned).
GRADIENTS = {"δ³ = dJ/dz³": "4×1", "dJ/d(a²W²) = δ³": "4×1", "dJ/db²": "1×1",
             "dJ/dW²": "3×1", "dJ/da²": "4×3", "δ² = dJ/dz²": "4×3",
             "dJ/d(XW¹) = δ²": "4×3", "dJ/db¹": "1×3", "dJ/dW¹": "2×3"}
# NETWORK.md's picture: which value enters which gate (named by the value it makes).
EDGES = {("X", "XW1"), ("W1", "XW1"), ("XW1", "z2"), ("b1", "z2"), ("z2", "a2"),
         ("a2", "a2W2"), ("W2", "a2W2"), ("a2W2", "z3"), ("b2", "z3"), ("z3", "J"), ("y", "J")}


def split_label(text: str) -> tuple[str, str]:
    """'name  shape' → (name, shape)."""
    name, shape = text.rsplit("  ", 1)
    return name.strip(), shape.strip()


def dot_edges(text: str) -> dict[tuple[str, str], tuple[str, str | None]]:
    """{(source, target): (forward label, gradient label or None)} from DOT text."""
    found = {}
    for source, target, label in re.findall(r'"([^"]+)" -> "([^"]+)" \[label=<(.*)>\];', text):
        parts = label.split("<br/>")
        forward = html.unescape(parts[0])
        gradient = html.unescape(re.sub(r"<[^>]+>", "", parts[1])) if len(parts) > 1 else None
        found[(source, target)] = (forward, gradient)
    return found


def test_the_dot_text_has_every_value_and_gradient_of_network_md_on_its_edge():
    text = to_dot(Graph.mlp([2, 3, 1]), {"k": 4})
    edges = dot_edges(text)
    assert EDGES <= set(edges)
    assert len(edges) == len(EDGES) + 1  # and J, out to the output's own node
    forward = dict(split_label(f) for f, _ in edges.values())
    assert forward == VALUES
    gradients = dict(split_label(g) for _, g in edges.values() if g)
    assert gradients == GRADIENTS
    # the gradient rides back along the edge of the value it differentiates
    assert split_label(edges[("z2", "a2")][1]) == ("δ² = dJ/dz²", "4×3")
    assert split_label(edges[("b1", "z2")][1]) == ("dJ/db¹", "1×3")
    assert edges[("X", "XW1")][1] is None and edges[("y", "J")][1] is None


def test_the_dot_text_has_every_gate_as_a_node():
    text = to_dot(Graph.mlp([2, 3, 1]), {"k": 4})
    gates = dict(re.findall(r'"(\w+)" \[label=<<b>(\w+)</b>', text))
    assert gates == {"XW1": "mulGate", "z2": "addGate", "a2": "sigmoid", "a2W2": "mulGate",
                     "z3": "addGate", "J": "mse"}
    for leaf in ("X", "y", "W1", "b1", "W2", "b2"):
        assert f'"{leaf}" [label=<' in text


def mermaid_edges(text: str) -> list[tuple[str, str | None]]:
    found = []
    for label in re.findall(r'-->\|"(.*)"\|', text):
        parts = label.split("<br/>")
        gradient = re.sub(r"<[^>]+>", "", parts[1]).lstrip("◀ ") if len(parts) > 1 else None
        found.append((parts[0], gradient))
    return found


def test_the_mermaid_text_has_every_value_and_gradient_of_network_md():
    text = to_mermaid(Graph.mlp([2, 3, 1]), {"k": 4})
    assert "flowchart LR" in text.splitlines()
    edges = mermaid_edges(text)
    assert len(edges) == len(EDGES) + 1
    assert dict(split_label(f) for f, _ in edges) == VALUES
    assert dict(split_label(g) for _, g in edges if g) == GRADIENTS
    for kind in ("mulGate", "addGate", "sigmoid", "mse"):
        assert f"<b>{kind}</b>" in text


def test_a_symbolic_diagram_keeps_the_batch_as_k():
    edges = dot_edges(to_dot(Graph.mlp([2, 3, 1]), {}))
    forward = dict(split_label(f) for f, _ in edges.values())
    assert forward["XW¹"] == "k×3" and forward["W¹"] == "2×3" and forward["J"] == "scalar"


def test_the_columns_convention_diagram_shows_the_transposed_shapes():
    edges = dot_edges(to_dot(Graph.mlp([2, 3, 1], convention="columns"), {"k": 4}))
    forward = dict(split_label(f) for f, _ in edges.values())
    gradients = dict(split_label(g) for _, g in edges.values() if g)
    # NETWORK.md, the columns convention
    assert (forward["X"], forward["W¹"], forward["W¹X"], forward["b¹"], forward["z²"],
            forward["W²"], forward["z³"]) == ("2×4", "3×2", "3×4", "3×1", "3×4", "1×3", "1×4")
    assert (gradients["δ³ = dJ/dz³"], gradients["δ² = dJ/dz²"], gradients["dJ/dW²"],
            gradients["dJ/da²"], gradients["dJ/dW¹"], gradients["dJ/db¹"]) == (
        "1×4", "3×4", "1×3", "3×4", "3×2", "3×1")


@pytest.mark.parametrize("suffix", [".dot", ".mmd"])
def test_write_diagram_writes_the_text_forms(tmp_path, suffix):
    g = Graph.mlp([2, 3, 1])
    path = tmp_path / f"net{suffix}"
    assert write_diagram(g, path, {"k": 4}) == str(path)
    made = to_dot if suffix == ".dot" else to_mermaid
    assert path.read_text(encoding="utf-8") == made(g, {"k": 4})


@pytest.mark.skipif(not HAVE_DOT, reason="Graphviz's dot is not installed (apt-get install graphviz)")
def test_the_svg_is_drawn_by_graphviz_with_every_label(tmp_path):
    path = tmp_path / "net.svg"
    write_diagram(Graph.mlp([2, 3, 1]), path, {"k": 4})
    svg = html.unescape(path.read_text(encoding="utf-8"))
    assert "<svg" in svg
    # Graphviz writes a double space as a no-break one: compare words, not spaces.
    texts = [" ".join(t.split()) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    for name, shape in {**VALUES, **GRADIENTS}.items():
        assert f"{name} {shape}" in texts, (name, shape)
    assert texts.count("mulGate") == 2 and texts.count("addGate") == 2


@pytest.mark.skipif(not HAVE_DOT, reason="Graphviz's dot is not installed (apt-get install graphviz)")
def test_the_png_is_drawn_by_graphviz(tmp_path):
    path = tmp_path / "net.png"
    write_diagram(Graph.mlp([2, 3, 1]), path, {"k": 4})
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_graphviz_one_line_says_how_to_get_it_and_the_dot_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(diagram.shutil, "which", lambda name: None)
    g = Graph.mlp([2, 3, 1])
    with pytest.raises(GraphvizMissing) as caught:
        write_diagram(g, tmp_path / "net.svg", {"k": 4})
    message = str(caught.value)
    assert "\n" not in message
    assert "Graphviz" in message and "apt-get install graphviz" in message
    assert str(tmp_path / "net.dot") in message
    assert (tmp_path / "net.dot").read_text(encoding="utf-8") == to_dot(g, {"k": 4})
    assert isinstance(caught.value, ValueError)  # the command line's one-line error


def test_an_unknown_suffix_is_refused_with_the_ones_that_work(tmp_path):
    with pytest.raises(ValueError, match=r"\.dot .*\.mmd .*\.svg or \.png"):
        write_diagram(Graph.mlp([2, 3, 1]), tmp_path / "net.txt", {"k": 4})


def test_a_folder_that_does_not_exist_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match=r"cannot write .*missing/net\.dot: No such file or directory"):
        write_diagram(Graph.mlp([2, 3, 1]), tmp_path / "missing" / "net.dot", {"k": 4})


def test_an_empty_name_is_refused(tmp_path):
    with pytest.raises(ValueError, match="needs a file name"):
        write_diagram(Graph.mlp([2, 3, 1]), "", {"k": 4})


@pytest.mark.skipif(not HAVE_DOT, reason="Graphviz's dot is not installed (apt-get install graphviz)")
def test_the_svg_viewbox_covers_the_whole_drawing(tmp_path):
    """Graphviz given a PNG's dpi scales an SVG's width and height but not its viewBox, and a
    browser then shows the top-left quarter. Width and height (in points) must equal the
    viewBox's size, and every text must lie inside it."""
    import xml.etree.ElementTree as ElementTree
    path = tmp_path / "net.svg"
    write_diagram(Graph.mlp([2, 3, 1]), path, {"k": 4})
    root = ElementTree.parse(path).getroot()
    x0, y0, w, h = map(float, root.get("viewBox").split())
    assert (x0, y0) == (0.0, 0.0)
    assert float(root.get("width").removesuffix("pt")) == pytest.approx(w)
    assert float(root.get("height").removesuffix("pt")) == pytest.approx(h)
    graph = root.find("{http://www.w3.org/2000/svg}g")
    dx, dy = map(float, re.search(r"translate\(([-\d.]+) ([-\d.]+)\)", graph.get("transform")).groups())
    texts = root.iter("{http://www.w3.org/2000/svg}text")
    points = [(float(t.get("x")) + dx, float(t.get("y")) + dy) for t in texts]
    assert len(points) > 20 and all(0 <= x <= w and 0 <= y <= h for x, y in points)


def test_without_graphviz_an_existing_dot_file_is_left_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(diagram.shutil, "which", lambda name: None)
    (tmp_path / "net.dot").write_text("my own\n")
    with pytest.raises(GraphvizMissing, match="net.dot exists already and was left as it is"):
        write_diagram(Graph.mlp([2, 3, 1]), tmp_path / "net.svg", {"k": 4})
    assert (tmp_path / "net.dot").read_text() == "my own\n" and not (tmp_path / "net.svg").exists()


def awkward_graph():
    """A hand-built graph whose names hold what DOT and Mermaid would read as syntax."""
    import numpy as np

    from gates import MSELoss, MulGate
    g = Graph()
    name = 'x"<in>\n#put'
    g.input(name, ("k", 2), label=name)
    g.input("y", ("k", 1))
    g.param('W"1', np.ones((2, 1)), label="W<1>")
    g.add(MulGate(), [name, 'W"1'], "z")
    g.add(MSELoss(), ["z", "y"], "J")
    return g


def test_quotes_angle_brackets_and_newlines_are_escaped_in_dot(tmp_path):
    text = to_dot(awkward_graph(), {"k": 3})
    lines = text.splitlines()
    assert lines[0] == "digraph gates {" and lines[-1] == "}"
    for line in lines[1:-1]:  # one statement per line, every one closed
        assert line.rstrip().endswith(";"), line
    assert '"x\\"<in>\\n#put" [label=<x&quot;&lt;in&gt;<br/>#put>' in text
    assert '"W\\"1" [label=<W&lt;1&gt;>' in text
    if HAVE_DOT:  # and Graphviz reads it, with the names as given
        svg = tmp_path / "awkward.svg"
        write_diagram(awkward_graph(), svg, {"k": 3})
        titles = [html.unescape(t) for t in re.findall(r"<title>([^<]*)</title>", svg.read_text())]
        # the quote is a quote again; the newline stays the two characters \n in a DOT id
        assert 'x"<in>\\n#put' in titles and 'W"1' in titles


def test_quotes_angle_brackets_and_newlines_are_escaped_in_mermaid():
    text = to_mermaid(awkward_graph(), {"k": 3})
    body = [line for line in text.splitlines() if not line.startswith("%%")]
    labels = re.findall(r'\("(.*?)"\)|\["(.*?)"\]|\|"(.*?)"\|', "\n".join(body))
    flat = [next(part for part in found if part) for found in labels]
    assert "x#quot;#lt;in#gt;<br/>#35;put" in flat and "W#lt;1#gt;" in flat
    for label in flat:  # what remains of < and > is the markup this module writes itself
        assert '"' not in label
        assert not re.sub(r"</?(b|br/|span[^>]*)>", "", label).count("<")


def trace(*options: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "gates.trace", "--format", "plain", *options],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)


def test_the_command_line_writes_the_diagram(tmp_path):
    path = tmp_path / "net.mmd"
    done = trace("--diagram", str(path), "--batch", "4")
    assert done.returncode == 0, done.stderr
    assert dict(split_label(f) for f, _ in mermaid_edges(path.read_text(encoding="utf-8"))) == VALUES


def test_the_command_line_refuses_an_unknown_suffix_in_one_line(tmp_path):
    done = trace("--diagram", str(tmp_path / "net.txt"))
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and ".mmd" in done.stderr


def test_the_readme_shows_the_mermaid_diagram_the_code_writes():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```mermaid\n(.*?)```", readme, re.S)
    assert block is not None, "README's 'Labs and pictures' shows the [2,3,1] diagram"
    assert block.group(1) == to_mermaid(Graph.mlp([2, 3, 1]), {"k": 4})


def test_a_gate_without_a_shape_rule_is_drawn_with_a_question_mark():
    g = unruled_square_graph()  # a² has no shape until data flows
    forward = dict(split_label(f) for f, _ in dot_edges(to_dot(g, {"k": 4})).values())
    assert forward == {"X": "4×2", "W¹": "2×1", "z²": "4×1", "a²": "?", "y": "4×1", "J": "?"}
