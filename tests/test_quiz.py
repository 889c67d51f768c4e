"""The shape quiz: right answers score full marks, a wrong one is named with its rule.

The answers fed in are written here from NETWORK.md's formulas (layer sizes m¹, m², ..., the
batch k), not taken from the engine the quiz asks.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graph import Graph
from graph.quiz import parse_shape, questions, run_quiz

ROOT = Path(__file__).resolve().parent.parent


def sup(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


def expected(layers: list[int], k, convention: str = "rows") -> list[tuple[str, tuple]]:
    """(what is asked, its shape) in the walkthrough's order, from NETWORK.md.

    Forward, gate by gate: each product (X·W¹ in rows, W¹·X in columns, operands asked in that
    order where new), b, z, the activation (hidden layers only), then y and J. Backward: δ of
    each layer from the last down, then b's gradient and the product's, then W's and the
    activation's (each gate sends its parameter's gradient first; dJ/dX is not computed). The
    columns convention transposes every matrix.
    """
    rows = convention == "rows"
    t = (lambda s: s) if rows else (lambda s: tuple(reversed(s)))
    layer = []  # (l, activation in, product name, m_in, m_out)
    a = "X"
    for l in range(1, len(layers)):
        layer.append((l, a, f"{a}W{sup(l)}" if rows else f"W{sup(l)}{a}", layers[l - 1], layers[l]))
        a = f"a{sup(l + 1)}"
    forward = []
    for l, a, product, m_in, m_out in layer:
        operands = [(a, t((k, m_in))), (f"W{sup(l)}", t((m_in, m_out)))]
        new = [op for op in (operands if rows else operands[::-1]) if op[0] == "X" or op[0][0] == "W"]
        forward += new + [(product, t((k, m_out))), (f"b{sup(l)}", t((1, m_out))),
                          (f"z{sup(l + 1)}", t((k, m_out)))]
        if l + 1 < len(layers):
            forward.append((f"a{sup(l + 1)}", t((k, m_out))))
    forward += [("y", t((k, layers[-1]))), ("J", ())]
    backward = []
    for l, a, product, m_in, m_out in reversed(layer):
        backward += [(f"δ{sup(l + 1)}", t((k, m_out))), (f"dJ/db{sup(l)}", t((1, m_out))),
                     (f"dJ/d({product})", t((k, m_out))), (f"dJ/dW{sup(l)}", t((m_in, m_out)))]
        backward += [(f"dJ/d{a}", t((k, m_in)))] if a != "X" else []
    return forward + backward


def answers(pairs, style: str = "x") -> str:
    formats = {"x": lambda s: "x".join(map(str, s)), "times": lambda s: " × ".join(map(str, s)),
               "tuple": lambda s: str(tuple(s))}
    return "".join(("scalar" if s == () else formats[style](s)) + "\n" for _, s in pairs)


def verdict(text: str) -> str:
    """The (first) wrong verdict, its folded lines joined into one."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if "✗" in line)
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith("      ")),
               len(lines))
    return " ".join(line.strip() for line in lines[start:end])


def quiz(g, symbols, text: str):
    out = io.StringIO()
    result = run_quiz(g, symbols, input=io.StringIO(text), output=out)
    return result, out.getvalue()


def test_the_order_and_shapes_written_from_network_md_for_2_3_1():
    # The [2,3,1] tables of NETWORK.md, k = 4, read off by hand: the helper above must agree.
    assert expected([2, 3, 1], 4) == [
        ("X", (4, 2)), ("W¹", (2, 3)), ("XW¹", (4, 3)), ("b¹", (1, 3)), ("z²", (4, 3)),
        ("a²", (4, 3)), ("W²", (3, 1)), ("a²W²", (4, 1)), ("b²", (1, 1)), ("z³", (4, 1)),
        ("y", (4, 1)), ("J", ()),
        ("δ³", (4, 1)), ("dJ/db²", (1, 1)), ("dJ/d(a²W²)", (4, 1)), ("dJ/dW²", (3, 1)),
        ("dJ/da²", (4, 3)), ("δ²", (4, 3)), ("dJ/db¹", (1, 3)), ("dJ/d(XW¹)", (4, 3)),
        ("dJ/dW¹", (2, 3))]


@pytest.mark.parametrize("layers, k, convention, style", [
    ([2, 3, 1], 4, "rows", "x"),
    ([2, 3, 1], 4, "columns", "times"),
    ([3, 5, 2], 7, "rows", "tuple"),
    ([4, 6, 5, 3], 2, "columns", "x"),
])
def test_the_right_answers_score_full_marks(layers, k, convention, style):
    g = Graph.mlp(layers, convention=convention)
    pairs = expected(layers, k, convention)
    assert [q.target for q in questions(g, {"k": k})] == [target for target, _ in pairs]
    result, text = quiz(g, {"k": k}, answers(pairs, style))
    assert (result.score, result.total) == (len(pairs), len(pairs))
    assert text.count("✓ right") == len(pairs) and "✗" not in text
    assert text.rstrip().endswith(f"Score: {len(pairs)}/{len(pairs)}")


