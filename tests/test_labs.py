"""The labs run to completion unattended and print the shapes NETWORK.md gives; the build-a-gate
checker fails the skeleton and passes the solution; the training pictures are drawn.

Each lab runs as a student would run it, `python scripts/<lab>.py`, in a subprocess. The shapes
asserted are written here from the layer sizes and the batch, not read from the engine.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gates.check import check_gate
from graph import plot

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
HAVE_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
PNG = b"\x89PNG\r\n\x1a\n"


def run(*command: str, stdin: str | None = None, env: dict | None = None,
        cwd: Path = ROOT) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "GATES_LAB_NONINTERACTIVE"}
    environment.update(env or {})
    return subprocess.run([sys.executable, *command], input=stdin, capture_output=True, text=True,
                          cwd=cwd, env=environment, timeout=120,
                          stdin=subprocess.DEVNULL if stdin is None else None)


def lab(name: str, *options: str, **kwargs) -> subprocess.CompletedProcess:
    return run(str(SCRIPTS / f"{name}.py"), *options, **kwargs)


def table_row(text: str, first: str) -> list[str]:
    """The cells of the first line of a plain table whose cells start with `first`
    (cells are separated by two spaces or more)."""
    for line in text.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if first in cells[:3]:
            return cells
    raise AssertionError(f"no row for {first!r}")


@pytest.mark.parametrize("name", ["lab_walkthrough", "lab_build_a_gate", "lab_training",
                                  "lab_conventions", "lab_digits"])
def test_every_lab_states_its_goal_at_the_top(name):
    first = (SCRIPTS / f"{name}.py").read_text(encoding="utf-8").split('"""')[1]
    assert "Goal:" in first.split("\n\n")[0]


# --- the walkthrough ---------------------------------------------------------------------------

def test_the_walkthrough_lab_runs_unattended_and_reveals_every_answer():
    done = lab("lab_walkthrough", "--yes")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("Lab 1, the walkthrough. Goal:")
    assert out.count("Answer:") == out.count("  Q") == 8
    # [2,3,1], k = 4: NETWORK.md's shapes, gate by gate
    walk = out.split("Forward pass")[1]
    assert "(4×2)·(2×3) → 4×3" in table_row(walk, "XW¹")
    assert "(4×3)+(1×3) → 4×3" in table_row(walk, "z²")
    assert "scalar → 4×1" in table_row(walk, "δ³ = dJ/dz³")
    assert "(3×4)·(4×1) → 3×1" in table_row(walk, "dJ/dW²")
    assert "(4×3)⊙(4×3) → 4×3" in table_row(walk, "δ² = dJ/dz²")
    assert "4×3 → 1×3" in table_row(walk, "dJ/db¹")
    assert "(2×4)·(4×3) → 2×3" in table_row(walk, "dJ/dW¹")
    # the questions of the issue, and their answers revealed after
    assert "What is the shape of δ²?" in out and "Answer: 4×3:" in out
    assert "Why is dJ/db¹ 1×3, not 4×3?" in out
    assert "The walkthrough stops" not in out  # only the goal paragraph is printed
    assert "Total params: 13" in out
    assert "the gradients are right" in out


def test_the_walkthrough_lab_marks_answers_piped_in():
    answers = "4x3\n4 x 3\n1x4\n"  # z² right, a²W² wrong (it is 4×1), δ³ wrong (it is 4×1)
    done = lab("lab_walkthrough", stdin=answers)
    assert done.returncode == 0, done.stderr
    marks = re.findall(r"[✓✗] [^\n]*", done.stdout)
    assert marks == ["✓ right", "✗ not quite: you said 4 x 3", "✗ not quite: you said 1x4"]
    assert done.stdout.count("Answer:") == 8  # the rest revealed once the answers run out


def test_an_answer_with_its_reason_is_right_and_an_empty_one_asks_again():
    # z² is 4×3 (said with a reason), then an empty line (asked again), a²W² is 4×1 in the
    # tuple form with a reason, δ³ is 4×1 with k standing for the batch of 4.
    answers = "4x3, b¹ is copied to each row\n\n(4, 1) since the inner 3s meet\nk×1\n"
    done = lab("lab_walkthrough", stdin=answers)
    assert done.returncode == 0, done.stderr
    marks = re.findall(r"[✓✗] [^\n]*", done.stdout)
    assert marks == ["✓ right", "✓ right", "✓ right"]
    assert done.stdout.count("(an empty answer: type your answer, then Enter)") == 1
    wrong = lab("lab_walkthrough", stdin="1x3, the bias is a row\n")
    assert re.findall(r"[✓✗] [^\n]*", wrong.stdout) == ["✗ not quite: you said 1x3, the bias is a row"]


@pytest.mark.parametrize("name, offered", [("lab_walkthrough", False), ("lab_conventions", False),
                                           ("lab_build_a_gate", False), ("lab_training", True)])
