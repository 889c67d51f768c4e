"""`python -m gates.trace`: the walkthrough's shapes, its outputs and its errors.

Every shape is checked against shapes computed here from the rules of NETWORK.md (expected_shapes
below), and every number against formulas written here (the lecture example, the default loss).
Most runs call main() in-process (fast); a few run the real command to see exit codes, imports
and colour as a user would.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gates.trace import main

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
BOX_DRAWING = re.compile("[\u2500-\u257f]")
SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    """main(argv) in-process: (exit code, standard output, standard error)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err), mock.patch.object(sys, "stdin", io.StringIO(stdin)):
        try:
            code = main(list(argv))
        except SystemExit as exit_:
            code = exit_.code
    return code, out.getvalue(), err.getvalue()


def trace_json(*argv: str) -> dict:
    code, out, err = run("--format", "json", *argv)
    assert code == 0, err
    return json.loads(out)


def command(*argv: str, env: dict | None = None, stdin: str = "") -> subprocess.CompletedProcess:
    """The real command line, in a fresh interpreter."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, *argv], cwd=ROOT, env=environment, input=stdin,
                          capture_output=True, text=True, timeout=60)


def expected_shapes(layers, k, convention="rows", bias=True) -> dict[str, tuple]:
    """Every node's shape by NETWORK.md, written out independently of the library.

    Rows: X k×m¹, W^l m^l×m^(l+1), b^l 1×m^(l+1), XW¹/a^lW^l and z^(l+1) and a^(l+1) k×m^(l+1).
    Columns: the activations transposed (m×k), W^l m^(l+1)×m^l, b^l m^(l+1)×1, products W^l a^l.
    Sizes may be symbols ("k", "m¹"): the rules are the same.
    """
    rows = convention == "rows"

    def act(m):
        return (k, m) if rows else (m, k)

    shapes = {"X": act(layers[0]), "y": act(layers[-1]), "J": ()}
    previous = "X"
    for l in range(1, len(layers)):
        m_in, m_out = layers[l - 1], layers[l]
        shapes[f"W{l}"] = (m_in, m_out) if rows else (m_out, m_in)
        shapes[f"z{l + 1}"] = act(m_out)
        if bias:
            shapes[f"b{l}"] = (1, m_out) if rows else (m_out, 1)
            shapes[f"{previous}W{l}" if rows else f"W{l}{previous}"] = act(m_out)
        if l + 1 < len(layers):
            shapes[f"a{l + 1}"] = act(m_out)
        previous = f"a{l + 1}"
    return shapes


def assert_shapes_match(trace: dict, expected: dict) -> None:
    """Forward outputs, every gradient and every update have the independently derived shapes."""
    for event in trace["forward"]:
        assert tuple(event["shape"]) == expected[event["output"]], event["label"]
        for source in event["inputs"]:
            assert tuple(source["shape"]) == expected[source["name"]], source["label"]
    for event in trace["backward"]:
        assert tuple(event["shape"]) == expected[event["grad_of"]], event["label"]
    params = [e["param"] for e in trace["update"]]
    assert sorted(params) == sorted(n for n in expected if re.fullmatch(r"[Wb]\d+", n))
    for event in trace["update"]:
        assert tuple(event["shape"]) == tuple(event["grad_shape"]) == expected[event["param"]]


# --- the default run ----------------------------------------------------------------------------

def test_default_json_has_delta3_4x1_delta2_4x3_and_gradients_of_their_parameters_shapes():
    trace = trace_json()
    assert set(trace) >= {"network", "forward", "backward", "update", "loss", "loss_after"}
    assert trace["network"] == {"layers": [2, 3, 1], "batch": 4, "convention": "rows",
                                "activation": "sigmoid", "output_activation": "identity",
                                "loss": "mse", "bias": True, "seed": 0, "lr": 0.1}
    grads = {e["grad_of"]: e for e in trace["backward"]}
    assert grads["z3"]["shape"] == [4, 1] and grads["z3"]["label"] == "δ³ = dJ/dz³"
    assert grads["z2"]["shape"] == [4, 3] and grads["z2"]["label"] == "δ² = dJ/dz²"
    assert grads["W2"]["formula"] == "a²ᵀ · δ³"
    assert grads["W2"]["arithmetic"] == "(3×4)·(4×1) → 3×1"
    assert grads["z2"]["formula"] == "dJ/da² ⊙ σ′(z²)"
    assert grads["b1"]["arithmetic"] == "4×3 → 1×3"
    assert_shapes_match(trace, expected_shapes([2, 3, 1], 4))
    # In the order backprop computes them: δ³ first, then what it feeds, δ² after dJ/da².
    order = [e["grad_of"] for e in trace["backward"]]
    assert order[0] == "z3" and order.index("a2") < order.index("z2") < order.index("W1")
    assert [e["output"] for e in trace["forward"]] == ["XW1", "z2", "a2", "a2W2", "z3", "J"]


@given(layers=st.lists(st.integers(1, 5), min_size=2, max_size=4), batch=st.integers(1, 6),
       convention=st.sampled_from(["rows", "columns"]), bias=st.booleans())
def test_json_shapes_match_network_md_for_any_layers_batch_and_convention(layers, batch,
                                                                          convention, bias):
    argv = ["--layers", ",".join(map(str, layers)), "--batch", str(batch), "--convention", convention]
    trace = trace_json(*argv, *([] if bias else ["--no-bias"]))
    assert trace["network"]["batch"] == batch and trace["network"]["convention"] == convention
    assert_shapes_match(trace, expected_shapes(layers, batch, convention, bias))


def test_default_losses_match_the_formulas_written_here():
    """J and J after one step of λ = 0.1, by hand: σ hidden layer, linear output, mse."""
    from graph import Graph
    from graph.walkthrough import example_data
    g = Graph.mlp([2, 3, 1], seed=0)
    data = example_data(g, 4, 0)
    X, y = data["X"], data["y"]
    W1, b1, W2, b2 = (g.params[n].copy() for n in ("W1", "b1", "W2", "b2"))

    def loss(W1, b1, W2, b2):
        a2 = 1 / (1 + np.exp(-(X @ W1 + b1)))
        return np.mean((a2 @ W2 + b2 - y) ** 2), a2

    J, a2 = loss(W1, b1, W2, b2)
    d3 = 2 * (a2 @ W2 + b2 - y) / y.size          # δ³, 4×1
    d2 = (d3 @ W2.T) * a2 * (1 - a2)              # δ², 4×3
    after, _ = loss(W1 - 0.1 * X.T @ d2, b1 - 0.1 * d2.sum(0, keepdims=True),
                    W2 - 0.1 * a2.T @ d3, b2 - 0.1 * d3.sum(0, keepdims=True))
    trace = trace_json()
    assert trace["loss"] == pytest.approx(J, rel=1e-12)
    assert trace["loss_after"] == pytest.approx(after, rel=1e-12)
    _, plain, _ = run("--format", "plain")
    assert f"J = {J:.6g}" in plain and f"J = {after:.6g}" in plain


def golden(name: str, text: str) -> str:
    """The stored text; UPDATE_GOLDEN=1 rewrites it (then read the diff before keeping it)."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return path.read_text(encoding="utf-8")