def test_forward_comes_first_then_backward_gate_by_gate():
    text = quiz(Graph.mlp([2, 3, 1]), {"k": 4}, answers(expected([2, 3, 1], 4)))[1]
    assert text.index("Forward:") < text.index("Backward:")


def test_a_symbolic_batch_is_answered_with_k():
    g = Graph.mlp([2, 3, 1])
    pairs = expected([2, 3, 1], "k")
    result, text = quiz(g, {}, answers(pairs))
    assert result.score == result.total == 21
    assert "k stays a symbol" in text


def test_a_wrong_backward_answer_names_the_rule_and_the_arithmetic():
    g = Graph.mlp([2, 3, 1])
    pairs = expected([2, 3, 1], 4)
    wrong = [(t, (1, 3) if t == "dJ/dW²" else s) for t, s in pairs]  # W²ᵀ's shape: the classic
    result, text = quiz(g, {"k": 4}, answers(wrong))
    assert (result.score, result.total) == (20, 21)
    line = verdict(text)
    assert "wrong: dJ/dW² is 3×1, not 1×3" in line
    assert "mulGate switches" in line and "Aᵀ·top_diff" in line  # the rule ...
    assert "(3×4)·(4×1) → 3×1" in line                          # ... and the shapes it gives
    assert text.rstrip().endswith("Score: 20/21")


def test_a_wrong_forward_answer_names_the_rule():
    pairs = expected([2, 3, 1], 4)
    wrong = [(t, (4, 4) if t == "z²" else s) for t, s in pairs]
    result, text = quiz(Graph.mlp([2, 3, 1]), {"k": 4}, answers(wrong))
    line = verdict(text)
    assert "z² is 4×3, not 4×4" in line and "addGate" in line and "broadcast" in line
    assert "(4×3)+(1×3) → 4×3" in line
    assert result.right.count(False) == 1


def test_an_unreadable_answer_is_wrong_and_says_how_to_write_one():
    pairs = expected([2, 3, 1], 4)
    text = "four by two\n" + answers(pairs[1:])
    result, out = quiz(Graph.mlp([2, 3, 1]), {"k": 4}, text)
    assert result.score == 20
    assert "could not read 'four by two' as a shape" in out


def test_running_out_of_answers_leaves_the_rest_unanswered():
    pairs = expected([2, 3, 1], 4)
    result, text = quiz(Graph.mlp([2, 3, 1]), {"k": 4}, answers(pairs[:5]))
    assert result.score == 5 and result.total == 21
    assert result.answers[5:] == [None] * 16
    assert "16 questions left unanswered" in text and "Score: 5/21" in text


@pytest.mark.parametrize("text, shape", [
    ("4x3", (4, 3)), ("4×3", (4, 3)), ("4 x 3", (4, 3)), ("(4, 3)", (4, 3)), ("[4,3]", (4, 3)),
    ("4*3", (4, 3)), (" 4X3 ", (4, 3)), ("k×3", ("k", 3)), ("kx3", ("k", 3)), ("(4,)", (4,)),
    ("scalar", ()), ("()", ()), ("m² x k", ("m²", "k")),
])
def test_answers_are_read_in_the_usual_ways(text, shape):
    assert parse_shape(text) == shape


@pytest.mark.parametrize("text", ["", "four", "four by two", "4x3?", "-4x3", "4.5x3"])
def test_what_is_not_a_shape_is_refused(text):
    assert parse_shape(text) is None


# --- any answer is survived ---------------------------------------------------------------------

def test_an_empty_line_asks_the_same_question_again_instead_of_revealing():
    pairs = expected([2, 3, 1], 4)
    text_in = "\n\n" + answers(pairs[:1]) + "\n" + answers(pairs[1:])
    result, text = quiz(Graph.mlp([2, 3, 1]), {"k": 4}, text_in)
    assert (result.score, result.total) == (21, 21) and result.answers[0] == "4x2"
    assert text.count("shape of X?") == 3 and text.count("shape of W¹?") == 2
    assert text.count("(an empty answer") == 3 and "✗" not in text


@pytest.mark.parametrize("answer, shown", [
    ("9" * 5000, "'9999999999999999999999999999999999999999' [and 4,960 more characters]"),
    ("4" * 10_000_000, "'4444444444444444444444444444444444444444' [and 9,999,960 more characters]"),
    ("4x" * 3000 + "3", "'4x4x4x4x4x4x4x4x4x4x4x4x4x4x4x4x4x4x4x4x' [and 5,961 more characters]"),
    ("\x00\x1b[31m", "'\\x00\\x1b[31m'"),
])
def test_absurd_answers_are_marked_wrong_and_the_quiz_goes_on(answer, shown):
    pairs = expected([2, 3, 1], 4)
    result, text = quiz(Graph.mlp([2, 3, 1]), {"k": 4}, answer + "\n" + answers(pairs[1:]))
    assert (result.score, result.total) == (20, 21) and result.right[0] is False
    assert f"could not read {shown} as a shape" in " ".join(text.split())
    assert len(text) < 20_000  # the answer is quoted back by its start, not whole


