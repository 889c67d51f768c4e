"""The exercise set: the students' copies are exactly the solutions without their solution blocks,
every gap is marked and every array's shape is stated, and the worked solutions are right by a
second method (central differences written in conftest, or a formula written here).
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
STUDENTS, SOLUTIONS = ROOT / "exercises", ROOT / "solutions"
FILES = ["ex1_add_gate.py", "ex2_mul_gate.py", "ex3_activations.py", "ex4_softmax_cross_entropy.py",
         "ex5_network_by_hand.py", "ex6_delta2_by_hand.py"]


def load(path: Path):
    spec = importlib.util.spec_from_file_location(f"_test_{path.parent.name}_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def maker():
    return load(SOLUTIONS / "make_exercises.py")


@pytest.fixture(scope="module")
def solution():
    return {name: load(SOLUTIONS / name) for name in FILES}


# --- the two folders ------------------------------------------------------------------------------

def test_the_folders_hold_the_six_exercises():
    assert sorted(p.name for p in STUDENTS.glob("ex*.py")) == FILES
    assert sorted(p.name for p in SOLUTIONS.glob("ex*.py")) == FILES


def test_each_student_copy_is_its_solution_without_the_solution_blocks(maker):
    assert maker.differences() == []
    for name in FILES:
        solution = (SOLUTIONS / name).read_text(encoding="utf-8")
        copy = (STUDENTS / name).read_text(encoding="utf-8")
        assert copy == maker.student_copy(solution)
        assert "BEGIN SOLUTION" not in copy and "END SOLUTION" not in copy
        # every solution block sits under a gap, and the copy keeps that gap
        gaps = [line for line in copy.splitlines() if line.strip() == "# your code here"]
        assert solution.count("# BEGIN SOLUTION") == len(gaps) >= 1


def test_the_check_sees_a_copy_that_drifted(maker, tmp_path):
    maker.write(tmp_path)
    assert maker.differences(tmp_path) == []
    drifted = tmp_path / "ex2_mul_gate.py"
    drifted.write_text(drifted.read_text(encoding="utf-8") + "# an edit of the copy only\n", encoding="utf-8")
    (tmp_path / "ex3_activations.py").unlink()
    assert len(maker.differences(tmp_path)) == 2
    result = subprocess.run([sys.executable, str(SOLUTIONS / "make_exercises.py"), "--check", "--out",
                             str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "ex2_mul_gate.py differs" in result.stderr


def test_unmatched_solution_markers_are_refused_with_their_line(maker):
    assert maker.student_copy("a\n# BEGIN SOLUTION\nb\n# END SOLUTION\nc\n") == "a\nc\n"
    with pytest.raises(ValueError, match="line 2: # BEGIN SOLUTION is never closed"):
        maker.student_copy("a\n    # BEGIN SOLUTION\nb\n")
    with pytest.raises(ValueError, match="line 1: # END SOLUTION without"):
        maker.student_copy("# END SOLUTION\n")


def test_the_students_folder_stands_alone():
    """A teacher hands out exercises/ alone: nothing in it imports the solutions or the tests."""
    for path in STUDENTS.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names}
        imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom)}
        assert imported <= {"__future__", "numpy", "gates", "graph"}, (path.name, imported)
    assert "python -m gates.grade" in (STUDENTS / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", FILES)
def test_every_function_with_a_gap_states_its_shapes(name):
    """cs231n style: the docstring of each function the student fills in gives its arrays' shapes."""
    source = (STUDENTS / name).read_text(encoding="utf-8")
    tree = ast.parse(source)
    module_doc = ast.get_docstring(tree)
    assert "×" in module_doc and "python -m gates.grade . --only" in module_doc
    lines = source.splitlines()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and any("# your code here" in lines[i]
                                                    for i in range(node.lineno, node.end_lineno)):
            doc = ast.get_docstring(node) or ""
            assert "×" in doc, f"{name}: {node.name} has a gap but its docstring gives no shape"


# --- the solutions, by a second method ------------------------------------------------------------

