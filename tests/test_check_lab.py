"""The build-a-gate lab grades with the checker itself: for the skeleton, the solution and a few
students' mistakes, the lab's verdict is the one `python -m gates.check file.py:Gate --json` gives,
shape set by shape set and diagnosis by diagnosis, and its exit status follows."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from gates.check import main

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"
SOLUTION = (SCRIPTS / "lab_gate_solution.py").read_text(encoding="utf-8")

# A student's file: the solution with one line changed, and the diagnosis the change must get.
MISTAKES = {
    "sign": ("dz = top_diff * (1.0 - self.a * self.a)", "dz = -top_diff * (1.0 - self.a * self.a)"),
    "ignores_top_diff": ("dz = top_diff * (1.0 - self.a * self.a)", "dz = 1.0 - self.a * self.a"),
    "transposed": ("dB = self.A.T @ top_diff", "dB = (self.A.T @ top_diff).T if self.B.shape[0] == "
                                               "self.B.shape[1] else self.A.T @ top_diff"),
    "constant_factor": ("dA = top_diff @ self.B.T", "dA = 2 * top_diff @ self.B.T"),
}


def load_lab():
    sys.path.insert(0, str(SCRIPTS))
    try:
        spec = importlib.util.spec_from_file_location("lab_build_a_gate_under_test",
                                                      SCRIPTS / "lab_build_a_gate.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(SCRIPTS))


def student_file(tmp_path: Path, mistake: str | None) -> Path:
    text = SOLUTION
    if mistake:
        right, wrong = MISTAKES[mistake]
        assert right in text
        text = text.replace(right, wrong)
    path = tmp_path / f"mine_{mistake or 'right'}.py"
    path.write_text(text, encoding="utf-8")
    return path


def verdicts_of_reports(reports) -> list:
    return [[(c.shape_text, c.ok, [i.diagnosis for i in c.inputs]) for c in r.checks] for r in reports]


def verdicts_of_json(document) -> list:
    return [(", ".join("×".join(map(str, s)) for s in c["shapes"]), c["ok"],
             [i["diagnosis"] for i in c["inputs"]]) for c in document["checks"]]


@pytest.mark.parametrize("which", [None, "skeleton", *MISTAKES])
def test_the_lab_and_the_command_line_give_the_same_verdicts(capsys, tmp_path, which):
    lab = load_lab()
    path = SCRIPTS / "lab_gate_skeleton.py" if which == "skeleton" else student_file(tmp_path, which)
    reports, _ = lab.check(path)
    from_lab = verdicts_of_reports(reports)
    from_cli, statuses = [], []
    for name in lab.GATES:
        statuses.append(main([f"{path}:{name}", "--json"]))
        from_cli.append(verdicts_of_json(json.loads(capsys.readouterr().out)))
    assert from_lab == from_cli
    found = {d for gate in from_lab for _, _, ds in gate for d in ds if d}
    if which is None:
        assert statuses == [0, 0] and not found
    elif which == "skeleton":
        assert statuses == [1, 1] and found == {"wrong_shape"}
    else:
        assert 1 in statuses and found == {which}


def test_the_lab_exits_as_the_checker_does(tmp_path):
    path = student_file(tmp_path, "sign")
    done = subprocess.run([sys.executable, str(SCRIPTS / "lab_build_a_gate.py"), "--yes", "--file",
                           str(path)], capture_output=True, text=True, timeout=300,
                          env={"COLUMNS": "200", "PATH": ""})
    assert done.returncode == 1, done.stderr
    assert "sign" in done.stdout and "wrong sign" in done.stdout and "Not yet" in done.stdout


def test_a_gate_of_the_lab_that_raises_is_exit_2_in_one_line(tmp_path):
    text = SOLUTION.replace("dA = top_diff @ self.B.T", "dA = top_diff @ self.B")  # no ᵀ: raises
    path = tmp_path / "mine.py"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, str(SCRIPTS / "lab_build_a_gate.py"), "--yes", "--file",
                           str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "backward raised ValueError" in done.stderr
