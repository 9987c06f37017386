"""Code counterparts and checks for "Fréchet Derivatives 3: Deep Linear Networks".

A deep linear network is a list of weight matrices ``Ws = [W_1, ..., W_L]`` with ``W_k`` of shape
``(n_k, n_{k-1})``. Layer indices ``k`` below are 1-based, as in the post.
"""

import numpy as np
import torch

from folio import Case, check, equation


# ---------------------------------------------------------------------------------------------
# Partial products


def after(Ws, k):
    """W_{k+1:} = W_L ... W_{k+1}, the layers after layer k (the identity when k = L)."""
    P = np.eye(Ws[-1].shape[0])
    for W in reversed(Ws[k:]):
        P = P @ W
    return P


def before(Ws, k):
    """W_{:k} = W_{k-1} ... W_1, the layers before layer k (the identity when k = 1)."""
    P = np.eye(Ws[0].shape[1])
    for W in Ws[: k - 1]:
        P = W @ P
    return P


def end_to_end(Ws):
    """The matrix the whole network computes, W = W_L ... W_1 (= W_{1:})."""
    return after(Ws, 0)


@equation("eq-dln-product", equivalent={
    "constant#5": "before(Ws, k) multiplies Ws[:k - 1]; for k = L + 2 that slice is still the "
                  "whole list, the same product as for k = L + 1"})
def product_splits(Ws):
    """W written every way the equation allows: W_{1:}, W_{:L+1}, and W_{k+1:} W_k W_{:k} for each k."""
    L = len(Ws)
    splits = [after(Ws, k) @ Ws[k - 1] @ before(Ws, k) for k in range(1, L + 1)]
    return np.stack([after(Ws, 0), before(Ws, L + 1)] + splits)


# ---------------------------------------------------------------------------------------------
# Random networks for the checks


def random_network(rng, widths, scale=1.0):
    """Gaussian layers for widths [n_0, n_1, ..., n_L]; entries of W_k have variance scale^2/n_{k-1}."""
    return [scale * rng.standard_normal((m, n)) / np.sqrt(n) for n, m in zip(widths[:-1], widths[1:])]


# Depths 1 to 5, rectangular throughout, including a width-1 bottleneck and an expanding layer.
WIDTHS = [
    [4, 3],
    [5, 7, 2],
    [3, 1, 6, 4],
    [6, 4, 8, 3, 5],
    [2, 5, 3, 7, 4, 3],
]


def _networks(rng):
    cases = [Case.of(random_network(rng, w), name=f"depth {len(w) - 1}, widths {w}") for w in WIDTHS]
    cases.append(Case.of([np.zeros((3, 4))], name="depth 1, zero layer"))
    return cases


@check("eq-dln-product", kind="library",
       oracle="forward pass of a torch.nn.Sequential of bias-free Linear layers applied to the "
              "identity (each basis vector sent through the network)",
       rtol=1e-12, cases=_networks)
def product_by_forward_pass(Ws):
    layers = []
    for W in Ws:
        lin = torch.nn.Linear(W.shape[1], W.shape[0], bias=False, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W))
        layers.append(lin)
    net = torch.nn.Sequential(*layers)
    with torch.no_grad():
        # nn.Linear acts on rows (x -> x W^T), so the identity's rows come out as the rows of W^T.
        W = net(torch.eye(Ws[0].shape[1], dtype=torch.float64)).T
    return np.stack([W.numpy()] * (len(Ws) + 2))


# ---------------------------------------------------------------------------------------------
# Losses of the end-to-end matrix, each with its gradient nabla L(W) written by hand


class SquaredError:
    """L(W) = c ||W X - Y||_F^2 with gradient 2c (W X - Y) X^T (the least-squares post)."""

    def __init__(self, X, Y, c=1.0):
        self.X, self.Y, self.c = X, Y, c

    def value(self, W):
        return self.c * np.sum((W @ self.X - self.Y) ** 2)

    def grad(self, W):
        return 2 * self.c * (W @ self.X - self.Y) @ self.X.T

    def torch_value(self, outputs):
        """The same loss in torch, as a function of the network's outputs W X."""
        return self.c * ((outputs - torch.from_numpy(self.Y)) ** 2).sum()

    def __repr__(self):
        return "squared error"


