"""convGate: a 2-D convolution, which is a mulGate in disguise.

im2col lays every window of X out as one column, and K is read as a matrix with one kernel per
row, so the convolution is one matrix product, Z = K·im2col(X) (the columns convention's
z = W·x, one output pixel per column), and its backward is a mulGate's: the switcher, with
transposes, exactly dJ/dW = δ·xᵀ and dJ/dx = Wᵀ·δ of a dense layer:

    forward    Z     = K · im2col(X)        (F × C·kh·kw)·(C·kh·kw × k·H′·W′) → F × k·H′·W′
    backward   dJ/dK = δ · im2col(X)ᵀ       (F × k·H′·W′)·(k·H′·W′ × C·kh·kw) → F × C·kh·kw
               dJ/dX = col2im(Kᵀ · δ)       (C·kh·kw × F)·(F × k·H′·W′) → C·kh·kw × k·H′·W′

where K (F×C×kh×kw) is read as F×(C·kh·kw), δ is top_diff (k×F×H′×W′) read as the F×(k·H′·W′)
matrix of the output's pixels, and col2im adds each column's gradients back to the pixels its
window read. As in every deep-learning library, "convolution" means cross-correlation: the
kernel is not flipped.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .base import Gate
from .im2col import col2im, im2col
from .shapes import Shape
from .tensor_shapes import conv_shape, product, whole_number
from .words import Words


class ConvGate(Gate):
    """Z = X ∗ K, kernels K slid over images X with `stride` and zero `padding`.

    Shapes: X k×C×H×W, K F×C×kh×kw → Z k×F×H′×W′, H′ = (H + 2·padding − kh)/stride + 1.
    Forward:  Z = K · im2col(X), with K as F×(C·kh·kw): F×(k·H′·W′), reshaped to k×F×H′×W′.
    Backward: with δ = top_diff as an F×(k·H′·W′) matrix,
        dJ/dK = δ · im2col(X)ᵀ      F×(C·kh·kw), reshaped to F×C×kh×kw
        dJ/dX = col2im(Kᵀ · δ)      k×C×H×W: each pixel gets the sum over the windows that read it
    """

    kind = "convGate"
    inputs = ("X", "K")
    words = Words(
        formula="{X} ∗ {K}",
        arithmetic="({X})∗({K}) → {out}",
        local_diff=("col2im({K:T} ·)", "· im2col({X})ᵀ"),
        grad_formula=("col2im({K:T} · {top})", "{top} · im2col({X})ᵀ"),
        grad_arithmetic=("({cols}×{F})·({F}×{pixels}) → {cols}×{pixels}, col2im → {X}",
                         "({F}×{pixels})·({pixels}×{cols}) → {F}×{cols} → {K}"),
        rule="convGate is a mulGate in disguise: im2col writes each window of X as a column and K "
             "is read as F×(C·kh·kw), so Z = K·im2col(X); backward switches like a mulGate, with "
             "transposes: dJ/dK = δ·im2col(X)ᵀ and dJ/dX = col2im(Kᵀ·δ), col2im adding each "
             "gradient back to the pixel it was read from.")

    def __init__(self, stride: int = 1, padding: int = 0) -> None:
        super().__init__()
        self.stride = whole_number(stride, "ConvGate(stride=...)", 1)
        self.padding = whole_number(padding, "ConvGate(padding=...)", 0)

    def output_shape(self, x: Shape, k: Shape) -> Shape:
        return conv_shape(self, x, k, self.stride, self.padding)

    def forward(self, X: np.ndarray, K: np.ndarray) -> np.ndarray:
        """X k×C×H×W, K F×C×kh×kw → Z k×F×H′×W′."""
        X, K = self.accept(X, K)
        F, _, kh, kw = K.shape
        self.x_shape, self.k_shape = X.shape, K.shape
        self.cols = im2col(X, kh, kw, self.stride, self.padding)  # (C·kh·kw)×(k·H′·W′)
        self.K = K.reshape(F, -1)                                 # F×(C·kh·kw)
        Z = self.K @ self.cols                                    # F×(k·H′·W′)
        k, _, H, W = X.shape
        p, s = self.padding, self.stride
        H2, W2 = (H + 2 * p - kh) // s + 1, (W + 2 * p - kw) // s + 1
        return Z.reshape(F, k, H2, W2).transpose(1, 0, 2, 3)

    def backward(self, top_diff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """top_diff k×F×H′×W′ → (dJ/dX k×C×H×W, dJ/dK F×C×kh×kw)."""
        delta = self.as_matrix(top_diff)
        return self.grad_input(delta), self.grad_kernels(delta)

    def as_matrix(self, top_diff: np.ndarray) -> np.ndarray:
        """δ: top_diff k×F×H′×W′ as the F×(k·H′·W′) matrix of the output's pixels, like Z."""
        return top_diff.transpose(1, 0, 2, 3).reshape(self.k_shape[0], -1)

    def grad_kernels(self, delta: np.ndarray) -> np.ndarray:
        """dJ/dK = δ · im2col(X)ᵀ: (F×k·H′·W′)·(k·H′·W′×C·kh·kw) → F×(C·kh·kw) → F×C×kh×kw."""
        return (delta @ self.cols.T).reshape(self.k_shape)

    def grad_input(self, delta: np.ndarray) -> np.ndarray:
        """dJ/dX = col2im(Kᵀ · δ): (C·kh·kw×F)·(F×k·H′·W′) → (C·kh·kw)×(k·H′·W′) → k×C×H×W."""
        kh, kw = self.k_shape[2:]
        return col2im(self.K.T @ delta, self.x_shape, kh, kw, self.stride, self.padding)

    # --- words: the products' sizes follow from the output's ---------------------------------

    def word_fields(self, shapes: Sequence[Shape]) -> dict:
        """F kernels, cols = C·kh·kw (the inputs a window reads), pixels = k·H′·W′ (the outputs)."""
        if len(shapes) < 2:
            return {}
        x, k = (tuple(s) for s in shapes)
        out = self.output_shape(x, k)
        return {"F": k[0], "cols": product(k[1:]), "pixels": product((out[0], out[2], out[3]))}

    def note(self, shapes: Sequence[Shape]) -> str:
        """The product the convolution is: W¹·im2col(X) (6×25)·(25×2304) → 6×2304."""
        fields = self.word_fields(shapes)
        F, cols, pixels = fields["F"], fields["cols"], fields["pixels"]
        how = "" if (self.stride, self.padding) == (1, 0) else \
            f"stride {self.stride}, padding {self.padding}; "
        X, K = self.input_labels
        return f"{how}as a product: {K}·im2col({X}) ({F}×{cols})·({cols}×{pixels}) → {F}×{pixels}"


__all__ = ["ConvGate"]
