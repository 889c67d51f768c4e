"""What the labs share: their options, asking a question and revealing its answer.

Every lab runs two ways:
- in a lab session: `python scripts/lab_walkthrough.py` asks, waits for the student, then reveals;
- unattended (tests, CI, a teacher preparing a handout): `--yes` (or `--answers`), or the
  environment variable GATES_LAB_NONINTERACTIVE=1, prints each question with its answer at once.
Answers can also be piped in, one per line: `python scripts/lab_walkthrough.py < answers.txt`.

A mistake in the options, a closed standard input or output, a full disk: one line and exit
status 2, as with `python -m gates.trace` (gates.cli); a broken pipe ends the lab quietly.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if importlib.util.find_spec("gates") is None:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT))

from gates import cli  # noqa: E402 (after the path is set)
from graph.quiz_answers import find_shape, same_shape, shown  # noqa: E402

NONINTERACTIVE = "GATES_LAB_NONINTERACTIVE"


def prog_name() -> str:
    """The lab as the student typed it: lab_walkthrough.py."""
    return Path(sys.argv[0]).name or "lab"


def parser(doc: str | None, *, out: bool = False) -> cli.Parser:
    """The labs' common options; `out`: the lab writes files, to --out DIR. The module docstring
    is the description. A mistake is one line and exit status 2."""
    p = cli.Parser(prog=prog_name(), description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--yes", "--answers", dest="yes", action="store_true",
                   help=f"do not wait for answers: print each question with its answer "
                        f"(also: {NONINTERACTIVE}=1)")
    if out:
        p.add_argument("--out", metavar="DIR", default="lab_output",
                       help="where the pictures go (default: ./lab_output)")
    return p


def run(main: Callable[[Sequence[str] | None], int], argv: Sequence[str] | None = None) -> int:
    """A lab's main, with its output and input errors as one line (gates.cli.guarded)."""
    return cli.guarded(prog_name(), lambda: main(argv))


def fail(message) -> None:
    """One line on standard error, exit status 2."""
    cli.fail(prog_name(), message)


def interactive(args: argparse.Namespace) -> bool:
    return not args.yes and os.environ.get(NONINTERACTIVE, "") not in ("1", "true", "yes")


def goal(doc: str) -> None:
    """Print the lab's goal: the first paragraph of its docstring."""
    print(doc.strip().split("\n\n")[0])


def out_dir(args: argparse.Namespace) -> Path:
    path = Path(args.out)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(f"cannot create the output folder {path}: {error.strerror}")
    return path


def _wrapped(text: str, first: str, rest: str, width: int | None = None) -> str:
    """The text folded to the terminal's width (at most 100 columns, at least 40)."""
    width = width or max(40, min(100, shutil.get_terminal_size((100, 24)).columns))
    return textwrap.fill(text, width, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False)


def shape_marker(expected, symbols: dict[str, int] | None = None) -> Callable[[str], str]:
    """A check for Asker: right when the answer gives the expected shape, alone or in a sentence
    ("4x3, b¹ is copied to each row"); k may stand for the batch given in `symbols`."""
    def check(given: str) -> str:
        shape = find_shape(given)
        if shape is not None and same_shape(shape, expected, symbols):
            return "✓ right"
        return f"✗ not quite: you said {given if len(given) <= 40 else shown(given)}"
    return check


class Asker:
    """Poses questions: waits for an answer when interactive, then reveals the answer.

    `check` (optional) marks the student's answer, returning a verdict such as "✓ right".
    An empty answer asks again; at the end of the input the rest is revealed without waiting.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        self.interactive = interactive(args)
        self.asked = 0
        self.answers = cli.standard_input(prog_name(), "your answers") if self.interactive else None

    def __call__(self, question: str, answer: str,
                 check: Callable[[str], str] | None = None) -> None:
        self.asked += 1
        print()
        print(_wrapped(f"Q{self.asked}. {question}", "  ", "      "))
        given = self._read() if self.interactive else None
        if given and check is not None:
            print(f"      {check(given)}")
        print(_wrapped(f"Answer: {answer}", "      ", "      "))
        sys.stdout.flush()

    def _read(self) -> str | None:
        while True:
            sys.stdout.write("      your answer> ")
            sys.stdout.flush()
            line = self.answers.readline()
            if not line:  # standard input is exhausted: reveal the rest without waiting
                self.interactive = False
                print()
                return None
            given = line.strip()
            if not self.answers.isatty():
                print(given if len(given) <= 200 else shown(given))  # the transcript reads whole
            if given:
                return given
            print("      (an empty answer: type your answer, then Enter)")
