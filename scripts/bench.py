"""How fast is a training step? The same MLP in several engines, timed side by side.

    python scripts/bench.py                  # rich tables of times and ratios
    python scripts/bench.py --json out.json  # the figures as one JSON document, for tracking
    python scripts/bench.py --markdown       # the tables as Markdown, for the README

One step is forward + loss + backward + SGD update, in float64, of Graph.mlp(layers,
activation, loss="mse", seed=0) and of the same network, from the same weights, in:
    gates        this library's Graph
    numpy        the hand-written numpy version (scripts/numpy_mlp.py), the baseline of ratios
    torch        PyTorch eager on the CPU, the canonical zero_grad/backward/optimizer.step loop
    micrograd    Karpathy's scalar engine (tiny case only: it is one Python object per number)
torch and micrograd are measured when installed and skipped with a note when not; they are
never dependencies of gates. Beside them:
    gates+trace  the gates step with a Tracer attached (the cost of tracing)
    floor        the large case's matrix products alone, into preallocated outputs: no engine
                 can be faster than its own products, so gates/floor says how close to the
                 hardware the engine gets
and the start-up time of `import gates` and `python -m gates.trace`, beside numpy's.

Every engine's first loss is asserted to agree with Graph's before anything is timed. Each
figure is the median over --repeat repetitions after a warm-up; the engines take turns within
each repetition (in a rotating order) so that noise from other work on the machine falls on
all of them alike, and the ratios are taken within this one run. A benchmark, not a test:
nothing here decides pass or fail on a time; the targets table only reports.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from numpy_mlp import NumpyMLP  # noqa: E402

from graph import Graph, Tracer  # noqa: E402  (after the path set-up, as a script)
from graph.files import write_text  # noqa: E402

LR = 0.01
DATA_SEED = 1


@dataclass
class Case:
    """One network to time: its layer sizes, batch, hidden activation and steps per timing."""

    name: str
    layers: list[int]
    batch: int
    activation: str
    number: int  # steps per timed block, so that a block lasts a few milliseconds
    # Seconds of rest before each block. A multi-threaded BLAS keeps its threads spinning for a
    # while after its last call (OpenBLAS: about 0.1 s); without a rest they would slow down
    # the next engine (PyTorch's own threads: by about 15% in the large case).
    settle: float = 0.0


CASES = {
    "tiny": Case("tiny", [2, 3, 1], 4, "sigmoid", 200),
    "medium": Case("medium", [64, 128, 10], 32, "sigmoid", 100, settle=0.05),
    "large": Case("large", [784, 512, 512, 10], 256, "relu", 5, settle=0.15),
}
ENGINES = ("gates", "gates lesson", "gates+trace", "numpy", "torch", "micrograd", "floor")


@dataclass
class Engine:
    """A ready-to-run step. `step()` returns J before the update (None for the floor)."""

    name: str
    step: Callable[[], float | None]
    times: list[float] = field(default_factory=list)  # seconds per step, one per repetition
    first_loss: float | None = None
    last_loss: float | None = None


def case_data(case: Case) -> tuple[np.ndarray, np.ndarray]:
    """X (k×m¹) and y (k×m^L), random from a fixed seed."""
    rng = np.random.default_rng(DATA_SEED)
    return (rng.standard_normal((case.batch, case.layers[0])),
            rng.standard_normal((case.batch, case.layers[-1])))


def case_graph(case: Case) -> Graph:
    return Graph.mlp(case.layers, activation=case.activation, loss="mse", seed=0)


def weights(graph: Graph) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """W¹, W², ... and b¹, b², ... of a rows-convention Graph.mlp, as copies."""
    count = len(graph.meta["layers"]) - 1
    return ([graph.params[f"W{l}"].copy() for l in range(1, count + 1)],
            [graph.params[f"b{l}"].copy() for l in range(1, count + 1)])


# --- the engines -------------------------------------------------------------------------------

def gates_step(case: Case, X, y, *, traced: bool = False) -> Callable[[], float]:
    graph = case_graph(case)
    tracer = None
    if traced:
        tracer = Tracer(graph)
        graph.attach(tracer)

    def step() -> float:
        if tracer is not None:
            tracer.events.clear()  # keep memory flat: only the recording is measured
            tracer.losses.clear()
        return graph.train_step(LR, X=X, y=y)  # forward, backward, step: what fit repeats
    return step


def lesson_step(case: Case, X, y) -> Callable[[], float]:
    """forward(), backward() and step(): every gate's textbook code, new arrays each call."""
    graph = case_graph(case)

    def step() -> float:
        J = graph.forward(X=X, y=y)
        graph.backward()
        graph.step(LR)
        return J
    return step