def test_the_gate_solutions_agree_with_central_differences(solution, numeric_grad, rng):
    cases = [(solution["ex1_add_gate.py"].AddGate, [(4, 3), (1, 3)]),
             (solution["ex2_mul_gate.py"].MulGate, [(3, 3), (3, 3)]),
             (solution["ex2_mul_gate.py"].MulGate, [(4, 2), (2, 3)]),
             (solution["ex3_activations.py"].Sigmoid, [(4, 3)]),
             (solution["ex3_activations.py"].ReLU, [(4, 3)]),
             (solution["ex4_softmax_cross_entropy.py"].Softmax, [(4, 5)])]
    for cls, shapes in cases:
        xs = [rng.standard_normal(s) for s in shapes]
        gate = cls()
        top = rng.standard_normal(np.shape(gate.forward(*[x.copy() for x in xs])))
        grads = gate.backward(top)
        for i, x in enumerate(xs):
            def J(xi, i=i, xs=xs, top=top, cls=cls):
                moved = [xi if j == i else xs[j] for j in range(len(xs))]
                return float(np.sum(top * cls().forward(*moved)))
            assert grads[i].shape == x.shape
            np.testing.assert_allclose(grads[i], numeric_grad(J, x), rtol=1e-6, atol=1e-8)


def test_the_softmax_cross_entropy_solution_by_hand(solution, numeric_grad):
    """J and (s − y)/k on numbers written here: z = 0 gives s = 1/m everywhere, J = log m."""
    fn = solution["ex4_softmax_cross_entropy.py"].softmax_cross_entropy
    z, y = np.zeros((2, 4)), np.eye(4)[[1, 3]]
    J, dz = fn(z, y)
    assert J == pytest.approx(np.log(4), abs=1e-15)
    np.testing.assert_allclose(dz, (0.25 - y) / 2, atol=1e-15)
    z = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0], [0.2, 0.1, 0.4]])
    y = np.eye(3)[[2, 0, 1]]
    np.testing.assert_allclose(fn(z, y)[1], numeric_grad(lambda v: fn(v, y)[0], z), rtol=1e-6, atol=1e-9)


def test_the_delta2_solution_agrees_with_central_differences_of_J(solution, numeric_grad, rng):
    """δ² = dJ/dz²: J written here as a function of z² alone (sigmoid, ·W², +b², mse)."""
    ex6 = solution["ex6_delta2_by_hand.py"]
    X, y = rng.standard_normal((5, 2)), rng.standard_normal((5, 1))
    W1, b1, W2, b2 = (rng.standard_normal(s) for s in [(2, 3), (1, 3), (3, 1), (1, 1)])

    def J(z2):
        z3 = (1 / (1 + np.exp(-z2))) @ W2 + b2
        return float(np.mean((z3 - y) ** 2))
    np.testing.assert_allclose(ex6.delta2(X, W1, b1, W2, b2, y), numeric_grad(J, X @ W1 + b1),
                               rtol=1e-6, atol=1e-10)


def test_the_shape_answers_follow_from_the_layer_sizes(solution):
    """Written here from [2, 3, 1] and k: δˡ is k×mˡ, a gradient has its parameter's shape."""
    ex6 = solution["ex6_delta2_by_hand.py"]
    k, m1, m2, m3 = 4, 2, 3, 1
    assert (ex6.delta3_shape, ex6.dW2_shape, ex6.da2_shape, ex6.delta2_shape) == \
        ((k, m3), (m2, m3), (k, m2), (k, m2))
    assert (ex6.dW1_shape, ex6.db1_shape, ex6.delta2_shape_k100, ex6.dW1_shape_k100) == \
        ((m1, m2), (1, m2), (100, m2), (m1, m2))


def test_the_network_solution_learns_xnor_when_run_as_a_script():
    result = subprocess.run([sys.executable, str(SOLUTIONS / "ex5_network_by_hand.py")],
                            capture_output=True, text=True, timeout=120, cwd=SOLUTIONS)
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    start, end = (float(w.rstrip(",")) for w in last.split() if w[0].isdigit() and "." in w)
    assert "after 2000 epochs" in last and end < 0.01 < start
