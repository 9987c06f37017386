"""Code counterparts and checks for "Fréchet Derivatives 4: The Determinant"."""

import itertools

import numpy as np
import torch

from folio import Case, check, equation


# ---------------------------------------------------------------------------------------------
# Test matrices


def random_orthogonal(rng, n):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def with_singular_values(rng, singular_values):
    """U diag(s) V^T with Haar-random orthogonal U, V: a matrix of known condition number."""
    n = len(singular_values)
    return random_orthogonal(rng, n) @ np.diag(singular_values) @ random_orthogonal(rng, n).T


def _square(rng, sizes=(1, 2, 3, 4, 5, 6)):
    return [Case.of(rng.standard_normal((n, n)), name=f"Gaussian {n}x{n}") for n in sizes]


def _special(rng, max_n=6):
    """Matrices where a sign, a scale or the conditioning could trip the formula up."""
    A = rng.standard_normal((4, 4))
    A = A if np.linalg.det(A) < 0 else A[[1, 0, 2, 3]]
    cases = [
        Case.of(A, name="negative determinant"),
        Case.of(np.eye(5)[[2, 0, 4, 1, 3]], name="permutation matrix"),
        Case.of(2 * np.eye(3), name="2I, where det M * M^T would give 16 I instead of 4 I"),
        Case.of(with_singular_values(rng, [1, 1, 1, 1, 1e-8]), name="near-singular, cond 1e8"),
        Case.of(with_singular_values(rng, np.logspace(0, -6, 5)),
                name="graded singular values, cond 1e6"),
    ]
    return [c for c in cases if c.args[0].shape[0] <= max_n]


# ---------------------------------------------------------------------------------------------
# Jacobi's formula


@equation("eq-det-gradient")
def det_gradient(M):
    """det M times the transpose of the inverse."""
    return np.linalg.det(M) * np.linalg.inv(M).T


def leibniz_det(A):
    """The determinant as the signed sum over permutations (no elimination, no inverse)."""
    n = A.shape[0]
    total = 0.0
    for perm in itertools.permutations(range(n)):
        inversions = sum(perm[i] > perm[j] for i in range(n) for j in range(i + 1, n))
        total += (-1) ** inversions * np.prod(A[np.arange(n), perm])
    return total  # 1.0 for the empty (0 x 0) matrix


def cofactor_matrix(M, det=leibniz_det):
    """C_ij = (-1)^(i+j) times the determinant of M with row i and column j removed."""
    n = M.shape[0]
    C = np.empty_like(M, dtype=float)
    for i, j in np.ndindex(n, n):
        minor = np.delete(np.delete(M, i, axis=0), j, axis=1)
        C[i, j] = (-1) ** (i + j) * det(minor)
    return C


@check("eq-det-gradient", kind="finite-differences",
       oracle="central finite differences entry by entry, h = 1e-3 (det is affine in each "
              "entry, so the difference quotient has no truncation error)",
       rtol=1e-10, cases=lambda rng: _square(rng) + _special(rng))
def det_gradient_by_finite_differences(M, h=1e-3):
    G = np.empty_like(M)
    for idx in np.ndindex(M.shape):
        D = np.zeros_like(M)
        D[idx] = h
        G[idx] = (np.linalg.det(M + D) - np.linalg.det(M - D)) / (2 * h)
    return G


@check("eq-det-gradient", kind="autograd", oracle="torch autograd of torch.linalg.det", rtol=1e-10,
       cases=lambda rng: _square(rng) + _special(rng))
def det_gradient_by_autograd(M):
    X = torch.tensor(M, requires_grad=True)
    torch.linalg.det(X).backward()
    return X.grad


@check("eq-det-gradient", kind="definition",
       oracle="the partial derivatives of the Leibniz polynomial, by Laplace expansion: the "
              "cofactor matrix from minors, each minor a Leibniz sum over permutations (n ≤ 5)",
       rtol=1e-10, cases=lambda rng: _square(rng, sizes=(1, 2, 3, 4, 5)) + _special(rng, 5))
def det_gradient_by_cofactors(M):
    return cofactor_matrix(M)


@equation("eq-det-directional")
def det_directional(M, E):
    """det M * tr(M^{-1} E), with M^{-1} E from a solve rather than an explicit inverse."""
    return np.linalg.det(M) * np.trace(np.linalg.solve(M, E))


def _pairs(rng):
    cases = [Case.of(rng.standard_normal((n, n)), rng.standard_normal((n, n)),
                     name=f"Gaussian {n}x{n}") for n in (1, 2, 3, 4, 5, 6)]
    M = rng.standard_normal((4, 4))
    cases += [
        Case.of(M, np.eye(4), name="E = I"),
        Case.of(M, np.outer(rng.standard_normal(4), rng.standard_normal(4)), name="E of rank one"),
        Case.of(with_singular_values(rng, [3, 2, 1, 0.5]), rng.standard_normal((4, 4)),
                name="cond 6"),
    ]
    return cases


@check("eq-det-directional", kind="finite-differences", oracle="central finite difference in t, h = 1e-6", rtol=1e-6,
       cases=_pairs)
