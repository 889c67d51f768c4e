"""Pictures of training: loss curves and a classifier's decision surface.

With matplotlib installed (an optional extra: `pip install -e ".[plot]"`) they are drawn to PNG
files; without it, as small text charts for the terminal. matplotlib is imported only when a PNG
is drawn, and through its object API (Figure), never pyplot, so no global backend is changed
and no display is needed.

    history = g.fit(X, y, epochs=2000, lr=0.5)
    show_losses({"[2, 3, 1]": history}, "loss.png")   # the PNG, or the text chart
"""

from __future__ import annotations

import importlib.util
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TextIO

import numpy as np

from .files import replacing

Histories = Sequence[float] | Mapping[str, Sequence[float]]
MARKERS = "*o+x#@"
INSTALL_MATPLOTLIB = 'pip install -e ".[plot]"'


def have_matplotlib() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def _named(histories: Histories) -> dict[str, list[float]]:
    """One loss history, or several by name, as {name: [loss, ...]}; refuses empty ones."""
    if isinstance(histories, Mapping):
        named = {str(k): [float(v) for v in h] for k, h in histories.items()}
    else:
        named = {"loss": [float(v) for v in histories]}
    if not named or any(len(h) == 0 for h in named.values()):
        raise ValueError("a loss curve needs at least one loss value: train for ≥ 1 epoch first")
    for name, history in named.items():
        if not all(math.isfinite(v) for v in history):
            first = next(i for i, v in enumerate(history) if not math.isfinite(v))
            whose = "the loss" if name == "loss" else f"the loss of {name}"
            raise ValueError(f"{whose} is {history[first]} from epoch {first} on: training "
                             f"diverged; lower the learning rate")
    return named


def _use_log(values: Sequence[float]) -> bool:
    """Log scale when the loss falls by more than 20×: the late, slow part stays visible."""
    low, high = min(values), max(values)
    return low > 0 and high / low > 20


def _save(figure, path) -> str:
    """The figure as a PNG at `path`, written whole or not at all (graph.files)."""
    with replacing(path) as temporary:
        figure.savefig(temporary, format="png", dpi=120)
    return str(path)


# --- loss curves -------------------------------------------------------------------------------

def text_chart(histories: Histories, *, width: int = 60, height: int = 12,
               log: bool | None = None) -> str:
    """The loss per epoch as a character chart, one marker per history (*, o, + ...)."""
    named = _named(histories)
    every = [v for h in named.values() for v in h]
    log = _use_log(every) if log is None else log
    scale = (lambda v: math.log10(v)) if log else (lambda v: v)
    top, bottom = scale(max(every)), scale(min(every))
    span = (top - bottom) or 1.0
    epochs = max(len(h) for h in named.values())
    width = min(width, epochs)  # one column per epoch at most
    grid = [[" "] * width for _ in range(height)]
    for marker, history in zip(MARKERS, named.values()):
        for column in range(width):
            epoch = round(column * (epochs - 1) / max(width - 1, 1))
            if epoch >= len(history):
                break
            row = round((top - scale(history[epoch])) / span * (height - 1))
            grid[row][column] = marker
    numbers = [f"{max(every):.4g}", f"{min(every):.4g}"]
    pad = max(len(n) for n in numbers)
    lines = [f"loss per epoch{' (log scale)' if log else ''}"]
    for i, row in enumerate(grid):
        label = numbers[0] if i == 0 else numbers[1] if i == height - 1 else ""
        tick = "┤" if label else "│"
        lines.append(f"{label:>{pad}} {tick}{''.join(row).rstrip()}")
    lines.append(" " * pad + " └" + "─" * width)
    last = str(epochs - 1)
    lines.append(" " * (pad + 2) + "0" + last.rjust(max(width - 1, len(last) + 1)) + " epoch")
    if len(named) > 1 or "loss" not in named:
        lines.append(" " * (pad + 2) + "   ".join(f"{m} {name}" for m, name in zip(MARKERS, named)))
    return "\n".join(lines)


