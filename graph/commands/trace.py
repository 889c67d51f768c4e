"""`python -m gates.trace`: walk a network gate by gate, forward, backward and one update.

Parse the options (trace_options), build the network (Graph.mlp or the lecture example), run one
traced step (graph.walkthrough.trace) and render it (graph.render). A user's mistake, in the
options or found by the library (ShapeError, ValueError), is one line on standard error and exit
code 2; so is a failed write or read (gates.cli.guarded). Only what the chosen format needs is
imported: json and plain never import rich.

Shapes alone (--symbolic, --quiz, --diagram) are worked out on a graph built with
allocate=False: no array proportional to the layer sizes exists, so --layers 100000,100000,1
--symbolic is as quick as the default. A run with data that would hold more than MAX_NUMBERS
float64 numbers is refused before anything is allocated.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from gates import cli

from .trace_options import DEFAULTS, EXAMPLES, MAX_PRINTED, PROG, build_parser, settle

__all__ = ["DEFAULTS", "EXAMPLES", "MAX_PRINTED", "PROG", "build", "build_parser", "main", "settle", "walk"]


def fail(message) -> None:
    """One line on standard error, exit code 2."""
    cli.fail(PROG, message)


# --- build and run ------------------------------------------------------------------------------

def network(args: argparse.Namespace, convention: str, *, allocate: bool = True):
    """The Graph.mlp (or, with --net, Graph.from_spec) of the options; allocate=False: shapes
    only, no parameter arrays."""
    from graph import Graph
    if args.net:
        return Graph.from_spec(args.net, args.input, loss=args.loss, seed=args.seed, allocate=allocate)
    return Graph.mlp(args.layers, activation=args.activation,
                     output_activation=args.output_activation, loss=args.loss,
                     bias=not args.no_bias, convention=convention, seed=args.seed, allocate=allocate)


def build(args: argparse.Namespace, convention: str):
    """(graph, inputs) for the options, in one convention: a run with data."""
    if args.example == "lecture":
        from graph.examples import lecture_example
        graph, inputs, _ = lecture_example(convention)
        return graph, inputs
    from graph.walkthrough import example_data
    graph = network(args, convention)
    return graph, example_data(graph, args.batch, args.seed)


def shapes_only(args: argparse.Namespace, convention: str):
    """The graph of the options for its shapes alone (symbolic walk, quiz, diagram)."""
    if args.example == "lecture":
        return build(args, convention)[0]  # 2-2-1: its four weights are the example
    return network(args, convention, allocate=False)


def walk(args: argparse.Namespace, convention: str):
    """The Walkthrough of the options in one convention."""
    from graph import walkthrough
    if args.symbolic:
        graph = shapes_only(args, convention)
        from graph.spec_walk import size_symbols  # --net: the image's height and width as H, W
        sizes_of = size_symbols if args.net else walkthrough.layer_size_symbols
        shapes, sizes = sizes_of(graph) if args.symbolic == "all" else (None, {})
        result = walkthrough.trace(graph, None, lr=args.lr, shapes=shapes)
        result.sizes = sizes
    else:
        graph, inputs = build(args, convention)
        # --html shows the matrices of a small network beside each step (as --values would)
        small = bool(args.html) and not args.net and max(*args.layers, args.batch) <= MAX_PRINTED
        result = walkthrough.trace(graph, inputs, lr=args.lr, values=args.values or small)
    if args.example:
        result.network["example"] = f"{args.example} example of docs/NETWORK.md"
    return result


def symbols(args: argparse.Namespace) -> dict[str, int]:
    return {} if args.symbolic else {"k": args.batch}


def run_quiz(args: argparse.Namespace) -> int:
    """--quiz: ask the shapes of this network, gate by gate, and score the answers; with
    --answer-key print the answers instead; with --results FILE record every answer there."""
    from graph import quiz, quiz_record
    graph = shapes_only(args, args.convention)
    if args.answer_key:
        header = f"Answer key: {quiz_network(args)}"
        sys.stdout.write(quiz_record.answer_key(quiz.questions(graph, symbols(args)), header))
        return 0
    answers = cli.standard_input(PROG, "the quiz's answers")
    result = quiz.run_quiz(graph, symbols(args), input=answers, output=sys.stdout,
                           convention=args.convention)
    if args.results:
        from graph.files import write_text
        network = {"layers": args.layers, "batch": args.batch, "convention": args.convention,
                   "seed": args.seed, "symbolic": bool(args.symbolic)}
        if args.net:  # a CNN: its spec and image shape instead of layer sizes
            network.update(layers=None, net=args.net, input=list(args.input))
        write_text(args.results, quiz_record.results_document(result, network))
        cli.say(f"{PROG}: results written to {args.results}")
    return 0


def quiz_network(args: argparse.Namespace) -> str:
    """e.g. layers [2, 3, 1], batch 4, rows convention, seed 0."""
    batch = "batch k" if args.symbolic else f"batch {args.batch}"
    if args.net:
        return f"net {args.net!r}, input {'×'.join(map(str, args.input))}, {batch}, seed {args.seed}"
    return f"layers {args.layers}, {batch}, {args.convention} convention, seed {args.seed}"


def write_diagram(args: argparse.Namespace) -> Callable[[], None]:
    """--diagram FILE: draw the computational graph; returns what to say once the walkthrough
    is printed (where the diagram went, or why it is only DOT text: no Graphviz)."""
    from graph import diagram, walkthrough
    from graph.spec_walk import size_symbols
    conventions = ["rows", "columns"] if args.compare_conventions else [args.convention]
    graphs = [shapes_only(args, convention) for convention in conventions]
    sizes_of = size_symbols if args.net else walkthrough.layer_size_symbols  # m¹, m²... or H, W
    shapes = [sizes_of(g)[0] if args.symbolic == "all" else None for g in graphs]
    twin = dict(twin=graphs[1], twin_shapes=shapes[1]) if len(graphs) > 1 else {}
    try:
        path = diagram.write_diagram(graphs[0], args.diagram, symbols(args), rankdir=args.rankdir,
                                     shapes=shapes[0], **twin)
    except diagram.GraphvizMissing as missing:
        message = str(missing)  # the name `missing` is gone once the except block ends
        return lambda: cli.warn(PROG, message)
    return lambda: cli.say(f"{PROG}: diagram written to {path}")


def write_page(args: argparse.Namespace, result) -> Callable[[], None]:
    """--html FILE: the walkthrough as one HTML page (graph.html); returns what to say once the
    walkthrough is printed. A file that cannot be written is a one-line error (a ValueError)."""
    from graph.html import write_html
    path = write_html(result, args.html, rankdir=args.rankdir)
    return lambda: cli.say(f"{PROG}: walkthrough written to {path}: open it in a browser")


def enter_waiter() -> Callable[[], bool]:
    """--step: a function that waits for Enter; False (stop waiting) once input is exhausted.

    On a terminal the prompt is erased once answered, so the tables stay as they would print.
    """
    keys = cli.standard_input(PROG, "the Enter presses of --step")

    def wait() -> bool:
        cli.say_partial("  [Enter: next gate]")
        answered = keys.readline() != ""
        if answered and keys.isatty() and sys.stderr is not None and sys.stderr.isatty():
            cli.say_partial("\x1b[1A\x1b[2K")  # cursor up over the echoed Enter, clear that line
        else:
            cli.say_partial("\n")
        return answered
    return wait


def run(args: argparse.Namespace) -> int:
    """Everything after the options: quiz, or diagram and walkthrough."""
    from gates.shapes import ShapeError
    try:
        if args.quiz:
            return run_quiz(args)
        pause = enter_waiter() if args.step else None
        afterwards = write_diagram(args) if args.diagram else None
        if args.compare_conventions:
            from graph.walkthrough import Comparison
            result = Comparison(walk(args, "rows"), walk(args, "columns"))
        else:
            result = walk(args, args.convention)
        page = write_page(args, result) if args.html else None
        from graph.render import show
        show(result, args.format, explain=args.explain, values=args.values, step=args.step, pause=pause)
    except (ShapeError, ValueError) as error:
        fail(error)
    for said in (afterwards, page):
        if said is not None:
            sys.stdout.flush()
            said()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = settle(parser, parser.parse_args(argv))
    return cli.guarded(PROG, lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
