"""The students' copies of the exercises: each solution with its solution blocks cut out.

Every solution file here is the source of its exercise. The lines from `# BEGIN SOLUTION` to
`# END SOLUTION` (both included) are the answer; removing them leaves the `# your code here`
gap above them, and that is the student's copy in ../exercises/. Edit a solution, then:

    python solutions/make_exercises.py            # rewrite exercises/ex*.py from solutions/
    python solutions/make_exercises.py --check    # exit 1 when a student copy differs
    python solutions/make_exercises.py --out DIR  # the students' copies into another folder

tests/test_exercises.py runs the check, so the two folders never drift apart.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
STUDENTS = HERE.parent / "exercises"
BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"


def student_copy(text: str, name: str = "solution") -> str:
    """`text` without its solution blocks; ValueError naming the line of an unmatched marker."""
    kept, opened = [], None
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        marker = line.strip()
        if marker == BEGIN:
            if opened is not None:
                raise ValueError(f"{name}, line {number}: {BEGIN} inside the block opened at line {opened}")
            opened = number
        elif marker == END:
            if opened is None:
                raise ValueError(f"{name}, line {number}: {END} without a {BEGIN} before it")
            opened = None
        elif opened is None:
            kept.append(line)
    if opened is not None:
        raise ValueError(f"{name}, line {opened}: {BEGIN} is never closed by {END}")
    return "".join(kept)


def solution_files(folder: Path = HERE) -> list[Path]:
    return sorted(folder.glob("ex*.py"))


def differences(out: Path = STUDENTS) -> list[str]:
    """The student copies in `out` that are missing or differ from their solution."""
    wrong = []
    for path in solution_files():
        copy = out / path.name
        if not copy.is_file():
            wrong.append(f"{copy} is missing")
        elif copy.read_text(encoding="utf-8") != student_copy(path.read_text(encoding="utf-8"), path.name):
            wrong.append(f"{copy} differs from {path.name} without its solution blocks")
    return wrong


def write(out: Path = STUDENTS) -> list[Path]:
    """Write every student copy into `out` (each file whole or not at all)."""
    from graph.files import write_text

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in solution_files():
        write_text(out / path.name, student_copy(path.read_text(encoding="utf-8"), path.name))
        written.append(out / path.name)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make_exercises.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 on a difference")
    parser.add_argument("--out", type=Path, default=STUDENTS,
                        help="the students' folder (default: exercises/)")
    args = parser.parse_args(argv)
    try:
        if args.check:
            wrong = differences(args.out)
            for line in wrong:
                print(line, file=sys.stderr)
            return 1 if wrong else 0
        for path in write(args.out):
            print(f"wrote {path}")
    except (ValueError, OSError) as error:
        print(f"make_exercises.py: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
