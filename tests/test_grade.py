"""`python -m gates.grade`: the solutions score full marks, the untouched students' copies zero
with a clear message, a planted mistake per exercise gets the checker's (or the exercise's)
diagnosis, and a student's file that raises, loops, exits or floods its output costs its own
exercise only. The grader runs as a teacher runs it, in a subprocess, with short time limits.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gates.loader import load_file
from graph.commands.grade import render
from graph.commands.grade_exercises import BY_NUMBER

ROOT = Path(__file__).resolve().parent.parent
STUDENTS, SOLUTIONS = ROOT / "exercises", ROOT / "solutions"
FILES = [BY_NUMBER[n].file for n in range(1, 7)]


def grade(folder: Path, *options: str, width: int = 80) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": str(width)}
    return subprocess.run([sys.executable, "-m", "gates.grade", str(folder), *options], capture_output=True,
                          text=True, timeout=180, env=env, cwd=ROOT, stdin=subprocess.DEVNULL)


def strict_json(text: str) -> dict:
    def refuse(token):
        raise ValueError(f"not strict JSON: {token}")
    return json.loads(text, parse_constant=refuse)


def by_number(document: dict) -> dict[int, dict]:
    return {e["number"]: e for e in document["exercises"]}


def checks(exercise: dict) -> dict[str, dict]:
    return {c["name"]: c for c in exercise["checks"]}


def planted(folder: Path, changes: dict[str, list[tuple[str, str]]]) -> Path:
    """The solutions copied to `folder`, each listed line replaced (each must be found)."""
    folder.mkdir(exist_ok=True)
    for name in FILES:
        text = (SOLUTIONS / name).read_text(encoding="utf-8")
        for old, new in changes.get(name, []):
            assert text.count(old) == 1, (name, old)
            text = text.replace(old, new)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


# --- full marks, zero, and the planted mistakes --------------------------------------------------

def test_the_solutions_score_full_marks_and_exit_0():
    result = grade(SOLUTIONS, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    document = strict_json(result.stdout)
    assert document["ok"] and document["score"] == document["max_score"] == 60
    for exercise in document["exercises"]:
        assert exercise["status"] == "graded" and exercise["score"] == exercise["max_score"] == 10
        assert all(c["ok"] and c["diagnosis"] is None for c in exercise["checks"])


def test_the_students_copies_score_zero_and_say_where_the_gap_is():
    result = grade(STUDENTS, "--json")
    assert result.returncode == 1
    document = strict_json(result.stdout)
    assert document["score"] == 0 and not document["ok"]
    for number, exercise in by_number(document).items():
        assert exercise["status"] == "not_done" and exercise["score"] == 0, number
        for check in exercise["checks"]:
            assert check["diagnosis"] == "not_done" and "# your code here" in check["message"]
            file, line = re.search(r"\((ex\d_\w+\.py), line (\d+)\)", check["message"]).groups()
            assert file == exercise["file"]
            assert (STUDENTS / file).read_text(encoding="utf-8").splitlines()[int(line) - 1].strip() == \
                "# your code here"


MISTAKES = {  # each a substring of the solution, found exactly once, and what replaces it
    "ex1_add_gate.py": [("dB = top_diff.sum(axis=0, keepdims=True)", "dB = top_diff")],
    "ex2_mul_gate.py": [("dB = self.A.T @ top_diff", "dB = (self.A.T @ top_diff).T")],
    "ex3_activations.py": [("dz = top_diff * self.a * (1 - self.a)",
                            "dz = top_diff * self.a * (1 - self.a) * (np.abs(self.a - 0.5) < 0.45)"),
                           ("dz = top_diff * (self.z > 0)",
                            "dz = top_diff * np.where(self.z == 0, 7.0, self.z > 0)")],
    "ex4_softmax_cross_entropy.py": [("dz = (np.exp(log_s) - y) / k", "dz = np.exp(log_s) - y")],
    "ex5_network_by_hand.py": [("g.params[name] - lr * grads[name]", "g.params[name] + lr * grads[name]")],
    "ex6_delta2_by_hand.py": [("d2 = da2 * a2 * (1 - a2)", "d2 = da2 * z2 * (1 - z2)"),
                              ("db1_shape = (1, 3)", "db1_shape = (4, 3)")],
}
EXPECTED = {  # exercise: ({check: diagnosis}, score)
    1: ({"dJ/dA": None, "dJ/dB": "missing_sum"}, 4),
    2: ({"dJ/dA": None, "dJ/dB": "transposed"}, 5),
    3: ({"Sigmoid.forward": None, "Sigmoid.backward": "wrong_in_region", "ReLU.forward": None,
         "ReLU.backward": "wrong_at_kink"}, 4),
    4: ({"Softmax.backward": None, "J": None, "dJ/dz": "constant_factor"}, 7),
    5: ({"nodes and shapes": None, "J and its gradients": None, "train": "sign"}, 6),
    6: ({"delta2": "sigma_at_z", "db1_shape": "wrong_shape", "delta3_shape": None}, 3.5),
}


@pytest.fixture(scope="module")
def mistakes(tmp_path_factory):
    folder = planted(tmp_path_factory.mktemp("planted"), MISTAKES)
    return folder, grade(folder, "--json")


def test_a_planted_mistake_per_exercise_gets_its_diagnosis(mistakes):
    _, result = mistakes
    assert result.returncode == 1, result.stderr
    found = by_number(strict_json(result.stdout))
    for number, (diagnoses, score) in EXPECTED.items():
        named = checks(found[number])
        assert {name: named[name]["diagnosis"] for name in diagnoses} == diagnoses, number
        assert found[number]["score"] == score, number
    assert "sum" in checks(found[1])["dJ/dB"]["message"] and "1×3" in checks(found[1])["dJ/dB"]["message"]
    assert "times 4" in checks(found[4])["dJ/dz"]["message"]
    assert "uphill" in checks(found[5])["train"]["message"]


def test_the_table_reads_at_80_columns(mistakes):
    """The text form of the same grading (what the command prints, exercise by exercise)."""
    text = render(strict_json(mistakes[1].stdout), 80)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[-1].split() == ["Total", "29.5/60"]
    assert re.search(r"✗ 1\. addGate with a broadcast bias \(ex1_add_gate\.py\) +4/10", text)
    assert re.search(r"✗ dJ/dB: missing_sum +0/6", text) and re.search(r"✓ dJ/dA +4/4", text)
    assert "top_diff.sum(axis=0, keepdims=True)" in text


def test_more_planted_mistakes(tmp_path):
    """A second mistake for the exercises that have more than one classic slip: graded in the
    worker's own function, on the file imported as the grader imports it."""
    folder = planted(tmp_path, {
        "ex2_mul_gate.py": [("dA = top_diff @ self.B.T", "dA = top_diff @ self.B")],
        "ex4_softmax_cross_entropy.py": [("dz = s * (top_diff - (top_diff * s).sum(axis=1, keepdims=True))",
                                          "dz = top_diff * s * (1 - s)")],
        "ex5_network_by_hand.py": [('g.param("b1", np.zeros((1, 3)))', 'g.param("b1", np.zeros((4, 3)))'),
                                   ("g.params[name] = g.params[name] - lr * grads[name]", "pass")],
        "ex6_delta2_by_hand.py": [("delta3 = 2 * (z3 - y) / z3.size", "delta3 = z3 - y")],
    })
    verdict = {n: BY_NUMBER[n].grade(load_file(folder / BY_NUMBER[n].file)) for n in (2, 4, 5, 6)}
    assert verdict[2]["dJ/dA"].diagnosis == "error" and "missing or extra ᵀ" in verdict[2]["dJ/dA"].message
    assert verdict[4]["Softmax.backward"].diagnosis == "wrong_values"
    assert verdict[5]["nodes and shapes"].diagnosis == "wrong_shape"
    assert verdict[5]["train"].diagnosis == "not_updated"
    assert verdict[6]["delta2"].diagnosis == "constant_factor" and "2.5" in verdict[6]["delta2"].message


