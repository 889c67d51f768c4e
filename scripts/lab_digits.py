"""Lab 5, real data. Goal: train a [64, 32, 10] network with softmax and
cross-entropy on scikit-learn's 8×8 handwritten digits by mini-batch gradient
descent, watch the training and validation losses fall, measure the accuracy on
digits the network never saw, and look at the ones it gets wrong; then a
[2, 16, 2] network on the two-moons shape and its decision surface.

    python scripts/lab_digits.py                   # both; pictures in ./lab_output
    python scripts/lab_digits.py --data moons      # the moons only (no scikit-learn)
    python scripts/lab_digits.py --text            # charts in the terminal, no PNG

The digits ship with scikit-learn, an optional extra: pip install -e ".[digits]".
The pictures are PNG files with matplotlib (pip install -e ".[plot]"), text
charts otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

# lab_common first: it makes gates importable from a checkout without `pip install -e .`
from lab_common import Asker, fail, goal, out_dir, parser, run, shape_marker

from gates.shapes import format_shape
from graph import Graph, plot
from graph.files import replacing

INSTALL_DIGITS = 'pip install -e ".[digits]"'
SHADES = " .:-=+*#%@"  # a pixel of 0 to 16 as a character, for the text pictures


class MissingExtra(Exception):
    """An optional package the lab needs is not installed; the message says how to get it."""


# --- data ------------------------------------------------------------------------------------

def one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    """labels (n,) of 0 … classes−1 → Y n×classes, a single 1 per row."""
    return np.eye(classes)[labels]


def split(n: int, test: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of a shuffled split: (train, test), `test` rows held out."""
    order = np.random.default_rng(seed).permutation(n)
    return order[test:], order[:test]


def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1797 digits: X 1797×64 (pixels 0–16 scaled to 0–1), labels (1797,)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise MissingExtra(f"the 8×8 digits ship with scikit-learn, which is not installed: "
                           f"{INSTALL_DIGITS} (or pip install scikit-learn), or run "
                           f"--data moons") from None
    data = load_digits()
    return data.data / 16.0, data.target


