"""Lab 6, the network: a two-layer network written by hand in plain numpy, as in a course
assignment. Three bugs hide in it; none of them makes numpy complain on the first line it
touches. Find them with `python scripts/lab_numpy_bugs.py`, or in your own copy:

    cp scripts/lab_numpy_net.py mine.py
    python scripts/lab_numpy_bugs.py --file mine.py     # until it says: no problem left

Shapes, with a batch of k observations: X k×2, y k×1, W1 2×3, b1 1×3, W2 3×1, b2 1×1.
"""

import numpy as np


def make_data(k=4, seed=0):
    """k observations of two features (X, k×2) and their targets: 1 where both features have
    the same sign, else 0."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((k, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)
    return X, y


def init_params(seed=0):
    rng = np.random.default_rng(seed)
    return {"W1": rng.standard_normal((2, 3)), "b1": np.zeros((1, 3)),
            "W2": rng.standard_normal((3, 1)), "b2": np.zeros((1, 1))}


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def train_step(X, y, params, lr=0.5):
    """One step of gradient descent: forward, mean squared error, backward, update of params
    (in place). Returns the loss before the update."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    # forward
    z2 = X @ W1 + b1
    a2 = sigmoid(z2)
    y_hat = a2 @ W2 + b2
    loss = np.mean((y_hat - y) ** 2)
    # backward
    delta3 = 2 * (y_hat - y) / y_hat.size
    dW2 = a2.T @ delta3
    db2 = delta3.sum(axis=0, keepdims=True)
    da2 = delta3 @ W2
    delta2 = da2 * a2 * (1 - a2)
    dW1 = X.T @ delta2
    db1 = delta2.sum(axis=0)
    # update
    W1 -= lr * dW1
    b1 -= lr * db1
    W2 -= lr * dW2
    b2 -= lr * db2
    return loss
