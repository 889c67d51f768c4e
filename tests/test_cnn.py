"""Convolutional networks: Graph.from_spec, the LeNet walkthrough, its gradients and its errors.

Shapes here are derived in the test from H′ = (H + 2p − kh)/s + 1, independently of the
library's rules; gradients are checked against central differences and against the hand-written
numpy LeNet of scripts/bench_cnn.py, a second implementation.
"""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import central_difference  # tests/ is on the path, as pytest puts it there

from gates import ShapeError
from graph import Graph
from graph.diagram import to_mermaid
from graph.quiz import questions, run_quiz
from graph.spec import parse_spec
from graph.spec_walk import example_data, size_symbols
from graph.walkthrough import trace

ROOT = Path(__file__).resolve().parents[1]
LENET = "conv 6 5x5, relu, maxpool 2, conv 16 5x5, relu, maxpool 2, flatten, 120, relu, 84, relu, 10"


def load_bench_cnn():
    spec = importlib.util.spec_from_file_location("bench_cnn", ROOT / "scripts" / "bench_cnn.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def side(n: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    out = (n + 2 * padding - kernel) / stride + 1
    assert out == int(out)
    return int(out)


# --- building ---------------------------------------------------------------------------------------

def test_lenet_has_61706_parameters_for_32x32_input():
    counted = (6 * 1 * 5 * 5 + 6) + (16 * 6 * 5 * 5 + 16) + (16 * 5 * 5 * 120 + 120) + \
              (120 * 84 + 84) + (84 * 10 + 10)
    assert counted == 61_706
    summary = Graph.from_spec("lenet", input_shape=(1, 32, 32)).summary()
    assert summary.total_params == 61_706
    assert "Total params: 61,706 (weights 61,470, biases 236)" in str(summary)
    assert Graph.from_spec(LENET, (1, 32, 32)).summary().total_params == 61_706


def test_names_follow_the_mlp_notation():
    g = Graph.from_spec(LENET, input_shape=(1, 28, 28), loss="cross_entropy")
    assert list(g.nodes) == ["X", "W1", "XW1", "b1", "z2", "a2", "p2", "W2", "p2W2", "b2", "z3", "a3",
                             "p3", "f3", "W3", "f3W3", "b3", "z4", "a4", "W4", "a4W4", "b4", "z5", "a5",
                             "W5", "a5W5", "b5", "z6", "y", "J"]
    assert [g.nodes[n].label for n in ("p2W2", "f3", "z6")] == ["p²W²", "f³", "z⁶"]
    assert g.nodes["z3"].grad_label == "δ³ = dJ/dz³"
    assert g.nodes["XW1"].grad_label == "dJ/d(XW¹) = δ²"
    shapes = {name: g.nodes[name].shape for name in ("X", "W1", "b1", "W2", "b2", "W3", "y")}
    assert shapes == {"X": ("k", 1, 28, 28), "W1": (6, 1, 5, 5), "b1": (1, 6, 1, 1),
                      "W2": (16, 6, 5, 5), "b2": (1, 16, 1, 1), "W3": (256, 120), "y": ("k", 10)}


def test_options_of_a_spec_item():
    items = parse_spec(" Conv 8 3×3  stride 2 pad 1 , MAXPOOL 3 stride 2, avgpool 2, 256x120 ")
    assert [(i.kind, i.size, i.kernel, i.stride, i.padding, i.rows) for i in items] == [
        ("conv", 8, (3, 3), 2, 1, None), ("maxpool", 3, (3, 3), 2, 0, None),
        ("avgpool", 2, (2, 2), 2, 0, None), ("dense", 120, (1, 1), 1, 0, 256)]
    g = Graph.from_spec("conv 4 3x5 pad 1, tanh, avgpool 2, flatten, 3", (2, 8, 10), loss="mse")
    assert g.nodes["XW1"].shape == ("k", 4, side(8, 3, 1, 1), side(10, 5, 1, 1))
    assert g.nodes["p2"].shape == ("k", 4, 4, 4) and g.nodes["y"].shape == ("k", 3)


# --- the walkthrough: every shape, forward and backward ---------------------------------------------

def lenet_shapes(k: int, H: int) -> tuple[list, list]:
    """The forward (label, shape) of each gate and the backward (label, shape) of each gradient,
    derived here from H′ = (H − kh)/s + 1."""
    c1 = side(H, 5)
    p1 = side(c1, 2, 2)
    c2 = side(p1, 5)
    p2 = side(c2, 2, 2)
    flat = 16 * p2 * p2
    forward = [("XW¹", [k, 6, c1, c1]), ("z²", [k, 6, c1, c1]), ("a²", [k, 6, c1, c1]),
               ("p²", [k, 6, p1, p1]), ("p²W²", [k, 16, c2, c2]), ("z³", [k, 16, c2, c2]),
               ("a³", [k, 16, c2, c2]), ("p³", [k, 16, p2, p2]), ("f³", [k, flat]),
               ("f³W³", [k, 120]), ("z⁴", [k, 120]), ("a⁴", [k, 120]), ("a⁴W⁴", [k, 84]),
               ("z⁵", [k, 84]), ("a⁵", [k, 84]), ("a⁵W⁵", [k, 10]), ("z⁶", [k, 10]), ("J", [])]
    backward = [("δ⁶ = dJ/dz⁶", [k, 10]), ("dJ/db⁵", [1, 10]), ("dJ/d(a⁵W⁵) = δ⁶", [k, 10]),
                ("dJ/dW⁵", [84, 10]), ("dJ/da⁵", [k, 84]), ("δ⁵ = dJ/dz⁵", [k, 84]),
                ("dJ/db⁴", [1, 84]), ("dJ/d(a⁴W⁴) = δ⁵", [k, 84]), ("dJ/dW⁴", [120, 84]),
                ("dJ/da⁴", [k, 120]), ("δ⁴ = dJ/dz⁴", [k, 120]), ("dJ/db³", [1, 120]),
                ("dJ/d(f³W³) = δ⁴", [k, 120]), ("dJ/dW³", [flat, 120]), ("dJ/df³", [k, flat]),
                ("dJ/dp³", [k, 16, p2, p2]), ("dJ/da³", [k, 16, c2, c2]), ("δ³ = dJ/dz³", [k, 16, c2, c2]),
                ("dJ/db²", [1, 16, 1, 1]), ("dJ/d(p²W²) = δ³", [k, 16, c2, c2]),
                ("dJ/dW²", [16, 6, 5, 5]), ("dJ/dp²", [k, 6, p1, p1]), ("dJ/da²", [k, 6, c1, c1]),
                ("δ² = dJ/dz²", [k, 6, c1, c1]), ("dJ/db¹", [1, 6, 1, 1]),
                ("dJ/d(XW¹) = δ²", [k, 6, c1, c1]), ("dJ/dW¹", [6, 1, 5, 5])]
    return forward, backward


def test_lenet_walkthrough_json_has_every_shape_forward_and_backward():
    g = Graph.from_spec("lenet", input_shape=(1, 28, 28))
    walk = json.loads(trace(g, example_data(g, batch=4), lr=0.1).render("json"))
    forward, backward = lenet_shapes(4, 28)
    assert [(e["label"], e["shape"]) for e in walk["forward"]] == forward
    assert [(e["label"], e["shape"]) for e in walk["backward"]] == backward
    assert all(e["shape"] == e["grad_shape"] for e in walk["update"])
    assert walk["network"]["spec"] == LENET and walk["network"]["input_shape"] == [1, 28, 28]
    conv = walk["forward"][0]
    assert conv["arithmetic"] == "(4×1×28×28)∗(6×1×5×5) → 4×6×24×24"
    assert conv["note"] == "as a product: W¹·im2col(X) (6×25)·(25×2304) → 6×2304"
    by_label = {e["label"]: e for e in walk["backward"]}
    assert by_label["dJ/dW¹"]["arithmetic"] == "(6×2304)·(2304×25) → 6×25 → 6×1×5×5"
    assert by_label["dJ/dp²"]["arithmetic"] == "(150×16)·(16×256) → 150×256, col2im → 4×6×12×12"
    # the bias: an addGate broadcast over three axes, its gradient summed over them
    assert by_label["dJ/db¹"]["formula"].startswith("Σ ") and by_label["dJ/db¹"]["shape"] == [1, 6, 1, 1]
    assert walk["loss_after"] < walk["loss"]


def test_symbolic_walkthrough_keeps_the_batch_and_H_W_as_symbols():
    g = Graph.from_spec("lenet", input_shape=(1, 28, 28), allocate=False)
    forward, _ = lenet_shapes("k", 28)
    assert [(e["label"], e["shape"]) for e in trace(g).forward] == forward
    shapes, sizes = size_symbols(g)
    assert sizes == {"H": 28, "W": 28}
    events = {e["label"]: e["shape"] for e in trace(g, shapes=shapes).forward}
    assert events["XW¹"] == ["k", 6, "(H−4)", "(W−4)"]
    assert events["p³"] == ["k", 16, "(H−12)/4", "(W−12)/4"]
    flat = events["f³"][1]
    assert flat == "16·(H−12)/4·(W−12)/4"
    assert eval(flat.replace("·", "*").replace("−", "-").replace("H", "28").replace("W", "28")) == 256


# --- gradients ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("spec, shape, loss", [
    ("conv 3 3x3 stride 2 pad 1, relu, maxpool 2, conv 2 2x2, tanh, flatten, 3", (2, 7, 7), "cross_entropy"),
    ("conv 4 3x3 pad 1, sigmoid, avgpool 2, flatten, 5, tanh, 3", (1, 6, 6), "mse"),
    ("conv 2 3x3 stride 2 pad 1, maxpool 3 stride 1, flatten, 2", (1, 8, 8), "half_sse"),
])
def test_every_gradient_of_a_small_cnn_passes_central_differences(spec, shape, loss, rng):
    g = Graph.from_spec(spec, shape, loss=loss, seed=3)
    inputs = example_data(g, batch=3, seed=5)
    g.forward(**inputs)
    grads = g.backward()
    for name, param in g.params.items():
        def J(value, name=name):
            saved = g.params[name].copy()
            g.params[name] = value
            try:
                return g.forward(**inputs)
            finally:
                g.params[name] = saved
        numeric = central_difference(J, param.copy())
        assert grads[name].shape == param.shape
        scale = max(np.abs(numeric).max(), 1e-12)
        assert np.abs(grads[name] - numeric).max() / scale < 1e-6, name


