"""The shape quiz: every shape of a network hidden and asked for, gate by gate, forward then backward.

    python -m gates.trace --quiz --layers 2,3,1 --batch 4 < answers.txt

Each answer is marked right or wrong with the rule that gives the shape, and a score closes the
quiz. The expected shapes come from the graph's own events (`symbolic_events`), never from a
second derivation here: the quiz asks what the engine computes. Answers are read one per line, so
a grader can pipe a file in; "4x3", "4×3", "4 x 3", "(4, 3)", "k×3" and "scalar" are all read.
"""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass, field
from typing import TextIO

import numpy as np

from gates.activations import Elementwise, Softmax
from gates.arithmetic import AddGate, HadamardGate, MulGate
from gates.conv import ConvGate
from gates.losses import Loss
from gates.notation import superscript
from gates.pool import FlattenGate, Pool
from gates.shapes import Shape, format_shape

from .builders import CONVENTION_WORDS
from .engine import INPUT, VALUE
from .quiz_answers import LONGEST_ANSWER, answer_symbols, find_shape, parse_shape, same_shape, shown
from .tracer import symbolic_events

# How each kind of gate makes its output's shape; the gate's own arithmetic follows the sentence.
_FORWARD_RULES = (
    (MulGate, "a matrix product keeps the outer sizes, (n×m)·(m×p) → n×p"),
    (AddGate, "a sum has its operands' shape; a bias of size 1 along the batch is broadcast over it"),
    (HadamardGate, "an elementwise product keeps the shape"),
    (Softmax, "softmax normalises along the class axis and keeps the shape"),
    (Elementwise, "an activation acts on each element and keeps the shape"),
    (Loss, "a loss adds up every element into one number, a scalar"),
    (ConvGate, "a convolution keeps the batch, gives one channel per kernel, and each side becomes "
               "(H + 2·padding − kh)/stride + 1"),
    (Pool, "pooling keeps the batch and the channels, and each side becomes (H − size)/stride + 1"),
    (FlattenGate, "flatten keeps the batch and joins the other axes into one of C·H·W"),
)

WIDTH = 100  # where a verdict and its rule fold

@dataclass
class Question:
    """One hidden shape: what is asked, how it is made (without shapes), the answer and its rule."""

    phase: str      # "forward" or "backward"
    target: str     # what the student gives the shape of: XW¹, δ², dJ/dW²
    context: str    # e.g. "mulGate: XW¹ = X·W¹", "mulGate at a²W²: dJ/dW² = a²ᵀ · δ³"
    expected: Shape
    rule: str       # why: the gate's rule and its shape arithmetic, shown with a wrong answer
    working: str    # the shape arithmetic alone, e.g. (4×2)·(2×3) → 4×3, shown with a right one


@dataclass
class QuizResult:
    """What was asked, what was answered (None: no answer was given) and which were right."""

    questions: list[Question]
    answers: list[str | None] = field(default_factory=list)
    right: list[bool] = field(default_factory=list)

    @property
    def score(self) -> int:
        return sum(self.right)

    @property
    def total(self) -> int:
        return len(self.questions)

    def _repr_html_(self) -> str:
        """A notebook shows each question, the answer given and its mark (graph.html_quiz)."""
        from .html_quiz import quiz_html
        return quiz_html(self)


# --- the questions -----------------------------------------------------------------------------

def questions(graph, symbols: dict[str, int] | None = None) -> list[Question]:
    """Every shape of `graph` as a question, in the order of the walkthrough: forward gate by gate
    (each input or parameter asked the first time a gate uses it, when the graph is an mlp whose
    layer sizes say what it must be), then backward, one question per gradient."""
    events = symbolic_events(graph, symbols)
    layered = "layers" in graph.meta
    asked: set[str] = set()
    found: list[Question] = []
    for event in (e for e in events if e["phase"] == "forward"):
        for operand in event["inputs"]:
            node = graph.nodes[operand["name"]]
            if layered and node.role != VALUE and node.name not in asked:
                asked.add(node.name)
                found.append(_leaf_question(graph, node, tuple(operand["shape"])))
        found.append(_forward_question(graph, event))
    for event in (e for e in events if e["phase"] == "backward"):
        found.append(_backward_question(graph, event))
    return found


