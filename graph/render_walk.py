"""A walkthrough (or two conventions side by side) as a Document: the sections every format prints.

Each cell is a string made of the events' own words (formula, arithmetic, local_diff...): the
tracer and the gates say everything, this module only arranges it. Walkthrough and Comparison
objects are duck-typed (see graph.walkthrough), so this module does not import that one.
"""

from __future__ import annotations

import math

from gates.notation import grad_label, superscript
from gates.shapes import format_shape

from .builders import CONVENTION_WORDS
from .render_model import Document, Row, Section, matrix_lines, number

# The stacked form of the walkthrough's tables: "#" alone, then gate, name and formula on one
# line, the shape arithmetic on the next, the note on a third.
GATE_LINES = ["{1}  {2} {3}", "{4}", "{5}"]


def network_title(network: dict) -> str:
    layers = network.get("layers")
    what = f"the {layers} network" if layers else "a hand-built graph"
    if network.get("spec"):
        image = "×".join(map(str, network.get("input_shape") or ()))
        what = f"a convolutional network on {image} images"
    if network.get("example"):
        what += f" ({network['example']})"
    return what


def _convention_facts(network: dict, conventions: bool) -> list[tuple[str, str]]:
    if conventions:
        return [(name, f"{formula}, {per}") for name, (formula, per) in CONVENTION_WORDS.items()]
    convention = network.get("convention", "rows")
    formula, _ = CONVENTION_WORDS.get(convention, (convention, ""))
    return [("convention", f"{convention}: {formula}")]


def facts(network: dict, *, conventions: bool = False) -> list[tuple[str, str]]:
    """The header: what network, which batch, activations, loss, convention, seed, λ."""
    out = []
    layers = network.get("layers")
    if network.get("spec"):
        out.append(("network", network["spec"]))
        out.append(("input", "×".join(map(str, network.get("input_shape") or ())) + " (C×H×W)"))
    if layers:
        sizes = ", ".join(f"m{superscript(str(l))} = {m}" for l, m in enumerate(layers, start=1))
        out.append(("network", f"{layers}: layer sizes {sizes}"))
    batch, convention = network.get("batch"), network.get("convention", "rows")
    if batch is not None:
        per = "" if conventions else f", {CONVENTION_WORDS[convention][1]}"
        per = ", one image per index of the first axis" if network.get("spec") else per
        count = "(symbolic: no data flows)" if isinstance(batch, str) else f"= {batch}"
        out.append(("batch", f"k {count}{per}"))
    if network.get("activation"):
        output = f"{network.get('output_activation')} (output)"
        if network.get("loss") == "cross_entropy":  # the graph has no softmax gate of its own
            output = "softmax (output, inside the cross_entropy loss)"
        out.append(("activation", f"{network['activation']} (hidden), {output}"))
    if network.get("loss"):
        out.append(("loss", network["loss"]))
    out += _convention_facts(network, conventions)
    if network.get("bias") is not None:
        out.append(("bias", "yes" if network["bias"] else "no"))
    if network.get("seed") is not None:
        out.append(("seed", str(network["seed"])))
    if network.get("lr") is not None:
        out.append(("learning rate", f"λ = {network['lr']}"))
    return out


def _explain_once(events: list[dict], i: int, key: str) -> str | None:
    """A gate's rule under the last of its rows (a mulGate makes two gradients, one rule)."""
    last = i + 1 == len(events) or events[i + 1][key] != events[i][key]
    return events[i].get("explain") if last else None


def _matrix(event: dict, values: bool) -> list[str]:
    return matrix_lines(event["value"]) if values and "value" in event else []


def forward_section(walk, *, explain: bool = False, values: bool = False) -> Section:
    rows = [Row([str(i + 1), e["gate"], e["label"], f"= {e['formula']}", e["arithmetic"],
                 e.get("note") or ""],
                explain=e.get("explain") if explain else None, matrix=_matrix(e, values))
            for i, e in enumerate(walk.forward)]
    return Section("Forward pass: one gate at a time, in execution order",
                   ["#", "gate", "value", "formula", "shape arithmetic", "note"], rows, narrow=GATE_LINES)


def backward_section(walk, *, explain: bool = False, values: bool = False) -> Section:
    events = walk.backward
    rows = [Row([str(i + 1), e["gate"], e["label"], f"= {e['formula']}", e["arithmetic"],
                 "added to the gradient already there" if e.get("accumulated") else ""],
                delta=e["label"].startswith("δ"), matrix=_matrix(e, values),
                explain=_explain_once(events, i, "node") if explain else None)
            for i, e in enumerate(events)]
    return Section("Backward pass: each gradient is top_diff × local_diff, in backprop's order",
                   ["#", "gate", "gradient", "top_diff × local_diff", "shape arithmetic", "note"], rows,
                   narrow=GATE_LINES)


def update_section(walk, *, values: bool = False) -> Section:
    lr = walk.network.get("lr")
    step = "λ" if lr is None else f"{lr}"
    rows = []
    for e in walk.update:
        label = e["label"]
        same = list(e["shape"]) == list(e["grad_shape"])
        rows.append(Row([label, f"{label} ← {label} − {step}·{grad_label(label)}",
                         format_shape(e["shape"]), format_shape(e["grad_shape"]),
                         "same shape" if same else "SHAPES DIFFER"], matrix=_matrix(e, values)))
    title = "Update: W ← W − λ·dJ/dW" + ("" if lr is None else f", λ = {lr}")
    return Section(title + "; each gradient has its parameter's shape",
                   ["parameter", "update", "shape", "gradient shape", "check"], rows,
                   narrow=["{1}", "{2}, gradient {3}: {4}"])


