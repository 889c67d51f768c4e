"""The HTML walkthrough: one self-contained page, its picture and its stepper.

The steps, edges and shapes expected here are written out by hand from docs/NETWORK.md's tables
for the [2,3,1] network (k = 4): 6 gates forward (steps 1–6), then the 9 gradients in backprop's
order (steps 7–15, as the README's walkthrough lists them), 4 updates (16–19) and the loss (20).
The browser tests drive Debian's chromium through its chromedriver; they are skipped, with the
reason, where either is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from gates import AddGate, HadamardGate, MSELoss, MulGate
from graph import Graph
from graph.examples import lecture_example
from graph.html import fragment, to_html, write_html
from graph.html_layout import picture
from graph.walkthrough import Comparison, example_data, layer_size_symbols, trace

# NETWORK.md, forward table: the value on each edge (source → the gate making target), k = 4.
VALUES = {("X", "XW1"): "X  4×2", ("W1", "XW1"): "W¹  2×3", ("XW1", "z2"): "XW¹  4×3",
          ("b1", "z2"): "b¹  1×3", ("z2", "a2"): "z²  4×3", ("a2", "a2W2"): "a²  4×3",
          ("W2", "a2W2"): "W²  3×1", ("a2W2", "z3"): "a²W²  4×1", ("b2", "z3"): "b²  1×1",
          ("z3", "J"): "z³  4×1", ("y", "J"): "y  4×1"}
# NETWORK.md, backward table, in backprop's order: (edge it flows back along, label, step).
GRADIENTS = [(("z3", "J"), "δ³  4×1", 7), (("b2", "z3"), "dJ/db²  1×1", 8),
             (("a2W2", "z3"), "δ³  4×1", 9), (("W2", "a2W2"), "dJ/dW²  3×1", 10),
             (("a2", "a2W2"), "dJ/da²  4×3", 11), (("z2", "a2"), "δ²  4×3", 12),
             (("b1", "z2"), "dJ/db¹  1×3", 13), (("XW1", "z2"), "δ²  4×3", 14),
             (("W1", "XW1"), "dJ/dW¹  2×3", 15)]
LAST = 20
ROOT = Path(__file__).resolve().parent.parent


def default_walk(values: bool = True):
    g = Graph.mlp([2, 3, 1])
    return trace(g, example_data(g, 4), values=values)


def svgs(page: str) -> list[ET.Element]:
    """Every <svg> of the page, parsed as XML (which also proves the escaping is sound)."""
    return [ET.fromstring(m) for m in re.findall(r"<svg.*?</svg>", page, flags=re.S)]


def edges(svg: ET.Element) -> dict[tuple[str, str], dict]:
    """{(source, target): {value, value_on, grad, grad_on}} from the picture's edge groups."""
    found = {}
    for g in svg.iter("g"):
        if g.get("class") != "gw-edge":
            continue
        value = next(t for t in g.iter("text") if t.get("class") == "gw-value")
        grad = next((x for x in g.iter("g") if x.get("class") == "gw-grad"), None)
        found[(g.get("data-source"), g.get("data-target"))] = {
            "value": value.text, "value_on": value.get("data-on"),
            "grad": None if grad is None else next(grad.iter("text")).text,
            "grad_on": None if grad is None else grad.get("data-on"),
            "grad_at": None if grad is None else grad.get("data-at")}
    return found


def panels(page: str) -> dict[int, str]:
    """Each step's panel, by step: the HTML from its start to the next panel (or the legend)."""
    parts = page.split('<div class="gw-panel" data-step="')[1:]  # "N" hidden>...
    return {int(p.split('"', 1)[0]): p.split('<p class="gw-legend">')[0] for p in parts}


def nodes(svg: ET.Element) -> dict[str, ET.Element]:
    return {g.get("data-name"): g for g in svg.iter("g") if "gw-node" in (g.get("class") or "")}