def test_plain_default_is_stable_and_shows_the_deltas_and_their_shapes():
    code, out, err = run("--format", "plain")
    assert code == 0 and err == ""
    assert out == golden("trace_default.txt", out)
    for text in ("δ³", "δ²", "4×1", "4×3", "(4×3)+(1×3) → 4×3", "b¹ broadcast over 4 rows",
                 "(4×2)·(2×3) → 4×3", "W¹ ← W¹ − 0.1·dJ/dW¹"):
        assert text in out
    delta3 = next(line for line in out.splitlines() if "δ³ = dJ/dz³" in line)
    delta2 = next(line for line in out.splitlines() if "δ² = dJ/dz²" in line)
    assert delta3.rstrip().endswith("→ 4×1") and delta2.rstrip().endswith("→ 4×3")


def test_plain_has_no_colour_and_no_box_characters_and_aligned_columns():
    _, out, _ = run("--format", "plain", "--explain")
    assert "\x1b" not in out and not BOX_DRAWING.search(out)
    lines = out.splitlines()
    forward = lines.index("Forward pass: one gate at a time, in execution order")
    header = lines[forward + 1]
    start = header.index("shape arithmetic")
    rows = [l for l in lines[forward + 3:] if re.match(r"\s+\d+\s{2}\S", l)][:6]
    assert len(rows) == 6 and all(row[start - 2:start] == "  " and row[start] != " " for row in rows)


