"""Grading exercises 5 and 6: the [2, 3, 1] network wired and trained by hand, and δ² by hand.

The reference is the library's own network, Graph.mlp([2, 3, 1]) (sigmoid, linear output, mse),
whose backward the test suite holds to central differences: the student's graph must compute its
J with the student's own parameters, the student's training loop must end where forward,
backward and step end, and the student's δ² must be its dJ/dz². A gradient of a hand-built graph
that disagrees is judged by the checker (graph.gradcheck.check_graph) and named by its diagnosis.
"""

from __future__ import annotations

import numpy as np

from gates.shapes import format_shape
from graph.gradcheck import check_graph
from graph.graph import Graph

from .grade_checks import (
    PASS,
    StudentError,
    Verdict,
    as_array,
    compare,
    fail,
    find,
    not_done,
    scaled_by,
    student_call,
)

# name: (shape for a batch of k, made by): the table of exercise 5's docstring
NODES = {"W1": (lambda k: (2, 3), "a parameter"), "b1": (lambda k: (1, 3), "a parameter, zeros"),
         "W2": (lambda k: (3, 1), "a parameter"), "b2": (lambda k: (1, 1), "a parameter, zeros"),
         "XW1": (lambda k: (k, 3), "mulGate(X, W1)"), "z2": (lambda k: (k, 3), "addGate(XW1, b1)"),
         "a2": (lambda k: (k, 3), "sigmoid(z2)"), "a2W2": (lambda k: (k, 1), "mulGate(a2, W2)"),
         "z3": (lambda k: (k, 1), "addGate(a2W2, b2)"), "J": (lambda k: (), "mse(z3, y)")}
XNOR = (np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), np.array([[1.0], [0.0], [0.0], [1.0]]))
EPOCHS, LR = 25, 0.5


def data(k: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"X": rng.standard_normal((k, 2)), "y": rng.standard_normal((k, 1))}


# --- exercise 5 -----------------------------------------------------------------------------------

def built(module):
    fn = find(module, "build_network", "function")
    if isinstance(fn, Verdict):
        return fn
    g = student_call("build_network", fn, 0)
    if g is None:
        return not_done("the graph build_network returns", fn)
    if not isinstance(g, Graph):
        return fail("wrong_type", f"build_network returns a {type(g).__name__}, not a graph.Graph.")
    if not g.params and not g.gate_nodes:
        return not_done("the graph build_network returns", fn, "has its inputs only, no parameter or gate")
    return g


def nodes_and_shapes(g: Graph) -> Verdict:
    """Every node of the table, with its shape, for a batch of 4 and of 1."""
    for name, (_, made_by) in NODES.items():
        if name not in g.nodes:
            return fail("missing_node", f"the graph has no node named {name!r} ({made_by}); its nodes "
                                        f"are {', '.join(g.nodes)}. Name each node as in the table.")
    for k in (4, 1):
        student_call("the graph's forward", lambda inputs: g.forward(**inputs), data(k, 1))
        for name, (shape, made_by) in NODES.items():
            got = np.shape(g.values[name])
            if got != shape(k):
                return fail("wrong_shape", f"with a batch of k = {k}, {name} ({made_by}) is "
                                           f"{format_shape(got)} but should be {format_shape(shape(k))}.")
    if g.output != "J":
        return fail("wrong_output", f"the last node added is {g.output!r}: add J = mse(z3, y) last.")
    return PASS


def reference_with(params) -> Graph:
    """Graph.mlp([2, 3, 1]) holding these parameters."""
    reference = Graph.mlp([2, 3, 1], seed=0)
    for name in reference.params:
        reference.params[name] = params[name]
    return reference


def same_network(g: Graph) -> Verdict:
    """J of the student's graph equals the reference's with the student's parameters, and every
    gradient passes the checker."""
    inputs = data(4, 2)
    reference = reference_with(g.params)
    J = student_call("the graph's forward", lambda: g.forward(**inputs))
    want = reference.forward(**inputs)
    if not np.isclose(J, want, rtol=1e-10, atol=0.0):
        return fail("wrong_values", f"J is {J:.6g} but the [2, 3, 1] network (sigmoid hidden layer, linear "
                                    f"output, mse) with your parameters gives {want:.6g}: check each gate "
                                    f"of the table, and the order of the operands of each mulGate.")
    result = student_call("the graph's backward", lambda: check_graph(g, inputs))
    for check in result.inputs:
        if not check.ok:
            return fail(check.diagnosis, f"dJ/d{check.name}: {check.message}")
    return PASS


