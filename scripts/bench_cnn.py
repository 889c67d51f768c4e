"""How fast is a CNN's training step? LeNet in gates' Graph, by hand in numpy, and in PyTorch.

    python scripts/bench_cnn.py                       # batch 64, input 1×28×28, a table
    python scripts/bench_cnn.py --json out.json       # the figures as one JSON document
    python scripts/bench_cnn.py --markdown            # the table as Markdown, for the README

One step is forward + cross-entropy + backward + SGD update, in float64, of
Graph.from_spec("lenet", input_shape, seed=0) (conv 6 5×5, relu, maxpool 2, conv 16 5×5, relu,
maxpool 2, flatten, 120, relu, 84, relu, 10) and of the same network, from the same weights, in:
    gates          Graph.train_step (the fast path; convolutions and pools run their own code)
    gates lesson   forward(), backward(), step(): the path a student reads and the tracer watches
    numpy          NumpyLeNet below: im2col by stride tricks, one matrix product per convolution,
                   bias and ReLU fused, no dJ/dX for the first convolution: the baseline of ratios
    torch          PyTorch eager on the CPU (conv2d, max_pool2d, zero_grad/backward/step), when
                   installed; never a dependency of gates
The first losses must agree before anything is timed. Each figure is the median over --repeat
repetitions, the engines taking turns; every ratio comes from this one run. A benchmark, not a
test: nothing here decides pass or fail on a time.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from bench import agree, machine, machine_line, seconds, timed_block  # noqa: E402

from graph import Graph  # noqa: E402

LR = 0.01
TARGET = 1.25  # gates / numpy


# --- the network by hand ---------------------------------------------------------------------------

def conv_forward(x, w, b):
    """x k×C×H×W, w F×C×kh×kw, b 1×F×1×1 → (k×F×H′×W′, the im2col matrix (C·kh·kw)×(k·H′·W′))."""
    F, C, kh, kw = w.shape
    win = sliding_window_view(x, (kh, kw), axis=(2, 3))  # k×C×H′×W′×kh×kw
    k, _, H2, W2 = win.shape[:4]
    cols = win.transpose(1, 4, 5, 0, 2, 3).reshape(C * kh * kw, -1)
    z = w.reshape(F, -1) @ cols + b.reshape(F, 1)
    return z.reshape(F, k, H2, W2).transpose(1, 0, 2, 3), cols


def conv_backward(dz, cols, x_shape, w, need_dx=True):
    """dz k×F×H′×W′ → (dx or None, dw, db)."""
    F, C, kh, kw = w.shape
    d = dz.transpose(1, 0, 2, 3).reshape(F, -1)
    dw, db = (d @ cols.T).reshape(w.shape), d.sum(axis=1).reshape(1, F, 1, 1)
    if not need_dx:
        return None, dw, db
    k, H2, W2 = dz.shape[0], dz.shape[2], dz.shape[3]
    dcols = (w.reshape(F, -1).T @ d).reshape(C, kh, kw, k, H2, W2)
    dx = np.zeros((C, k, *x_shape[2:]))
    for a in range(kh):
        for c in range(kw):
            dx[:, :, a:a + H2, c:c + W2] += dcols[:, a, c]
    return dx.transpose(1, 0, 2, 3), dw, db


def pool_forward(x):
    """2×2 max pooling, stride 2: the largest of the four pixels of each window."""
    return np.maximum(np.maximum(x[:, :, 0::2, 0::2], x[:, :, 0::2, 1::2]),
                      np.maximum(x[:, :, 1::2, 0::2], x[:, :, 1::2, 1::2]))


def pool_backward(dout, x, out):
    """dout to the first max of each window, row by row."""
    dx = np.zeros(x.shape)
    free = np.ones(out.shape, dtype=bool)
    for a in (0, 1):
        for c in (0, 1):
            hit = (x[:, :, a::2, c::2] == out) & free
            dx[:, :, a::2, c::2] = dout * hit
            free &= ~hit
    return dx


class NumpyLeNet:
    """The LeNet of Graph.from_spec("lenet") written out in numpy, on copies of its weights."""

    def __init__(self, params: dict[str, np.ndarray]) -> None:
        self.p = {name: np.array(value, copy=True) for name, value in params.items()}

    @classmethod
    def from_graph(cls, graph: Graph) -> NumpyLeNet:
        return cls(dict(graph.params))

    def forward_backward(self, X, y) -> tuple[float, dict[str, np.ndarray]]:
        """J and dJ/d(each parameter)."""
        p = self.p
        k = X.shape[0]
        z2, cols1 = conv_forward(X, p["W1"], p["b1"])
        a2 = np.maximum(z2, 0)
        p2 = pool_forward(a2)
        z3, cols2 = conv_forward(p2, p["W2"], p["b2"])
        a3 = np.maximum(z3, 0)
        p3 = pool_forward(a3)
        f3 = p3.reshape(k, -1)
        z4 = f3 @ p["W3"] + p["b3"]
        a4 = np.maximum(z4, 0)
        z5 = a4 @ p["W4"] + p["b4"]
        a5 = np.maximum(z5, 0)
        z6 = a5 @ p["W5"] + p["b5"]
        shifted = z6 - z6.max(axis=1, keepdims=True)
        log_s = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        J = -np.sum(y * log_s) / k
        g = {}
        dz6 = (np.exp(log_s) - y) / k
        g["W5"], g["b5"] = a5.T @ dz6, dz6.sum(axis=0, keepdims=True)
        dz5 = (dz6 @ p["W5"].T) * (z5 > 0)
        g["W4"], g["b4"] = a4.T @ dz5, dz5.sum(axis=0, keepdims=True)
        dz4 = (dz5 @ p["W4"].T) * (z4 > 0)
        g["W3"], g["b3"] = f3.T @ dz4, dz4.sum(axis=0, keepdims=True)
        dp3 = (dz4 @ p["W3"].T).reshape(p3.shape)
        dz3 = pool_backward(dp3, a3, p3) * (z3 > 0)
        dp2, g["W2"], g["b2"] = conv_backward(dz3, cols2, p2.shape, p["W2"])
        dz2 = pool_backward(dp2, a2, p2) * (z2 > 0)
        _, g["W1"], g["b1"] = conv_backward(dz2, cols1, X.shape, p["W1"], need_dx=False)
        return float(J), g

    def train_step(self, X, y, lr: float) -> float:
        J, grads = self.forward_backward(X, y)
        for name, grad in grads.items():
            self.p[name] -= lr * grad
        return J


# --- the engines -----------------------------------------------------------------------------------

def data(batch: int, shape: tuple, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch, *shape)), np.eye(10)[rng.integers(0, 10, size=batch)]


def engines(shape: tuple, X, y) -> tuple[dict, list[str]]:
    """The steps to time, by name, and notes on those that are not available."""
    def graph() -> Graph:
        return Graph.from_spec("lenet", shape, seed=0)
    fast, lesson, by_hand = graph(), graph(), NumpyLeNet.from_graph(graph())

    def lesson_step() -> float:
        J = lesson.forward(X=X, y=y)
        lesson.backward()
        lesson.step(LR)
        return J
    steps = {"gates": lambda: fast.train_step(LR, X=X, y=y), "gates lesson": lesson_step,
             "numpy": lambda: by_hand.train_step(X, y, LR)}
    notes = []
    if importlib.util.find_spec("torch") is None:
        notes.append("PyTorch is not installed (pip install torch): its column is left out")
    else:
        steps["torch"] = torch_step(graph(), X, y)
    return steps, notes


def torch_step(graph: Graph, X, y):
    import torch
    import torch.nn.functional as F

    params = {name: torch.tensor(np.array(v), dtype=torch.float64, requires_grad=True)
              for name, v in graph.params.items()}
    optimizer = torch.optim.SGD(list(params.values()), lr=LR)
    X, labels = torch.from_numpy(X), torch.from_numpy(y.argmax(axis=1))
    p = params

    def step() -> float:
        optimizer.zero_grad()
        a = F.max_pool2d(F.relu(F.conv2d(X, p["W1"], p["b1"].reshape(-1))), 2)
        a = F.max_pool2d(F.relu(F.conv2d(a, p["W2"], p["b2"].reshape(-1))), 2).flatten(1)
        a = F.relu(a @ p["W3"] + p["b3"])
        a = F.relu(a @ p["W4"] + p["b4"])
        J = F.cross_entropy(a @ p["W5"] + p["b5"], labels)
        J.backward()
        optimizer.step()
        return J.item()
    return step


def run(batch: int, shape: tuple, repeat: int, number: int) -> dict:
    X, y = data(batch, shape)
    steps, notes = engines(shape, X, y)
    first = {name: step() for name, step in steps.items()}
    if agree(first, "gates", 1e-10):
        raise AssertionError(f"first losses disagree: {first}")
    times = {name: [] for name in steps}
    names = list(steps)
    for r in range(repeat):
        for name in names[r % len(names):] + names[:r % len(names)]:
            times[name].append(timed_block(steps[name], number))
    median = {name: statistics.median(t) for name, t in times.items()}
    ratios = {f"{a}/{b}": median[a] / median[b] for a, b in
              (("gates", "numpy"), ("gates lesson", "numpy"), ("torch", "numpy"), ("gates", "torch"))
              if a in median and b in median}
    return {"network": "lenet", "batch": batch, "input": list(shape), "repeat": repeat,
            "steps_per_timing": number, "first_loss": first, "median_s": median,
            "times_s": times, "ratios": ratios, "notes": notes, "machine": machine()}


def table(result: dict) -> list[list[str]]:
    """engine, median step, × numpy, × gates."""
    median = result["median_s"]
    return [[name, seconds(t), f"{t / median['numpy']:.2f}", f"{t / median['gates']:.2f}"]
            for name, t in median.items()]


def report(result: dict, markdown: bool) -> str:
    shape = "×".join(map(str, result["input"]))
    lines = [f"LeNet, input {shape}, batch {result['batch']}: one training step (forward + loss + "
             f"backward + SGD), float64, median of {result['repeat']}",
             f"Machine: {machine_line({'machine': result['machine']})}", ""]
    head = ["engine", "median step", "× numpy", "× gates"]
    rows = table(result)
    if markdown:
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
    else:
        lines += ["  ".join(f"{cell:>12}" for cell in head)]
        lines += ["  ".join(f"{cell:>12}" for cell in row) for row in rows]
    ratio = result["ratios"]["gates/numpy"]
    lines += ["", f"target: gates / numpy {ratio:.2f} ≤ {TARGET}: {'met' if ratio <= TARGET else 'NOT met'}"]
    return "\n".join(lines + [f"note: {note}" for note in result["notes"]])


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--input", default="1x28x28", help="C×H×W of one image (1x28x28)")
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--number", type=int, default=5, help="steps per timed block")
    parser.add_argument("--json", metavar="FILE", help="write the figures to FILE as JSON")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args(argv)
    shape = tuple(int(part) for part in args.input.lower().replace("×", "x").split("x"))
    result = run(args.batch, shape, args.repeat, args.number)
    print(report(result, args.markdown))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"({time.perf_counter() - start:.0f} s)", file=sys.stderr)
