"""The words a gate prints, as data: templates filled with its operands' labels or shapes.

A gate states its words once, in the notation of NETWORK.md:

    Words(formula="{A}·{B}",                       # labels:  X·W¹
          arithmetic="({A})·({B}) → {out}",         # shapes:  (4×2)·(2×3) → 4×3
          local_diff=("· {B:T}", "{A:T} ·"),        # one per input: · W¹ᵀ and Xᵀ ·
          ...)

Fields are named after the gate's inputs. In formula, local_diff and grad_formula they hold
labels (X, W¹, a²W²); in arithmetic and grad_arithmetic they hold shapes (4×3), `out` is the
output's shape and `top` is top_diff's label or shape. `{B:T}` writes the transpose: W¹ᵀ,
(a²W²)ᵀ for a label, 3×2 for a shape of 2×3. A gate may add fields of its own (`word_fields`).
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from .notation import transposed
from .shapes import format_shape, transpose


@dataclass(frozen=True)
class Words:
    """Templates for what the tracer prints about one gate; None falls back to a plain default.

    formula         how the output is made, e.g. "{A}·{B}"
    arithmetic      the forward shape arithmetic, e.g. "({A})·({B}) → {out}"
    local_diff      per input: what top_diff is multiplied by, e.g. "· {B:T}"
    grad_formula    per input: the gradient as an expression in {top}; default "{top} " + local_diff
    grad_arithmetic per input: the backward shape arithmetic, e.g. "({top})·({B:T}) → {A}"
    rule            the gate's rule in one sentence, for teaching
    """

    formula: str | None = None
    arithmetic: str | None = None
    local_diff: tuple[str, ...] | None = None
    grad_formula: tuple[str, ...] | None = None
    grad_arithmetic: tuple[str, ...] | None = None
    rule: str = "Each gradient is top_diff × local_diff."


class _Filler(string.Formatter):
    """str.format, plus ":T" for a transpose, and shapes (tuples) written as 4×3."""

    def format_field(self, value, format_spec: str) -> str:
        if isinstance(value, tuple):
            return format_shape(transpose(value) if format_spec == "T" else value)
        if format_spec == "T":
            return transposed(str(value))
        return super().format_field(value, format_spec)


_FILLER = _Filler()


def fill(template: str, operands: tuple, fields: dict) -> str:
    """The template filled in: {0}, {1} or the inputs' names for the operands, and the fields."""
    return _FILLER.vformat(template, operands, fields)


def elementwise_words(symbol: str, derivative: str, kind: str) -> Words:
    """The words of an activation applied to each element, e.g. σ and σ′."""
    return Words(
        formula=f"{symbol}({{z}})",
        arithmetic=f"{symbol}({{z}}) → {{out}}, elementwise",
        local_diff=(f"⊙ {derivative}({{z}})",),
        grad_arithmetic=("({top})⊙({z}) → {z}",),
        rule=(f"{kind} is elementwise: dJ/dz = top_diff ⊙ {derivative}(z), an elementwise "
              f"product, not a matrix product, so the shape does not change."))


def loss_words(formula: str, local_diff: tuple[str, str], rule: str) -> Words:
    """The words of a loss (ŷ, y) → J: the gradient is the local derivative itself (top is 1)."""
    return Words(formula=formula, arithmetic="({0}), ({1}) → scalar", local_diff=local_diff,
                 grad_formula=local_diff, grad_arithmetic=("scalar → {0}", "scalar → {1}"),
                 rule=rule)
