"""What fit returns, as a notebook shows it: the loss curve, drawn inline (SVG), after training.

    history = g.fit(X, y, epochs=200, lr=0.5)   # in a notebook, the cell shows the curve
    list(history), history.val_loss             # the numbers, as training.History keeps them
"""

from __future__ import annotations

import html
import math

from .plot import _use_log
from .training import History

WIDTH, HEIGHT, MARGIN = 480, 200, 36
COLOURS = {"training": "#1f5fa8", "validation": "#c0392b"}


class TrainingHistory(History):
    """training.History with a picture: `_repr_html_` draws the loss per epoch."""

    @classmethod
    def of(cls, history: History) -> TrainingHistory:
        shown = cls()
        shown.extend(history)
        shown.accuracy, shown.val_loss, shown.val_accuracy = (
            history.accuracy, history.val_loss, history.val_accuracy)
        return shown

    def _repr_html_(self) -> str:
        curves = {"training": list(self)}
        if self.val_loss:
            curves["validation"] = list(self.val_loss)
        return loss_svg(curves) + f"<p>{html.escape(self.summary())}</p>"

    def summary(self) -> str:
        """One line: epochs, first and last loss, and the last accuracies when measured."""
        if not self:
            return "no epochs"
        parts = [f"{len(self)} epochs", f"loss {self[0]:.4g} → {self[-1]:.4g}"]
        if self.accuracy:
            parts.append(f"accuracy {self.accuracy[-1]:.1%}")
        if self.val_loss:
            parts.append(f"validation loss {self.val_loss[-1]:.4g}")
        if self.val_accuracy:
            parts.append(f"validation accuracy {self.val_accuracy[-1]:.1%}")
        return ", ".join(parts)


def loss_svg(curves: dict[str, list[float]]) -> str:
    """Loss curves as one inline SVG, log scale when the loss falls by more than 20×."""
    values = [v for curve in curves.values() for v in curve if math.isfinite(v)]
    if not values:
        return "<p>no finite loss to draw</p>"
    log = _use_log(values)
    scale = math.log10 if log else float
    low, high = scale(min(values)), scale(max(values))
    span = (high - low) or 1.0
    longest = max(len(c) for c in curves.values())

    def point(i: int, v: float) -> str:
        x = MARGIN + (WIDTH - 2 * MARGIN) * (i / max(longest - 1, 1))
        y = HEIGHT - MARGIN - (HEIGHT - 2 * MARGIN) * ((scale(v) - low) / span)
        return f"{x:.1f},{y:.1f}"

    lines = [f'<polyline fill="none" stroke="{COLOURS.get(name, "#555")}" stroke-width="2" '
             f'points="{" ".join(point(i, v) for i, v in enumerate(c) if math.isfinite(v))}"/>'
             for name, c in curves.items()]
    legend = [f'<text x="{WIDTH - MARGIN}" y="{MARGIN - 20 + 14 * n}" text-anchor="end" '
              f'fill="{COLOURS.get(name, "#555")}">{name}</text>' for n, name in enumerate(curves)]
    axis = "loss (log scale)" if log else "loss"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">'
            f'<line x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}" y2="{HEIGHT - MARGIN}" '
            f'stroke="#888"/><line x1="{MARGIN}" y1="{MARGIN}" x2="{MARGIN}" y2="{HEIGHT - MARGIN}" '
            f'stroke="#888"/>{"".join(lines)}{"".join(legend)}'
            f'<text x="{MARGIN}" y="{HEIGHT - 8}">epoch 1</text>'
            f'<text x="{WIDTH - MARGIN}" y="{HEIGHT - 8}" text-anchor="end">epoch {longest}</text>'
            f'<text x="{MARGIN + 4}" y="{MARGIN - 6}">{axis}: {max(values):.3g} → {min(values):.3g}</text>'
            f'</svg>')
