"""The options of `python -m gates.trace`: the parser, its option types, and the combinations
it refuses, each with a sentence naming the option (one line, exit 2; see gates.cli)."""

from __future__ import annotations

import argparse
import re
from pathlib import PurePath

from gates import cli

PROG = "python -m gates.trace"
DEFAULTS = {"layers": [2, 3, 1], "batch": 4, "activation": "sigmoid",
            "output_activation": "identity", "loss": "mse", "seed": 0, "lr": 0.1}
MAX_PRINTED = 8            # --values prints every matrix: no side longer than this
MAX_SIZE = 10**9           # a layer size or a batch: beyond this, no shape is worth walking
MAX_NUMBERS = 200_000_000  # float64 numbers a run may hold (1.6 GB); --symbolic holds none
DIAGRAM_SUFFIXES = (".dot", ".mmd", ".svg", ".png")

EXAMPLES = """\
examples:
  python -m gates.trace                                  the [2,3,1] network, batch 4
  python -m gates.trace --layers 4,5,3,2 --batch 8 --activation relu
  python -m gates.trace --convention columns             z = W·X + b, one observation per column
  python -m gates.trace --compare-conventions            rows and columns side by side
  python -m gates.trace --symbolic                       shapes only, batch k: (k×2)·(2×3) → k×3
  python -m gates.trace --symbolic all                   layer sizes as m¹, m², m³ too
  python -m gates.trace --example lecture --values       the lecture's 2-2-1 numbers
  python -m gates.trace --explain --step                 one gate per Enter, with its rule
  python -m gates.trace --format markdown > handout.md   a handout
  python -m gates.trace --format json | jq '.backward[] | [.label, .shape]'
  python -m gates.trace --loss cross_entropy --layers 2,4,3
  python -m gates.trace --quiz < answers.txt             the shapes asked, one answer per line
  python -m gates.trace --quiz --seed 7 --answer-key     student 7's variant, with its answers
  python -m gates.trace --quiz --seed 7 --results 7.json < answers.txt   a class's records
  python -m gates.trace --diagram net.svg                the graph drawn (.dot, .mmd, .svg, .png)
  python -m gates.trace --html walk.html                 a page to step through in a browser
  python -m gates.trace --net lenet --input 1x28x28      a CNN: LeNet-5 on 28×28 images
  python -m gates.trace --net "conv 8 3x3 pad 1, relu, maxpool 2, flatten, 10" --input 3x32x32

The notation (names, superscripts, shapes) is that of docs/NETWORK.md in the repository.
"""


# --- option types: each says what is wrong with the value it refuses ---------------------------

def _size(part: str, text: str) -> int:
    if not (part.isascii() and part.isdigit()) or len(part) > 10 or not 1 <= int(part) <= MAX_SIZE:
        raise argparse.ArgumentTypeError(
            f"{part[:20]!r} in {text[:40]!r} is not a layer size; give whole numbers from 1 to "
            f"{MAX_SIZE:,} separated by commas, e.g. --layers 2,3,1")
    return int(part)


def layer_sizes(text: str) -> list[int]:
    sizes = [_size(part.strip(), text) for part in text.split(",")]
    if len(sizes) < 2:
        raise argparse.ArgumentTypeError(
            f"{text!r} has {len(sizes)} size; a network needs at least two (inputs and outputs), "
            f"e.g. --layers 2,3,1")
    return sizes


def whole(minimum: int, maximum: int | None = None):
    def parse(text: str) -> int:
        digits = text.strip()
        value = int(digits) if len(digits) <= 12 and re.fullmatch(r"[+-]?[0-9]+", digits) else None
        if value is None or value < minimum or (maximum is not None and value > maximum):
            most = "" if maximum is None else f" and ≤ {maximum:,}"
            raise argparse.ArgumentTypeError(f"{text[:20]!r} is not a whole number ≥ {minimum}{most}")
        return value
    parse.__name__ = f"whole number ≥ {minimum}"
    return parse