# --- the page, without a browser ------------------------------------------------------------------

def test_the_page_loads_nothing_from_anywhere_else():
    page = to_html(default_walk())
    assert not re.search(r"https?:|//[a-z0-9.-]+\.[a-z]{2,}/|<link|@import|\bsrc=|<iframe", page, flags=re.I)
    assert all(target.startswith("#") for target in re.findall(r"url\(([^)]*)\)", page))
    assert all(target.startswith("#") for target in re.findall(r'href="([^"]*)"', page))
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "<script>" in page and "<style>" in page  # inline, both


def test_every_value_and_gradient_rides_on_its_edge_and_shows_at_its_step():
    (svg,) = svgs(to_html(default_walk()))
    found = edges(svg)
    assert {edge: info["value"] for edge, info in found.items()} == VALUES
    made = {"X": "0", "W1": "0", "b1": "0", "W2": "0", "b2": "0", "y": "0",
            "XW1": "1", "z2": "2", "a2": "3", "a2W2": "4", "z3": "5"}
    assert {edge: info["value_on"] for edge, info in found.items()} == {e: made[e[0]] for e in VALUES}
    for edge, label, step in GRADIENTS:
        info = found[edge]
        assert (info["grad"], info["grad_on"], info["grad_at"]) == (label, str(step), str(step))
    # no gradient is computed for the data: nothing flows back to X or y
    assert found[("X", "XW1")]["grad"] is None and found[("y", "J")]["grad"] is None


def test_each_node_works_and_receives_its_gradient_at_the_right_steps():
    (svg,) = svgs(to_html(default_walk()))
    found = nodes(svg)
    assert found["J"].get("data-at") == "6 7"            # forward 6; sends δ³ back at 7
    assert found["z3"].get("data-at") == "5 8 9"         # forward 5; dJ/db² and δ³ back at 8, 9
    assert found["z3"].get("data-arrive") == "7"         # δ³ arrives at z³
    assert found["z2"].get("data-arrive") == "12"        # δ² arrives at z²
    assert found["a2"].get("data-at") == "3 12"
    assert found["W1"].get("data-at") == "16" and found["b2"].get("data-at") == "19"  # updates
    assert found["z2"].get("data-on") == "2" and found["X"].get("data-on") == "0"


def test_the_picture_is_its_own_size_and_covers_every_box():
    for rankdir in ("TB", "LR"):
        (svg,) = svgs(to_html(default_walk(), rankdir=rankdir))
        _, _, w, h = map(float, svg.get("viewBox").split())
        assert (w, h) == (float(svg.get("width")), float(svg.get("height")))
        for rect in svg.iter("rect"):
            x, y = float(rect.get("x")), float(rect.get("y"))
            assert 0 <= x and x + float(rect.get("width")) <= w
            assert 0 <= y and y + float(rect.get("height")) <= h


def overlap(a, b) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def hand_built() -> tuple[Graph, dict]:
    """x ⊙ x (two edges between the same boxes), a skip connection, names that need escaping."""
    g = Graph()
    g.input("X", ("k", 2))
    g.input("y", ("k", 2))
    g.param('W"<&>', np.ones((2, 2)))
    g.add(MulGate(), ["X", 'W"<&>'], "h")
    g.add(HadamardGate(), ["h", "h"], "sq")
    g.add(AddGate(), ["sq", "X"], "skip")
    g.add(MSELoss(), ["skip", "y"], "J")
    return g, {"X": np.ones((3, 2)), "y": np.zeros((3, 2))}


def walks_to_lay_out():
    lecture, inputs, lr = lecture_example()
    cnn = Graph.from_spec("conv 2 3x3, relu, maxpool 2, flatten, 3", input_shape=(1, 8, 8))
    hand, data = hand_built()
    yield "[2,3,1]", default_walk(False)
    yield "columns", trace(Graph.mlp([2, 3, 1], convention="columns"))
    yield "[4,5,3,2]", trace(Graph.mlp([4, 5, 3, 2]))
    yield "lecture", trace(lecture, inputs, lr=lr)
    yield "cnn", trace(cnn, example_data(cnn, 2))
    yield "hand-built", trace(hand, data)