def numpy_step(case: Case, X, y) -> Callable[[], float]:
    mlp = NumpyMLP.from_graph(case_graph(case))
    return lambda: mlp.train_step(X, y, LR)


def torch_step(case: Case, X, y) -> Callable[[], float]:
    import torch

    Ws, bs = weights(case_graph(case))
    Ws = [torch.tensor(W, dtype=torch.float64, requires_grad=True) for W in Ws]
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in bs]
    optimizer = torch.optim.SGD([p for pair in zip(Ws, bs) for p in pair], lr=LR)
    X, y = torch.from_numpy(X), torch.from_numpy(y)
    f = {"sigmoid": torch.sigmoid, "relu": torch.relu, "tanh": torch.tanh}[case.activation]
    last = len(Ws) - 1

    def step() -> float:
        optimizer.zero_grad()
        a = X
        for l, (W, b) in enumerate(zip(Ws, bs)):
            z = a @ W + b
            a = z if l == last else f(z)
        J = torch.mean((a - y) ** 2)
        J.backward()
        optimizer.step()
        return J.item()
    return step


def micrograd_step(case: Case, X, y) -> Callable[[], float]:
    from micrograd.engine import Value

    def sigmoid(v: Value) -> Value:
        """σ as a micrograd operation (micrograd has none), in micrograd's own style."""
        s = 0.5 + 0.5 * math.tanh(0.5 * v.data)
        out = Value(s, (v,), "σ")

        def _backward():
            v.grad += s * (1.0 - s) * out.grad
        out._backward = _backward
        return out

    f = {"sigmoid": sigmoid, "relu": Value.relu}[case.activation]
    Ws, bs = weights(case_graph(case))
    Ws = [[[Value(float(w)) for w in row] for row in W] for W in Ws]  # Ws[l][i][j]
    bs = [[Value(float(v)) for v in b[0]] for b in bs]
    params = [p for W in Ws for row in W for p in row] + [p for b in bs for p in b]
    rows, targets = X.tolist(), y.tolist()
    n = y.size
    last = len(Ws) - 1

    def step() -> float:
        for p in params:
            p.grad = 0.0
        squares = []
        for a, target in zip(rows, targets):
            for l, (W, b) in enumerate(zip(Ws, bs)):
                z = [sum((a[i] * W[i][j] for i in range(len(a))), b[j]) for j in range(len(b))]
                a = z if l == last else [f(v) for v in z]
            squares += [(yhat - t) ** 2 for yhat, t in zip(a, target)]
        J = sum(squares) * (1.0 / n)
        J.backward()
        for p in params:
            p.data -= LR * p.grad
        return J.data
    return step


def floor_step(case: Case, X, y) -> Callable[[], None]:
    """The matrix products of one step and nothing else, into preallocated outputs.

    Forward z^(l+1) = a^l·W^l for every layer; backward dJ/dW^l = a^lᵀ·δ^(l+1) for every
    layer and dJ/da^l = δ^(l+1)·W^lᵀ for every layer but the input's.
    """
    rng = np.random.default_rng(DATA_SEED)
    sizes, k = case.layers, case.batch
    Ws = [rng.standard_normal((m, n)) for m, n in zip(sizes[:-1], sizes[1:])]
    a = [X] + [rng.standard_normal((k, m)) for m in sizes[1:]]
    z = [np.empty((k, m)) for m in sizes[1:]]
    dW = [np.empty_like(W) for W in Ws]
    da = [np.empty((k, m)) for m in sizes[:-1]]
    delta = [rng.standard_normal((k, m)) for m in sizes[1:]]

    def step() -> None:
        for l, W in enumerate(Ws):
            np.matmul(a[l], W, out=z[l])
        for l, W in reversed(list(enumerate(Ws))):
            np.matmul(a[l].T, delta[l], out=dW[l])
            if l > 0:
                np.matmul(delta[l], W.T, out=da[l])
    return step