# --- symbolic ------------------------------------------------------------------------------------

@pytest.mark.parametrize("convention", ["rows", "columns"])
def test_symbolic_json_has_k_in_every_batch_dimension(convention):
    trace = trace_json("--symbolic", "--layers", "4,4,4", "--batch", "4", "--convention", convention)
    assert trace["network"]["batch"] == "k" and trace["loss"] is None
    assert_shapes_match(trace, expected_shapes([4, 4, 4], "k", convention))


def test_symbolic_plain_prints_k_never_a_batch_number():
    _, out, _ = run("--symbolic", "--format", "plain")
    assert "(k×2)·(2×3) → k×3" in out and "(k×3)+(1×3) → k×3" in out
    assert "(3×k)·(k×1) → 3×1" in out  # dJ/dW² = a²ᵀ · δ³
    shapes = re.findall(r"\b[\dk]+×[\dk]+\b", out)
    assert shapes and not any(s in shapes for s in ("4×2", "4×3", "4×1", "3×4", "2×4"))


def test_symbolic_all_writes_the_layer_sizes_as_m_symbols():
    trace = trace_json("--symbolic", "all")
    assert_shapes_match(trace, expected_shapes(["m¹", "m²", "m³"], "k"))
    assert trace["sizes"] == {"m¹": 2, "m²": 3, "m³": 1}
    _, out, _ = run("--symbolic", "all", "--format", "plain")
    assert "(k×m¹)·(m¹×m²) → k×m²" in out and "2/(k·m³)·(z³ − y)" in out


# --- the lecture example -------------------------------------------------------------------------

def lecture_by_hand(W1, W2):
    """NETWORK.md's worked example: x = (0.23, 0.82), y = 1, sigmoid twice, half_sse, no bias."""
    x, y = np.array([[0.23, 0.82]]), np.array([[1.0]])
    z2 = x @ W1
    a2 = 1 / (1 + np.exp(-z2))
    z3 = a2 @ W2
    a3 = 1 / (1 + np.exp(-z3))
    return {"x": x, "z2": z2, "a2": a2, "z3": z3, "a3": a3, "J": 0.5 * np.sum((a3 - y) ** 2)}


