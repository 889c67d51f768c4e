"""Lab 3, training. Goal: train the [2, 3, 1] network and a wider one, [2, 8, 1], by gradient
descent on an XOR-like data set made here (a point is 1 where x₁·x₂ > 0, else 0), watch the
loss fall, and compare the decision surfaces they learn.

    python scripts/lab_training.py                    # pictures in ./lab_output
    python scripts/lab_training.py --seed 2           # another start for the small network
    python scripts/lab_training.py --text             # charts in the terminal, no PNG

The loss curves and decision surfaces are PNG files when matplotlib is installed
(pip install -e ".[plot]"), text charts otherwise. A progress bar shows while training in a
terminal.
"""

from __future__ import annotations

import sys

import numpy as np

# lab_common first: it makes gates importable from a checkout without `pip install -e .`
from lab_common import Asker, fail, goal, out_dir, parser, run

from gates.shapes import format_shape
from graph import Graph, plot


def xor_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n points uniform in [−1, 1]², X n×2, and their labels y n×1: 1 where x₁·x₂ > 0."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, (n, 2))
    y = (X[:, :1] * X[:, 1:] > 0).astype(np.float64)
    return X, y


def network(layers: list[int], seed: int) -> Graph:
    """Sigmoid hidden layer (as docs/NETWORK.md), a sigmoid output for a 0–1 prediction, mse loss."""
    return Graph.mlp(layers, activation="sigmoid", output_activation="sigmoid", loss="mse",
                     seed=seed)


def predictor(g: Graph):
    """P (n×2) → ŷ (n×1): the value entering the loss, for any batch of points."""
    out = g.nodes[g.output].inputs[0]

    def predict(points: np.ndarray) -> np.ndarray:
        g.forward(X=points, y=np.zeros((len(points), 1)))
        return g.values[out]
    return predict


def accuracy(g: Graph, X: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((predictor(g)(X) >= 0.5) == (y > 0.5)))


def shapes_question(ask: Asker, g: Graph, X: np.ndarray, y: np.ndarray) -> None:
    """The batch is the whole data set: which gradients grow with it, which do not?"""
    g.forward(X=X, y=y)
    grads = g.backward()
    n = len(X)
    ask(f"Training uses all {n} points at once: X is {format_shape(X.shape)}. What shapes are "
        f"δ² = dJ/dz² and dJ/dW¹?",
        f"δ² = dJ/dz² is {format_shape(grads['z2'].shape)}, one row per observation; dJ/dW¹ is "
        f"{format_shape(grads['W1'].shape)}, W¹'s shape: Xᵀ·δ² sums over the {n} observations.")


def train(args, X: np.ndarray, y: np.ndarray) -> tuple[dict, dict]:
    """Both networks trained on the whole batch: ({name: loss history}, {name: graph})."""
    histories, trained = {}, {}
    for layers in ([2, 3, 1], [2, args.hidden, 1]):
        g = network(layers, args.seed)
        name = str(layers)
        print(f"\n{name}: {g.summary().totals()}; {args.epochs} epochs, λ = {args.lr}")
        history = g.fit(X, y, epochs=args.epochs, lr=args.lr)
        g.forward(X=X, y=y)
        grads = g.backward()
        print(f"  loss {history[0]:.4f} → {history[-1]:.4f}; accuracy {accuracy(g, X, y):.1%}")
        print(f"  on the whole batch: δ² is {format_shape(grads['z2'].shape)}, "
              f"dJ/dW¹ is {format_shape(grads['W1'].shape)}, dJ/dW² is "
              f"{format_shape(grads['W2'].shape)}")
        histories[name], trained[name] = history, g
    return histories, trained


def draw(folder, histories: dict, trained: dict, X: np.ndarray, y: np.ndarray) -> None:
    """The loss curves and the decision surfaces: PNG files in `folder`, or text charts."""
    print()
    where = None if folder is None else folder / "loss.png"
    drawn = plot.show_losses(histories, where, title="XOR-like data: loss per epoch")
    if drawn:
        print(f"loss curves: {drawn}")
    for name, g in trained.items():
        where = None if folder is None else folder / f"surface_{'-'.join(name.strip('[]').split(', '))}.png"
        if where is None or not plot.have_matplotlib():
            print(f"\n{name}, accuracy {accuracy(g, X, y):.1%}:")
        drawn = plot.show_surface(predictor(g), X, y, where,
                                  title=f"{name}: accuracy {accuracy(g, X, y):.1%}")
        if drawn:
            print(f"decision surface of {name}: {drawn}")


def main(argv=None) -> int:
    p = parser(__doc__, out=True)
    p.add_argument("--epochs", type=int, default=3000, help="gradient steps (default 3000)")
    p.add_argument("--lr", type=float, default=2.0, help="learning rate λ (default 2.0)")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights (default 0)")
    p.add_argument("--hidden", type=int, default=8, help="the wider net's hidden size (default 8)")
    p.add_argument("--points", type=int, default=200, help="size of the data set (default 200)")
    p.add_argument("--text", action="store_true", help="draw in the terminal even with matplotlib")
    args = p.parse_args(argv)
    if not (1 <= args.epochs <= 10**6 and 4 <= args.points <= 10**6 and 1 <= args.hidden <= 10**4
            and 0 < args.lr < float("inf") and args.seed >= 0):
        p.error("--epochs (1 to 10⁶), --points (4 to 10⁶), --hidden (1 to 10⁴) and --seed (≥ 0) must "
                "be whole numbers and --lr a positive number")
    goal(__doc__)
    folder = None if args.text else out_dir(args)
    X, y = xor_data(args.points, seed=1234)
    print(f"\nData: X is {format_shape(X.shape)}, y is {format_shape(y.shape)}; "
          f"{int(y.sum())} of {len(y)} points are 1.")
    try:
        shapes_question(Asker(args), network([2, 3, 1], args.seed), X, y)
        histories, trained = train(args, X, y)
        draw(folder, histories, trained, X, y)
    except ValueError as error:  # a diverged loss (too large a --lr), a picture not written
        fail(error)
    print("\nThree hidden neurons are just enough for the XOR pattern: where they end up depends "
          "on\ntheir start (try --seed 1, 2, 3). The wider network has room to spare.")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