HARD_CODED = {  # a backward hard-coding a size the other shape sets share: number → (line, change, check)
    1: ("dB = top_diff.sum(axis=0, keepdims=True)", "dB = top_diff[:, :3].sum(axis=0, keepdims=True)",
        "dJ/dB"),
    2: ("dB = self.A.T @ top_diff", "dB = self.A.T @ top_diff[:, :3]", "dJ/dB"),
    3: ("dz = top_diff * (self.z > 0)", "dz = top_diff[:, :4] * (self.z[:, :4] > 0)", "ReLU.backward"),
    4: ("dz = s * (top_diff - (top_diff * s).sum(axis=1, keepdims=True))",
        "dz = s[:, :4] * (top_diff[:, :4] - (top_diff[:, :4] * s[:, :4]).sum(axis=1, keepdims=True))",
        "Softmax.backward"),
}


@pytest.mark.parametrize("number", sorted(HARD_CODED))
def test_a_backward_that_hard_codes_a_size_loses_its_marks(tmp_path, number):
    """Every gate exercise is graded on a shape set whose sizes are all distinct and not 3 or 4
    (batch 5, widths 2 and 7): a slice to the width 3 or 4 of the other sets loses that check."""
    old, new, name = HARD_CODED[number]
    file = BY_NUMBER[number].file
    folder = planted(tmp_path, {file: [(old, new)]})
    verdicts = BY_NUMBER[number].grade(load_file(folder / file))
    assert [n for n, v in verdicts.items() if not v.ok] == [name], verdicts
    assert verdicts[name].diagnosis in ("wrong_shape", "error")
    assert re.search(r"inputs 5×[27]\b", verdicts[name].message), verdicts[name].message  # the new set


