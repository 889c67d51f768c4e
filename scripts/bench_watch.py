"""What gates.watch costs: one numpy training step, watched and unwatched, side by side.

The step is what a person writes by hand (forward, mean squared error, backward, SGD update on a
dict of parameters, as in scripts/numpy_mlp.py), timed as `train_step(X, y, params, lr)` and as
`gates.watch(train_step, X, y, params, lr)`: the watch's whole cost, from tracking the arguments
to handing back plain results. Two cases: the tiny [2, 3, 1] network with a batch of 4 and
sigmoid (where the Python bookkeeping of every operation shows most), and [784, 512, 512, 10]
with a batch of 256 and ReLU (where numpy's products dominate).

Before timing, each case checks that the watched step returns the same loss and leaves the
same parameters, bit for bit, and that the watch finds no problem in this correct code. The two
variants take turns in every repetition; each figure is a median, and every ratio comes from
this one run; "fastest ×" compares the fastest repetitions, the figure least disturbed by other
work on a shared machine. A benchmark, not a test: nothing in the test suite asserts a time.

    python scripts/bench_watch.py              # both cases
    python scripts/bench_watch.py --repeat 5   # fewer repetitions (a quick look)
"""

from __future__ import annotations

import argparse
import copy
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import gates  # noqa: E402  (after the path: runs from a checkout too)

LIMITS = {"tiny": 3.0, "large": 1.15}  # issue 12: watched / unwatched


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def relu(z):
    return np.maximum(z, 0.0)


def train_step(X, y, params, lr, activation="sigmoid"):
    """One step of gradient descent; params holds W1, b1, W2, b2, ... (W^l m^l×m^(l+1), b^l 1×m^(l+1))."""
    layers = len(params) // 2
    f = sigmoid if activation == "sigmoid" else relu
    a = [X]                                   # a[0] = X (k×m¹)
    for l in range(1, layers + 1):
        z = a[-1] @ params[f"W{l}"] + params[f"b{l}"]
        a.append(z if l == layers else f(z))  # a linear output
    diff = a[-1] - y
    loss = np.mean(diff ** 2)
    delta = 2.0 * diff / diff.size            # dJ/dŷ, k×m^L
    for l in range(layers, 0, -1):
        dW = a[l - 1].T @ delta
        db = delta.sum(axis=0, keepdims=True)
        if l > 1:                             # f′ from the activation itself
            back = delta @ params[f"W{l}"].T
            delta = back * (a[l - 1] * (1.0 - a[l - 1]) if activation == "sigmoid" else a[l - 1] > 0)
        params[f"W{l}"] -= lr * dW
        params[f"b{l}"] -= lr * db
    return loss


def network(layers: list[int], batch: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, layers[0]))
    y = rng.standard_normal((batch, layers[-1]))
    params = {}
    for l, (m, n) in enumerate(zip(layers, layers[1:]), start=1):
        params[f"W{l}"] = rng.standard_normal((m, n)) * np.sqrt(2.0 / m)
        params[f"b{l}"] = np.zeros((1, n))
    return X, y, params


def check_same(X, y, params, activation: str) -> None:
    """The watched step gives the unwatched one's loss and parameters, bit for bit, no problems."""
    mine, theirs = copy.deepcopy(params), copy.deepcopy(params)
    loss = train_step(X, y, mine, 0.1, activation)
    w = gates.watch(train_step, X, y, theirs, 0.1, activation)
    same = w.result == loss and type(w.result) is type(loss) and all(
        np.array_equal(mine[k], theirs[k]) and mine[k].dtype == theirs[k].dtype for k in mine)
    if not same or w.problems:
        raise SystemExit(f"the watched step differs from the unwatched one: {w.problems}")


def time_case(name: str, layers: list[int], batch: int, activation: str, repeat: int, inner: int):
    X, y, params = network(layers, batch)
    check_same(X, y, params, activation)
    lr = 1e-3

    def unwatched():
        train_step(X, y, params, lr, activation)

    def watched():
        gates.watch(train_step, X, y, params, lr, activation)

    for fn in (unwatched, watched):  # warm-up
        fn()
    times: dict = {unwatched: [], watched: []}
    for _ in range(repeat):
        for fn in (unwatched, watched):  # the two take turns
            start = time.perf_counter()
            for _ in range(inner):
                fn()
            times[fn].append((time.perf_counter() - start) / inner)
    plain, seen = statistics.median(times[unwatched]), statistics.median(times[watched])
    events = len(gates.watch(train_step, X, y, params, lr, activation).events)
    return {"case": name, "unwatched": plain, "watched": seen, "ratio": seen / plain,
            "fastest": min(times[watched]) / min(times[unwatched]), "limit": LIMITS[name],
            "events": events}


def duration(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} µs" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=101, help="repetitions per case (default 101)")
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error(f"--repeat must be at least 1; got {args.repeat}")
    cases = [time_case("tiny", [2, 3, 1], 4, "sigmoid", args.repeat, inner=50),
             time_case("large", [784, 512, 512, 10], 256, "relu", max(3, args.repeat // 5), inner=1)]
    print(f"Machine: {platform.processor() or platform.machine()}; Python {platform.python_version()}; "
          f"numpy {np.__version__}")
    print("One numpy training step, unwatched and under gates.watch (median; ratios from this run)\n")
    print("| case | operations | unwatched | watched | × unwatched | fastest × | limit | verdict |")
    print("|---|---|---|---|---|---|---|---|")
    labels = {"tiny": "tiny [2, 3, 1] k=4 sigmoid", "large": "large [784, 512, 512, 10] k=256 relu"}
    for c in cases:
        verdict = "met" if c["ratio"] <= c["limit"] else "NOT met"
        print(f"| {labels[c['case']]} | {c['events']} | {duration(c['unwatched'])} | "
              f"{duration(c['watched'])} | {c['ratio']:.2f} | {c['fastest']:.2f} | ≤ {c['limit']} | "
              f"{verdict} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
