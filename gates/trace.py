"""`python -m gates.trace`: walk a network gate by gate, forward, backward and one update.

Parse the options, build the network (Graph.mlp or the lecture example), run one traced step
(graph.walkthrough.trace) and render it (graph.render). A user's mistake, in the options or
found by the library (ShapeError, ValueError), is one line on standard error and exit code 2.
Only what the chosen format needs is imported: json and plain never import rich.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from gates import cli

PROG = "python -m gates.trace"
DEFAULTS = {"layers": [2, 3, 1], "batch": 4, "activation": "sigmoid",
            "output_activation": "identity", "loss": "mse", "seed": 0, "lr": 0.1}
MAX_PRINTED = 8  # --values prints every matrix: no side longer than this

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
"""


def fail(message):
    """One line on standard error, exit code 2."""
    cli.fail(PROG, message)


# --- option types: each says what is wrong with the value it refuses ---------------------------

def layer_sizes(text: str) -> list[int]:
    parts = [p.strip() for p in text.split(",")]
    sizes = []
    for part in parts:
        if not (part.isascii() and part.isdigit()) or int(part) < 1:
            raise argparse.ArgumentTypeError(
                f"{part!r} in {text!r} is not a layer size; give whole numbers ≥ 1 separated by "
                f"commas, e.g. --layers 2,3,1")
        sizes.append(int(part))
    if len(sizes) < 2:
        raise argparse.ArgumentTypeError(
            f"{text!r} has {len(sizes)} size; a network needs at least two (inputs and outputs), "
            f"e.g. --layers 2,3,1")
    return sizes


