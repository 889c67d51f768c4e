"""The walkthrough's stable JSON form (DESIGN.md, "The trace"), strict JSON.

Strict: the text never holds the NaN, Infinity or -Infinity tokens that Python's json module
writes by default and that JSON parsers (JavaScript, jq, Go) refuse. A number that is not finite
is written as the string "NaN", "Infinity" or "-Infinity"; Python's float() reads each back.

Walkthroughs and comparisons are duck-typed here (a comparison has .rows and .columns, a
walkthrough .forward, .backward, .update), so this module imports nothing of graph.walkthrough.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from .render_model import is_comparison

NON_FINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}


def _finite(value):
    """A float as JSON allows it: itself, or "NaN" / "Infinity" / "-Infinity"."""
    if math.isnan(value):
        return "NaN"
    return NON_FINITE.get(value, value)


def strict(value):
    """`value` with every array made a list and every non-finite float made a string."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, dict):
        return {key: strict(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return _finite(float(value))
    if isinstance(value, np.integer):
        return int(value)
    return value


def _clean(event: dict, *, explain: bool) -> dict:
    """An event as JSON: no phase (the key it sits under says it)."""
    return {key: value for key, value in event.items()
            if key != "phase" and (key != "explain" or explain)}


def to_json(obj, *, explain: bool = False) -> dict[str, Any]:
    """The stable JSON form of DESIGN.md ("The trace"); a Comparison gives {"rows", "columns"}."""
    if is_comparison(obj):
        return {"rows": to_json(obj.rows, explain=explain),
                "columns": to_json(obj.columns, explain=explain)}
    out: dict[str, Any] = {"network": dict(obj.network)}
    for phase in ("forward", "backward", "update"):
        out[phase] = [_clean(e, explain=explain) for e in getattr(obj, phase)]
    out["loss"] = obj.loss
    out["loss_after"] = obj.loss_after
    if obj.values:
        out["values"] = dict(obj.values)
    if obj.sizes:
        out["sizes"] = dict(obj.sizes)
    return strict(out)


def dump_json(value, indent: str = "") -> str:
    """Strict JSON text with one event per line: the walkthrough's objects spread out, each list
    of events one per line, everything else compact. Valid JSON, and readable in a diff."""
    inner = indent + "  "
    if _holds_records(value):
        items = [f"{inner}{json.dumps(k)}: {dump_json(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if _records(value):
        items = [inner + _compact(v) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    return _compact(value)


def _compact(value) -> str:
    return json.dumps(strict(value), ensure_ascii=False, allow_nan=False)


def _records(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _holds_records(value) -> bool:
    return isinstance(value, dict) and any(_records(v) or _holds_records(v) for v in value.values())


__all__ = ["dump_json", "strict", "to_json"]
