"""The benchmark keeps working and compares like with like.

The hand-written numpy network (scripts/numpy_mlp.py) is a second implementation of Graph.mlp:
it must give the same loss, gradients and update, and central differences confirm its
gradients independently of both. The benchmark itself runs with tiny repetition counts and its
JSON document is checked for structure and for agreeing losses; no time is asserted anywhere.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from graph import Graph

ROOT = Path(__file__).resolve().parent.parent


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


numpy_mlp = load("numpy_mlp")


def close(a, b, rtol: float = 1e-12) -> bool:
    """Equal up to rtol relative to the larger array's scale (entries near 0 do not blow up)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), 1e-300)
    return a.shape == b.shape and float(np.max(np.abs(a - b))) <= rtol * scale


def data(layers, k, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((k, layers[0])), rng.standard_normal((k, layers[-1]))


@pytest.mark.parametrize("layers, k, activation", [
    ([2, 3, 1], 4, "sigmoid"),                # the benchmark's tiny case
    ([64, 128, 10], 32, "sigmoid"),           # medium
    ([784, 512, 512, 10], 8, "relu"),         # large, on a small batch to stay fast
    ([3, 5, 4, 2], 6, "tanh"),
])
def test_the_numpy_baseline_computes_what_the_graph_computes(layers, k, activation):
    X, y = data(layers, k)
    g = Graph.mlp(layers, activation=activation, loss="mse", seed=0)
    by_hand = numpy_mlp.NumpyMLP.from_graph(g)
    J = g.forward(X=X, y=y)
    assert by_hand.forward(X, y) == pytest.approx(J, rel=1e-12)
    grads, mine = g.backward(), by_hand.backward()
    count = len(layers) - 1
    expected = ({f"W{l}" for l in range(1, count + 1)} | {f"b{l}" for l in range(1, count + 1)}
                | {f"z{l}" for l in range(2, count + 2)})
    assert set(mine) == expected
    for name in expected:
        assert close(mine[name], grads[name]), name
    g.step(0.1)
    by_hand.step(0.1)
    for l in range(1, count + 1):
        assert close(by_hand.W[l - 1], g.params[f"W{l}"]) and close(by_hand.b[l - 1], g.params[f"b{l}"])
    assert by_hand.forward(X, y) == pytest.approx(g.forward(X=X, y=y), rel=1e-12)


def test_the_numpy_baselines_gradients_match_central_differences(numeric_grad):
    layers, k = [2, 3, 1], 4
    X, y = data(layers, k)
    by_hand = numpy_mlp.NumpyMLP.from_graph(Graph.mlp(layers, seed=0))
    by_hand.forward(X, y)
    grads = by_hand.backward()
    for l in range(len(by_hand.W)):
        for name, arrays in ((f"W{l + 1}", by_hand.W), (f"b{l + 1}", by_hand.b)):
            original = arrays[l].copy()

            def J(value, arrays=arrays, l=l, original=original):  # bound now, not at the loop's end
                arrays[l] = value
                try:
                    return by_hand.forward(X, y)
                finally:
                    arrays[l] = original
            assert close(grads[name], numeric_grad(J, original), rtol=1e-7), name


def test_the_numpy_baseline_names_an_unknown_activation():
    with pytest.raises(ValueError, match="unknown activation 'softplus'.*sigmoid, tanh, relu"):
        numpy_mlp.NumpyMLP([np.ones((2, 1))], [np.zeros((1, 1))], activation="softplus")


# --- the fast path computes what the checked path computes ----------------------------------

def twin(g: Graph, **options) -> Graph:
    """A new graph with g's parameters: its first forward takes the checked path."""
    fresh = Graph.mlp(g.meta["layers"], **options)
    for name, value in g.params.items():
        fresh.params[name] = value
    return fresh


@pytest.mark.parametrize("options", [
    dict(activation="sigmoid"),
    dict(activation="tanh", loss="half_sse", convention="columns"),
    dict(activation="relu", output_activation="sigmoid", bias=False),
    dict(activation="tanh", loss="cross_entropy"),
    dict(activation="sigmoid", output_activation="softmax", convention="columns"),
])
def test_steps_on_kept_arrays_give_what_a_fresh_graph_gives(options):
    layers, k = [3, 4, 2], 5
    X, y = data(layers, k, seed=7)
    y = np.abs(y) / np.abs(y).sum(axis=1, keepdims=True)  # rows of probabilities, for every loss
    if options.get("convention") == "columns":
        X, y = X.T, y.T
    g = Graph.mlp(layers, seed=2, **options)
    for _ in range(3):  # the later steps run on the fast path, into kept arrays
        g.train_step(0.5, X=X, y=y)
    J = g.forward(X=X, y=y)
    grads = {name: np.array(grad, copy=True) for name, grad in g.backward().items()}
    fresh = twin(g, seed=2, **options)
    assert fresh.forward(X=X, y=y) == J
    fresh_grads = fresh.backward()
    assert grads.keys() == fresh_grads.keys()
    for name in grads:
        np.testing.assert_array_equal(grads[name], fresh_grads[name], err_msg=name)


def test_forward_and_backward_hand_out_new_arrays_and_train_step_reuses_its_own():
    layers, k = [2, 3, 1], 4
    X1, y1 = data(layers, k, seed=1)
    X2, y2 = data(layers, k, seed=2)
    g = Graph.mlp(layers)

    def sigma_a2(X):  # a² = σ(X·W¹ + b¹), by hand, with the parameters as they are now
        return 1 / (1 + np.exp(-(X @ g.params["W1"] + g.params["b1"])))

    for _ in range(2):  # the second call runs on the fast path, shapes proven
        g.forward(X=X1, y=y1)
    first_a2, first_grads = g.values["a2"], g.backward()
    saved_a2 = sigma_a2(X1)
    saved_grads = {name: np.array(grad, copy=True) for name, grad in first_grads.items()}
    g.forward(X=X2, y=y2)
    g.backward()
    for _ in range(3):
        g.train_step(0.1, X=X2, y=y2)
    kept = g.values["a2"]
    expected = sigma_a2(X1)
    g.train_step(0.1, X=X1, y=y1)
    # train_step writes into the arrays it keeps: a2 of the last step is in the same array ...
    assert g.values["a2"] is kept
    np.testing.assert_allclose(kept, expected, rtol=1e-14)
    # ... while nothing forward() and backward() handed out earlier was touched.
    np.testing.assert_allclose(first_a2, saved_a2, rtol=1e-14)
    for name, grad in first_grads.items():
        np.testing.assert_array_equal(grad, saved_grads[name], err_msg=name)
    g.forward(X=X2, y=y2)  # and after train_step, forward() hands out new arrays again
    assert g.values["a2"] is not kept
    np.testing.assert_allclose(kept, expected, rtol=1e-14)


def test_a_gate_used_alone_returns_a_new_array_on_every_call():
    from gates import MulGate, Sigmoid
    z = np.linspace(-2, 2, 6).reshape(2, 3)
    sigmoid = Sigmoid()
    first, second = sigmoid.forward(z), sigmoid.forward(-z)
    assert first is not second
    np.testing.assert_allclose(first + second, np.ones((2, 3)), rtol=1e-15)  # σ(z) + σ(−z) = 1
    mul = MulGate()
    assert mul.forward(z, z.T) is not mul.forward(z, z.T)


def test_new_input_shapes_get_new_arrays():
    layers = [2, 3, 1]
    g = Graph.mlp(layers)
    for k in (4, 5, 4, 4, 1):  # each change of the batch takes the checked path again
        X, y = data(layers, k, seed=k)
        J = g.forward(X=X, y=y)
        grads = g.backward()
        fresh = twin(g)
        assert fresh.forward(X=X, y=y) == J
        for name, grad in fresh.backward().items():
            np.testing.assert_array_equal(grads[name], grad, err_msg=f"k={k} {name}")


def test_a_non_scalar_output_is_not_changed_by_the_next_forward():
    from gates import MulGate
    g = Graph()
    g.input("X", ("k", 2))
    g.param("W", np.array([[1.0], [2.0]]))
    g.add(MulGate(), ["X", "W"], "z")
    first = g.forward(X=np.ones((3, 2)))
    first = g.forward(X=np.ones((3, 2)))  # the second forward runs on the fast path
    second = g.forward(X=np.zeros((3, 2)))
    np.testing.assert_array_equal(first, np.full((3, 1), 3.0))
    np.testing.assert_array_equal(second, np.zeros((3, 1)))


def test_dJ_dy_is_in_the_table_only_when_y_asks_for_it():
    from gates import MSELoss
    yhat, y = np.array([[1.0], [2.0]]), np.array([[0.5], [3.0]])
    g = Graph()
    g.input("yhat", ("k", 1), grad=True)
    g.input("y", ("k", 1))
    g.add(MSELoss(), ["yhat", "y"], "J")
    g.forward(yhat=yhat, y=y)
    grads = g.backward()
    np.testing.assert_allclose(grads["yhat"], [[0.5], [-1.0]], rtol=1e-15)  # 2(ŷ − y)/2
    assert "y" not in grads
    # The textbook gate computes both gradients; the table keeps only what was asked for.
    np.testing.assert_allclose(g.nodes["J"].gate.backward(1.0)[1], [[-0.5], [1.0]], rtol=1e-15)
    h = Graph()
    h.input("yhat", ("k", 1), grad=True)
    h.input("y", ("k", 1), grad=True)
    h.add(MSELoss(), ["yhat", "y"], "J")
    h.forward(yhat=yhat, y=y)
    np.testing.assert_allclose(h.backward()["y"], [[-0.5], [1.0]], rtol=1e-15)  # −2(ŷ − y)/2


def test_a_smoke_run_writes_the_figures_as_one_json_document(tmp_path):
    out = tmp_path / "bench.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench.py"), "--repeat", "1", "--warmup", "0",
         "--number", "1", "--settle", "0", "--startup-repeat", "1", "--json", str(out),
         "--markdown"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "| case | engine | median step |" in run.stdout  # the Markdown tables
    document = json.loads(out.read_text(encoding="utf-8"))
    assert {"machine", "settings", "cases", "startup", "targets"} <= set(document)
    assert document["settings"]["dtype"] == "float64" and document["settings"]["repeat"] == 1
    assert [(c["name"], c["layers"], c["batch"]) for c in document["cases"]] == [
        ("tiny", [2, 3, 1], 4), ("medium", [64, 128, 10], 32), ("large", [784, 512, 512, 10], 256)]
    for case in document["cases"]:
        engines = case["engines"]
        assert {"gates", "gates+trace", "numpy"} <= set(engines), case["name"]
        assert ("floor" in engines) == (case["name"] == "large")
        assert "micrograd" not in engines or case["name"] == "tiny"
        for figures in engines.values():
            assert len(figures["times_s"]) == 1 and isinstance(figures["median_s"], float)
        losses = case["first_loss"]
        assert set(losses) == set(engines) - {"floor"}
        assert all(J == pytest.approx(losses["gates"], rel=1e-10) for J in losses.values())
        assert case["ratios"]["gates/numpy"] == pytest.approx(
            engines["gates"]["median_s"] / engines["numpy"]["median_s"])
    large = document["cases"][2]
    assert large["ratios"]["gates/floor"] == pytest.approx(
        large["engines"]["gates"]["median_s"] / large["engines"]["floor"]["median_s"])
    startup = document["startup"]
    assert {"import numpy", "import numpy, rich", "import gates"} <= set(startup["commands"])
    assert startup["gates_imports_rich"] is False
    targets = {t["target"]: t for t in document["targets"]}
    assert len(targets) == 9 and "tiny: gates / numpy" in targets
    assert "tiny: forward+backward+step / numpy" in targets  # the lesson path, timed too
    assert all(t["met"] in (True, False, None) for t in targets.values())
    assert targets["import gates loads no rich"]["met"] is True


def test_the_benchmark_refuses_to_time_networks_whose_first_losses_differ(monkeypatch):
    bench = load("bench")

    def off_by_a_little(case, X, y):
        mlp = bench.NumpyMLP.from_graph(bench.case_graph(case))
        mlp.W[0] *= 1.001  # not the same network any more
        return lambda: mlp.train_step(X, y, bench.LR)

    monkeypatch.setitem(bench.BUILDERS, "numpy", off_by_a_little)
    with pytest.raises(AssertionError, match="tiny: first losses disagree"):
        bench.run_case(bench.CASES["tiny"], ["gates", "numpy"], repeat=1, warmup=0, number=1,
                       settle=0)


def test_the_benchmark_names_an_unknown_case(capsys):
    bench = load("bench")
    with pytest.raises(SystemExit) as stop:
        bench.main(["--cases", "tiny,huge"])
    assert stop.value.code == 2
    assert "unknown huge; choose among tiny, medium, large" in capsys.readouterr().err
