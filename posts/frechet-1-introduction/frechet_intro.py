"""Code counterparts and checks for "Fréchet Derivatives 1: Introduction".

The gradients here are derived by hand in the post. Each is checked twice: against central
finite differences of the function value, and against torch autograd in float64. The definition
itself is checked through its remainder, which must shrink like the square of the step.
"""

import math

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


class Smooth:
    """A test function: its values (numpy), its hand-derived gradient, and the same function in
    torch, which only the oracles use (torch differentiates it; nobody hands it the gradient)."""

    def __init__(self, name, f, grad, f_torch):
        self.name, self.f, self.grad, self.torch = name, f, grad, f_torch

    def __call__(self, x):
        return self.f(x)

    def __repr__(self):
        return self.name


def _logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def _softmax(x):
    e = np.exp(x - np.max(x))
    return e / e.sum()


def smooth_functions(rng):
    """(name, f, grad, x, direction) for the functions used in the checks and the figure."""
    A = rng.standard_normal((5, 5))
    At = torch.tensor(A)
    x5 = rng.standard_normal(5)
    X = rng.standard_normal((4, 4))
    fns = [
        (Smooth("quadratic form xᵀAx", lambda x: x @ A @ x, lambda x: (A + A.T) @ x,
                lambda x: x @ At @ x), x5, rng.standard_normal(5)),
        (Smooth("log-sum-exp", _logsumexp, _softmax, lambda x: torch.logsumexp(x, 0)),
         rng.standard_normal(6), rng.standard_normal(6)),
        (Smooth("squared Frobenius norm", lambda X: np.sum(X * X), lambda X: 2 * X,
                lambda X: (X * X).sum()), rng.standard_normal((3, 4)), rng.standard_normal((3, 4))),
        (Smooth("tr(X³)", lambda X: np.trace(X @ X @ X), lambda X: 3 * (X @ X).T,
                lambda X: torch.trace(X @ X @ X)), X, rng.standard_normal((4, 4))),
    ]
    return [(f.name, f, f.grad, x, d) for f, x, d in fns]


def _derivative_along(g):
    """s -> d/ds g(s), by forward-mode autodiff (torch.func.jvp with tangent 1)."""
    one = torch.ones((), dtype=torch.float64)
    return lambda s: torch.func.jvp(g, (s,), (one,))[1]


def taylor_remainder(f_torch, x, eps, order=7):
    """sum_{k=2..order} D^k f(x)[eps, ..., eps] / k!, by nested forward-mode autodiff in torch.

    The Taylor series of s -> f(x + s eps) at s = 0, evaluated at s = 1, without its first two
    terms: the part of f(x + eps) that the linear approximation leaves out, up to O(|eps|^8).
    """
    xt, et = torch.tensor(x, dtype=torch.float64), torch.tensor(eps, dtype=torch.float64)
    g = lambda s: f_torch(xt + s * et)
    s0 = torch.zeros((), dtype=torch.float64)
    total = 0.0
    for k in range(1, order + 1):
        g = _derivative_along(g)
        if k >= 2:
            total += float(g(s0)) / math.factorial(k)
    return total


STEPS = np.logspace(-4, -1, 13)


def fitted_slope(t, r):
    """Least-squares slope of log|r| against log t."""
    return np.polyfit(np.log(t), np.log(np.abs(r)), 1)[0]


def _remainder_cases(rng):
    cases = []
    for name, f, g, x, d in smooth_functions(rng):
        for t in (1e-2, 3e-2, 1.0 if name != "log-sum-exp" else 1e-1):
            cases.append(Case.of(f, g, x, t * d, name=f"{name}, eps = {t:g} d"))
    return cases


@check("eq-frechet-definition", kind="autograd", rtol=1e-6,
       oracle="the Taylor terms of order 2 to 7 of f(x + eps), each a directional derivative "
              "of f taken by nested forward-mode torch autograd (torch.func.jvp); exact for the "
              "polynomials, O(|eps|⁸) for log-sum-exp",
       cases=_remainder_cases)
def remainder_by_taylor(f, grad, x, eps):
    return taylor_remainder(f.torch, x, eps)


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


@equation("eq-grad-quadratic", equivalent={
    "swap-args#1": "x @ (A + Aᵀ) is (A + Aᵀ)ᵀ x, and A + Aᵀ is symmetric: the same vector"})
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


# ---------------------------------------------------------------------------------------------
# Beyond scalars: the derivative of the inverse and the chain rule


@equation("eq-inverse-derivative")
def inverse_derivative(X, E):
    """D(X⁻¹)[E] = −X⁻¹ E X⁻¹, from differentiating X X⁻¹ = I."""
    Xinv = np.linalg.inv(X)
    return -Xinv @ E @ Xinv


def _inverse_cases(rng, ill=False):
    cases = [Case.of(rng.standard_normal((n, n)) + 2 * np.eye(n), rng.standard_normal((n, n)),
                     name=f"{n}x{n}") for n in (1, 2, 3, 5)]
    q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    cases.append(Case.of(q, rng.standard_normal((4, 4)), name="orthogonal X (X⁻¹ = Xᵀ)"))
    cases.append(Case.of(np.diag([3.0, -0.5, 2.0]), np.triu(rng.standard_normal((3, 3))),
                         name="diagonal X, triangular E"))
    if ill:
        u, _ = np.linalg.qr(rng.standard_normal((5, 5)))
        v, _ = np.linalg.qr(rng.standard_normal((5, 5)))
        cases.append(Case.of(u @ np.diag(np.logspace(0, -3, 5)) @ v.T, rng.standard_normal((5, 5)),
                             name="cond 1e3"))
    return cases


