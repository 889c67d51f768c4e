"""`python -m gates.grade STUDENT_DIR`: grade a student's folder of exercises (exercises/).

The front door's one-line entry: the command lives in graph/commands/grade.py (room 6), so that
`import gates` stays numpy-only. Exit status 0 full marks, 1 a mark lost, 2 a wrong call.
"""

from __future__ import annotations

import sys

from graph.commands.grade import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
