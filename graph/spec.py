"""Graph.from_spec: a convolutional network from a short layer spec, named as the MLP is.

    Graph.from_spec("conv 6 5x5, relu, maxpool 2, conv 16 5x5, relu, maxpool 2, flatten, "
                    "120, relu, 84, relu, 10", input_shape=(1, 28, 28), loss="cross_entropy")
    Graph.from_spec("lenet", input_shape=(1, 32, 32))        # the same layers: 61,706 parameters

Items, separated by commas (case and extra spaces do not matter; 5x5, 5×5 and 5 are one kernel):
    conv F KxK [stride S] [pad P]    F kernels over every channel: W^l F×C×kh×kw, b^l 1×F×1×1
    maxpool N [stride S]             the max of each N×N window (avgpool: the mean)
    flatten                          k×C×H×W → k×(C·H·W), the boundary to dense layers
    N                                a dense layer of N units: W^l m×N, b^l 1×N
    MxN                              the same, its weight written out (M must be the size before it)
    relu, sigmoid, tanh, identity    an activation, elementwise

Names follow Graph.mlp: X is layer 1, each conv or dense layer l makes the product XW¹ (p²W²,
f³W³, ...) and z^(l+1) = product + b^l, whose gradient is δ^(l+1); the values after it in
layer l+1 are a^(l+1) (activation), p^(l+1) (pool) and f^(l+1) (flatten).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from gates.arithmetic import AddGate, MulGate
from gates.conv import ConvGate
from gates.losses import CrossEntropyLoss
from gates.notation import superscript
from gates.pool import AvgPoolGate, FlattenGate, MaxPoolGate
from gates.shapes import ShapeError, format_shape
from gates.tensor_shapes import flatten_mismatch, product, window_count

from .builders import ACTIVATIONS, BATCH, LOSSES, check_seed
from .engine import placeholder

PRESETS = {"lenet": "conv 6 5x5, relu, maxpool 2, conv 16 5x5, relu, maxpool 2, flatten, "
                    "120, relu, 84, relu, 10"}
POOLS = {"maxpool": MaxPoolGate, "avgpool": AvgPoolGate}
EXAMPLE = "e.g. 'conv 6 5x5', 'maxpool 2', 'flatten', '120' or 'relu'"


@dataclass(frozen=True)
class Item:
    """One layer of a spec: what it is and its numbers, and the text it was read from."""

    text: str
    kind: str                      # conv, maxpool, avgpool, flatten, dense or an activation
    size: int = 0                  # kernels F, units N, or the pool's window
    kernel: tuple[int, int] = (1, 1)
    stride: int = 1
    padding: int = 0
    rows: int | None = None        # a dense layer's weight rows, when written (MxN)


# --- reading a spec ----------------------------------------------------------------------------

def _number(token: str, item: str, what: str, least: int = 1) -> int:
    if not token.isdigit() or int(token) < least:
        raise ValueError(f"spec item {item!r}: {what} must be a whole number ≥ {least}; got {token!r}")
    return int(token)


def _options(tokens: list[str], item: str, allowed: tuple[str, ...]) -> dict[str, int]:
    """"stride 2 pad 1" → {"stride": 2, "padding": 1}."""
    found = {}
    names = {"stride": "stride", "pad": "padding", "padding": "padding"}
    for name, value in zip(tokens[::2], tokens[1::2] + [""]):
        if names.get(name) not in allowed:
            raise ValueError(f"spec item {item!r}: {name!r} is not an option here; it takes "
                             f"{' and '.join(allowed) or 'none'}, e.g. '{item.split()[0]} ... stride 2'")
        found[names[name]] = _number(value, item, name, 1 if name == "stride" else 0)
    return found


def parse_item(text: str) -> Item:
    """One item of a spec, e.g. "conv 6 5x5 stride 2", or a ValueError naming what is wrong."""
    item = " ".join(text.lower().replace("×", "x").split())
    tokens = item.split()
    if not tokens:
        raise ValueError(f"the spec has an empty item (two commas in a row?); write {EXAMPLE}")
    head = tokens[0]
    if head in ACTIVATIONS or head == "flatten":
        if len(tokens) > 1:
            raise ValueError(f"spec item {item!r}: {head} takes no numbers")
        return Item(item, head)
    if head == "conv":
        if len(tokens) < 3:
            raise ValueError(f"spec item {item!r}: a convolution needs its number of kernels and "
                             f"their size, e.g. 'conv 6 5x5'")
        sides = tokens[2].split("x")
        if len(sides) > 2:
            raise ValueError(f"spec item {item!r}: {tokens[2]!r} is not a kernel size; write 5x5 or 5")
        kh, kw = (_number(s, item, "the kernel size") for s in (sides * 2)[:2])
        options = _options(tokens[3:], item, ("stride", "padding"))
        return Item(item, "conv", _number(tokens[1], item, "the number of kernels"), (kh, kw), **options)
    if head in POOLS:
        if len(tokens) < 2:
            raise ValueError(f"spec item {item!r}: give the window, e.g. '{head} 2'")
        size = _number(tokens[1], item, "the window")
        options = _options(tokens[2:], item, ("stride",))
        return Item(item, head, size, (size, size), options.get("stride", size))
    dense = re.fullmatch(r"(?:(\d+)x)?(\d+)", item)
    if dense:
        rows = None if dense[1] is None else _number(dense[1], item, "the weight's rows")
        return Item(item, "dense", _number(dense[2], item, "the number of units"), rows=rows)
    raise ValueError(f"spec item {item!r} is not a layer; write {EXAMPLE}")


def parse_spec(spec: str) -> list[Item]:
    """The items of a spec (or of a preset's name, such as "lenet")."""
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"a spec is a string of layers separated by commas, {EXAMPLE}, or a preset "
                         f"({', '.join(PRESETS)}); got {spec!r}")
    text = PRESETS.get(spec.strip().lower(), spec)
    return [parse_item(part) for part in text.split(",")]