def test_out_is_offered_only_by_the_lab_that_writes_files(name, offered):
    help_text = lab(name, "--help").stdout
    assert ("--out DIR" in help_text) is offered
    if not offered:
        done = lab(name, "--yes", "--out", "somewhere")
        assert done.returncode == 2 and done.stderr.count("\n") == 1 and "--out" in done.stderr
        assert not (ROOT / "somewhere").exists()


def test_the_environment_variable_makes_a_lab_unattended():
    done = lab("lab_walkthrough", env={"GATES_LAB_NONINTERACTIVE": "1"}, stdin="4x3\n")
    assert done.returncode == 0, done.stderr
    assert "your answer>" not in done.stdout and done.stdout.count("Answer:") == 8


# --- build a gate ------------------------------------------------------------------------------

def load(name: str):
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("gate, shapes", [("TanhGate", "4x3"), ("MatMulGate", "4x2,2x3")])
def test_the_checker_fails_the_skeleton_and_passes_the_solution(gate, shapes):
    skeleton = run("-m", "gates.check", f"scripts/lab_gate_skeleton.py:{gate}", "--shapes", shapes)
    assert skeleton.returncode != 0
    assert "backward returned nothing" in skeleton.stdout + skeleton.stderr
    solution = run("-m", "gates.check", f"scripts/lab_gate_solution.py:{gate}", "--shapes", shapes)
    assert solution.returncode == 0, solution.stdout + solution.stderr


def test_the_solution_agrees_with_central_differences_written_here(numeric_grad, rng):
    solution = load("lab_gate_solution")
    z, top = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    tanh = solution.TanhGate()
    tanh.forward(z)
    (dz,) = tanh.backward(top)
    assert np.allclose(dz, numeric_grad(lambda x: float(np.sum(top * np.tanh(x))), z), atol=1e-8)
    A, B, top = rng.standard_normal((4, 2)), rng.standard_normal((2, 3)), rng.standard_normal((4, 3))
    mul = solution.MatMulGate()
    mul.forward(A, B)
    dA, dB = mul.backward(top)
    assert dA.shape == (4, 2) and dB.shape == (2, 3)
    assert np.allclose(dA, numeric_grad(lambda x: float(np.sum(top * (x @ B))), A), atol=1e-8)
    assert np.allclose(dB, numeric_grad(lambda x: float(np.sum(top * (A @ x))), B), atol=1e-8)
    assert check_gate(solution.MatMulGate, [(4, 2), (2, 3)]).ok
    assert not check_gate(load("lab_gate_skeleton").MatMulGate, [(4, 2), (2, 3)]).ok


def test_the_build_a_gate_lab_fails_on_the_skeleton():
    done = lab("lab_build_a_gate", "--yes")
    assert done.returncode == 1, done.stderr
    assert "FAIL" in done.stdout and "Not yet: complete the TODOs" in done.stdout
    assert "Answer: top_diff · Bᵀ: (4×3)·(3×2) → 4×2" in done.stdout
    assert "Answer: Aᵀ · top_diff: (2×4)·(4×3) → 2×3" in done.stdout


def test_the_build_a_gate_lab_passes_the_solution_and_runs_it_in_the_network():
    done = lab("lab_build_a_gate", "--yes", "--solution")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "Both gates of lab_gate_solution.py pass." in out
    assert "dJ/dz²: 4×3" in out and "dJ/dW¹: 2×3" in out and "dJ/dW²: 3×1" in out
    assert "whole-network gradient check" in out and out.rstrip().endswith("pass")
    assert "Total params: 13" in out


def test_the_build_a_gate_lab_says_when_the_file_is_missing(tmp_path):
    done = lab("lab_build_a_gate", "--yes", "--file", str(tmp_path / "mine.py"))
    assert done.returncode == 2
    assert "cannot check" in done.stderr and "mine.py" in done.stderr


# --- training ----------------------------------------------------------------------------------

def training_numbers(out: str, name: str) -> tuple[float, float, float]:
    block = out.split(f"\n{name}: ")[1]
    first, last = map(float, re.search(r"loss ([\d.]+) → ([\d.]+)", block).groups())
    accuracy = float(re.search(r"accuracy ([\d.]+)%", block).group(1))
    return first, last, accuracy