def image_shape(text: str) -> tuple[int, int, int]:
    """--input CxHxW: one image's channels, height and width, e.g. 1x28x28."""
    parts = text.lower().replace("×", "x").split("x")
    if len(parts) != 3 or not all(p.strip().isdigit() and 1 <= int(p) <= MAX_SIZE for p in parts):
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not an image shape; give channels, height "
                                         f"and width as CxHxW, e.g. --input 1x28x28")
    return tuple(int(p) for p in parts)


def diagram_path(text: str) -> str:
    """--diagram FILE: a file name ending in one of DIAGRAM_SUFFIXES."""
    if not text.strip():
        raise argparse.ArgumentTypeError("needs a file name, e.g. --diagram net.svg")
    suffix = PurePath(text).suffix.lower()
    if suffix not in DIAGRAM_SUFFIXES:
        raise argparse.ArgumentTypeError(
            f"cannot draw a diagram as {suffix or 'a file without a suffix'} ({text}): end the name "
            f"in .dot (Graphviz), .mmd (Mermaid), .svg or .png")
    return text


def html_path(text: str) -> str:
    """--html FILE: a file name ending in .html or .htm."""
    if PurePath(text.strip()).suffix.lower() not in (".html", ".htm"):
        raise argparse.ArgumentTypeError(
            f"needs a file name ending in .html, e.g. --html walk.html; got {text!r}")
    return text


def build_parser() -> cli.Parser:
    from graph.builders import ACTIVATIONS, CONVENTIONS, LOSSES, OUTPUT_ACTIVATIONS
    from graph.render import FORMATS
    parser = cli.Parser(
        prog=PROG, epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Walk a network through one step of gradient descent, gate by gate: every\n"
                    "matrix of the forward pass, every gradient of the backward pass as\n"
                    "top_diff × local_diff, the update and the loss, each with its shape.")
    net = parser.add_argument_group("the network (default: [2,3,1], batch 4, sigmoid, linear "
                                    "output, mse, rows, seed 0)")
    net.add_argument("--layers", type=layer_sizes, metavar="2,3,1",
                     help="layer sizes, inputs first, outputs last (two or more)")
    net.add_argument("--batch", type=whole(1, MAX_SIZE), metavar="K", help="observations in the batch (4)")
    net.add_argument("--activation", choices=ACTIVATIONS, help="hidden layers' activation")
    net.add_argument("--output-activation", choices=OUTPUT_ACTIVATIONS,
                     help="output layer's activation (identity: a linear output)")
    net.add_argument("--loss", choices=LOSSES, help="loss (cross_entropy has the softmax inside)")
    net.add_argument("--no-bias", action="store_true", help="no b¹, b², ...")
    net.add_argument("--seed", type=whole(0), help="seed of the weights and the data (0)")
    net.add_argument("--lr", type=cli.positive_number("--lr 0.1"), metavar="λ",
                     help="learning rate of the step (0.1)")
    net.add_argument("--convention", choices=CONVENTIONS,
                     help="rows: z = X·W + b (default); columns: z = W·X + b")
    net.add_argument("--compare-conventions", action="store_true",
                     help="show rows and columns side by side")
    net.add_argument("--net", metavar="SPEC|lenet",
                     help="a CNN from a layer spec, e.g. \"conv 6 5x5, relu, maxpool 2, flatten, 10\", "
                          "or the preset lenet (see graph.spec)")
    net.add_argument("--input", type=image_shape, metavar="CxHxW",
                     help="with --net: one image's channels, height and width (lenet: 1x32x32)")
    net.add_argument("--example", choices=("lecture",),
                     help="lecture: the worked example of docs/NETWORK.md (2-2-1, no biases, "
                          "sigmoid, half_sse, x = (0.23, 0.82), y = 1, λ = 0.7)")
    show = parser.add_argument_group("what to show")
    show.add_argument("--symbolic", nargs="?", const="batch", choices=("batch", "all"),
                      help="shapes only, no data: the batch as k; 'all' also writes the layer "
                           "sizes as m¹, m², ...")
    show.add_argument("--values", action="store_true",
                      help=f"print the matrices too (nets with no side above {MAX_PRINTED})")
    show.add_argument("--explain", action="store_true", help="each gate's rule under its row")
    show.add_argument("--format", choices=FORMATS, default="rich",
                      help="rich (colour follows the terminal and NO_COLOR), plain (deterministic "
                           "text), markdown (a handout), json (the stable form, strict JSON)")
    show.add_argument("--step", action="store_true", help="wait for Enter after each gate")
    teach = parser.add_argument_group("teaching material")
    teach.add_argument("--quiz", action="store_true",
                       help="ask the shapes of this network, one answer per line from standard input")
    teach.add_argument("--answer-key", action="store_true",
                       help="with --quiz: print the answers of this variant (e.g. --seed N) instead")
    teach.add_argument("--results", metavar="FILE.json",
                       help="with --quiz: record every answer, right or wrong, and the score in FILE")
    teach.add_argument("--diagram", metavar="FILE", type=diagram_path,
                       help="also draw the network to FILE (.dot, .mmd, .svg or .png)")
    teach.add_argument("--html", metavar="FILE", type=html_path,
                       help="also write the walkthrough as one HTML page to step through in a "
                            "browser (no network needed)")
    teach.add_argument("--rankdir", choices=("TB", "LR"),
                       help="how --diagram and --html draw the graph: TB top to bottom, LR left to "
                            "right (default TB; LR for a .mmd diagram)")
    return parser


