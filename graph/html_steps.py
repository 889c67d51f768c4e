"""The steps of the HTML stepper: what each shows, in words made by the tracer and the gates.

Step 0 is the network before anything runs; then one step per forward gate, one per gradient in
backprop's order, one per parameter update, and a last step with the loss before and after.
Each step has a panel (the row of the walkthrough: formula, shape arithmetic, note, the matrices
when they are small) and a row of the table below the picture. Formatting only: every string
comes from the events (graph.tracer) and the shared renderers (graph.render_model).
"""

from __future__ import annotations

from dataclasses import dataclass

from gates.notation import grad_label
from gates.shapes import format_shape

from .html_svg import Timeline, esc
from .render_model import matrix_lines, number

MAX_SIDE = 8   # a matrix is printed in a panel when no side is longer (as --values)


@dataclass
class Step:
    """One press of Next: its number, its phase and the event it shows (None: start, loss)."""

    number: int
    phase: str            # "start", "forward", "backward", "update" or "loss"
    event: dict | None = None
    index: int = 0        # position within its phase
    total: int = 0        # events in its phase


def steps(walk) -> list[Step]:
    """Start, every forward, backward and update event in order, then the loss."""
    found = [Step(0, "start")]
    for phase in ("forward", "backward", "update"):
        events = getattr(walk, phase)
        found += [Step(len(found) + i, phase, e, i, len(events)) for i, e in enumerate(events)]
    found.append(Step(len(found), "loss"))
    return found


def timeline(walk, backward_order: list[int] | None = None) -> Timeline:
    """When each node and edge of the walk's picture shows and works (graph.html_svg).

    backward_order: the step of each backward event, when they are shown in another order
    (the columns twin of a comparison follows its rows walk); by default their own order.
    """
    forward, backward = len(walk.forward), len(walk.backward)
    order = backward_order or [1 + forward + j for j in range(backward)]
    t = Timeline()
    for i, e in enumerate(walk.forward):
        t.made[e["output"]] = 1 + i
        t.works.setdefault(e["output"], []).append(1 + i)
        for k in range(len(e["inputs"])):
            t.flows[(e["output"], k)] = 1 + i
    for j, e in enumerate(walk.backward):
        t.works.setdefault(e["node"], []).append(order[j])
        t.arrives.setdefault(e["grad_of"], []).append(order[j])
        t.back[(e["node"], e["input"])] = order[j]
    for u, e in enumerate(walk.update):
        t.works.setdefault(e["param"], []).append(1 + forward + backward + u)
    return t


# --- the panels ----------------------------------------------------------------------------------

def _small(value) -> bool:
    """A matrix (or vector, or number) with no side above MAX_SIDE: printed in its panel.
    Tensors of images (k×C×H×W) are left to the shapes."""
    shape = getattr(value, "shape", ())
    return value is not None and len(shape) <= 2 and all(side <= MAX_SIDE for side in shape)


def _matrix(name: str, value, op: str = "") -> str:
    """A named matrix in a figure: the name above, the numbers aligned below."""
    lines = "\n".join(matrix_lines(value))
    return (f'<figure class="gw-matrix"><figcaption>{esc(name)}</figcaption><pre>{esc(lines)}</pre></figure>'
            + (f'<span class="gw-op">{esc(op)}</span>' if op else ""))


def _values(walk) -> dict[str, object]:
    """Every recorded matrix by name: inputs and parameters before the step, forward outputs."""
    found = dict(getattr(walk, "values", {}) or {})
    found.update({e["output"]: e["value"] for e in walk.forward if "value" in e})
    return found


def _gradients(walk) -> dict[str, object]:
    return {e["grad_of"]: e["value"] for e in walk.backward if "value" in e}


def _matrices(items: list[tuple[str, object, str]]) -> str:
    if not items or not all(_small(v) for _, v, _ in items):
        return ""
    return '<div class="gw-matrices">' + "".join(_matrix(*item) for item in items) + "</div>"


def _lines(*pairs: tuple[str, str | None]) -> str:
    return "".join(f'<div class="{cls}">{esc(text)}</div>' for cls, text in pairs if text)


def _operator(event: dict) -> str:
    """What stands between two operands in the gate's formula: "·" in X·W¹, "+" in XW¹ + b¹;
    a comma when the formula is not "A op B" (mean((z³ − y)²))."""
    labels = [i["label"] for i in event["inputs"]]
    formula = event["formula"]
    if len(labels) == 2 and formula.startswith(labels[0]) and formula.endswith(labels[1]):
        middle = formula[len(labels[0]):len(formula) - len(labels[1])].strip()
        if 0 < len(middle) <= 2:
            return middle
    return ","


