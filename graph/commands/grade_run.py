"""Running one exercise's grading in a child process, with a time limit, and reading its outcome.

The child (graph.commands.grade_worker) runs in an empty temporary folder (nothing there can
shadow a package), with a random token on its standard input and nothing more (input() fails at
once instead of waiting), its output going to a file of which the last lines are kept, and, on
POSIX, in a session of its own with limits: files of at most 16 MB (an endless print fails there)
and 4 GiB of memory. When the time is up its whole process group is killed. A result counts only
with the token: a file that writes the result itself (its path is in the worker's argv) and exits
has forged nothing. This stops the trivial forgery, not a determined cheat (code can inspect the
process it runs in).
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import graph

from .grade_exercises import Exercise

OUTPUT_LIMIT = 16 * 2**20
MEMORY_LIMIT = 4 * 2**30
ROOT = Path(graph.__file__).resolve().parent.parent  # the folder that holds gates/ and graph/
TAIL = 2000  # characters of the child's output kept for a failure's report


def _limits() -> None:  # pragma: no cover (runs in the child, between fork and exec)
    import resource

    for which, value in ((resource.RLIMIT_FSIZE, OUTPUT_LIMIT), (resource.RLIMIT_AS, MEMORY_LIMIT)):
        soft, hard = resource.getrlimit(which)
        if soft == resource.RLIM_INFINITY or soft > value:
            resource.setrlimit(which, (value if hard == resource.RLIM_INFINITY else min(value, hard), hard))


def child_environment() -> dict[str, str]:
    """The grader's environment, with this copy of gates first on the path and one thread for
    the matrix products (the exercises' matrices are tiny; a class may be graded in parallel)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    env["MPLBACKEND"] = "Agg"  # a student's plot must not open a window
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _stop(process: subprocess.Popen) -> None:
    """Kill the child (if it still runs) and everything it started."""
    try:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except (ProcessLookupError, PermissionError):
        pass  # already gone
    process.wait()


def _tail(path: Path) -> str:
    with open(path, "rb") as file:
        file.seek(max(0, path.stat().st_size - 4 * TAIL))
        text = file.read().decode("utf-8", errors="replace")
    return text[-TAIL:].strip()


def _ended(code: int) -> str:
    """Why a child that wrote no result ended, in words."""
    start = "the exercise's process ended without a result:"
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else f"signal {-code}"
        return f"{start} it was ended by {name} (a crash in compiled code, or out of memory)"
    return (f"{start} it ended (exit status {code}) before the grading did: the file calls os._exit, "
            f"writes the result itself, or the interpreter crashed")


def _send(process: subprocess.Popen, token: str) -> None:
    """The token on the child's standard input, which is then closed."""
    try:
        process.stdin.write(token.encode("ascii") + b"\n")
        process.stdin.close()
    except OSError:
        pass  # the child is gone already: it wrote no result, which says so


def _signed(result: Path, token: str) -> dict | None:
    """The worker's result when it carries the token, else None (no file, not JSON, forged)."""
    try:
        found = json.loads(result.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(found, dict) or not isinstance(found.get("token"), str):
        return None
    if not hmac.compare_digest(found["token"].encode("utf-8", "replace"), token.encode("ascii")):
        return None
    if not isinstance(found.get("error"), str) and not isinstance(found.get("checks"), dict):
        return None
    return found


def run_exercise(exercise: Exercise, folder: Path, timeout: float) -> dict:
    """{"status": "graded" | "error" | "timeout" | "exited" | "missing", "checks": {...},
    "message": ..., "output": ...}: the raw outcome of one exercise."""
    path = folder / exercise.file
    if not path.is_file():
        return {"status": "missing", "message": f"{exercise.file} is not in {folder}"}
    token = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="gates-grade-") as work:
        result, output = Path(work) / "result.json", Path(work) / "output.txt"
        command = [sys.executable, "-m", "graph.commands.grade_worker", str(exercise.number),
                   str(path.resolve()), str(result)]
        posix = os.name == "posix"
        with open(output, "wb") as sink:
            process = subprocess.Popen(command, cwd=work, env=child_environment(), stdin=subprocess.PIPE,
                                       stdout=sink, stderr=subprocess.STDOUT, start_new_session=posix,
                                       preexec_fn=_limits if posix else None)
            try:
                _send(process, token)
                code, timed_out = process.wait(timeout), False
            except subprocess.TimeoutExpired:
                code, timed_out = None, True
            finally:
                _stop(process)  # the child if it still runs, and anything it left running
        tail = _tail(output)
        if timed_out:
            return {"status": "timeout", "output": tail,
                    "message": f"it did not finish within {timeout:g} s: an endless loop, or input() "
                               f"waiting for an answer?"}
        found = _signed(result, token)
        if found is None:
            return {"status": "exited", "message": _ended(code), "output": tail}
    if "error" in found:
        flood = "; its output passed the limit of 16 MB: an endless print?" if "File too large" in \
            found["error"] else ""
        return {"status": "error", "message": found["error"] + flood, "output": tail}
    return {"status": "graded", "checks": found["checks"]}


__all__ = ["ROOT", "child_environment", "run_exercise"]