def step_ratio(module) -> tuple[str, str]:
    """(diagnosis, sentence): what one epoch of the student's train does to the parameters,
    against W − lr·dJ/dW."""
    g, reference = Graph.mlp([2, 3, 1], seed=0), Graph.mlp([2, 3, 1], seed=0)
    before = {name: np.array(g.params[name]) for name in g.params}
    student_call("train", module.train, g, *XNOR, 1, LR)
    reference.forward(X=XNOR[0], y=XNOR[1])
    reference.backward()
    reference.step(LR)
    moved = np.concatenate([(g.params[n] - before[n]).ravel() for n in before])
    wanted = np.concatenate([(reference.params[n] - before[n]).ravel() for n in before])
    if not np.any(moved):
        return "not_updated", "the parameters do not change: update each one, g.params[name] = W − lr·dJ/dW."
    c = scaled_by(moved, wanted)
    if c is not None and np.isclose(c, -1.0):
        return "sign", "each step moves the parameters uphill: the update subtracts, W ← W − lr·dJ/dW."
    if c is not None:
        return "constant_factor", f"each step moves the parameters {c:.4g} times as far as W − lr·dJ/dW does."
    return "wrong_values", "one epoch does not end where forward, backward and W ← W − lr·dJ/dW end."


def training(module) -> Verdict:
    """train(g, X, y, epochs, lr) against EPOCHS steps of forward, backward and step."""
    fn = find(module, "train", "function")
    if isinstance(fn, Verdict):
        return fn
    g, reference = Graph.mlp([2, 3, 1], seed=0), Graph.mlp([2, 3, 1], seed=0)
    losses = student_call("train", fn, g, *XNOR, EPOCHS, LR)
    if losses is None:
        return not_done("the list train returns", fn)
    want = []
    for _ in range(EPOCHS):
        want.append(reference.forward(X=XNOR[0], y=XNOR[1]))
        reference.backward()
        reference.step(LR)
    got = as_array(losses, "the losses train returns")
    if isinstance(got, Verdict):
        return got
    if got.size == 0:
        return not_done("the list train returns", fn, "is empty")
    if got.shape != (EPOCHS,):
        return fail("wrong_shape", f"train returns {got.size} losses for {EPOCHS} epochs: one J per epoch.")
    if np.allclose(got, want, rtol=1e-9) and all(
            np.allclose(g.params[n], reference.params[n], rtol=1e-9, atol=1e-12) for n in g.params):
        return PASS
    if np.allclose(got[:-1], want[1:], rtol=1e-9):
        return fail("wrong_values", "each loss is measured after its epoch's update: record J from the "
                                    "forward that starts the epoch.")
    diagnosis, why = step_ratio(module)
    return fail(diagnosis, f"after {EPOCHS} epochs (XNOR data, lr = {LR}) J is {got[-1]:.6g} where "
                           f"forward, backward and the update give {want[-1]:.6g}: {why}")


def guarded(check, *args) -> Verdict:
    """check(*args), the student's code failing in it a failed verdict."""
    try:
        return check(*args)
    except StudentError as error:
        return error.verdict()


def exercise_network(module) -> dict[str, Verdict]:
    g = guarded(built, module)
    if isinstance(g, Verdict):
        structure = wiring = g
    else:
        structure = guarded(nodes_and_shapes, g)
        wiring = guarded(same_network, g) if structure.ok else fail(
            structure.diagnosis, "checked once the nodes and shapes are right.")
    return {"nodes and shapes": structure, "J and its gradients": wiring,
            "train": guarded(training, module)}


# --- exercise 6 -----------------------------------------------------------------------------------

