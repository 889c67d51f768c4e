"""What the command-line entries share: a user's mistake is one line on stderr and exit code 2.

`python -m gates.trace`, `python -m gates.check` and the labs use this parser, these option
types and `guarded`, so that a bad value, a full disk, a closed standard output or input are
each refused with one sentence that says what is wrong, never with a usage block or a traceback.
A broken pipe (`python -m gates.trace | head`) ends the command quietly, with the exit status
141 that a shell reports for any program stopped that way.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable
from typing import NoReturn

BROKEN_PIPE = 141  # 128 + SIGPIPE: what `yes | head` reports under `set -o pipefail`
INTERRUPTED = 130  # 128 + SIGINT: Ctrl-C


class InputError(ValueError):
    """Standard input could not be read (closed, or a read failed)."""


def say_partial(text: str) -> None:
    """Text on standard error, flushed, when there is one to write to (it may be closed too)."""
    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):
        pass  # nowhere to report to: the exit status still says it


def say(text: str) -> None:
    """One line on standard error (see say_partial)."""
    say_partial(text + "\n")


def fail(prog: str, message) -> NoReturn:
    """One line on standard error, exit code 2: how a command reports a user's mistake."""
    text = " ".join(str(message).split())
    say(f"{prog}: error: {text}")
    raise SystemExit(2)


def warn(prog: str, message) -> None:
    """One line on standard error that does not stop the command."""
    say(f"{prog}: warning: {' '.join(str(message).split())}")


class Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line (no usage block) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        fail(self.prog, f"{message} (see --help)")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            say(message.rstrip("\n"))
        raise SystemExit(status)


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


# --- output and input errors ---------------------------------------------------------------------

def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that Python's last flush at exit has nowhere to
    fail (else it prints "Exception ignored ... BrokenPipeError" after we ended quietly)."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass  # not a real file (a test's StringIO): nothing to silence


def _reason(error: OSError) -> str:
    return error.strerror or str(error) or type(error).__name__


def guarded(prog: str, body: Callable[[], int | None]) -> int:
    """Run a command's body; return its exit status, with its output errors turned into ours.

    A closed standard output (`>&-`), a full disk or any other failed write: one line, exit 2.
    A broken pipe: quiet, exit 141. Ctrl-C: quiet, exit 130. Standard output is flushed here,
    so that a write that fails only at exit is caught too.
    """
    if sys.stdout is None:
        fail(prog, "standard output is closed, so nothing can be printed; run the command "
                   "without closing it (>&-), or send it to a file (> out.txt)")
    try:
        code = body() or 0
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        _silence_stdout()
        return BROKEN_PIPE
    except KeyboardInterrupt:
        say("")
        return INTERRUPTED
    except InputError as error:
        fail(prog, error)
    except OSError as error:
        _silence_stdout()
        fail(prog, f"cannot write the output: {_reason(error)}")


def standard_input(prog: str, why: str):
    """Standard input, ready for a person's answers: a closed one is refused in one line (exit 2),
    bytes that are not UTF-8 are read as � rather than stopping the command, and a failed read
    is an InputError. `why` says what it is read for ("the quiz's answers")."""
    stream = sys.stdin
    if stream is None:
        fail(prog, f"standard input is closed, so {why} cannot be read; give them on a terminal "
                   f"or from a file (< answers.txt)")
    try:
        stream.reconfigure(errors="replace")
    except (AttributeError, ValueError, OSError):
        pass  # not a text file of the usual kind (a test's StringIO): read as it is
    return _Lines(stream)


class _Lines:
    """A text stream whose failed reads are InputErrors (isatty and readline are all it needs)."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def readline(self) -> str:
        try:
            return self.stream.readline()
        except OSError as error:
            raise InputError(f"cannot read standard input: {_reason(error)}") from None

    def isatty(self) -> bool:
        try:
            return self.stream.isatty()
        except (OSError, ValueError, AttributeError):
            return False


__all__ = ["BROKEN_PIPE", "INTERRUPTED", "InputError", "Parser", "fail", "guarded", "positive_number",
           "say", "say_partial", "standard_input", "warn"]