BUILDERS = {
    "gates": gates_step,
    "gates lesson": lesson_step,
    "gates+trace": lambda case, X, y: gates_step(case, X, y, traced=True),
    "numpy": numpy_step,
    "torch": torch_step,
    "micrograd": micrograd_step,
    "floor": floor_step,
}


def unavailable(name: str, case: Case) -> str | None:
    """Why an engine is not measured in this case, or None when it is."""
    package = {"torch": "torch", "micrograd": "micrograd"}.get(name)
    if package and importlib.util.find_spec(package) is None:
        return f"{name}: not installed (pip install {package}); skipped"
    if name == "micrograd" and case.name != "tiny":
        return "micrograd: tiny case only (a scalar engine, one Python object per number)"
    if name == "micrograd" and case.activation not in ("sigmoid", "relu"):
        return f"micrograd: no {case.activation} here; skipped"
    return None


# --- timing ------------------------------------------------------------------------------------

def timed_block(step: Callable, number: int) -> float:
    """Seconds per step over `number` steps, with the garbage collector paused (as timeit does)."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(number):
            step()
        return (time.perf_counter() - start) / number
    finally:
        if enabled:
            gc.enable()


def agree(losses: dict[str, float], reference: str, rtol: float) -> list[str]:
    """The engines whose loss differs from the reference's by more than rtol (relative)."""
    J = losses[reference]
    return [name for name, loss in losses.items()
            if not abs(loss - J) <= rtol * max(abs(J), 1e-300)]


def run_case(case: Case, engines: list[str], repeat: int, warmup: int,
             number: int | None, settle: float | None = None) -> dict:
    """Build every available engine, check their first losses agree, then time them."""
    X, y = case_data(case)
    number = number or case.number
    settle = case.settle if settle is None else settle
    notes, ready = [], []
    for name in engines:
        if name == "floor" and case.name != "large":
            continue  # the floor is the large case's yardstick only
        reason = unavailable(name, case)
        if reason:
            notes.append(reason)
            continue
        ready.append(Engine(name, BUILDERS[name](case, X, y)))
    for engine in ready:
        engine.first_loss = engine.step()
    first = {e.name: e.first_loss for e in ready if e.first_loss is not None}
    wrong = agree(first, "gates", 1e-10)
    if wrong:
        raise AssertionError(f"{case.name}: first losses disagree with gates: {first}")
    for engine in ready:
        for _ in range(warmup * number):
            engine.step()
    for r in range(repeat):
        turn = r % len(ready)
        for engine in ready[turn:] + ready[:turn]:
            time.sleep(settle)
            engine.times.append(timed_block(engine.step, number))
    for engine in ready:
        engine.last_loss = engine.step()
    last = {e.name: e.last_loss for e in ready if e.last_loss is not None}
    drifted = agree(last, "gates", 1e-8)
    if drifted:
        notes.append(f"after the timed steps, the losses of {', '.join(drifted)} drifted from "
                     f"gates' by more than 1e-8 (relative): {last}")
    return case_report(case, ready, number, settle, first, last, notes)


def case_report(case: Case, ready: list[Engine], number: int, settle: float, first: dict,
                last: dict, notes: list[str]) -> dict:
    engines = {e.name: {"median_s": statistics.median(e.times), "min_s": min(e.times),
                        "times_s": e.times} for e in ready}
    median = {name: figures["median_s"] for name, figures in engines.items()}
    ratios = {}
    for top, bottom in (("gates", "numpy"), ("gates lesson", "numpy"), ("torch", "gates"),
                        ("micrograd", "gates"), ("gates", "torch"), ("gates", "floor"), ("numpy", "floor"),
                        ("torch", "floor"), ("gates+trace", "gates")):
        if top in median and bottom in median:
            ratios[f"{top}/{bottom}"] = median[top] / median[bottom]
    return {"name": case.name, "layers": case.layers, "batch": case.batch,
            "activation": case.activation, "loss": "mse", "steps_per_timing": number,
            "settle_s": settle,
            "first_loss": first, "last_loss": last, "engines": engines, "ratios": ratios,
            "notes": notes}


