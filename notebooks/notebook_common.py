"""What the lab notebooks share: the labs' own code, and asking a question the notebook way.

The notebooks beside this file are the four labs of scripts/ (lab_walkthrough.py,
lab_build_a_gate.py, lab_training.py, lab_conventions.py): same questions, same checks, same
numbers, because they import the labs and call them. This module puts scripts/ on the path and
asks a lab's questions in a notebook: the question, the student's answer marked by the lab's
own check (scripts/lab_common.shape_marker), and the answer behind a click ("Show the answer").
"""

from __future__ import annotations

import html
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path


def _root() -> Path:
    """The checkout: the folder holding scripts/lab_common.py, above this file or the cwd."""
    for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
        for folder in (start, *start.parents):
            if (folder / "scripts" / "lab_common.py").is_file():
                return folder
    raise FileNotFoundError("cannot find scripts/lab_common.py: open the notebooks from the gates "
                            "checkout (its notebooks/ folder)")


ROOT = _root()
SCRIPTS = ROOT / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))
# Where the notebooks' pictures go (as the labs' --out): GATES_LAB_OUT, else notebooks/lab_output.
OUT = Path(os.environ.get("GATES_LAB_OUT") or ROOT / "notebooks" / "lab_output")


def card(number: int, question: str, answer: str, given: str = "",
         check: Callable[[str], str] | None = None) -> str:
    """A question as HTML: the question, the given answer with the lab's verdict, and the
    answer folded under "Show the answer" (a click reveals it, as the lab reveals after Enter)."""
    parts = [f'<div style="margin:.6em 0"><b>Q{number}.</b> {html.escape(question)}']
    if given.strip() and check is not None:
        verdict = check(given.strip())
        colour = "#1e8449" if verdict.startswith("✓") else "#c0392b"
        parts.append(f'<div style="color:{colour}">your answer: {html.escape(given.strip())} — '
                     f"{html.escape(verdict)}</div>")
    elif check is not None:
        parts.append('<div style="color:#777">(write your answer in the cell above and run it again)</div>')
    parts.append(f"<details><summary>Show the answer</summary>{html.escape(answer)}</details></div>")
    return "".join(parts)


class NotebookAsker:
    """Asks as scripts/lab_common.Asker does, `ask(question, answer, check=None)`, in a notebook.

    answers: the student's answers, in the order the lab asks (an empty string: not answered).
    The labs' question functions take an Asker, so they run here unchanged.
    """

    def __init__(self, answers: Sequence[str] = ()) -> None:
        self.answers = list(answers)
        self.asked = 0
        self.verdicts: list[str | None] = []

    def __call__(self, question: str, answer: str, check: Callable[[str], str] | None = None) -> None:
        from IPython.display import HTML, display

        given = self.answers[self.asked] if self.asked < len(self.answers) else ""
        self.asked += 1
        self.verdicts.append(check(given.strip()) if check and given.strip() else None)
        display(HTML(card(self.asked, question, answer, given, check)))


__all__ = ["OUT", "ROOT", "SCRIPTS", "NotebookAsker", "card"]