def det_directional_by_finite_difference(M, E, h=1e-6):
    return (np.linalg.det(M + h * E) - np.linalg.det(M - h * E)) / (2 * h)


@check("eq-det-directional", kind="autograd",
       oracle="forward-mode autodiff: torch.func.jvp of torch.linalg.det along E", rtol=1e-10,
       cases=lambda rng: _pairs(rng) + [
           Case.of(with_singular_values(rng, np.logspace(0, -6, 5)), rng.standard_normal((5, 5)),
                   name="graded singular values, cond 1e6")])
def det_directional_by_jvp(M, E):
    _, tangent = torch.func.jvp(torch.linalg.det, (torch.tensor(M),), (torch.tensor(E),))
    return tangent


def leibniz_directional(M, E):
    """d/dt det(M + tE) at t = 0, read off the Leibniz sum as a polynomial in t.

    Each permutation contributes sign(p) * prod_i (M[i, p(i)] + t E[i, p(i)]), a polynomial of
    degree n in t; its coefficient of t^1 is the derivative at t = 0, exactly. No inverse, no
    solve, no trace, no determinant routine.
    """
    n = M.shape[0]
    total = 0.0
    for perm in itertools.permutations(range(n)):
        inversions = sum(perm[i] > perm[j] for i in range(n) for j in range(i + 1, n))
        poly = np.array([1.0])                       # coefficients in increasing powers of t
        for i in range(n):
            poly = np.polynomial.polynomial.polymul(poly, [M[i, perm[i]], E[i, perm[i]]])
        total += (-1) ** inversions * (poly[1] if len(poly) > 1 else 0.0)
    return total


@check("eq-det-directional", kind="definition",
       oracle="the Leibniz sum for det(M + tE) expanded as a polynomial in t (one product of n "
              "linear factors per permutation), its t¹ coefficient read off exactly (n ≤ 6)",
       rtol=1e-10,
       cases=lambda rng: [c for c in _pairs(rng) if c.args[0].shape[0] <= 6] + [
           Case.of(A, A, name=f"{len(A)}x{len(A)}, E = M")
           for A in (rng.standard_normal((n, n)) for n in (1, 3, 5))])
def det_directional_by_leibniz_polynomial(M, E):
    return leibniz_directional(M, E)


# ---------------------------------------------------------------------------------------------
# The log-determinant


@equation("eq-logdet-gradient")
def logdet_gradient(M):
    """M^{-T}: the transpose of the inverse."""
    return np.linalg.inv(M).T


def _logdet_cases(rng):
    return _square(rng) + [c for c in _special(rng) if "cond" not in c.name] + [
        Case.of(0.1 * np.eye(8), name="0.1 I, 8x8 (det 1e-8)"),
        Case.of(with_singular_values(rng, np.logspace(0, -3, 6)), name="cond 1e3"),
    ]


@check("eq-logdet-gradient", kind="autograd", oracle="torch autograd of torch.linalg.slogdet(M).logabsdet",
       rtol=1e-10, cases=_logdet_cases)
def logdet_gradient_by_autograd(M):
    X = torch.tensor(M, requires_grad=True)
    torch.linalg.slogdet(X).logabsdet.backward()
    return X.grad


@check("eq-logdet-gradient", kind="autograd",
       oracle="torch autograd of slogdet on near-singular matrices (cond 1e6 and 1e8), where "
              "M^{-T} itself is only known to about cond(M) times machine epsilon",
       rtol=1e-6, cases=lambda rng: [c for c in _special(rng) if "cond" in c.name])
def logdet_gradient_near_singular(M):
    X = torch.tensor(M, requires_grad=True)
    torch.linalg.slogdet(X).logabsdet.backward()
    return X.grad


@check("eq-logdet-gradient", kind="finite-differences",
       oracle="central finite differences of numpy.linalg.slogdet entry by entry, h = 1e-6",
       rtol=1e-6, cases=_logdet_cases)
def logdet_gradient_by_finite_differences(M, h=1e-6):
    G = np.empty_like(M)
    for idx in np.ndindex(M.shape):
        D = np.zeros_like(M)
        D[idx] = h
        G[idx] = (np.linalg.slogdet(M + D)[1] - np.linalg.slogdet(M - D)[1]) / (2 * h)
    return G


# ---------------------------------------------------------------------------------------------
# Finite differences against the step size


def directional_fd_error(M, E, hs):
    """Relative error of the central difference of det along E, for each step in ``hs``."""
    exact = det_directional(M, E)
    fd = np.array([(np.linalg.det(M + h * E) - np.linalg.det(M - h * E)) / (2 * h) for h in hs])
    return np.abs(fd - exact) / abs(exact)


def entrywise_fd_error(M, hs):
    """Normwise relative error of the entry-by-entry central-difference gradient, for each step."""
    exact = det_gradient(M)
    n = M.shape[0]
    errors = []
    for h in hs:
        D = h * np.eye(n * n).reshape(n * n, n, n)          # one perturbation per entry
        fd = (np.linalg.det(M + D) - np.linalg.det(M - D)) / (2 * h)
        errors.append(np.abs(fd.reshape(n, n) - exact).max() / np.abs(exact).max())
    return np.array(errors)