# --- start-up ----------------------------------------------------------------------------------

STARTUP = {
    "python -c pass": ["-c", "pass"],
    "import numpy": ["-c", "import numpy"],
    "import numpy, rich": ["-c", "import numpy, rich"],
    "import gates": ["-c", "import gates"],
    "python -m gates.trace": ["-m", "gates.trace"],
}
RICH_CHECK = "import sys, gates; print(sorted(m for m in sys.modules if m.split('.')[0] == 'rich'))"


def run_python(args: list[str], pycache: str) -> subprocess.CompletedProcess:
    """`python *args` from the repository's root, its bytecode cached under `pycache`."""
    env = {**os.environ, "PYTHONPYCACHEPREFIX": pycache,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          env=env)


def run_startup(repeat: int) -> dict:
    """Wall time of each command in a fresh interpreter, median over `repeat` interleaved runs.

    Measured as an installed copy runs, with its bytecode compiled once and cached (in a
    temporary folder: nothing is written into the tree), even where PYTHONDONTWRITEBYTECODE
    is set, as it is on some CI machines; the untimed first run of each command fills the cache.
    """
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as pycache:
        return _run_startup(repeat, pycache)


def _run_startup(repeat: int, pycache: str) -> dict:
    notes, commands = [], {}
    for label, args in STARTUP.items():
        trial = run_python(args, pycache)
        if trial.returncode != 0:
            said = (trial.stderr.strip().splitlines() or ["no message"])[-1]
            notes.append(f"{label}: exits with {trial.returncode} ({said}); not timed")
            continue
        commands[label] = []
    for _ in range(repeat):
        for label in commands:
            start = time.perf_counter()
            run_python(STARTUP[label], pycache)
            commands[label].append(time.perf_counter() - start)
    rich_modules = json.loads(run_python(["-c", RICH_CHECK], pycache).stdout.replace("'", '"') or "[]")
    return {"commands": {label: {"median_s": statistics.median(times), "times_s": times}
                         for label, times in commands.items()},
            "gates_imports_rich": bool(rich_modules), "notes": notes}


# --- targets and the machine -------------------------------------------------------------------

def targets(cases: dict[str, dict], startup: dict | None) -> list[dict]:
    """The issue's targets, each with the figure measured in this run (None if not measured)."""
    def ratio(case: str, key: str):
        return cases.get(case, {}).get("ratios", {}).get(key)

    def startup_ratio(top: str, bottom: str):
        commands = (startup or {}).get("commands", {})
        if top in commands and bottom in commands:
            return commands[top]["median_s"] / commands[bottom]["median_s"]
        return None

    rows = [
        ("tiny: gates / numpy", ratio("tiny", "gates/numpy"), "≤", 1.25),
        ("tiny: forward+backward+step / numpy", ratio("tiny", "gates lesson/numpy"), "≤", 1.25),
        ("tiny: torch / gates", ratio("tiny", "torch/gates"), "≥", 5.0),
        ("large: gates / matrix-product floor", ratio("large", "gates/floor"), "≤", 1.25),
        ("large: gates / torch", ratio("large", "gates/torch"), "≤", 0.8),
        ("large: gates+trace / gates", ratio("large", "gates+trace/gates"), "≤", 1.3),
        ("import gates / import numpy", startup_ratio("import gates", "import numpy"), "≤", 1.2),
        ("python -m gates.trace / import numpy, rich",
         startup_ratio("python -m gates.trace", "import numpy, rich"), "≤", 2.0),
    ]
    result = [{"target": name, "measured": value, "limit": f"{op} {limit:g}",
               "met": None if value is None else (value <= limit if op == "≤" else value >= limit)}
              for name, value, op, limit in rows]
    if startup is not None:
        imports_rich = startup["gates_imports_rich"]
        result.append({"target": "import gates loads no rich", "measured": imports_rich,
                       "limit": "False", "met": not imports_rich})
    return result


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions = {}
    for package in ("numpy", "torch", "micrograd", "rich"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "versions": versions, "blas": blas(),
            "env": {name: os.environ.get(name) for name in
                    ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
                     "OMP_NUM_THREADS", "MKL_NUM_THREADS")}}


