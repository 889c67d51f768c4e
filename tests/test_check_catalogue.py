"""The catalogue of hand-written gates (tests/wrong_gates.py) through the command line, with the
default shapes: every wrong gate exits 1 with the diagnosis written by hand for it, every right
gate exits 0. A wrong gate graded right is the worst failure a grader can have."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from wrong_gates import CRASHING, RIGHT, WRONG

from gates.check import DIAGNOSES, main

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = "tests/wrong_gates.py"


def run_json(capsys, target: str, *options: str) -> tuple[int, dict, str]:
    status = main([target, "--json", *options])
    out, err = capsys.readouterr()
    return status, json.loads(out), err


def diagnoses(document: dict) -> set[str]:
    return {i["diagnosis"] for check in document["checks"] for i in check["inputs"] if i["diagnosis"]}


def test_the_catalogue_is_large_enough_and_covers_every_diagnosis():
    assert len(WRONG) >= 20 and len(RIGHT) >= 8
    assert {diagnosis for _, diagnosis, _, _ in WRONG} == set(DIAGNOSES)
    names = {gate.__name__ for gate in RIGHT}
    assert {"UserReLU", "UserSoftmax", "Cube", "HugeCube", "TinyTanh"} <= names


@pytest.mark.parametrize("gate, diagnosis, words, also", WRONG, ids=[w[0].__name__ for w in WRONG])
def test_every_wrong_gate_fails_with_its_diagnosis(capsys, gate, diagnosis, words, also):
    status, document, err = run_json(capsys, f"{CATALOGUE}:{gate.__name__}")
    assert status == 1, err
    assert document["ok"] is False and document["gate"] == gate.__name__
    found = diagnoses(document)
    assert diagnosis in found, found
    assert found <= {diagnosis, *also}, found
    messages = [i["message"] for c in document["checks"] for i in c["inputs"] if i["diagnosis"] == diagnosis]
    for word in words:
        assert any(word in m for m in messages), (word, messages[0])


@pytest.mark.parametrize("gate, words", CRASHING, ids=[c[0].__name__ for c in CRASHING])
def test_a_gate_that_raises_on_some_default_shapes_is_an_error_in_one_line(capsys, gate, words):
    """reshape(1, 3) passes every set of width 3 and raises at width 7: exit 2, never a pass."""
    status = main([f"{CATALOGUE}:{gate.__name__}"])
    _, err = capsys.readouterr()
    assert status == 2 and err.count("\n") == 1, err
    for word in words:
        assert word in err, (word, err)


@pytest.mark.parametrize("gate", RIGHT, ids=[g.__name__ for g in RIGHT])
def test_every_right_gate_passes(capsys, gate):
    status, document, err = run_json(capsys, f"{CATALOGUE}:{gate.__name__}")
    assert status == 0, json.dumps(document)[:2000]
    assert document["ok"] is True and not diagnoses(document)
    for check in document["checks"]:
        for entry in check["inputs"]:
            assert entry["grad_shape"] == entry["shape"]
            assert entry["max_rel_error"] < 1e-6


def test_the_user_relu_is_checked_at_zero(capsys):
    """The zeros draw puts z exactly on ReLU's kink: checked as a subgradient, and passed."""
    _, document, _ = run_json(capsys, f"{CATALOGUE}:UserReLU")
    assert sum(i["kinks"] for c in document["checks"] for i in c["inputs"]) > 0


def test_the_whole_catalogue_in_one_command():
    """`python -m gates.check tests/wrong_gates.py --json`: every gate of the file, one document;
    exit 2, since the gates of CRASHING raise (the others' verdicts are in the document still)."""
    done = subprocess.run([sys.executable, "-m", "gates.check", CATALOGUE, "--json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 2, done.stderr  # a gate of CRASHING raises: an error of its code
    assert [gate.__name__ for gate, _ in CRASHING] == [line.split()[4] for line in done.stderr.splitlines()]
    document = json.loads(done.stdout)
    verdicts = {g["gate"]: g for g in document["gates"]}
    assert document["ok"] is False
    for gate, diagnosis, _, _ in WRONG:
        if gate.__module__ == "wrong_gates":  # the ones defined there (the others are imported)
            assert diagnosis in diagnoses(verdicts[gate.__name__]), gate.__name__
    for gate in RIGHT:
        assert verdicts[gate.__name__]["ok"] is True, gate.__name__


def test_the_readme_lists_every_diagnosis_with_an_example():
    import re

    from gates.gradcheck import MAX_NUMBERS

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("### Checking a hand-written gate")
    section = text[start:text.index("\n## ", start)]
    rows = re.findall(r"^\| `([a-z_]+)` \| (.+?) \|", section, flags=re.MULTILINE)
    assert [name for name, _ in rows] == list(DIAGNOSES)
    assert all(example.strip() for _, example in rows)
    assert f"{MAX_NUMBERS:,} numbers" in section and "--json" in section