@check("eq-inverse-derivative", kind="finite-differences",
       oracle="central finite difference of numpy.linalg.inv along E, h = 1e-6", rtol=1e-6,
       cases=_inverse_cases)
def inverse_derivative_fd(X, E, h=1e-6):
    return (np.linalg.inv(X + h * E) - np.linalg.inv(X - h * E)) / (2 * h)


@check("eq-inverse-derivative", kind="autograd",
       oracle="forward-mode autodiff: torch.func.jvp of torch.linalg.inv along E (float64)",
       rtol=1e-10, cases=lambda rng: _inverse_cases(rng, ill=True))
def inverse_derivative_jvp(X, E):
    return torch.func.jvp(torch.linalg.inv, (torch.tensor(X),), (torch.tensor(E),))[1].numpy()


class Map:
    """A differentiable map for the chain rule: values (numpy), its derivative D(x, dx) worked
    out by hand, and the same map in torch for the oracles."""

    def __init__(self, name, f, D, f_torch):
        self.name, self.f, self.D, self.torch = name, f, D, f_torch

    def __call__(self, x):
        return self.f(x)

    def __repr__(self):
        return self.name


@equation("eq-chain-rule")
def chain_rule(g, f, x, eps):
    """D(g ∘ f)(x)[eps] = Dg(f(x))[Df(x)[eps]]: the inner derivative fed to the outer one."""
    return g.D(f(x), f.D(x, eps))


def _chain_cases(rng):
    A = rng.standard_normal((4, 4))
    At = torch.tensor(A)
    W, b = rng.standard_normal((3, 5)), rng.standard_normal(3)
    Wt, bt = torch.tensor(W), torch.tensor(b)
    B = rng.standard_normal((3, 3))
    Bt = torch.tensor(B)
    inverse = Map("X⁻¹", np.linalg.inv, inverse_derivative, torch.linalg.inv)
    trace_A = Map("tr(AY)", lambda Y: np.trace(A @ Y), lambda Y, H: np.trace(A @ H),
                  lambda Y: torch.trace(At @ Y))
    layer = Map("tanh(Wx)", lambda x: np.tanh(W @ x),
                lambda x, dx: (1 - np.tanh(W @ x) ** 2) * (W @ dx), lambda x: torch.tanh(Wt @ x))
    half_sq = Map("½‖y − b‖²", lambda y: 0.5 * np.sum((y - b) ** 2),
                  lambda y, dy: np.dot(y - b, dy), lambda y: 0.5 * ((y - bt) ** 2).sum())
    softmax = Map("softmax(y)", _softmax,
                  lambda y, dy: _softmax(y) * dy - _softmax(y) * np.dot(_softmax(y), dy),
                  lambda y: torch.softmax(y, 0))
    gram = Map("XᵀX", lambda X: X.T @ X, lambda X, E: E.T @ X + X.T @ E, lambda X: X.T @ X)
    logdet = Map("log det Y", lambda Y: np.linalg.slogdet(Y)[1],
                 lambda Y, H: np.trace(np.linalg.solve(Y, H)),
                 lambda Y: torch.linalg.slogdet(Y)[1])
    square_B = Map("YBY", lambda Y: Y @ B @ Y, lambda Y, H: H @ B @ Y + Y @ B @ H,
                   lambda Y: Y @ Bt @ Y)
    X4 = rng.standard_normal((4, 4)) + 3 * np.eye(4)
    X3 = rng.standard_normal((3, 3)) + 2 * np.eye(3)
    return [
        Case.of(trace_A, inverse, X4, rng.standard_normal((4, 4)), name="tr(A X⁻¹)"),
        Case.of(half_sq, layer, rng.standard_normal(5), rng.standard_normal(5),
                name="½‖tanh(Wx) − b‖², a one-layer network's loss"),
        Case.of(softmax, layer, rng.standard_normal(5), rng.standard_normal(5),
                name="softmax(tanh(Wx)): vector-valued outside and inside"),
        Case.of(logdet, gram, rng.standard_normal((5, 3)), rng.standard_normal((5, 3)),
                name="log det(XᵀX)"),
        Case.of(square_B, inverse, X3, rng.standard_normal((3, 3)),
                name="X⁻¹ B X⁻¹: matrix-valued outside and inside"),
    ]


@check("eq-chain-rule", kind="autograd",
       oracle="forward-mode autodiff (torch.func.jvp) of the composed map g(f(x)) along eps, "
              "written in torch; no derivative of f or g is handed to it", rtol=1e-10,
       cases=_chain_cases)
def chain_rule_jvp(g, f, x, eps):
    return torch.func.jvp(lambda z: g.torch(f.torch(z)), (torch.tensor(x),),
                          (torch.tensor(eps),))[1].numpy()


@check("eq-chain-rule", kind="finite-differences",
       oracle="central finite difference of the composed map g(f(x)) along eps, h = 1e-6",
       rtol=1e-6, cases=_chain_cases)
def chain_rule_fd(g, f, x, eps, h=1e-6):
    return (np.asarray(g(f(x + h * eps))) - np.asarray(g(f(x - h * eps)))) / (2 * h)
