"""What the labs share: their options, asking a question and revealing its answer.

Every lab runs two ways:
- in a lab session: `python scripts/lab_walkthrough.py` asks, waits for the student, then reveals;
- unattended (tests, CI, a teacher preparing a handout): `--yes` (or `--answers`), or the
  environment variable GATES_LAB_NONINTERACTIVE=1, prints each question with its answer at once.
Answers can also be piped in, one per line: `python scripts/lab_walkthrough.py < answers.txt`.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if importlib.util.find_spec("gates") is None:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT))

NONINTERACTIVE = "GATES_LAB_NONINTERACTIVE"


def parser(doc: str | None) -> argparse.ArgumentParser:
    """argparse with the labs' common options; the module docstring is the description."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--yes", "--answers", dest="yes", action="store_true",
                   help=f"do not wait for answers: print each question with its answer "
                        f"(also: {NONINTERACTIVE}=1)")
    p.add_argument("--out", metavar="DIR", default="lab_output",
                   help="where the pictures go (default: ./lab_output)")
    return p


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
        raise SystemExit(f"cannot create the output folder {path}: {error.strerror}")
    return path


def _wrapped(text: str, first: str, rest: str, width: int = 100) -> str:
    return textwrap.fill(text, width, initial_indent=first, subsequent_indent=rest)


class Asker:
    """Poses questions: waits for an answer when interactive, then reveals the answer.

    `check` (optional) marks the student's answer, returning a verdict such as "✓ right".
    """

    def __init__(self, args: argparse.Namespace) -> None:
        self.interactive = interactive(args)
        self.asked = 0

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
        sys.stdout.write("      your answer> ")
        sys.stdout.flush()
        line = sys.stdin.readline()
        if not line:  # standard input is exhausted: reveal the rest without waiting
            self.interactive = False
            print()
            return None
        if not sys.stdin.isatty():
            print(line.strip())  # a piped answer is echoed, so that the transcript reads whole
        return line.strip()
