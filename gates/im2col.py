"""im2col and col2im: the windows of an image laid out as the rows of a matrix, and back.

A convolution reads one kh×kw window of every channel for each output pixel. im2col writes
each window as a row, so that the whole convolution becomes one matrix product (gates.conv).
col2im is its adjoint: every entry of such a matrix is added back to the pixel it was read from
(a pixel read by several windows receives the sum), which is how gradients return to the image.

Shapes (NCHW, channels first): X k×C×H×W; with padding p and stride s the windows start every
s pixels of the padded image and there are H′ = (H + 2p − kh)/s + 1 of them down (W′ across).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def pad(X: np.ndarray, padding: int) -> np.ndarray:
    """X k×C×H×W with `padding` zeros around each image: k×C×(H + 2p)×(W + 2p)."""
    if padding == 0:
        return X
    p = padding
    return np.pad(X, ((0, 0), (0, 0), (p, p), (p, p)))


def windows(X: np.ndarray, kh: int, kw: int, stride: int) -> np.ndarray:
    """Every kh×kw window of X, s pixels apart, as a view (nothing is copied).

    X k×C×H×W → k×C×H′×W′×kh×kw, where [n, c, i, j] is the window whose top-left pixel is
    X[n, c, i·s, j·s]. H − kh must be a multiple of s (the shape rules see to it).
    """
    return sliding_window_view(X, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]


def window_slice(a: int, b: int, stride: int, count: tuple[int, int]) -> tuple[slice, ...]:
    """The pixels at position (a, b) of every window, as an index of the image k×C×H×W: the
    pixel (a, b) of window (i, j) is at row i·s + a, column j·s + b. count = (H′, W′)."""
    H2, W2 = count
    return (slice(None), slice(None), slice(a, a + stride * H2, stride), slice(b, b + stride * W2, stride))


def add_windows(grad_windows: np.ndarray, shape: tuple, stride: int) -> np.ndarray:
    """The adjoint of `windows`: each window's entries added back where they were read from.

    grad_windows k×C×H′×W′×kh×kw → k×C×H×W (shape), summing where windows overlap: one
    addition per position (a, b) inside the window, each over the whole batch.
    """
    kh, kw = grad_windows.shape[4:]
    out = np.zeros(shape)
    for a, b in np.ndindex(kh, kw):
        out[window_slice(a, b, stride, grad_windows.shape[2:4])] += grad_windows[..., a, b]
    return out


def im2col(X: np.ndarray, kh: int, kw: int, stride: int = 1, padding: int = 0) -> np.ndarray:
    """X k×C×H×W → the im2col matrix (C·kh·kw)×(k·H′·W′), one column per output pixel.

    Column n·H′·W′ + i·W′ + j holds the window of output pixel (i, j) of image n, channel by
    channel and each window row by row: the order of a kernel F×C×kh×kw reshaped to F×(C·kh·kw),
    so that row f of the kernels times a column is kernel f applied to that window.
    """
    win = windows(pad(X, padding), kh, kw, stride)  # k×C×H′×W′×kh×kw
    k, C, H2, W2 = win.shape[:4]
    return win.transpose(1, 4, 5, 0, 2, 3).reshape(C * kh * kw, k * H2 * W2)


def col2im(cols: np.ndarray, shape: tuple, kh: int, kw: int, stride: int = 1,
           padding: int = 0) -> np.ndarray:
    """The adjoint of im2col: cols (C·kh·kw)×(k·H′·W′) → k×C×H×W (shape), overlaps summed."""
    k, C, H, W = shape
    p = padding
    H2, W2 = (H + 2 * p - kh) // stride + 1, (W + 2 * p - kw) // stride + 1
    grad_windows = cols.reshape(C, kh, kw, k, H2, W2).transpose(3, 0, 4, 5, 1, 2)  # k×C×H′×W′×kh×kw
    padded = add_windows(grad_windows, (k, C, H + 2 * p, W + 2 * p), stride)
    return padded[:, :, p:p + H, p:p + W] if p else padded


__all__ = ["add_windows", "col2im", "im2col", "pad", "window_slice", "windows"]