def test_lecture_example_has_the_numbers_of_network_md(numeric_grad):
    W1, W2 = np.array([[0.1, 0.5], [0.4, 0.3]]), np.array([[0.2], [0.6]])
    trace = trace_json("--example", "lecture", "--values")
    assert trace["network"]["layers"] == [2, 2, 1] and trace["network"]["lr"] == 0.7
    assert trace["network"]["bias"] is False and trace["network"]["batch"] == 1
    value = {e["output"]: np.array(e["value"]) for e in trace["forward"]}
    # The numbers printed in NETWORK.md, to the digits it gives.
    assert value["z2"] == pytest.approx(np.array([[0.351, 0.361]]), abs=1e-12)
    assert value["a2"] == pytest.approx(np.array([[0.5869, 0.5893]]), abs=5e-5)
    assert value["z3"] == pytest.approx(0.4709, abs=5e-5)
    assert value["a3"] == pytest.approx(0.6156, abs=5e-5)
    assert trace["loss"] == pytest.approx(0.0739, abs=5e-5)
    # The backward numbers: the chain rule by hand, and central differences as a second opinion.
    hand = lecture_by_hand(W1, W2)
    a2, a3 = hand["a2"], hand["a3"]
    delta3 = (a3 - 1.0) * a3 * (1 - a3)
    delta2 = (delta3 @ W2.T) * a2 * (1 - a2)
    dW2, dW1 = a2.T @ delta3, hand["x"].T @ delta2
    grad = {e["grad_of"]: np.array(e["value"]) for e in trace["backward"]}
    assert grad["z3"] == pytest.approx(delta3, rel=1e-12)
    assert grad["z2"] == pytest.approx(delta2, rel=1e-12)
    assert grad["W2"] == pytest.approx(dW2, rel=1e-12)
    assert grad["W1"] == pytest.approx(dW1, rel=1e-12)
    assert grad["W1"] == pytest.approx(numeric_grad(lambda w: lecture_by_hand(w, W2)["J"], W1), rel=1e-6)
    assert grad["W2"] == pytest.approx(numeric_grad(lambda w: lecture_by_hand(W1, w)["J"], W2), rel=1e-6)
    updated = {e["param"]: np.array(e["value"]) for e in trace["update"]}
    assert updated["W1"] == pytest.approx(W1 - 0.7 * dW1, rel=1e-12)
    assert trace["loss_after"] == pytest.approx(lecture_by_hand(W1 - 0.7 * dW1, W2 - 0.7 * dW2)["J"],
                                                rel=1e-12)
    assert trace["values"]["W1"] == W1.tolist() and trace["values"]["X"] == [[0.23, 0.82]]


def test_lecture_example_in_columns_is_the_transpose():
    rows = trace_json("--example", "lecture", "--values")
    cols = trace_json("--example", "lecture", "--values", "--convention", "columns")
    assert cols["loss"] == pytest.approx(rows["loss"], rel=1e-12)
    by_target = {e["grad_of"]: e for e in cols["backward"]}  # no biases: the same node names
    assert len(by_target) == len(rows["backward"])
    for r in rows["backward"]:
        c = by_target[r["grad_of"]]
        assert np.array(c["value"]) == pytest.approx(np.array(r["value"]).T, rel=1e-12)


def test_lecture_values_in_plain_print_the_matrices():
    _, out, _ = run("--example", "lecture", "--values", "--format", "plain")
    assert "[0.3510 0.3610]" in out          # z², by hand 0.23·0.1 + 0.82·0.4 and 0.23·0.5 + 0.82·0.3
    assert "[0.1000 0.5000]" in out          # W¹ as the lecture gives it
    W1, W2 = np.array([[0.1, 0.5], [0.4, 0.3]]), np.array([[0.2], [0.6]])
    assert f"J = {lecture_by_hand(W1, W2)['J']:.6g}" in out  # ½(1 − σ(0.4709...))², NETWORK.md's 0.0739


# --- both conventions ----------------------------------------------------------------------------

def test_compare_conventions_pairs_every_shape_with_its_transpose():
    both = trace_json("--compare-conventions")
    rows, cols = both["rows"], both["columns"]
    assert_shapes_match(rows, expected_shapes([2, 3, 1], 4, "rows"))
    assert_shapes_match(cols, expected_shapes([2, 3, 1], 4, "columns"))
    renamed = {r["output"]: c["output"] for r, c in zip(rows["forward"], cols["forward"])}
    by_target = {e["grad_of"]: e for e in cols["backward"]}
    for r in rows["backward"]:
        c = by_target[renamed.get(r["grad_of"], r["grad_of"])]
        assert c["shape"] == r["shape"][::-1]
    assert cols["loss"] == pytest.approx(rows["loss"], rel=1e-12)
    assert cols["loss_after"] == pytest.approx(rows["loss_after"], rel=1e-12)
    _, out, _ = run("--compare-conventions", "--format", "plain")
    assert "(4×2)·(2×3) → 4×3" in out and "(3×2)·(2×4) → 3×4" in out   # XW¹ beside W¹X
    assert "(3×4)·(4×1) → 3×1" in out and "(1×4)·(4×3) → 1×3" in out   # dJ/dW² both ways