def blas() -> list[dict]:
    """numpy's BLAS as threadpoolctl sees it (kernel, threads), else as numpy was built."""
    try:
        from threadpoolctl import threadpool_info
        return [{key: pool.get(key) for key in ("internal_api", "version", "architecture",
                                                "num_threads")} for pool in threadpool_info()]
    except ImportError:
        pass
    try:
        config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    except (TypeError, KeyError):  # numpy older than 1.25 has no mode="dicts"
        return []
    return [{"internal_api": config.get("name"), "version": config.get("version")}]


# --- the report --------------------------------------------------------------------------------

LABELS = {"gates": "gates Graph (train_step)", "gates lesson": "gates forward+backward+step",
          "gates+trace": "gates Graph + Tracer", "numpy": "numpy by hand",
          "torch": "PyTorch eager", "micrograd": "micrograd", "floor": "matrix products alone"}


def seconds(value: float) -> str:
    if value < 1e-3:
        return f"{value * 1e6:.1f} µs"
    if value < 1:
        return f"{value * 1e3:.2f} ms"
    return f"{value:.2f} s"


def times_table(cases: list[dict]) -> tuple[list[str], list[list[str]]]:
    header = ["case", "engine", "median step", "× numpy", "× gates"]
    rows = []
    for case in cases:
        medians = {name: e["median_s"] for name, e in case["engines"].items()}
        what = f"{case['name']} {case['layers']} k={case['batch']} {case['activation']}"
        for name in ENGINES:
            if name not in medians:
                continue
            versus = [f"{medians[name] / medians[ref]:.2f}" if ref in medians else "—"
                      for ref in ("numpy", "gates")]
            rows.append([what, LABELS[name], seconds(medians[name]), *versus])
            what = ""
    return header, rows


def startup_table(startup: dict) -> tuple[list[str], list[list[str]]]:
    commands = startup["commands"]
    numpy_time = commands.get("import numpy", {}).get("median_s")
    rows = [[label, seconds(c["median_s"]),
             f"{c['median_s'] / numpy_time:.2f}" if numpy_time else "—"]
            for label, c in commands.items()]
    return ["command (fresh interpreter)", "median wall time", "× import numpy"], rows


def targets_table(found: list[dict]) -> tuple[list[str], list[list[str]]]:
    def shown(value):
        if value is None:
            return "not measured"
        return f"{value:.2f}" if isinstance(value, float) else str(value)

    rows = [[t["target"], shown(t["measured"]), t["limit"],
             {True: "met", False: "NOT met", None: "—"}[t["met"]]] for t in found]
    return ["target", "measured", "limit", "verdict"], rows


def tables(document: dict) -> list[tuple[str, list[str], list[list[str]]]]:
    settings = document["settings"]
    found = [(f"One training step (forward + loss + backward + SGD), float64, median of "
              f"{settings['repeat']}", *times_table(document["cases"]))]
    if document["startup"] is not None:
        found.append(("Start-up", *startup_table(document["startup"])))
    found.append(("Targets (ratios from this run)", *targets_table(document["targets"])))
    return found


def notes(document: dict) -> list[str]:
    """Every note once, with the cases it concerns: "tiny, medium: torch: not installed"."""
    cases: dict[str, list[str]] = {}
    for case in document["cases"]:
        for note in case["notes"]:
            cases.setdefault(note, []).append(case["name"])
    found = [f"{', '.join(names)}: {note}" for note, names in cases.items()]
    if document["startup"] is not None:
        found += document["startup"]["notes"]
    return found