def save_loss_plot(histories: Histories, path, *, title: str = "training loss",
                   log: bool | None = None) -> str:
    """Draw the loss curve(s) to a PNG at `path` with matplotlib; returns the path."""
    from matplotlib.figure import Figure

    named = _named(histories)
    log = _use_log([v for h in named.values() for v in h]) if log is None else log
    figure = Figure(figsize=(6.4, 4.0), layout="constrained")
    axes = figure.add_subplot()
    for name, history in named.items():
        axes.plot(np.arange(len(history)), history, label=name, linewidth=1.6)
    if log:
        axes.set_yscale("log")
    axes.set(title=title, xlabel="epoch", ylabel="loss J" + (" (log scale)" if log else ""))
    axes.grid(True, which="major", alpha=0.3)
    if len(named) > 1:
        axes.legend()
    return _save(figure, path)


def show_losses(histories: Histories, path=None, *, out: TextIO | None = None,
                title: str = "training loss") -> str | None:
    """The loss curve(s) as a PNG at `path` when matplotlib is installed (returns the path), else
    as a text chart printed to `out` (standard output) with how to get the PNG (returns None)."""
    out = out or sys.stdout
    if path is not None and have_matplotlib():
        return save_loss_plot(histories, path, title=title)
    print(text_chart(histories), file=out)
    if path is not None:
        print(f"(for a PNG of this chart: {INSTALL_MATPLOTLIB})", file=out)
    return None


# --- decision surfaces -------------------------------------------------------------------------

Predict = Callable[[np.ndarray], np.ndarray]


def _grid(X: np.ndarray, columns: int, rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A rows×columns grid of points over X's range (with a margin): xs, ys and the n×2 points."""
    low, high = X.min(axis=0), X.max(axis=0)
    margin = 0.1 * (high - low)
    xs = np.linspace(low[0] - margin[0], high[0] + margin[0], columns)
    ys = np.linspace(low[1] - margin[1], high[1] + margin[1], rows)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([gx.ravel(), gy.ravel()])


def _checked_points(X) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"a decision surface needs 2-D points, X of shape n×2; got {X.shape}")
    return X


def text_surface(predict: Predict, X, *, width: int = 48, height: int = 20) -> str:
    """Where the classifier says 1 (#) and 0 (.), over the range of the n×2 points X; the
    top row is the largest second coordinate."""
    X = _checked_points(X)
    _, _, points = _grid(X, width, height)
    p = np.asarray(predict(points), dtype=np.float64).reshape(height, width)
    rows = ["".join("#" if v >= 0.5 else "." for v in row) for row in p[::-1]]
    return "\n".join(["decision surface: # where ŷ ≥ 0.5, . where ŷ < 0.5"] + rows)


def save_surface_plot(predict: Predict, X, y, path, *, title: str = "decision surface") -> str:
    """ŷ over the plane as filled contours, the points coloured by their class y; a PNG at `path`."""
    from matplotlib.figure import Figure

    X = _checked_points(X)
    labels = np.asarray(y, dtype=np.float64).reshape(-1)
    xs, ys, points = _grid(X, 200, 200)
    p = np.asarray(predict(points), dtype=np.float64).reshape(len(ys), len(xs))
    figure = Figure(figsize=(5.0, 4.4), layout="constrained")
    axes = figure.add_subplot()
    filled = axes.contourf(xs, ys, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.75)
    axes.contour(xs, ys, p, levels=[0.5], colors="k", linewidths=1.2)
    axes.scatter(X[:, 0], X[:, 1], c=labels, cmap="RdBu_r", vmin=0, vmax=1, s=14,
                 edgecolors="k", linewidths=0.4)
    figure.colorbar(filled, ax=axes, label="ŷ")
    axes.set(title=title, xlabel="x₁", ylabel="x₂")
    return _save(figure, path)


def show_surface(predict: Predict, X, y, path=None, *, out: TextIO | None = None,
                 title: str = "decision surface") -> str | None:
    """The decision surface as a PNG at `path` when matplotlib is installed (returns the path),
    else as text printed to `out` (standard output; returns None)."""
    out = out or sys.stdout
    if path is not None and have_matplotlib():
        return save_surface_plot(predict, X, y, path, title=title)
    print(text_surface(predict, X), file=out)
    return None


__all__ = ["have_matplotlib", "save_loss_plot", "save_surface_plot", "show_losses",
           "show_surface", "text_chart", "text_surface"]