def two_moons(n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles with Gaussian noise: X n×2, labels (n,) 0 (upper) or 1."""
    rng = np.random.default_rng(seed)
    half = n // 2
    t = rng.uniform(0.0, np.pi, n)
    upper = np.column_stack([np.cos(t[:half]), np.sin(t[:half])])
    lower = np.column_stack([1 - np.cos(t[half:]), 0.5 - np.sin(t[half:])])
    X = np.vstack([upper, lower]) + noise * rng.standard_normal((n, 2))
    return X, np.r_[np.zeros(half, dtype=int), np.ones(n - half, dtype=int)]


# --- the questions ---------------------------------------------------------------------------

def questions(ask: Asker, n_train: int, batch: int, hidden: int, classes: int) -> None:
    """Shapes in a mini-batch step: what grows with the batch, and what the mean divides by."""
    last = n_train % batch or batch
    ask(f"X holds {n_train} training digits, 64 pixels each ({n_train}×64); one step sees a "
        f"mini-batch of {batch} rows. In that step, what shapes are δ² = dJ/dz² and dJ/dW¹?",
        f"δ² is {batch}×{hidden}: one row per observation of the mini-batch, one column per "
        f"hidden neuron. dJ/dW¹ = Xᵀ·δ² is ({format_shape((64, batch))})·({batch}×{hidden}) → "
        f"64×{hidden}, W¹'s shape whatever the batch: the product sums over its rows.",
        shape_marker((batch, hidden)))
    ask(f"Cross-entropy averages over the batch. What is δ³ = dJ/dz³ in the last mini-batch of "
        f"an epoch, which holds the {last} digits left over?",
        f"(softmax(z³) − y)/{last}, {last}×{classes}: the k of the mean is the number of rows "
        f"in this batch, not {batch}.")


# --- pictures --------------------------------------------------------------------------------

def text_digit(pixels: np.ndarray) -> list[str]:
    """An 8×8 image (values 0–1, 64 numbers) as 8 lines of characters, darker = more ink."""
    levels = np.clip((pixels.reshape(8, 8) * (len(SHADES) - 1)).round().astype(int), 0, len(SHADES) - 1)
    return ["".join(SHADES[v] * 2 for v in row).rstrip() for row in levels]


def save_mistakes(images: np.ndarray, true: np.ndarray, said: np.ndarray, sure: np.ndarray,
                  path: Path) -> str:
    """Up to 12 misclassified digits in a grid, each titled with its label and the network's
    answer; a PNG written whole or not at all. images n×64, true/said/sure (n,)."""
    from matplotlib.figure import Figure

    count = len(images)
    columns = min(count, 6)
    rows = -(-count // columns)
    figure = Figure(figsize=(1.6 * columns, 1.9 * rows + 0.4), layout="constrained")
    figure.suptitle("test digits the network gets wrong")
    for i in range(count):
        axes = figure.add_subplot(rows, columns, i + 1)
        axes.imshow(images[i].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        axes.set_title(f"label {true[i]}, said {said[i]}\n(p = {sure[i]:.2f})", fontsize=9)
        axes.set_xticks([])
        axes.set_yticks([])
    with replacing(path) as temporary:
        figure.savefig(temporary, format="png", dpi=120)
    return str(path)


def show_mistakes(folder: Path | None, X: np.ndarray, labels: np.ndarray, p: np.ndarray) -> None:
    """The misclassified test digits: a PNG in `folder`, or the first three as text."""
    said = p.argmax(axis=1)
    wrong = np.flatnonzero(said != labels)[:12]
    if not len(wrong):
        print("no test digit is misclassified")
        return
    sure = p[wrong, said[wrong]]
    if folder is not None and plot.have_matplotlib():
        where = save_mistakes(X[wrong], labels[wrong], said[wrong], sure, folder / "digits_mistakes.png")
        print(f"misclassified digits: {where}")
        return
    for i in wrong[:3]:
        print(f"\na {labels[i]} taken for a {said[i]} (p = {p[i, said[i]]:.2f}):")
        print("\n".join("  " + line for line in text_digit(X[i])))


def curves(folder: Path | None, history, name: str, title: str) -> None:
    where = None if folder is None else folder / f"{name}_loss.png"
    drawn = plot.show_losses({"training": list(history), "validation": history.val_loss}, where,
                             title=title)
    if drawn:
        print(f"loss curves: {drawn}")


# --- the two experiments ---------------------------------------------------------------------

def run_digits(args, folder: Path | None) -> dict:
    """[64, hidden, 10] on the digits: {"accuracy", "right", "test", "history", "graph", "X_test",
    "labels_test"}: what it measured, and what to measure it again with."""
    X, labels = digits()
    train, test = split(len(X), args.test, args.seed)
    Y = one_hot(labels, 10)
    g = Graph.mlp([64, args.hidden, 10], activation="sigmoid", loss="cross_entropy", seed=args.seed)
    print(f"\nDigits: {len(train)} to train on, {len(test)} held out to test; each row of X is an "
          f"8×8 image,\n64 pixels. [64, {args.hidden}, 10]: {g.summary().totals()}.")
    questions(Asker(args), len(train), args.batch_size, args.hidden, 10)
    print(f"\nTraining: {args.epochs} epochs, mini-batches of {args.batch_size}, λ = {args.lr}.")
    history = g.fit(X[train], Y[train], epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
                    validation=(X[test], Y[test]))
    for epoch in sorted({0, args.epochs // 2, args.epochs - 1}):
        print(f"  epoch {epoch + 1:>3}: loss {history[epoch]:.4f} ({history.accuracy[epoch]:.1%} right), "
              f"held out {history.val_loss[epoch]:.4f} ({history.val_accuracy[epoch]:.1%} right)")
    p = g.predict(X[test])
    right = int(np.sum(p.argmax(axis=1) == labels[test]))
    print(f"digits: test accuracy {right / len(test):.1%} ({right} of {len(test)} digits it never saw)")
    curves(folder, history, "digits", "8×8 digits, [64, 32, 10]: cross-entropy per epoch")
    show_mistakes(folder, X[test], labels[test], p)
    return {"accuracy": right / len(test), "right": right, "test": len(test), "history": history,
            "graph": g, "X_test": X[test], "labels_test": labels[test]}


def run_moons(args, folder: Path | None) -> dict:
    """[2, 16, 2] on the two moons: {"accuracy", "right", "test", "history", "graph", "X_test",
    "labels_test"}."""
    X, labels = two_moons(600, 0.15, seed=1)
    train, test = split(len(X), 150, args.seed)
    Y = one_hot(labels, 2)
    g = Graph.mlp([2, 16, 2], activation="sigmoid", loss="cross_entropy", seed=args.seed)
    print(f"\nTwo moons: {len(train)} points to train on, {len(test)} to test. [2, 16, 2], a softmax "
          f"over\nthe two classes: δ³ is k×2, one column per class.")
    history = g.fit(X[train], Y[train], epochs=200, lr=1.0, batch_size=32, validation=(X[test], Y[test]))
    right = int(np.sum(g.predict(X[test]).argmax(axis=1) == labels[test]))
    print(f"moons: test accuracy {right / len(test):.1%} ({right} of {len(test)})")
    curves(folder, history, "moons", "two moons, [2, 16, 2]: cross-entropy per epoch")
    where = None if folder is None else folder / "moons_surface.png"
    drawn = plot.show_surface(lambda points: g.predict(points)[:, 1], X[test], labels[test], where,
                              title=f"two moons: test accuracy {right / len(test):.1%}")
    if drawn:
        print(f"decision surface: {drawn}")
    return {"accuracy": right / len(test), "right": right, "test": len(test), "history": history,
            "graph": g, "X_test": X[test], "labels_test": labels[test]}


def main(argv=None) -> int:
    p = parser(__doc__, out=True)
    p.add_argument("--data", choices=("both", "digits", "moons"), default="both",
                   help="which data set (default: both)")
    p.add_argument("--epochs", type=int, default=40, help="passes over the digits (default 40)")
    p.add_argument("--batch-size", type=int, default=50, help="rows per mini-batch (default 50)")
    p.add_argument("--lr", type=float, default=0.5, help="learning rate λ for the digits (default 0.5)")
    p.add_argument("--hidden", type=int, default=32, help="hidden neurons for the digits (default 32)")
    p.add_argument("--test", type=int, default=360, help="digits held out to test (default 360)")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights and the split (default 0)")
    p.add_argument("--text", action="store_true", help="draw in the terminal even with matplotlib")
    args = p.parse_args(argv)
    if not (1 <= args.epochs <= 10**5 and 1 <= args.batch_size <= 1797 and 1 <= args.hidden <= 10**4
            and 1 <= args.test <= 1000 and 0 < args.lr < float("inf") and args.seed >= 0):
        p.error("--epochs (1 to 10⁵), --batch-size (1 to 1797), --hidden (1 to 10⁴), --test (1 to 1000) "
                "and --seed (≥ 0) must be whole numbers, and --lr a positive number")
    goal(__doc__)
    folder = None if args.text else out_dir(args)
    try:
        if args.data in ("both", "digits"):
            try:
                run_digits(args, folder)
            except MissingExtra as error:
                if args.data == "digits":
                    fail(error)
                print(f"\nDigits skipped: {error}", file=sys.stderr)
        if args.data in ("both", "moons"):
            run_moons(args, folder)
    except ValueError as error:  # a diverged loss (too large a --lr), a picture not written
        fail(error)
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
