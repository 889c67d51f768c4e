"""Shape rules of the tensor gates (images k×C×H×W) and the sentences of their refusals.

A window slid over a size n with kernel kh, padding p and stride s fits

    n′ = (n + 2p − kh)/s + 1

times: a whole number ≥ 1, or the shapes do not fit. numpy and most libraries silently floor a
fraction (12.5 → 12) and never read the last row of pixels; here it is a ShapeError with the fix
(the padding or the input size that makes it whole). Rounding down is accepted only where the
rows it skips are padding (3×3, stride 2, padding 1 over 32: 16.5 → 16, a row of zeros unread).

Sizes are concrete (28) or symbolic ("H"). A symbolic size stays readable through the rule:
H → (H−4) (a 5×5 kernel) → (H−4)/2 (a 2×2 pool) → (H−12)/2 → (H−12)/4, each of the form
(S + offset)/divisor, so that a value of H turns every one into a number.
"""

from __future__ import annotations

import re
from fractions import Fraction
from math import prod

import numpy as np

from .shapes import Dim, Shape, ShapeError, format_shape

CONV_RULE = ("(k×C×H×W)∗(F×C×kh×kw) → k×F×H′×W′, H′ = (H + 2·padding − kh)/stride + 1 and W′ "
             "likewise, whole numbers ≥ 1 (rounded down only where the rows skipped are padding)")
POOL_RULE = "k×C×H×W → k×C×H′×W′, H′ = (H − size)/stride + 1 and W′ likewise, whole numbers ≥ 1"
AXES = {2: ("height", "H", "row"), 3: ("width", "W", "column")}

# A symbolic size this module writes: S, (S−4), S/2 or (S−4)/2, S a symbol such as H.
_LINEAR = re.compile(r"^(?:\((?P<a>[^()+−/·\s]+)(?P<ao>[+−]\d+)\)|(?P<b>[^()+−/·\s]+)(?P<bo>[+−]\d+)?)"
                     r"(?:/(?P<q>\d+))?$")


# --- sizes, concrete or symbolic ---------------------------------------------------------------

def _parse(size: str) -> tuple[str, int, int]:
    """"(H−4)/2" → ("H", −4, 2): size = (symbol + offset)/divisor. Any other text is one symbol."""
    found = _LINEAR.match(size)
    if not found:  # e.g. a product: kept whole, in parentheses
        return size if size.startswith("(") and size.find(")") == len(size) - 1 else f"({size})", 0, 1
    symbol = found["a"] or found["b"]
    offset = (found["ao"] or found["bo"] or "+0").replace("−", "-")
    return symbol, int(offset), int(found["q"] or 1)


def _linear(symbol: str, offset: int, divisor: int) -> str:
    """("H", −4, 2) → "(H−4)/2"; an offset is always in parentheses, so that k×6×(H−4)×(W−4) and
    16·(H−12)/4·(W−12)/4 read unambiguously."""
    body = symbol if offset == 0 else f"({symbol}{'+' if offset > 0 else '−'}{abs(offset)})"
    return body if divisor == 1 else f"{body}/{divisor}"


def window_count(n: Dim, kernel: int, stride: int, padding: int = 0) -> Dim | Fraction:
    """⌊(n + 2·padding − kernel)/stride⌋ + 1 windows, or the exact Fraction where that floor would
    skip pixels of the input itself (or where not even one window fits): the caller refuses it.

    The floor is harmless only when the rows it skips are padding: 3×3, stride 2, padding 1 over
    32 gives (32 + 2 − 3)/2 + 1 = 16.5 → 16 and loses one row of zeros, as every library does.
    A symbolic n gives the symbolic size, e.g. "(H−4)/2", taken to be whole.
    """
    if isinstance(n, str):
        symbol, offset, divisor = _parse(n)
        # (S + o)/q + 2p − kh, over s, plus 1 = (S + o + q·(2p − kh + s))/(q·s)
        return _linear(symbol, offset + divisor * (2 * padding - kernel + stride), divisor * stride)
    span = n + 2 * padding - kernel
    if span < 0 or span % stride > padding:
        return Fraction(span, stride) + 1
    return span // stride + 1


def product(sizes: Shape) -> Dim:
    """C·H·W: an int for concrete sizes; for symbolic ones the known sizes multiplied together,
    in the place of the first, e.g. k·576 or 16·(H−12)/4·(W−12)/4 (read left to right, which is
    the product of the fractions)."""
    known = prod(s for s in sizes if not isinstance(s, str))
    if all(not isinstance(s, str) for s in sizes):
        return known
    factors, placed = [], known == 1
    for size in sizes:
        if isinstance(size, str):
            factors.append(size)
        elif not placed:
            factors.append(str(known))
            placed = True
    return "·".join(factors)


def product_words(sizes: Shape) -> str:
    """16·4·4 = 256, the flattened size with its factors."""
    total = product(sizes)
    factors = "·".join(map(str, sizes))
    return factors if factors == str(total) or len(sizes) == 1 else f"{factors} = {total}"


