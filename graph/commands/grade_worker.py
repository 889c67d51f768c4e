"""One exercise graded in a process of its own:

    python -m graph.commands.grade_worker NUMBER STUDENT_FILE RESULT_JSON   (the token on stdin)

`python -m gates.grade` starts one of these per exercise, with a time limit, so that a student's
endless loop, crash or exit ends this process and never the grader. The grader sends a random
token on standard input; it is read, and standard input closed, before the student's file is
imported, and kept in a local variable only (never argv, the environment or a module global),
so that a file which writes RESULT_JSON itself has no token to sign it with and is refused. The
student's file is imported under a private module name (gates.loader: a student's numpy.py
shadows nothing), the exercise's checks run, and the outcome is written to RESULT_JSON, whole or
not at all:

    {"token": "...", "checks": {"dJ/dB": {"ok": false, "diagnosis": "missing_sum", "message": "..."}}}
    {"token": "...", "error": "importing ex1_add_gate.py raised SyntaxError: ... (line 40)"}

No result file means the process ended before the grading did (os._exit, a signal); the grader
says so. Once the result is written the process ends at once (os._exit), so that a thread or an
exit handler the student's file left behind cannot hold it up.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict

from gates.gradcheck_runs import raised
from gates.loader import LoadError, load_file
from graph.files import write_text

from .grade_exercises import BY_NUMBER


def outcome(number: int, path: str) -> dict:
    """The verdict of every check of exercise `number` on the file at `path`, or the error."""
    exercise = BY_NUMBER[number]
    sys.dont_write_bytecode = True  # no __pycache__ in the student's folder
    try:
        module = load_file(path)
    except LoadError as error:
        return {"error": " ".join(str(error).split())}
    try:
        verdicts = exercise.grade(module)
    except BaseException as error:  # noqa: BLE001 (the student's code may escape in any way)
        return {"error": f"grading stopped: {raised(error)}"}
    return {"checks": {name: asdict(verdict) for name, verdict in verdicts.items()}}


def read_token() -> str:
    """The grader's token, read from standard input to its end; standard input is then /dev/null
    (the student's input() meets its end at once, and cannot read the token again)."""
    chunks = []
    while chunk := os.read(0, 4096):
        chunks.append(chunk)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    return b"".join(chunks).decode("ascii", errors="replace").strip()


def main(argv: list[str]) -> None:
    number, path, result = argv
    token = read_token()  # a local: the student's file is imported after, by outcome()
    found = {"token": token, **outcome(int(number), path)}
    write_text(result, json.dumps(found, ensure_ascii=False, allow_nan=False))
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass  # the student closed or replaced it: the result is written all the same
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
