"""`python -m gates.grade STUDENT_DIR`: grade a student's folder of exercises, one by one.

Each exercise (graph.commands.grade_exercises) is graded in a process of its own with a time
limit (graph.commands.grade_run), so that a student's crash, endless loop or sys.exit costs that
exercise its marks and nothing else. Every check is all or nothing; a failed check says why, in
the gradient checker's words when the checker judged it (its diagnosis and sentence).

    python -m gates.grade exercises/            # a table, a score per exercise and in total
    python -m gates.grade student/ --only 1,3   # some exercises
    python -m gates.grade student/ --json       # one JSON document, for a course platform

Exit status: 0 every exercise graded has full marks, 1 some mark was lost (a wrong answer, a gap
left empty, a crash, a time-out, a missing file), 2 the call was wrong (no such folder, an
unknown exercise, a bad option; output that cannot be written, e.g. a full disk), like pytest's 0,
1 and usage error; a broken pipe (`| head`) ends it quietly with 141, as in the other commands.
"""

from __future__ import annotations

import argparse
import json
import shutil
import textwrap
from collections.abc import Sequence
from pathlib import Path

from gates import cli

from .grade_exercises import BY_NUMBER, EXERCISES, Exercise

PROG = "python -m gates.grade"
TIMEOUT = 20.0
NBSP = "\u00a0"
FAILED = {"missing": "missing", "error": "does not run", "timeout": "time limit", "exited": "exited"}


# --- from the worker's outcome to a score ---------------------------------------------------------

def scored(exercise: Exercise, outcome: dict) -> dict:
    """The exercise's result: every check with its points, the score, the status."""
    status = outcome["status"]
    verdicts = outcome.get("checks", {})
    checks = []
    for name, points in exercise.points.items():
        verdict = verdicts.get(name) or {"ok": False, "diagnosis": status, "message": outcome.get("message")}
        checks.append({"name": name, "points": points if verdict["ok"] else 0, "max_points": points,
                       "ok": bool(verdict["ok"]), "diagnosis": verdict["diagnosis"],
                       "message": verdict["message"]})
    if status == "graded" and all(c["diagnosis"] == "not_done" for c in checks):
        status = "not_done"
    score = sum(c["points"] for c in checks)
    return {"number": exercise.number, "title": exercise.title, "file": exercise.file, "status": status,
            "ok": score == exercise.max_score, "score": score, "max_score": exercise.max_score,
            "message": outcome.get("message"), "output": outcome.get("output") or None, "checks": checks}


def grade(folder: Path, numbers: Sequence[int], timeout: float, done=None) -> dict:
    """Every chosen exercise of `folder`, graded: the JSON document of --json. `done(result)` is
    called as each exercise's result comes in."""
    from .grade_run import run_exercise

    results = []
    for number in numbers:
        exercise = BY_NUMBER[number]
        try:
            outcome = run_exercise(exercise, folder, timeout)
        except OSError as error:  # Python that cannot be started, no room for its temporary folder
            raise ValueError(f"cannot run exercise {number}: {error.strerror or error}") from None
        results.append(scored(exercise, outcome))
        if done:
            done(results[-1])
    score, top = sum(r["score"] for r in results), sum(r["max_score"] for r in results)
    return {"ok": all(r["ok"] for r in results), "score": score, "max_score": top,
            "folder": str(folder), "timeout": timeout, "exercises": results}


# --- text ------------------------------------------------------------------------------------------

def _points(value: float) -> str:
    return f"{value:g}"


def _line(left: str, right: str, width: int) -> str:
    return f"{left}{' ' * max(2, width - len(left) - len(right))}{right}"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _wrapped(text: str, indent: str, width: int) -> list[str]:
    """The text wrapped at spaces, never inside `code` (its spaces are kept as one word)."""
    parts = " ".join(str(text).split()).split("`")
    joined = "`".join(p.replace(" ", NBSP) if i % 2 else p for i, p in enumerate(parts))
    lines = textwrap.wrap(joined, width, initial_indent=indent, subsequent_indent=indent,
                          break_long_words=False, break_on_hyphens=False)
    return [line.replace(NBSP, " ") for line in lines]