def test_lenet_equals_the_hand_written_numpy_version():
    bench = load_bench_cnn()
    g = Graph.from_spec("lenet", (1, 28, 28))
    X, y = bench.data(8, (1, 28, 28))
    by_hand = bench.NumpyLeNet.from_graph(g)
    J = g.forward(X=X, y=y)
    grads = g.backward()
    J_hand, grads_hand = by_hand.forward_backward(X, y)
    assert J_hand == pytest.approx(J, rel=1e-12)
    assert set(grads_hand) == set(g.params)
    for name, grad in grads_hand.items():
        np.testing.assert_allclose(grads[name], grad, rtol=1e-10, atol=1e-14 * np.abs(grad).max())


def test_the_benchmark_runs_and_its_engines_agree(tmp_path):
    """A smoke run (one repetition, one step): no time is asserted, only what the figures are."""
    bench = load_bench_cnn()
    out = tmp_path / "b.json"
    result = bench.main(["--batch", "4", "--repeat", "1", "--number", "1", "--json", str(out)])
    assert set(result["median_s"]) >= {"gates", "gates lesson", "numpy"}
    losses = list(result["first_loss"].values())
    assert max(losses) - min(losses) <= 1e-10 * abs(losses[0])
    assert json.loads(out.read_text())["ratios"]["gates/numpy"] > 0


