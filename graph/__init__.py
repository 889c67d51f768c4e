"""graph: gates wired into networks. Graph builds, runs, differentiates and trains them;
Tracer records what happens at every gate, for the walkthrough and for debugging."""

from .graph import Graph, Node, Params
from .tracer import Tracer, symbolic_events

__all__ = ["Graph", "Node", "Params", "Tracer", "symbolic_events"]
