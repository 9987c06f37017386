"""Code counterparts and checks for "Fréchet Derivatives 1: Introduction".

The gradients here are derived by hand in the post. Each is checked twice: against central
finite differences of the function value, and against torch autograd in float64. The definition
itself is checked through its remainder, which must shrink like the square of the step.
"""

import numpy as np
import torch

from folio import Case, check, equation


# ---------------------------------------------------------------------------------------------
# Independent tools used by the oracles (they never touch the hand-derived gradients)


def central_difference(f, x, h=1e-6):
    """Gradient of scalar f at array x by central differences, one coordinate at a time."""
    x = np.asarray(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        grad[idx] = (f(x + e) - f(x - e)) / (2 * h)
    return grad


def autograd(f_torch, *args, wrt):
    """Gradient of f_torch(*args) with respect to args[wrt], by torch autograd in float64."""
    ts = [torch.tensor(np.asarray(a), dtype=torch.float64) for a in args]
    ts[wrt].requires_grad_(True)
    f_torch(*ts).backward()
    return ts[wrt].grad.numpy()


def ill_conditioned_quadratic(rng, n, kappa):
    """Symmetric A with eigenvalues from 1 down to 1/kappa, and a unit x along the flattest one."""
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = q @ np.diag(np.logspace(0, -np.log10(kappa), n)) @ q.T
    return A, q[:, -1].copy()


# ---------------------------------------------------------------------------------------------
# The definition, through its remainder


@equation("eq-frechet-definition")
def remainder(f, grad, x, eps):
    """r(eps) = f(x + eps) - f(x) - <grad f(x), eps>: what the linear approximation misses."""
    return f(x + eps) - f(x) - np.sum(grad(x) * eps)


# Smooth test functions with their hand-derived gradients (vector and matrix arguments).
def _logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def _softmax(x):
    e = np.exp(x - np.max(x))
    return e / e.sum()


def smooth_functions(rng):
    """(name, f, grad, x, direction) for the functions used in the slope check and the figure."""
    A = rng.standard_normal((5, 5))
    x5 = rng.standard_normal(5)
    X = rng.standard_normal((4, 4))
    return [
        ("quadratic form xᵀAx", lambda x: x @ A @ x, lambda x: (A + A.T) @ x,
         x5, rng.standard_normal(5)),
        ("log-sum-exp", _logsumexp, _softmax, rng.standard_normal(6), rng.standard_normal(6)),
        ("squared Frobenius norm", lambda X: np.sum(X * X), lambda X: 2 * X,
         rng.standard_normal((3, 4)), rng.standard_normal((3, 4))),
        ("tr(X³)", lambda X: np.trace(X @ X @ X), lambda X: 3 * (X @ X).T,
         X, rng.standard_normal((4, 4))),
    ]


STEPS = np.logspace(-4, -1, 13)


def fitted_slope(t, r):
    """Least-squares slope of log|r| against log t."""
    return np.polyfit(np.log(t), np.log(np.abs(r)), 1)[0]


@check("eq-frechet-definition", kind="property", relation=True, atol=0.1, rtol=0.0,
       oracle="theorem: for smooth f the remainder along eps = t d is O(t²), so log|r| against "
              "log t has slope 2 (fitted over t from 1e-4 to 1e-1, must lie in [1.9, 2.1])",
       cases=lambda rng: [Case.of(f, g, x, d, name=name)
                          for name, f, g, x, d in smooth_functions(rng)])
def remainder_slope_is_two(remainder_fn, f, grad, x, d):
    r = np.array([remainder_fn(f, grad, x, t * d) for t in STEPS])
    return fitted_slope(STEPS, r), 2.0


# ---------------------------------------------------------------------------------------------
# Worked gradients


@equation("eq-grad-linear")
def grad_linear(a, x):
    """∇ₓ(aᵀx) = a, whatever x is."""
    return a.copy()


def _linear_cases(rng):
    return [(rng.standard_normal(n), rng.standard_normal(n)) for n in (1, 3, 8)] + [
        Case.of(1e3 * rng.standard_normal(5), rng.standard_normal(5), name="large coefficients")]


@check("eq-grad-linear", kind="finite-differences", oracle="central finite differences of aᵀx, h = 1e-6", rtol=1e-6,
       cases=_linear_cases)
def grad_linear_fd(a, x):
    return central_difference(lambda z: a @ z, x)


@check("eq-grad-linear", kind="autograd", oracle="torch autograd (float64) of aᵀx", rtol=1e-10,
       cases=_linear_cases)
def grad_linear_autograd(a, x):
    return autograd(lambda a, z: a @ z, a, x, wrt=1)


@equation("eq-grad-quadratic")
def grad_quadratic(A, x):
    """∇ₓ(xᵀAx) = (A + Aᵀ)x; only the symmetric part of A matters."""
    return (A + A.T) @ x


def _quadratic_cases(rng):
    cases = [(rng.standard_normal((n, n)), rng.standard_normal(n)) for n in (1, 4, 7)]
    S = rng.standard_normal((5, 5))
    cases.append(Case.of(S + S.T, rng.standard_normal(5), name="symmetric A"))
    A, x = ill_conditioned_quadratic(rng, 6, 1e4)
    cases.append(Case.of(A, x, name="condition number 1e4, x along the flattest direction"))
    return cases


@check("eq-grad-quadratic", kind="finite-differences", oracle="central finite differences of xᵀAx, h = 1e-6", rtol=1e-6,
       cases=_quadratic_cases)
def grad_quadratic_fd(A, x):
    return central_difference(lambda z: z @ A @ z, x)


@check("eq-grad-quadratic", kind="autograd", oracle="torch autograd (float64) of xᵀAx", rtol=1e-10,
       cases=lambda rng: _quadratic_cases(rng) + [
           Case.of(*ill_conditioned_quadratic(rng, 6, 1e6),
                   name="condition number 1e6, where finite differences fail")])
def grad_quadratic_autograd(A, x):
    return autograd(lambda A, z: z @ A @ z, A, x, wrt=1)


@equation("eq-grad-trace")
def grad_trace(A, X):
    """∇_X tr(AX) = Aᵀ (for A of shape n×m and X of shape m×n)."""
    return A.T.copy()


def _trace_cases(rng):
    return [(rng.standard_normal((n, m)), rng.standard_normal((m, n)))
            for n, m in [(3, 3), (2, 5), (5, 2), (1, 4)]]


@check("eq-grad-trace", kind="finite-differences", oracle="central finite differences of tr(AX), h = 1e-6", rtol=1e-6,
       cases=_trace_cases)
def grad_trace_fd(A, X):
    return central_difference(lambda Z: np.trace(A @ Z), X)


@check("eq-grad-trace", kind="autograd", oracle="torch autograd (float64) of torch.trace(A @ X)", rtol=1e-10,
       cases=_trace_cases)
def grad_trace_autograd(A, X):
    return autograd(lambda A, Z: torch.trace(A @ Z), A, X, wrt=1)


@equation("eq-grad-frobenius")
def grad_frobenius(X):
    """∇_X ‖X‖²_F = 2X."""
    return 2 * X


def _frobenius_cases(rng):
    return [rng.standard_normal(s) for s in [(3, 3), (2, 6), (6, 1)]] + [
        Case.of(np.zeros((2, 3)), name="zero matrix (gradient zero)")]


@check("eq-grad-frobenius", kind="finite-differences", oracle="central finite differences of the sum of squares, h = 1e-6",
       rtol=1e-6, cases=_frobenius_cases)
def grad_frobenius_fd(X):
    return central_difference(lambda Z: np.sum(Z ** 2), X)


@check("eq-grad-frobenius", kind="autograd", oracle="torch autograd (float64) of torch.linalg.norm(X) ** 2",
       rtol=1e-10, cases=lambda rng: [rng.standard_normal(s) for s in [(3, 3), (2, 6), (6, 1)]])
def grad_frobenius_autograd(X):
    return autograd(lambda Z: torch.linalg.norm(Z) ** 2, X, wrt=0)