def test_train_step_computes_what_forward_backward_step_compute():
    """The fast path (a convGate kernel that skips dJ/dX of the input) changes no number."""
    fast, lesson = Graph.from_spec("lenet", (1, 28, 28)), Graph.from_spec("lenet", (1, 28, 28))
    inputs = example_data(fast, batch=5, seed=2)
    for _ in range(3):  # the first step plans, the next ones run the kernels
        J_fast = fast.train_step(0.05, **inputs)
        J = lesson.forward(**inputs)
        lesson.backward()
        lesson.step(0.05)
        assert J_fast == J
    for name in fast.params:
        np.testing.assert_array_equal(fast.params[name], lesson.params[name])
        np.testing.assert_array_equal(fast.grads[name], lesson.grads[name])


def test_a_small_cnn_learns_which_half_of_the_image_is_bright(rng):
    X = rng.standard_normal((32, 1, 6, 6)) * 0.1
    left = rng.integers(0, 2, size=32)
    X[left == 1, :, :, :3] += 1.0
    X[left == 0, :, :, 3:] += 1.0
    y = np.eye(2)[left]
    g = Graph.from_spec("conv 4 3x3, relu, maxpool 2, flatten, 2", (1, 6, 6), seed=1)
    history = g.fit(X, y, epochs=60, lr=0.5, progress=False)
    assert history[-1] < 0.1 * history[0]