def test_the_training_lab_trains_both_networks_and_charts_them_in_text(tmp_path):
    done = lab("lab_training", "--yes", "--text", "--out", str(tmp_path / "unused"))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    n = 200
    assert f"X is {n}×2, y is {n}×1" in out
    assert f"δ² is {n}×3, dJ/dW¹ is 2×3, dJ/dW² is 3×1" in out   # [2, 3, 1] on the whole batch
    assert f"δ² is {n}×8, dJ/dW¹ is 2×8, dJ/dW² is 8×1" in out   # [2, 8, 1]
    assert "Total params: 13" in out and f"Total params: {2 * 8 + 8 + 8 + 1}" in out
    for name in ("[2, 3, 1]", "[2, 8, 1]"):
        first, last, accuracy = training_numbers(out, name)
        assert last < first / 4  # it learned: the loss fell well below its start
    assert training_numbers(out, "[2, 8, 1]")[2] >= 95.0  # XOR needs width; 8 is plenty
    assert "loss per epoch" in out and "2999 epoch" in out
    assert out.count("decision surface: # where ŷ ≥ 0.5") == 2
    assert not (tmp_path / "unused").exists()  # --text writes no file


@pytest.mark.skipif(not HAVE_MATPLOTLIB, reason="matplotlib is not installed (pip install -e '.[plot]')")
def test_the_training_lab_draws_the_pictures_as_png(tmp_path):
    done = lab("lab_training", "--yes", "--epochs", "50", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    for picture in ("loss.png", "surface_2-3-1.png", "surface_2-8-1.png"):
        assert (tmp_path / picture).read_bytes()[:8] == PNG
        assert str(tmp_path / picture) in done.stdout
    assert "loss per epoch" not in done.stdout  # the PNG replaces the text chart


# --- both conventions --------------------------------------------------------------------------

def test_the_conventions_lab_shows_each_shape_transposed():
    done = lab("lab_conventions", "--yes")
    assert done.returncode == 0, done.stderr
    out = done.stdout.split("Is columns = rowsᵀ")[1]
    # NETWORK.md: rows k×m against the columns convention's m×k, k = 4
    pairs = {"X": ("X", "4×2", "2×4"), "W¹": ("W¹", "2×3", "3×2"), "XW¹": ("W¹X", "4×3", "3×4"),
             "b¹": ("b¹", "1×3", "3×1"), "z²": ("z²", "4×3", "3×4"), "W²": ("W²", "3×1", "1×3"),
             "z³": ("z³", "4×1", "1×4"), "δ³ = dJ/dz³": ("δ³ = dJ/dz³", "4×1", "1×4"),
             "δ² = dJ/dz²": ("δ² = dJ/dz²", "4×3", "3×4"), "dJ/dW²": ("dJ/dW²", "3×1", "1×3"),
             "dJ/da²": ("dJ/da²", "4×3", "3×4"), "dJ/dW¹": ("dJ/dW¹", "2×3", "3×2"),
             "dJ/db¹": ("dJ/db¹", "1×3", "3×1")}
    for rows_name, (columns_name, rows_shape, columns_shape) in pairs.items():
        cells = table_row(out, rows_name)
        assert cells[:4] == [rows_name, rows_shape, columns_name, columns_shape], cells
        assert float(cells[4]) < 1e-12  # columns = rowsᵀ, number by number
    assert "one network, written two ways" in out
    assert "Answer: dJ/db¹ = Σ columns δ²: 3×4 → 3×1" in done.stdout


# --- the pictures' text forms ------------------------------------------------------------------

def test_the_text_chart_puts_the_first_loss_on_top_and_the_last_at_the_bottom():
    history = [1.0 / (1 + e) for e in range(100)]  # falls from 1 to 0.01 (log scale: > 20×)
    lines = plot.text_chart(history, width=40, height=10).splitlines()
    assert lines[0] == "loss per epoch (log scale)"
    grid = lines[1:11]
    assert grid[0].startswith("   1 ┤*")
    assert grid[-1].startswith("0.01 ┤") and grid[-1].endswith("*")
    assert lines[12].split() == ["0", "99", "epoch"]


def test_show_losses_falls_back_to_text_and_says_how_to_get_the_png(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(plot, "have_matplotlib", lambda: False)
    assert plot.show_losses([0.5, 0.25, 0.2], tmp_path / "loss.png") is None
    out = capsys.readouterr().out
    assert "loss per epoch" in out and 'pip install -e ".[plot]"' in out
    assert not (tmp_path / "loss.png").exists()


def test_an_empty_history_is_refused():
    with pytest.raises(ValueError, match="at least one loss"):
        plot.text_chart([])


def test_the_text_surface_shows_the_quadrants_of_xor():
    X = np.array([[-1.0, -1.0], [1.0, 1.0]])
    text = plot.text_surface(lambda P: (P[:, 0] * P[:, 1] > 0).astype(float), X, width=10, height=6)
    rows = text.splitlines()[1:]
    assert rows[0] == ".....#####" and rows[-1] == "#####....."  # top: x₂ > 0


def test_a_diverged_loss_is_refused_with_what_to_do():
    with pytest.raises(ValueError, match="from epoch 2 on: training diverged; lower the learning rate"):
        plot.text_chart([0.5, 0.7, float("inf")])