def _forward_question(graph, event: dict) -> Question:
    gate = graph.nodes[event["output"]].gate
    sentence = next((words for kind, words in _FORWARD_RULES if isinstance(gate, kind)), None)
    rule = f"{event['gate']}: " + (f"{sentence}: " if sentence else "") + event["arithmetic"]
    if event["note"]:
        rule += f" ({event['note']})"
    return Question("forward", event["label"],
                    f"{event['gate']}: {event['label']} = {event['formula']}",
                    tuple(event["shape"]), rule, event["arithmetic"])


def _backward_question(graph, event: dict) -> Question:
    target = event["label"].split(" = ")[0]  # "δ² = dJ/dz²" asks for δ²
    of = graph.nodes[event["grad_of"]].label
    made_at = graph.nodes[event["node"]].label
    shape = format_shape(event["shape"])
    rule = (f"{event['explain']} Here {event['arithmetic']}. A gradient always has the shape of "
            f"what it differentiates: {of} is {shape}.")
    return Question("backward", target,
                    f"{event['gate']} at {made_at}: {target} = {event['formula']}",
                    tuple(event["shape"]), rule, event["arithmetic"])


def _leaf_question(graph, node, shape: Shape) -> Question:
    """An input or a parameter of an mlp, whose shape follows from the layer sizes."""
    rows = graph.meta.get("convention", "rows") == "rows"
    layers = graph.meta["layers"]
    last = superscript(str(len(layers)))
    answer = format_shape(shape)

    def oriented(a: str, b: str) -> str:
        return f"{a}×{b}" if rows else f"{b}×{a}"

    def count(n: int, what: str) -> str:
        return f"{n} {what}" + ("s" if n != 1 else "")

    per = "row" if rows else "column"
    if node.role == INPUT and node.name == "X":
        context = f"the input {node.label}, a batch of k observations of {count(layers[0], 'feature')}"
        working = f"{oriented('k', 'm¹')} = {answer}"
        rule = f"one observation per {per}: {working}"
    elif node.role == INPUT:
        context = f"the targets {node.label}, one per observation"
        working = f"{oriented('k', 'm' + last)} = {answer}"
        rule = f"{node.label} has the output's shape, one observation per {per}: {working}"
    elif node.name.startswith("W"):
        l = int(node.name[1:])
        here, nxt = superscript(str(l)), superscript(str(l + 1))
        context = f"the parameter {node.label}, from layer {l} to layer {l + 1}"
        working = f"{oriented('m' + here, 'm' + nxt)} = {answer}"
        rule = (f"{node.label} takes the m{here} = {count(layers[l - 1], 'value')} of layer {l} "
                f"to the m{nxt} = {count(layers[l], 'neuron')} of layer {l + 1}: {working} in the "
                f"{'rows' if rows else 'columns'} convention")
    else:
        l = int(node.name[1:])
        nxt = superscript(str(l + 1))
        context = f"the parameter {node.label}, the biases of layer {l + 1}"
        working = f"{oriented('1', 'm' + nxt)} = {answer}"
        rule = f"one bias per neuron of layer {l + 1}, one {per} broadcast over the batch: {working}"
    return Question("forward", node.label, context, shape, rule, working)


def random_network(seed: int) -> tuple[list[int], int]:
    """Layer sizes and a batch size of a student's own network, drawn from `seed`.

    One or two hidden layers; every size, the batch included, differs from the others and from
    1, so that no matrix is square and a transposed answer is never right by accident.
    """
    rng = np.random.default_rng(seed)
    depth = int(rng.integers(3, 5))  # layers, inputs and outputs included
    sizes = [int(s) for s in rng.choice(np.arange(2, 10), size=depth + 1, replace=False)]
    return sizes[:depth], sizes[depth]


# --- asking ------------------------------------------------------------------------------------

