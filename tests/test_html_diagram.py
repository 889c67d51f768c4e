"""Pictures a notebook shows inline and a slide can hold: graph.html_diagram's SVG (laid out by
gates itself, no Graphviz), a Graph's display, a marked quiz's display.

The shapes are NETWORK.md's for the [2,3,1] network with k = 4, written out by hand.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from conftest import unruled_square_graph  # tests/ is on the path

from graph import Graph
from graph.html_diagram import draw, graph_html
from graph.html_model import FONT_SIZE
from graph.html_quiz import quiz_html
from graph.html_svg import BACKWARD_COLOUR
from graph.quiz import run_quiz
from graph.walkthrough import layer_size_symbols

SVG = "{http://www.w3.org/2000/svg}"
GRADIENTS = {"δ³  4×1": 2, "dJ/db²  1×1": 1, "dJ/dW²  3×1": 1, "dJ/da²  4×3": 1, "δ²  4×3": 2,
             "dJ/db¹  1×3": 1, "dJ/dW¹  2×3": 1}   # δ³ and δ² each flow back along two edges


def parsed(drawing) -> ET.Element:
    return ET.fromstring(drawing.svg)


def texts(root: ET.Element, cls: str) -> list[str]:
    return [t.text for t in root.iter(f"{SVG}text") if t.get("class") == cls]


@pytest.mark.parametrize("rankdir", ["TB", "LR"])
def test_the_svg_is_its_own_size_and_holds_every_value_and_gradient(rankdir):
    drawing = draw(Graph.mlp([2, 3, 1]), {"k": 4}, rankdir=rankdir)
    root = parsed(drawing)
    x0, y0, w, h = map(float, root.get("viewBox").split())
    assert (x0, y0) == (0, 0) and (w, h) == (float(root.get("width")), float(root.get("height")))
    assert (w, h) == (drawing.width, drawing.height)
    for t in root.iter(f"{SVG}text"):  # every text starts inside the picture
        assert 0 <= float(t.get("x")) <= w and 0 <= float(t.get("y")) <= h + 12
    assert sorted(texts(root, "gw-value")) == sorted(
        ["X  4×2", "W¹  2×3", "XW¹  4×3", "b¹  1×3", "z²  4×3", "a²  4×3", "W²  3×1", "a²W²  4×1",
         "b²  1×1", "z³  4×1", "y  4×1"])
    grads = texts(root, "gw-grad-label")
    assert {g: grads.count(g) for g in set(grads)} == GRADIENTS
    backward = [p for p in root.iter(f"{SVG}path") if p.get("class") == "gw-bwd"]
    assert len(backward) == 9 and all(p.get("stroke") == BACKWARD_COLOUR for p in backward)
    assert all(p.get("marker-end", "").endswith("-bwd)") for p in backward)  # each its own arrow


def test_the_2_3_1_picture_fits_a_slide():
    drawing = draw(Graph.mlp([2, 3, 1]), {"k": 4})  # top to bottom by default
    assert drawing.width / drawing.height <= 2 and drawing.height / drawing.width <= 2
    scale = min(1280 / drawing.width, 720 / drawing.height)  # shown whole on a 1280×720 slide
    assert FONT_SIZE * min(scale, 1.0) >= 12  # px: its labels stay readable


def test_the_product_reads_in_operand_order():
    """X·W¹: X before W¹ (left of it, top to bottom; above it, left to right); W¹·X in the
    columns convention: W¹ first."""
    for convention, first, second in (("rows", "X", "W1"), ("columns", "W1", "X")):
        for rankdir, axis in (("TB", "x"), ("LR", "y")):
            root = parsed(draw(Graph.mlp([2, 3, 1], convention=convention), {"k": 4}, rankdir=rankdir))
            where = {}
            for g in root.iter(f"{SVG}g"):
                if g.get("data-name") in (first, second):
                    rect = g.find(f"{SVG}rect")
                    where[g.get("data-name")] = float(rect.get(axis)) + float(rect.get("width" if axis == "x"
                                                                                         else "height")) / 2
            assert where[first] < where[second], (convention, rankdir)


def test_layer_sizes_as_symbols_and_a_file():
    g = Graph.mlp([2, 3, 1], allocate=False)
    shapes, _ = layer_size_symbols(g)
    drawing = draw(g, shapes=shapes)
    assert "dJ/dW¹  m¹×m²" in texts(parsed(drawing), "gw-grad-label")
    assert "batch k" in drawing.svg


def test_save_writes_the_svg_whole(tmp_path):
    drawing = draw(Graph.mlp([2, 3, 1]), {"k": 4})
    path = tmp_path / "net.svg"
    assert drawing.save(path) == str(path) and path.read_text(encoding="utf-8") == drawing.svg
    assert drawing._repr_svg_() == drawing.svg
    with pytest.raises(ValueError, match="file name"):
        drawing.save("")
    with pytest.raises(ValueError, match="cannot write"):
        drawing.save(tmp_path / "missing" / "net.svg")


def test_a_graph_shows_its_table_and_its_picture():
    page = graph_html(Graph.mlp([2, 3, 1]))
    assert "Total params" in page and "<svg" in page and "http" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    assert "δ²  k×3" in page  # no data yet: the batch is k

    g = unruled_square_graph()  # a² has no shape until data flows
    page = graph_html(g)
    assert "Total params" in page and "<svg" not in page and "a² (square)" in page


def test_a_marked_quiz_shows_as_a_table():
    answers = io.StringIO("4x2\n2x3\n3x4\n")  # X right, W¹ right, XW¹ wrong (4×3), then no more
    result = run_quiz(Graph.mlp([2, 3, 1]), {"k": 4}, input=answers, output=io.StringIO())
    page = quiz_html(result)
    rows = page.split("<tr>")[2:]
    assert len(rows) == result.total == 21
    assert "✓" in rows[0] and "✓" in rows[1] and "✗ it is 4×3" in rows[2] and "why?" in rows[2]
    assert "unanswered" in rows[3] and f"Score: 2/{result.total}" in page
