"""Lab 6 (scripts/lab_numpy_bugs.py) runs as a student runs it: the three planted bugs found one
at a time, each question marked and answered, the fixed network checked against central
differences; and a student's own copy judged until nothing is left to fix.

The lines and shapes asserted are found here: the planted lines by their text in the network's
file, the shapes from the batch of 4 and the layers [2, 3, 1].
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAB = ROOT / "scripts" / "lab_numpy_bugs.py"
NETWORK = ROOT / "scripts" / "lab_numpy_net.py"
PLANTED = ("    y = (X[:, 0] * X[:, 1] > 0).astype(float)\n", "    da2 = delta3 @ W2\n",
           "    db1 = delta2.sum(axis=0)\n")  # in the order the watch finds them


def lab(*options: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "GATES_LAB_NONINTERACTIVE"}
    return subprocess.run([sys.executable, str(LAB), *options], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, env=environment, timeout=120,
                          stdin=subprocess.DEVNULL if stdin is None else None)


def line_of(text: str) -> int:
    source = NETWORK.read_text(encoding="utf-8")
    return source[:source.index(text)].count("\n") + 1


def fixed_source() -> str:
    source = NETWORK.read_text(encoding="utf-8")
    source = source.replace("astype(float)\n", "astype(float).reshape(-1, 1)\n")
    source = source.replace("delta3 @ W2\n", "delta3 @ W2.T\n")
    return source.replace("delta2.sum(axis=0)\n", "delta2.sum(axis=0, keepdims=True)\n")


def test_the_lab_states_its_goal_first():
    first = LAB.read_text(encoding="utf-8").split('"""')[1]
    assert "Goal:" in first.split("\n\n")[0]


def test_unattended_the_lab_finds_the_three_bugs_in_turn_and_ends_with_right_gradients():
    done = lab("--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert out.startswith("Lab 6, your own numpy code. Goal:")
    assert out.count("  Q") == out.count("Answer:") == 3
    # each run names the next planted bug, on its line, and the lab fixes that line
    runs = out.split("=== Run ")[1:]
    assert len(runs) == 4
    for run, text in zip(runs, PLANTED):
        line = line_of(text)
        assert f"fixed, line {line}:\n    - {text.strip()}\n    + " in run
    assert f"✗ line {line_of('    loss = np.mean')}: broadcast_trap (error)" in runs[0]
    assert f"✗ line {line_of('    da2 = delta3 @ W2')}: shape_mismatch (error)" in runs[1]
    assert f"✗ line {line_of('    db1 = ')}: grad_shape (error)" in runs[2]
    assert "problems    none" in runs[3] and "No problem left" in runs[3]
    # the shapes of the answers: y_hat − y 4×4, dJ/da2 of a2's shape 4×3, db1 of b1's shape 1×3
    answers = re.findall(r"Answer: (\S+?)[:,]", out)
    assert answers == ["4×4", "4×3", "1×3"]
    assert "Did you mean W2.T (1×3)? → 4×3" in " ".join(runs[1].split())
    assert "delta2.sum(axis=0, keepdims=True)" in " ".join(runs[2].split())
    error = float(re.search(r"largest\s+relative\s+error\s+([\d.e+-]+)", out).group(1))
    assert error < 1e-6 and "the gradients are right" in " ".join(out.split())


def test_answers_piped_in_are_marked():
    done = lab(stdin="4x4\n(4, 3)\n3\n")
    assert done.returncode == 0, done.stderr
    marks = re.findall(r"[✓✗] (?:right|not quite[^\n]*)", done.stdout)
    assert marks == ["✓ right", "✓ right", "✗ not quite: you said 3"]


def test_a_students_copy_is_judged_until_nothing_is_left(tmp_path):
    mine = tmp_path / "mine.py"
    mine.write_text(NETWORK.read_text(encoding="utf-8"), encoding="utf-8")
    done = lab("--file", str(mine))
    assert done.returncode == 1, done.stderr
    assert (f"5 problem(s) left. Fix the first (line {line_of('    loss = np.mean')}, broadcast_trap)"
            in " ".join(done.stdout.split()))
    mine.write_text(fixed_source(), encoding="utf-8")
    done = lab("--file", str(mine))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No problem left in mine.py." in done.stdout
    assert "the gradients are right" in " ".join(done.stdout.split())


def test_a_right_shape_with_a_wrong_value_fails_the_gradient_check(tmp_path):
    mine = tmp_path / "mine.py"
    mine.write_text(fixed_source().replace("delta2 = da2 * a2 * (1 - a2)", "delta2 = da2 * a2"),
                    encoding="utf-8")
    done = lab("--file", str(mine))
    assert done.returncode == 1
    flat = " ".join(done.stdout.split())  # paragraphs fold to the terminal's width
    assert "No problem left in mine.py." in flat and "FAIL: a gradient is wrong" in flat


def test_a_file_that_cannot_be_loaded_is_one_line_and_status_2(tmp_path):
    done = lab("--file", str(tmp_path / "missing.py"))
    assert done.returncode == 2
    assert "cannot load" in done.stderr and "missing.py" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n", encoding="utf-8")
    done = lab("--file", str(empty))
    assert done.returncode == 2 and "no make_data, init_params, train_step" in done.stderr


def test_the_gradient_check_names_the_wrong_gradient_and_by_how_much(tmp_path):
    mine = tmp_path / "mine.py"
    source = fixed_source().replace("delta2.sum(axis=0, keepdims=True)", "delta2.mean(axis=0, keepdims=True)")
    mine.write_text(source, encoding="utf-8")
    done = lab("--file", str(mine))
    assert done.returncode == 1
    flat = " ".join(done.stdout.split())
    assert "No problem left in mine.py." in flat and "FAIL: a gradient is wrong" in flat
    # only b1's: a mean over the batch of 4 is a quarter of the sum, entry by entry
    assert re.findall(r"✗ (\w+)'s gradient", flat) == ["b1"]
    found = re.search(r"applies (\S+) where central differences give (\S+?);", flat)
    applied, numeric = map(float, found.groups())
    assert abs(4 * applied - numeric) <= 1e-5 * abs(numeric)  # 6 significant digits printed
    assert "the whole gradient is 0.25 × the true one" in flat