def loss_section(walk) -> Section:
    if walk.loss is None:
        return Section("Loss", [], [], after=["No numbers in the symbolic walkthrough: only shapes "
                                              "flow. Drop --symbolic to run data through."],
                       pauses=False)
    rows = [Row(["before the step", f"J = {number(walk.loss)}"])]
    after = []
    if walk.loss_after is not None:
        rows.append(Row(["after one step", f"J = {number(walk.loss_after)}  ({walk.loss_change:+.3g})"]))
        if not math.isfinite(walk.loss_after):
            after.append("The loss after the step is not a finite number: the step overshot. "
                         "Try a smaller learning rate λ.")
    return Section("Loss", ["", ""], rows, after=after, pauses=False)


def values_section(walk) -> Section:
    """The inputs and the parameters before the step, with their numbers (--values)."""
    params = {e["param"] for e in walk.update}
    rows = []
    for e in walk.forward:
        for source in e["inputs"]:
            name = source["name"]
            if name in walk.values and all(r.cells[0] != source["label"] for r in rows):
                role = "parameter" if name in params else "input"
                rows.append(Row([source["label"], role, format_shape(source["shape"])],
                                matrix=matrix_lines(walk.values[name])))
    return Section("Inputs and parameters before the step", ["name", "role", "shape"], rows,
                   pauses=False)


def walkthrough_document(walk, *, explain: bool = False, values: bool = False) -> Document:
    sections = []
    if values and walk.values:
        sections.append(values_section(walk))
    sections += [forward_section(walk, explain=explain, values=values),
                 backward_section(walk, explain=explain, values=values),
                 update_section(walk, values=values), loss_section(walk)]
    title = f"Backprop walkthrough: {network_title(walk.network)}"
    if walk.sizes:
        title += ", sizes as symbols"
    return Document(title, facts(walk.network), sections)


# --- two conventions side by side -------------------------------------------------------------

def _pair_rows(rows_events: list[dict], cols_events: list[dict], explain: bool) -> list[Row]:
    """One row per event of rows, beside its twin in columns (the same position)."""
    return [Row([str(i + 1), r["gate"], f"{r['label']} = {r['formula']}", r["arithmetic"],
                 f"{c['label']} = {c['formula']}", c["arithmetic"]],
                delta=r["label"].startswith("δ") and "grad_of" in r,
                explain=(_explain_once(rows_events, i, "node" if "grad_of" in r else "output")
                         if explain else None))
            for i, (r, c) in enumerate(zip(rows_events, cols_events))]


def comparison_document(comparison, *, explain: bool = False) -> Document:
    rows_walk, cols_walk = comparison.rows, comparison.columns
    renamed = {r["output"]: c["output"] for r, c in zip(rows_walk.forward, cols_walk.forward)}
    by_target = {e["grad_of"]: e for e in cols_walk.backward}
    cols_backward = [by_target[renamed.get(r["grad_of"], r["grad_of"])] for r in rows_walk.backward]
    cols_update = {e["param"]: e for e in cols_walk.update}
    update = [Row([r["label"], format_shape(r["shape"]), format_shape(cols_update[r["param"]]["shape"]),
                   "transposed" if r["shape"][::-1] == cols_update[r["param"]]["shape"] else "same"])
              for r in rows_walk.update]
    rows_words, cols_words = CONVENTION_WORDS["rows"][0], CONVENTION_WORDS["columns"][0]
    pair = ["rows", "shapes (rows)", "columns", "shapes (columns)"]
    side = dict(stack=[(2, 4), (3, 5)],
                narrow=["{1}", "rows     {2}", "         {3}", "columns  {4}", "         {5}"])
    sections = [
        Section(f"Forward pass: rows ({rows_words}) beside columns ({cols_words})", ["#", "gate", *pair],
                _pair_rows(rows_walk.forward, cols_walk.forward, explain), **side),
        Section("Backward pass: the same gradients, each the transpose of its twin", ["#", "gate", *pair],
                _pair_rows(rows_walk.backward, cols_backward, explain), **side),
        Section("Update: every parameter and its gradient keep their shape; the columns shape is "
                "the rows shape transposed", ["parameter", "shape (rows)", "shape (columns)", "relation"],
                update, narrow=["{0}", "{1} (rows), {2} (columns): {3}"],
                after=["z = W·X + b is (X·Wᵀ + bᵀ)ᵀ: the columns convention is the rows one "
                       "transposed, so every matrix, forward and backward, is transposed too."]),
    ]
    if rows_walk.loss is not None:
        sections.append(Section("Loss", ["", "rows", "columns"], [
            Row(["J before the step", number(rows_walk.loss), number(cols_walk.loss)]),
            Row(["J after one step", number(rows_walk.loss_after), number(cols_walk.loss_after)]),
        ], after=["The same numbers: the two conventions are one network written two ways."],
            pauses=False))
    title = f"Rows and columns conventions side by side: {network_title(rows_walk.network)}"
    return Document(title, facts(rows_walk.network, conventions=True), sections)


__all__ = ["comparison_document", "facts", "network_title", "walkthrough_document"]