# --- a student's file cannot take the grader down ------------------------------------------------

def test_crashes_loops_and_exits_cost_their_own_exercise_only(tmp_path):
    folder = planted(tmp_path, {
        "ex2_mul_gate.py": [("dA = top_diff @ self.B.T", "while True:\n            pass")],
        "ex3_activations.py": [("dz = top_diff * (self.z > 0)", "raise SystemExit(3)")],
    })
    (folder / "ex1_add_gate.py").write_text("import sys\nsys.exit(0)\n", encoding="utf-8")
    (folder / "ex4_softmax_cross_entropy.py").write_text("import os\nprint('bye')\nos._exit(0)\n",
                                                         encoding="utf-8")
    (folder / "ex5_network_by_hand.py").write_text("name = input('your name? ')\n", encoding="utf-8")
    (folder / "ex6_delta2_by_hand.py").write_text("def f(:\n    pass\n", encoding="utf-8")
    start = time.monotonic()
    result = grade(folder, "--json", "--timeout", "2")
    assert time.monotonic() - start < 60
    assert result.returncode == 1, result.stderr
    found = by_number(strict_json(result.stdout))
    assert found[1]["status"] == "error" and "sys.exit" in found[1]["message"]
    assert found[2]["status"] == "timeout" and "2 s" in found[2]["message"]
    assert found[3]["score"] == 7 and "SystemExit(3)" in checks(found[3])["ReLU.backward"]["message"]
    assert found[4]["status"] == "exited" and found[4]["output"] == "bye"
    assert found[5]["status"] == "error" and "EOFError" in found[5]["message"]
    assert found[6]["status"] == "error" and "SyntaxError" in found[6]["message"]
    assert all(e["score"] == 0 for n, e in found.items() if n != 3)


FORGERY = ('\nimport json, os, sys\nopen(sys.argv[3], "w").write(json.dumps({{{token}"checks": '
           '{{n: {{"ok": True, "diagnosis": "", "message": ""}} for n in ("dJ/dA", "dJ/dB")}}}}))\n'
           'os._exit(0)\n')


def test_a_file_that_writes_its_own_result_gets_no_marks(tmp_path):
    """The result file's path is in the worker's argv, but a result counts only with the random
    token the grader sent on the worker's standard input: a forged one, with a guessed token or
    none, is an exercise that ended without a result. The same file graded fairly scores 0."""
    folder = planted(tmp_path, {})
    for name, token in (("ex1_add_gate.py", ""), ("ex2_mul_gate.py", '"token": "0" * 32, ')):
        text = (STUDENTS / name).read_text(encoding="utf-8")
        (folder / name).write_text(text + FORGERY.format(token=token), encoding="utf-8")
    result = grade(folder, "--json", "--only", "1,2,3")
    assert result.returncode == 1, result.stderr
    found = by_number(strict_json(result.stdout))
    for number in (1, 2):
        assert found[number]["status"] == "exited" and found[number]["score"] == 0, found[number]
        assert found[number]["message"].startswith("the exercise's process ended without a result")
    assert found[3]["ok"]  # the same grader signs a fair result