def check_input_shape(shape) -> tuple[int, int, int]:
    """One observation's shape C×H×W as three whole numbers ≥ 1."""
    try:
        dims = tuple(shape)
    except TypeError:
        dims = ()
    if len(dims) != 3 or not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 1
                                 for d in dims):
        raise ValueError(f"input_shape is one observation's channels, height and width (C, H, W), "
                         f"e.g. (1, 28, 28); got {shape!r}")
    return tuple(int(d) for d in dims)


# --- the sizes through the network, for fixes --------------------------------------------------

def _side(items: list[Item], n: int, axis: int) -> int | None:
    """The height (axis 0) or width (axis 1) after these items, None where it is not whole."""
    for item in items:
        if item.kind in ("flatten", "dense"):
            break
        if item.kind in ("conv", *POOLS):
            n = window_count(n, item.kernel[axis], item.stride, item.padding)
            if not isinstance(n, int):
                return None
    return n


def spatial(items: list[Item], channels: int, height: int, width: int) -> tuple[int, int, int] | None:
    """C×H×W after these items for an input C×H×W, or None where a size is not whole (or < 1)."""
    H, W = _side(items, height, 0), _side(items, width, 1)
    if H is None or W is None:
        return None
    for item in items:
        if item.kind in ("flatten", "dense"):
            break
        channels = item.size if item.kind == "conv" else channels
    return channels, H, W


def _nearest(fits, n: int) -> list[int]:
    """The nearest sizes below and above n for which fits(size) holds (n itself when it does)."""
    if fits(n):
        return [n]
    below = next((m for m in range(n - 1, 0, -1) if fits(m)), None)
    above = next((m for m in range(n + 1, 4 * n + 64) if fits(m)), None)
    return [m for m in (below, above) if m is not None]


