"""The names users expect to read: W1 → W¹, a2W2 → a²W², δ³ = dJ/dz³, (a²W²)ᵀ."""

from __future__ import annotations

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def superscript(name: str) -> str:
    """Every digit raised: layer numbers are superscripts in NETWORK.md (W¹, z², a²W²)."""
    return name.translate(_SUPERSCRIPT)


def is_atom(label: str) -> bool:
    """A label that reads as one symbol (W², δ³), which needs no parentheses around it."""
    body = label.rstrip("⁰¹²³⁴⁵⁶⁷⁸⁹ᵀ")
    return len(body) <= 1 or label.startswith("dJ/d")


def wrap(label: str) -> str:
    return label if is_atom(label) else f"({label})"


def transposed(label: str) -> str:
    """W² → W²ᵀ, a²W² → (a²W²)ᵀ."""
    return f"{wrap(label)}ᵀ"


def grad_label(label: str) -> str:
    """dJ/dW², dJ/d(a²W²)."""
    return f"dJ/d{wrap(label)}"