def machine_line(document: dict) -> str:
    """The machine in one line: CPU, cores, Python, numpy and its BLAS, torch, micrograd."""
    found = document["machine"]
    versions = found["versions"]
    pools = ", ".join(f"{pool.get('internal_api')} {pool.get('version')}"
                      + (f" ({pool['architecture']} kernel, {pool['num_threads']} threads)"
                         if pool.get("architecture") else "") for pool in found["blas"])
    parts = [f"{found['cpu']} ({found['cores']} cores)", f"Python {found['python']}",
             f"numpy {versions['numpy']}" + (f" with {pools}" if pools else "")]
    parts += [f"{name} {versions[name]}" for name in ("torch", "micrograd") if versions[name]]
    variables = [f"{name}={value}" for name, value in found["env"].items() if value]
    parts.append(", ".join(variables) or "no BLAS or OpenMP variables set")
    return "; ".join(parts)


def print_rich(document: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[dim]{machine_line(document)}[/dim]")
    for title, header, rows in tables(document):
        table = Table(title=title, title_justify="left")
        for i, column in enumerate(header):
            table.add_column(column, justify="left" if i < 2 or column == "target" else "right")
        for row in rows:
            table.add_row(*row)
        console.print(table)
    for note in notes(document):
        console.print(f"[dim]note: {note}[/dim]")


def markdown(document: dict) -> str:
    lines = [f"Machine: {machine_line(document)}.", ""]
    for title, header, rows in tables(document):
        lines += [f"**{title}**", "", "| " + " | ".join(header) + " |",
                  "|" + "|".join("---" for _ in header) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        lines.append("")
    lines += [f"- {note}" for note in notes(document)]
    return "\n".join(lines)


# --- the command line --------------------------------------------------------------------------

def names(allowed) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        chosen = [name.strip() for name in text.split(",") if name.strip()]
        unknown = [name for name in chosen if name not in allowed]
        if unknown or not chosen:
            raise argparse.ArgumentTypeError(f"unknown {', '.join(unknown) or 'empty list'}; "
                                             f"choose among {', '.join(allowed)}")
        return chosen
    return parse


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description="Time one training step of the same MLP in gates, hand-written numpy, "
                    "PyTorch and micrograd (when installed), and the start-up of gates.")
    parser.add_argument("--cases", type=names(CASES), default=list(CASES),
                        help="comma-separated, among tiny, medium, large (default: all)")
    parser.add_argument("--engines", type=names(ENGINES), default=list(ENGINES),
                        help=f"comma-separated, among {', '.join(ENGINES)} (default: all)")
    parser.add_argument("--repeat", type=int, default=21,
                        help="timed repetitions per engine; the median is reported (default 21)")
    parser.add_argument("--warmup", type=int, default=1,
                        help="untimed repetitions first (default 1)")
    parser.add_argument("--number", type=int, default=None,
                        help="steps per repetition (default: per case, 200 tiny, 100 medium, 5 large)")
    parser.add_argument("--settle", type=float, default=None,
                        help="seconds of rest before each timed block (default: per case, "
                             "0 tiny, 0.05 medium, 0.15 large)")
    parser.add_argument("--startup-repeat", type=int, default=11,
                        help="runs of each start-up command; 0 skips them (default 11)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
    parser.add_argument("--markdown", action="store_true",
                        help="print Markdown tables (for the README) instead of rich ones")
    args = parser.parse_args(argv)
    for option in ("repeat", "number"):
        value = getattr(args, option)
        if value is not None and value < 1:
            parser.error(f"--{option} must be at least 1; got {value}")
    if args.warmup < 0 or args.startup_repeat < 0 or (args.settle or 0) < 0:
        parser.error("--warmup, --startup-repeat and --settle must be 0 or more")
    if "gates" not in args.engines:
        args.engines.insert(0, "gates")  # the reference of every ratio and loss check

    document = {"machine": machine(),
                "settings": {"repeat": args.repeat, "warmup": args.warmup, "lr": LR,
                             "dtype": "float64", "data_seed": DATA_SEED, "weights_seed": 0}}
    document["cases"] = [run_case(CASES[name], args.engines, args.repeat, args.warmup, args.number,
                                  args.settle) for name in args.cases]
    document["startup"] = run_startup(args.startup_repeat) if args.startup_repeat else None
    document["targets"] = targets({c["name"]: c for c in document["cases"]}, document["startup"])
    if args.json:
        write_text(args.json, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    if args.markdown:
        print(markdown(document))
    else:
        print_rich(document)
    return document


if __name__ == "__main__":
    main()
