"""What the command-line entries share: a user's mistake is one line on stderr and exit code 2.

`python -m gates.trace` and `python -m gates.check` both use this parser and these option
types, so that a bad value is refused with a sentence that says what is wrong, never with a
usage block or a traceback.
"""

from __future__ import annotations

import argparse
import math
import sys


def fail(prog: str, message) -> NoReturn:  # noqa: F821 (typing only)
    """One line on standard error, exit code 2: how a command reports a user's mistake."""
    text = " ".join(str(message).split())
    sys.stderr.write(f"{prog}: error: {text}\n")
    raise SystemExit(2)


class Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line (no usage block) and exit code 2."""

    def error(self, message: str):
        fail(self.prog, f"{message} (see --help)")


def positive_number(example: str):
    """An option type for a finite number > 0 (a learning rate, a tolerance, a step ε)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not 0 < value < math.inf:
            raise argparse.ArgumentTypeError(f"{text!r} is not a positive number, e.g. {example}")
        return value
    parse.__name__ = "positive number"
    return parse
