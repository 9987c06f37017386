"""Code counterparts and checks for "Fréchet Derivatives 2: Linear Least Squares".

Shapes: W is k×d (outputs × inputs), a sample x is a d-vector with target y, a k-vector.
A batch stacks N samples as columns: X is d×N and Y is k×N.
"""

import numpy as np
import torch

from folio import Case, check, equation


# ---------------------------------------------------------------------------------------------
# Data and independent tools for the oracles


def make_data(rng, k, d, N, cond=1.0, noise=0.5):
    """X (d×N) with singular values spread evenly (in log) over a factor ``cond``, Y = W_true X + noise.

    The largest singular value of X is sqrt(N), as for standardised features.
    """
    U, _ = np.linalg.qr(rng.standard_normal((d, d)))
    V, _ = np.linalg.qr(rng.standard_normal((N, d)))
    s = np.sqrt(N) * np.logspace(0, -np.log10(cond), d)
    X = U @ np.diag(s) @ V.T
    W_true = rng.standard_normal((k, d))
    Y = W_true @ X + noise * rng.standard_normal((k, N))
    return X, Y, W_true


def torch_grad(loss, W):
    """Gradient of loss(W_tensor) by torch autograd in float64."""
    Wt = torch.tensor(W, dtype=torch.float64, requires_grad=True)
    loss(Wt).backward()
    return Wt.grad.numpy()


def central_difference(f, W, h=1e-6):
    g = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        E = np.zeros_like(W)
        E[idx] = h
        g[idx] = (f(W + E) - f(W - E)) / (2 * h)
    return g


def lstsq_solution(X, Y):
    """argmin_W ‖WX − Y‖_F by numpy.linalg.lstsq (an SVD-based solver), transposed into place."""
    return np.linalg.lstsq(X.T, Y.T, rcond=None)[0].T


def run_gd(X, Y, eta, steps, W0):
    """Plain gradient descent on ‖WX − Y‖²_F, with the gradient in its factored form.

    Stops early once the iterate is astronomically large: it has diverged, and going on would
    only overflow.
    """
    W = W0.copy()
    for _ in range(steps):
        W = W - eta * 2 * (W @ X - Y) @ X.T
        if np.abs(W).max() > 1e100:
            break
    return W


# ---------------------------------------------------------------------------------------------
# One sample


@equation("eq-lls-loss")
def lls_loss(W, x, y):
    """L(W; x, y) = ‖Wx − y‖², the squared Euclidean length of the residual."""
    r = W @ x - y
    return r @ r


def _sample_cases(rng):
    cases = [(rng.standard_normal((k, d)), rng.standard_normal(d), rng.standard_normal(k))
             for k, d in [(1, 1), (3, 4), (4, 3), (1, 6), (6, 1)]]
    cases.append(Case.of(rng.standard_normal((2, 3)), np.zeros(3), rng.standard_normal(2),
                         name="x = 0"))
    return cases


@check("eq-lls-loss", kind="library", oracle="torch.nn.functional.mse_loss(W @ x, y, reduction='sum')",
       rtol=1e-12, cases=_sample_cases)
def lls_loss_torch(W, x, y):
    W, x, y = (torch.tensor(a, dtype=torch.float64) for a in (W, x, y))
    return torch.nn.functional.mse_loss(W @ x, y, reduction="sum")


@equation("eq-lls-gradient")
def lls_gradient(W, x, y):
    """∇_W L = 2(W x xᵀ − y xᵀ), in the expanded form of the equation."""
    return 2 * (W @ np.outer(x, x) - np.outer(y, x))


@check("eq-lls-gradient", kind="autograd", oracle="torch autograd (float64) of ‖Wx − y‖²", rtol=1e-10,
       cases=_sample_cases)
def lls_gradient_autograd(W, x, y):
    xt, yt = torch.tensor(x), torch.tensor(y)
    return torch_grad(lambda Wt: torch.sum((Wt @ xt - yt) ** 2), W)


@check("eq-lls-gradient", kind="finite-differences", oracle="central finite differences of ‖Wx − y‖², h = 1e-6",
       rtol=1e-6, cases=_sample_cases)
def lls_gradient_fd(W, x, y):
    return central_difference(lambda V: np.sum((V @ x - y) ** 2), W)


# ---------------------------------------------------------------------------------------------
# A batch


@equation("eq-lls-batch-gradient")
def lls_batch_gradient(W, X, Y):
    """∇_W Σᵢ ‖W xᵢ − yᵢ‖² = 2(W X Xᵀ − Y Xᵀ)."""
    return 2 * (W @ X @ X.T - Y @ X.T)