def forward_panel(walk, step: Step) -> str:
    e = step.event
    values = _values(walk)
    between = _operator(e)
    items = [(i["label"], values.get(i["name"]), "→" if k == len(e["inputs"]) - 1 else between)
             for k, i in enumerate(e["inputs"])]
    items.append((e["label"], values.get(e["output"]), ""))
    head = f"Forward · gate {step.index + 1} of {step.total} · {e['gate']}"
    return (_lines(("gw-phase", head), ("gw-formula", f"{e['label']} = {e['formula']}"),
                   ("gw-shape", e["arithmetic"]), ("gw-note", e.get("note")))
            + _matrices(items) + _lines(("gw-rule", e.get("explain"))))


def backward_panel(walk, step: Step) -> str:
    e = step.event
    top = e["top_diff"]
    target = next((i["label"] for f in walk.forward for i in f["inputs"] if i["name"] == e["grad_of"]),
                  e["grad_of"])
    flow = f"top_diff = {top['label']} ({format_shape(top['shape'])}); local_diff: {e['local_diff']}"
    arrives = (f"arrives at {target}: {e['label']} is {format_shape(e['shape'])}, the shape of {target}"
               + ("; added to the gradient already there" if e.get("accumulated") else ""))
    grads = _gradients(walk)
    top_value = grads.get(top["name"])
    items = [(top["label"], top_value, "→")] if top_value is not None else []
    items.append((e["label"], e.get("value"), ""))
    head = f"Backward · gradient {step.index + 1} of {step.total} · {e['gate']} sends it back"
    return (_lines(("gw-phase", head), ("gw-formula gw-back", f"{e['label']} = {e['formula']}"),
                   ("gw-shape", e["arithmetic"]), ("gw-note", flow), ("gw-arrive-line", arrives))
            + (_matrices(items) if e.get("value") is not None else "")
            + _lines(("gw-rule", e.get("explain"))))


def update_panel(walk, step: Step) -> str:
    e = step.event
    label, lr = e["label"], e.get("lr")
    rate = "λ" if lr is None else f"{lr:g}"
    same = list(e["shape"]) == list(e["grad_shape"])
    shapes = (f"{format_shape(e['shape'])} − {rate}·({format_shape(e['grad_shape'])}) → "
              f"{format_shape(e['shape'])}: " + ("the gradient has its parameter's shape" if same
                                                 else "SHAPES DIFFER"))
    before, gradient = _values(walk).get(e["param"]), _gradients(walk).get(e["param"])
    items = ([(f"{label} before", before, f"− {rate} ·"), (grad_label(label), gradient, "="),
              (f"{label} after", e.get("value"), "")] if e.get("value") is not None else [])
    head = f"Update · parameter {step.index + 1} of {step.total}"
    return (_lines(("gw-phase", head), ("gw-formula", f"{label} ← {label} − {rate}·{grad_label(label)}"),
                   ("gw-shape", shapes)) + _matrices(items))


def loss_panel(walk) -> str:
    if walk.loss is None:
        return _lines(("gw-phase", "The end of the step"),
                      ("gw-formula", "Shapes only: no numbers flow in the symbolic walkthrough"),
                      ("gw-note", "Every gradient came back with the shape of what it differentiates."))
    after = ""
    if walk.loss_after is not None:
        after = f"J after one step = {number(walk.loss_after)} ({walk.loss_after - walk.loss:+.3g})"
    return _lines(("gw-phase", "The loss around the step"), ("gw-formula", f"J = {number(walk.loss)}"),
                  ("gw-shape", after), ("gw-note", "One step of gradient descent: forward, backward, "
                                                   "update. Press ← to go back through it."))


def start_panel(walk) -> str:
    f, b, u = len(walk.forward), len(walk.backward), len(walk.update)
    return _lines(("gw-phase", "Before the step"),
                  ("gw-formula", "Press → (or Next) to run the network gate by gate"),
                  ("gw-note", f"{f} gates forward, {b} gradients backward (each top_diff × local_diff, "
                              f"in the backward colour), {u} parameters updated."),
                  ("gw-rule", "Keys: → or Space next, ← back, Home the start, End the loss. "
                              "Click a row of the table to jump to it."))


PANELS = {"forward": forward_panel, "backward": backward_panel, "update": update_panel}


def panel(walk, step: Step) -> str:
    """The HTML of one step's panel for one walkthrough."""
    if step.phase == "start":
        return start_panel(walk)
    if step.phase == "loss":
        return loss_panel(walk)
    return PANELS[step.phase](walk, step)


__all__ = ["MAX_SIDE", "PANELS", "Step", "panel", "steps", "timeline"]
