"""A marked quiz (graph.quiz.QuizResult) as an HTML table, for a notebook.

    result = run_quiz(g, {"k": 4}, input=io.StringIO("4x2\\n2x3\\n..."))
    result                      # in a notebook: every question, the answer given, ✓ or ✗

The right shape and its rule are folded under each wrong answer ("why?"), as the quiz prints
them. Formatting only: the marks are the quiz's own.
"""

from __future__ import annotations

from gates.shapes import format_shape

from .html_svg import esc


def _verdict(question, answer: str | None, right: bool) -> str:
    if answer is None:
        return '<span style="color:#777">unanswered</span>'
    if right:
        return f'<span style="color:#1e8449">✓ {esc(question.working)}</span>'
    return (f'<span style="color:#c0392b">✗ it is {esc(format_shape(question.expected))}</span>'
            f"<details><summary>why?</summary>{esc(question.rule)}</details>")


def quiz_html(result) -> str:
    """The questions in order, forward then backward, with each answer and its mark."""
    answers = list(result.answers) + [None] * (result.total - len(result.answers))
    right = list(result.right) + [False] * (result.total - len(result.right))
    rows = []
    for number, (question, answer, ok) in enumerate(zip(result.questions, answers, right), start=1):
        given = "—" if answer is None else esc(answer if len(answer) <= 60 else answer[:57] + "...")
        cells = [str(number), esc(question.phase), esc(question.context), esc(question.target), given,
                 _verdict(question, answer, ok)]
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    head = "".join(f"<th>{name}</th>" for name in ("#", "phase", "gate", "shape of", "answer", "mark"))
    return (f'<div><table style="border-collapse:collapse"><tr>{head}</tr>{"".join(rows)}</table>'
            f"<p><b>Score: {result.score}/{result.total}</b></p></div>")


__all__ = ["quiz_html"]