@pytest.mark.parametrize("rankdir", ["TB", "LR"])
def test_no_label_lies_over_another_label_or_a_box(rankdir):
    for name, walk in walks_to_lay_out():
        pic = picture(walk.forward, walk.backward, walk.update, rankdir)
        labels = [label.rect for e in pic.edges for label in (e.forward_label, e.backward_label) if label]
        boxes = [b.rect() for b in pic.boxes.values()]
        assert pic.crowded == 0, name
        for i, a in enumerate(labels):
            assert not any(overlap(a, b) for b in labels[i + 1:]), (name, a)
            assert not any(overlap(a, b) for b in boxes), (name, a)
        for i, a in enumerate(boxes):
            assert not any(overlap(a, b) for b in boxes[i + 1:]), (name, a)
        # every edge with a gradient has its label: the picture hides none
        assert all(e.backward_label for e in pic.edges if e.gradient), name


def test_each_step_has_its_panel_and_its_row_of_the_table():
    g = Graph.mlp([2, 3, 1])
    inputs = example_data(g, 4)
    page = to_html(trace(g, inputs, values=True))
    shown = panels(page)
    assert sorted(shown) == list(range(LAST + 1))
    assert f'data-last="{LAST}"' in page
    assert "δ² = dJ/dz² = dJ/da² ⊙ σ′(z²)" in shown[12] and "(4×3)⊙(4×3) → 4×3" in shown[12]
    assert "arrives at z²" in shown[12] and "W¹ ← W¹ − 0.1·dJ/dW¹" in shown[16]
    # the matrix shown with δ² is the engine's dJ/dz², computed here again without the tracer
    g.forward(**inputs)
    delta2 = g.backward()["z2"]
    assert delta2.shape == (4, 3)
    for v in delta2.ravel():
        assert f"{v:.4f}" in shown[12]
    row = r'<tr data-at="(\d+)"[^>]*><td>\d+</td><td>\w+</td><td>([^<]*)</td>'
    rows = {text: at for at, text in re.findall(row, page)}
    assert rows["δ³ = dJ/dz³"] == "7" and rows["δ² = dJ/dz²"] == "12" and rows["z²"] == "2"


def test_the_lecture_example_shows_its_numbers():
    g, inputs, lr = lecture_example()
    page = to_html(trace(g, inputs, lr=lr, values=True))
    assert "0.3510 0.3610" in panels(page)[1]  # z² = (0.351, 0.361), docs/NETWORK.md


def test_two_conventions_step_together_side_by_side():
    rows, columns = Graph.mlp([2, 3, 1]), Graph.mlp([2, 3, 1], convention="columns")
    page = to_html(Comparison(trace(rows, example_data(rows, 4)), trace(columns, example_data(columns, 4))))
    left, right = (edges(s) for s in svgs(page))
    assert (left[("z2", "a2")]["grad"], left[("z2", "a2")]["grad_on"]) == ("δ²  4×3", "12")
    assert (right[("z2", "a2")]["grad"], right[("z2", "a2")]["grad_on"]) == ("δ²  3×4", "12")
    assert (right[("W1", "W1X")]["grad"], right[("W1", "W1X")]["grad_on"]) == ("dJ/dW¹  3×2", "15")
    assert right[("X", "W1X")]["value"] == "X  2×4"
    assert "rows: z = X·W + b" in page and "columns: z = W·X + b" in page


