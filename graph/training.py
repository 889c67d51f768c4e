"""Training: train_step and fit on the fast path (graph.kernels), evaluate and predict.

    history = g.fit(X, y, epochs=30, lr=0.5, batch_size=32, validation=(X_val, y_val))
    history[-1], history.accuracy[-1], history.val_loss[-1]   # per epoch
    g.predict(X_test)                                         # ŷ, no target needed

train_step plans each input shape once and then runs kernels on kept arrays: after it, g.values
and g.grads hold arrays that the next train_step overwrites (forward() and backward() never do).
evaluate and predict run the gates on their own table of values: g.values is left alone, and
backward() then asks for a new forward (the gates' kept inputs are those of the evaluation).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping

import numpy as np

from gates import refusals
from gates.base import as_float_array
from gates.losses import CrossEntropyLoss, Loss

from .engine import Engine, Node
from .guards import bind_inputs, check_rule, users_forward
from .kernels import KERNELS, Plan  # noqa: F401  (KERNELS: re-exported)
from .tables import check_lr, first_not_finite


class History(list):
    """The training loss of each epoch (a list, as fit always returned), with the other measures
    of each epoch beside it: accuracy (classifiers), val_loss and val_accuracy (with validation).

    The training figures are averages over the epoch's batches, each measured before its update
    (as Keras reports them); the validation figures are measured after the epoch, so early on
    they can be better than the training ones.
    """

    def __init__(self) -> None:
        super().__init__()
        self.accuracy: list[float] = []
        self.val_loss: list[float] = []
        self.val_accuracy: list[float] = []


class Trainer(Engine):
    """The engine plus training: train_step, fit, evaluate, predict."""

    _plans: dict | None = None

    def train_step(self, lr: float, **inputs) -> float:
        """One step of gradient descent, what fit repeats: forward, backward, step(lr).

        Returns J before the update. For speed, successive calls write into the same arrays:
        g.values and g.grads hold this step's numbers until the next train_step overwrites them
        (forward() and backward() never do that).
        """
        J = self._step_once(check_lr(lr), inputs)
        if not math.isfinite(J):
            self.check_params()  # only now is every parameter examined: the step stays cheap
        return J

    def _step_once(self, lr: float, inputs: Mapping) -> float:
        # A plan serves one set of input shapes; adding a node forgets every plan (see _new).
        key = tuple([np.shape(inputs.get(node.name)) for node in self._declared_inputs()])
        if self._plans is None:
            self._plans = {}
        plan = self._plans.get(key)
        if plan is None:
            J = self.forward(**inputs)  # new shapes: the textbook step, every check, then a plan
            self.backward()
            self.step(lr)
            self._plans[key] = Plan(self)
            return J
        self._ran_forward = False
        self._take_inputs(inputs)
        J = plan.run(self, lr)
        self._ran_forward = True
        return J

    def _new(self, node: Node) -> str:
        self._plans = None  # a new node: no plan describes the graph any more
        return super()._new(node)

    # --- fit -----------------------------------------------------------------------------------

    def fit(self, X=None, y=None, epochs: int = 1000, lr: float = 0.1, *,
            inputs: Mapping | None = None, batch_size: int | None = None,
            validation=None, progress: bool | None = None) -> History:
        """Gradient descent for `epochs` passes over the data; returns the History.

        X and y go to the inputs named X and y; for a graph whose inputs have other names, give
        them by name: fit(inputs={"A": A, "t": t}). batch_size=None: one step per epoch on the
        whole batch (the History is then the loss before each step); a number: mini-batches of
        that many observations, shuffled each epoch with the graph's seed. validation: (X, y) or
        a mapping, evaluated after each epoch. progress=None shows a rich progress bar, with the
        loss, only when standard error is a terminal. Stops with an error at the first loss that
        is not finite, naming the step.
        """
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"epochs must be a whole number ≥ 0; got {epochs!r}")
        lr = check_lr(lr)
        data = self._checked_data(self._named(X, y, inputs, "fit"))
        held_out = None if validation is None else self._checked_data(self._named_validation(validation))
        if batch_size is not None and (isinstance(batch_size, bool) or batch_size < 1
                                       or not isinstance(batch_size, (int, np.integer))):
            raise ValueError(f"batch_size must be a whole number ≥ 1 (or None for the whole batch); "
                             f"got {batch_size!r}")
        batches = self._batches(data, batch_size)
        history = History()
        with _progress(epochs, progress) as advance, np.errstate(over="ignore", invalid="ignore"):
            # Overflow is detected by the loss and said in one sentence, not in warnings.
            for epoch in range(epochs):
                self._epoch(next(batches), lr, history, epoch, epochs)
                if held_out is not None:
                    measured = self.evaluate(inputs=held_out)
                    history.val_loss.append(measured["loss"])
                    if "accuracy" in measured:
                        history.val_accuracy.append(measured["accuracy"])
                advance(history[-1])
        return history

    def _epoch(self, batches: list[dict], lr: float, history: History, epoch: int, epochs: int) -> None:
        total = correct = seen = 0.0
        for batch in batches:
            J = self._step_once(lr, batch)
            if not math.isfinite(J):
                raise FloatingPointError(self._diverged(J, epoch, epochs, history, lr))
            count = _count(batch, self._batch_axis())
            total, seen = total + J * count, seen + count
            right = self._correct(self._values, batch)
            correct += 0.0 if right is None else right
        history.append(total / seen)
        if self._is_classifier():
            history.accuracy.append(correct / seen)

    def _batches(self, data: dict, batch_size: int | None):
        """Each epoch's list of batches: the whole data, or shuffled mini-batches."""
        if batch_size is None:
            while True:
                yield [data]
        axis = self._batch_axis()
        n = _count(data, axis)
        seed = self.meta.get("seed", 0)
        rng = np.random.default_rng(None if seed is None else [seed, 2])  # not the weights' stream
        while True:
            order = rng.permutation(n)
            yield [{name: np.take(value, order[start:start + batch_size], axis=axis)
                    for name, value in data.items()} for start in range(0, n, batch_size)]

    def _diverged(self, J: float, epoch: int, epochs: int, history: list[float], lr: float) -> str:
        bad = first_not_finite(self.params._arrays)
        holds = f"; {bad} holds non-finite numbers" if bad else ""
        last = f"{history[-1]:.6g}" if history else "none"
        return (f"fit: the loss became {J} at step {epoch + 1} of {epochs} (the last finite loss "
                f"was {last}){holds}: the steps overshoot. Try a smaller learning rate than {lr}.")

    # --- evaluate and predict ------------------------------------------------------------------

    def evaluate(self, X=None, y=None, *, inputs: Mapping | None = None) -> dict[str, float]:
        """The loss (and, for a classifier, the accuracy) on this data, without training and
        without touching g.values: {"loss": J, "accuracy": fraction right}."""
        data = self._checked_data(self._named(X, y, inputs, "evaluate"))
        values = self._run_alone(data)
        measured = {"loss": float(values[self.output])}
        right = self._correct(values, data)
        if right is not None:
            measured["accuracy"] = right / _count(data, self._batch_axis())
        return measured

    def predict(self, X=None, **inputs) -> np.ndarray:
        """ŷ for these inputs, no target needed: what the loss would compare with y. With
        cross-entropy (the softmax inside the loss), the softmax is applied: probabilities."""
        data = self._checked_data({"X": X} if X is not None else inputs)
        loss = self.nodes[self.output].gate
        if not isinstance(loss, Loss):
            return self._run_alone(data)[self.output]
        yhat = self._run_alone(data)[self.nodes[self.output].inputs[0]]
        if isinstance(loss, CrossEntropyLoss):
            e = np.exp(yhat - yhat.max(axis=loss.axis, keepdims=True))
            return e / e.sum(axis=loss.axis, keepdims=True)
        return yhat

    def _run_alone(self, data: dict) -> dict:
        """Every gate whose inputs are known, on a table of its own (g.values is left alone)."""
        declared = [n for n in self.nodes.values() if n.name in data]
        bind_inputs(self, declared, tuple(data[n.name].shape for n in declared))
        self._ran_forward = False  # the gates now hold this run's inputs, not the last forward's
        values = {**self.params._arrays, **data}
        for node in self.gate_nodes:
            if all(i in values for i in node.inputs):
                operands = [values[i] for i in node.inputs]
                check_rule(node, operands)
                values[node.name] = (node.gate.forward(*operands) if node.trusted
                                     else users_forward(self, node, operands))
        return values

    # --- helpers -------------------------------------------------------------------------------

    def _batch_axis(self) -> int:
        return 1 if self.meta.get("convention") == "columns" else 0

    def _is_classifier(self) -> bool:
        return isinstance(self.nodes[self.output].gate, CrossEntropyLoss) or \
            self.meta.get("output_activation") in ("softmax", "sigmoid")

    def _correct(self, values: Mapping, data: Mapping) -> float | None:
        """How many observations the prediction gets right (None for a regression)."""
        if not self._is_classifier() or "y" not in data:
            return None
        yhat, y, axis = values[self.nodes[self.output].inputs[0]], data["y"], 1 - self._batch_axis()
        if y.shape[axis] == 1:  # one output: a yes/no label, right when on the same side of ½
            return float(np.sum((yhat > 0.5) == (y > 0.5)))
        return float(np.sum(yhat.argmax(axis=axis) == y.argmax(axis=axis)))

    def _named(self, X, y, inputs: Mapping | None, what: str) -> dict:
        names = self.inputs
        if inputs is not None:
            if X is not None or y is not None:
                raise TypeError(f"{what}: give the data either as X, y or as inputs={{...}}, not both")
            return dict(inputs)
        if set(names) != {"X", "y"}:
            raise TypeError(f"{what}(X, y) binds X and y to the inputs named X and y, but this graph's "
                            f"inputs are {', '.join(names) or 'none'}: give them by name, e.g. "
                            f"{what}(inputs={{{', '.join(f'{n!r}: ...' for n in names)}}})")
        return {"X": X, "y": y}

    def _named_validation(self, validation) -> dict:
        if isinstance(validation, Mapping):
            return dict(validation)
        if isinstance(validation, (tuple, list)) and len(validation) == 2:
            return self._named(*validation, None, "fit(validation=...)")
        raise TypeError("fit(validation=...) takes (X, y) or a mapping of the graph's inputs")

    def _checked_data(self, data: Mapping) -> dict:
        """Float arrays, finite, known inputs, one number of observations: checked once, here."""
        unknown = sorted(set(data) - set(self.inputs))
        if unknown:
            raise TypeError(f"unknown input(s) {', '.join(map(str, unknown))}; this graph's inputs are "
                            f"{', '.join(self.inputs)}")
        checked = {name: as_float_array(value, name, "data") for name, value in data.items()}
        bad = first_not_finite(checked)
        if bad is not None:
            raise refusals.not_finite("input", bad, checked[bad])
        counts = {name: value.shape[self._batch_axis()] for name, value in checked.items() if value.ndim}
        if len(set(counts.values())) > 1:
            raise ValueError(f"the inputs hold different numbers of observations: {counts}")
        return checked


def _watched() -> bool:
    """Whether someone watches standard error: a terminal, or a notebook's output area."""
    stream = sys.stderr
    return stream is not None and (stream.isatty() or type(stream).__module__.startswith("ipykernel"))


def _count(data: Mapping, axis: int) -> int:
    return next(iter(data.values())).shape[axis]


class _progress:
    """A rich progress bar with the current loss on standard error, or nothing."""

    def __init__(self, epochs: int, show: bool | None) -> None:
        self.epochs, self.show = epochs, _watched() if show is None else show
        self.bar = None

    def __enter__(self):
        if not self.show:
            return lambda loss: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
        # force_jupyter=False: a notebook gets text on stderr, not a widget it may lack.
        self.bar = Progress(TextColumn("training"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("loss {task.fields[loss]}"), TimeRemainingColumn(),
                            transient=True, console=Console(stderr=True, force_jupyter=False))
        task = self.bar.add_task("training", total=self.epochs, loss="–")
        self.bar.start()
        return lambda loss: self.bar.update(task, advance=1, loss=f"{loss:.4g}")

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


__all__ = ["Trainer", "History", "Plan", "KERNELS"]
