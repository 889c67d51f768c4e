"""`python -m gates.check` as a grader and a student use it: exit status 0, 1 or 2 and nothing else,
one line for every error of the call or of the gate's code (sys.exit and Ctrl-C included), strict
JSON, files that cannot shadow real packages, and assert_gate for a pytest autograder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gates.check import assert_gate, main
from gates.loader import load_file

ROOT = Path(__file__).resolve().parents[1]
BAD_GATES = str(Path(__file__).with_name("bad_gates.py"))
WRONG_GATES = str(Path(__file__).with_name("wrong_gates.py"))

GATE = '''
import numpy as np
from gates import Gate

class Double(Gate):
    kind = "double"
    inputs = ("z",)

    def output_shape(self, z):
        return tuple(z)

    def forward(self, z):
        {forward}
        return 2 * z

    def backward(self, top_diff):
        {backward}
        return (2 * top_diff,)
'''


def gate_file(folder: Path, name: str = "mygate.py", *, top: str = "", forward: str = "pass",
              backward: str = "pass") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(top + GATE.format(forward=forward, backward=backward), encoding="utf-8")
    return path


def check(*argv: str, cwd: Path = ROOT, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    environment = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "gates.check", *argv], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env=environment, **kwargs)


def strict(text: str) -> dict:
    def refuse(token):
        raise ValueError(f"{token} is not JSON")
    return json.loads(text, parse_constant=refuse)


# --- exit status and one line ------------------------------------------------------------------------

def test_builtins_pass_and_a_wrong_gate_fails_with_its_diagnosis():
    ok = check("relu")
    assert ok.returncode == 0, ok.stderr
    bad = check(f"{BAD_GATES}:ZSigmoid")
    assert bad.returncode == 1 and "wrong_values" in bad.stdout and "dJ/dz" in bad.stdout


@pytest.mark.parametrize("where", ["import", "forward", "backward"])
@pytest.mark.parametrize("stop", ["sys.exit(0)", "sys.exit(3)", "raise KeyboardInterrupt"])
def test_exits_and_interrupts_in_a_gate_are_errors_of_the_gate(tmp_path, where, stop):
    """A gate that exits with status 0 must never read as a pass: exit 2, named in one line."""
    code = {"import": {"top": f"import sys\n{stop}\n"}, "forward": {"forward": f"import sys; {stop}"},
            "backward": {"backward": f"import sys; {stop}"}}[where]
    path = gate_file(tmp_path, **code)
    for argv in ([f"{path}:Double"], [f"{path}:Double", "--json"]):
        done = check(*argv)
        assert done.returncode == 2, (done.stdout, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in done.stderr
        assert ("SystemExit" if "exit" in stop else "KeyboardInterrupt") in lines[0]
        assert (where if where != "import" else "importing") in lines[0]


def test_the_lab_file_option_refuses_an_exiting_file_too(tmp_path):
    path = gate_file(tmp_path, top="import sys\nsys.exit(0)\n")
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "lab_build_a_gate.py"), "--yes",
                           "--file", str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "SystemExit(0)" in done.stderr


@pytest.mark.parametrize("argv, says", [
    (["relu", "--shapes", "3000x3000"], "9,000,000 numbers"),
    (["relu", "--shapes", "99999999999999999999x2"], "numbers"),
    (["relu", "--seed", "-1"], "not a seed"),
    (["relu", "--seed", "abc"], "not a seed"),
    (["no_such_module_xyz:MyGate"], "cannot import 'no_such_module_xyz'"),
    ([f"{BAD_GATES}:Nope"], "has no 'Nope'"),
    ([f"{BAD_GATES}:NeedsArgument"], "builds a gate with no arguments"),
    ([f"{BAD_GATES}:ZSigmoid", "--shapes", "4y3"], "cannot read '4y3'"),
    ([f"{BAD_GATES}:ZSigmoid", "--shapes", "4x3,4x3"], "takes 1 input(s)"),
    (["mulGate", "--shapes", "4x3,1x3"], "refused the shapes given"),
    (["--shapes", "4x3"], "needs a gate"),
    (["missing/file.py:Gate"], "no file"),
    (["relu", "--tolerance", "nan"], "not a positive number"),
])
def test_mistakes_in_the_call_are_one_line_and_exit_2(capsys, argv, says):
    status = main(argv)
    out, err = capsys.readouterr()
    assert status == 2
    assert says in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_gate_that_raises_is_one_line_on_standard_error(capsys):
    status = main([f"{BAD_GATES}:NoTransposeMulGate", "--shapes", "4x2,2x3"])
    out, err = capsys.readouterr()
    assert status == 2 and "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1 and "backward raised ValueError" in err


# --- JSON ----------------------------------------------------------------------------------------------

def test_json_is_one_strict_document_with_the_promised_fields():
    done = check(f"{WRONG_GATES}:NanGradient", "--json")
    assert done.returncode == 1
    document = strict(done.stdout)
    assert set(document) >= {"ok", "gate", "checks"} and document["ok"] is False
    for entry in document["checks"]:
        assert set(entry) >= {"shapes", "ok", "inputs"}
        for verdict in entry["inputs"]:
            assert set(verdict) >= {"name", "max_abs_error", "max_rel_error", "worst_index",
                                    "diagnosis", "message"}
            assert verdict["diagnosis"] == "not_finite" and verdict["max_abs_error"] is None


def test_json_of_a_passing_gate_and_of_a_refused_call(capsys):
    assert main(["tanh", "--json"]) == 0
    document = strict(capsys.readouterr().out)
    assert document["ok"] is True and document["gate"] == "tanh"
    assert [4, 3] in [c["shapes"][0] for c in document["checks"]]
    assert main(["missing.py:Gate", "--json"]) == 2
    out, err = capsys.readouterr()
    assert strict(out)["ok"] is False and "no file" in strict(out)["error"] and "no file" in err


def test_prints_in_a_gate_do_not_break_the_json(tmp_path):
    path = gate_file(tmp_path, forward="print('hello from forward')")
    done = check(f"{path}:Double", "--json")
    assert done.returncode == 0 and strict(done.stdout)["ok"] is True
    assert "hello from forward" in done.stderr


# --- files that must not shadow real packages -------------------------------------------------------

@pytest.mark.parametrize("name", ["numpy.py", "gates.py", "student/numpy.py", "student/gates.py"])
def test_a_file_named_like_a_package_does_not_shadow_it(tmp_path, name):
    path = gate_file(tmp_path, name)
    done = check(f"{path}:Double")
    assert done.returncode == 0, done.stdout + done.stderr
    module = load_file(path)
    assert module.__name__.startswith("_gates_user_") and sys.modules["numpy"] is np
    assert sys.modules["numpy"].__file__ != str(path)


def test_a_module_of_the_current_folder_by_name(capsys, tmp_path, monkeypatch):
    gate_file(tmp_path, "mymodule.py")
    monkeypatch.chdir(tmp_path)
    status = main(["mymodule:Double", "--shapes", "4x3", "--shapes", "1x2"])
    out, _ = capsys.readouterr()
    assert status == 0 and "Double" in out and "4×3" in out and "1×2" in out


# --- output errors and terminals --------------------------------------------------------------------

def test_a_closed_standard_output_is_one_line_and_exit_2():
    done = subprocess.run(f"{sys.executable} -m gates.check relu >&-", shell=True, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_a_full_disk_is_one_line_and_exit_2():
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    done = subprocess.run(f"{sys.executable} -m gates.check relu > /dev/full", shell=True, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "python -m gates.check: error: cannot write the output: No space left on device"]


def test_a_broken_pipe_is_quiet_and_never_a_pass():
    """`| true` closes the pipe before the table is written (the checks take a while): quiet, exit
    141 as a shell reports for SIGPIPE (and gates.trace does). (`| head -1` races: a table that
    fits in the pipe's buffer is written whole before head closes it, and then 0 is right.)"""
    done = subprocess.run(f"set -o pipefail; {sys.executable} -m gates.check | true",
                          shell=True, executable="/bin/bash", cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 141 and done.stderr == ""


@pytest.mark.parametrize("columns", ["0", "60", "80", "120"])
def test_the_table_shows_every_diagnosis_whole(columns):
    done = check(f"{WRONG_GATES}:InPlaceTopReLU", env={"COLUMNS": columns})
    assert done.returncode == 1
    assert "mutates_top_diff" in done.stdout and "…" not in done.stdout
    width = 120 if columns == "0" else int(columns)
    assert max(len(line.rstrip()) for line in done.stdout.splitlines()) <= width


# --- assert_gate -------------------------------------------------------------------------------------

def test_assert_gate_raises_the_diagnosis():
    from bad_gates import UnsummedAddGate
    from wrong_gates import Cube, FlippedTanh

    with pytest.raises(AssertionError, match="missing_sum: dJ/dB is 4×3 but should be 1×3"):
        assert_gate(UnsummedAddGate, shapes=[(4, 3), (1, 3)])
    with pytest.raises(AssertionError, match="sign"):
        assert_gate(FlippedTanh, shapes=[(4, 3), (1, 3)])  # two shape sets of a one-input gate
    assert assert_gate(Cube, shapes="4x3").ok
    assert assert_gate(Cube).ok
    assert assert_gate(Cube(), shapes=[[(4, 3)], [(2, 2)]]).ok


def test_assert_gate_turns_an_exiting_gate_into_an_assertion(tmp_path):
    path = gate_file(tmp_path, backward="import sys; sys.exit(0)")
    with pytest.raises(AssertionError, match=r"backward raised SystemExit\(0\)"):
        assert_gate(f"{path}:Double", shapes=[(4, 3)])