def test_a_size_of_more_than_18_digits_is_not_read_as_a_shape():
    assert parse_shape("1" * 18 + "x3") == (int("1" * 18), 3)
    assert parse_shape("1" * 19 + "x3") is None


def test_k_stands_for_the_batch_where_the_hint_offers_it():
    """With k = 4 the quiz's hints write k×3; an answer in that form is right."""
    pairs = expected([2, 3, 1], 4)
    symbolic = [(t, tuple("k" if d == 4 else d for d in s)) for t, s in pairs]
    result, text = quiz(Graph.mlp([2, 3, 1]), {"k": 4}, answers(symbolic, "times"))
    assert (result.score, result.total) == (21, 21), text
    wrong = [(t, tuple("k" if d == 3 else d for d in s)) for t, s in pairs]  # k is 4, not 3
    assert quiz(Graph.mlp([2, 3, 1]), {"k": 4}, answers(wrong))[0].score < 21


def test_layer_sizes_as_m_symbols_count_as_their_values():
    g = Graph.mlp([2, 3, 1])
    result, _ = quiz(g, {"k": 4}, "k×m¹\nm1 x m2\n")
    assert result.right[:2] == [True, True]  # X is 4×2 = k×m¹, W¹ is 2×3 = m¹×m²


def test_an_answer_with_a_reason_is_read_by_its_shape():
    result, text = quiz(Graph.mlp([2, 3, 1]), {"k": 4}, "4x2, one row per observation\n2x3\n")
    assert result.right[:2] == [True, True] and "✓ right: X is 4×2" in text


def test_the_end_of_the_input_closes_with_the_score_so_far():
    pairs = expected([2, 3, 1], 4)
    wrong_third = answers(pairs[:2]) + "1x1\n" + answers(pairs[3:6])  # then the input ends
    result, text = quiz(Graph.mlp([2, 3, 1]), {"k": 4}, wrong_third)
    assert result.score == 5 and text.rstrip().endswith("Score: 5/21")
    assert "15 questions left unanswered" in text


def run_trace(*options: str, answers_text: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "gates.trace", "--quiz", *options],
                          input=answers_text, capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=60)


def test_the_command_line_quiz_reads_a_file_of_answers():
    done = run_trace(answers_text=answers(expected([2, 3, 1], 4)))
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("Score: 21/21")


def test_the_command_line_quiz_follows_layers_batch_and_convention():
    pairs = expected([3, 4, 2], 5, "columns")
    done = run_trace("--layers", "3,4,2", "--batch", "5", "--convention", "columns",
                     answers_text=answers(pairs))
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith(f"Score: {len(pairs)}/{len(pairs)}")


@pytest.mark.parametrize("seed", range(20))
def test_a_seed_draws_a_network_with_no_two_sizes_alike(seed):
    from graph.quiz import random_network
    layers, batch = random_network(seed)
    assert 3 <= len(layers) <= 4
    sizes = [*layers, batch]
    assert len(set(sizes)) == len(sizes) and min(sizes) >= 2  # no square matrix, no 1


def test_the_command_line_seed_gives_each_student_a_network_of_their_own():
    import re
    headers = {}
    for seed in ("3", "4"):
        first = run_trace("--seed", seed, answers_text="")
        layers = [int(s) for s in re.search(r"layers \[([\d, ]+)\]", first.stdout).group(1).split(",")]
        k = int(re.search(r"The batch: k = (\d+)", first.stdout).group(1))
        pairs = expected(layers, k)  # the answers, from the sizes the header announces
        done = run_trace("--seed", seed, answers_text=answers(pairs))
        assert done.stdout.rstrip().endswith(f"Score: {len(pairs)}/{len(pairs)}"), done.stdout[-500:]
        headers[seed] = (layers, k)
    assert headers["3"] != headers["4"]


def test_the_command_line_quiz_survives_a_10_mb_line_and_a_5000_digit_number():
    done = run_trace(answers_text="4" * 10_000_000 + "\n" + "9" * 5000 + "\n\n1x3\n")
    assert done.returncode == 0 and done.stderr == "" and "Traceback" not in done.stdout
    assert "[and 9,999,960 more characters]" in done.stdout and "[and 4,960 more characters]" in done.stdout
    assert "(an empty answer" in done.stdout and "✓ right: b¹ is 1×3" not in done.stdout  # 3rd: XW¹
    assert done.stdout.rstrip().endswith("Score: 0/21") and len(done.stdout) < 20_000


def test_a_negative_size_is_not_read_as_a_shape():
    from graph.quiz_answers import find_shape
    assert find_shape("-4x3") is None and find_shape("−4×3") is None
    assert find_shape("4x3, b¹ is copied to each row") == (4, 3)
