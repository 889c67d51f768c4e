"""Print the wall time of `python -m gates.trace`, beside `python -c "import numpy, rich"`.

A figure for CI logs, not a test: startup time depends on the machine. The walkthrough should
take well under a second and stay within about twice the bare imports it needs.

    python scripts/time_trace.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

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
        subprocess.run([sys.executable, *args], stdout=subprocess.DEVNULL, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each command (best kept)")
    repeat = parser.parse_args().repeat
    times = {name: best_time(args, repeat) for name, args in RUNS.items()}
    base = next(iter(times.values()))
    for name, seconds in times.items():
        print(f"{seconds * 1000:7.0f} ms  {seconds / base:4.1f}× baseline  {name}")


if __name__ == "__main__":
    main()