def whole(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number ≥ {minimum}")
        return value
    parse.__name__ = f"whole number ≥ {minimum}"
    return parse


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
    net.add_argument("--batch", type=whole(1), metavar="K", help="observations in the batch (4)")
    net.add_argument("--activation", choices=ACTIVATIONS, help="hidden layers' activation")
    net.add_argument("--output-activation", choices=OUTPUT_ACTIVATIONS,
                     help="output layer's activation (identity: a linear output)")
    net.add_argument("--loss", choices=LOSSES, help="loss (cross_entropy has the softmax inside)")
    net.add_argument("--no-bias", action="store_true", help="no b¹, b², ...")
    net.add_argument("--seed", type=whole(0), help="seed of the weights and the data (0)")
    net.add_argument("--lr", type=cli.positive_number("--lr 0.1"), metavar="λ", help="learning rate of the step (0.1)")
    net.add_argument("--convention", choices=CONVENTIONS,
                     help="rows: z = X·W + b (default); columns: z = W·X + b")
    net.add_argument("--compare-conventions", action="store_true",
                     help="show rows and columns side by side")
    net.add_argument("--example", choices=("lecture",),
                     help="lecture: the worked example of NETWORK.md (2-2-1, no biases, sigmoid, "
                          "half_sse, x = (0.23, 0.82), y = 1, λ = 0.7)")
    show = parser.add_argument_group("what to show")
    show.add_argument("--symbolic", nargs="?", const="batch", choices=("batch", "all"),
                      help="shapes only, no data: the batch as k; 'all' also writes the layer "
                           "sizes as m¹, m², ...")
    show.add_argument("--values", action="store_true",
                      help=f"print the matrices too (nets with no side above {MAX_PRINTED})")
    show.add_argument("--explain", action="store_true", help="each gate's rule under its row")
    show.add_argument("--format", choices=FORMATS, default="rich",
                      help="rich (colour follows the terminal and NO_COLOR), plain (deterministic "
                           "text), markdown (a handout), json (the stable form)")
    show.add_argument("--step", action="store_true", help="wait for Enter after each gate")
    teach = parser.add_argument_group("teaching material")
    teach.add_argument("--quiz", action="store_true", help="ask the shapes of this network")
    teach.add_argument("--diagram", metavar="FILE", help="also draw the network to FILE (.dot, .mmd, .svg or .png)")
    return parser


def settle(parser: cli.Parser, args: argparse.Namespace) -> argparse.Namespace:
    """Fill in the defaults and refuse combinations that cannot work, naming the option."""
    given = {name for name in (*DEFAULTS, "convention") if getattr(args, name) is not None}
    given |= {"no_bias"} if args.no_bias else set()
    if args.example:
        clash = sorted(given - {"lr", "convention"})
        if clash:
            options = ", ".join("--" + name.replace("_", "-") for name in clash)
            parser.error(f"--example lecture fixes the network (2-2-1, no biases, sigmoid, "
                         f"half_sse, one observation); drop {options}")
    if args.compare_conventions and args.convention:
        parser.error("--compare-conventions shows both conventions; drop --convention")
    if args.quiz:
        printing = [flag for flag, on in (("--format", args.format != "rich"),
                                          ("--compare-conventions", args.compare_conventions),
                                          ("--values", args.values), ("--explain", args.explain),
                                          ("--step", args.step), ("--diagram", args.diagram),
                                          ("--example", args.example)) if on]
        if printing:
            parser.error(f"--quiz asks the shapes instead of printing the walkthrough; drop "
                         f"{', '.join(printing)}")
    if args.quiz and "seed" in given and not given & {"layers", "batch"}:
        from graph.quiz import random_network  # --quiz --seed N: each student a network of their own
        args.layers, args.batch = random_network(args.seed)
    for name, value in DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.convention = args.convention or "rows"
    if args.example:
        from graph.walkthrough import LECTURE
        args.layers, args.batch = LECTURE["layers"], len(LECTURE["y"])
        args.lr = LECTURE["lr"] if "lr" not in given else args.lr
    if args.step and args.format not in ("rich", "plain"):
        parser.error(f"--step waits between gates on a terminal; use it with --format rich or "
                     f"plain, not {args.format}")
    if args.values:
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
    return args


# --- build and run ------------------------------------------------------------------------------

def build(args: argparse.Namespace, convention: str):
    """(graph, inputs) for the options, in one convention."""
    from graph import Graph
    from graph.walkthrough import example_data, lecture_example
    if args.example == "lecture":
        graph, inputs, _ = lecture_example(convention)
        return graph, inputs
    graph = Graph.mlp(args.layers, activation=args.activation,
                      output_activation=args.output_activation, loss=args.loss,
                      bias=not args.no_bias, convention=convention, seed=args.seed)
    return graph, example_data(graph, args.batch, args.seed)


def walk(args: argparse.Namespace, convention: str):
    """The Walkthrough of the options in one convention."""
    from graph.walkthrough import layer_size_symbols, trace
    graph, inputs = build(args, convention)
    if args.symbolic:
        shapes, sizes = layer_size_symbols(graph) if args.symbolic == "all" else (None, {})
        result = trace(graph, None, lr=args.lr, shapes=shapes)
        result.sizes = sizes
    else:
        result = trace(graph, inputs, lr=args.lr, values=args.values)
    if args.example:
        result.network["example"] = f"{args.example} example of NETWORK.md"
    return result


def run_quiz(args: argparse.Namespace) -> int:
    """--quiz: ask the shapes of this network, gate by gate, and score the answers."""
    from graph.quiz import run_quiz as quiz
    graph, _ = build(args, args.convention)
    symbols = {} if args.symbolic else {"k": args.batch}
    quiz(graph, symbols, input=sys.stdin, output=sys.stdout, convention=args.convention)
    return 0


def write_diagram(args: argparse.Namespace, path: str) -> None:
    """--diagram FILE: the computational graph as Graphviz, Mermaid, SVG or PNG."""
    from graph.diagram import write_diagram as draw
    graph, _ = build(args, args.convention)
    draw(graph, path, {} if args.symbolic else {"k": args.batch})
    sys.stderr.write(f"{PROG}: diagram written to {path}\n")


def wait_for_enter() -> bool:
    """--step: wait for Enter; False (stop waiting) once standard input is exhausted.

    On a terminal the prompt is erased once answered, so the tables stay as they would print.
    """
    sys.stderr.write("  [Enter: next gate]")
    sys.stderr.flush()
    answered = sys.stdin.readline() != ""
    if answered and sys.stdin.isatty() and sys.stderr.isatty():
        sys.stderr.write("\x1b[1A\x1b[2K")  # cursor up over the echoed Enter, clear that line
    else:
        sys.stderr.write("\n")
    sys.stderr.flush()
    return answered


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = settle(parser, parser.parse_args(argv))
    from gates.shapes import ShapeError
    try:
        if args.quiz:
            return run_quiz(args)
        if args.diagram:
            write_diagram(args, args.diagram)
        if args.compare_conventions:
            from graph.walkthrough import Comparison
            result = Comparison(walk(args, "rows"), walk(args, "columns"))
        else:
            result = walk(args, args.convention)
        from graph.render import show
        show(result, args.format, explain=args.explain, values=args.values, step=args.step,
             pause=wait_for_enter)
    except (ShapeError, ValueError) as error:
        fail(error)
    except BrokenPipeError:
        sys.stderr.close()  # the reader (head, less) left early: nothing more to say
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