class SoftmaxCrossEntropy:
    """L(W) = sum_i -log softmax(W x_i)[y_i] with gradient (P - Y) X^T.

    P holds the softmax probabilities of each column of W X and Y the one-hot labels.
    """

    def __init__(self, X, labels):
        self.X, self.labels = X, np.asarray(labels)

    def _probs(self, W):
        Z = W @ self.X
        Z = Z - Z.max(axis=0, keepdims=True)
        P = np.exp(Z)
        return P / P.sum(axis=0, keepdims=True)

    def value(self, W):
        P = self._probs(W)
        return -np.sum(np.log(P[self.labels, np.arange(P.shape[1])]))

    def grad(self, W):
        P = self._probs(W)
        P[self.labels, np.arange(P.shape[1])] -= 1.0
        return P @ self.X.T

    def torch_value(self, outputs):
        return torch.nn.functional.cross_entropy(outputs.T, torch.from_numpy(self.labels),
                                                 reduction="sum")

    def __repr__(self):
        return "softmax cross-entropy"


@equation("eq-dln-gradient")
def dln_gradients(Ws, loss):
    """[nabla_{W_k} l for k = 1..L], each W_{k+1:}^T nabla L(W) W_{:k}^T."""
    G = loss.grad(end_to_end(Ws))
    return [after(Ws, k).T @ G @ before(Ws, k).T for k in range(1, len(Ws) + 1)]


def _gradient_cases(rng, n_samples=9):
    cases = []
    for widths in WIDTHS:
        Ws = random_network(rng, widths)
        X = rng.standard_normal((widths[0], n_samples))
        Y = rng.standard_normal((widths[-1], n_samples))
        labels = rng.integers(0, widths[-1], size=n_samples)
        for loss in (SquaredError(X, Y), SoftmaxCrossEntropy(X, labels)):
            cases.append(Case.of(Ws, loss, name=f"depth {len(Ws)}, widths {widths}, {loss!r}"))
    # All layers zero: for depth >= 2 the origin is a critical point, every gradient vanishes.
    X, Y = rng.standard_normal((3, 5)), rng.standard_normal((2, 5))
    cases.append(Case.of([np.zeros((4, 3)), np.zeros((4, 4)), np.zeros((2, 4))],
                         SquaredError(X, Y), name="depth 3, all layers zero"))
    return cases


@check("eq-dln-gradient", kind="autograd",
       oracle="torch autograd through the layer-by-layer forward pass, for depths 1 to 5 with "
              "rectangular layers, squared-error and softmax cross-entropy losses",
       rtol=1e-10, atol=1e-14, cases=_gradient_cases)
def gradients_by_autograd(Ws, loss):
    params = [torch.tensor(W, requires_grad=True) for W in Ws]
    h = torch.from_numpy(loss.X)
    for W in params:
        h = W @ h
    loss.torch_value(h).backward()
    return [p.grad.numpy() for p in params]


@check("eq-dln-gradient", kind="finite-differences",
       oracle="central finite differences on every weight of every layer, h = 1e-6",
       rtol=1e-6, cases=_gradient_cases)
def gradients_by_finite_differences(Ws, loss, h=1e-6):
    def l(layers):
        out = loss.X
        for W in layers:
            out = W @ out
        # The loss of the outputs, evaluated without the network's matrix W or its gradient.
        return float(loss.torch_value(torch.from_numpy(out)))

    grads = []
    for k, W in enumerate(Ws):
        g = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            plus = [V.copy() for V in Ws]
            minus = [V.copy() for V in Ws]
            plus[k][idx] += h
            minus[k][idx] -= h
            g[idx] = (l(plus) - l(minus)) / (2 * h)
        grads.append(g)
    return grads


# ---------------------------------------------------------------------------------------------
# Training from a small initialisation


def whitened_task(rng, singular_values, n=8, n_samples=64):
    """Inputs X with X X^T / N = I and targets Y = M X, where M has the given singular values.

    Returns X, Y and the target's singular vectors (U, V) with M = U diag(s) V^T.
    """
    r = len(singular_values)
    U = np.linalg.qr(rng.standard_normal((n, n)))[0][:, :r]
    V = np.linalg.qr(rng.standard_normal((n, n)))[0][:, :r]
    M = U @ np.diag(singular_values) @ V.T
    Q = np.linalg.qr(rng.standard_normal((n_samples, n)))[0]
    X = np.sqrt(n_samples) * Q.T
    return X, M @ X, U, V


def train(Ws, loss, lr, steps, U, V):
    """Full-batch gradient descent on every layer at once, using ``dln_gradients``.

    Records the loss and the strength u_a^T W v_a of each target mode (a) after every step.
    """
    Ws = [W.copy() for W in Ws]
    losses, modes = [], []
    for _ in range(steps):
        W = end_to_end(Ws)
        losses.append(loss.value(W))
        modes.append(np.einsum("ia,ij,ja->a", U, W, V))
        grads = dln_gradients(Ws, loss)
        Ws = [Wk - lr * g for Wk, g in zip(Ws, grads)]
    return np.array(losses), np.array(modes)