# --- combinations -------------------------------------------------------------------------------

def _given(args: argparse.Namespace) -> set[str]:
    given = {name for name in (*DEFAULTS, "convention") if getattr(args, name) is not None}
    return given | ({"no_bias"} if args.no_bias else set())


def _refuse_example_clash(parser: cli.Parser, args: argparse.Namespace, given: set[str]) -> None:
    clash = sorted(given - {"lr", "convention"})
    if args.example and clash:
        options = ", ".join("--" + name.replace("_", "-") for name in clash)
        parser.error(f"--example lecture fixes the network (2-2-1, no biases, sigmoid, "
                     f"half_sse, one observation); drop {options}")


def _refuse_quiz_clash(parser: cli.Parser, args: argparse.Namespace) -> None:
    printing = [flag for flag, on in (("--format", args.format != "rich"),
                                      ("--compare-conventions", args.compare_conventions),
                                      ("--values", args.values), ("--explain", args.explain),
                                      ("--step", args.step), ("--diagram", args.diagram),
                                      ("--html", args.html), ("--example", args.example)) if on]
    if args.quiz and printing:
        parser.error(f"--quiz asks the shapes instead of printing the walkthrough; drop "
                     f"{', '.join(printing)}")
    for flag, on in (("--answer-key", args.answer_key), ("--results", args.results)):
        if on and not args.quiz:
            parser.error(f"{flag} goes with --quiz, e.g. python -m gates.trace --quiz --seed 7 {flag}"
                         + (" out.json" if flag == "--results" else ""))
    if args.answer_key and args.results:
        parser.error("--answer-key prints the answers and asks nothing, so there are no results "
                     "to record; choose one")
    if args.results is not None and not args.results.strip():
        parser.error("--results needs a file name, e.g. --results student7.json")


def _refuse_values_clash(parser: cli.Parser, args: argparse.Namespace) -> None:
    if args.symbolic:
        parser.error("--values prints numbers and --symbolic runs no data; choose one")
    if args.compare_conventions:
        parser.error("--values with --compare-conventions is too wide to read; show one "
                     "convention with --convention rows or columns")
    largest = max(*args.layers, args.batch)
    if largest > MAX_PRINTED:
        parser.error(f"--values prints every matrix, and this net has a side of {largest} "
                     f"(--layers {','.join(map(str, args.layers))}, --batch {args.batch}); "
                     f"keep every size ≤ {MAX_PRINTED}, or drop --values")


def numbers_held(layers: list[int], batch: int, bias: bool) -> int:
    """About how many float64 numbers one traced step holds: the parameters three times (them,
    their gradients, the copy that restores them) and six arrays per layer and observation (the
    product, z and a, forward, and their gradients)."""
    params = sum(m * n for m, n in zip(layers, layers[1:])) + (sum(layers[1:]) if bias else 0)
    return 3 * params + 6 * batch * sum(layers)


