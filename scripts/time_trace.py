"""Print the wall time of `python -m gates.trace`, beside `python -c "import numpy, rich"`.

A figure for CI logs, not a test: startup time depends on the machine. The walkthrough should
take well under a second and stay within about twice the bare imports it needs.

    python scripts/time_trace.py [--repeat 5]
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # gates.cli from a checkout too
from gates import cli  # noqa: E402 (after the path is set)

PROG = "time_trace.py"

RUNS = {
    "import numpy, rich (baseline)": ["-c", "import numpy, rich"],
    "python -m gates.trace": ["-m", "gates.trace"],
    "python -m gates.trace --format plain": ["-m", "gates.trace", "--format", "plain"],
    "python -m gates.trace --format json": ["-m", "gates.trace", "--format", "json"],
}


def best_time(args: list[str], repeat: int) -> float:
    """The fastest of `repeat` runs, in seconds: the least disturbed by other processes."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
            cli.fail(PROG, f"python {' '.join(args)} failed: {reason}")
        best = min(best, time.perf_counter() - start)
    return best


def main(argv=None) -> int:
    parser = cli.Parser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each command (best kept)")
    repeat = parser.parse_args(argv).repeat
    if not 1 <= repeat <= 1000:
        parser.error(f"--repeat {repeat}: give a whole number from 1 to 1000")
    times = {name: best_time(args, repeat) for name, args in RUNS.items()}
    base = next(iter(times.values()))
    for name, seconds in times.items():
        print(f"{seconds * 1000:7.0f} ms  {seconds / base:4.1f}× baseline  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(cli.guarded(PROG, main))
