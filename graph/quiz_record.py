"""The quiz for a teacher: the answer key of a student's variant, and a class's results as JSON.

    python -m gates.trace --quiz --seed 17 --answer-key        # student 17's answers, no questions
    python -m gates.trace --quiz --seed 17 --results 17.json   # the quiz, then every answer recorded

The key and the record come from the same questions the quiz asks (graph.quiz.questions), so a
key never disagrees with the marking.
"""

from __future__ import annotations

import json

from gates.shapes import format_shape

from .quiz import Question, QuizResult


def answer_key(questions: list[Question], header: str) -> str:
    """One line per question, numbered as the quiz numbers them: what is asked, its shape and
    the shape arithmetic that gives it."""
    lines = [header]
    phase = None
    for number, question in enumerate(questions, start=1):
        if question.phase != phase:
            phase = question.phase
            lines.append(f"\n{phase.capitalize()}:")
        lines.append(f"[{number}/{len(questions)}] {question.target}: "
                     f"{format_shape(question.expected)}    ({question.working})")
    return "\n".join(lines) + "\n"


def results_document(result: QuizResult, network: dict) -> str:
    """The quiz's record as strict JSON: the network, the score, and every answer (null when the
    input ended before it), with the expected shape and whether it was right."""
    answers = [{"number": number, "phase": question.phase, "target": question.target,
                "expected": format_shape(question.expected), "answer": answer, "right": right}
               for number, (question, answer, right)
               in enumerate(zip(result.questions, result.answers, result.right), start=1)]
    document = {"network": network, "score": result.score, "total": result.total,
                "answers": answers}
    return json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


__all__ = ["answer_key", "results_document"]