def _refuse_too_big(parser: cli.Parser, args: argparse.Namespace) -> None:
    if args.symbolic or args.quiz or args.example:
        return  # shapes only: nothing proportional to the sizes is allocated
    numbers = numbers_held(args.layers, args.batch, not args.no_bias)
    numbers *= 2 if args.compare_conventions else 1
    if numbers > MAX_NUMBERS:
        parser.error(f"--layers {','.join(map(str, args.layers))} with --batch {args.batch} would "
                     f"hold about {numbers:.2g} float64 numbers ({numbers * 8 / 1e9:.3g} GB), more "
                     f"than the {MAX_NUMBERS:.0e} this command allows; add --symbolic to walk the "
                     f"shapes without data, or use smaller sizes")


def _settle_net(parser: cli.Parser, args: argparse.Namespace, given: set[str]) -> None:
    """--net SPEC and --input CxHxW: a CNN, whose layers come from the spec alone."""
    if args.net is None:
        if args.input is not None:
            parser.error("--input gives the image shape of a CNN; use it with --net, e.g. "
                         "--net lenet --input 1x28x28")
        return
    clash = sorted(given & {"layers", "activation", "output_activation", "no_bias", "convention"})
    clash += ["compare_conventions"] * args.compare_conventions + ["example"] * bool(args.example)
    clash += ["values"] * args.values
    if clash:
        options = ", ".join("--" + name.replace("_", "-") for name in clash)
        parser.error(f"--net builds the whole network from its spec (rows convention, a bias per "
                     f"layer, numbers too many to print); drop {options}")
    from graph import Graph
    from graph.spec import PRESETS
    from graph.spec_walk import numbers_held
    if args.input is None and args.net.strip().lower() not in PRESETS:
        parser.error("--net needs the image shape: add --input CxHxW, e.g. --input 1x28x28")
    args.input = args.input or (1, 32, 32)  # LeNet-5's own input
    args.loss = args.loss or "cross_entropy"
    try:  # the spec's mistakes, found now: one line, before anything is allocated
        graph = Graph.from_spec(args.net, args.input, loss=args.loss, allocate=False)
    except ValueError as error:
        parser.error(str(error))
    batch = args.batch or DEFAULTS["batch"]
    numbers = numbers_held(graph, batch)
    if numbers > MAX_NUMBERS and not (args.symbolic or args.quiz):
        parser.error(f"--net with --input {'x'.join(map(str, args.input))} and --batch {batch} "
                     f"would hold about {numbers:.2g} float64 numbers ({numbers * 8 / 1e9:.3g} GB), "
                     f"more than the {MAX_NUMBERS:.0e} this command allows; add --symbolic to walk "
                     f"the shapes without data, or use a smaller batch or image")


def settle(parser: cli.Parser, args: argparse.Namespace) -> argparse.Namespace:
    """Fill in the defaults and refuse combinations that cannot work, naming the option."""
    given = _given(args)
    _refuse_example_clash(parser, args, given)
    if args.compare_conventions and args.convention:
        parser.error("--compare-conventions shows both conventions; drop --convention")
    _refuse_quiz_clash(parser, args)
    if args.rankdir and not (args.diagram or args.html):
        parser.error("--rankdir chooses how --diagram and --html draw the graph; add one of them")
    _settle_net(parser, args, given)
    if args.quiz and "seed" in given and not given & {"layers", "batch"} and not args.net:
        from graph.quiz import random_network  # --quiz --seed N: each student a network of their own
        args.layers, args.batch = random_network(args.seed)
    for name, value in DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.convention = args.convention or "rows"
    if args.example:
        from graph.examples import LECTURE
        args.layers, args.batch = LECTURE["layers"], len(LECTURE["y"])
        args.lr = LECTURE["lr"] if "lr" not in given else args.lr
    if args.step and args.format not in ("rich", "plain"):
        parser.error(f"--step waits between gates on a terminal; use it with --format rich or "
                     f"plain, not {args.format}")
    if args.values:
        _refuse_values_clash(parser, args)
    _refuse_too_big(parser, args)
    return args


__all__ = ["DEFAULTS", "EXAMPLES", "MAX_NUMBERS", "MAX_PRINTED", "PROG", "build_parser",
           "image_shape", "layer_sizes", "numbers_held", "settle", "whole"]