# --- errors ----------------------------------------------------------------------------------------

def test_a_size_that_is_not_whole_fails_with_the_fix():
    with pytest.raises(ShapeError) as caught:
        Graph.from_spec("conv 6 5x5 stride 2, relu, flatten, 10", input_shape=(1, 28, 28))
    error = caught.value
    assert error.gate == "convGate" and error.node == "XW1"
    assert "in spec item 1, 'conv 6 5x5 stride 2'" in error.problem
    assert "(28 + 2·0 − 5)/2 + 1 = 12.5 is not a whole number" in error.problem
    assert "With padding=1 it fits" in error.fix
    assert "The whole network fits an input of 1×27×27 or 1×29×29." in error.fix
    with pytest.raises(ShapeError) as caught:
        Graph.from_spec(LENET, input_shape=(1, 30, 30))   # 26 → 13 → 9 → maxpool: 4.5
    assert "in spec item 6, 'maxpool 2'" in caught.value.problem
    assert "1×28×28 or 1×32×32" in caught.value.fix


def test_a_wrong_flatten_size_says_the_size_it_should_be():
    spec = LENET.replace("flatten, 120", "flatten, 400x120")
    with pytest.raises(ShapeError) as caught:
        Graph.from_spec(spec, input_shape=(1, 28, 28))
    error = caught.value
    assert "the flattened size is 16·4·4 = 256, so W³ must be 256×120" in str(error)
    assert "400 is the flattened size of an input of 1×32×32" in error.fix
    assert Graph.from_spec(spec, input_shape=(1, 32, 32)).nodes["W3"].shape == (400, 120)
    with pytest.raises(ShapeError, match="a⁴ has 120 columns, so W⁴ must be 120×84"):
        Graph.from_spec(LENET.replace("84", "100x84"), input_shape=(1, 28, 28))


@pytest.mark.parametrize("spec, shape, words", [
    ("conv six 5x5", (1, 28, 28), "the number of kernels must be a whole number"),
    ("conv 6 5x5 strid 2", (1, 28, 28), "'strid' is not an option"),
    ("dense 10", (1, 28, 28), "'dense 10' is not a layer"),
    ("conv 6 5x5, , 10", (1, 28, 28), "empty item"),
    ("conv 6 5x5, relu, 120", (1, 28, 28), "put 'flatten' before '120'"),
    ("flatten, conv 6 5x5", (1, 28, 28), "put convolutions before 'flatten'"),
    ("conv 6 5x5, relu", (1, 28, 28), "cross_entropy needs logits k×classes"),
    ("conv 6 5x5, flatten, 10", (28, 28), "input_shape is one observation's channels"),
    ("", (1, 28, 28), "a spec is a string of layers"),
])
def test_spec_mistakes_are_named(spec, shape, words):
    with pytest.raises(ValueError, match=words):
        Graph.from_spec(spec, input_shape=shape)


