"""The teacher's side of the quiz: a variant's answer key, and a student's record as JSON."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from graph import Graph
from graph.quiz import questions, random_network

PROG = [sys.executable, "-m", "gates.trace"]


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([*PROG, *args], input=stdin, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("seed", [3, 17])
def test_the_answer_key_answers_the_quiz_of_that_seed_in_full(seed):
    key = run("--quiz", "--seed", str(seed), "--answer-key")
    assert key.returncode == 0, key.stderr
    answers = re.findall(r"^\[\d+/\d+\] [^:]+: (\S+)", key.stdout, flags=re.M)
    layers, batch = random_network(seed)
    assert len(answers) == len(questions(Graph.mlp(layers, allocate=False), {"k": batch}))
    quiz = run("--quiz", "--seed", str(seed), stdin="\n".join(answers) + "\n")
    assert f"Score: {len(answers)}/{len(answers)}" in quiz.stdout


def test_the_key_of_the_default_network_has_delta_shapes_of_networkmd():
    key = run("--quiz", "--answer-key").stdout
    assert "[13/21] δ³: 4×1" in key and "[18/21] δ²: 4×3" in key  # NETWORK.md: k×m³, k×m²


def test_results_record_every_answer_and_the_score(tmp_path):
    out = tmp_path / "student.json"
    given = ["4x2", "2x3", "4x3", "3x1"]  # X, W¹, XW¹ right; b¹ is 1×3, not 3×1
    result = run("--quiz", "--results", str(out), stdin="\n".join(given) + "\n")
    assert result.returncode == 0, result.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["network"] == {"layers": [2, 3, 1], "batch": 4, "convention": "rows",
                                   "seed": 0, "symbolic": False}
    records = document["answers"]
    assert [r["answer"] for r in records[:4]] == given
    assert [r["right"] for r in records[:4]] == [True, True, True, False]
    assert records[3]["expected"] == "1×3"
    assert all(r["answer"] is None and r["right"] is False for r in records[4:])  # input ended
    assert document["score"] == 3 and document["total"] == len(records)


@pytest.mark.parametrize("args, words", [
    (["--answer-key"], "--answer-key goes with --quiz"),
    (["--results", "x.json"], "--results goes with --quiz"),
    (["--quiz", "--answer-key", "--results", "x.json"], "choose one"),
    (["--quiz", "--results", " "], "needs a file name"),
])
def test_misused_options_are_one_line_and_exit_2(args, words):
    result = run(*args)
    assert result.returncode == 2 and words in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