SHAPES = {  # variable: (its shape, the reason)
    "delta3_shape": ((4, 1), "δ³ = dJ/dz³ has z³'s shape: one row per observation, one column per output."),
    "dW2_shape": ((3, 1), "a gradient has its parameter's shape: W² is 3×1 (a²ᵀ·δ³ is (3×4)·(4×1))."),
    "da2_shape": ((4, 3), "dJ/da² has a²'s shape: δ³·W²ᵀ is (4×1)·(1×3) → 4×3."),
    "delta2_shape": ((4, 3), "δ² has z²'s shape, k×m² = 4×3: one column per hidden neuron, not 4×1."),
    "dW1_shape": ((2, 3), "dJ/dW¹ = Xᵀ·δ² is (2×4)·(4×3) → 2×3, W¹'s shape."),
    "db1_shape": ((1, 3), "b¹ is 1×3, broadcast over the rows: its gradient is δ² summed over the rows."),
    "delta2_shape_k100": ((100, 3), "δ² has one row per observation: 100×3."),
    "dW1_shape_k100": ((2, 3), "dJ/dW¹ has W¹'s shape whatever the batch: Xᵀ·δ² sums over the rows."),
}


def shape_answer(module, name: str) -> Verdict:
    want, reason = SHAPES[name]
    if not hasattr(module, name):
        return fail("missing", f"the file has no {name}: keep the names of Part A.")
    given = getattr(module, name)
    if given is None:
        return not_done(f"{name} (a shape as a tuple, e.g. (4, 2))", module)
    try:
        shape = tuple(int(d) for d in given) if not isinstance(given, (str, int)) else None
    except (TypeError, ValueError):
        shape = None
    if shape is None:
        return fail("wrong_type", f"{name} is {given!r}: write the shape as a tuple of sizes, e.g. (4, 2).")
    if shape != want:
        transposed = len(shape) == 2 and shape == want[::-1]
        return fail("transposed" if transposed else "wrong_shape",
                    f"{name} is {format_shape(shape)}, not {format_shape(want)}. {reason}")
    return PASS


def delta2_answer(module) -> Verdict:
    fn = find(module, "delta2", "function")
    if isinstance(fn, Verdict):
        return fn
    rng = np.random.default_rng(6)
    params = {"W1": rng.standard_normal((2, 3)), "b1": rng.standard_normal((1, 3)),
              "W2": rng.standard_normal((3, 1)), "b2": rng.standard_normal((1, 1))}
    inputs = {"X": rng.standard_normal((5, 2)), "y": rng.standard_normal((5, 1))}
    got = student_call("delta2", fn, *(np.array(v) for v in (inputs["X"], params["W1"], params["b1"],
                                                              params["W2"], params["b2"], inputs["y"])))
    if got is None:
        return not_done("the δ² that delta2 returns", fn)
    got = as_array(got, "δ²")
    if isinstance(got, Verdict):
        return got
    reference = reference_with(params)
    reference.forward(**inputs)
    grads = reference.backward()
    want, z2 = grads["z2"], reference.values["z2"]
    if got.shape == want.shape[::-1] and np.allclose(got.T, want, rtol=1e-9):
        return fail("transposed", "δ² is the right one transposed, 3×k: keep one row per observation.")
    if got.shape == want.shape and np.allclose(got, grads["a2"] * z2 * (1 - z2), rtol=1e-9):
        return fail("sigma_at_z", "δ² takes σ′ as z²(1 − z²): σ′(z²) = a²(1 − a²), written with a² = σ(z²).")
    if got.shape == want.shape and np.allclose(got, grads["a2"], rtol=1e-9):
        return fail("missing_local_diff", "δ² is dJ/da²: multiply it elementwise by σ′(z²) = a²(1 − a²).")
    c = scaled_by(got, want)
    if c is not None:
        cause = ("the 1/k of the mean (k = 5) or its 2 is missing" if np.isclose(c, 2.5) or np.isclose(c, 5)
                 else "a minus sign: δ³ = 2(z³ − y)/k, not 2(y − z³)/k" if np.isclose(c, -1) else
                 "check each factor of δ³ = 2(z³ − y)/k")
        return fail("sign" if np.isclose(c, -1) else "constant_factor",
                    f"δ² is the right one times {c:.4g}: {cause}.")
    return compare("δ² (k = 5)", got, want, "Follow the chain: δ³ = 2(z³ − y)/k, dJ/da² = δ³·W²ᵀ, "
                                           "δ² = dJ/da² ⊙ a²(1 − a²).")


def exercise_delta(module) -> dict[str, Verdict]:
    verdicts = {name: shape_answer(module, name) for name in SHAPES}
    verdicts["delta2"] = guarded(delta2_answer, module)
    return verdicts


__all__ = ["NODES", "SHAPES", "exercise_delta", "exercise_network", "reference_with"]