# --- the rules -----------------------------------------------------------------------------------

def conv_shape(gate, x: Shape, k: Shape, stride: int, padding: int) -> Shape:
    """(k×C×H×W)∗(F×C×kh×kw) → k×F×H′×W′, or the ShapeError that says what to change."""
    x, k = tuple(x), tuple(k)
    if len(x) != 4 or len(k) != 4:
        raise _not_images(gate, x, k)
    if _known(x[1]) and _known(k[1]) and x[1] != k[1]:
        raise _channels(gate, x, k)
    return (x[0], k[0], *_fit(gate, (x, k), (k[2], k[3]), stride, padding))


def pool_shape(gate, x: Shape, size: int, stride: int) -> Shape:
    """k×C×H×W → k×C×H′×W′ with size×size windows, or the ShapeError that says what to change."""
    x = tuple(x)
    if len(x) != 4:
        problem = f"{gate.kind} slides a {size}×{size} window over images k×C×H×W (4 axes)."
        raise gate.shape_error(problem, (x,), POOL_RULE, _as_images(gate.input_labels[0], x, None))
    return (x[0], x[1], *_fit(gate, (x,), (size, size), stride, 0))


def flatten_shape(gate, x: Shape) -> Shape:
    """k×C×H×W (or any k×…) → k×(C·H·W): the batch axis is kept, the others joined."""
    x = tuple(x)
    if len(x) < 2:
        raise gate.shape_error("flatten keeps the batch axis and joins the others, so it needs "
                               "at least two axes.", (x,), "k×C×H×W → k×(C·H·W)")
    return (x[0], product(x[1:]))


def _known(size: Dim) -> bool:
    return not isinstance(size, str)


def _fit(gate, shapes: tuple, kernel: tuple, stride: int, padding: int) -> list[Dim]:
    """The output's height and width, or a ShapeError with the fix (one for both when square)."""
    x = shapes[0]
    sizes = []
    for axis, kernel_size in zip((2, 3), kernel):
        n = x[axis]
        if isinstance(kernel_size, str):
            sizes.append(f"({n}+2·{padding}−{kernel_size})/{stride}+1")
            continue
        count = window_count(n, kernel_size, stride, padding)
        if isinstance(count, Fraction):
            square = axis == 2 and x[2] == x[3] and kernel[0] == kernel[1]
            raise _not_whole(gate, shapes, axis, kernel_size, stride, padding, count, square)
        sizes.append(count)
    return sizes


# --- the refusals --------------------------------------------------------------------------------

def _not_whole(gate, shapes, axis, kernel, stride, padding, count: Fraction, square: bool) -> ShapeError:
    name, _, line = AXES[axis]
    n = shapes[0][axis]
    label = gate.input_labels[0]
    conv = gate.kind == "convGate"
    padded = f"{n} + 2·{padding} − {kernel}" if conv else f"{n} − {kernel}"
    formula = f"({padded})/{stride} + 1 = {_number(count)}"
    if count < 1:
        problem = (f"the output {name} {formula}: a window {kernel} wide does not fit in "
                   f"{n + 2 * padding} {line}s.")
    else:
        skipped = (n + 2 * padding - kernel) % stride - padding  # rows of the input, not padding
        lines = "row and column" if square else line
        lost = f"last {lines}" if skipped == 1 else f"last {skipped} {lines.replace(' and ', 's and ')}s"
        problem = (f"the output {name} {formula} is not a whole number: numpy would floor it to "
                   f"{int(count)}, and the {lost} of {label} would never be read.")
    if square:
        problem = problem.replace(f"output {name}", "output height (and width)", 1)
    fixes = [_padding_fix(shapes[0], shapes[1], axis, stride, padding)] if conv else []
    fixes.append(_input_fix(n, kernel, stride, padding, "height and width" if square else name, label))
    return gate.shape_error(problem, shapes, CONV_RULE if conv else POOL_RULE, " ".join(fixes))


def _number(value: Fraction) -> str:
    text = str(int(value)) if value.denominator == 1 else f"{float(value):g}"
    return text.replace("-", "−")


def _padding_fix(x: Shape, k: Shape, axis: int, stride: int, padding: int) -> str:
    """The smallest other padding that fits both the height and the width, if one does."""
    n, kernel = x[axis], k[axis]
    for p in range(max(k[2], k[3])):  # more padding than kernel − 1 only adds windows of zeros
        counts = [window_count(x[a], k[a], stride, p) for a in (2, 3)]
        if p != padding and all(isinstance(c, int) for c in counts):
            exact = Fraction(n + 2 * p - kernel, stride) + 1
            floored = "" if exact.denominator == 1 else \
                f", floored to {counts[axis - 2]}: the row skipped is padding"
            formula = f"({n} + 2·{p} − {kernel})/{stride} + 1 = {_number(exact)}"
            return f"With padding={p} it fits: {formula}{floored}."
    if any(isinstance(window_count(n, kernel, stride, p), int) for p in range(kernel)):
        return "No padding fits both the height and the width."
    return "No padding fits it."