def test_compare_conventions_in_rich_stacks_the_pairs_on_a_narrow_terminal():
    from gates.trace import build_parser, settle, walk
    from graph.render import render
    from graph.walkthrough import Comparison
    parser = build_parser()
    args = settle(parser, parser.parse_args(["--compare-conventions"]))
    both = Comparison(walk(args, "rows"), walk(args, "columns"))
    narrow, wide = render(both, "rich", width=80), render(both, "rich", width=160)
    assert max(len(line) for line in narrow.splitlines()) <= 80
    assert "rows / columns" in narrow and "rows / columns" not in wide
    pair = next(i for i, line in enumerate(narrow.splitlines()) if "XW¹ = X·W¹" in line)
    assert "W¹X = W¹·X" in narrow.splitlines()[pair + 1]


# --- the other options -----------------------------------------------------------------------

def test_explain_puts_each_gates_rule_under_it():
    from gates import AddGate, MSELoss, MulGate, Sigmoid
    _, out, _ = run("--format", "plain", "--explain")
    flat = " ".join(out.split())
    for gate in (MulGate(), AddGate(), Sigmoid(), MSELoss()):
        assert " ".join(gate.explain().split()) in flat
    trace = trace_json("--explain")
    assert trace["forward"][0]["explain"] == MulGate().explain()
    assert "explain" not in trace_json()["forward"][0]


def test_step_waits_after_every_row_and_prints_what_it_would_without():
    _, plain, _ = run("--format", "plain")
    rows = 6 + 9 + 4  # forward gates, gradients, parameters of [2, 3, 1]
    code, out, err = run("--format", "plain", "--step", stdin="\n" * rows)
    assert code == 0 and out == plain
    assert err.count("[Enter: next gate]") == rows
    code, out, err = run("--format", "plain", "--step", stdin="\n\n")  # the class left early
    assert code == 0 and out == plain and err.count("[Enter: next gate]") == 3


def test_markdown_is_a_handout_with_tables():
    code, out, _ = run("--format", "markdown")
    assert code == 0 and out.startswith("# Backprop walkthrough: the [2, 3, 1] network")
    assert "## Forward pass" in out and "| # | gate | value | formula | shape arithmetic | note |" in out
    assert "| **δ³ = dJ/dz³** |" in out and "`(3×4)·(4×1) → 3×1`" in out


def test_rich_default_reads_as_tables_with_the_deltas():
    code, out, err = run()
    assert code == 0 and err == ""
    for text in ("[2, 3, 1]", "seed", "mse", "rows: z = X·W + b", "δ³ = dJ/dz³", "δ² = dJ/dz²",
                 "(4×3)⊙(4×3) → 4×3", "J = "):
        assert text in out
    assert BOX_DRAWING.search(out)  # rich draws its rules; plain is the one without


def test_help_has_examples():
    code, out, _ = run("--help")
    assert code == 0 and "examples:" in out and "--compare-conventions" in out
    assert "--example lecture" in out and "--symbolic" in out


# --- bad input: one line, exit 2 ---------------------------------------------------------------