def test_an_endless_import_a_flood_of_output_and_an_interrupt_are_contained(tmp_path):
    folder = planted(tmp_path, {})
    (folder / "ex1_add_gate.py").write_text("while True:\n    pass\n", encoding="utf-8")
    (folder / "ex2_mul_gate.py").write_text("while True:\n    print('x' * 1000)\n", encoding="utf-8")
    (folder / "ex3_activations.py").write_text("raise KeyboardInterrupt\n", encoding="utf-8")
    result = grade(folder, "--json", "--timeout", "2", "--only", "1,2,3,6")
    assert result.returncode == 1, result.stderr
    found = by_number(strict_json(result.stdout))
    assert found[1]["status"] == "timeout"
    assert found[2]["status"] == "error" and "16 MB" in found[2]["message"]  # before the time limit
    assert found[3]["status"] == "error" and "KeyboardInterrupt" in found[3]["message"]
    assert found[6]["ok"]


def test_a_students_numpy_shadows_nothing_and_no_cache_is_left_behind(tmp_path):
    folder = planted(tmp_path, {})
    for name in ("numpy", "gates"):
        (folder / f"{name}.py").write_text(f"raise ImportError('the student {name} was imported')\n")
    result = grade(folder, "--json", "--only", "1,5")
    assert result.returncode == 0, result.stdout
    assert not list(folder.rglob("__pycache__"))


# --- the call ------------------------------------------------------------------------------------

@pytest.mark.parametrize("options, words", [
    (["{missing}"], "is not a folder"),
    (["{file}"], "it is a file"),
    (["{empty}"], "holds none of the exercise files"),
    (["{students}", "--only", "7"], "give exercise numbers from 1 to 6"),
    (["{students}", "--timeout", "0"], "is not a positive number"),
])
def test_a_wrong_call_is_one_line_and_exit_2(tmp_path, options, words):
    names = {"missing": tmp_path / "nowhere", "file": STUDENTS / FILES[0], "empty": tmp_path,
             "students": STUDENTS}
    argv = [o.format(**names) for o in options]
    result = subprocess.run([sys.executable, "-m", "gates.grade", *argv], capture_output=True, text=True,
                            timeout=60, cwd=ROOT)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and words in result.stderr
    assert result.stderr.startswith("python -m gates.grade: error:")


def test_a_broken_pipe_ends_quietly_with_141():
    """`... | head -1`: head has gone by the time the first exercise's result is printed."""
    command = f"set -o pipefail; {sys.executable} -m gates.grade solutions --only 1,2 | head -1"
    result = subprocess.run(command,
                            shell=True, executable="/bin/bash", capture_output=True, text=True, timeout=120,
                            cwd=ROOT)
    assert result.stdout == "Grading solutions: 2 exercise(s), 20 s each\n"
    assert result.returncode == 141 and result.stderr == ""


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
@pytest.mark.parametrize("options", [[], ["--json"]])
def test_a_full_disk_is_one_line_and_exit_2(options):
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "gates.grade", "solutions", "--only", "1", *options],
                                stdout=full, stderr=subprocess.PIPE, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 2
    assert result.stderr == "python -m gates.grade: error: cannot write the output: No space left on device\n"


def test_a_missing_exercise_file_scores_zero_and_the_rest_is_graded(tmp_path):
    folder = planted(tmp_path, {})
    (folder / "ex4_softmax_cross_entropy.py").unlink()
    result = grade(folder, "--json", "--only", "3,4")
    found = by_number(strict_json(result.stdout))
    assert result.returncode == 1
    assert found[4]["status"] == "missing" and found[4]["score"] == 0 and found[3]["ok"]


def test_the_help_names_the_exit_statuses():
    result = grade(STUDENTS, "--help")
    assert result.returncode == 0 and "exit status: 0" in result.stdout


def test_the_students_folder_is_left_as_it_was(tmp_path):
    folder = tmp_path / "student"
    shutil.copytree(STUDENTS, folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    result = grade(folder, "--only", "1", width=60)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    lines = result.stdout.splitlines()
    assert lines[0] == f"Grading {folder}: 1 exercise(s), 20 s each"
    assert "not started  0/10" in lines[1] and max(len(line) for line in lines[1:]) <= 60


def test_gradients_are_matched_by_position_when_the_student_renames_the_inputs(tmp_path):
    path = tmp_path / "ex1_add_gate.py"
    path.write_text("from gates import Gate\n\n\nclass AddGate(Gate):\n    inputs = ('P', 'Q')\n\n"
                    "    def forward(self, A, B):\n        return A + B\n\n"
                    "    def backward(self, top_diff):\n        return top_diff, top_diff\n")
    verdicts = BY_NUMBER[1].grade(load_file(path))
    assert verdicts["dJ/dA"].ok and verdicts["dJ/dB"].diagnosis == "missing_sum"
