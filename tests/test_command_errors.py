"""The command line when the world misbehaves: a full disk, a closed or broken output, a closed
input, an odd terminal, sizes no memory holds, no Graphviz. Each ends in one line and exit
status 2 (or quietly, for a broken pipe), never a traceback; each runs the real command.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROG = "python -m gates.trace"
LABS = ["lab_walkthrough", "lab_conventions", "lab_training"]
BASH = shutil.which("bash")


def shell(command: str, *, env: dict | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """`command` in bash, with TRACE standing for this Python's `-m gates.trace`."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    environment.pop("GATES_LAB_NONINTERACTIVE", None)
    command = command.replace("TRACE", f'"{sys.executable}" -m gates.trace')
    command = command.replace("LAB ", f'"{sys.executable}" {ROOT}/scripts/')
    return subprocess.run([BASH, "-c", command], cwd=cwd, env=environment, capture_output=True,
                          text=True, timeout=120)


def one_line_error(done: subprocess.CompletedProcess, prog: str = PROG) -> str:
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(f"{prog}: error: ")
    return done.stderr


# --- output ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("options", ["", "--format plain", "--format json", "--format markdown",
                                     "--quiz < /dev/null", "--symbolic all --explain"])
def test_a_full_disk_is_one_line_and_exit_2(options):
    error = one_line_error(shell(f"TRACE {options} > /dev/full"))
    assert "cannot write the output: No space left on device" in error


@pytest.mark.parametrize("options", ["", "--format json", "--quiz < /dev/null"])
def test_a_closed_standard_output_is_one_line_and_exit_2(options):
    error = one_line_error(shell(f"TRACE {options} >&-"))
    assert "standard output is closed" in error


BIG = "--values --explain --layers 8,8,8,8,8,8,8,8 --batch 8"  # > 64 kB: more than a pipe holds


@pytest.mark.parametrize("options, reader", [
    # a reader that takes a little, then leaves (the output is printed row by row)
    (f"--format plain {BIG}", "head -c 20 > /dev/null"), (BIG, "head -c 20 > /dev/null"),
    # a reader that leaves at once (a single large write could fit the pipe whole otherwise)
    (f"--format json {BIG}", "true"), (f"--format markdown {BIG}", "true"),
    ("--quiz < /dev/null", "true"), ("--format plain", "true"), ("", "true"),
])
def test_a_broken_pipe_ends_quietly(options, reader):
    done = shell(f"TRACE {options} | {reader}; exit ${{PIPESTATUS[0]}}")
    assert done.returncode == 141 and done.stderr == ""  # 128 + SIGPIPE, as `yes | head` gives


# --- input -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("options, what", [("--quiz", "the quiz's answers"),
                                           ("--step --format plain", "the Enter presses of --step")])
def test_a_closed_standard_input_is_one_line_before_anything_is_printed(options, what):
    done = shell(f"TRACE {options} <&-")
    error = one_line_error(done)
    assert f"standard input is closed, so {what} cannot be read" in error and done.stdout == ""


def test_answers_that_are_not_utf8_are_read_not_fatal():
    done = shell(r"printf '4x2\n\xff\xfe\n' | TRACE --quiz")
    assert done.returncode == 0, done.stderr
    assert "✓ right: X is 4×2" in done.stdout and "could not read '��' as a shape" in done.stdout


# --- the terminal ------------------------------------------------------------------------------------

@pytest.mark.parametrize("columns", ["0", "abc", "-5", ""])
def test_odd_columns_print_normally(columns):
    done = shell("TRACE", env={"COLUMNS": columns})
    assert done.returncode == 0 and done.stderr == ""
    expected = shell("TRACE", env={"COLUMNS": "80"}).stdout
    assert done.stdout == expected  # 80 columns: what a pipe gets when the width is unknown


# --- sizes -------------------------------------------------------------------------------------------

def test_symbolic_allocates_nothing_proportional_to_the_layer_sizes():
    """A 10¹⁰-weight network walked symbolically: under a 1 GB memory limit it runs, and
    every shape is the one NETWORK.md's rules give for these sizes."""
    done = shell("ulimit -v 1000000; TRACE --layers 100000,100000,1 --symbolic --format json")
    assert done.returncode == 0, done.stderr
    trace = json.loads(done.stdout)
    shapes = {e["output"]: e["shape"] for e in trace["forward"]}
    assert shapes["XW1"] == ["k", 100000] and shapes["a2W2"] == ["k", 1]
    grads = {e["grad_of"]: e["shape"] for e in trace["backward"]}
    assert grads["W1"] == [100000, 100000] and grads["a2"] == ["k", 100000]


@pytest.mark.parametrize("options", ["--quiz < /dev/null", "--diagram {tmp}/net.mmd --symbolic"])
def test_quiz_and_diagram_allocate_nothing_either(options, tmp_path):
    done = shell(f"ulimit -v 1000000; TRACE --layers 100000,100000,1 {options.format(tmp=tmp_path)} "
                 f"--format rich > /dev/null" if "quiz" not in options else
                 f"ulimit -v 1000000; TRACE --layers 100000,100000,1 {options}")
    assert done.returncode == 0, done.stderr
    if "diagram" in options:
        assert "W¹  100000×100000" in (tmp_path / "net.mmd").read_text(encoding="utf-8")


@pytest.mark.parametrize("options, numbers", [
    ("--layers 100000,100000,1", "3e+10"),
    ("--layers 10000,5000,10 --batch 1000", "2.4e+08"),  # 3·(5·10⁷ + 5·10⁴ + 5010) + 6·1000·15010
    ("--layers 2,3,1 --batch 40000000", "1.4e+09"),
])
def test_a_run_too_big_for_memory_is_refused_before_allocating(options, numbers):
    done = shell(f"ulimit -v 1000000; TRACE {options}")
    error = one_line_error(done)
    assert f"about {numbers} float64 numbers" in error and "--symbolic" in error


