"""`python -m gates.trace`: walk a network gate by gate, forward, backward and one update.

The front door's one-line entry: the command itself lives in graph/commands/trace.py (room 6),
so that `import gates` stays numpy-only. `from gates.trace import main` keeps working.
"""

from __future__ import annotations

import sys

from graph.commands.trace import build_parser, main, settle, walk

__all__ = ["build_parser", "main", "settle", "walk"]

if __name__ == "__main__":
    sys.exit(main())