def render_exercise(result: dict, width: int) -> list[str]:
    status = result["status"]
    mark = "✓" if result["ok"] else "✗"
    label = {"not_done": "not started", **FAILED}.get(status, "")
    score = f"{label + '  ' if label else ''}{_points(result['score'])}/{_points(result['max_score'])}"
    head = f"{mark} {result['number']}. {result['title']}"
    if len(head) + len(result["file"]) + len(score) + 5 <= width:
        head += f" ({result['file']})"  # on a narrow screen the title alone
    lines = [_line(head, score, width)]
    if result["ok"]:
        return lines
    if status == "not_done":
        return lines + _wrapped(result["checks"][0]["message"], "      ", width)
    if status in FAILED:
        lines += _wrapped(result["message"], "      ", width)
        if result["output"]:
            lines.append("      its last output:")
            lines += ["        " + _cut(line, width - 8) for line in result["output"].splitlines()[-6:]]
        return lines
    for check in result["checks"]:
        points = f"{_points(check['points'])}/{_points(check['max_points'])}"
        if check["ok"]:
            lines.append(_line(f"    ✓ {check['name']}", points, width))
            continue
        lines.append(_line(f"    ✗ {check['name']}: {check['diagnosis']}", points, width))
        lines += _wrapped(check["message"] or "", "        ", width)
    return lines


def render_total(document: dict, width: int) -> str:
    total = f"{_points(document['score'])}/{_points(document['max_score'])}"
    return "\n" + _line("Total", total, width)


def render(document: dict, width: int) -> str:
    """The whole report as text: each exercise, then the total."""
    lines = [line for result in document["exercises"] for line in render_exercise(result, width)]
    return "\n".join(lines) + "\n" + render_total(document, width)


# --- the command line ------------------------------------------------------------------------------

def _numbers(text: str) -> list[int]:
    try:
        numbers = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        numbers = []
    if not numbers or any(n not in BY_NUMBER for n in numbers):
        raise argparse.ArgumentTypeError(f"{text!r}: give exercise numbers from 1 to {len(EXERCISES)}, "
                                         f"separated by commas, e.g. --only 1,3")
    return numbers


def build_parser() -> cli.Parser:
    parser = cli.Parser(prog=PROG, formatter_class=argparse.RawDescriptionHelpFormatter,
                        description="Grade a student's folder of exercises (the files of exercises/), "
                                    "each exercise in a process of its own with a time limit.",
                        epilog="exit status: 0 full marks on every exercise graded, 1 a mark was lost, "
                               "2 the call was wrong\nexample: python -m gates.grade exercises/ --only 1,2")
    parser.add_argument("folder", type=Path, help="the student's folder: ex1_add_gate.py, ...")
    parser.add_argument("--only", type=_numbers, metavar="1,3", default=[e.number for e in EXERCISES],
                        help="grade these exercises only (default: all)")
    parser.add_argument("--json", action="store_true", help="one JSON document on standard output")
    parser.add_argument("--timeout", type=cli.positive_number("--timeout 20"), default=TIMEOUT,
                        help=f"seconds each exercise may take (default {TIMEOUT:g})")
    return parser


def _run(args) -> int:
    folder = args.folder
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder" + (" (it is a file: give the folder that holds "
                                                         "it)" if folder.is_file() else ""))
    files = [BY_NUMBER[n].file for n in args.only]
    if not any((folder / name).is_file() for name in files):
        raise ValueError(f"{folder} holds none of the exercise files ({', '.join(files)}): give the "
                         f"folder of a student's copies of exercises/")
    if args.json:
        document = grade(folder, args.only, args.timeout)
        print(json.dumps(document, ensure_ascii=False, allow_nan=False, indent=2))
    else:
        width = max(60, min(shutil.get_terminal_size((100, 24)).columns, 100))
        print(f"Grading {folder}: {len(args.only)} exercise(s), {args.timeout:g} s each", flush=True)
        document = grade(folder, args.only, args.timeout,
                         lambda result: print("\n".join(render_exercise(result, width)), flush=True))
        print(render_total(document, width))
    return 0 if document["ok"] else 1


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m gates.grade FOLDER [--only 1,3] [--json] [--timeout S]`: the exit status."""
    args = build_parser().parse_args(argv)

    def body() -> int:
        try:
            return _run(args)
        except ValueError as error:  # a wrong folder; Python that cannot be started. Not OSError:
            # a failed write of the output is guarded's (quiet on a broken pipe, one line else)
            if args.json:
                print(json.dumps({"ok": False, "error": " ".join(str(error).split())}, ensure_ascii=False))
            cli.fail(PROG, error)

    return cli.guarded(PROG, body)


__all__ = ["PROG", "build_parser", "grade", "main", "render", "render_exercise", "render_total", "scored"]