@pytest.mark.parametrize("argv, named", [
    (["--layers", "2,x,1"], "'x'"),
    (["--layers", "3"], "at least two"),
    (["--layers", "2,0,1"], "'0'"),
    (["--batch", "0"], "--batch"),
    (["--batch", "four"], "--batch"),
    (["--activation", "softmax"], "--activation"),
    (["--loss", "hinge"], "--loss"),
    (["--values", "--layers", "2,30,1"], "30"),
    (["--values", "--batch", "64"], "64"),
    (["--values", "--symbolic"], "--symbolic"),
    (["--lr", "-1"], "--lr"),
    (["--seed", "-3"], "--seed"),
    (["--loss", "cross_entropy", "--output-activation", "sigmoid"], "cross_entropy"),
    (["--example", "lecture", "--layers", "2,3,1"], "--layers"),
    (["--compare-conventions", "--convention", "columns"], "--convention"),
    (["--step", "--format", "json"], "--step"),
    (["--unknown"], "--unknown"),
])
def test_bad_input_is_one_line_and_exit_2(argv, named):
    code, out, err = run(*argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("python -m gates.trace: error:")
    assert named in err


def test_bad_input_from_the_command_line_shows_no_traceback():
    result = command("-m", "gates.trace", "--layers", "2,x,1")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize("error", ["shape", "value"])
def test_a_library_error_becomes_one_line_and_exit_2(error):
    from gates.shapes import ShapeError

    def broken(*args, **kwargs):
        if error == "shape":
            raise ShapeError("X is 4×3 and W¹ is 2×3;\ninner sizes 3 and 2 differ.", gate="mulGate",
                             node="XW1", fix="Did you mean W¹ᵀ (3×2)?")
        raise ValueError("a parameter keeps its shape")

    with mock.patch("graph.walkthrough.trace", broken):
        code, out, err = run("--format", "plain")
    assert code == 2 and out == "" and err.count("\n") == 1
    if error == "shape":  # the message's parts, its newline folded into the one line
        assert "mulGate" in err and "W¹ is 2×3; inner sizes 3 and 2 differ" in err and "W¹ᵀ (3×2)" in err
    else:
        assert "keeps its shape" in err


# --- what each format imports, and colour ------------------------------------------------------

@pytest.mark.parametrize("fmt", ["plain", "json"])
def test_plain_and_json_do_not_import_rich(fmt):
    probe = (f"import sys; from gates.trace import main; main(['--format', {fmt!r}]); "
             "sys.stderr.write('rich imported' if 'rich' in sys.modules else 'no rich')")
    result = command("-c", probe)
    assert result.returncode == 0 and result.stderr == "no rich"


def test_colour_follows_force_color_and_no_color():
    colour = re.compile(r"\x1b\[[0-9;]*(?:3[0-7]|9[0-7]|38;[0-9;]+)m")
    forced = command("-m", "gates.trace", env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert colour.search(forced.stdout)
    env = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"}
    piped = subprocess.run([sys.executable, "-m", "gates.trace"], cwd=ROOT, capture_output=True,
                           text=True, env={**env, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert piped.returncode == 0 and "\x1b" not in piped.stdout  # not a terminal: no colour
    no_colour = command("-m", "gates.trace", env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert no_colour.returncode == 0 and not colour.search(no_colour.stdout)


# --- the labs engineer's quiz and diagram, wired here ------------------------------------------

def test_diagram_writes_the_file_and_still_walks(tmp_path):
    path = tmp_path / "net.mmd"
    code, out, err = run("--diagram", str(path), "--format", "plain")
    assert code == 0 and path.exists() and "W¹" in path.read_text(encoding="utf-8")
    assert "δ³ = dJ/dz³" in out and str(path) in err


def test_diagram_with_an_unknown_suffix_is_one_line_and_exit_2(tmp_path):
    code, out, err = run("--diagram", str(tmp_path / "net.txt"))
    assert code == 2 and out == "" and err.count("\n") == 1 and ".txt" in err


def test_quiz_with_no_answers_scores_zero_of_every_shape_and_exits_0():
    code, out, _ = run("--quiz", "--layers", "2,3,1", "--batch", "4", stdin="")
    # [2,3,1] with biases: the quiz asks the shapes of the inputs and parameters (X, y, W¹, b¹, W²,
    # b²: 6), of each forward gate's value (6) and of each backward gradient (9, the rows of
    # NETWORK.md's backward table without dJ/dX): 21 questions, none answered.
    assert code == 0 and "Score: 0/21" in out and "21 questions left unanswered" in out


def test_the_readme_excerpt_is_what_the_command_prints():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Walkthrough"):]
    excerpt = section[section.index("```\n") + 4:]
    excerpt = excerpt[:excerpt.index("```")]
    _, out, _ = run("--format", "plain")
    printed = out.splitlines()
    shown = [line for line in excerpt.splitlines() if line.strip() not in ("", "...")]
    assert len(shown) > 10 and all(line in printed for line in shown)
