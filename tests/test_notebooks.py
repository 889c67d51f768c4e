"""The lab notebooks (notebooks/*.ipynb) run headless, top to bottom, as a student would run them,
and show the graph and the walkthrough inline (text/html), so that they never rot.

Each is executed by nbclient in a fresh kernel; any error in any cell fails the test. The checks
inside the notebooks are the labs' own (the gradient check, the checker's verdict on the worked
solution, columns = rowsᵀ number by number), asserted in their cells. Skipped, with the reason,
where nbclient, nbformat or ipykernel is not installed (pip install -e ".[notebooks]").
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
LABS = ["lab_walkthrough", "lab_build_a_gate", "lab_training", "lab_conventions"]
MISSING = [name for name in ("nbclient", "nbformat", "ipykernel") if importlib.util.find_spec(name) is None]
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"{', '.join(MISSING)} not installed "
                                                      f"(pip install -e \".[notebooks]\")")


def execute(name: str, out: Path, monkeypatch, change=None):
    """The notebook `name` after running every cell in a fresh kernel, from notebooks/ as Jupyter
    would; its pictures go to `out`. `change(nb)` may edit cells first (a student's answers)."""
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("GATES_LAB_OUT", str(out))  # never into the checkout
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    if change:
        change(nb)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return nb


def outputs(nb, tag: str | None = None) -> list[dict]:
    return [out for cell in nb.cells if cell.cell_type == "code"
            and (tag is None or tag in cell.metadata.get("tags", [])) for out in cell.get("outputs", [])]


def html_of(nb, tag: str) -> str:
    return "".join(out["data"]["text/html"] for out in outputs(nb, tag) if "text/html" in out.get("data", {}))


def text_of(nb) -> str:
    return "".join(out.get("text", "") + out.get("data", {}).get("text/plain", "") for out in outputs(nb))


def test_every_lab_has_its_notebook_and_nothing_stored_in_it():
    import nbformat
    for name in LABS:
        nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        nbformat.validate(nb)
        assert (ROOT / "scripts" / f"{name}.py").is_file()
        assert "Goal:" in nb.cells[0].source  # it states its goal first, as the lab does
        assert outputs(nb) == []
        assert all(c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("name", LABS)
def test_the_notebook_runs_and_shows_its_pictures_inline(name, tmp_path, monkeypatch):
    nb = execute(name, tmp_path, monkeypatch)
    assert not [out for out in outputs(nb) if out["output_type"] == "error"]
    if name in ("lab_walkthrough", "lab_training", "lab_conventions"):
        assert "Total params" in html_of(nb, "graph")  # the Graph displays as its summary table
    if name in ("lab_walkthrough", "lab_conventions"):
        stepper = html_of(nb, "walkthrough")
        assert 'class="gw-root' in stepper and 'data-last="20"' in stepper and "<svg" in stepper
        assert "http" not in stepper.replace('xmlns="http://www.w3.org/2000/svg"', "")
    if name == "lab_conventions":
        assert html_of(nb, "walkthrough").count("<svg") == 2  # the two conventions, side by side
        assert "one network, written two ways" in text_of(nb)
    if name == "lab_walkthrough":
        assert "the gradients are right" in text_of(nb)
    if name == "lab_build_a_gate":
        assert "Not yet: complete the TODOs" in text_of(nb)  # the skeleton fails, as in the lab
    if name == "lab_training":
        pictures = [out for out in outputs(nb, "plots") if "image/png" in out.get("data", {})]
        if importlib.util.find_spec("matplotlib"):
            assert len(pictures) == 3  # the loss curves and the two decision surfaces
            assert sorted(p.name for p in tmp_path.iterdir()) == ["loss.png", "surface_2-3-1.png",
                                                                  "surface_2-8-1.png"]


def test_answers_are_marked_by_the_labs_own_check(tmp_path, monkeypatch):
    def answer(nb):
        cells = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith('my_answer = ""')]
        given = 'my_answer = "4x3, b¹ is copied to each row"'
        cells[0].source = cells[0].source.replace('my_answer = ""', given)
        cells[2].source = cells[2].source.replace('my_answer = ""', 'my_answer = "1x4"')  # δ³ is 4×1

    nb = execute("lab_walkthrough", tmp_path, monkeypatch, change=answer)
    marked = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("my_answer")]
    verdicts = ["".join(out["data"]["text/html"] for out in c.outputs if "text/html" in out.get("data", {}))
                for c in marked]
    assert "✓ right" in verdicts[0] and "Show the answer" in verdicts[0]
    assert "✗ not quite: you said 1x4" in verdicts[2]
    assert "write your answer" in verdicts[1]  # not answered: the answer waits behind its click