def _batch_cases(rng):
    cases = []
    for k, d, N in [(2, 3, 10), (3, 5, 8), (1, 4, 1), (4, 2, 30)]:
        X, Y, _ = make_data(rng, k, d, N) if N >= d else (
            rng.standard_normal((d, N)), rng.standard_normal((k, N)), None)
        cases.append((rng.standard_normal((k, d)), X, Y))
    # Ill-conditioned data, near the optimum and off it along the flattest direction of X.
    X, Y, _ = make_data(rng, 2, 4, 12, cond=1e2)
    U = np.linalg.svd(X)[0]
    W = lstsq_solution(X, Y) + np.outer(rng.standard_normal(2), U[:, -1])
    cases.append(Case.of(W, X, Y, name="cond(X) = 1e2, small gradient near the optimum"))
    return cases


@check("eq-lls-batch-gradient", kind="autograd",
       oracle="sum over samples of per-sample torch autograd gradients (float64)", rtol=1e-10,
       cases=_batch_cases)
def lls_batch_gradient_per_sample(W, X, Y):
    total = np.zeros_like(W)
    for i in range(X.shape[1]):
        xi, yi = torch.tensor(X[:, i]), torch.tensor(Y[:, i])
        total += torch_grad(lambda Wt: torch.sum((Wt @ xi - yi) ** 2), W)
    return total


# ---------------------------------------------------------------------------------------------
# The exact second-order expansion, the minimiser and gradient descent


@equation("eq-lls-expansion")
def lls_expansion(W, E, X, Y):
    """L(W) + <∇L(W), E> + ‖EX‖²_F for the batch loss L(W) = ‖WX − Y‖²_F."""
    R = W @ X - Y
    grad = 2 * R @ X.T
    EX = E @ X
    return np.sum(R * R) + np.sum(grad * E) + np.sum(EX * EX)


def _expansion_cases(rng):
    cases = []
    for k, d, N, scale in [(2, 3, 10, 1e-3), (3, 5, 8, 1.0), (1, 4, 2, 10.0), (4, 2, 30, 1.0)]:
        X, Y = rng.standard_normal((d, N)), rng.standard_normal((k, N))
        cases.append(Case.of(rng.standard_normal((k, d)), scale * rng.standard_normal((k, d)),
                             X, Y, name=f"‖E‖ of order {scale:g}"))
    X, Y = rng.standard_normal((3, 6)), rng.standard_normal((2, 6))
    cases.append(Case.of(rng.standard_normal((2, 3)), np.zeros((2, 3)), X, Y, name="E = 0"))
    return cases


@check("eq-lls-expansion", kind="definition", oracle="the left-hand side: the loss ‖(W + E)X − Y‖²_F evaluated directly at W + E", rtol=1e-12,
       cases=_expansion_cases)
def lls_loss_at_perturbed(W, E, X, Y):
    return np.linalg.norm((W + E) @ X - Y, "fro") ** 2



@equation("eq-normal-equations")
def normal_equations(X, Y):
    """W* = Y Xᵀ (X Xᵀ)⁻¹, literally, with an explicit inverse."""
    return Y @ X.T @ np.linalg.inv(X @ X.T)


def _lstsq_cases(rng):
    cases = [make_data(rng, k, d, N)[:2] for k, d, N in [(2, 3, 10), (1, 5, 40), (4, 4, 6)]]
    X = rng.standard_normal((3, 3))
    cases.append(Case.of(X, rng.standard_normal((2, 3)), name="square X: exact interpolation"))
    X, _, W_true = make_data(rng, 2, 4, 15)
    cases.append(Case.of(X, W_true @ X, name="noise-free targets"))
    cases.append(Case.of(*make_data(rng, 2, 4, 20, cond=1e3)[:2],
                         name="cond(X) = 1e3, so cond(X Xᵀ) = 1e6"))
    return cases


@check("eq-normal-equations", kind="library", oracle="numpy.linalg.lstsq (SVD-based least squares)", rtol=1e-8,
       cases=_lstsq_cases)
def normal_equations_lstsq(X, Y):
    return lstsq_solution(X, Y)


@equation("eq-gd-step-bound", equivalent={
    "swap-args#1": "XᵀX and XXᵀ have the same nonzero eigenvalues (the squared singular values "
                   "of X), so their largest eigenvalue is the same number"})
def gd_step_bound(X):
    """The largest stable step, 1 / λ_max(X Xᵀ)."""
    return 1.0 / np.linalg.eigvalsh(X @ X.T)[-1]


def _gd_cases(rng):
    cases = [Case.of(make_data(rng, 1, d, N, cond=c)[0], name=f"{d} features, {N} samples, cond(X) = {c:g}")
             for d, N, c in [(3, 20, 1), (5, 40, 3), (4, 12, 10)]]
    X = rng.standard_normal((3, 25)) * np.array([[5.0], [1.0], [0.5]])
    cases.append(Case.of(X, name="features on different scales"))
    return cases