def _describe(graph, symbols: dict[str, int], convention: str) -> str:
    meta = graph.meta
    how = ", ".join(CONVENTION_WORDS[convention]) if convention in CONVENTION_WORDS else convention
    if "layers" in meta:
        net = (f"The network: layers {meta['layers']}, {meta['activation']} hidden, "
               f"{meta['output_activation']} output, {meta['loss']} loss.\n"
               f"The {convention} convention: {how}.")
    else:
        given = ", ".join(f"{n.label} {format_shape(n.shape)}" for n in graph.nodes.values()
                          if n.role != VALUE and n.shape is not None)
        net = f"The graph: {len(graph.gate_nodes)} gates; its inputs and parameters: {given}."
    batch = ", ".join(f"{s} = {v}" for s, v in symbols.items())
    batch = (f"The batch: {batch}." if batch else
             "The batch size k stays a symbol: answer with k where it belongs, e.g. k×3.")
    return f"{net}\n{batch}\nGive each shape as 4x3 (or 4×3, (4, 3)); a scalar as 'scalar'."


def run_quiz(graph, symbols: dict[str, int] | None = None, *, input: TextIO | None = None,
             output: TextIO | None = None, convention: str | None = None) -> QuizResult:
    """Ask every shape of `graph` (concrete with `symbols` such as {"k": 4}, else symbolic k),
    one answer per line from `input` (standard input); mark each with its rule on `output`
    (standard output); end with the score. `convention` names the convention in the header
    (by default the graph's own).

    An empty line asks the same question again. When `input` runs out, the questions left
    count as unanswered (wrong) and the score so far closes the quiz.
    """
    input, output = input or sys.stdin, output or sys.stdout
    symbols = dict(symbols or {})
    convention = convention or graph.meta.get("convention", "rows")
    result = QuizResult(questions(graph, symbols))
    accepted = answer_symbols(graph, symbols)
    # A piped answer is printed, so that the transcript reads whole.
    echo = not (hasattr(input, "isatty") and input.isatty())
    print(_describe(graph, symbols, convention), file=output)
    phase = None
    for number, question in enumerate(result.questions, start=1):
        if question.phase != phase:
            phase = question.phase
            print(f"\n{phase.capitalize()}:", file=output)
        print(f"[{number}/{result.total}] {question.context}", file=output)
        answer = _ask(question, input, output, echo)
        if answer is None:
            left = result.total - number + 1
            print(f"\n(no more answers: {left} question{'s' if left > 1 else ''} left unanswered)",
                  file=output)
            result.answers.extend([None] * left)
            result.right.extend([False] * left)
            break
        verdict = _mark(question, answer, result, accepted)
        print(textwrap.fill(verdict, WIDTH, initial_indent="    ", subsequent_indent="      ",
                            break_long_words=False), file=output)
    print(f"\nScore: {result.score}/{result.total}", file=output)
    return result


def _ask(question: Question, input: TextIO, output: TextIO, echo: bool) -> str | None:
    """The student's answer to one question, asked again after an empty line; None at the end
    of the input."""
    while True:
        output.write(f"    shape of {question.target}? ")
        output.flush()
        line = input.readline()
        if not line:
            return None
        answer = line.strip()
        if echo:
            output.write((answer if len(answer) <= LONGEST_ANSWER else shown(answer)) + "\n")
        if answer:
            return answer
        print("    (an empty answer: type the shape, e.g. 4x3, k×3 or scalar)", file=output)


def _mark(question: Question, answer: str, result: QuizResult, symbols: dict[str, int]) -> str:
    """Record the answer; the verdict with the rule that gives the right shape."""
    shape = find_shape(answer)
    right = shape is not None and same_shape(shape, question.expected, symbols)
    result.answers.append(answer)
    result.right.append(right)
    expected = format_shape(question.expected)
    if right:
        return f"✓ right: {question.target} is {expected}: {question.working}"
    if shape is None:
        said = f"could not read {shown(answer)} as a shape (write e.g. 4x3, k×3 or scalar)"
    else:
        said = f"not {format_shape(shape)}"
    return f"✗ wrong: {question.target} is {expected}, {said}. Rule: {question.rule}"


__all__ = ["Question", "QuizResult", "answer_symbols", "parse_shape", "questions", "random_network",
           "run_quiz", "same_shape", "shown"]