def test_a_run_just_under_the_limit_is_not_refused():
    from graph.commands.trace_options import MAX_NUMBERS, numbers_held
    # [10000, 5000, 10], k = 100: 3·(50,000,000 + 50,000 + 5,010) + 6·100·15,010 numbers
    assert numbers_held([10000, 5000, 10], 100, True) == 3 * 50_055_010 + 6 * 100 * 15_010
    assert numbers_held([10000, 5000, 10], 100, True) < MAX_NUMBERS
    assert numbers_held([10000, 5000, 10], 100, False) == 3 * 50_050_000 + 6 * 100 * 15_010


@pytest.mark.parametrize("options, named", [
    ("--layers 99999999999999,2", "not a layer size"),
    ("--layers 2," + "9" * 5000 + ",1", "not a layer size"),
    ("--batch " + "9" * 5000, "--batch"),
    ("--seed " + "9" * 5000, "--seed"),
])
def test_absurd_numbers_are_refused_in_one_line(options, named):
    error = one_line_error(shell(f"TRACE {options}"))
    assert named in error and len(error) < 400


# --- JSON ----------------------------------------------------------------------------------------------

def strict_json(text: str):
    """json.loads that refuses NaN, Infinity and -Infinity, as JavaScript and jq do."""
    def refuse(token):
        raise ValueError(f"not JSON: {token}")
    return json.loads(text, parse_constant=refuse)


def test_json_is_strict_even_when_the_loss_overflows():
    """λ = 10³⁰⁰ throws the weights so far that J after the step overflows to inf."""
    done = shell("TRACE --format json --lr 1e300 --values")
    assert done.returncode == 0 and done.stderr == ""  # no numpy RuntimeWarning either
    trace = strict_json(done.stdout)
    assert trace["loss_after"] == "Infinity" and isinstance(trace["loss"], float)
    assert float(trace["loss_after"]) == float("inf")
    plain = shell("TRACE --format plain --lr 1e300")
    assert "J = inf" in plain.stdout and "the step overshot. Try a smaller learning rate λ" in plain.stdout


def test_non_finite_numbers_are_written_as_strings_python_reads_back():
    from graph.render import dump_json, to_json
    from graph.walkthrough import Walkthrough
    walk = Walkthrough(network={"layers": None}, forward=[], backward=[], update=[],
                       loss=float("inf"), loss_after=float("nan"),
                       values={"W1": __import__("numpy").array([[1.0, -float("inf")]])})
    text = dump_json(to_json(walk))
    data = strict_json(text)
    assert data["loss"] == "Infinity" and data["loss_after"] == "NaN"
    assert data["values"]["W1"] == [[1.0, "-Infinity"]] and float(data["values"]["W1"][0][1]) == -float("inf")


# --- diagrams ------------------------------------------------------------------------------------------

def test_an_empty_diagram_name_is_refused():
    error = one_line_error(shell("TRACE --diagram ''"))
    assert "--diagram" in error and "file name" in error


def test_without_graphviz_the_walkthrough_still_prints_and_an_existing_dot_survives(tmp_path):
    (tmp_path / "net.dot").write_text("my own net.dot\n")
    no_dot = {"PATH": "/nonexistent"}  # `dot` cannot be found; python is called by its full path
    done = shell('"$0" -m gates.trace --diagram net.svg --format plain'.replace("$0", sys.executable),
                 env=no_dot, cwd=tmp_path)
    assert done.returncode == 0 and "δ² = dJ/dz²" in done.stdout and "J = " in done.stdout
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(f"{PROG}: warning: ")
    assert "Graphviz" in done.stderr and "net.dot exists already and was left as it is" in done.stderr
    assert (tmp_path / "net.dot").read_text() == "my own net.dot\n"
    assert not (tmp_path / "net.svg").exists()
    (tmp_path / "net.dot").unlink()
    again = shell(f'"{sys.executable}" -m gates.trace --diagram net.svg --format plain', env=no_dot,
                  cwd=tmp_path)
    assert again.returncode == 0 and "meanwhile net.dot holds the diagram" in again.stderr
    assert (tmp_path / "net.dot").read_text(encoding="utf-8").startswith("digraph gates {")


# --- the labs --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lab", LABS)
def test_a_lab_with_a_full_disk_or_a_closed_output_is_one_line(lab):
    options = "--yes --text" if lab == "lab_training" else "--yes"
    error = one_line_error(shell(f"LAB {lab}.py {options} --epochs 5 > /dev/full" if lab == "lab_training"
                                 else f"LAB {lab}.py {options} > /dev/full"), f"{lab}.py")
    assert "No space left on device" in error
    one_line_error(shell(f"LAB {lab}.py {options} >&-"), f"{lab}.py")


@pytest.mark.parametrize("lab", LABS)
def test_a_lab_on_a_broken_pipe_ends_quietly(lab):
    options = "--yes --text --epochs 5" if lab == "lab_training" else "--yes"
    done = shell(f"LAB {lab}.py {options} | true; exit ${{PIPESTATUS[0]}}")
    assert done.returncode == 141 and done.stderr == ""


@pytest.mark.parametrize("lab", ["lab_walkthrough", "lab_conventions"])
def test_a_lab_waiting_for_answers_on_a_closed_input_is_one_line(lab):
    error = one_line_error(shell(f"LAB {lab}.py <&-"), f"{lab}.py")
    assert "standard input is closed" in error
