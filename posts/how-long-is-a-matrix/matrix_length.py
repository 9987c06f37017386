"""Code counterparts and checks for "How Long is a Matrix?".

Each display equation of the post has one function here marked ``@equation`` (the formula as
written) and one or more ``@check`` functions that compute the same thing another way.
"""

import numpy as np

from folio import Case, check, equation


# ---------------------------------------------------------------------------------------------
# Inputs shared by the checks


def random_orthogonal(rng, n):
    """A Haar-distributed orthogonal matrix: QR of a Gaussian matrix, with R's signs fixed."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def low_rank(rng, m, n, r):
    """An m-by-n Gaussian matrix of rank r (a product of m-by-r and r-by-n Gaussian factors)."""
    return rng.standard_normal((m, r)) @ rng.standard_normal((r, n))


def flat_spectrum(rng, m, n, r, scale=1.0):
    """An m-by-n matrix of rank r whose r nonzero singular values all equal ``scale``."""
    u = random_orthogonal(rng, m)[:, :r]
    v = random_orthogonal(rng, n)[:, :r]
    return scale * u @ v.T


def _shapes(rng):
    return [rng.standard_normal((m, n)) for m, n in [(4, 6), (6, 4), (1, 7), (7, 1), (5, 5)]]


# ---------------------------------------------------------------------------------------------
# The Frobenius norm and the trace


@equation("eq-frobenius-trace", equivalent={
    "swap-args#1": "tr(X Xᵀ) = tr(XᵀX) = the sum of the squared entries: the same number"})
def frobenius_sq(X):
    """||X||_F^2 computed as the trace of the Gram matrix X^T X."""
    return np.trace(X.T @ X)


@check("eq-frobenius-trace", kind="library", oracle="numpy.linalg.norm(X, 'fro')**2", rtol=1e-12,
       cases=lambda rng: _shapes(rng) + [Case.of(np.zeros((3, 4)), name="zero matrix"),
                                         Case.of(low_rank(rng, 6, 5, 1), name="rank one")])
def frobenius_sq_by_numpy(X):
    return np.linalg.norm(X, "fro") ** 2


@check("eq-frobenius-trace", kind="library", oracle="sum of squared singular values from numpy.linalg.svd",
       rtol=1e-12,
       cases=lambda rng: _shapes(rng) + [Case.of(low_rank(rng, 6, 5, 2), name="rank two"),
                                         Case.of(np.ones((2, 3)), name="all ones")])
def frobenius_sq_by_svd(X):
    return np.sum(np.linalg.svd(X, compute_uv=False) ** 2)


@equation("eq-frobenius-inner", equivalent={
    "swap-args#1": "tr(Y Xᵀ) = tr(Xᵀ Y) by the cyclic rule, both the sum of X_ij Y_ij"})
def frobenius_inner(X, Y):
    """<X, Y> computed as tr(X^T Y)."""
    return np.trace(X.T @ Y)


@check("eq-frobenius-inner", kind="library", oracle="numpy.vdot of the flattened arrays", rtol=1e-12,
       cases=lambda rng: [(rng.standard_normal((m, n)), rng.standard_normal((m, n)))
                          for m, n in [(4, 6), (6, 4), (1, 5), (5, 1), (3, 3)]]
       + [Case.of(np.eye(4), np.eye(4), name="identity with itself")])
def frobenius_inner_by_vdot(X, Y):
    return np.vdot(X.ravel(), Y.ravel())


@equation("eq-trace-cyclic", equivalent={
    "swap-args#1": "computes tr(ABC) instead of tr(BCA): the same number, by the identity "
                   "this equation states (and the oracles check directly)",
    "swap-args#3": "computes tr(BCA) instead of tr(CAB): the same number, by the identity "
                   "this equation states"})
def cyclic_traces(A, B, C):
    """The two cyclic shifts tr(BCA) and tr(CAB): traces of matrices of different sizes."""
    return np.array([np.trace(B @ C @ A), np.trace(C @ A @ B)])


def _conformable(rng, m, n, p):
    return (rng.standard_normal((m, n)), rng.standard_normal((n, p)), rng.standard_normal((p, m)))


@check("eq-trace-cyclic", kind="definition", oracle="the left-hand side tr(ABC), by direct evaluation of the product A @ B @ C",
       rtol=1e-12,
       cases=lambda rng: [_conformable(rng, m, n, p)
                          for m, n, p in [(2, 3, 4), (5, 1, 3), (1, 6, 2), (4, 4, 4), (7, 2, 5)]])
def trace_abc_directly(A, B, C):
    t = np.trace(A @ B @ C)
    return np.array([t, t])


@check("eq-trace-cyclic", kind="definition", oracle="the left-hand side tr(ABC) from the definitions of product and trace, the triple sum over i, j, k of A_ij B_jk C_ki",
       rtol=1e-12,
       cases=lambda rng: [_conformable(rng, m, n, p) for m, n, p in [(3, 2, 4), (1, 1, 5)]])
def trace_abc_triple_sum(A, B, C):
    m, n = A.shape
    p = B.shape[1]
    t = sum(A[i, j] * B[j, k] * C[k, i] for i in range(m) for j in range(n) for k in range(p))
    return np.array([t, t])


# ---------------------------------------------------------------------------------------------
# Orthogonal invariance and the comparison with the spectral norm


@equation("eq-orthogonal-invariance")
def frobenius_after_rotation(U, X, V):
    """||U X V||_F, computed from the entries of the product."""
    Z = U @ X @ V
    return np.sqrt(np.sum(Z * Z))


def _rotations(rng):
    out = []
    for m, n in [(4, 6), (6, 4), (5, 5), (1, 3), (3, 1)]:
        out.append((random_orthogonal(rng, m), rng.standard_normal((m, n)),
                    random_orthogonal(rng, n)))
    reflect = np.diag([1.0, 1.0, -1.0])
    perm = np.eye(3)[[2, 0, 1]]
    out.append(Case.of(reflect, rng.standard_normal((3, 3)), perm,
                       name="a reflection and a permutation"))
    return out


@check("eq-orthogonal-invariance", kind="library", oracle="numpy.linalg.norm(X, 'fro') of the unrotated X",
       rtol=1e-12, cases=_rotations)
def frobenius_before_rotation(U, X, V):
    return np.linalg.norm(X, "fro")


@equation("eq-norm-bounds")
def frobenius_norm(X):
    """The middle term of the chain: ||X||_F, the square root of the sum of squared entries."""
    return np.sqrt(np.sum(X * X))


def _bound_cases(rng):
    cases = [rng.standard_normal((m, n)) for m, n in [(5, 5), (4, 7), (7, 4)]]
    cases += [Case.of(low_rank(rng, 6, 6, r), name=f"Gaussian, rank {r}") for r in (1, 2, 3)]
    cases += [Case.of(flat_spectrum(rng, 6, 5, r, scale=3.0), name=f"flat spectrum, rank {r}")
              for r in (1, 2, 5)]
    return cases


@check("eq-norm-bounds", kind="library", oracle="lower bound: numpy.linalg.norm(X, 2), the largest singular value",
       compare="ge", rtol=1e-12, cases=_bound_cases)
def spectral_norm(X):
    return np.linalg.norm(X, 2)


@check("eq-norm-bounds", kind="library",
       oracle="upper bound: sqrt(numpy.linalg.matrix_rank(X)) * numpy.linalg.norm(X, 2)",
       compare="le", rtol=1e-12, cases=_bound_cases)
def rank_times_spectral(X):
    return np.sqrt(np.linalg.matrix_rank(X)) * np.linalg.norm(X, 2)


# ---------------------------------------------------------------------------------------------
# The nuclear norm


@equation("eq-nuclear-norm", equivalent={
    "swap-args#1": "np.clip(0.0, e, None) broadcasts to max(0, e) elementwise, the same as "
                   "np.clip(e, 0.0, None)",
    "swap-args#2": "X Xᵀ has the eigenvalues of XᵀX plus zeros for the extra dimension, and "
                   "square roots of zeros add nothing to the sum"})
def nuclear_norm(X):
    """tr sqrt(XᵀX): the square roots of the eigenvalues of the Gram matrix, summed.

    Eigenvalues that rounding pushed below zero (for rank-deficient X) count as zero.
    """
    return np.sum(np.sqrt(np.clip(np.linalg.eigvalsh(X.T @ X), 0.0, None)))


def _nuclear_cases(rng):
    cases = [rng.standard_normal((m, n)) for m, n in [(4, 6), (6, 4), (1, 5), (5, 1), (5, 5)]]
    cases.append(Case.of(0.01 * rng.standard_normal((4, 4)), name="small entries (σ ≪ 1)"))
    cases.append(Case.of(low_rank(rng, 6, 5, 2), name="rank two"))
    cases.append(Case.of(flat_spectrum(rng, 5, 5, 3, scale=0.3), name="flat spectrum 0.3, rank 3"))
    return cases


@check("eq-nuclear-norm", kind="library",
       oracle="numpy.linalg.norm(X, 'nuc'): the sum of the singular values from an SVD of X",
       rtol=1e-7, cases=_nuclear_cases)
def nuclear_norm_by_svd(X):
    return np.linalg.norm(X, "nuc")


def _nuclear_special_cases(rng):
    d = rng.standard_normal(5)
    B = rng.standard_normal((4, 3))
    return [Case.of(np.diag(d), name="diagonal, mixed signs: Σ|dᵢ|"),
            Case.of(np.diag(np.abs(d[:3]) * 0.1), name="diagonal, entries below 1"),
            Case.of(B @ B.T, name="symmetric PSD of rank 3: its trace"),
            Case.of(np.eye(4), name="identity: n")]


@check("eq-nuclear-norm", kind="special-case",
       oracle="exact cases: a diagonal matrix has singular values |dᵢ|, and a symmetric positive "
              "semidefinite one has its eigenvalues as singular values, so the sum is its trace",
       rtol=1e-7, cases=_nuclear_special_cases)
def nuclear_norm_special(X):
    if np.count_nonzero(X - np.diag(np.diag(X))) == 0:
        return np.sum(np.abs(np.diag(X)))
    return np.trace(X)
