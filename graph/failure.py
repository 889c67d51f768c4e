"""A failed run, shown: the events recorded before the failure, the failing gate marked, and the
gates that were never reached, so the user sees how far the data got.

    try:
        g.forward(X=X, y=y)
    except ShapeError as error:
        print(format_failure(error, g))     # plain text, for logs and graders
        print_failure(error, g)             # the same as a rich table, in a terminal

A ShapeError's own text stays one paragraph; the events it carries (`error.events`, in the JSON
form of graph.tracer) are rendered here. rich is imported only by the rich renderers.
"""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np

from gates.shapes import ShapeError, format_shape

from .engine import backward_steps
from .tracer import backward_event, forward_event, symbolic_events

PASSED, FAILED, NOT_REACHED = "✓", "✗", "·"


def events_until(graph, failing: str | None, phase: str = "backward") -> list[dict[str, Any]]:
    """The events of a run that failed at node `failing` in `phase`: forward, the gates before
    it; backward, every forward step (all of them ran) and the backward steps of the gates
    after it, which backward visits first."""
    values = graph.values
    events = []
    for node in graph.gate_nodes:
        if phase == "forward" and node.name == failing:
            return events
        if node.name not in values:
            break
        shapes = [np.shape(values[i]) for i in node.inputs]
        events.append(forward_event(graph, node, shapes, np.shape(values[node.name])))
    if phase == "forward":
        return events
    for node, targets in backward_steps(graph):
        if node.name == failing:
            break
        shapes = [np.shape(values[i]) for i in node.inputs]
        for i, _, accumulated in targets:
            events.append(backward_event(graph, node, i, shapes, np.shape(values[node.name]),
                                         accumulated))
    return events


def _step_row(event: dict) -> tuple[str, str, str, str]:
    """(gate, what, arithmetic, note) for one recorded event."""
    if event["phase"] == "forward":
        what = f"{event['label']} = {event['formula']}"
        return event["gate"], what, event["arithmetic"], event.get("note") or ""
    if event["phase"] == "backward":
        return (f"{event['gate']} ←", f"{event['label']} = {event['formula']}",
                event["arithmetic"], "accumulated" if event.get("accumulated") else "")
    step = f"{format_shape(event.get('shape'))} − λ·{format_shape(event.get('grad_shape'))}"
    return "update", event.get("label", event.get("param", "")), step, ""


def _phase_of(error: ShapeError, graph=None) -> str:
    """build: the graph refused the node when it was added (it is not in the graph);
    backward: the node's forward step was recorded, so forward got past it; else forward."""
    if graph is not None and error.node and error.node not in graph.nodes:
        return "build"
    done = {e.get("output") for e in error.events if e["phase"] == "forward"}
    return "backward" if error.node in done else "forward"


def _recorded(error: ShapeError, graph) -> list[dict[str, Any]]:
    """The steps before the failure; at build time, the symbolic wiring of the gates so far."""
    if _phase_of(error, graph) == "build" and not error.events:
        return [e for e in symbolic_events(graph) if e["phase"] == "forward"]
    return list(error.events)


def _failing_row(error: ShapeError, graph) -> tuple[str, str, str, str]:
    """The marked row: the failing gate, what it computes, and what went wrong."""
    what = error.label or error.node or ""
    node = graph.nodes.get(error.node) if graph is not None and error.node else None
    if node is not None and node.gate is not None:
        what = f"{node.label} = {node.gate.formula()}"
    operands = ", ".join(f"{name} {format_shape(shape)}" for name, shape in error.operands)
    gate = error.gate or "?"
    if _phase_of(error, graph) == "backward":
        gate += " ←"
    return gate, what, operands, ""


def _not_reached(error: ShapeError, graph) -> list[tuple[str, str, str, str]]:
    """The gates after the failing one, in the order the failed phase would have visited them."""
    if graph is None or error.node not in graph.nodes:
        return []
    order = list(graph.gate_nodes)
    backward = _phase_of(error, graph) == "backward"
    if backward:
        order.reverse()
    names = [n.name for n in order]
    if error.node in names:
        rest = order[names.index(error.node) + 1:]
    elif error.gate == "input" and not backward:
        rest = order  # an input was refused: no gate ran
    else:
        return []
    arrow = " ←" if backward else ""
    return [(f"{n.gate.kind}{arrow}", f"{n.label} = {n.gate.formula()}", "not reached", "")
            for n in rest]


def failure_rows(error: ShapeError, graph=None) -> list[tuple[str, str, str, str, str]]:
    """(mark, gate, what, shapes, note) for each step: done ✓, failing ✗, not reached ·."""
    rows = [(PASSED, *_step_row(e)) for e in _recorded(error, graph)]
    rows.append((FAILED, *_failing_row(error, graph)))
    rows += [(NOT_REACHED, *row) for row in _not_reached(error, graph)]
    return rows


def _headline(error: ShapeError, graph) -> str:
    phase = _phase_of(error, graph)
    where = f"{error.gate or 'a gate'} {error.label or error.node or ''}".strip()
    if phase == "build":
        return (f"the graph refused {where} when it was added (batch symbolic, no data has "
                f"flowed); the wiring so far:")
    done = sum(1 for e in error.events if e["phase"] == phase)
    if graph is None and not error.events:
        return f"{where} failed:"  # a gate used on its own: there is no run to show
    if phase == "backward":
        return f"backward failed at {where}, after {done} backward steps (forward completed):"
    if error.gate == "input":
        return f"forward failed at {where}, before any gate ran:"
    total = f" of {len(graph.gate_nodes)}" if graph is not None else ""
    return f"forward failed at {where}, after {done}{total} gates:"


def format_failure(error: ShapeError, graph=None, width: int = 100) -> str:
    """The failed run as plain text: a headline, one line per step with the failing gate marked
    ✗ and followed by the error, then the gates never reached (when the graph is given)."""
    rows = failure_rows(error, graph)
    widths = [max(len(row[i]) for row in rows) for i in range(1, 4)]
    lines = [_headline(error, graph)]
    for mark, gate, what, shapes, note in rows:
        cells = [gate.ljust(widths[0]), what.ljust(widths[1]), shapes.ljust(widths[2])]
        lines.append(f"  {mark} {'  '.join(cells)}  {note}".rstrip())
        if mark == FAILED:
            lines += textwrap.wrap(str(error), width, initial_indent="      ",
                                   subsequent_indent="      ")
    return "\n".join(lines)


def failure_table(error: ShapeError, graph=None):
    """The failed run as rich renderables: the steps as a table, then the error in a panel
    (rich imported here, only when rendering)."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    # Text, not markup: a formula or an index such as [2, 1] must print as written.
    table = Table(title=Text(_headline(error, graph)), title_justify="left", show_edge=False)
    for column in ("", "gate", "computes", "shapes", "note"):
        table.add_column(column)
    styles = {PASSED: "green", FAILED: "bold red", NOT_REACHED: "dim"}
    for row in failure_rows(error, graph):
        table.add_row(*(Text(cell) for cell in row), style=styles[row[0]])
    title = Text(f"✗ {error.gate or ''} {error.label or ''}".strip())
    return Group(table, Panel(Text(str(error)), title=title, title_align="left",
                              border_style="red"))


def print_failure(error: ShapeError, graph=None, console=None) -> None:
    """Print the failed run with rich (to standard error unless a console is given)."""
    from rich.console import Console

    (console or Console(stderr=True)).print(failure_table(error, graph))


__all__ = ["events_until", "failure_rows", "failure_table", "format_failure", "print_failure"]