STEPS = 2000


@check("eq-gd-step-bound", kind="simulation", relation=True, rtol=0.0, atol=0.5,
       oracle=f"simulation: {STEPS} steps of gradient descent on random targets at 0.98 and 1.02 "
              "times the bound; the first must shrink the distance to the lstsq optimum by 1e6, "
              "the second must grow it by 1e6",
       cases=_gd_cases)
def gd_converges_below_diverges_above(bound_fn, X):
    rng = np.random.default_rng(1)
    Y, W0 = rng.standard_normal((2, X.shape[1])), rng.standard_normal((2, X.shape[0]))
    eta = bound_fn(X)
    W_star = lstsq_solution(X, Y)
    d0 = np.linalg.norm(W0 - W_star)
    below = np.linalg.norm(run_gd(X, Y, 0.98 * eta, STEPS, W0) - W_star)
    above = np.linalg.norm(run_gd(X, Y, 1.02 * eta, STEPS, W0) - W_star)
    return np.array([below <= 1e-6 * d0, above >= 1e6 * d0], dtype=float), np.ones(2)


@check("eq-gd-step-bound", kind="simulation", rtol=1e-2,
       oracle="the critical step found by bisection on simulated gradient descent (does the "
              "loss grow over 3000 steps?), no eigenvalues involved",
       cases=_gd_cases)
def critical_step_by_bisection(X):
    rng = np.random.default_rng(2)
    Y, W0 = np.zeros((1, X.shape[1])), rng.standard_normal((1, X.shape[0]))
    loss0 = np.sum((W0 @ X) ** 2)

    def diverges(eta):
        W = run_gd(X, Y, eta, 3000, W0)
        return not np.sum((W @ X) ** 2) <= loss0

    lo, hi = 0.0, 1.0
    while not diverges(hi):
        hi *= 2
    for _ in range(14):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if diverges(mid) else (mid, hi)
    return 0.5 * (lo + hi)


# ---------------------------------------------------------------------------------------------
# Rank-deficient data: where gradient descent ends up


@equation("eq-gd-limit-singular")
def gd_limit(X, Y, W0):
    """W_inf = Y X⁺ + W0 (I − X X⁺): the minimum-norm solution plus W0's part in the null space."""
    Xp = np.linalg.pinv(X)
    return Y @ Xp + W0 @ (np.eye(X.shape[0]) - X @ Xp)


def rank_deficient_data(rng, k, d, N, r):
    """X (d×N) of rank r < d with its nonzero singular values in [1, 2] times sqrt(N)."""
    U, _ = np.linalg.qr(rng.standard_normal((d, r)))
    V, _ = np.linalg.qr(rng.standard_normal((N, r)))
    X = U @ np.diag(np.sqrt(N) * np.linspace(2, 1, r)) @ V.T
    return X, rng.standard_normal((k, N))


def _singular_cases(rng):
    cases = []
    for k, d, N, r in [(2, 5, 20, 3), (1, 6, 4, 4), (3, 4, 30, 1), (2, 8, 6, 5)]:
        X, Y = rank_deficient_data(rng, k, d, N, r)
        cases.append(Case.of(X, Y, rng.standard_normal((k, d)),
                             name=f"{d} features, {N} samples, rank {r}"))
    X = rng.standard_normal((3, 10))
    X = np.vstack([X, X[0] - 2 * X[2]])                      # a redundant fourth feature
    cases.append(Case.of(X, rng.standard_normal((2, 10)), rng.standard_normal((2, 4)),
                         name="a feature that is a combination of two others"))
    return cases


@check("eq-gd-limit-singular", kind="simulation", rtol=1e-11,
       oracle="simulation: 4000 steps of gradient descent from W0 at half the step bound "
              "(the step from the largest eigenvalue by numpy.linalg.eigvalsh), no pseudoinverse",
       cases=_singular_cases)
def gd_limit_by_simulation(X, Y, W0):
    eta = 0.5 / np.linalg.eigvalsh(X @ X.T)[-1]
    return run_gd(X, Y, eta, 4000, W0)


@check("eq-gd-limit-singular", kind="library",
       oracle="from W0 = 0: the minimum-norm least-squares solution of numpy.linalg.lstsq "
              "(SVD-based), which is what it returns for rank-deficient X",
       rtol=1e-12,
       cases=lambda rng: [Case.of(c.args[0], c.args[1], np.zeros_like(c.args[2]), name=c.name)
                          for c in _singular_cases(rng)])
def gd_limit_from_zero_is_min_norm(X, Y, W0):
    return lstsq_solution(X, Y)
