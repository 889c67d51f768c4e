"""Lab 1, the walkthrough. Goal: follow the [2, 3, 1] network through one step of gradient
descent, gate by gate, and predict each important shape before you see it: what is the shape of
δ²? Why is dJ/db¹ 1×3 when δ² is 4×3? Why does dJ/dW² need a transpose?

The walkthrough stops before each question's gate; type your answer (4x3, 4×3 and (4, 3) all
work), press Enter, and the answer is revealed with the rule that gives it, then the gate.

    python scripts/lab_walkthrough.py            # answer as you go
    python scripts/lab_walkthrough.py --yes      # questions and answers, no waiting
"""

from __future__ import annotations

import sys

# lab_common first: it makes gates importable from a checkout without `pip install -e .`
from lab_common import Asker, goal, parser, run, shape_marker

from gates.check import check_graph
from gates.shapes import format_shape
from graph import Graph
from graph.render import show
from graph.walkthrough import example_data, trace

BATCH = 4


def shape_of(event: dict) -> str:
    return format_shape(event["shape"])


def _inputs(event: dict) -> str:
    return " and ".join(f"{i['label']} is {format_shape(i['shape'])}" for i in event["inputs"])


# Each question is asked just before the gate that answers it. Keys: (phase, the value made or
# the value whose gradient is made); each function gets that event and returns (question,
# expected shape or None for a "why" question, answer). Every shape in an answer is the engine's.
def q_z2(e):
    return (f"{_inputs(e)}. What is the shape of {e['label']} = {e['formula']}, and what "
            f"happens to {e['inputs'][1]['label']}?", e["shape"],
            f"{e['label']} is {shape_of(e)}: {e['arithmetic']}. {e['note']}: the same biases are "
            f"added to every observation.")


def q_a2W2(e):
    return (f"{_inputs(e)}. What is the shape of {e['label']} = {e['formula']}?", e["shape"],
            f"{e['arithmetic']}: the inner sizes meet and vanish, the outer ones remain.")


def q_delta3(e):
    return (f"Backward starts at J, a scalar. What is the shape of {e['label']}?", e["shape"],
            f"{shape_of(e)}, the shape of z³: one row per observation, one column per output "
            f"neuron. Every gradient has the shape of what it differentiates.")


def q_dW2(e):
    a2 = e["formula"].split(" · ")[0]  # a²ᵀ
    return (f"{e['label']} = {e['formula']}. Why the transpose on {a2.rstrip('ᵀ')}, and what "
            f"shape comes out?", e["shape"],
            f"{e['arithmetic']}, the shape of W². Without the transpose the product would not "
            f"fit: mulGate switches its inputs and the transposes make the shapes meet.")


def q_delta2(e):
    return (f"{e['label']} = {e['formula']}. What is the shape of δ²?", e["shape"],
            f"{shape_of(e)}: {e['arithmetic']}. ⊙ is an elementwise product, not a matrix "
            f"product, so the shape does not change.")


def q_db1(e):
    top = e["top_diff"]
    return (f"δ² is {format_shape(top['shape'])}. Why is {e['label']} {shape_of(e)}, "
            f"not {format_shape(top['shape'])}?", None,
            f"b¹ is {shape_of(e)}, one bias per hidden neuron, broadcast over the {BATCH} rows in "
            f"forward; so its gradient adds δ² up over the rows ({e['formula']}): "
            f"{e['arithmetic']}. A gradient always has its parameter's shape.")


def q_dW1(e):
    return (f"{e['label']} = {e['formula']}. What is its shape, and where did the batch of "
            f"{BATCH} observations go?", e["shape"],
            f"{e['arithmetic']}: the product sums over the {BATCH} observations, so W¹'s "
            f"gradient is {shape_of(e)} whatever the batch size.")


QUESTIONS = {("forward", "z2"): q_z2, ("forward", "a2W2"): q_a2W2,
             ("backward", "z3"): q_delta3, ("backward", "W2"): q_dW2,
             ("backward", "z2"): q_delta2, ("backward", "b1"): q_db1,
             ("backward", "W1"): q_dW1}


def question_for(event: dict):
    key = (event["phase"], event.get("output") or event.get("grad_of"))
    return QUESTIONS[key](event) if key in QUESTIONS else None


def main(argv=None) -> int:
    args = parser(__doc__).parse_args(argv)
    goal(__doc__)
    ask = Asker(args)
    g = Graph.mlp([2, 3, 1])
    inputs = example_data(g, BATCH, seed=0)
    print()
    print(g.summary())
    print()

    walk = trace(g, inputs, lr=0.1)
    events = walk.events

    def pose(event: dict) -> None:
        found = question_for(event)
        if found is None:
            return
        question, expected, answer = found
        ask(question, answer, None if expected is None else shape_marker(expected, {"k": BATCH}))

    shown = 0

    def after_row() -> bool:
        """Called by the renderer after each gate's row: ask about the next gate, if it has a
        question, before its row shows the answer."""
        nonlocal shown
        shown += 1
        if shown < len(events):
            pose(events[shown])
        return True

    pose(events[0])
    show(walk, "rich" if sys.stdout.isatty() else "plain", step=True, pause=after_row)

    ask("Every gradient above has exactly its parameter's shape. Why must it?",
        "the update W ← W − λ·dJ/dW subtracts element by element: one partial derivative per "
        "weight, in the weight's place.")
    check = check_graph(g, inputs)
    print(f"\nGradient check (central differences, float64): largest relative error "
          f"{check.max_error:.1e}: {'the gradients are right' if check.ok else 'FAIL'}.")
    return 0 if check.ok else 1


if __name__ == "__main__":
    sys.exit(run(main))