def test_symbolic_walks_show_symbols():
    g = Graph.mlp([2, 3, 1], allocate=False)
    (svg,) = svgs(to_html(trace(g)))
    assert edges(svg)[("z2", "a2")]["grad"] == "δ²  k×3" and edges(svg)[("X", "XW1")]["value"] == "X  k×2"
    shapes, _ = layer_size_symbols(g)
    (svg,) = svgs(to_html(trace(g, shapes=shapes)))
    assert edges(svg)[("W1", "XW1")]["grad"] == "dJ/dW¹  m¹×m²"
    assert "Shapes only: no numbers flow" in to_html(trace(g))  # the last panel says so


def test_names_are_escaped_and_parse_back():
    g, data = hand_built()
    page = to_html(trace(g, data))
    (svg,) = svgs(page)
    assert 'W"<&>' in nodes(svg)  # the attribute, read back by an XML parser, is the name itself
    assert 'W"<&>' not in page    # and never raw in the page


def test_two_steppers_on_one_page_have_their_own_ids():
    walk = default_walk(False)
    a, b = fragment(walk), fragment(walk)
    ids = [re.search(r'class="gw-root[^"]*" id="([^"]+)"', x).group(1) for x in (a, b)]
    assert ids[0] != ids[1] and f'getElementById("{ids[0]}")' in a
    assert re.findall(r'marker id="([^"]+)"', a)[0].startswith(ids[0])


def test_write_html_writes_the_page_and_refuses_nonsense(tmp_path):
    walk = default_walk(False)
    path = tmp_path / "walk.html"
    assert write_html(walk, path) == str(path)
    assert path.read_text(encoding="utf-8") == to_html(walk)
    with pytest.raises(ValueError, match="file name"):
        write_html(walk, " ")
    with pytest.raises(ValueError, match="rankdir"):
        to_html(walk, rankdir="XY")
    with pytest.raises(TypeError, match="Walkthrough"):
        to_html(42)
    assert [p.name for p in tmp_path.iterdir()] == ["walk.html"]  # no temporary file left


# --- the command line -----------------------------------------------------------------------------

