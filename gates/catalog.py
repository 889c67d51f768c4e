"""The built-in gates in one table: what the engine trusts, the checker checks and tests iterate.

A user's gate, including a subclass of a built-in one, is not in the table: the graph checks
the shapes of the gradients it returns and hands it read-only arrays.
"""

from __future__ import annotations

from .activations import Identity, ReLU, Sigmoid, Softmax, Tanh
from .arithmetic import AddGate, HadamardGate, MulGate
from .base import Gate
from .conv import ConvGate
from .losses import CrossEntropyLoss, HalfSSELoss, MSELoss
from .pool import AvgPoolGate, FlattenGate, MaxPoolGate

BUILTIN_GATES: tuple[type[Gate], ...] = (
    AddGate, MulGate, HadamardGate,
    Sigmoid, Tanh, ReLU, Identity, Softmax,
    MSELoss, HalfSSELoss, CrossEntropyLoss,
    ConvGate, MaxPoolGate, AvgPoolGate, FlattenGate,
)


def is_builtin(gate: Gate) -> bool:
    """Whether this gate is exactly one of the built-in classes (not a user's subclass)."""
    return type(gate) in BUILTIN_GATES