def _input_fix(n: int, kernel: int, stride: int, padding: int, name: str, label: str) -> str:
    def fits(m: int) -> bool:
        return isinstance(window_count(m, kernel, stride, padding), int)
    above = next(m for m in range(n + 1, n + 2 * stride + kernel + 1) if fits(m))
    below = next((m for m in range(n - 1, 0, -1) if fits(m)), None)
    sizes = [m for m in (below, above) if m is not None]
    counts = " or ".join(str(window_count(m, kernel, stride, padding)) for m in sizes)
    return f"{label} fits with a {name} of {' or '.join(map(str, sizes))} (→ {counts})."


def _not_images(gate, x: Shape, k: Shape) -> ShapeError:
    X, K = gate.input_labels
    if len(x) != 4:
        problem = f"a convolution takes {X} as k×C×H×W (batch, channels, height, width)."
        return gate.shape_error(problem, (x, k), CONV_RULE, _as_images(X, x, k[1] if len(k) == 4 else None))
    problem = f"the kernels {K} must be F×C×kh×kw (filters, channels, kernel height and width)."
    fix = None
    if len(k) == 3 and k[0] == x[1]:
        fix = f"For one filter over the {x[1]} channels of {X}, reshape {K} to 1×{format_shape(k)}."
    elif len(k) == 3 and x[1] == 1:
        fix = f"For {k[0]} filters over one channel, reshape {K} to {k[0]}×1×{k[1]}×{k[2]}."
    elif len(k) == 2 and x[1] == 1:
        fix = f"For one filter over one channel, reshape {K} to 1×1×{format_shape(k)}."
    return gate.shape_error(problem, (x, k), CONV_RULE, fix)


def _as_images(label: str, x: Shape, channels: Dim | None) -> str | None:
    """How to make x a batch of images k×C×H×W: add the batch axis, or the channel axis too."""
    if len(x) == 2 and channels in (1, None):
        return f"For one image of one channel, reshape {label} to 1×1×{format_shape(x)}."
    if len(x) == 3 and channels is not None and x[2] == channels and x[0] != channels:
        return (f"{label} looks like one image stored channels-last (H×W×C): use "
                f"{label}.transpose(2, 0, 1)[None] → 1×{x[2]}×{x[0]}×{x[1]}.")
    if len(x) == 3:
        return f"For one image, add the batch axis: {label}[None] → 1×{format_shape(x)}."
    return None


def _channels(gate, x: Shape, k: Shape) -> ShapeError:
    X, K = gate.input_labels
    problem = f"{X} has {x[1]} channels but each kernel of {K} has {k[1]}."
    if x[3] == k[1]:
        fix = (f"{X} looks channels-last (k×H×W×C, as TensorFlow and PIL store images): use "
               f"{X}.transpose(0, 3, 1, 2) → {format_shape((x[0], x[3], x[1], x[2]))}.")
    elif k[2] == x[1] and k[3] != x[1]:
        fix = (f"{K} looks like TensorFlow's kh×kw×C×F: use {K}.transpose(3, 2, 0, 1) → "
               f"{format_shape((k[3], k[2], k[0], k[1]))}.")
    else:
        fix = f"{K} must be {k[0]}×{x[1]}×{k[2]}×{k[3]}: one {k[2]}×{k[3]} kernel per channel of {X}."
    return gate.shape_error(problem, (x, k), CONV_RULE, fix)


def whole_number(value, where: str, least: int) -> int:
    """A stride, padding or window size: a whole number ≥ least, or a TypeError naming it, e.g.
    where = "ConvGate(stride=...)"."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise TypeError(f"{where} takes a whole number ≥ {least}; got {value!r}")
    return int(value)


def flatten_mismatch(flat: str, before: Shape, weight: str, rows: int, units: int,
                     fix: str | None = None) -> ShapeError:
    """The flatten → linear boundary: a weight whose rows are not the flattened size C·H·W.

    flat: the flattened value's label (f³); before: the shape flattened (k×16×4×4); weight: W³.
    """
    size = product(tuple(before)[1:])
    problem = (f"{weight} is {rows}×{units}, but the flattened size is "
               f"{product_words(tuple(before)[1:])}, so {weight} must be {size}×{units}.")
    return ShapeError(problem, gate="mulGate", operands=[(flat, (before[0], size)), (weight, (rows, units))],
                      rule="(n×m)·(m×p): the rows of the weight after flatten are C·H·W", fix=fix)


__all__ = ["CONV_RULE", "POOL_RULE", "conv_shape", "flatten_mismatch", "flatten_shape", "pool_shape",
           "product", "product_words", "whole_number", "window_count"]