# --- the quiz, the diagram, the command line --------------------------------------------------------

def test_the_quiz_asks_four_axis_shapes_and_reads_k_x_6_x_24_x_24():
    g = Graph.from_spec("lenet", (1, 28, 28), allocate=False)
    asked = questions(g, {"k": 4})
    forward, backward = lenet_shapes(4, 28)
    assert [(q.target, list(q.expected)) for q in asked[:len(forward)]] == forward
    answers = ["k×6×24×24"] + ["x".join(map(str, q.expected)) or "scalar" for q in asked[1:]]
    result = run_quiz(g, {"k": 4}, input=io.StringIO("\n".join(answers) + "\n"), output=io.StringIO())
    assert result.score == result.total == len(forward) + len(backward)
    out = io.StringIO()
    run_quiz(g, {"k": 4}, input=io.StringIO("4x6x28x28\n"), output=out)
    assert "a convolution keeps the batch, gives one channel per kernel" in " ".join(out.getvalue().split())


def test_the_diagram_draws_every_tensor_and_its_gradient():
    text = to_mermaid(Graph.from_spec("lenet", (1, 28, 28), allocate=False), {"k": 4})
    for shown in ("X  4×1×28×28", "W¹  6×1×5×5", "dJ/dW¹  6×1×5×5", "dJ/db¹  1×6×1×1",
                  "f³  4×256", "dJ/dp³  4×16×4×4"):
        assert shown in text


def run_trace(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gates.trace", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_the_command_line_walks_lenet_and_refuses_a_bad_spec_in_one_line():
    done = run_trace("--net", "lenet", "--input", "1x28x28", "--format", "json")
    assert done.returncode == 0, done.stderr
    walk = json.loads(done.stdout)
    forward, backward = lenet_shapes(4, 28)
    assert [(e["label"], e["shape"]) for e in walk["backward"]] == backward
    symbolic = json.loads(run_trace("--net", "lenet", "--symbolic", "all", "--format", "json").stdout)
    assert symbolic["forward"][0]["shape"] == ["k", 6, "(H−4)", "(W−4)"]
    for args, words in [
        (("--net", "conv 6 5x5 stride 2, flatten, 10", "--input", "1x28x28"), "= 12.5 is not a whole number"),
        (("--net", "lenet", "--input", "1x28"), "is not an image shape"),
        (("--input", "1x28x28"), "use it with --net"),
        (("--net", "conv 6 5x5, flatten, 10"), "--net needs the image shape"),
        (("--net", "lenet", "--layers", "2,3,1"), "drop --layers"),
    ]:
        done = run_trace(*args)
        assert done.returncode == 2 and done.stdout == ""
        assert words in done.stderr and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_an_image_bias_is_said_in_image_words_forward_and_backward():
    from gates import AddGate
    gate = AddGate()
    shapes = [("k", 6, 28, 28), (1, 6, 1, 1)]
    assert gate.note(shapes) == "B broadcast over batch, height and width (k × 28 × 28)"
    assert gate.local_diff(1, shapes) == "× 1, Σ over batch, height and width"


def test_a_flat_channel_bias_gets_the_1xFx1x1_reshape_as_its_fix():
    from gates import AddGate, ShapeError
    with pytest.raises(ShapeError) as caught:
        AddGate().forward(np.ones((2, 6, 4, 4)), np.ones(6))
    assert "Reshape B to (1, 6, 1, 1)" in str(caught.value)


def test_the_walkthrough_names_the_convolutional_network():
    from graph.walkthrough import trace
    g = Graph.from_spec("lenet", (1, 32, 32), allocate=False)
    text = trace(g, None).render("plain")
    assert text.startswith("Backprop walkthrough: a convolutional network on 1×32×32 images")
    assert "input          1×32×32 (C×H×W)" in text
    assert repr(g) == "<Graph 'lenet' on 1×32×32, 18 gates, rows convention>"
