"""gates: backpropagation at the level of matrices, one gate at a time.

Each gate is one operation with its local derivative; its backward is top_diff × local_diff and
returns gradients of exactly its inputs' shapes. `graph.Graph` wires gates into networks, and
`python -m gates.trace` prints every matrix shape of a network, forward and backward.

This package imports numpy only, so `import gates` and a training loop stay light.
"""

from .activations import Identity, ReLU, Sigmoid, Softmax, Tanh
from .arithmetic import AddGate, HadamardGate, MulGate
from .base import Gate
from .conv import ConvGate
from .front import watch, watching
from .losses import CrossEntropyLoss, HalfSSELoss, MSELoss
from .pool import AvgPoolGate, FlattenGate, MaxPoolGate
from .shapes import ShapeError

__version__ = "0.1.0"

__all__ = [
    "Gate", "AddGate", "MulGate", "HadamardGate", "Sigmoid", "Tanh", "ReLU", "Identity",
    "Softmax", "MSELoss", "HalfSSELoss", "CrossEntropyLoss", "ShapeError", "watch", "watching",
    "ConvGate", "MaxPoolGate", "AvgPoolGate", "FlattenGate",
]
