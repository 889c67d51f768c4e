"""Slide-ready diagrams from `--diagram` (Graphviz): top to bottom or left to right, no wider
than 2:1 for the [2,3,1] network, readable on a 1280×720 slide, the operands of a product in
their order, the backward pass as its own red arrows, both conventions side by side, and layer
sizes as symbols.

The pictures are parsed (viewBox, width, height, texts, paths), not only their DOT text. The
Graphviz tests are skipped, with the reason, where Graphviz's dot is not installed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from graph import Graph
from graph.diagram import BACKWARD_COLOUR, to_dot, to_mermaid, write_diagram
from graph.walkthrough import layer_size_symbols

ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is not installed (apt-get install graphviz)")


def drawn(tmp_path, graph=None, **options) -> ET.Element:
    path = tmp_path / "net.svg"
    write_diagram(graph or Graph.mlp([2, 3, 1]), path, {"k": 4}, **options)
    return ET.parse(path).getroot()


def size(root: ET.Element) -> tuple[float, float]:
    """(width, height) in points, after checking that they are the viewBox's (Graphviz rounds
    the width and height to whole points: no crop, no stretch beyond a point)."""
    x0, y0, w, h = map(float, root.get("viewBox").split())
    assert (x0, y0) == (0, 0)
    assert float(root.get("width").removesuffix("pt")) == pytest.approx(w, abs=1)
    assert float(root.get("height").removesuffix("pt")) == pytest.approx(h, abs=1)
    return w, h


def texts(root: ET.Element) -> list[tuple[str, float, float]]:
    return [(" ".join((t.text or "").split()), float(t.get("x")), float(t.get("y")))
            for t in root.iter(f"{SVG}text")]


@needs_dot
def test_the_2_3_1_diagram_fits_a_slide(tmp_path):
    w, h = size(drawn(tmp_path))
    assert w / h <= 2  # no wider than 2:1: top to bottom by default
    px = min(1280 / (w * 4 / 3), 720 / (h * 4 / 3))  # the whole picture on a 1280×720 slide
    edge_font = 14 * 4 / 3  # px at full size
    assert edge_font * min(px, 1) >= 12


@needs_dot
def test_left_to_right_by_option(tmp_path):
    w, h = size(drawn(tmp_path, rankdir="LR"))
    assert w > 2 * h  # the long strip NETWORK.md draws, for a wide screen
    with pytest.raises(ValueError, match="rankdir"):
        to_dot(Graph.mlp([2, 3, 1]), {"k": 4}, rankdir="BT")


@needs_dot
def test_the_backward_pass_is_its_own_red_arrows(tmp_path):
    root = drawn(tmp_path)
    red = [p for p in root.iter(f"{SVG}path") if p.get("stroke") == BACKWARD_COLOUR]
    assert len(red) == 9  # one beside each of the 9 edges a gradient flows back along
    heads = [p for p in root.iter(f"{SVG}polygon") if p.get("stroke") == BACKWARD_COLOUR]
    assert len(heads) == 9  # each with its own arrow head, at the value it arrives at
    words = [t for t, _, _ in texts(root)]
    for gradient in ("δ³ = dJ/dz³ 4×1", "δ² = dJ/dz² 4×3", "dJ/dW¹ 2×3", "dJ/db¹ 1×3"):
        assert gradient in words


@needs_dot
def test_no_label_lies_over_the_formula_under_it(tmp_path):
    """cross_entropy's underscore once fell on the formula below it (baselines 10.4 pt apart, the
    formula in 10 pt): the baselines now stand further apart than the kind's descent (about a
    quarter of its 15 pt) and the formula's ascent (about three quarters of its 15 pt) together."""
    root = drawn(tmp_path, Graph.mlp([2, 4, 3], loss="cross_entropy"))
    found = texts(root)
    kind = next(y for t, _, y in found if t == "cross_entropy")
    formula = next(y for t, _, y in found if t.startswith("J = −(1/k)"))
    assert formula - kind >= 1.15 * 15


@needs_dot
@pytest.mark.parametrize("convention,first,second", [("rows", "X", "W¹"), ("columns", "W¹", "X")])
def test_a_product_shows_its_operands_in_order(tmp_path, convention, first, second):
    """X·W¹: X's box left of W¹'s (top to bottom) or above it (left to right); W¹·X the other way."""
    for rankdir, axis in (("TB", 1), ("LR", 2)):
        found = texts(drawn(tmp_path, Graph.mlp([2, 3, 1], convention=convention), rankdir=rankdir))
        where = {t: (x, y) for t, x, y in found if t in (first, second)}
        assert where[first][axis - 1] < where[second][axis - 1], rankdir


@needs_dot
def test_both_conventions_side_by_side(tmp_path):
    rows, columns = Graph.mlp([2, 3, 1]), Graph.mlp([2, 3, 1], convention="columns")
    root = drawn(tmp_path, rows, twin=columns)
    words = [t for t, _, _ in texts(root)]
    assert "rows: z = X·W + b" in words and "columns: z = W·X + b" in words
    assert "δ² = dJ/dz² 4×3" in words and "δ² = dJ/dz² 3×4" in words
    assert words.count("mulGate") == 4
    where = {(t, x > size(root)[0] / 2): x for t, x, _ in texts(root) if t in ("X", "W¹")}
    assert where[("X", False)] < where[("W¹", False)]  # rows, on the left: X·W¹
    assert where[("W¹", True)] < where[("X", True)]    # columns, on the right: W¹·X
    w, h = size(root)
    assert w / h <= 2


def test_layer_sizes_as_symbols_in_dot_and_mermaid():
    g = Graph.mlp([2, 3, 1], allocate=False)
    shapes, _ = layer_size_symbols(g)
    assert "dJ/dW¹  m¹×m²" in to_dot(g, shapes=shapes) and "k×m²" in to_dot(g, shapes=shapes)
    assert "W¹  m¹×m²" in to_mermaid(g, shapes=shapes)


def test_mermaid_draws_both_conventions_in_frames_of_their_own():
    text = to_mermaid(Graph.mlp([2, 3, 1]), {"k": 4}, twin=Graph.mlp([2, 3, 1], convention="columns"))
    assert text.count("subgraph ") == 2 and text.count("\n    end") == 2
    assert "X  4×2" in text and "X  2×4" in text


def command(*options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gates.trace", "--format", "plain", *options],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_the_command_line_draws_symbols_and_both_conventions(tmp_path):
    path = tmp_path / "net.dot"
    done = command("--symbolic", "all", "--diagram", str(path))
    assert done.returncode == 0, done.stderr
    assert "dJ/dW¹  m¹×m²" in path.read_text(encoding="utf-8")
    done = command("--compare-conventions", "--diagram", str(path), "--rankdir", "LR")
    assert done.returncode == 0, done.stderr
    text = path.read_text(encoding="utf-8")
    assert "rankdir=LR" in text and '"1:caption"' in text and "X  2×4" in text