def trace_command(folder, *options: str, limit: bool = False):
    """python -m gates.trace, in `folder`; limit: under `ulimit -f 1` (files stop at 1 KiB)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = ("ulimit -f 1; " if limit else "") + f'"{sys.executable}" -m gates.trace '
    command += " ".join(f"'{o}'" for o in options)
    return subprocess.run(["bash", "-c", command], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_command_line_writes_the_page_and_still_prints_the_walkthrough(tmp_path):
    done = trace_command(tmp_path, "--html", "walk.html", "--format", "plain")
    assert done.returncode == 0, done.stderr
    assert "Backward pass" in done.stdout
    assert done.stderr == "python -m gates.trace: walkthrough written to walk.html: open it in a browser\n"
    page = (tmp_path / "walk.html").read_text(encoding="utf-8")
    (svg,) = svgs(page)
    assert edges(svg)[("z2", "a2")]["grad"] == "δ²  4×3"
    assert "0.2989" in panels(page)[12]  # a small network: its matrices are in the panels


@pytest.mark.parametrize("options,said", [
    (("--html", "walk.txt"), "needs a file name ending in .html"),
    (("--rankdir", "LR"), "--rankdir chooses how --diagram and --html draw the graph"),
    (("--quiz", "--html", "walk.html"), "drop --html"),
    (("--html", "missing/walk.html"), "cannot write missing/walk.html: No such file or directory"),
])
def test_the_command_line_refuses_in_one_line(tmp_path, options, said):
    done = trace_command(tmp_path, *options)
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and said in done.stderr


def test_a_page_that_cannot_be_written_leaves_the_old_one(tmp_path):
    (tmp_path / "walk.html").write_text("the good page\n")
    done = trace_command(tmp_path, "--html", "walk.html", "--format", "plain", limit=True)
    assert done.returncode == 2 and done.stdout == "" and "File too large" in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert (tmp_path / "walk.html").read_text() == "the good page\n"
    assert [p.name for p in tmp_path.iterdir()] == ["walk.html"]  # no temporary file left


# --- in a real browser ----------------------------------------------------------------------------

def _browser_missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return 'selenium is not installed (pip install -e ".[browser]")'
    for program in ("chromium", "chromedriver"):
        if shutil.which(program) is None:
            return f"{program} is not installed (apt-get install chromium chromium-driver)"
    return None


@pytest.fixture(scope="module")
def browser():
    reason = _browser_missing()
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = shutil.which("chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                     "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",  # a 1280×720 projector
                           {"width": 1280, "height": 720, "deviceScaleFactor": 1, "mobile": False})
    yield driver
    driver.quit()


def _open(browser, tmp_path, walk, name="walk.html"):
    path = tmp_path / name
    write_html(walk, path)
    browser.get(path.as_uri())
    return browser


def _state(browser) -> dict:
    from selenium.webdriver.common.by import By

    def names(selector):
        return [e.get_attribute("data-name") for e in browser.find_elements(By.CSS_SELECTOR, selector)]

    current = [(e.find_element(By.XPATH, "..").get_attribute("data-source"),
                e.find_element(By.XPATH, "..").get_attribute("data-target"), e.text)
               for e in browser.find_elements(By.CSS_SELECTOR, ".gw-grad.gw-now")]
    shown = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".gw-grad-label") if e.is_displayed()]
    panel = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".gw-panel") if e.is_displayed()]
    rows = [e.get_attribute("data-at") for e in browser.find_elements(By.CSS_SELECTOR, "tr.gw-now")]
    count = browser.find_element(By.CSS_SELECTOR, ".gw-count").text
    return {"now": names(".gw-node.gw-now"), "arrive": names(".gw-node.gw-arrive"), "current": current,
            "shown": shown, "panel": panel, "rows": rows, "count": count}


def _press(browser, key, times=1):
    from selenium.webdriver.common.by import By
    body = browser.find_element(By.TAG_NAME, "body")
    for _ in range(times):
        body.send_keys(key)


def test_stepping_forward_backward_and_back_in_a_browser(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _open(browser, tmp_path, default_walk())
    start = _state(browser)
    assert start["count"] == f"step 0 of {LAST}" and start["shown"] == [] and start["now"] == []
    _press(browser, Keys.ARROW_RIGHT, 1)
    one = _state(browser)
    assert one["now"] == ["XW1"] and one["rows"] == ["1"] and "XW¹ = X·W¹" in one["panel"][0]
    assert "(4×2)·(2×3) → 4×3" in one["panel"][0]
    _press(browser, Keys.ARROW_RIGHT, 6)  # step 7: δ³ 4×1 arrives at z³, along the edge z³ → J
    seven = _state(browser)
    assert seven["count"] == f"step 7 of {LAST}"
    assert seven["now"] == ["J"] and seven["arrive"] == ["z3"]
    assert seven["current"] == [("z3", "J", "δ³ 4×1")] and seven["shown"] == ["δ³ 4×1"]
    assert "δ³ = dJ/dz³" in seven["panel"][0] and seven["rows"] == ["7"]
    _press(browser, Keys.ARROW_RIGHT, 5)  # step 12: δ² 4×3 arrives at z², along the edge z² → a²
    twelve = _state(browser)
    assert twelve["now"] == ["a2"] and twelve["arrive"] == ["z2"]
    assert twelve["current"] == [("z2", "a2", "δ² 4×3")]
    assert sorted(twelve["shown"]) == sorted(["δ³ 4×1", "dJ/db² 1×1", "δ³ 4×1", "dJ/dW² 3×1",
                                              "dJ/da² 4×3", "δ² 4×3"])
    assert "(4×3)⊙(4×3) → 4×3" in twelve["panel"][0]
    _press(browser, Keys.ARROW_LEFT, 5)  # and back: step 7 again, δ² gone
    assert _state(browser) == seven
    browser.find_element(By.CSS_SELECTOR, "[data-go=last]").click()
    end = _state(browser)
    assert end["count"] == f"step {LAST} of {LAST}" and "J = " in end["panel"][0] and len(end["shown"]) == 9
    browser.find_element(By.CSS_SELECTOR, "[data-go=first]").click()
    assert _state(browser) == start
    browser.find_element(By.XPATH, "//tr[@data-at='12']").click()  # a row of the table jumps there
    assert _state(browser) == twelve
    # nothing was fetched from anywhere, and the script raised nothing
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def test_the_page_fits_a_projector_and_can_be_looked_at(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _open(browser, tmp_path, default_walk())
    _press(browser, Keys.ARROW_RIGHT, 12)
    picture_box = browser.find_element(By.CSS_SELECTOR, ".gw-figure svg").rect
    panel_box = next(e for e in browser.find_elements(By.CSS_SELECTOR, ".gw-panel") if e.is_displayed()).rect
    # the whole picture and the current panel are on the 1280×720 screen without scrolling
    assert picture_box["y"] + picture_box["height"] <= 720 and picture_box["x"] + picture_box["width"] <= 1280
    assert panel_box["x"] + panel_box["width"] <= 1280 and panel_box["y"] < 720
    shot = tmp_path / "walkthrough.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000


def test_two_conventions_in_a_browser(browser, tmp_path):
    from selenium.webdriver.common.keys import Keys

    rows, columns = Graph.mlp([2, 3, 1]), Graph.mlp([2, 3, 1], convention="columns")
    comparison = Comparison(trace(rows, example_data(rows, 4), values=True),
                            trace(columns, example_data(columns, 4), values=True))
    _open(browser, tmp_path, comparison, "compare.html")
    _press(browser, Keys.ARROW_RIGHT, 12)
    state = _state(browser)
    assert state["arrive"] == ["z2", "z2"]
    assert state["current"] == [("z2", "a2", "δ² 4×3"), ("z2", "a2", "δ² 3×4")]
    assert len(state["panel"]) == 1 and "(3×4)⊙(3×4) → 3×4" in state["panel"][0]


def test_two_steppers_on_one_page_step_on_their_own(browser, tmp_path):
    """As two outputs of a notebook: each has its own buttons, and keys only once it has the focus."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    walk = default_walk(False)
    path = tmp_path / "two.html"
    path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{fragment(walk)}"
                    f"{fragment(walk)}</body></html>", encoding="utf-8")
    browser.get(path.as_uri())
    first, second = browser.find_elements(By.CSS_SELECTOR, ".gw-root")
    second.find_element(By.CSS_SELECTOR, "[data-go=next]").click()
    second.send_keys(Keys.ARROW_RIGHT)  # the stepper has the focus after a click
    steps = [root.get_attribute("data-step") for root in (first, second)]
    assert steps == ["0", "2"]
    _press(browser, Keys.ARROW_RIGHT)  # the page's body: neither stepper has the focus
    assert [root.get_attribute("data-step") for root in (first, second)] == ["0", "2"]


def test_a_tall_network_keeps_the_current_panel_on_the_screen(browser, tmp_path):
    """LeNet's picture is taller than a projector: as the step scrolls the picture to the gate
    at work, the panel with its formula and shapes stays in view (it is sticky)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from graph import Graph
    from graph.walkthrough import trace
    walk = trace(Graph.from_spec("lenet", (1, 32, 32), allocate=False), None)
    _open(browser, tmp_path, walk, "lenet.html")
    for step in (5, 19, 25):
        _press(browser, Keys.ARROW_RIGHT, step - int(_state(browser)["count"].split()[1]))
        panel = next(e for e in browser.find_elements(By.CSS_SELECTOR, ".gw-panel") if e.is_displayed())
        top = browser.execute_script("return arguments[0].getBoundingClientRect().top;", panel)
        assert 0 <= top < 720 - 100, f"step {step}: the panel starts at {top}"