def fitting_inputs(items: list[Item], shape: tuple[int, int, int], wanted: int | None = None) -> list[tuple]:
    """Inputs C×H′×W′ near `shape` for which every size is whole, the nearest below and above; or,
    with `wanted`, a square-ish one (H′ − H = W′ − W) whose flattened size after `items` is `wanted`."""
    C, H, W = shape
    if wanted is not None:
        step = _nearest(lambda m: (out := spatial(items, C, m, W - H + m)) is not None
                        and product(out) == wanted, H)
        return [(C, m, W - H + m) for m in step if W - H + m >= 1][:1]
    heights = _nearest(lambda m: _side(items, m, 0) is not None, H)
    widths = _nearest(lambda m: _side(items, m, 1) is not None, W)
    if len(heights) < len(widths):
        heights = heights * len(widths)
    widths = widths * (len(heights) // len(widths))
    return [(C, h, w) for h, w in zip(heights, widths) if spatial(items, C, h, w) is not None]


def _inputs_words(shapes: list[tuple]) -> str:
    return " or ".join(format_shape(s) for s in shapes)


# --- building ------------------------------------------------------------------------------------

class _Builder:
    """Adds the nodes of one spec to a graph: `value` is the last node, `layer` its layer number."""

    def __init__(self, graph, items: list[Item], input_shape: tuple, seed, allocate: bool) -> None:
        self.g, self.items, self.input_shape = graph, items, input_shape
        self.rng = np.random.default_rng(seed)
        self.allocate = allocate
        self.value, self.layer = "X", 1

    @property
    def shape(self) -> tuple:
        return self.g.nodes[self.value].shape

    def _fresh(self, name: str) -> str:
        while name in self.g.nodes:
            name += "′"
        return name

    def add(self, position: int, item: Item) -> None:
        try:
            if item.kind in ("conv", "dense"):
                self._weighted(position, item)
            elif item.kind == "flatten":
                self._then(FlattenGate(), "f")
            elif item.kind in POOLS:
                self._then(POOLS[item.kind](item.size, item.stride), "p")
            else:
                self._then(ACTIVATIONS[item.kind](), "a")
        except ShapeError as error:
            raise self._in_spec(position, item, error) from None

    def _then(self, gate, letter: str) -> None:
        self.value = self.g.add(gate, [self.value], self._fresh(f"{letter}{self.layer}"))

    def _weights(self, shape: tuple, fan_in: int, relu: bool) -> np.ndarray:
        if not self.allocate:
            return placeholder(shape)
        # He for ReLU, LeCun otherwise, as Graph.mlp: activations neither vanish nor saturate.
        return self.rng.standard_normal(shape) * np.sqrt((2.0 if relu else 1.0) / fan_in)

    def _weighted(self, position: int, item: Item) -> None:
        shape, l = self.shape, self.layer
        following = self.items[position:position + 1]  # the next item, if any
        relu = bool(following) and following[0].kind == "relu"
        if item.kind == "conv":
            if len(shape) != 4:
                raise ValueError(f"spec item {position}, {item.text!r}: a convolution needs images "
                                 f"k×C×H×W, but {self.g.nodes[self.value].label} is "
                                 f"{format_shape(shape)}; put convolutions before 'flatten'")
            kernels = (item.size, shape[1], *item.kernel)
            gate, W = ConvGate(item.stride, item.padding), self._weights(kernels, product(kernels[1:]), relu)
            b_shape = (1, item.size, 1, 1)
        else:
            W = self._weights(self._dense_shape(position, item), shape[-1], relu)
            gate, b_shape = MulGate(), (1, item.size)
        delta = f"δ{superscript(str(l + 1))}"
        w = self.g.param(f"W{l}", W)
        product_name = f"{self.value}W{l}"
        self.g.add(gate, [self.value, w], product_name, grad_symbol=delta,
                   grad_label_text=f"dJ/d({superscript(product_name)}) = {delta}")
        b = self.g.param(f"b{l}", np.zeros(b_shape) if self.allocate else placeholder(b_shape))
        self.value = self.g.add(AddGate(), [product_name, b], f"z{l + 1}", grad_symbol=delta,
                                grad_label_text=f"{delta} = dJ/dz{superscript(str(l + 1))}")
        self.layer = l + 1

    def _dense_shape(self, position: int, item: Item) -> tuple[int, int]:
        shape, label = self.shape, self.g.nodes[self.value].label
        if len(shape) != 2:
            raise ValueError(f"spec item {position}, {item.text!r}: a dense layer takes k×n, but "
                             f"{label} is {format_shape(shape)}; put 'flatten' before {item.text!r}")
        if item.rows is None or item.rows == shape[1]:
            return (shape[1], item.size)
        weight = f"W{superscript(str(self.layer))}"
        before = self.items[:position - 1]
        if before and before[-1].kind == "flatten":
            flattened = self.g.nodes[self.g.nodes[self.value].inputs[0]].shape
            fix = f"Write '{item.size}' (its rows follow) or '{shape[1]}x{item.size}'."
            other = fitting_inputs(before, self.input_shape, wanted=item.rows)
            if other:
                fix += f" {item.rows} is the flattened size of an input of {_inputs_words(other)}."
            raise flatten_mismatch(label, flattened, weight, item.rows, item.size, fix)
        raise ShapeError(f"{weight} is {item.rows}×{item.size}, but {label} has {shape[1]} columns, so "
                         f"{weight} must be {shape[1]}×{item.size}.", gate="mulGate",
                         operands=[(label, shape), (weight, (item.rows, item.size))],
                         rule="(n×m)·(m×p) → n×p: the inner sizes must be equal",
                         fix=f"Write '{item.size}' (its rows follow) or '{shape[1]}x{item.size}'.")

    def _in_spec(self, position: int, item: Item, error: ShapeError) -> ShapeError:
        """The error with the spec item it came from and, when one exists, an input that fits."""
        fix = error.fix
        if spatial(self.items, *self.input_shape) is None:
            fitting = fitting_inputs(self.items, self.input_shape)
            if fitting:
                fix = f"{fix or ''} The whole network fits an input of {_inputs_words(fitting)}.".strip()
        node = error.node or f"{self.value}W{self.layer}"  # a weight refused before its gate was added
        return ShapeError(f"in spec item {position}, {item.text!r}: {error.problem}", gate=error.gate,
                          node=node, operands=error.operands, rule=error.rule, fix=fix)


def build_spec(cls, spec: str, input_shape, *, loss: str = "cross_entropy", seed: int | None = 0,
               allocate: bool = True):
    """A Graph (of class `cls`) from a layer spec; see Graph.from_spec."""
    items = parse_spec(spec)
    input_shape = check_input_shape(input_shape)
    check_seed(seed)
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    g = cls(convention="rows")
    name = spec.strip().lower() if isinstance(spec, str) and spec.strip().lower() in PRESETS else None
    g.meta.update(spec=", ".join(item.text for item in items), preset=name, input_shape=input_shape,
                  loss=loss, bias=True, seed=seed)
    g.input("X", (BATCH, *input_shape))
    builder = _Builder(g, items, input_shape, seed, allocate)
    for position, item in enumerate(items, start=1):
        builder.add(position, item)
    out = builder.shape
    if loss == "cross_entropy" and (len(out) != 2 or out[1] < 2):
        raise ValueError(f"cross_entropy needs logits k×classes (two or more), but the spec ends with "
                         f"{format_shape(out)}; end it with a dense layer of one unit per class, "
                         f"e.g. '..., flatten, 10'")
    g.input("y", out)
    g.add(CrossEntropyLoss() if loss == "cross_entropy" else LOSSES[loss](), [builder.value, "y"], "J")
    return g


__all__ = ["Item", "PRESETS", "build_spec", "check_input_shape", "fitting_inputs", "parse_item",
           "parse_spec", "spatial"]
