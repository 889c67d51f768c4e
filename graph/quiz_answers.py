"""Reading a student's answer to "what is the shape of ...?": "4x3", "4×3", "(4, 3)", "k×3".

Used by the quiz (graph.quiz) and the labs. Any answer is survived: a word, a size of 5,000
digits, a line of 10 MB; it is read as a shape or refused as one, never an error.
"""

from __future__ import annotations

import re

from gates.notation import superscript
from gates.shapes import Shape

LONGEST_ANSWER = 200  # characters: no shape is longer; a longer answer is not read as one
LONGEST_SIZE = 18     # digits of one size: no array has more elements


def parse_shape(text: str) -> Shape | None:
    """A student's answer as a shape: "4x3", "4×3", "4 x 3", "(4, 3)", "k×3" → (4, 3) or ("k", 3);
    "scalar" or "()" → (); None when it does not read as a shape (a word, a size of more than
    18 digits, an answer longer than 200 characters)."""
    text = text.strip().lower()
    if len(text) > LONGEST_ANSWER:
        return None
    if text in ("scalar", "()", "( )", "[]"):
        return ()
    text = text.replace("×", "x").replace("*", "x").strip("()[] ")
    # x is a separator, never part of a symbol: a symbol is one letter, maybe with a layer
    # number (k, m¹, m2), so that words ("four by two") are not read as symbols.
    parts = [p for p in re.split(r"[x,\s]+", text) if p]
    size = f"[0-9]{{1,{LONGEST_SIZE}}}"
    if not parts or not all(re.fullmatch(rf"{size}|[a-z][0-9⁰¹²³⁴⁵⁶⁷⁸⁹]*", p) for p in parts):
        return None
    return tuple(int(p) if p.isdigit() else p for p in parts)


# A shape inside a sentence: "4x3", "4 × 3", "k×3" or "(4, 3)", the first one found.
_SIZE = r"(?:[0-9]{1,18}|k|m[0-9⁰¹²³⁴⁵⁶⁷⁸⁹]+)"
_SHAPE_IN_TEXT = re.compile(rf"(?<![\w\-−]){_SIZE}(?:\s*[x×*]\s*{_SIZE})+(?![\w])"
                            rf"|\(\s*{_SIZE}\s*(?:,\s*{_SIZE}\s*)*,?\s*\)")


def find_shape(text: str) -> Shape | None:
    """The shape a student's answer gives: the whole answer read as a shape, or else the first
    shape written in it, so "4x3, b¹ is copied to each row" gives (4, 3); None if there is none."""
    whole = parse_shape(text)
    if whole is not None or len(text) > 100_000:
        return whole
    found = _SHAPE_IN_TEXT.search(text.lower())
    return None if found is None else parse_shape(found.group(0))


def same_shape(answer: Shape, expected: Shape, symbols: dict[str, int] | None = None) -> bool:
    """Whether the answer is the expected shape; a symbol that `symbols` binds (k = 4, m¹ = 2)
    counts as its value, so k×3 is right where the batch is 4 and the shape 4×3."""
    bound = {str(name).lower(): value for name, value in (symbols or {}).items()}

    def norm(d) -> str:
        return str(bound.get(str(d).lower(), d)).lower()

    return tuple(map(norm, answer)) == tuple(map(norm, expected))


def answer_symbols(graph, symbols: dict[str, int]) -> dict[str, int]:
    """The symbols an answer may use: the bound batch (k = 4) and, for an mlp, each layer size
    as m¹ (or m1) = its size, the names the quiz's rules use."""
    found = dict(symbols)
    for l, size in enumerate(graph.meta.get("layers") or [], start=1):
        found[f"m{superscript(str(l))}"] = found[f"m{l}"] = size
    return found


def shown(answer: str, most: int = 40) -> str:
    """An answer as it is quoted back: whole when short, its start and its length when not."""
    if len(answer) <= most:
        return repr(answer)
    return f"{answer[:most]!r} [and {len(answer) - most:,} more characters]"


__all__ = ["LONGEST_ANSWER", "answer_symbols", "find_shape", "parse_shape", "same_shape", "shown"]
