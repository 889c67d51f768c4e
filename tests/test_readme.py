"""The README tells the truth: its Python runs as pasted, its option list is the command's, its
quiz excerpt is what the quiz prints, and the documents it cites ship with the code."""

from __future__ import annotations

import io
import re
import textwrap
from contextlib import redirect_stdout
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def python_blocks() -> list[str]:
    """Every ```python block, dedented (some sit inside a list item)."""
    return [textwrap.dedent(body) for indent, body in
            re.findall(r"^( *)```python\n(.*?)^\1```", README, flags=re.M | re.S)]


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end > 0 else None]


@pytest.mark.parametrize("number", range(len(python_blocks())))
def test_every_python_block_runs_as_pasted(number, tmp_path, monkeypatch):
    """Each block on its own, in a fresh namespace (no import borrowed from another block).
    `MyGate` stands for the reader's own gate: the README's checker example names it."""
    from gates import AddGate
    monkeypatch.chdir(tmp_path)
    code = python_blocks()[number]
    namespace = {"__name__": "__readme__"}
    if "MyGate" in code and "class MyGate" not in code:
        namespace["MyGate"] = AddGate
    with redirect_stdout(io.StringIO()):
        exec(compile(code, f"README.md python block {number + 1}", "exec"), namespace)


def test_the_ten_lines_print_what_the_readme_says():
    code = python_blocks()[0]
    out = io.StringIO()
    with redirect_stdout(out):
        exec(code, {})
    shown = README[README.index(code) + len(code):]
    printed = re.search(r"prints\n\n```\n(.*?)```", shown, re.S).group(1)
    assert out.getvalue() == printed


def help_options() -> set[str]:
    from graph.commands.trace_options import build_parser
    return set(re.findall(r"(--[a-z][a-z-]+)", build_parser().format_help())) - {"--help"}


def test_the_option_list_is_the_commands():
    walkthrough = section("Walkthrough")
    listed = walkthrough[walkthrough.index("The options ("):]
    listed = listed[:listed.index("\n\n", listed.index("\n- "))]
    in_readme = set(re.findall(r"`(--[a-z][a-z-]+)", listed))
    assert in_readme == help_options()
    from graph.builders import ACTIVATIONS, LOSSES, OUTPUT_ACTIVATIONS
    from graph.render import FORMATS
    for option, choices in (("--activation", ACTIVATIONS), ("--output-activation", OUTPUT_ACTIVATIONS),
                            ("--loss", LOSSES), ("--format", FORMATS)):
        said = re.search(rf"`{option} ([a-z_|]+)`", listed).group(1).split("|")
        assert sorted(said) == sorted(choices), option


def test_the_quiz_excerpt_is_what_the_quiz_prints():
    """The README's answers: every shape right but dJ/dW², answered 1x3 (W²ᵀ's shape)."""
    from test_quiz import answers, expected

    from graph import Graph
    from graph.quiz import run_quiz
    pairs = [(t, (1, 3) if t == "dJ/dW²" else s) for t, s in expected([2, 3, 1], 4)]
    out = io.StringIO()
    run_quiz(Graph.mlp([2, 3, 1]), {"k": 4}, input=io.StringIO(answers(pairs)), output=out)
    printed = out.getvalue().splitlines()
    labs = section("Labs and pictures")
    excerpt = re.search(r"```\n(\$ python -m gates.trace --quiz.*?)```", labs, re.S).group(1)
    shown = [line for line in excerpt.splitlines()[1:] if line.strip() not in ("", "...")]
    assert len(shown) >= 5 and all(line in printed for line in shown), shown


def test_the_quick_start_uses_a_virtual_environment_and_the_commands_ci_runs():
    quick = section("Quick start")
    assert "python3 -m venv .venv" in quick and ". .venv/bin/activate" in quick
    commands = re.findall(r"```bash\n(.*?)```", quick, re.S)
    assert 'pip install -e ".[test]"\npytest\n' in commands
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install -e ".[test]"' in ci and "\npytest\n" in ci


def test_the_notation_document_and_the_license_ship_with_the_code():
    notation = (ROOT / "docs" / "NETWORK.md").read_text(encoding="utf-8")
    for shape_line in ("| δ³ = dJ/dz³ |", "| dJ/dW² | a²ᵀ · δ³", "x = (0.23, 0.82)", "ŷ = σ(z³) ≈ 0.6156"):
        assert shape_line in notation
    assert "docs/NETWORK.md" in README and "shared notes" not in README
    from graph.commands.trace_options import build_parser
    assert "docs/NETWORK.md" in build_parser().format_help()
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert license_text.startswith("MIT License") and "the gates authors" in license_text
    assert 'license = { text = "MIT" }' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
